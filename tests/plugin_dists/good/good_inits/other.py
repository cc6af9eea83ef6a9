import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def good_other(*, value: float = 0.5, dtype=mx.float32):
    """Constant fill."""

    def init(a):
        return mx.full(a.shape, value, dtype=dtype)

    return init
