"""Run the mlxinit benchmarks side by side with mlx.nn.init and write RESULTS.md.

Usage (``make bench`` runs the first)::

    python benchmarks/run.py                 # everything, ~5 minutes on 2 cores
    python benchmarks/run.py --quick         # fewer rounds; skips MLX's 1-minute orthogonal
    python benchmarks/run.py --only 1,2      # some benchmarks
    python benchmarks/run.py --only 9        # adapters (PiSSA's SVDs) and LSUV
    python benchmarks/run.py --apply-layers 4  # a smaller Llama for benchmark 6

Every figure is a median; ratios are mlxinit / baseline, measured in the same run,
alternated. Timing never becomes an assertion in the unit tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time

import bench_adapters
import bench_apply
import bench_closure
import bench_discovery
import bench_get
import bench_import
import bench_orthogonal
import bench_sharded
import bench_split
import bench_verify
from _common import HERE, Result

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _machine() -> str:
    import mlx.core as mx

    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} memory, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, MLX {mx.__version__} "
        f"(default device {mx.default_device()})"
    )


def _table(results: list[Result]) -> str:
    rows = [
        "| benchmark | case | mlxinit | baseline | ratio | target | result | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = "—" if r.ratio is None else f"{r.ratio:.3f}"
        rows.append(
            f"| {r.bench} | {r.case} | {r.ours} | {r.base} | {ratio} | {r.target} | "
            f"**{r.verdict()}** | {r.note} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds; skip MLX's orthogonal at (1024, 4096)")
    p.add_argument("--only", default="1,2,3,4,5,6,7,8,9,10", help="comma-separated benchmark numbers")
    p.add_argument("--apply-layers", type=int, default=None,
                   help="layers of the Llama model (default 16: ~1.2 B params; 4 with --quick)")
    p.add_argument("--write", choices=["auto", "yes", "no"], default="auto",
                   help="update RESULTS.md (auto: only for a full, non-quick run)")
    args = p.parse_args(argv)
    if args.apply_layers is None:
        args.apply_layers = 4 if args.quick else 16
    only = {int(x) for x in args.only.split(",") if x.strip()}
    benches = {
        1: bench_get.run,
        2: bench_closure.run,
        3: bench_import.run,
        4: bench_discovery.run,
        5: bench_orthogonal.run,
        6: lambda quick: bench_apply.run(quick, layers=args.apply_layers),
        7: bench_sharded.run,
        8: bench_verify.run,
        9: bench_adapters.run,
        10: bench_split.run,
    }
    results: list[Result] = []
    started = time.perf_counter()
    for n in sorted(only):
        t0 = time.perf_counter()
        got = benches[n](args.quick)
        for r in got:
            ratio = "" if r.ratio is None else f"  ratio {r.ratio:.3f}"
            print(f"[{r.verdict():4}] {r.bench:14} {r.case:55} {r.ours:>12} vs {r.base:>10}{ratio}  ({r.target})",
                  flush=True)
        print(f"        ({time.perf_counter() - t0:.0f} s)", flush=True)
        results.extend(got)
    total = time.perf_counter() - started
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    block = "\n".join([
        BEGIN,
        f"Command: `{command.strip()}` (`make bench`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{total:.0f} s in all.",
        "",
        f"Machine: {_machine()}.",
        "",
        _table(results),
        END,
    ])
    print()
    print(block)
    failed = [r for r in results if r.passed is False]
    print(f"\n{len(results) - len(failed)} of {len(results)} rows meet their target; "
          f"{len(failed)} do not (see RESULTS.md for why).")
    write = args.write == "yes" or (args.write == "auto" and not args.quick and only == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
                                    and args.apply_layers == 16)
    if write:
        path = os.path.join(HERE, "RESULTS.md")
        text = f"# Benchmark results\n\n{BEGIN}\n{END}\n"
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
