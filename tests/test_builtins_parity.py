"""Bitwise parity with ``mlx.nn.init`` for the names both share.

Under the same ``mx.random.seed``, ``mlxinit.get(name, **p)(a)`` must equal
``mlx.nn.init.<name>(**p)(a)`` bit for bit, per dtype and shape, whether MLX's
call-time arguments (``gain``, ``mode``) are given at call time (drop-in), when
built, or through a config mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mlx.core as mx
import mlx.nn.init as nn_init
import pytest

import mlxinit

SEED = 1234
DTYPES = [mx.float32, mx.float16, mx.bfloat16]
DTYPE_NAMES = {mx.float32: "float32", mx.float16: "float16", mx.bfloat16: "bfloat16"}
ANY_SHAPES = [(7,), (16, 8), (8, 3, 5), (4, 3, 3, 5)]
FAN_SHAPES = [(16, 8), (8, 16), (8, 3, 5), (4, 3, 3, 5), (6, 2, 2, 2, 3)]


def _bits(a: mx.array) -> mx.array:
    """The raw bits of a floating array, so that -0.0 and 0.0 (and NaNs) compare exactly."""
    return a.view(mx.uint32 if a.dtype == mx.float32 else mx.uint16)


def _assert_bitwise(got: mx.array, ref: mx.array) -> None:
    assert got.shape == ref.shape
    assert got.dtype == ref.dtype
    assert mx.array_equal(_bits(got), _bits(ref)).item(), "values differ from mlx.nn.init"


def _draw(init: Callable[..., mx.array], a: mx.array, *args: Any, **kwargs: Any) -> mx.array:
    mx.random.seed(SEED)
    out = init(a, *args, **kwargs)
    mx.eval(out)
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", ANY_SHAPES, ids=str)
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("constant", {"value": 0.5}),
        ("constant", {"value": -3}),
        ("normal", {}),
        ("normal", {"mean": 0.25, "std": 0.02}),
        ("uniform", {}),
        ("uniform", {"low": -0.1, "high": 0.3}),
    ],
)
def test_parity_any_shape(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """constant/normal/uniform equal mlx.nn.init bitwise for every dtype and shape."""
    a = mx.zeros(shape)
    ref = _draw(getattr(nn_init, name)(**params, dtype=dtype), a)
    got = _draw(registry.get(name, dtype=dtype, **params), a)
    _assert_bitwise(got, ref)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("n", [1, 5, 16])
def test_parity_identity(registry: mlxinit.Registry, n: int, dtype: mx.Dtype) -> None:
    """identity equals mlx.nn.init.identity bitwise."""
    a = mx.zeros((n, n))
    _assert_bitwise(registry.get("identity", dtype=dtype)(a), nn_init.identity(dtype=dtype)(a))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(16, 8), (8, 20), (3, 3)], ids=str)
@pytest.mark.parametrize("params", [{"sparsity": 0.0}, {"sparsity": 0.25}, {"sparsity": 0.9, "mean": 1.0, "std": 0.1}])
def test_parity_sparse(
    registry: mlxinit.Registry, params: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """sparse equals mlx.nn.init.sparse bitwise (same draws, same zeros)."""
    a = mx.zeros(shape)
    ref = _draw(nn_init.sparse(**params, dtype=dtype), a)
    got = _draw(registry.get("sparse", dtype=dtype, **params), a)
    _assert_bitwise(got, ref)


# MLX takes these at call time; mlxinit at call time too, and also when built.
GLOROT_CALLS: list[dict[str, Any]] = [{}, {"gain": 0.5}, {"gain": 2.0}]
HE_CALLS: list[dict[str, Any]] = [
    {},
    {"mode": "fan_in"},
    {"mode": "fan_out"},
    {"gain": 2.0},
    {"mode": "fan_out", "gain": 1.5},
]
FAN_CASES = [("glorot_normal", c) for c in GLOROT_CALLS] + [("glorot_uniform", c) for c in GLOROT_CALLS]
FAN_CASES += [("he_normal", c) for c in HE_CALLS] + [("he_uniform", c) for c in HE_CALLS]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", FAN_SHAPES, ids=str)
@pytest.mark.parametrize(("name", "call"), FAN_CASES)
def test_parity_fan_based_call_time(
    registry: mlxinit.Registry, name: str, call: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """glorot_*/he_* are drop-ins: MLX's call-time gain/mode give MLX's bits."""
    a = mx.zeros(shape)
    ref = _draw(getattr(nn_init, name)(dtype=dtype), a, **call)
    got = _draw(registry.get(name, dtype=dtype), a, **call)
    _assert_bitwise(got, ref)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", FAN_SHAPES, ids=str)
@pytest.mark.parametrize(("name", "call"), FAN_CASES)
def test_parity_fan_based_build_time(
    registry: mlxinit.Registry, name: str, call: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """gain/mode given to get() (or in a config mapping) equal MLX's call-time arguments."""
    a = mx.zeros(shape)
    ref = _draw(getattr(nn_init, name)(dtype=dtype), a, **call)
    _assert_bitwise(_draw(registry.get(name, dtype=dtype, **call), a), ref)
    config = {"name": name, "dtype": DTYPE_NAMES[dtype], **call}
    _assert_bitwise(_draw(registry.get(config), a), ref)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_parity_positional_call_time_arguments(registry: mlxinit.Registry, dtype: mx.Dtype) -> None:
    """MLX's positional call forms init(a, gain) and init(a, mode, gain) work unchanged."""
    a = mx.zeros((12, 3, 5))
    for name in ("glorot_normal", "glorot_uniform"):
        ref = _draw(getattr(nn_init, name)(dtype=dtype), a, 3.0)
        _assert_bitwise(_draw(registry.get(name, dtype=dtype), a, 3.0), ref)
    for name in ("he_normal", "he_uniform"):
        ref = _draw(getattr(nn_init, name)(dtype=dtype), a, "fan_out", 3.0)
        _assert_bitwise(_draw(registry.get(name, dtype=dtype), a, "fan_out", 3.0), ref)


@pytest.mark.parametrize("name", ["glorot_normal", "he_uniform"])
def test_call_time_argument_overrides_build_time(registry: mlxinit.Registry, name: str) -> None:
    """A call-time gain wins over the one given when built (MLX's call semantics)."""
    a = mx.zeros((16, 8))
    ref = _draw(getattr(nn_init, name)(), a, gain=2.0)
    _assert_bitwise(_draw(registry.get(name, gain=7.0), a, gain=2.0), ref)


@pytest.mark.parametrize("alias", ["xavier_normal", "XavierUniform", "kaiming-normal", "Kaiming Uniform"])
def test_parity_through_aliases(registry: mlxinit.Registry, alias: str) -> None:
    """Aliases resolve to the same MLX-identical initializer."""
    canonical = registry.info(alias).name
    a = mx.zeros((8, 3, 4))
    ref = _draw(getattr(nn_init, canonical)(), a)
    _assert_bitwise(_draw(registry.get(alias), a), ref)


def test_parity_through_module_level_get(default_registry: mlxinit.Registry) -> None:
    """mlxinit.get (the default registry) is as bitwise-equal as a fresh Registry."""
    a = mx.zeros((32, 16))
    ref = _draw(nn_init.he_normal(dtype=mx.bfloat16), a, mode="fan_out", gain=2.0)
    got = _draw(mlxinit.get("he_normal", dtype="bf16", mode="fan_out", gain=2.0), a)
    _assert_bitwise(got, ref)


def test_parity_with_model_apply(registry: mlxinit.Registry) -> None:
    """Module.apply with an mlxinit closure gives the parameters mlx.nn.init gives."""
    import mlx.nn as nn

    def make() -> nn.Module:
        return nn.Sequential(nn.Linear(6, 5, bias=False), nn.Conv1d(5, 3, 3, bias=False))

    ref_model, model = make(), make()
    mx.random.seed(SEED)
    ref_model.apply(nn_init.glorot_uniform())
    mx.random.seed(SEED)
    model.apply(registry.get("glorot_uniform"))
    from mlx.utils import tree_flatten

    ref_params = dict(tree_flatten(ref_model.parameters()))
    params = dict(tree_flatten(model.parameters()))
    assert ref_params.keys() == params.keys()
    for k, v in params.items():
        _assert_bitwise(v, ref_params[k])
