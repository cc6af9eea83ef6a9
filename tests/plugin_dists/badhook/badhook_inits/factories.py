import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def raising_factory(*, dtype=mx.float32):
    """Raises when built."""
    raise ZeroDivisionError("the factory divides by zero")


def not_an_init(*, dtype=mx.float32):
    """Returns a number instead of an initializer."""
    return 42


def badhook_fine(*, std: float = 0.02, dtype=mx.float32):
    """The one sound factory here."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init
