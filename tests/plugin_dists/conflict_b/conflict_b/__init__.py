import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def shared_init(*, dtype=mx.float32):
    """Claimed by conflict-b too."""

    def init(a):
        return mx.full(a.shape, 2.0, dtype=dtype)

    return init


def only_b(*, std: float = 0.02, dtype=mx.float32):
    """Unique to this distribution."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init
