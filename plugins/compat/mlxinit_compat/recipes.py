"""Other frameworks' initializers, reproduced exactly, with fans in MLX's layout.

MLX stores weights as ``(out, *spatial, in)``; PyTorch as ``(out, in, *spatial)`` and
Keras as ``(*spatial, in, out)``. The fans below are computed from an MLX shape, so
a weight ported from either framework gets the same fan_in/fan_out it had there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mlx.core as mx

import mlxinit
from mlxinit import sampling
from mlxinit.validate import check_choice, check_real, compute_fans

Init = mlxinit.Fill | mlxinit.Initializer
Key = mx.array | None

_TORCH_MODES = ("fan_in", "fan_out")
_DISPLAY = {"keras": "Keras", "jax": "JAX"}


def _attach(
    init: Callable[..., mx.array], expected: Callable[[tuple[int, ...]], float], distribution: mlxinit.Distribution
) -> mlxinit.Fill:
    return mlxinit.Fill(init, expected, distribution)


def _registry(registry: mlxinit.Registry | None) -> mlxinit.Registry:
    """The registry building this initializer (the default one when a factory is called directly)."""
    return registry if registry is not None else mlxinit.default_registry()


def _torch_fan(shape: tuple[int, ...], mode: str, name: str) -> int:
    fan_in, fan_out = compute_fans(shape, name)
    return fan_in if mode == "fan_in" else fan_out


def _torch_gain(name: str, nonlinearity: str, a: float) -> float:
    try:
        return mlxinit.calculate_gain(nonlinearity, a)
    except mlxinit.UnknownNonlinearityError as e:
        raise mlxinit.InvalidParameterError(name, "nonlinearity", str(e), nonlinearity) from e


def _kaiming(name: str, a: float, mode: str, nonlinearity: str) -> tuple[str, float]:
    """Validate PyTorch's Kaiming parameters; return ``(mode, gain)``."""
    a = check_real(name, "a", a)
    return check_choice(name, "mode", mode, _TORCH_MODES), _torch_gain(name, nonlinearity, a)


def kaiming_normal(
    a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *, dtype: mx.Dtype = mx.float32
) -> Init:
    """PyTorch ``kaiming_normal_``: N(0, σ²) with σ = gain / sqrt(fan).

    ``gain = calculate_gain(nonlinearity, a)``; the defaults (leaky_relu, a=0) give
    √2, i.e. He et al.'s variance ``2/fan`` (unlike MLX's ``he_normal``, whose variance
    is ``1/fan``).

    Args:
        a: negative slope for ``leaky_relu``. Default: ``0``.
        mode: ``"fan_in"`` or ``"fan_out"``. Default: ``"fan_in"``.
        nonlinearity: a name from :func:`mlxinit.calculate_gain`'s table. Default: ``"leaky_relu"``.
    """
    name = "torch:kaiming_normal"
    mode, gain = _kaiming(name, a, mode, nonlinearity)

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        std = gain / math.sqrt(_torch_fan(w.shape, mode, name))
        return sampling.normal(w.shape, scale=std, dtype=dtype, key=key)

    return _attach(init, lambda s: gain / math.sqrt(_torch_fan(s, mode, name)), "normal")


def kaiming_uniform(
    a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *, dtype: mx.Dtype = mx.float32
) -> Init:
    """PyTorch ``kaiming_uniform_``: U(-b, b) with b = gain · sqrt(3 / fan).

    Args:
        a: negative slope for ``leaky_relu``. Default: ``0``.
        mode: ``"fan_in"`` or ``"fan_out"``. Default: ``"fan_in"``.
        nonlinearity: a name from :func:`mlxinit.calculate_gain`'s table. Default: ``"leaky_relu"``.
    """
    name = "torch:kaiming_uniform"
    mode, gain = _kaiming(name, a, mode, nonlinearity)

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        bound = gain * math.sqrt(3.0 / _torch_fan(w.shape, mode, name))
        return sampling.uniform(-bound, bound, w.shape, dtype=dtype, key=key)

    return _attach(init, lambda s: gain / math.sqrt(_torch_fan(s, mode, name)), "uniform")


def xavier_normal(
    gain: float = 1.0, *, dtype: mx.Dtype = mx.float32, registry: mlxinit.Registry | None = None
) -> Init:
    """PyTorch ``xavier_normal_``: N(0, σ²) with σ = gain · sqrt(2 / (fan_in + fan_out)).

    Args:
        gain: scaling factor. Default: ``1.0``.
    """
    return _registry(registry).get(
        "glorot_normal", gain=check_real("torch:xavier_normal", "gain", gain), dtype=dtype
    )


def xavier_uniform(
    gain: float = 1.0, *, dtype: mx.Dtype = mx.float32, registry: mlxinit.Registry | None = None
) -> Init:
    """PyTorch ``xavier_uniform_``: U(-b, b) with b = gain · sqrt(6 / (fan_in + fan_out)).

    Args:
        gain: scaling factor. Default: ``1.0``.
    """
    return _registry(registry).get(
        "glorot_uniform", gain=check_real("torch:xavier_uniform", "gain", gain), dtype=dtype
    )


def trunc_normal(
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    *,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """PyTorch ``trunc_normal_``: N(mean, std²) truncated to the **absolute** interval [a, b].

    Unlike mlxinit's ``truncated_normal`` (bounds in std units), ``a`` and ``b`` are values:
    ``torch:trunc_normal(std=0.02)`` keeps PyTorch's default ``[-2, 2]``, which at
    std 0.02 truncates nothing.

    Args:
        mean: the mean. Default: ``0``.
        std: the untruncated standard deviation, ``> 0``. Default: ``1``.
        a: lower bound (absolute). Default: ``-2``.
        b: upper bound (absolute), ``> a``. Default: ``2``.
    """
    name = "torch:trunc_normal"
    mean = check_real(name, "mean", mean)
    std = check_real(name, "std", std, gt=0.0)
    a = check_real(name, "a", a)
    b = check_real(name, "b", b)
    if b <= a:
        raise mlxinit.InvalidParameterError(name, "b", f"a number > a ({a})", b)
    return _registry(registry).get(
        "truncated_normal", mean=mean, std=std, lower=(a - mean) / std, upper=(b - mean) / std, dtype=dtype
    )


def linear_default(fan_in: int | None = None, *, dtype: mx.Dtype = mx.float32) -> Init:
    """What PyTorch's ``nn.Linear`` and ``nn.Conv*`` do: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    For a weight this is ``kaiming_uniform_(a=sqrt(5))``; the bias uses the same bound
    with the weight's fan_in. A 1-D bias does not know its layer's fan_in: pass
    ``fan_in`` (the ``torch-default`` preset does).

    Args:
        fan_in: the layer's fan_in; computed from the shape (MLX layout) when ``None``.

    Raises:
        ShapeError: a 1-D array and no ``fan_in``.
    """
    name = "torch:linear_default"
    if fan_in is not None and (isinstance(fan_in, bool) or not isinstance(fan_in, int) or fan_in < 1):
        raise mlxinit.ParameterTypeError(name, "fan_in", "a positive int or None", fan_in)

    def fan(shape: tuple[int, ...]) -> int:
        if fan_in is not None:
            return fan_in
        if len(shape) < 2:
            raise mlxinit.ShapeError(name, shape, "a weight of 2+ dimensions, or fan_in=... for a bias")
        return compute_fans(shape, name)[0]

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        bound = 1.0 / math.sqrt(fan(w.shape))
        return sampling.uniform(-bound, bound, w.shape, dtype=dtype, key=key)

    return _attach(init, lambda s: 1.0 / math.sqrt(3.0 * fan(s)), "uniform")


TORCH: dict[str, Callable[..., Any]] = {
    "kaiming_normal": kaiming_normal,
    "kaiming_uniform": kaiming_uniform,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "trunc_normal": trunc_normal,
    "linear_default": linear_default,
}


# --------------------------------------------------------------------------- Keras / JAX


def _variance_scaling_factory(
    framework: str, modes: tuple[str, ...], distributions: dict[str, str]
) -> Callable[..., Init]:
    def variance_scaling(
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        *,
        dtype: mx.Dtype = mx.float32,
        registry: mlxinit.Registry | None = None,
    ) -> Init:
        name = f"{framework}:variance_scaling"
        scale = check_real(name, "scale", scale, gt=0.0)
        mode = check_choice(name, "mode", mode, modes)
        distribution = check_choice(name, "distribution", distribution, tuple(distributions))
        return _registry(registry).get(
            "variance_scaling", scale=scale, mode=mode, distribution=distributions[distribution], dtype=dtype
        )

    variance_scaling.__doc__ = (
        f"{_DISPLAY[framework]} ``VarianceScaling``: variance ``scale / n`` with n from ``mode``.\n\n"
        "The truncated normal is cut at ±2σ with σ = sqrt(scale / n) / 0.87962566103423978, so the\n"
        "std after truncation is sqrt(scale / n), exactly as "
        f"{_DISPLAY[framework]} does. Fans use MLX's layout.\n\n"
        "Args:\n"
        "    scale: positive scale. Default: ``1.0``.\n"
        f"    mode: one of {', '.join(modes)}. Default: ``\"fan_in\"``.\n"
        f"    distribution: one of {', '.join(distributions)}. Default: ``\"truncated_normal\"``.\n"
    )
    variance_scaling.__qualname__ = f"{framework}_variance_scaling"
    return variance_scaling


def _preset_factory(
    framework: str, base: Callable[..., Init], scale: float, mode: str, dist: str
) -> Callable[..., Init]:
    label = {("truncated_normal",): "truncated normal"}.get((dist,), dist)

    def factory(*, dtype: mx.Dtype = mx.float32, registry: mlxinit.Registry | None = None) -> Init:
        return base(scale=scale, mode=mode, distribution=dist, dtype=dtype, registry=registry)

    factory.__doc__ = (
        f"{_DISPLAY[framework]}'s initializer: variance scaling with scale={scale}, mode={mode!r}, "
        f"a {label} distribution.\n\nSame as ``{framework}:variance_scaling(scale={scale}, mode={mode!r}, "
        f"distribution={dist!r})``."
    )
    return factory


def _family(framework: str, modes: tuple[str, ...], distributions: dict[str, str]) -> dict[str, Callable[..., Any]]:
    vs = _variance_scaling_factory(framework, modes, distributions)
    return {
        "variance_scaling": vs,
        "he_normal": _preset_factory(framework, vs, 2.0, "fan_in", "truncated_normal"),
        "he_uniform": _preset_factory(framework, vs, 2.0, "fan_in", "uniform"),
        "glorot_normal": _preset_factory(framework, vs, 1.0, "fan_avg", "truncated_normal"),
        "glorot_uniform": _preset_factory(framework, vs, 1.0, "fan_avg", "uniform"),
        "lecun_normal": _preset_factory(framework, vs, 1.0, "fan_in", "truncated_normal"),
        "lecun_uniform": _preset_factory(framework, vs, 1.0, "fan_in", "uniform"),
    }


def keras_truncated_normal(
    mean: float = 0.0, stddev: float = 0.05, *, dtype: mx.Dtype = mx.float32, registry: mlxinit.Registry | None = None
) -> Init:
    """Keras ``TruncatedNormal``: N(mean, stddev²) cut at ±2·stddev (no std correction).

    Args:
        mean: the mean. Default: ``0``.
        stddev: the untruncated standard deviation, ``>= 0``. Default: ``0.05``.
    """
    name = "keras:truncated_normal"
    mean = check_real(name, "mean", mean)
    stddev = check_real(name, "stddev", stddev, ge=0.0)
    return _registry(registry).get("truncated_normal", mean=mean, std=stddev, lower=-2.0, upper=2.0, dtype=dtype)


def jax_truncated_normal(
    stddev: float = 1e-2,
    lower: float = -2.0,
    upper: float = 2.0,
    *,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """JAX ``truncated_normal``: ``stddev`` times N(0, 1) truncated to [lower, upper] (no correction).

    Args:
        stddev: the untruncated standard deviation, ``>= 0``. Default: ``0.01``.
        lower: lower bound in std units. Default: ``-2``.
        upper: upper bound in std units. Default: ``2``.
    """
    name = "jax:truncated_normal"
    stddev = check_real(name, "stddev", stddev, ge=0.0)
    lower = check_real(name, "lower", lower)
    upper = check_real(name, "upper", upper)
    if upper <= lower:
        raise mlxinit.InvalidParameterError(name, "upper", f"a number > lower ({lower})", upper)
    return _registry(registry).get("truncated_normal", std=stddev, lower=lower, upper=upper, dtype=dtype)


KERAS: dict[str, Callable[..., Any]] = {
    **_family(
        "keras",
        ("fan_in", "fan_out", "fan_avg"),
        {"truncated_normal": "truncated_normal", "untruncated_normal": "normal", "uniform": "uniform"},
    ),
    "truncated_normal": keras_truncated_normal,
}

JAX: dict[str, Callable[..., Any]] = {
    **_family(
        "jax",
        ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"),
        {"truncated_normal": "truncated_normal", "normal": "normal", "uniform": "uniform"},
    ),
    "truncated_normal": jax_truncated_normal,
}
