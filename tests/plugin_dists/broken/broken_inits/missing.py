import sys

import mlx.core as mx

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)

import mlxinit_nonexistent_dependency  # noqa: E402, F401  (not installed: the import fails)


def broken_normal(*, std: float = 0.02, dtype=mx.float32):
    """Never reachable."""

    def init(a):
        return mx.random.normal(a.shape, dtype=dtype) * std

    return init
