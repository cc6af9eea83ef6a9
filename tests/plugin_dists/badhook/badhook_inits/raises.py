import sys

import mlx.core as mx

import mlxinit

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def half_registered(*, dtype=mx.float32):
    """Registered just before the hook raises."""
    return lambda a: mx.zeros(a.shape, dtype=dtype)


@mlxinit.hookimpl
def mlxinit_register_initializers(registry):
    registry.register("half_registered", half_registered)
    raise ValueError("the hook gave up half-way")
