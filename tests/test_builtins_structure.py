"""Structural properties of the built-ins: orthogonality, eye/identity, dirac, sparse, constants."""

from __future__ import annotations

import math
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import mlxinit

DTYPES = [mx.float32, mx.float16, mx.bfloat16]
#: Absolute tolerance of Q^T Q against gain² I, per dtype (relative to gain²).
ORTHO_ATOL = {mx.float32: 1e-5, mx.float16: 5e-3, mx.bfloat16: 4e-2}


def _np(a: mx.array) -> np.ndarray:
    return np.array(a.astype(mx.float32), dtype=np.float64)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("gain", [1.0, 0.5, -2.0])
@pytest.mark.parametrize(
    "shape",
    [(8, 8), (24, 8), (8, 24), (1, 7), (7, 1), (4, 3, 3, 5), (36, 2, 3), (6, 2, 2, 2, 2)],
    ids=str,
)
def test_orthogonal_is_semi_orthogonal_times_gain(
    registry: mlxinit.Registry, shape: tuple[int, ...], gain: float, dtype: mx.Dtype
) -> None:
    """Rows (wide) or columns (tall) are orthonormal times gain; >2-D is (shape[0], prod(rest))."""
    w = registry.get("orthogonal", gain=gain, dtype=dtype, seed=3)(mx.zeros(shape))
    assert w.shape == shape
    assert w.dtype == dtype
    m = _np(w).reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=ORTHO_ATOL[dtype] * gain**2)


def test_orthogonal_flattening_is_the_2d_draw(registry: mlxinit.Registry) -> None:
    """A (out, k, in) weight is the (out, k*in) draw reshaped (same seed)."""
    w3 = registry.get("orthogonal", seed=11)(mx.zeros((6, 2, 5)))
    w2 = registry.get("orthogonal", seed=11)(mx.zeros((6, 10)))
    assert mx.array_equal(w3.reshape(6, 10), w2).item()


def test_orthogonal_needs_two_dimensions(registry: mlxinit.Registry) -> None:
    """A 1-D array is refused with its shape in the message."""
    with pytest.raises(mlxinit.ShapeError, match=r"orthogonal.*\(5,\)"):
        registry.get("orthogonal")(mx.zeros((5,)))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("n", [1, 3, 8])
def test_identity_is_the_identity(registry: mlxinit.Registry, n: int, dtype: mx.Dtype) -> None:
    """identity gives I_n in the dtype asked."""
    w = registry.get("identity", dtype=dtype)(mx.zeros((n, n)))
    assert w.dtype == dtype
    np.testing.assert_array_equal(_np(w), np.eye(n))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("gain", [1.0, 2.5, -0.5])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 6), (6, 1)], ids=str)
def test_eye_on_rectangular_shapes(
    registry: mlxinit.Registry, shape: tuple[int, int], gain: float, dtype: mx.Dtype
) -> None:
    """eye puts gain on the main diagonal of any 2-D shape and zeros elsewhere."""
    init = registry.get("eye", gain=gain, dtype=dtype)
    w = init(mx.zeros(shape))
    assert w.dtype == dtype
    np.testing.assert_array_equal(_np(w), gain * np.eye(*shape))
    assert init.expected_std(shape) == pytest.approx(_np(w).std(), abs=1e-12)


def test_eye_passes_inputs_through(registry: mlxinit.Registry) -> None:
    """With y = x @ w.T, an eye weight passes the first inputs through unchanged."""
    x = mx.random.normal((4, 6))
    y = x @ registry.get("eye")(mx.zeros((3, 6))).T
    assert mx.array_equal(y, x[:, :3]).item()


def _conv(nd: int) -> Any:
    return {1: mx.conv1d, 2: mx.conv2d, 3: mx.conv3d}[nd]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(
    ("nd", "kernel", "groups"),
    [(1, 1, 1), (1, 3, 1), (1, 5, 1), (1, 3, 2), (1, 3, 3), (2, 3, 1), (2, (3, 5), 1), (2, 3, 2), (3, 3, 1), (3, 1, 1)],
    ids=str,
)
def test_dirac_convolution_returns_its_input(
    registry: mlxinit.Registry, nd: int, kernel: int | tuple[int, ...], groups: int, dtype: mx.Dtype
) -> None:
    """mx.conv1d/2d/3d with a dirac kernel (padding k//2, groups as built) is the identity."""
    channels = 6
    ks = (kernel,) * nd if isinstance(kernel, int) else kernel
    shape = (channels, *ks, channels // groups)
    init = registry.get("dirac", groups=groups, dtype=dtype)
    w = init(mx.zeros(shape))
    assert w.shape == shape
    assert w.dtype == dtype
    x = mx.random.normal((2, *([5] * nd), channels), key=mx.random.key(0)).astype(dtype)
    padding = tuple(k // 2 for k in ks)
    y = _conv(nd)(x, w, padding=padding if nd > 1 else padding[0], groups=groups)
    assert mx.array_equal(y, x).item()
    assert init.expected_std(shape) == pytest.approx(_np(w).std(), abs=1e-12)


@pytest.mark.parametrize(("out", "inp"), [(4, 6), (8, 4)])
def test_dirac_with_unequal_channels_keeps_the_first_ones(registry: mlxinit.Registry, out: int, inp: int) -> None:
    """out < in: the first out channels pass; out > in: the extra outputs are zero."""
    w = registry.get("dirac")(mx.zeros((out, 3, inp)))
    x = mx.random.normal((2, 7, inp), key=mx.random.key(1))
    y = mx.conv1d(x, w, padding=1)
    k = min(out, inp)
    assert mx.array_equal(y[..., :k], x[..., :k]).item()
    assert mx.array_equal(y[..., k:], mx.zeros_like(y[..., k:])).item()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("sparsity", [0.0, 0.1, 1 / 3, 0.5, 0.95])
@pytest.mark.parametrize("shape", [(8, 10), (5, 7), (1, 3), (16, 64)], ids=str)
def test_sparse_zeros_ceil_per_row(
    registry: mlxinit.Registry, shape: tuple[int, int], sparsity: float, dtype: mx.Dtype
) -> None:
    """Every row has exactly ceil(sparsity * cols) zeros; the rest are non-zero draws."""
    init = registry.get("sparse", sparsity=sparsity, dtype=dtype, seed=5)
    w = init(mx.zeros(shape))
    assert w.shape == shape
    assert w.dtype == dtype
    zeros_per_row = (_np(w) == 0).sum(axis=1)
    assert zeros_per_row.tolist() == [math.ceil(sparsity * shape[1])] * shape[0]


def test_sparse_zeros_differ_between_rows(registry: mlxinit.Registry) -> None:
    """Each row chooses its own zeroed columns (MLX's per-row scheme)."""
    w = _np(registry.get("sparse", sparsity=0.5, seed=2)(mx.zeros((32, 16))))
    patterns = {tuple(row == 0) for row in w}
    assert len(patterns) > 16


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize(
    ("name", "params", "value"),
    [("zeros", {}, 0.0), ("zero", {}, 0.0), ("ones", {}, 1.0), ("one", {}, 1.0), ("constant", {"value": -2.5}, -2.5)],
)
def test_constants_fill_exactly(
    registry: mlxinit.Registry,
    name: str,
    params: dict[str, Any],
    value: float,
    shape: tuple[int, ...],
    dtype: mx.Dtype,
) -> None:
    """zeros/ones/constant fill any shape with the exact value in the dtype asked."""
    init = registry.get(name, dtype=dtype, **params)
    w = init(mx.ones(shape))
    assert w.shape == shape
    assert w.dtype == dtype
    np.testing.assert_array_equal(_np(w), np.full(shape, value))
    assert init.expected_std(shape) == 0.0


ALL_CASES: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("constant", {"value": 0.3}, (4, 5)),
    ("dirac", {}, (4, 3, 4)),
    ("eye", {}, (4, 5)),
    ("glorot_normal", {}, (4, 3, 5)),
    ("glorot_uniform", {}, (4, 3, 5)),
    ("he_normal", {}, (4, 3, 5)),
    ("he_uniform", {}, (4, 3, 5)),
    ("identity", {}, (4, 4)),
    ("lecun_normal", {}, (4, 3, 5)),
    ("lecun_uniform", {}, (4, 3, 5)),
    ("normal", {}, (4, 5)),
    ("ones", {}, (4, 5)),
    ("orthogonal", {}, (4, 3, 5)),
    ("rescaled", {"init": "normal", "scale": 0.5}, (4, 5)),
    ("sparse", {"sparsity": 0.4}, (4, 5)),
    ("truncated_normal", {}, (4, 5)),
    ("uniform", {}, (4, 5)),
    ("variance_scaling", {}, (4, 3, 5)),
    ("zeros", {}, (4, 5)),
]


def test_all_cases_cover_every_builtin(registry: mlxinit.Registry) -> None:
    """The shape/dtype contract below is checked for every built-in."""
    assert sorted(c[0] for c in ALL_CASES) == registry.available()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(("name", "params", "shape"), ALL_CASES, ids=[c[0] for c in ALL_CASES])
def test_every_builtin_reads_only_the_shape(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """The closure returns a new array of a's shape, in the dtype built, whatever a's values and dtype."""
    init = registry.get(name, dtype=dtype, seed=9, **params)
    again = registry.get(name, dtype=dtype, seed=9, **params)
    a = mx.full(shape, float("nan"), dtype=mx.float16)
    w = init(a)
    ref = again(mx.zeros(shape, dtype=mx.int32))
    assert w.shape == shape
    assert w.dtype == dtype
    assert not mx.any(mx.isnan(w)).item()
    assert mx.array_equal(w, ref).item()
    assert mx.isnan(a).all().item()  # the input is untouched


@pytest.mark.parametrize(("name", "params", "shape"), ALL_CASES, ids=[c[0] for c in ALL_CASES])
def test_every_builtin_promises_an_std(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    """Every closure carries expected_std(shape) -> a finite float >= 0."""
    std = registry.get(name, **params).expected_std(shape)
    assert isinstance(std, float)
    assert math.isfinite(std)
    assert std >= 0.0


EMPTY_SHAPES = [(0, 3), (4, 0), (0, 0), (0, 3, 4), (4, 0, 3), (4, 3, 0)]


@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
@pytest.mark.parametrize(
    "name",
    [
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
        "orthogonal",
        "variance_scaling",
    ],
)
def test_fan_based_fill_empty_arrays(registry: mlxinit.Registry, name: str, shape: tuple[int, ...]) -> None:
    """An empty array (a zero fan) gives an empty result, not a ZeroDivisionError."""
    init = registry.get(name, dtype=mx.bfloat16)
    w = init(mx.zeros(shape))
    assert w.shape == shape
    assert w.dtype == mx.bfloat16
    std = init.expected_std(shape)
    assert math.isfinite(std)
    assert std >= 0.0


@pytest.mark.parametrize("shape", [(0, 3), (4, 0), (0, 0)], ids=str)
def test_sparse_fills_empty_arrays(registry: mlxinit.Registry, shape: tuple[int, int]) -> None:
    """sparse on an empty 2-D array gives an empty result."""
    init = registry.get("sparse", sparsity=0.5)
    assert init(mx.zeros(shape)).shape == shape
    assert init.expected_std(shape) == 0.0


@pytest.mark.parametrize(
    ("name", "params", "shape"),
    [
        ("identity", {}, (3, 2)),
        ("identity", {}, (3,)),
        ("eye", {}, (3,)),
        ("eye", {}, (2, 2, 2)),
        ("dirac", {}, (3, 3)),
        ("dirac", {"groups": 2}, (3, 3, 3)),
        ("sparse", {"sparsity": 0.5}, (2, 2, 2)),
        ("orthogonal", {}, (4,)),
        ("glorot_normal", {}, (4,)),
        ("variance_scaling", {}, ()),
    ],
    ids=str,
)
def test_expected_std_refuses_the_shapes_init_refuses(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    """expected_std(shape) raises the same ShapeError as the closure for a shape it cannot fill."""
    init = registry.get(name, **params)
    with pytest.raises(mlxinit.ShapeError) as from_init:
        init(mx.zeros(shape))
    with pytest.raises(mlxinit.ShapeError) as from_std:
        init.expected_std(shape)
    assert str(from_std.value) == str(from_init.value)
