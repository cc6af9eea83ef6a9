"""7. Sharded init cost: 2 ranks on localhost, mlxinit's per-rank draws vs replicate-then-slice.

Each pattern runs in fresh processes under the same launcher (``mlx.launch --backend ring``),
alternated, the median of the rounds kept. On a 2-core host the ring backend's threads take
CPU from both ranks, so the two patterns are compared with each other, not with one process.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from _common import HERE, PYTHON, Result, fmt_s

RANK_SCRIPT = os.path.join(HERE, "_sharded_rank.py")


def _launch(pattern: str, layers: int, width: int) -> dict[str, float]:
    launcher = shutil.which("mlx.launch", path=os.path.dirname(PYTHON)) or "mlx.launch"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        subprocess.run(
            [launcher, "-n", "2", "--backend", "ring", "--python", PYTHON, RANK_SCRIPT, pattern, str(layers),
             str(width), out],
            check=True, capture_output=True, text=True, timeout=900, cwd=tmp,
        )
        with open(out) as f:
            return json.load(f)  # type: ignore[no-any-return]


def run(quick: bool, layers: int = 16, width: int = 4096) -> list[Result]:
    if quick:
        layers = 4
    params_mib = layers * width * width * 4 / 2**20
    rounds = 1 if quick else 3
    ours, base = [], []
    for _ in range(rounds):  # alternated: A B, A B, ...
        ours.append(_launch("mlxinit", layers, width))
        base.append(_launch("replicate", layers, width))
    t_ours = statistics.median(r["time"] for r in ours)
    t_base = statistics.median(r["time"] for r in base)
    rss_ours = statistics.median(r["rss_mib"] for r in ours)
    rss_base = statistics.median(r["rss_mib"] for r in base)
    size = f"{layers} x Linear({width}, {width}) = {params_mib / 1024:.2f} GiB float32, 2 ranks"
    return [
        Result("7. sharded", f"per-rank init time, {size}", fmt_s(t_ours), fmt_s(t_base), t_ours / t_base,
               "<= 0.6x replicate-then-slice", t_ours <= 0.6 * t_base,
               f"median of {rounds} launches a side, alternated; slowest rank"),
        Result("7. sharded", "per-rank peak RSS growth / parameter bytes", f"{rss_ours / params_mib:.2f}x",
               f"{rss_base / params_mib:.2f}x", rss_ours / rss_base, "<= 0.6x the parameter bytes",
               rss_ours <= 0.6 * params_mib,
               f"{rss_ours:.0f} MiB vs {rss_base:.0f} MiB; each rank holds {ours[0]['held_mib']:.0f} MiB"),
    ]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
