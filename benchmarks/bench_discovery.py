"""4. First plugin discovery over 500 distributions vs a bare entry-point scan.

500 minimal ``.dist-info`` folders are written to a temporary folder; 20 are mlxinit
plugins (each declares two ``mlxinit.initializers`` entry points, and every other one
also a ``mlxinit.plugins`` hook module), 200 others declare console scripts. Each side
runs in a fresh interpreter, imports done before the clock starts; alternated.
"""

from __future__ import annotations

import os
import statistics
import tempfile

from _common import Result, fmt_s, run_json

TARGET = 1.5
N_DISTS = 500
N_PLUGINS = 20
GROUP = "mlxinit.initializers"

BARE = r"""
import json, sys, time
import importlib_metadata
path = sys.argv[1]
t0 = time.perf_counter()
eps = [ep for d in importlib_metadata.distributions(path=[path]) for ep in d.entry_points
       if ep.group == "mlxinit.initializers"]
t = time.perf_counter() - t0
print(json.dumps({"t": t, "n": len(eps)}))
"""

OURS = r"""
import json, sys, time
import importlib_metadata
import mlxinit
path = sys.argv[1]
sys.path.insert(0, path)
reg = mlxinit.Registry(distributions=lambda: importlib_metadata.distributions(path=[path]))
t0 = time.perf_counter()
names = reg.available()
t = time.perf_counter() - t0
scans = reg.scans
for _ in range(200):
    reg.get("acme_0_a"); reg.get("hooked_1"); reg.available("acme_*"); reg.info("acme_3_b")
t_later = time.perf_counter()
for _ in range(1000):
    reg.get("acme_5_a")
t_later = (time.perf_counter() - t_later) / 1000
print(json.dumps({"t": t, "n": len(names), "scans_first": scans, "scans_after": reg.scans,
                  "t_later": t_later, "failures": len(reg.plugin_report().failures)}))
"""


def synthesise(root: str) -> None:
    """Write the distributions and the plugins' modules under ``root``."""
    for i in range(N_DISTS):
        name = f"dist{i:03d}"
        info = os.path.join(root, f"{name}-1.0.dist-info")
        os.makedirs(info)
        with open(os.path.join(info, "METADATA"), "w") as f:
            f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        eps = ""
        if i < N_PLUGINS:
            mod = f"acme_{i}"
            eps = f"[{GROUP}]\nacme_{i}_a = {mod}:a\nacme_{i}_b = {mod}:b\n"
            body = (
                "import mlx.core as mx\n\n"
                "def a(scale: float = 1.0, *, dtype=mx.float32):\n"
                "    return lambda arr: mx.full(arr.shape, scale, dtype=dtype)\n\n"
                "b = a\n"
            )
            if i % 2:
                eps += f"\n[mlxinit.plugins]\nhooks = {mod}_hooks\n"
                with open(os.path.join(root, f"{mod}_hooks.py"), "w") as f:
                    f.write(
                        "import mlxinit\n\n"
                        "@mlxinit.hookimpl\n"
                        "def mlxinit_register_initializers(registry):\n"
                        f"    registry.register('hooked_{i}', lambda *, dtype=None: (lambda a: a))\n"
                    )
            with open(os.path.join(root, f"{mod}.py"), "w") as f:
                f.write(body)
        elif i % 5 < 2:
            eps = f"[console_scripts]\n{name} = {name}.cli:main\n"
        if eps:
            with open(os.path.join(info, "entry_points.txt"), "w") as f:
                f.write(eps)


def run(quick: bool) -> list[Result]:
    rounds = 5 if quick else 11
    with tempfile.TemporaryDirectory(prefix="mlxinit-bench-") as root:
        synthesise(root)
        run_json(BARE, root)  # warm the file cache
        bare, ours, ratios = [], [], []
        last: dict = {}
        for i in range(rounds):
            if i % 2:
                b = run_json(BARE, root)
                last = run_json(OURS, root)
            else:
                last = run_json(OURS, root)
                b = run_json(BARE, root)
            bare.append(b["t"])
            ours.append(last["t"])
            ratios.append(last["t"] / b["t"])
    ratio = statistics.median(ratios)
    rescans = last["scans_after"] - last["scans_first"]
    return [
        Result(
            "4. discovery", f"first discovery, {N_DISTS} dists ({N_PLUGINS} plugins)",
            fmt_s(statistics.median(ours)), fmt_s(statistics.median(bare)), ratio,
            "<= 1.5x bare scan", ratio <= TARGET,
            f"mlxinit also imports {N_PLUGINS // 2} hook modules and validates them with pluggy; "
            f"{last['n']} names found, {last['failures']} failures",
        ),
        Result(
            "4. discovery", "later lookups (1 000 get + available/info) rescan?",
            f"{rescans} rescans", "—", None, "0 rescans", rescans == 0 and last["scans_first"] == 1,
            f"scans after first discovery: {last['scans_first']}; warm plugin get: "
            f"{fmt_s(last['t_later'])}",
        ),
    ]
