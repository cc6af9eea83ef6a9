"""Shared helpers: results, side-by-side timing, subprocess runs."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

PYTHON = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Result:
    """One line of the results table."""

    bench: str  #: "1. get" …
    case: str
    ours: str  #: the mlxinit figure, formatted
    base: str  #: the baseline figure, formatted
    ratio: float | None  #: ours / base (lower is better), None when not a ratio
    target: str
    passed: bool | None  #: None: informational
    note: str = ""

    def verdict(self) -> str:
        return "—" if self.passed is None else ("PASS" if self.passed else "FAIL")


def fmt_s(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.2f} us"


def per_call(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn`` over one block of ``number`` calls."""
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def alternate(
    a: Callable[[], object], b: Callable[[], object], *, number: int, rounds: int, best: bool = False
) -> tuple[float, float, float]:
    """Median seconds per call of ``a`` and of ``b``, in blocks alternated ``rounds`` times,
    and the median of the per-round ratios a/b (robust to load that drifts between rounds).

    With ``best=True``: the fastest block of each side and their ratio instead (as
    ``timeit`` advises for overheads of a few percent, which other load on a shared
    machine would otherwise drown)."""
    ta, tb, ratios = [], [], []
    for i in range(rounds):
        if i % 2:
            y = per_call(b, number)
            x = per_call(a, number)
        else:
            x = per_call(a, number)
            y = per_call(b, number)
        ta.append(x)
        tb.append(y)
        ratios.append(x / y)
    if best:
        return min(ta), min(tb), min(ta) / min(tb)
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def interleaved(a: Callable[[], object], b: Callable[[], object], *, calls: int) -> tuple[float, float, float]:
    """Median seconds per call of ``a`` and ``b``, timed call by call in ABBA order.

    For effects of a few percent on sub-millisecond calls: load on a shared machine
    drifts on a scale of milliseconds, so neighbouring calls see the same conditions and
    the medians of many single calls compare them fairly.
    """
    pc = time.perf_counter
    ta: list[float] = []
    tb: list[float] = []
    for i in range(calls):
        (f, tf), (g, tg) = ((b, tb), (a, ta)) if i % 2 else ((a, ta), (b, tb))
        t0 = pc()
        f()
        t1 = pc()
        g()
        t2 = pc()
        tf.append(t1 - t0)
        tg.append(t2 - t1)
    ma, mb = statistics.median(ta), statistics.median(tb)
    return ma, mb, ma / mb


def run_json(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    proc = subprocess.run(
        [PYTHON, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
