"""1. Warm ``mlxinit.get(name)`` for a built-in vs calling the ``mlx.nn.init`` factory."""

from __future__ import annotations

from _common import Result, alternate, fmt_s

TARGET_S = 3e-6
CASES = [
    ("he_normal", {}),
    ("glorot_uniform", {"dtype": "bfloat16"}),
    ("normal", {"std": 0.02}),
]


def run(quick: bool) -> list[Result]:
    import mlx.core as mx
    import mlx.nn as nn

    import mlxinit

    rounds = 7 if quick else 21
    out = []
    for name, kw in CASES:
        mlx_kw = {k: (getattr(mx, v) if k == "dtype" else v) for k, v in kw.items()}
        factory = getattr(nn.init, name)
        mlxinit.get(name, **mlx_kw)  # warm: resolved and built once

        def ours(name: str = name, kw: dict = mlx_kw) -> object:
            return mlxinit.get(name, **kw)

        def base(factory: object = factory, kw: dict = mlx_kw) -> object:
            return factory(**kw)  # type: ignore[operator]

        t_ours, t_base, ratio = alternate(ours, base, number=5000, rounds=rounds)
        args = ", ".join([repr(name), *(f"{k}={v!r}" for k, v in kw.items())])
        out.append(
            Result(
                "1. warm get", f"get({args})", fmt_s(t_ours), fmt_s(t_base), ratio,
                "<= 3 us per get", t_ours <= TARGET_S,
            )
        )
    return out
