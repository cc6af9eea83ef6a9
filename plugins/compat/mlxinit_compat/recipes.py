"""Other frameworks' initializers, reproduced exactly, with fans in MLX's layout.

MLX stores weights as ``(out, *spatial, in)``; PyTorch as ``(out, in, *spatial)`` and
Keras as ``(*spatial, in, out)``. The fans below are computed from an MLX shape, so
a weight ported from either framework gets the same fan_in/fan_out it had there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import mlx.core as mx

import mlxinit
from mlxinit import sampling
from mlxinit.validate import check_choice, check_real, compute_fans

Init = mlxinit.Fill | mlxinit.Initializer
Key = mx.array | None

#: PyTorch's Kaiming ``mode`` (read in any case, as PyTorch).
TorchMode = Literal["fan_in", "fan_out"]
#: Keras ``VarianceScaling``'s ``mode`` and ``distribution`` (Keras' legacy ``"normal"`` also read).
KerasMode = Literal["fan_in", "fan_out", "fan_avg"]
KerasDistribution = Literal["truncated_normal", "untruncated_normal", "uniform"]
#: JAX ``variance_scaling``'s ``mode`` and ``distribution``.
JaxMode = Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]
JaxDistribution = Literal["truncated_normal", "normal", "uniform"]

# Signatures spell the Literals out (``mlxinit info`` shows them as written); these check them
# at run time, since configs and command lines give plain strings.
_TORCH_MODES: tuple[TorchMode, ...] = ("fan_in", "fan_out")
_DISPLAY = {"keras": "Keras", "jax": "JAX"}


def _attach(
    init: Callable[..., mx.array], expected: Callable[[tuple[int, ...]], float], distribution: mlxinit.Distribution
) -> mlxinit.Fill:
    return mlxinit.Fill(init, expected, distribution)


def _layout(**given: Any) -> dict[str, Any]:
    """The layout parameters that were given (the built-ins validate them)."""
    return {k: v for k, v in given.items() if v is not None}


def _registry(registry: mlxinit.Registry | None) -> mlxinit.Registry:
    """The registry building this initializer (the default one when a factory is called directly)."""
    return registry if registry is not None else mlxinit.default_registry()


def _torch_fan(shape: tuple[int, ...], mode: TorchMode, name: str) -> int:
    """PyTorch's ``_calculate_correct_fan`` in MLX's layout; 0 for a zero-element array of < 2 dims.

    PyTorch's ``kaiming_*_`` return a tensor with a 0 in its shape untouched before they
    compute a fan, so only non-empty arrays need two dimensions.
    """
    if 0 in shape and len(shape) < 2:
        return 0
    fan_in, fan_out = compute_fans(shape, name)
    return fan_in if mode == "fan_in" else fan_out


def _ratio(num: float, fan: float) -> float:
    """``num / sqrt(fan)``, and 0.0 for a fan of 0 (an empty array: nothing is drawn)."""
    return num / math.sqrt(fan) if fan > 0 else 0.0


def _empty(shape: tuple[int, ...], dtype: mx.Dtype) -> mx.array | None:
    """An array of ``shape`` when it has no elements (nothing to draw), else ``None``."""
    return mx.zeros(shape, dtype=dtype) if 0 in shape else None


def _torch_gain(name: str, nonlinearity: str, a: float) -> float:
    try:
        return mlxinit.calculate_gain(nonlinearity, a)
    except mlxinit.UnknownNonlinearityError as e:
        if not e.known:  # a bad slope; ``a`` is checked before, so this is a safety net
            raise mlxinit.InvalidParameterError(name, "a", "a finite number", a) from e
        expected = "one of " + ", ".join(repr(k) for k in e.known)
        if e.possibilities:
            expected += f" (did you mean {e.possibilities[0]!r}?)"
        raise mlxinit.InvalidParameterError(name, "nonlinearity", expected, nonlinearity) from e


def _kaiming(name: str, a: float, mode: str, nonlinearity: str) -> tuple[TorchMode, float]:
    """Validate PyTorch's Kaiming parameters; return ``(mode, gain)``.

    ``mode`` is read case-insensitively, as PyTorch's ``_calculate_correct_fan`` does
    (``mode.lower()``); ``nonlinearity`` exactly, as its ``calculate_gain``.
    """
    a = check_real(name, "a", a)
    if isinstance(mode, str) and mode.lower() in _TORCH_MODES:
        mode = mode.lower()
    return check_choice(name, "mode", mode, _TORCH_MODES), _torch_gain(name, nonlinearity, a)


def kaiming_normal(
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """PyTorch ``kaiming_normal_``: N(0, σ²) with σ = gain / sqrt(fan).

    ``gain = calculate_gain(nonlinearity, a)``; the defaults (leaky_relu, a=0) give
    √2, i.e. He et al.'s variance ``2/fan`` (unlike MLX's ``he_normal``, whose variance
    is ``1/fan``).

    An array with a 0 in its shape comes back empty, as PyTorch returns such a tensor
    untouched; its ``expected_std`` is 0.0 when the chosen fan is 0.

    Args:
        a: negative slope for ``leaky_relu``. Default: ``0``.
        mode: ``"fan_in"`` or ``"fan_out"`` (any case, as PyTorch). Default: ``"fan_in"``.
        nonlinearity: a name from :func:`mlxinit.calculate_gain`'s table. Default: ``"leaky_relu"``.
        in_axis: the fan-in axis of the full shape (JAX's meaning). Default: MLX's reading.
        out_axis: the fan-out axis. Default: MLX's reading.
        batch_axis: axes of stacked matrices (experts), in no fan. Default: none.
        segments: fused weights: an int or a list of sizes along the output axis, each with its own fans.
    """
    name = "torch:kaiming_normal"
    mode, gain = _kaiming(name, a, mode, nonlinearity)
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    if layout:  # the same formula as the built-in he_normal, which reads layouts
        return _registry(registry).get("he_normal", mode=mode, gain=gain, dtype=dtype, **layout)

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        if (empty := _empty(w.shape, dtype)) is not None:
            return empty
        std = gain / math.sqrt(_torch_fan(w.shape, mode, name))
        return sampling.normal(w.shape, scale=std, dtype=dtype, key=key)

    return _attach(init, lambda s: _ratio(gain, _torch_fan(s, mode, name)), "normal")


def kaiming_uniform(
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """PyTorch ``kaiming_uniform_``: U(-b, b) with b = gain · sqrt(3 / fan).

    An array with a 0 in its shape comes back empty, as PyTorch returns such a tensor
    untouched; its ``expected_std`` is 0.0 when the chosen fan is 0.

    Args:
        a: negative slope for ``leaky_relu``. Default: ``0``.
        mode: ``"fan_in"`` or ``"fan_out"`` (any case, as PyTorch). Default: ``"fan_in"``.
        nonlinearity: a name from :func:`mlxinit.calculate_gain`'s table. Default: ``"leaky_relu"``.
        in_axis: the fan-in axis of the full shape (JAX's meaning). Default: MLX's reading.
        out_axis: the fan-out axis. Default: MLX's reading.
        batch_axis: axes of stacked matrices (experts), in no fan. Default: none.
        segments: fused weights: an int or a list of sizes along the output axis, each with its own fans.
    """
    name = "torch:kaiming_uniform"
    mode, gain = _kaiming(name, a, mode, nonlinearity)
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    if layout:
        return _registry(registry).get("he_uniform", mode=mode, gain=gain, dtype=dtype, **layout)

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        if (empty := _empty(w.shape, dtype)) is not None:
            return empty
        bound = gain * math.sqrt(3.0 / _torch_fan(w.shape, mode, name))
        return sampling.uniform(-bound, bound, w.shape, dtype=dtype, key=key)

    return _attach(init, lambda s: _ratio(gain, _torch_fan(s, mode, name)), "uniform")


def xavier_normal(
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """PyTorch ``xavier_normal_``: N(0, σ²) with σ = gain · sqrt(2 / (fan_in + fan_out)).

    Args:
        gain: scaling factor. Default: ``1.0``.
    """
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    return _registry(registry).get(
        "glorot_normal", gain=check_real("torch:xavier_normal", "gain", gain), dtype=dtype, **layout
    )


def xavier_uniform(
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """PyTorch ``xavier_uniform_``: U(-b, b) with b = gain · sqrt(6 / (fan_in + fan_out)).

    Args:
        gain: scaling factor. Default: ``1.0``.
    """
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    return _registry(registry).get(
        "glorot_uniform", gain=check_real("torch:xavier_uniform", "gain", gain), dtype=dtype, **layout
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
    lower, upper = (a - mean) / std, (b - mean) / std
    if not (math.isfinite(lower) and math.isfinite(upper)):  # the built-in takes the bounds in std units
        raise mlxinit.InvalidParameterError(
            name, "std", f"a std for which (a - mean) / std and (b - mean) / std are finite (a={a}, b={b})", std
        )
    return _registry(registry).get("truncated_normal", mean=mean, std=std, lower=lower, upper=upper, dtype=dtype)


def linear_default(
    fan_in: int | None = None,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """What PyTorch's ``nn.Linear`` and ``nn.Conv*`` do: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    For a weight this is ``kaiming_uniform_(a=sqrt(5))``; the bias uses the same bound
    with the weight's fan_in. A 1-D bias does not know its layer's fan_in: pass
    ``fan_in`` (the ``torch-default`` preset does). As in ``nn.Linear``, a fan_in of 0
    gives the bound 0 (a bias of zeros), and an array with a 0 in its shape comes back
    empty (``kaiming_uniform_`` leaves such a weight untouched).

    Args:
        fan_in: the layer's fan_in, ``>= 0``; computed from the shape (MLX layout) when ``None``.
        in_axis: the fan-in axis of the full shape (JAX's meaning), when ``fan_in`` is ``None``.
        out_axis: the fan-out axis (it only locates the segments).
        batch_axis: axes of stacked matrices (experts), in no fan.
        segments: fused weights: an int or a list of sizes along the output axis.

    Raises:
        ShapeError: a non-empty array of fewer than 2 dimensions and no ``fan_in``.
    """
    name = "torch:linear_default"
    if fan_in is not None and (isinstance(fan_in, bool) or not isinstance(fan_in, int) or fan_in < 0):
        raise mlxinit.ParameterTypeError(name, "fan_in", "a non-negative int or None", fan_in)
    if fan_in is not None and fan_in >= 2**63:  # 1 / sqrt(fan_in) in floats; no layer has more inputs
        raise mlxinit.InvalidParameterError(name, "fan_in", "a non-negative int below 2**63, or None", fan_in)
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    if layout and fan_in is None:  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)) is he_uniform with gain 1/sqrt(3)
        return _registry(registry).get("he_uniform", gain=1.0 / math.sqrt(3.0), dtype=dtype, **layout)

    def fan(shape: tuple[int, ...]) -> int:
        if fan_in is not None:
            return fan_in
        if 0 in shape and len(shape) < 2:
            return 0
        if len(shape) < 2:
            raise mlxinit.ShapeError(name, shape, "a weight of 2+ dimensions, or fan_in=... for a bias")
        return compute_fans(shape, name)[0]

    def init(w: mx.array, *, key: Key = None) -> mx.array:
        if (empty := _empty(w.shape, dtype)) is not None:
            return empty
        n = fan(w.shape)
        bound = 1.0 / math.sqrt(n) if n > 0 else 0.0  # nn.Linear: "if fan_in > 0 else 0"
        return sampling.uniform(-bound, bound, w.shape, dtype=dtype, key=key)

    return _attach(init, lambda s: _ratio(1.0, 3.0 * fan(s)), "uniform")


TORCH: dict[str, Callable[..., Any]] = {
    "kaiming_normal": kaiming_normal,
    "kaiming_uniform": kaiming_uniform,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "trunc_normal": trunc_normal,
    "linear_default": linear_default,
}


# --------------------------------------------------------------------------- Keras / JAX


_KERAS_MODES: tuple[KerasMode, ...] = ("fan_in", "fan_out", "fan_avg")
# Keras' spellings -> the built-in variance_scaling's.
_KERAS_DISTRIBUTIONS: dict[KerasDistribution, JaxDistribution] = {
    "truncated_normal": "truncated_normal",
    "untruncated_normal": "normal",
    "uniform": "uniform",
}
_JAX_MODES: tuple[JaxMode, ...] = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_JAX_DISTRIBUTIONS: tuple[JaxDistribution, ...] = ("truncated_normal", "normal", "uniform")
Builder = Callable[[str, float, str, str, mx.Dtype, "mlxinit.Registry | None", dict[str, Any]], Init]


def _keras_fans(shape: tuple[int, ...], name: str) -> tuple[int, int]:
    """Keras' ``compute_fans``: ``(1, 1)`` for a scalar, ``(n, n)`` for a 1-D array of ``n``,
    and for 2+ dimensions the fans of the same weight in MLX's layout."""
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    return compute_fans(shape, name)


def _keras_distribution(name: str, distribution: Any) -> KerasDistribution:
    """Keras' reading of ``distribution``: any case, and the legacy ``"normal"`` is ``"truncated_normal"``."""
    if not isinstance(distribution, str):
        return check_choice(name, "distribution", distribution, tuple(_KERAS_DISTRIBUTIONS))  # raises
    spelled = distribution.lower()
    if spelled == "normal":
        spelled = "truncated_normal"
    try:
        return check_choice(name, "distribution", spelled, tuple(_KERAS_DISTRIBUTIONS))
    except mlxinit.InvalidParameterError as e:  # quote the value as given, not lower-cased
        raise mlxinit.InvalidParameterError(name, "distribution", e.expected, distribution) from None


def _keras_build(
    name: str,
    scale: float,
    mode: str,
    distribution: str,
    dtype: mx.Dtype,
    registry: mlxinit.Registry | None,
    layout: dict[str, Any],
) -> Init:
    """Keras' ``VarianceScaling.__call__``: the built-in draws, with Keras' fans for every rank."""
    reg = _registry(registry)
    dist = _KERAS_DISTRIBUTIONS[_keras_distribution(name, distribution)]
    inner = reg.get("variance_scaling", scale=scale, mode=mode, distribution=dist, dtype=dtype, **layout)
    if layout:  # an explicit layout reads 2+ dimensions only, as the built-in does
        return inner
    # Below 2-D Keras' fans are both n (1 for a scalar), so any mode gives n: the values are those
    # of a (1, n) weight, whose fan_in is n.
    flat = inner
    if mode != "fan_in":
        flat = reg.get("variance_scaling", scale=scale, mode="fan_in", distribution=dist, dtype=dtype)

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        if a.ndim >= 2:
            return inner(a, key=key)
        n = _keras_fans(a.shape, name)[0]
        return flat((1, n), key=key).reshape(a.shape)

    def expected(shape: tuple[int, ...]) -> float:
        fan_in, fan_out = _keras_fans(shape, name)
        n = {"fan_in": fan_in, "fan_out": fan_out}.get(mode, (fan_in + fan_out) / 2.0)
        return math.sqrt(scale / max(1.0, n))  # Keras: scale /= max(1.0, n)

    return mlxinit.Fill(init, expected, inner.distribution, truncation=inner.truncation)


def _jax_build(
    name: str,
    scale: float,
    mode: str,
    distribution: str,
    dtype: mx.Dtype,
    registry: mlxinit.Registry | None,
    layout: dict[str, Any],
) -> Init:
    """JAX's ``variance_scaling``: the built-in draws; fewer than 2 dimensions refused, as JAX does."""
    inner = _registry(registry).get(
        "variance_scaling", scale=scale, mode=mode, distribution=distribution, dtype=dtype, **layout
    )

    def need_2d(shape: tuple[int, ...]) -> None:
        if len(shape) < 2:
            raise mlxinit.ShapeError(name, shape, "at least 2 dimensions (JAX computes no fans for fewer)")

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        need_2d(a.shape)
        return inner(a, key=key)

    def expected(shape: tuple[int, ...]) -> float:
        need_2d(shape)
        std = inner.expected_std(shape)
        assert std is not None  # the built-in variance_scaling always promises one
        return std

    return mlxinit.Fill(init, expected, inner.distribution, truncation=inner.truncation)


def keras_variance_scaling(
    scale: float = 1.0,
    mode: Literal["fan_in", "fan_out", "fan_avg"] = "fan_in",
    distribution: Literal["truncated_normal", "untruncated_normal", "uniform"] = "truncated_normal",
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """Keras ``VarianceScaling``: variance ``scale / n`` with n from ``mode``.

    The truncated normal is cut at ±2σ with σ = sqrt(scale / n) / 0.87962566103423978, so the
    std after truncation is sqrt(scale / n); ``"untruncated_normal"`` is N(0, scale / n) and
    ``"uniform"`` U(-l, l) with l = sqrt(3 · scale / n), exactly as Keras 2 and 3 do.

    Fans are Keras' ``compute_fans`` read in MLX's layout: for 2+ dimensions those of the same
    weight in Keras' ``(*spatial, in, out)``; a 1-D array of n has ``fan_in = fan_out = n`` and
    a scalar 1. ``n`` is at least 1 (Keras divides by ``max(1, n)``), so an empty array comes
    back empty with a finite ``expected_std``.

    Args:
        scale: positive scale. Default: ``1.0``.
        mode: one of ``"fan_in"``, ``"fan_out"``, ``"fan_avg"`` (exact, as Keras). Default: ``"fan_in"``.
        distribution: one of ``"truncated_normal"``, ``"untruncated_normal"``, ``"uniform"``, in
            any case; ``"normal"`` is Keras' legacy name for ``"truncated_normal"``.
            Default: ``"truncated_normal"``.
        in_axis: the fan-in axis of the full shape (JAX's meaning). Default: MLX's reading.
        out_axis: the fan-out axis. Default: MLX's reading.
        batch_axis: axes of stacked matrices (experts), in no fan. Default: none.
        segments: fused weights: an int or a list of sizes along the output axis, each with its own fans.
    """
    name = "keras:variance_scaling"
    scale = check_real(name, "scale", scale, gt=0.0)
    mode = check_choice(name, "mode", mode, _KERAS_MODES)
    distribution = _keras_distribution(name, distribution)
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    return _keras_build(name, scale, mode, distribution, dtype, registry, layout)


def jax_variance_scaling(
    scale: float = 1.0,
    mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"] = "fan_in",
    distribution: Literal["truncated_normal", "normal", "uniform"] = "truncated_normal",
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
    registry: mlxinit.Registry | None = None,
) -> Init:
    """JAX ``jax.nn.initializers.variance_scaling``: variance ``scale / n`` with n from ``mode``.

    The truncated normal is cut at ±2σ with σ = sqrt(scale / n) / 0.87962566103423978, so the
    std after truncation is sqrt(scale / n); ``"normal"`` is N(0, scale / n) and ``"uniform"``
    U(-l, l) with l = sqrt(3 · scale / n), exactly as JAX does. Fans use MLX's layout
    (JAX's default ``in_axis=-2, out_axis=-1`` read on the same weight in JAX's layout).

    Like JAX, it refuses arrays of fewer than 2 dimensions. An empty array (where JAX's fan
    computation divides by zero) comes back empty.

    Args:
        scale: positive scale. Default: ``1.0``.
        mode: one of ``"fan_in"``, ``"fan_out"``, ``"fan_avg"``, ``"fan_geo_avg"``. Default: ``"fan_in"``.
        distribution: one of ``"truncated_normal"``, ``"normal"``, ``"uniform"``. Default: ``"truncated_normal"``.
        in_axis: the fan-in axis of the full shape (JAX's meaning). Default: MLX's reading.
        out_axis: the fan-out axis. Default: MLX's reading.
        batch_axis: axes of stacked matrices (experts), in no fan. Default: none.
        segments: fused weights: an int or a list of sizes along the output axis, each with its own fans.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.
    """
    name = "jax:variance_scaling"
    scale = check_real(name, "scale", scale, gt=0.0)
    mode = check_choice(name, "mode", mode, _JAX_MODES)
    distribution = check_choice(name, "distribution", distribution, _JAX_DISTRIBUTIONS)
    layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
    return _jax_build(name, scale, mode, distribution, dtype, registry, layout)


def _preset_factory(
    framework: str, name: str, build: Builder, scale: float, mode: str, dist: str
) -> Callable[..., Init]:
    label = {"truncated_normal": "truncated normal"}.get(dist, dist)
    qualified = f"{framework}:{name}"

    def factory(
        *,
        in_axis: int | None = None,
        out_axis: int | None = None,
        batch_axis: int | Sequence[int] | None = None,
        segments: int | Sequence[int] | None = None,
        dtype: mx.Dtype = mx.float32,
        registry: mlxinit.Registry | None = None,
    ) -> Init:
        layout = _layout(in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis, segments=segments)
        return build(qualified, scale, mode, dist, dtype, registry, layout)

    factory.__doc__ = (
        f"{_DISPLAY[framework]}'s initializer: variance scaling with scale={scale}, mode={mode!r}, "
        f"a {label} distribution.\n\nSame as ``{framework}:variance_scaling(scale={scale}, mode={mode!r}, "
        f"distribution={dist!r})``."
    )
    factory.__qualname__ = f"{framework}_{name}"
    return factory


def _family(framework: str, vs: Callable[..., Init], build: Builder) -> dict[str, Callable[..., Any]]:
    presets = {
        "he_normal": (2.0, "fan_in", "truncated_normal"),
        "he_uniform": (2.0, "fan_in", "uniform"),
        "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
        "glorot_uniform": (1.0, "fan_avg", "uniform"),
        "lecun_normal": (1.0, "fan_in", "truncated_normal"),
        "lecun_uniform": (1.0, "fan_in", "uniform"),
    }
    return {
        "variance_scaling": vs,
        **{name: _preset_factory(framework, name, build, *args) for name, args in presets.items()},
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
    **_family("keras", keras_variance_scaling, _keras_build),
    "truncated_normal": keras_truncated_normal,
}

JAX: dict[str, Callable[..., Any]] = {
    **_family("jax", jax_variance_scaling, _jax_build),
    "truncated_normal": jax_truncated_normal,
}
