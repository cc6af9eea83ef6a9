"""2. ``get(n)(a)`` + ``mx.eval`` vs ``mlx.nn.init.n()(a)`` + ``mx.eval``."""

from __future__ import annotations

from _common import Result, alternate, fmt_s

TARGET = 1.05
NAMES = ["normal", "uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform"]
SHAPES = [((64, 64), 400), ((1024, 1024), 12)]


def run(quick: bool) -> list[Result]:
    import mlx.core as mx
    import mlx.nn as nn

    import mlxinit

    rounds = 5 if quick else 15
    out = []
    for shape, number in SHAPES:
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
            t_ours, t_base, ratio = alternate(ours, base, number=number, rounds=rounds)
            out.append(
                Result(
                    "2. closure", f"{name} {shape[0]}x{shape[1]}", fmt_s(t_ours), fmt_s(t_base),
                    ratio, "ratio <= 1.05", ratio <= TARGET,
                )
            )
    return out
