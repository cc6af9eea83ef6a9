"""mlxinit-compat's ``hf:`` initializers: the fills Hugging Face transformers writes into Mamba's state-space layers."""

from __future__ import annotations

import doctest
import math

import mlx.core as mx
import numpy as np
import pytest
from scipy import stats

import mlxinit

P_MIN = 1e-4


def _np(a: mx.array) -> np.ndarray:
    return np.asarray(a.astype(mx.float32), dtype=np.float64)


def _softplus(b: mx.array) -> np.ndarray:
    x = _np(b)
    return np.logaddexp(0.0, x)


def test_hf_names_come_from_mlxinit_compat() -> None:
    """The ``hf:`` names are registered by the installed mlxinit-compat, with their sources in the docs.

    A namespaced name is listed in its one, qualified form.
    """
    assert {"hf:mamba_a_log", "hf:mamba_dt_bias"} <= set(mlxinit.available("*mamba_*"))
    for name in ("hf:mamba_a_log", "hf:mamba_dt_bias"):
        info = mlxinit.info(name)
        assert info.distribution == "mlxinit-compat"
        assert name in info.qualified_names
        assert "modeling_mamba.py" in info.doc
        assert "MambaPreTrainedModel._init_weights" in info.doc


def test_docstring_examples() -> None:
    """The examples in the hf module's docstrings give what they show."""
    import mlxinit_compat.hf

    result = doctest.testmod(mlxinit_compat.hf, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2
    assert result.failed == 0


# ----------------------------------------------------------------------------- hf:mamba_a_log


@pytest.mark.parametrize("shape", [(128, 16), (3, 5, 8), (24,)])
def test_a_log_is_log_arange_along_the_last_axis(shape: tuple[int, ...]) -> None:
    """Every row holds log(1), …, log(N); the promised std is that of log(1..N), exactly."""
    init = mlxinit.get("hf:mamba_a_log")
    a = _np(init(shape))
    row = np.log(np.arange(1, shape[-1] + 1))
    assert a.shape == shape
    assert np.allclose(a, np.broadcast_to(row, shape), atol=1e-6)
    assert init.expected_std(shape) == pytest.approx(float(a.std()), rel=1e-6)
    assert init.distribution == "structured"


def test_a_log_is_deterministic_and_keeps_its_dtype() -> None:
    """No key changes the values (it is a fill, not a draw); the dtype is the one asked for."""
    a = mlxinit.get("hf:mamba_a_log", seed=0)((4, 6))
    b = mlxinit.get("hf:mamba_a_log", seed=123)((4, 6))
    assert bool(mx.array_equal(a, b))
    half = mlxinit.get("hf:mamba_a_log", dtype=mx.bfloat16)((4, 6))
    assert half.dtype == mx.bfloat16
    assert np.allclose(_np(half), _np(a), atol=1e-2)


def test_a_log_edge_shapes() -> None:
    """A 0-D array has no state axis and is refused; an empty array stays empty with a promise of 0."""
    init = mlxinit.get("hf:mamba_a_log")
    with pytest.raises(mlxinit.ShapeError, match=r"hf:mamba_a_log: expected an array of 1\+ dimensions"):
        init(())
    assert init((0, 4)).shape == (0, 4)
    assert init.expected_std((0, 4)) == 0.0
    assert init.expected_std((7, 1)) == 0.0  # log(1) only


# ----------------------------------------------------------------------------- hf:mamba_dt_bias


def test_dt_bias_softplus_is_log_uniform() -> None:
    """softplus(bias) is log-uniform in [dt_min, dt_max] (KS on its log) when the floor is below dt_min."""
    bias = mlxinit.get("hf:mamba_dt_bias", seed=0)((20000,))
    log_dt = np.log(_softplus(bias))
    lo, hi = math.log(0.001), math.log(0.1)
    assert float(stats.kstest(log_dt, stats.uniform(lo, hi - lo).cdf).pvalue) > P_MIN
    assert log_dt.min() >= lo - 1e-4
    assert log_dt.max() <= hi + 1e-4


def test_dt_bias_floor_clamps_the_small_steps() -> None:
    """Steps below ``dt_floor`` are raised to it: that share sits at the floor, the rest stay log-uniform."""
    dt_min, dt_max, floor = 1e-5, 1e-1, 1e-3
    bias = mlxinit.get("hf:mamba_dt_bias", dt_min=dt_min, dt_max=dt_max, dt_floor=floor, seed=1)((20000,))
    dt = _softplus(bias)
    at_floor = np.isclose(dt, floor, rtol=1e-3)
    share = (math.log(floor) - math.log(dt_min)) / (math.log(dt_max) - math.log(dt_min))
    assert at_floor.mean() == pytest.approx(share, abs=0.02)
    rest = np.log(dt[~at_floor])
    lo, hi = math.log(floor), math.log(dt_max)
    assert float(stats.kstest(rest, stats.uniform(lo, hi - lo).cdf).pvalue) > P_MIN


@pytest.mark.parametrize(("params", "seed"), [({}, 0), ({"dt_min": 1e-5, "dt_max": 1e-1, "dt_floor": 1e-3}, 2)])
def test_dt_bias_keeps_its_std_promise(params: dict[str, float], seed: int) -> None:
    """The sample std is the promised one (the promise is computed by quadrature on the uniform variable)."""
    init = mlxinit.get("hf:mamba_dt_bias", seed=seed, **params)
    x = _np(init((50000,)))
    assert float(x.std()) == pytest.approx(init.expected_std((50000,)), rel=0.02)
    assert init.expected_std((0,)) == 0.0


def test_dt_bias_seeds_and_dtypes() -> None:
    """Same seed, same values; the draw is made in float32 and cast to the dtype asked for."""
    a = mlxinit.get("hf:mamba_dt_bias", seed=5)((64,))
    b = mlxinit.get("hf:mamba_dt_bias", seed=5)((64,))
    c = mlxinit.get("hf:mamba_dt_bias", seed=6)((64,))
    assert bool(mx.array_equal(a, b))
    assert not bool(mx.array_equal(a, c))
    half = mlxinit.get("hf:mamba_dt_bias", seed=5, dtype=mx.float16)((64,))
    assert half.dtype == mx.float16
    assert np.allclose(_np(half), _np(a), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"dt_min": 0.0}, mlxinit.InvalidParameterError, "dt_min"),
        ({"dt_min": 0.1, "dt_max": 0.01}, mlxinit.InvalidParameterError, r"dt_max.*a number > dt_min \(0\.1\)"),
        ({"dt_floor": -1.0}, mlxinit.InvalidParameterError, "dt_floor"),
        ({"dt_max": "big"}, mlxinit.ParameterTypeError, "dt_max"),
    ],
)
def test_dt_bias_refuses_bad_parameters(params: dict[str, object], error: type[Exception], match: str) -> None:
    """Bad time-step bounds are refused when the initializer is built, naming the parameter."""
    with pytest.raises(error, match=match):
        mlxinit.get("hf:mamba_dt_bias", **params)
