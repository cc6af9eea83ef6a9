"""Other frameworks' own initializer tests, held against mlxinit-compat's meanings of their names.

Each test ports the assertions of one test of a framework's suite and names it in its
docstring. Shapes are translated to MLX's layout ``(out, *spatial, in)`` from PyTorch's
``(out, in, *spatial)`` and Keras'/JAX's ``(*spatial, in, out)``, so the fans are the numbers
the framework computes. Random draws are tested statistically (scipy.stats KS, p > 1e-4 at a
fixed seed), structure exactly.

Sources:

- PyTorch: ``test/nn/test_init.py`` (pytorch/pytorch), ``TestNNInit`` and ``TestNNInitDeviceType``.
- Keras 3: ``keras/src/initializers/random_initializers_test.py``; Keras 2:
  ``keras/initializers/initializers_test.py`` (keras-team/keras).
- JAX: ``tests/nn_test.py``, ``NNInitializersTest`` (jax-ml/jax).
- Flax: ``tests/linen/initializers_test.py`` (google/flax) tests only ``zeros_init`` and
  ``ones_init``, which mlxinit-compat does not name (the plain ``zeros``/``ones`` are the same).

Not ported, and why: tests of initializers compat does not offer under the framework's name
(PyTorch's ``uniform_``, ``normal_``, ``constant_``, ``eye_``, ``dirac_``, ``sparse_``,
``orthogonal_``; Keras' ``RandomNormal``, ``RandomUniform``, ``Orthogonal``, ``Identity``);
float64 cases (mlxinit draws float32, float16 and bfloat16); PyTorch's zero-element warning
(the empty array is returned, as PyTorch returns the tensor; there is nothing to warn about
in the values); Keras 2's ``partition_shape`` and JAX's ``in_axis``/``out_axis``/``batch_axis``
cases (compat's names do not take those arguments).
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Sequence

import mlx.core as mx
import numpy as np
import pytest
from scipy import stats

import mlxinit

P_MIN = 1e-4
TRUNC2 = 0.87962566103423978
LOW_PRECISION = [mx.float16, mx.bfloat16]


def _from_torch(shape: Sequence[int]) -> tuple[int, ...]:
    """PyTorch's ``(out, in, *spatial)`` in MLX's layout ``(out, *spatial, in)``."""
    return (shape[0], *shape[2:], shape[1])


def _from_keras(shape: Sequence[int]) -> tuple[int, ...]:
    """Keras'/JAX's ``(*spatial, in, out)`` in MLX's layout ``(out, *spatial, in)``."""
    return (shape[-1], *shape[:-2], shape[-2])


def _np(a: mx.array) -> np.ndarray:
    return np.array(a.astype(mx.float32), dtype=np.float64).ravel()


def _pvalue(x: np.ndarray, dist: object) -> float:
    return float(stats.kstest(x, dist.cdf).pvalue)  # type: ignore[attr-defined]


def _is_normal(x: np.ndarray, mean: float, std: float) -> bool:
    return _pvalue(x, stats.norm(mean, std)) > P_MIN


def _is_uniform(x: np.ndarray, a: float, b: float) -> bool:
    return _pvalue(x, stats.uniform(a, b - a)) > P_MIN


def _is_trunc_normal(x: np.ndarray, mean: float, std: float, a: float, b: float) -> bool:
    """PyTorch's ``_is_trunc_normal``: standardise, then KS against ``truncnorm`` in std units."""
    z = (x - mean) / std
    return _pvalue(z, stats.truncnorm((a - mean) / std, (b - mean) / std)) > P_MIN


class _TorchRandom:
    """PyTorch's ``setUp`` (``random.seed(123)``) and its shape/number helpers."""

    def __init__(self) -> None:
        self.rng = random.Random(123)

    def shape(self, dims: int, size_min: int, size_max: int) -> list[int]:
        return [self.rng.randint(size_min, size_max) for _ in range(dims)]

    def float(self, a: float, b: float) -> float:
        return (b - a) * self.rng.random() + a


def _torch_fans(shape: Sequence[int]) -> tuple[int, int]:
    """The fans as PyTorch's tests compute them: ``size(1)``, ``size(0)``, times ``tensor[0, 0].numel()``."""
    rf = math.prod(shape[2:])
    return shape[1] * rf, shape[0] * rf


# ============================================================================ PyTorch: calculate_gain


def test_calculate_gain_linear() -> None:
    """PyTorch ``TestNNInit.test_calculate_gain_linear``: every linear function has gain 1."""
    for fn in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "conv_transpose2d", "conv_transpose3d"]:
        assert mlxinit.calculate_gain(fn) == 1


def test_calculate_gain_nonlinear() -> None:
    """PyTorch ``TestNNInit.test_calculate_gain_nonlinear``: the exact floats of PyTorch's table."""
    assert mlxinit.calculate_gain("sigmoid") == 1
    assert mlxinit.calculate_gain("tanh") == 1.6666666666666667
    assert mlxinit.calculate_gain("relu") == 1.4142135623730951
    assert mlxinit.calculate_gain("leaky_relu") == 1.4141428569978354
    assert mlxinit.calculate_gain("selu") == 0.75


def test_calculate_gain_leaky_relu() -> None:
    """PyTorch ``TestNNInit.test_calculate_gain_leaky_relu``: default slope 0.01, slope 0 is ReLU's gain."""
    expected = {None: 1.4141428569978354, 0: 1.4142135623730951, 0.01: 1.4141428569978354, 10: 0.14071950894605836}
    for param, gain in expected.items():
        assert mlxinit.calculate_gain("leaky_relu", param) == gain


@pytest.mark.parametrize("param", [True, [1], {"a": "b"}], ids=repr)
def test_calculate_gain_leaky_relu_only_accepts_numbers(param: object) -> None:
    """PyTorch ``TestNNInit.test_calculate_gain_leaky_relu_only_accepts_numbers``: a ValueError."""
    with pytest.raises(ValueError, match="negative slope"):
        mlxinit.calculate_gain("leaky_relu", param)  # type: ignore[arg-type]


def test_calculate_gain_only_accepts_valid_nonlinearities() -> None:
    """PyTorch ``TestNNInit.test_calculate_gain_only_accepts_valid_nonlinearities``: random names raise."""
    rng = random.Random(123)
    for n in [2, 5, 25]:
        name = "".join(rng.choice(string.ascii_lowercase) for _ in range(n))
        with pytest.raises(ValueError, match="Unknown nonlinearity"):
            mlxinit.calculate_gain(name)


# ============================================================================ PyTorch: Xavier and Kaiming


@pytest.mark.parametrize("name", ["torch:xavier_uniform", "torch:xavier_normal"])
def test_xavier_errors_on_inputs_smaller_than_2d(name: str) -> None:
    """PyTorch ``test_xavier_uniform_errors_on_inputs_smaller_than_2d`` and ``..._normal_...``: 0-D, 1-D raise."""
    for shape in [(), (1,)]:
        with pytest.raises(ValueError, match="at least 2 dimensions") as info:
            mlxinit.get(name)(shape)
        assert isinstance(info.value, mlxinit.ShapeError)


@pytest.mark.parametrize("name", ["torch:kaiming_uniform", "torch:kaiming_normal"])
def test_kaiming_errors_on_inputs_smaller_than_2d(name: str) -> None:
    """PyTorch ``test_kaiming_uniform_errors_on_inputs_smaller_than_2d`` and ``..._normal_...``."""
    for shape in [(), (1,)]:
        with pytest.raises(mlxinit.ShapeError, match=name):
            mlxinit.get(name)(shape)


@pytest.mark.parametrize("name", ["torch:kaiming_uniform", "torch:kaiming_normal"])
def test_kaiming_on_0element_tensor(name: str) -> None:
    """PyTorch ``test_kaiming_uniform_warning_on_0element_tensor`` (and normal): (0, 1) is a no-op.

    PyTorch returns the tensor untouched (and warns); compat returns the empty array of that shape.
    """
    out = mlxinit.get(name, seed=0)(_from_torch((0, 1)))
    assert out.shape == (0, 1)
    assert out.size == 0


@pytest.mark.parametrize("name", ["torch:xavier_uniform", "torch:xavier_normal"])
def test_xavier(name: str) -> None:
    """PyTorch ``TestNNInit.test_xavier_uniform`` / ``test_xavier_normal``: std = gain·sqrt(2/(fan_in+fan_out))."""
    r = _TorchRandom()
    case = 0
    for use_gain in [True, False]:
        for dims in [2, 4]:
            torch_shape = r.shape(dims, 20, 25)
            gain = r.float(0.1, 2) if use_gain else 1.0
            params = {"gain": gain} if use_gain else {}
            x = _np(mlxinit.get(name, seed=case, **params)(_from_torch(torch_shape)))
            case += 1
            fan_in, fan_out = _torch_fans(torch_shape)
            expected_std = gain * math.sqrt(2.0 / (fan_in + fan_out))
            if name.endswith("uniform"):
                bounds = expected_std * math.sqrt(3)
                assert _is_uniform(x, -bounds, bounds), (torch_shape, gain)
            else:
                assert _is_normal(x, 0, expected_std), (torch_shape, gain)


@pytest.mark.parametrize("name", ["torch:kaiming_uniform", "torch:kaiming_normal"])
def test_kaiming(name: str) -> None:
    """PyTorch ``TestNNInit.test_kaiming_uniform`` / ``test_kaiming_normal``: std = sqrt(2 / ((1 + a²)·n))."""
    r = _TorchRandom()
    case = 0
    for use_a in [True, False]:
        for dims in [2, 4]:
            for mode in ["fan_in", "fan_out"]:
                torch_shape = r.shape(dims, 20, 25)
                a = r.float(0.1, 2) if use_a else 0.0
                params: dict[str, object] = {"a": a, "mode": mode} if use_a else {"mode": mode}
                x = _np(mlxinit.get(name, seed=case, **params)(_from_torch(torch_shape)))
                case += 1
                fan_in, fan_out = _torch_fans(torch_shape)
                n = fan_in if mode == "fan_in" else fan_out
                expected_std = math.sqrt(2.0 / ((1 + a**2) * n))
                if name.endswith("uniform"):
                    bounds = expected_std * math.sqrt(3.0)
                    assert _is_uniform(x, -bounds, bounds), (torch_shape, a, mode)
                else:
                    assert _is_normal(x, 0, expected_std), (torch_shape, a, mode)


# ============================================================================ PyTorch: trunc_normal_


def test_trunc_normal_generator() -> None:
    """PyTorch ``TestNNInit.test_trunc_normal_generator``: the same generator state gives the same values.

    Translated to keys: a draw from ``key(42)`` equals another from ``key(42)``, and a seeded
    initializer rebuilt from its config repeats its first draw. (PyTorch's KS check there uses
    bounds [0, 1] on a [-2, 2] draw of five values; it is not ported.)
    """
    init = mlxinit.get("torch:trunc_normal")
    a = init((5,), key=mx.random.key(42))
    assert mx.array_equal(a, init((5,), key=mx.random.key(42))).item()
    seeded = mlxinit.get("torch:trunc_normal", seed=42)
    assert mx.array_equal(seeded((5,)), mlxinit.get(seeded.config)((5,))).item()
    assert bool(mx.all((a >= -2) & (a <= 2)).item())


@pytest.mark.parametrize("dims", [1, 2, 4])
def test_trunc_normal_all_dtypes(dims: int) -> None:
    """PyTorch ``TestNNInitDeviceType.test_trunc_normal_all_dtypes`` (float32): bounds and KS."""
    rng = random.Random(123 + dims)
    size = [rng.randint(30, 50) for _ in range(dims)]
    mean = rng.uniform(-3, 3)
    std = rng.uniform(0.01, 1)
    a = rng.uniform(mean - 2 * std, mean)
    b = rng.uniform(mean, mean + 2 * std)
    t = mlxinit.get("torch:trunc_normal", mean=mean, std=std, a=a, b=b, seed=dims)(tuple(size))
    lo, hi = np.float32(a), np.float32(b)  # the bounds at the tensor's precision
    assert mx.min(t).item() >= lo
    assert mx.max(t).item() <= hi
    assert _is_trunc_normal(_np(t), mean, std, a, b)


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
def test_trunc_normal_low_precision(dtype: mx.Dtype) -> None:
    """PyTorch ``TestNNInitDeviceType.test_trunc_normal_low_precision``: float16/bfloat16 on [-2, 2]."""
    t = mlxinit.get("torch:trunc_normal", mean=0.0, std=1.0, a=-2.0, b=2.0, dtype=dtype, seed=0)((10000,))
    assert t.dtype == dtype
    assert mx.min(t).item() >= -2.0
    assert mx.max(t).item() <= 2.0
    assert _is_trunc_normal(_np(t), 0.0, 1.0, -2.0, 2.0)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16], ids=str)
def test_trunc_normal_narrow_interval(dtype: mx.Dtype) -> None:
    """PyTorch ``TestNNInitDeviceType.test_trunc_normal_narrow_interval``: [2, 3] at std 1.

    bfloat16 is excluded there too: 65 values in [2, 3] make the distribution visibly stepped.
    """
    t = mlxinit.get("torch:trunc_normal", mean=0.0, std=1.0, a=2.0, b=3.0, dtype=dtype, seed=0)((10000,))
    assert mx.min(t).item() >= 2.0
    assert mx.max(t).item() <= 3.0
    assert _is_trunc_normal(_np(t), 0.0, 1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("dtype", "min_unique"), [(mx.float32, 5000), (mx.float16, 3000), (mx.bfloat16, 1000)], ids=str
)
def test_trunc_normal_unique_values(dtype: mx.Dtype, min_unique: int) -> None:
    """PyTorch ``TestNNInitDeviceType.test_trunc_normal_unique_values``: enough distinct values, no inf/nan."""
    t = mlxinit.get("torch:trunc_normal", mean=0.0, std=1.0, a=-2.0, b=2.0, dtype=dtype, seed=0)((10000,))
    assert mx.min(t).item() >= -2.0
    assert mx.max(t).item() <= 2.0
    assert len(np.unique(_np(t))) > min_unique
    assert not mx.any(mx.isinf(t)).item()
    assert not mx.any(mx.isnan(t)).item()


@pytest.mark.parametrize("dtype", [mx.float32, *LOW_PRECISION], ids=str)
def test_trunc_normal_no_boundary_values_small_std(dtype: mx.Dtype) -> None:
    """PyTorch ``TestNNInitDeviceType.test_trunc_normal_no_boundary_values_small_std``: nothing clamped to ±2."""
    t = mlxinit.get("torch:trunc_normal", mean=0.0, std=0.1, a=-2.0, b=2.0, dtype=dtype, seed=0)((10000,))
    assert mx.sum(t == -2.0).item() == 0
    assert mx.sum(t == 2.0).item() == 0


# ============================================================================ Keras


@pytest.mark.parametrize(("mode", "n"), [("fan_in", 25), ("fan_out", 20)])
def test_keras_variance_scaling(mode: str, n: int) -> None:
    """Keras 3 ``RandomInitializersTest.test_variance_scaling``: Keras shape (25, 20), scale 2.

    Keras asserts ``std ≈ sqrt(scale / n)`` (atol 0.1) and a serialization round trip; the KS
    test against the corrected truncated normal is the statistical form of the same promise.
    """
    shape = _from_keras((25, 20))
    init = mlxinit.get("keras:variance_scaling", scale=2.0, mode=mode, seed=1234)
    x = _np(init(shape))
    assert x.shape == (500,)
    assert abs(x.std() - math.sqrt(2.0 / n)) < 1e-1
    assert _pvalue(x, stats.truncnorm(-2, 2, scale=math.sqrt(2.0 / n) / TRUNC2)) > P_MIN
    assert init.params == {"scale": 2.0, "mode": mode}
    assert mlxinit.get(mlxinit.serialize(init)) == init


def test_keras_seeds_as_keys() -> None:
    """Keras 3 ``test_random_normal``'s seed assertions, translated to mlxinit's keys and seeds.

    A Keras int seed gives the same values on every call; in mlxinit that is an explicit key.
    A Keras ``SeedGenerator`` gives new values on each call; in mlxinit that is a seeded
    initializer (its own key stream). A seeded initializer cloned from its config repeats the
    original's values; an unseeded clone does not share them.
    """
    shape = _from_keras((25, 20))
    k = mx.random.key(1337)
    init = mlxinit.get("keras:he_normal")
    assert mx.array_equal(init(shape, key=k), init(shape, key=k)).item()
    seeded = mlxinit.get("keras:he_normal", seed=1337)
    first, second = seeded(shape), seeded(shape)
    assert not mx.array_equal(first, second).item()
    assert mx.array_equal(mlxinit.get(seeded.config)(shape), first).item()
    assert not mx.array_equal(init(shape), mlxinit.get(init.config)(shape)).item()


def test_keras_get_method() -> None:
    """Keras 3 ``test_get_method``: a name resolves; a typo raises (LookupError here, ValueError in Keras)."""
    init = mlxinit.get("keras:glorot_normal")
    k = mx.random.key(0)
    ref = mlxinit.get("keras:variance_scaling", scale=1.0, mode="fan_avg", distribution="truncated_normal")
    assert mx.array_equal(init((8, 4), key=k), ref((8, 4), key=k)).item()
    with pytest.raises(mlxinit.UnknownInitializerError):
        mlxinit.get("keras:typo")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"scale": -1.0, "mode": "fan_in"}, "scale"),
        ({"scale": 2.0, "mode": "invalid_mode"}, "mode"),
        ({"scale": 2.0, "mode": "fan_in", "distribution": "invalid_dist"}, "distribution"),
    ],
)
def test_keras_variance_scaling_invalid_arguments(params: dict[str, object], parameter: str) -> None:
    """Keras 3 ``test_variance_scaling_invalid_scale`` / ``_invalid_mode`` / ``_invalid_distribution``."""
    with pytest.raises(ValueError, match=f"parameter '{parameter}'") as info:
        mlxinit.get("keras:variance_scaling", **params)
    assert isinstance(info.value, mlxinit.InvalidParameterError)


def test_keras_load_external_variance_scaling_v2() -> None:
    """Keras 2 ``test_load_external_variance_scaling_v2``: a config with ``distribution="normal"`` is truncated."""
    config = {"name": "keras:variance_scaling", "distribution": "normal", "mode": "fan_avg", "scale": 1.0}
    init = mlxinit.get(config)
    assert init.distribution == "truncated_normal"
    x = _np(init(_from_keras((64, 48)), key=mx.random.key(0)))
    assert _pvalue(x, stats.truncnorm(-2, 2, scale=math.sqrt(1.0 / 56) / TRUNC2)) > P_MIN


def _keras_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Keras 2's test helper ``_compute_fans`` (Keras layout)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    rf = math.prod(shape[:-2])
    return shape[-2] * rf, shape[-1] * rf


@pytest.mark.parametrize(
    ("name", "scale", "mode", "truncated"),
    [
        ("lecun_uniform", 1.0, "fan_in", False),
        ("glorot_uniform", 1.0, "fan_avg", False),
        ("he_uniform", 2.0, "fan_in", False),
        ("lecun_normal", 1.0, "fan_in", True),
        ("glorot_normal", 1.0, "fan_avg", True),
        ("he_normal", 2.0, "fan_in", True),
    ],
)
@pytest.mark.parametrize("keras_shape", [(5, 6, 4, 2), (64,), ()], ids=str)
def test_keras_variance_scaling_family(
    name: str, scale: float, mode: str, truncated: bool, keras_shape: tuple[int, ...]
) -> None:
    """Keras 2 ``test_lecun_uniform`` … ``test_he_normal``: the std from Keras' ``_compute_fans``, and
    a config rebuilt with the same seed gives the same values (the ``_runner``). Shape (5, 6, 4, 2)
    is the suite's; the 1-D and scalar shapes use the same helper's rules (fan_in = fan_out = n; 1)."""
    fan_in, fan_out = _keras_fans(keras_shape)
    n = fan_in if mode == "fan_in" else (fan_in + fan_out) / 2
    std = math.sqrt(scale / n)
    shape = _from_keras(keras_shape) if len(keras_shape) >= 2 else keras_shape
    init = mlxinit.get(f"keras:{name}", seed=123)
    out = init(shape)
    assert out.shape == shape
    assert init.expected_std(shape) == pytest.approx(std)
    assert mx.allclose(mlxinit.get(init.config)(shape), out, atol=1e-4).item()
    x = _np(out)
    if not keras_shape:
        assert abs(x[0]) <= (2 * std / TRUNC2 if truncated else math.sqrt(3) * std)
    elif truncated:
        assert _pvalue(x, stats.truncnorm(-2, 2, scale=std / TRUNC2)) > P_MIN
    else:
        assert _is_uniform(x, -math.sqrt(3) * std, math.sqrt(3) * std)


def test_keras_truncated_normal() -> None:
    """Keras 2 ``test_truncated_normal`` (stddev 1 within ±2, rebuilt config repeats) and
    ``test_default_truncated_normal`` (mean 0, stddev 0.05)."""
    shape = _from_keras((12, 99, 7))
    init = mlxinit.get("keras:truncated_normal", mean=0.0, stddev=1.0, seed=126)
    out = init(shape)
    assert mx.min(out).item() >= -2.0
    assert mx.max(out).item() <= 2.0
    assert mx.allclose(mlxinit.get(init.config)(shape), out, atol=1e-4).item()
    x = _np(mlxinit.get("keras:truncated_normal", seed=0)((128, 64)))
    assert _pvalue(x, stats.truncnorm(-2, 2, loc=0.0, scale=0.05)) > P_MIN


# ============================================================================ JAX


ALL_SHAPES = [(2,), (2, 2), (2, 3), (3, 2), (2, 3, 4), (4, 3, 2), (2, 3, 4, 5)]
JAX_VS = ["he_normal", "he_uniform", "glorot_normal", "glorot_uniform", "lecun_normal", "lecun_uniform"]
JAX_DTYPES = [mx.bfloat16, mx.float16, mx.float32]


@pytest.mark.parametrize("dtype", JAX_DTYPES, ids=str)
@pytest.mark.parametrize("name", [*JAX_VS, "truncated_normal"])
def test_jax_initializer_shapes_and_dtypes(name: str, dtype: mx.Dtype) -> None:
    """JAX ``NNInitializersTest.testInitializer`` / ``testInitializerProvider``: the shape and dtype asked for.

    JAX's records: variance-scaling names on 2-D to 4-D shapes, ``truncated_normal`` from 1-D.
    """
    min_dims = 1 if name == "truncated_normal" else 2
    init = mlxinit.get(f"jax:{name}", dtype=dtype, seed=0)
    for jax_shape in ALL_SHAPES:
        if not min_dims <= len(jax_shape) <= 4:
            continue
        shape = _from_keras(jax_shape) if len(jax_shape) >= 2 else jax_shape
        val = init(shape)
        assert val.shape == shape
        assert val.dtype == dtype


def test_jax_variance_scaling_error() -> None:
    """JAX ``NNInitializersTest.testVarianceScalingError``: a (5,) weight has no fans ("at least 2D")."""
    init = mlxinit.get("jax:variance_scaling", scale=1.0, mode="fan_avg", distribution="truncated_normal")
    with pytest.raises(ValueError, match="at least 2 dimensions") as info:
        init((5,), key=mx.random.key(0))
    assert isinstance(info.value, mlxinit.ShapeError)


def test_jax_accidental_upcasting() -> None:
    """JAX ``NNInitializersTest.testAccidentalUpcasting``: a float32 scalar parameter keeps a bfloat16 result."""
    init = mlxinit.get("jax:truncated_normal", stddev=mx.array(1.0, dtype=mx.float32), dtype=mx.bfloat16)
    assert init((4, 4), key=mx.random.key(0)).dtype == mx.bfloat16


@pytest.mark.parametrize(("name", "scale", "mode"), [("he_normal", 2.0, "fan_in"), ("glorot_normal", 1.0, "fan_avg")])
def test_jax_variance_scaling_std(name: str, scale: float, mode: str) -> None:
    """JAX ``variance_scaling``'s promise (its docstring; the suite checks shapes only): the std after
    truncation is sqrt(scale / n), fans read with ``in_axis=-2, out_axis=-1`` on JAX's layout."""
    jax_shape = (3, 3, 24, 40)
    rf = 9
    fan_in, fan_out = 24 * rf, 40 * rf
    n = fan_in if mode == "fan_in" else (fan_in + fan_out) / 2
    std = math.sqrt(scale / n)
    x = _np(mlxinit.get(f"jax:{name}", seed=0)(_from_keras(jax_shape)))
    assert _pvalue(x, stats.truncnorm(-2, 2, scale=std / TRUNC2)) > P_MIN
