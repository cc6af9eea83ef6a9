"""Statistics of every random built-in initializer.

float32: a Kolmogorov-Smirnov test against the exact target distribution (p > 1e-4
at a fixed seed). float16 / bfloat16: moments, range, no inf/nan, and as many
distinct values as rounding a correct float32 sample would give. Every closure's
``expected_std(shape)`` must match the sample's std.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mlx.core as mx
import numpy as np
import pytest
from scipy import stats

import mlxinit

SEED = 20240607
P_MIN = 1e-4
LOW_PRECISION = [mx.float16, mx.bfloat16]
TRUNC_2_STD = 0.87962566103423978
#: Names whose 16-bit draws are MLX's, bit for bit: ``mx.random.uniform`` computes
#: ``low + (high - low) * u`` in the dtype (a lattice, its bounds rounded to the dtype).
MLX_LATTICE = {"uniform", "glorot_uniform", "he_uniform"}


@dataclass(frozen=True)
class Case:
    """One initializer configuration, the shape it fills and its exact target distribution."""

    id: str
    name: str
    params: dict[str, Any]
    shape: tuple[int, ...]
    target: Any  #: a frozen scipy.stats distribution
    support: tuple[float, float] = (-math.inf, math.inf)
    only: tuple[str, ...] = field(default=())  #: restrict the sample (e.g. "nonzero")


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    rf = math.prod(shape[1:-1])
    return shape[-1] * rf, shape[0] * rf


def _norm(std: float, mean: float = 0.0) -> Any:
    return stats.norm(loc=mean, scale=std)


def _unif(limit: float) -> Any:
    return stats.uniform(loc=-limit, scale=2 * limit)


def _trunc(mean: float, std: float, lower: float, upper: float) -> Any:
    return stats.truncnorm(lower, upper, loc=mean, scale=std)


DENSE = (128, 96)
CONV = (32, 3, 3, 48)  # (out, kh, kw, in): fan_in 432, fan_out 288


def _cases() -> list[Case]:
    cases = [
        Case("normal", "normal", {}, DENSE, _norm(1.0)),
        Case("rescaled", "rescaled", {"init": "normal", "scale": 0.5, "shift": 0.25}, DENSE, stats.norm(0.25, 0.5)),
        Case("normal-mean-std", "normal", {"mean": 0.5, "std": 0.02}, CONV, _norm(0.02, 0.5)),
        Case("uniform", "uniform", {}, DENSE, stats.uniform(0.0, 1.0), (0.0, 1.0)),
        Case("uniform-low-high", "uniform", {"low": -0.3, "high": 0.7}, CONV, stats.uniform(-0.3, 1.0), (-0.3, 0.7)),
    ]
    for shape, tag in ((DENSE, "dense"), (CONV, "conv")):
        fi, fo = _fans(shape)
        for gain in (1.0, 2.5):
            std = gain * math.sqrt(2.0 / (fi + fo))
            lim = gain * math.sqrt(6.0 / (fi + fo))
            cases.append(Case(f"glorot_normal-{tag}-g{gain}", "glorot_normal", {"gain": gain}, shape, _norm(std)))
            cases.append(
                Case(f"glorot_uniform-{tag}-g{gain}", "glorot_uniform", {"gain": gain}, shape, _unif(lim), (-lim, lim))
            )
        for mode, fan in (("fan_in", fi), ("fan_out", fo)):
            for gain in (1.0, math.sqrt(2.0)):
                p = {"mode": mode, "gain": gain}
                cases.append(
                    Case(f"he_normal-{tag}-{mode}-g{gain:.3f}", "he_normal", p, shape, _norm(gain / math.sqrt(fan)))
                )
                lim = gain * math.sqrt(3.0 / fan)
                cases.append(
                    Case(f"he_uniform-{tag}-{mode}-g{gain:.3f}", "he_uniform", p, shape, _unif(lim), (-lim, lim))
                )
        cases.append(Case(f"lecun_normal-{tag}", "lecun_normal", {}, shape, _norm(1.0 / math.sqrt(fi))))
        lim = math.sqrt(3.0 / fi)
        cases.append(Case(f"lecun_uniform-{tag}", "lecun_uniform", {}, shape, _unif(lim), (-lim, lim)))
    for tag, p in (
        ("default", {}),
        ("std", {"std": 0.02}),
        ("shifted", {"mean": 0.1, "std": 0.3, "lower": -1.5, "upper": 0.7}),
        ("one-sided", {"std": 0.5, "lower": 0.0, "upper": 3.0}),
        ("narrow", {"mean": -1.0, "std": 2.0, "lower": 0.25, "upper": 0.5}),
    ):
        full = {"mean": 0.0, "std": 1.0, "lower": -2.0, "upper": 2.0, **p}
        lo = full["mean"] + full["std"] * full["lower"]
        hi = full["mean"] + full["std"] * full["upper"]
        target = _trunc(full["mean"], full["std"], full["lower"], full["upper"])
        cases.append(Case(f"truncated_normal-{tag}", "truncated_normal", p, DENSE, target, (lo, hi)))
    fi, fo = _fans(CONV)
    fans = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2, "fan_geo_avg": math.sqrt(fi * fo)}
    for mode, n in fans.items():
        for scale in (1.0, 2.0):
            target_std = math.sqrt(scale / n)
            base = {"scale": scale, "mode": mode}
            sigma = target_std / TRUNC_2_STD
            cases.append(
                Case(
                    f"variance_scaling-{mode}-s{scale}-truncated_normal",
                    "variance_scaling",
                    {**base, "distribution": "truncated_normal"},
                    CONV,
                    _trunc(0.0, sigma, -2.0, 2.0),
                    (-2 * sigma, 2 * sigma),
                )
            )
            cases.append(
                Case(
                    f"variance_scaling-{mode}-s{scale}-normal",
                    "variance_scaling",
                    {**base, "distribution": "normal"},
                    CONV,
                    _norm(target_std),
                )
            )
            lim = math.sqrt(3.0) * target_std
            cases.append(
                Case(
                    f"variance_scaling-{mode}-s{scale}-uniform",
                    "variance_scaling",
                    {**base, "distribution": "uniform"},
                    CONV,
                    _unif(lim),
                    (-lim, lim),
                )
            )
    for sp in (0.1, 0.5):
        cases.append(Case(f"sparse-{sp}", "sparse", {"sparsity": sp}, DENSE, _norm(1.0), only=("nonzero",)))
    cases.append(
        Case(
            "sparse-mean-std",
            "sparse",
            {"sparsity": 0.3, "mean": 2.0, "std": 0.5},
            DENSE,
            _norm(0.5, 2.0),
            only=("nonzero",),
        )
    )
    # Orthogonal: each column (tall) or row (wide) is uniform on the unit sphere of
    # dimension n = max(rows, cols), so an entry x has (x + 1) / 2 ~ Beta((n-1)/2, (n-1)/2).
    for shape, gain in (((128, 48), 1.0), ((48, 128), 1.5), ((16, 2, 2, 24), 0.5), ((96, 96), 2.0)):
        n = max(shape[0], math.prod(shape[1:]))
        half = (n - 1) / 2
        target = stats.beta(half, half, loc=-gain, scale=2 * gain)
        cases.append(Case(f"orthogonal-{shape}-g{gain}", "orthogonal", {"gain": gain}, shape, target, (-gain, gain)))
    return cases


CASES = _cases()
RANDOM_BUILTINS = {
    "rescaled",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "orthogonal",
    "sparse",
    "truncated_normal",
    "uniform",
    "variance_scaling",
}


def _sample(registry: mlxinit.Registry, case: Case, dtype: mx.Dtype = mx.float32) -> tuple[np.ndarray, Any]:
    init = registry.get(case.name, dtype=dtype, seed=SEED, **case.params)
    w = init(mx.zeros(case.shape))
    assert w.shape == case.shape
    assert w.dtype == dtype
    x = np.array(w.astype(mx.float32), dtype=np.float64).ravel()
    return x, init


def _restrict(case: Case, x: np.ndarray) -> np.ndarray:
    return x[x != 0] if "nonzero" in case.only else x


def test_every_random_builtin_has_a_statistics_case(registry: mlxinit.Registry) -> None:
    """The statistical cases cover every random built-in initializer."""
    deterministic = {"constant", "dirac", "eye", "identity", "ones", "zeros"}
    assert set(registry.available()) - deterministic == RANDOM_BUILTINS
    assert {c.name for c in CASES} == RANDOM_BUILTINS


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_ks_float32_matches_exact_target(registry: mlxinit.Registry, case: Case) -> None:
    """float32 samples pass a KS test against the exact target distribution."""
    x = _restrict(case, _sample(registry, case)[0])
    assert x.size >= 1000
    result = stats.kstest(x, case.target.cdf)
    assert result.pvalue > P_MIN, f"KS statistic {result.statistic:.4f}, p={result.pvalue:.2e}"
    lo, hi = case.support
    assert x.min() >= lo
    assert x.max() <= hi


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_expected_std_matches_sample_std(registry: mlxinit.Registry, case: Case) -> None:
    """expected_std(shape) is the sample's std (float32), and the target's std where it is one."""
    x, init = _sample(registry, case)
    promised = init.expected_std(case.shape)
    assert promised == pytest.approx(x.std(), rel=0.04)
    if not case.only:  # sparse promises the std of the whole array, zeros included
        assert promised == pytest.approx(case.target.std(), rel=1e-6)


def _rounded(bound: float, dtype: mx.Dtype) -> float:
    return float(mx.array(bound, dtype=dtype).astype(mx.float32).item()) if math.isfinite(bound) else bound


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_low_precision_keeps_the_distribution(registry: mlxinit.Registry, case: Case, dtype: mx.Dtype) -> None:
    """float16/bfloat16: finite, within the support, right mean and std, not piled on few values."""
    x, init = _sample(registry, case, dtype)
    assert np.isfinite(x).all()
    lo, hi = case.support
    lattice = case.name in MLX_LATTICE
    if lattice:  # MLX rounds the bounds themselves to the dtype
        lo, hi = min(lo, _rounded(lo, dtype)), max(hi, _rounded(hi, dtype))
    assert x.min() >= lo
    assert x.max() <= hi
    y = _restrict(case, x)
    target = case.target
    quantum = 2.0**-8 if dtype == mx.bfloat16 else 2.0**-11  # relative rounding step
    tol_mean = 5 * target.std() / math.sqrt(y.size) + quantum * abs(target.mean()) + 1e-7
    assert abs(y.mean() - target.mean()) < tol_mean
    assert y.std() == pytest.approx(target.std(), rel=0.04)
    assert init.expected_std(case.shape) == pytest.approx(x.std(), rel=0.04)
    # As many distinct values as a correct float32 sample rounded to the dtype has.
    ref = mx.array(target.rvs(size=y.size, random_state=np.random.default_rng(SEED)).astype(np.float32))
    ref_distinct = np.unique(np.array(ref.astype(dtype).astype(mx.float32))).size
    if lattice:  # MLX's lattice: about one value per ulp of the largest bound
        top = max(abs(lo), abs(hi))
        ulp = 2.0 ** (math.floor(math.log2(top)) - (7 if dtype == mx.bfloat16 else 10))
        assert np.unique(y).size >= 0.5 * (hi - lo) / ulp
    else:
        assert np.unique(y).size >= 0.8 * ref_distinct


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"std": 0.02},
        {"std": 1e-3, "lower": -0.5, "upper": 3.0},
        {"mean": 0.1, "std": 0.3, "lower": -1.5, "upper": 0.7},
        {"mean": 1.0, "std": 1e-3},
        {"mean": 3.0, "std": 1.0, "lower": -1.1, "upper": 1.3},
    ],
    ids=str,
)
def test_truncated_normal_low_precision_never_leaves_its_bounds(
    registry: mlxinit.Registry, params: dict[str, Any], dtype: mx.Dtype
) -> None:
    """Truncated normal in float16/bfloat16 stays in [mean+lower*std, mean+upper*std], even at the edges."""
    p = {"mean": 0.0, "std": 1.0, "lower": -2.0, "upper": 2.0, **params}
    lo, hi = p["mean"] + p["std"] * p["lower"], p["mean"] + p["std"] * p["upper"]
    for seed in range(4):
        w = registry.get("truncated_normal", dtype=dtype, seed=seed, **params)(mx.zeros((256, 256)))
        x = np.array(w.astype(mx.float32), dtype=np.float64)
        assert np.isfinite(x).all()
        assert x.min() >= lo
        assert x.max() <= hi


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize(
    ("params", "shape"),
    [
        ({"distribution": "truncated_normal"}, (4, 2048)),
        ({"distribution": "truncated_normal", "mode": "fan_out", "scale": 0.01}, (4096, 4)),
        ({"distribution": "truncated_normal", "mode": "fan_avg", "scale": 3.0}, (2, 3, 3, 2)),
    ],
    ids=str,
)
def test_variance_scaling_truncated_low_precision_within_two_sigma(
    registry: mlxinit.Registry, params: dict[str, Any], shape: tuple[int, ...], dtype: mx.Dtype
) -> None:
    """variance_scaling's truncated normal never leaves ±2σ in low precision."""
    init = registry.get("variance_scaling", dtype=dtype, seed=7, **params)
    sigma = init.expected_std(shape) / TRUNC_2_STD
    x = np.array(init(mx.zeros(shape)).astype(mx.float32), dtype=np.float64)
    assert np.isfinite(x).all()
    assert np.abs(x).max() <= 2 * sigma


def test_orthogonal_is_haar_sign_corrected(registry: mlxinit.Registry) -> None:
    """One entry over many draws follows the Haar marginal (fails without R's sign correction)."""
    init = registry.get("orthogonal", seed=SEED)
    for shape in ((5, 3), (3, 5)):
        first = np.array([init(mx.zeros(shape))[0, 0].item() for _ in range(300)])
        half = (max(shape) - 1) / 2
        result = stats.kstest(first, stats.beta(half, half, loc=-1, scale=2).cdf)
        assert result.pvalue > P_MIN, f"{shape}: KS statistic {result.statistic:.4f}"
