import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def he_normal(*, dtype=mx.float32):
    """A plugin's own he_normal (the built-in keeps the plain name)."""

    def init(a):
        return mx.full(a.shape, 7.0, dtype=dtype)

    return init


def reserved_ok(*, std: float = 0.02, dtype=mx.float32):
    """An unreserved name."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init
