"""10. One large keyed initializer call: its tiles on one stream per core vs one stream, same bits."""

from __future__ import annotations

import statistics
import time

from _common import Result, fmt_s


def run(quick: bool, side: int = 8192) -> list[Result]:
    import mlx.core as mx

    import mlxinit
    from mlxinit import _rng

    if quick:
        side = 4096
    init = mlxinit.get("normal")
    key = mx.random.key(0)
    saved = _rng.SPLIT_MIN

    def once(split: bool) -> tuple[float, mx.array]:
        _rng.SPLIT_MIN = saved if split else 1 << 62
        try:
            t0 = time.perf_counter()
            a = init((side, side), key=key)
            mx.eval(a)
            return time.perf_counter() - t0, a
        finally:
            _rng.SPLIT_MIN = saved

    once(True)  # warm up both paths
    once(False)
    ours, base = [], []
    same = True
    for _ in range(2 if quick else 5):  # alternated
        t, a = once(True)
        ours.append(t)
        t, b = once(False)
        base.append(t)
        same = same and bool(mx.array_equal(a, b))
    t_ours, t_base = statistics.median(ours), statistics.median(base)
    return [
        Result(
            "10. split", f"seeded normal {side}x{side}, tiles on one stream per core vs one stream",
            fmt_s(t_ours), fmt_s(t_base), t_ours / t_base, "< 1 (kept only if it wins), bitwise equal",
            t_ours < t_base and same, f"bitwise equal: {same}; medians of alternated calls",
        )
    ]


if __name__ == "__main__":
    import sys

    for r in run("--quick" in sys.argv):
        print(r)
