import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def good_normal(*, std: float = 0.02, dtype=mx.float32):
    """Normal with a small standard deviation."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init


def short_scale(*, scale: float = 0.1, dtype=mx.float32):
    """Uniform in [-scale, scale]."""

    def init(a):
        return mx.random.uniform(-scale, scale, a.shape, dtype=dtype)

    return init
