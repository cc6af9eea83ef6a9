"""Initializer factories of acme-inits: hyper-parameters and dtype in, closure (or Fill) out.

Closures take ``key`` and hand it to :mod:`mlxinit.sampling`, so seeded and keyed calls
are reproducible without touching MLX's global generator.
"""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx

from mlxinit import Fill, InvalidParameterError, sampling


def scaled_normal(*, std: float = 0.02, dtype: mx.Dtype = mx.float32) -> Fill:
    """Normal with mean 0 and standard deviation ``std``.

    Args:
        std: the standard deviation, > 0. Default: ``0.02``.
        dtype: the dtype of the result. Default: ``float32``.
    """
    if not std > 0:
        raise InvalidParameterError("scaled_normal", "std", "a number > 0", std)

    def init(a: mx.array, *, key: mx.array | None = None) -> mx.array:
        return sampling.normal(a.shape, scale=std, dtype=dtype, key=key)

    return Fill(init, expected_std=lambda shape: std, distribution="normal")


def zero_residual(*, dtype: mx.Dtype = mx.float32) -> Callable[[mx.array], mx.array]:
    """Zeros, for the last layer of a residual branch (Fixup / ReZero style)."""

    def init(a: mx.array, *, key: mx.array | None = None) -> mx.array:
        return mx.zeros(a.shape, dtype=dtype)

    return init
