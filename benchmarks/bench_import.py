"""3. ``python -c "import mlxinit"`` vs ``python -c "import mlx.nn"``, whole processes, alternated."""

from __future__ import annotations

import os
import statistics
import subprocess
import time

from _common import PYTHON, Result, fmt_s

TARGET = 1.15


#: As after ``pip install``: bytecode cached (an inherited PYTHONDONTWRITEBYTECODE would
#: recompile mlxinit from source at every start, while mlx's .pyc files are installed).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(stmt: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([PYTHON, "-c", stmt], check=True, env=_ENV)
    return time.perf_counter() - t0


def run(quick: bool) -> list[Result]:
    rounds = 9 if quick else 25
    _once("import mlxinit")  # warm the OS file cache and the .pyc files
    _once("import mlx.nn")
    ta, tb, ratios = [], [], []
    for i in range(rounds):
        order = ["import mlxinit", "import mlx.nn"][:: (-1 if i % 2 else 1)]
        t = {s: _once(s) for s in order}
        ta.append(t["import mlxinit"])
        tb.append(t["import mlx.nn"])
        ratios.append(ta[-1] / tb[-1])
    ours, base, ratio = statistics.median(ta), statistics.median(tb), statistics.median(ratios)
    bare = statistics.median(_once("pass") for _ in range(min(rounds, 9)))
    return [
        Result(
            "3. import", "python -c 'import mlxinit' vs 'import mlx.nn'", fmt_s(ours), fmt_s(base),
            ratio, "ratio <= 1.15", ratio <= TARGET,
            f"a bare `python -c pass` takes {fmt_s(bare)}; medians of {rounds} alternated pairs; "
            "bytecode cached as after pip install",
        )
    ]
