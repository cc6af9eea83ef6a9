"""Layouts: JAX's in/out/batch axes, stacked experts and fused segments."""

from __future__ import annotations

import math

import mlx.core as mx
import numpy as np
import pytest
from scipy import stats

import mlxinit
from mlxinit.validate import check_layout


def _np(a: mx.array) -> np.ndarray:
    return np.asarray(a.astype(mx.float32), dtype=np.float64)


def test_stacked_experts_get_per_expert_fans(registry: mlxinit.Registry) -> None:
    """he_normal with batch_axis=0 on (8 experts, out 1024, in 512): per-expert std 1/sqrt(512) ± 2 %."""
    init = registry.get("he_normal", batch_axis=0)
    w = _np(init((8, 1024, 512), key=mx.random.key(0)))
    target = 1 / math.sqrt(512)
    assert init.expected_std((8, 1024, 512)) == pytest.approx(target)
    for e in range(8):
        assert w[e].std() == pytest.approx(target, rel=0.02)
    assert stats.kstest(w[3].ravel()[:20000] / target, "norm").pvalue > 1e-4


def test_default_reading_of_stacked_experts_is_off(registry: mlxinit.Registry) -> None:
    """Without the layout, MLX's conv reading of (8, 1024, 512) gives a std 32x smaller."""
    assert registry.get("he_normal").expected_std((8, 1024, 512)) == pytest.approx(1 / math.sqrt(512 * 1024))


def test_fused_segments_get_their_own_bound(registry: mlxinit.Registry) -> None:
    """glorot_uniform, segments=3 on a fused (768, 256) q/k/v: every segment bounded by sqrt(6/512), KS-uniform."""
    w = _np(registry.get("glorot_uniform", segments=3)((768, 256), key=mx.random.key(1)))
    bound = math.sqrt(6 / 512)
    for s in range(3):
        seg = w[s * 256 : (s + 1) * 256]
        assert np.abs(seg).max() <= bound
        assert np.abs(seg).max() > 0.99 * bound
        assert stats.kstest(seg.ravel(), "uniform", args=(-bound, 2 * bound)).pvalue > 1e-4


def test_unequal_segments_are_scaled_per_segment(registry: mlxinit.Registry) -> None:
    """glorot_normal with sizes [128, 32, 32] (GQA q/k/v): each segment has its own std; expected_std pools them."""
    init = registry.get("glorot_normal", segments=[128, 32, 32])
    w = _np(init((192, 128), key=mx.random.key(2)))
    for lo, hi in ((0, 128), (128, 160), (160, 192)):
        target = math.sqrt(2 / (128 + hi - lo))
        assert stats.kstest(w[lo:hi].ravel() / target, "norm").pvalue > 1e-4
    pooled = math.sqrt((128 * 2 / 256 + 64 * 2 / 160) / 192)
    assert init.expected_std((192, 128)) == pytest.approx(pooled)


def test_jax_axes(registry: mlxinit.Registry) -> None:
    """in_axis/out_axis read as JAX does: a Keras-layout (k, k, in, out) kernel with in_axis=-2, out_axis=-1."""
    init = registry.get("variance_scaling", scale=2.0, in_axis=-2, out_axis=-1, distribution="normal")
    assert init.expected_std((3, 3, 16, 32)) == pytest.approx(math.sqrt(2.0 / (9 * 16)))
    w = _np(init((3, 3, 16, 32), key=mx.random.key(3)))
    assert stats.kstest(w.ravel() / math.sqrt(2.0 / 144), "norm").pvalue > 1e-4


def test_default_layout_keeps_mlx_parity(registry: mlxinit.Registry) -> None:
    """segments=1 and no layout give mlx.nn.init's values bitwise."""
    import mlx.nn as nn

    mx.random.seed(5)
    ours = registry.get("glorot_uniform", segments=1)((12, 7))
    mx.random.seed(5)
    assert bool(mx.array_equal(ours, nn.init.glorot_uniform()(mx.zeros((12, 7)))))


def test_orthogonal_per_expert_and_segment(registry: mlxinit.Registry) -> None:
    """orthogonal with batch_axis and segments: every (expert, segment) block is orthonormal."""
    q = _np(registry.get("orthogonal", batch_axis=0, segments=[4, 2])((3, 6, 5), key=mx.random.key(4)))
    for e in range(3):
        a, b = q[e, :4], q[e, 4:]
        assert np.allclose(a @ a.T, np.eye(4), atol=1e-5)
        assert np.allclose(b @ b.T, np.eye(2), atol=1e-5)


def test_eye_per_segment(registry: mlxinit.Registry) -> None:
    """eye with segments=2 puts an identity in each segment."""
    assert registry.get("eye", segments=2)((4, 3)).tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
    ]


@pytest.mark.parametrize(
    ("params", "shape", "match"),
    [
        ({"segments": 3}, (10, 4), r"divisible by segments=3"),
        ({"segments": [2, 2]}, (5, 4), r"summing to the output axis' length 5"),
        ({"batch_axis": 3}, (4, 4), r"batch_axis 3 within its 2 dimensions"),
        ({"batch_axis": 0}, (4, 4), r"at least 2 dimensions besides the batch axes"),
        ({"in_axis": 0, "out_axis": 0}, (4, 4), r"distinct in, out and batch axes"),
    ],
)
def test_shape_errors_name_the_layout(
    registry: mlxinit.Registry, params: dict[str, object], shape: tuple[int, ...], match: str
) -> None:
    """A shape the layout cannot read raises ShapeError saying what was expected."""
    init = registry.get("glorot_normal", **params)
    with pytest.raises(mlxinit.ShapeError, match=match):
        init(shape)
    with pytest.raises(mlxinit.ShapeError, match=match):
        init.expected_std(shape)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"segments": 0}, mlxinit.InvalidParameterError),
        ({"segments": [2, 0]}, mlxinit.InvalidParameterError),
        ({"segments": []}, mlxinit.InvalidParameterError),
        ({"segments": 1.5}, mlxinit.ParameterTypeError),
        ({"segments": [True]}, mlxinit.ParameterTypeError),
        ({"batch_axis": "0"}, mlxinit.ParameterTypeError),
        ({"in_axis": 1.0}, mlxinit.ParameterTypeError),
    ],
)
def test_bad_layout_parameters_fail_when_built(
    registry: mlxinit.Registry, params: dict[str, object], error: type[Exception]
) -> None:
    """Layout parameters are checked by get(), before any call."""
    with pytest.raises(error):
        registry.get("he_uniform", **params)


def test_check_layout_describes_itself() -> None:
    """Layout.describe() lists what differs from MLX's reading."""
    assert check_layout("x").describe() == ""
    assert check_layout("x", batch_axis=0, segments=[2, 3]).describe() == "batch_axis=0, segments=[2, 3]"
