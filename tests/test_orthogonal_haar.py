"""The blocked Householder sampler behind ``orthogonal``: exactness across blocks, Haar law."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from scipy import stats

import mlxinit
from mlxinit_builtin import _haar

P_MIN = 1e-4


def _reference_haar(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """Sign-corrected QR of a Gaussian matrix (the textbook Haar sampler), in float64."""
    q, r = np.linalg.qr(rng.standard_normal((m, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _reflector_product(x: np.ndarray) -> np.ndarray:
    """H_1 ⋯ H_n [I; 0] times diag(sign r_kk), one reflector at a time, in float64."""
    m, n = x.shape
    q = np.eye(m)[:, :n]
    signs = np.empty(n)
    hs = []
    for k in range(n):
        v = np.zeros(m)
        v[k:] = x[k:, k]
        beta = np.linalg.norm(v) if v[k] < 0 else -np.linalg.norm(v)
        v[k] -= beta
        hs.append(v / np.linalg.norm(v))
        signs[k] = np.sign(beta)
    for v in reversed(hs):
        q = q - 2.0 * np.outer(v, v @ q)
    return q * signs


@pytest.mark.parametrize("block", [1, 2, 3, 128])
@pytest.mark.parametrize("shape", [(7, 5), (6, 6), (9, 1), (40, 33)], ids=str)
def test_haar_tall_is_the_product_of_its_reflectors(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int], block: int
) -> None:
    """The blocked compact-WY product equals the reflectors applied one by one."""
    monkeypatch.setattr(_haar, "BLOCK", block)
    mx.random.seed(5)
    x = mx.random.normal(shape)
    q = np.array(_haar.haar_tall(x), dtype=np.float64)
    np.testing.assert_allclose(q, _reflector_product(np.array(x, dtype=np.float64)), atol=1e-5)
    np.testing.assert_allclose(q.T @ q, np.eye(shape[1]), atol=2e-6)


def test_haar_tall_keeps_an_empty_width() -> None:
    """A (m, 0) draw gives a (m, 0) result instead of failing."""
    assert _haar.haar_tall(mx.zeros((4, 0))).shape == (4, 0)


@pytest.mark.parametrize("shape", [(300, 260), (260, 300), (520, 130)], ids=str)
def test_orthogonal_across_several_blocks(registry: mlxinit.Registry, shape: tuple[int, int]) -> None:
    """Shapes wider than one block stay orthonormal to 1e-5 in float32."""
    w = np.array(registry.get("orthogonal", seed=1)(mx.zeros(shape)), dtype=np.float64)
    rows, cols = shape
    gram = w @ w.T if rows <= cols else w.T @ w
    assert np.abs(gram - np.eye(min(shape))).max() <= 1e-5


@pytest.mark.parametrize("entry", [(0, 0), (3, 2), (5, 4), (1, 3)], ids=str)
def test_blocked_sampler_matches_reference_haar(
    registry: mlxinit.Registry, monkeypatch: pytest.MonkeyPatch, entry: tuple[int, int]
) -> None:
    """Entries of many (6, 5) draws, built in 3 blocks, follow the QR-based Haar law (KS)."""
    monkeypatch.setattr(_haar, "BLOCK", 2)
    init = registry.get("orthogonal", seed=2024)
    ours = np.array([init(mx.zeros((6, 5)))[entry].item() for _ in range(400)])
    rng = np.random.default_rng(7)
    ref = np.array([_reference_haar(rng, 6, 5)[entry] for _ in range(400)])
    result = stats.ks_2samp(ours, ref)
    assert result.pvalue > P_MIN, f"{entry}: KS statistic {result.statistic:.4f}"
