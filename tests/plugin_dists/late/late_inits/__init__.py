import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def late_normal(*, std: float = 0.02, dtype=mx.float32):
    """Installed while the interpreter runs."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init
