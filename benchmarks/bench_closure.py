"""2. ``get(n)(a)`` + ``mx.eval`` vs ``mlx.nn.init.n()(a)`` + ``mx.eval``.

Calls are timed one by one in ABBA order and compared by their medians: the overhead
looked for is a microsecond or two on a 130–250 us call, below the scatter that other
load causes between blocks of calls on a shared 2-core machine (block medians moved by
±6 % between runs). The Python-side cost is also reported: building the lazy result
without evaluating it.
"""

from __future__ import annotations

from _common import Result, fmt_s, interleaved

TARGET = 1.05
NAMES = ["normal", "uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform"]
SHAPES = [((64, 64), 4000), ((1024, 1024), 60)]


def run(quick: bool) -> list[Result]:
    import mlx.core as mx
    import mlx.nn as nn

    import mlxinit

    out = []
    calls_small = SHAPES[0][1] // 4 if quick else SHAPES[0][1]
    for shape, calls in SHAPES:
        calls = calls // 4 if quick else calls
        a = mx.zeros(shape)
        mx.eval(a)
        for name in NAMES:
            factory = getattr(nn.init, name)

            def ours(name: str = name, a: object = a) -> None:
                mx.eval(mlxinit.get(name)(a))

            def base(factory: object = factory, a: object = a) -> None:
                mx.eval(factory()(a))  # type: ignore[operator]

            ours()
            base()
            t_ours, t_base, ratio = interleaved(ours, base, calls=calls)
            out.append(
                Result(
                    "2. closure", f"{name} {shape[0]}x{shape[1]}", fmt_s(t_ours), fmt_s(t_base),
                    ratio, "ratio <= 1.05", ratio <= TARGET, f"median of {calls} single calls each, ABBA",
                )
            )
    # Where the difference is: the closure alone (built once) vs MLX's, evaluated ...
    a = mx.zeros((64, 64))
    mx.eval(a)
    for name in ("uniform", "glorot_uniform"):
        built, factory = mlxinit.get(name), getattr(nn.init, name)
        t_ours, t_base, ratio = interleaved(
            lambda b=built: mx.eval(b(a)), lambda f=factory: mx.eval(f()(a)), calls=calls_small
        )
        out.append(
            Result(
                "2. closure", f"{name} 64x64, closure built once", fmt_s(t_ours), fmt_s(t_base),
                ratio, "informational", None, "the initializer itself, without get() in the loop",
            )
        )
    # ... and the Python side alone: get + build the lazy result, without evaluating it.
    for name in ("uniform", "he_normal"):
        factory = getattr(nn.init, name)
        t_ours, t_base, ratio = interleaved(
            lambda name=name: mlxinit.get(name)(a), lambda f=factory: f()(a), calls=2000 if quick else 20000
        )
        out.append(
            Result(
                "2. closure", f"{name} 64x64, Python side only (no eval)", fmt_s(t_ours), fmt_s(t_base),
                ratio, "informational", None, f"mlxinit's extra: {(t_ours - t_base) * 1e6:.2f} us per call",
            )
        )
    return out
