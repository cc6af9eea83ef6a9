import sys

import mlx.core as mx

import mlxinit

sys.__dict__.setdefault("mlxinit_test_imports", []).append(__name__)


def hooked_uniform(*, low: float = -0.1, high: float = 0.1, dtype=mx.float32):
    """Uniform in [low, high], registered through the hook."""

    def init(a):
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return init


def tiny_const(*, dtype=mx.float32):
    """The constant 1e-3."""

    def init(a):
        return mx.full(a.shape, 1e-3, dtype=dtype)

    return init


def _scaled(scale):
    def good_scaled(*, dtype=mx.float32):
        """Normal times a scale taken from the name."""

        def init(a):
            return mx.random.normal(a.shape, dtype=dtype) * scale

        return init

    return good_scaled


def at_import(*, dtype=mx.float32):
    """Registered at runtime while this module is imported."""

    def init(a):
        return mx.zeros(a.shape, dtype=dtype)

    return init


# A plugin that registers during its own import must not deadlock discovery.
mlxinit.register("good_registered_at_import", at_import)


@mlxinit.hookimpl
def mlxinit_register_initializers(registry):
    registry.register("hooked_uniform", hooked_uniform, aliases=["hooked_u"])
    registry.register("gns:tiny_const", tiny_const)


@mlxinit.hookimpl
def mlxinit_resolve_initializer(name):
    prefix = "good_scaled_"
    if name.startswith(prefix):
        try:
            return _scaled(float(name[len(prefix):]))
        except ValueError:
            return None
    return None
