"""The built-in initializer factories.

Every factory takes its hyper-parameters (validated here, when the initializer is
built) and ``dtype``, and returns a closure ``init(a)`` that reads only ``a.shape``.
Names shared with ``mlx.nn.init`` draw exactly as MLX does (bitwise, same seed).
Fans follow MLX's weight layout ``(out, *spatial, in)``.

Each factory returns a :class:`mlxinit.Fill`: the closure ``init(a, *, key=None)`` and
what it promises (``expected_std(shape)``, the kind of distribution). With ``key=None``
the closures draw from MLX's global generator as ``mlx.nn.init`` does; with a key, every
draw is keyed through :mod:`mlxinit.sampling`. Only public mlxinit modules are used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import mlx.core as mx

from mlxinit import Distribution, Fill, InvalidParameterError, MlxinitError, ShapeError, sampling
from mlxinit.sampling import Region
from mlxinit.validate import Layout, check_choice, check_int, check_layout, check_real, compute_fans

__all__ = [
    "constant",
    "dirac",
    "eye",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "ones",
    "orthogonal",
    "rescaled",
    "sparse",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "zeros",
]

Shape = tuple[int, ...]
Key = mx.array | None
#: The fans of ``he_normal``/``he_uniform`` (as ``mlx.nn.init``'s ``mode``).
FanMode = Literal["fan_in", "fan_out"]
#: The fans of ``variance_scaling``: ``n`` is fan_in, fan_out, their mean or their geometric mean.
VarianceMode = Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]
#: The distributions of ``variance_scaling``.
VarianceDistribution = Literal["truncated_normal", "normal", "uniform"]

#: Standard deviation of N(0, 1) truncated to [-2, 2]; Keras/JAX divide by it.
TRUNCATED_STD_2 = 0.87962566103423978
# Signatures spell the Literals out (``mlxinit info`` shows them as written); these check them at
# run time, since configs and command lines give plain strings.
_FAN_MODES: tuple[FanMode, ...] = ("fan_in", "fan_out")
_VS_MODES: tuple[VarianceMode, ...] = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_VS_DISTRIBUTIONS: tuple[VarianceDistribution, ...] = ("truncated_normal", "normal", "uniform")


def _attach(
    init: Callable[..., mx.array],
    expected_std: Callable[[Shape], float],
    distribution: Distribution,
    *,
    mean: float = 0.0,
    truncation: tuple[float, float] | None = None,
) -> Fill:
    return Fill(init, expected_std, distribution, mean, truncation)


#: The largest finite value of each floating dtype.
_LARGEST = {d: float(mx.finfo(d).max) for d in (mx.float32, mx.float16, mx.bfloat16)}
#: How far (in stds) MLX's normal draws reach: ``mx.random.normal`` stays within about ±5.42.
_NORMAL_REACH = 6.0
#: How far into a tail ``mx.random.truncated_normal`` can draw: float32 ``erf(z / sqrt(2))`` is
#: below 1.0 up to about 5.5, so its inverse stays finite within ±5.3.
_SAMPLER_REACH = 5.3
#: The least share of the normal's mass a truncation interval must hold within ±_SAMPLER_REACH:
#: below it, float32 draws resolve the interval too coarsely (and a tail interval not at all).
_MIN_TRUNCATED_MASS = 1e-4


def _fits(name: str, parameter: str, value: float, dtype: mx.Dtype, reach: float = 1.0, offset: float = 0.0) -> float:
    """``value``, if values up to ``offset + reach * |value|`` are finite in ``dtype``; else raise.

    A parameter whose values ``dtype`` cannot hold (``std=1e300``, ``value=1e5`` in float16)
    would fill the array with ``inf``: it is refused when the initializer is built.

    Raises:
        InvalidParameterError: the values would overflow ``dtype``.
    """
    largest = _LARGEST.get(dtype)
    if largest is not None and (abs(offset) + reach * abs(value) > largest or not math.isfinite(reach * value)):
        limit = (largest - abs(offset)) / reach
        what = str(dtype).removeprefix("mlx.core.")
        raise InvalidParameterError(
            name, parameter, f"a number whose values fit {what} (|{parameter}| <= {limit:.6g})", value
        )
    return value


def _normal_mass(lower: float, upper: float) -> float:
    """P(lower <= Z <= upper) for Z ~ N(0, 1), accurate in the tails."""
    if lower >= 0.0:
        return 0.5 * (math.erfc(lower / math.sqrt(2.0)) - math.erfc(upper / math.sqrt(2.0)))
    if upper <= 0.0:
        return 0.5 * (math.erfc(-upper / math.sqrt(2.0)) - math.erfc(-lower / math.sqrt(2.0)))
    return 1.0 - 0.5 * (math.erfc(-lower / math.sqrt(2.0)) + math.erfc(upper / math.sqrt(2.0)))


def _fits_normal(name: str, mean: float, std: float, dtype: mx.Dtype, reach: float = _NORMAL_REACH) -> None:
    """N(mean, std²) draws (to ``reach`` stds) are finite in ``dtype``."""
    _fits(name, "std", std, dtype, reach)
    _fits(name, "mean", mean, dtype, 1.0, offset=reach * std)


def _fan(shape: Shape, mode: VarianceMode, name: str) -> float:
    fan_in, fan_out = compute_fans(shape, name)
    return _mode_fan(fan_in, fan_out, mode)


def _mode_fan(fan_in: float, fan_out: float, mode: VarianceMode) -> float:
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    if mode == "fan_avg":
        return (fan_in + fan_out) / 2.0
    return math.sqrt(fan_in * fan_out)


def _sqrt_ratio(num: float, den: float) -> float:
    """``sqrt(num / den)``; 0.0 when ``den`` is 0 (a fan of 0: an empty array, nothing to scale)."""
    return math.sqrt(num / den) if den else 0.0


def _shape(a: mx.array, region: Region | None) -> Shape:
    """The shape of the result: ``a``'s, or the region's."""
    return tuple(a.shape) if region is None else tuple(hi - lo for lo, hi in region)


def _empty(a: mx.array, dtype: mx.Dtype, region: Region | None = None) -> mx.array | None:
    """An empty result when ``a`` (or the region) has no elements (no draws needed), else ``None``."""
    shape = _shape(a, region)
    return mx.zeros(shape, dtype=dtype) if a.size == 0 or 0 in shape else None


def _need_2d(name: str, shape: Shape) -> None:
    if len(shape) != 2:
        raise ShapeError(name, tuple(shape), "a 2-D array")


def _need_square(shape: Shape) -> None:
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ShapeError("identity", tuple(shape), "a square 2-D array")


def _need_conv(shape: Shape, groups: int) -> None:
    if not 3 <= len(shape) <= 5:
        raise ShapeError("dirac", tuple(shape), "a 3-, 4- or 5-D convolution weight (out, *spatial, in)")
    if shape[0] % groups:
        raise ShapeError("dirac", tuple(shape), f"out channels (shape[0]) divisible by groups={groups}")


def _need_matrix(shape: Shape) -> None:
    if len(shape) < 2:
        raise ShapeError("orthogonal", tuple(shape), "at least 2 dimensions")


def _constant_std(value: float) -> Callable[[Shape], float]:
    return lambda shape: 0.0


def _step_inward(bound: float, dtype: mx.Dtype, upper: bool) -> mx.array:
    """``bound`` in ``dtype``, rounded toward the inside of the interval.

    Casting a float32 sample to float16/bfloat16 rounds to nearest, which can cross a
    bound that is not representable; clipping to the inward-rounded bound keeps every
    value within the interval.
    """
    b = mx.array(bound, dtype=dtype)
    value = b.item()
    assert isinstance(value, float)  # a 0-d floating array gives a Python float
    if (upper and value <= bound) or (not upper and value >= bound):
        return b
    bits_type = mx.uint16 if dtype in (mx.float16, mx.bfloat16) else mx.uint32
    bits = b.view(bits_type)
    if value == 0.0:
        sign = 1 << (16 if bits_type == mx.uint16 else 32) - 1
        stepped = mx.array(1 | (sign if upper else 0), dtype=bits_type)
    else:
        # Moving toward zero lowers the magnitude bits whatever the sign.
        toward_zero = (upper and value > 0) or (not upper and value < 0)
        stepped = bits - 1 if toward_zero else bits + 1
    return stepped.astype(bits_type).view(dtype)


def _truncated(
    shape: Shape,
    mean: float,
    std: float,
    lower: float,
    upper: float,
    dtype: mx.Dtype,
    key: Key,
    region: Region | None = None,
) -> mx.array:
    """Samples of ``mean + std * N(0, 1)`` truncated to ``[lower, upper]`` (std units).

    Drawn in float32, then cast and clipped to the inward-rounded bounds, so low
    precision keeps the distribution and never leaves the interval. Bounds beyond
    ±``_SAMPLER_REACH`` are drawn as that far: MLX inverts the normal's CDF in float32, which
    reaches 1.0 there, so a farther bound would let a rare draw land on it (or on ``inf``).
    """
    z = sampling.truncated_normal(
        max(lower, -_SAMPLER_REACH), min(upper, _SAMPLER_REACH), shape, dtype=mx.float32, key=key, region=region
    )
    x = z * std + mean if (std != 1.0 or mean != 0.0) else z
    if dtype == mx.float32:
        return mx.clip(x, mean + std * lower, mean + std * upper)
    lo = _step_inward(mean + std * lower, dtype, upper=False)
    hi = _step_inward(mean + std * upper, dtype, upper=True)
    return mx.clip(x.astype(dtype), lo, hi)


def _symmetric_uniform(
    shape: Shape, limit: float, dtype: mx.Dtype, key: Key, region: Region | None = None
) -> mx.array:
    """Samples of U(-limit, limit), drawn in float32, then cast and kept within ±limit.

    ``mx.random.uniform`` with a 16-bit dtype computes ``low + (high - low) * u`` in
    that dtype, which leaves a coarse lattice of values near zero; drawing in float32
    and rounding once gives every representable value its share. (The names shared
    with ``mlx.nn.init`` keep MLX's draws for bitwise parity.)
    """
    u = sampling.uniform(-limit, limit, shape, dtype=mx.float32, key=key, region=region)
    if dtype == mx.float32:
        return u
    bound = _step_inward(limit, dtype, upper=True)
    return mx.clip(u.astype(dtype), -bound, bound)


# --------------------------------------------------------------------- constants


def constant(value: float, *, dtype: mx.Dtype = mx.float32) -> Fill:
    """Fill the array with ``value``.

    Same as ``mlx.nn.init.constant``.

    Args:
        value: the fill value (required).
        dtype: the result's dtype. Default: ``float32``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("constant", value=0.5)(mx.zeros((2, 2))).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
    """
    value = _fits("constant", "value", check_real("constant", "value", value), dtype)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return mx.full(_shape(a, region), value, dtype=dtype)

    return _attach(init, _constant_std(value), "constant", mean=value)


def zeros(*, dtype: mx.Dtype = mx.float32) -> Fill:
    """Fill the array with zeros.

    Aliases: ``zero``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("zeros")(mx.ones((2,))).tolist()
        [0.0, 0.0]
    """

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return mx.zeros(_shape(a, region), dtype=dtype)

    return _attach(init, _constant_std(0.0), "constant")


def ones(*, dtype: mx.Dtype = mx.float32) -> Fill:
    """Fill the array with ones.

    Aliases: ``one``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("ones")(mx.zeros((2,))).tolist()
        [1.0, 1.0]
    """

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return mx.ones(_shape(a, region), dtype=dtype)

    return _attach(init, _constant_std(1.0), "constant", mean=1.0)


def _indicator_std(count: Callable[[Shape], int], gain: float) -> Callable[[Shape], float]:
    def std(shape: Shape) -> float:
        n = math.prod(shape)
        p = count(shape) / n if n else 0.0
        return abs(gain) * math.sqrt(p * (1.0 - p))

    return std


def identity(*, dtype: mx.Dtype = mx.float32) -> Fill:
    """The identity matrix, for square 2-D arrays.

    Same as ``mlx.nn.init.identity``; use :func:`eye` for rectangular shapes.

    Raises:
        ShapeError: (a ``ValueError``) the array is not a square matrix.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("identity")(mx.zeros((2, 2))).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        _need_square(a.shape)
        return mx.eye(n=a.shape[0], dtype=dtype)

    def std(shape: Shape) -> float:
        _need_square(shape)
        return _indicator_std(lambda s: s[0], 1.0)(shape)

    return _attach(init, std, "structured")


def eye(
    gain: float = 1.0,
    *,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """``gain`` on the main diagonal, zeros elsewhere, for any 2-D shape.

    For a ``(rows, cols)`` array the first ``min(rows, cols)`` diagonal entries are
    ``gain``: with ``y = x @ w.T`` it passes the first inputs through unchanged
    (identity-preserving, as in Keras ``Identity`` and PyTorch ``eye_``).

    Args:
        gain: the value on the diagonal. Default: ``1.0``.
        batch_axis: axes of stacked matrices (experts): each gets its own diagonal. Default: none.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis (the first non-batch axis); each segment gets its own diagonal. Default: one.

    Raises:
        ShapeError: the array is not 2-D.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("eye", gain=2.0)(mx.zeros((2, 3))).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """
    gain = _fits("eye", "gain", check_real("eye", "gain", gain), dtype)
    layout = check_layout("eye", batch_axis=batch_axis, segments=segments)

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        if not layout.is_default:
            return _blocks(a.shape, layout, "eye", lambda r, c, j: mx.eye(r, c, dtype=mx.float32) * gain, dtype)
        _need_2d("eye", a.shape)
        w = mx.eye(a.shape[0], a.shape[1], dtype=mx.float32)
        return (w * gain).astype(dtype) if gain != 1.0 else w.astype(dtype)

    def std(shape: Shape) -> float:
        if not layout.is_default:
            return _indicator_std(lambda s: _block_count(s, layout, "eye", min), gain)(shape)
        _need_2d("eye", shape)
        return _indicator_std(lambda s: min(s[0], s[-1]), gain)(shape)

    return _attach(init, std, "structured")


def dirac(groups: int = 1, *, dtype: mx.Dtype = mx.float32) -> Fill:
    """Identity-preserving convolution kernels (Dirac delta) in MLX's layout.

    For a weight of shape ``(out, *spatial, in)`` (``in`` being the channels per
    group), entry ``[g * out_g + d, *centre, d]`` is 1 for every group ``g`` and
    ``d < min(out_g, in)``, with ``out_g = out // groups``; all else is 0. A
    convolution with it (``padding = kernel // 2``, ``groups`` as given) returns its
    input's first channels unchanged. As PyTorch's ``dirac_``, in MLX's layout.

    Args:
        groups: the convolution's groups; ``out`` must be divisible by it. Default: 1.

    Raises:
        ShapeError: the array is not 3-, 4- or 5-D, or ``out`` is not divisible by ``groups``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> w = mlxinit.get("dirac")(mx.zeros((2, 3, 2)))
        >>> w[:, 1, :].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    groups = check_int("dirac", "groups", groups, ge=1)

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        shape = a.shape
        _need_conv(shape, groups)
        if (empty := _empty(a, dtype)) is not None:
            return empty  # no centre tap to set (and MLX refuses to scatter into it)
        out_g = shape[0] // groups
        k = min(out_g, shape[-1])
        spatial = shape[1:-1]
        centre = 0
        for s in spatial:  # flat index of the centre tap
            centre = centre * s + s // 2
        w = mx.zeros((shape[0], math.prod(spatial), shape[-1]), dtype=dtype)
        d = mx.tile(mx.arange(k), (groups,))
        o = mx.repeat(mx.arange(groups) * out_g, k) + d
        w[o, centre, d] = 1
        return w.reshape(shape)

    def std(shape: Shape) -> float:
        _need_conv(shape, groups)
        return _indicator_std(lambda s: groups * min(s[0] // groups, s[-1]), 1.0)(shape)

    return _attach(init, std, "structured")


# --------------------------------------------------------------------- distributions


def normal(mean: float = 0.0, std: float = 1.0, *, dtype: mx.Dtype = mx.float32) -> Fill:
    """Samples from N(``mean``, ``std``²).

    Same as ``mlx.nn.init.normal`` (bitwise under the same seed). Aliases: ``random_normal``.

    Args:
        mean: the mean. Default: ``0.0``.
        std: the standard deviation, ``>= 0``. Default: ``1.0``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("normal", std=0.02)(mx.zeros((8, 4))).shape
        (8, 4)
    """
    mean = check_real("normal", "mean", mean)
    std = check_real("normal", "std", std, ge=0.0)
    _fits_normal("normal", mean, std, dtype)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return sampling.normal(a.shape, scale=std, loc=mean, dtype=dtype, key=key, region=region)

    return _attach(init, lambda shape: std, "normal", mean=mean)


def uniform(low: float = 0.0, high: float = 1.0, *, dtype: mx.Dtype = mx.float32) -> Fill:
    """Samples from U(``low``, ``high``).

    Same as ``mlx.nn.init.uniform`` (bitwise under the same seed). Aliases: ``random_uniform``.

    Args:
        low: the lower bound. Default: ``0.0``.
        high: the upper bound, ``>= low``. Default: ``1.0``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> w = mlxinit.get("uniform", low=-0.1, high=0.1)(mx.zeros((64,)))
        >>> bool(mx.all(mx.abs(w) <= 0.1))
        True
    """
    low = check_real("uniform", "low", low)
    high = check_real("uniform", "high", high)
    if low > high:
        raise InvalidParameterError("uniform", "high", f"a number >= low ({low})", high)
    _fits("uniform", "low", low, dtype)
    _fits("uniform", "high", high, dtype)
    _fits("uniform", "high", high - low, dtype)  # MLX computes low + (high - low) * u in dtype

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return sampling.uniform(low, high, a.shape, dtype=dtype, key=key, region=region)

    return _attach(init, lambda shape: (high - low) / math.sqrt(12.0), "uniform", mean=(low + high) / 2.0)


def truncated_normal(
    mean: float = 0.0,
    std: float = 1.0,
    lower: float = -2.0,
    upper: float = 2.0,
    *,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """Samples of N(``mean``, ``std``²) truncated to ``[mean + lower*std, mean + upper*std]``.

    The bounds are in **units of std** around the mean (as Keras' ``TruncatedNormal``
    with its fixed ±2, and unlike PyTorch's ``trunc_normal_``, whose ``a``, ``b`` are
    absolute values). ``std`` is the std *before* truncation: the samples' std is
    ``std * s(lower, upper)`` (about ``0.88 * std`` for ±2). Low precision stays within
    the bounds. A bound beyond ±5.3 is drawn as ±5.3 (the float32 sampler reaches no
    farther into a tail), and an interval holding less than 1e-4 of the normal's mass
    within ±5.3 is refused. Aliases: ``trunc_normal``.

    Args:
        mean: the mean. Default: ``0.0``.
        std: the untruncated standard deviation, ``>= 0``. Default: ``1.0``.
        lower: lower bound in std units. Default: ``-2.0``.
        upper: upper bound in std units, ``> lower``. Default: ``2.0``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> w = mlxinit.get("truncated_normal", std=0.02)(mx.zeros((256,)))
        >>> bool(mx.all(mx.abs(w) <= 0.04))
        True
    """
    mean = check_real("truncated_normal", "mean", mean)
    std = check_real("truncated_normal", "std", std, ge=0.0)
    lower = check_real("truncated_normal", "lower", lower)
    upper = check_real("truncated_normal", "upper", upper)
    if upper <= lower:
        raise InvalidParameterError("truncated_normal", "upper", f"a number > lower ({lower})", upper)
    inner_lo, inner_hi = max(lower, -_SAMPLER_REACH), min(upper, _SAMPLER_REACH)
    mass = _normal_mass(inner_lo, inner_hi) if inner_lo < inner_hi else 0.0
    if mass < _MIN_TRUNCATED_MASS:
        bound, value = ("lower", lower) if lower > 0 else ("upper", upper)
        raise InvalidParameterError(
            "truncated_normal",
            bound,
            f"a bound leaving at least {_MIN_TRUNCATED_MASS:g} of the normal's mass between lower and "
            f"upper within ±{_SAMPLER_REACH} std, where float32 draws reach (the interval is [{lower}, {upper}])",
            value,
        )
    reach = max(abs(inner_lo), abs(inner_hi))  # draws lie within [inner_lo, inner_hi]
    _fits_normal("truncated_normal", mean, std, mx.float32, reach)  # drawn in float32
    _fits_normal("truncated_normal", mean, std, dtype, reach)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        return _truncated(a.shape, mean, std, lower, upper, dtype, key, region)

    s = sampling.truncated_std(lower, upper)
    return _attach(init, lambda shape: std * s, "truncated_normal", mean=mean, truncation=(lower, upper))


def _gain(name: str, gain: Any, dtype: mx.Dtype) -> float:
    """A fan-based initializer's gain: its std is at most ``gain`` (fans are at least 1)."""
    return _fits(name, "gain", check_real(name, "gain", gain), dtype, _NORMAL_REACH)


def _segment_scale(
    shape: Shape, layout: Layout, name: str, std_of: Callable[[int, int], float]
) -> tuple[float, mx.array | None]:
    """The std of each segment: ``(s, None)`` when all are equal, else ``(1.0, per-row stds)``."""
    fans = layout.fans(shape, name)
    stds = [std_of(fi, fo) for fi, fo, _ in fans]
    if len(set(stds)) == 1:
        return stds[0], None
    _, out_ax, _ = layout.axes(shape, name)
    rows = mx.concatenate([mx.full((f[2],), s, dtype=mx.float32) for f, s in zip(fans, stds, strict=True)])
    bshape = [1] * len(shape)
    bshape[out_ax] = shape[out_ax]
    return 1.0, rows.reshape(bshape)


def _expected(layout: Layout, name: str, std_of: Callable[[int, int], float]) -> Callable[[Shape], float]:
    """``expected_std(shape)`` of a fan-based initializer whose std is ``std_of(fan_in, fan_out)`` per segment."""

    def expected(shape: Shape) -> float:
        if layout.is_default:
            fan_in, fan_out = compute_fans(shape, name)
            return std_of(fan_in, fan_out)
        fans = layout.fans(shape, name)
        total = sum(size for _, _, size in fans)
        if not total or math.prod(shape) == 0:
            return 0.0
        return math.sqrt(sum(size * std_of(fi, fo) ** 2 for fi, fo, size in fans) / total)

    return expected


def _fan_draw(
    a: mx.array,
    layout: Layout,
    name: str,
    kind: str,
    std_of: Callable[[int, int], float],
    dtype: mx.Dtype,
    key: Key,
    region: Region | None = None,
) -> mx.array:
    """A draw of ``kind`` whose std in each segment is ``std_of(fan_in, fan_out)``, in a non-default layout.

    ``kind``: ``"normal"``, ``"uniform"`` (``mx.random.uniform``'s arithmetic, as the MLX names),
    ``"symmetric_uniform"`` (drawn in float32, rounded once) or ``"truncated_normal"`` (cut at ±2σ,
    σ corrected so that the std after truncation is the target). Unequal segments are drawn at unit
    scale in float32 and scaled row by row.
    """
    shape = tuple(a.shape)
    layout.fans(shape, name)  # shape errors first
    if (empty := _empty(a, dtype, region)) is not None:
        return empty
    std, rows = _segment_scale(shape, layout, name, std_of)
    if rows is not None and region is not None:
        _, out_ax, _ = layout.axes(shape, name)
        rows = sampling.crop(rows, tuple((0, 1) if i != out_ax else region[out_ax] for i in range(len(shape))))
    dt = dtype if rows is None else mx.float32
    if kind == "normal":
        w = sampling.normal(shape, scale=std, dtype=dt, key=key, region=region)
    elif kind == "uniform":
        limit = math.sqrt(3.0) * std
        w = sampling.uniform(-limit, limit, shape, dtype=dt, key=key, region=region)
    elif kind == "symmetric_uniform":
        w = _symmetric_uniform(shape, math.sqrt(3.0) * std, dt, key, region)
    else:
        w = _truncated(shape, 0.0, std / TRUNCATED_STD_2, -2.0, 2.0, dt, key, region)
    return w if rows is None else (w * rows).astype(dtype)


def _block_sizes(shape: Shape, layout: Layout, name: str) -> list[tuple[int, int]]:
    """``(rows, cols)`` of each matrix of a blocked weight: per batch element, per segment."""
    _, out_ax, batch = layout.axes(shape, name)
    nb = math.prod(shape[b] for b in batch)
    cols = math.prod(s for i, s in enumerate(shape) if i not in (out_ax, *batch))
    return [(r, cols) for r in layout.segment_sizes(shape, name)] * nb


def _block_count(shape: Shape, layout: Layout, name: str, pick: Callable[[int, int], int]) -> int:
    return sum(pick(r, c) for r, c in _block_sizes(shape, layout, name))


def _blocks(
    shape: Shape, layout: Layout, name: str, make: Callable[[int, int, int], mx.array], dtype: mx.Dtype
) -> mx.array:
    """A weight built matrix by matrix: per batch element (batch axes), per segment of the output
    axis (the first non-batch axis); the other axes are flattened into columns.

    ``make(rows, cols, j)`` gives the ``j``-th matrix (batch-major, then segments).
    """
    _, out_ax, batch = layout.axes(shape, name)
    if math.prod(shape) == 0:
        return mx.zeros(shape, dtype=dtype)
    sizes = layout.segment_sizes(shape, name)
    rest = [i for i in range(len(shape)) if i != out_ax and i not in batch]
    order = [*batch, out_ax, *rest]
    nb = math.prod(shape[b] for b in batch)
    cols = math.prod(shape[i] for i in rest)
    mats = []
    j = 0
    for _ in range(nb):
        segs = []
        for r in sizes:
            segs.append(make(r, cols, j))
            j += 1
        mats.append(mx.concatenate(segs, axis=0))
    w = mx.stack(mats).reshape([shape[i] for i in order])
    inverse = [order.index(i) for i in range(len(shape))]
    return w.transpose(inverse).astype(dtype)


def glorot_normal(
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """Glorot (Xavier) normal: N(0, σ²) with σ = gain · sqrt(2 / (fan_in + fan_out)).

    Same as ``mlx.nn.init.glorot_normal`` (bitwise under the same seed); ``gain`` may
    be given when built or, as in MLX, when called: ``init(a, gain=2.0)``.
    Reference: Glorot & Bengio (2010), https://proceedings.mlr.press/v9/glorot10a.html.
    Aliases: ``xavier_normal``.

    Args:
        gain: scaling factor. Default: ``1.0``.
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> init = mlxinit.get("xavier_normal")
        >>> init(mx.zeros((16, 8)), gain=2.0).shape
        (16, 8)
    """
    default_gain = _gain("glorot_normal", gain, dtype)
    layout = check_layout("glorot_normal", in_axis, out_axis, batch_axis, segments)

    def init(a: mx.array, gain: float | None = None, *, key: Key = None, region: Region | None = None) -> mx.array:
        g = default_gain if gain is None else _gain("glorot_normal", gain, dtype)
        if not layout.is_default:
            std_of = lambda i, o: g * _sqrt_ratio(2.0, i + o)  # noqa: E731
            return _fan_draw(a, layout, "glorot_normal", "normal", std_of, dtype, key, region)
        fan_in, fan_out = compute_fans(a.shape, "glorot_normal")
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        std = g * math.sqrt(2.0 / (fan_in + fan_out))
        return sampling.normal(a.shape, scale=std, dtype=dtype, key=key, region=region)

    expected = _expected(layout, "glorot_normal", lambda i, o: abs(default_gain) * _sqrt_ratio(2.0, i + o))
    return _attach(init, expected, "normal")


def glorot_uniform(
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """Glorot (Xavier) uniform: U(-l, l) with l = gain · sqrt(6 / (fan_in + fan_out)).

    Same as ``mlx.nn.init.glorot_uniform`` (bitwise under the same seed); ``gain`` may
    be given when built or when called. Reference: Glorot & Bengio (2010),
    https://proceedings.mlr.press/v9/glorot10a.html. Aliases: ``xavier_uniform``.

    Args:
        gain: scaling factor. Default: ``1.0``.
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("glorot_uniform")(mx.zeros((16, 8))).shape
        (16, 8)
    """
    default_gain = _gain("glorot_uniform", gain, dtype)
    layout = check_layout("glorot_uniform", in_axis, out_axis, batch_axis, segments)

    def init(a: mx.array, gain: float | None = None, *, key: Key = None, region: Region | None = None) -> mx.array:
        g = default_gain if gain is None else _gain("glorot_uniform", gain, dtype)
        if not layout.is_default:
            std_of = lambda i, o: g * _sqrt_ratio(2.0, i + o)  # noqa: E731
            return _fan_draw(a, layout, "glorot_uniform", "uniform", std_of, dtype, key, region)
        fan_in, fan_out = compute_fans(a.shape, "glorot_uniform")
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        limit = g * math.sqrt(6.0 / (fan_in + fan_out))
        return sampling.uniform(-limit, limit, a.shape, dtype=dtype, key=key, region=region)

    expected = _expected(layout, "glorot_uniform", lambda i, o: abs(default_gain) * _sqrt_ratio(2.0, i + o))
    return _attach(init, expected, "uniform")


def _he(name: str, uniform_: bool, mode: FanMode, gain: float, layout: Layout, dtype: mx.Dtype) -> Fill:
    default_mode = check_choice(name, "mode", mode, _FAN_MODES)
    default_gain = _gain(name, gain, dtype)

    def init(
        a: mx.array,
        mode: Literal["fan_in", "fan_out"] | None = None,
        gain: float | None = None,
        *,
        key: Key = None,
        region: Region | None = None,
    ) -> mx.array:
        m = default_mode if mode is None else check_choice(name, "mode", mode, _FAN_MODES)
        g = default_gain if gain is None else _gain(name, gain, dtype)
        if not layout.is_default:
            kind = "uniform" if uniform_ else "normal"
            std_of = lambda i, o: g * _sqrt_ratio(1.0, i if m == "fan_in" else o)  # noqa: E731
            return _fan_draw(a, layout, name, kind, std_of, dtype, key, region)
        fan_in, fan_out = compute_fans(a.shape, name)
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        fan = fan_in if m == "fan_in" else fan_out
        if uniform_:
            limit = g * math.sqrt(3.0 / fan)
            return sampling.uniform(-limit, limit, a.shape, dtype=dtype, key=key, region=region)
        std = g / math.sqrt(fan)
        return sampling.normal(a.shape, scale=std, dtype=dtype, key=key, region=region)

    expected = _expected(
        layout, name, lambda i, o: abs(default_gain) * _sqrt_ratio(1.0, i if default_mode == "fan_in" else o)
    )
    return _attach(init, expected, "uniform" if uniform_ else "normal")


def he_normal(
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """He (Kaiming) normal, **MLX's meaning**: N(0, σ²) with σ = gain / sqrt(fan).

    Same as ``mlx.nn.init.he_normal`` (bitwise under the same seed). Note: with MLX's
    default ``gain=1`` the variance is ``1/fan`` (LeCun's), not He et al.'s ``2/fan``;
    pass ``gain=mlxinit.calculate_gain("relu")`` (√2) for the paper's, or use
    ``torch:kaiming_normal`` / ``keras:he_normal`` from mlxinit-compat for those
    frameworks' meanings. ``mode`` and ``gain`` may be given when built or, as in MLX,
    when called. Reference: He et al. (2015), https://arxiv.org/abs/1502.01852.
    Aliases: ``kaiming_normal``.

    Args:
        mode: ``"fan_in"`` or ``"fan_out"``. Default: ``"fan_in"``.
        gain: scaling factor. Default: ``1.0``.
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> init = mlxinit.get("kaiming_normal", gain=mlxinit.calculate_gain("relu"))
        >>> init(mx.zeros((16, 8))).shape
        (16, 8)
    """
    layout = check_layout("he_normal", in_axis, out_axis, batch_axis, segments)
    return _he("he_normal", False, mode, gain, layout, dtype)


def he_uniform(
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    gain: float = 1.0,
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """He (Kaiming) uniform, **MLX's meaning**: U(-l, l) with l = gain · sqrt(3 / fan).

    Same as ``mlx.nn.init.he_uniform`` (bitwise under the same seed). With the default
    ``gain=1`` the variance is ``1/fan`` (LeCun's), not He's ``2/fan``; see
    :func:`he_normal`. Reference: He et al. (2015), https://arxiv.org/abs/1502.01852.
    Aliases: ``kaiming_uniform``.

    Args:
        mode: ``"fan_in"`` or ``"fan_out"``. Default: ``"fan_in"``.
        gain: scaling factor. Default: ``1.0``.
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("he_uniform", mode="fan_out")(mx.zeros((16, 8))).shape
        (16, 8)
    """
    layout = check_layout("he_uniform", in_axis, out_axis, batch_axis, segments)
    return _he("he_uniform", True, mode, gain, layout, dtype)


def lecun_normal(
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """LeCun normal: N(0, σ²) with σ = 1 / sqrt(fan_in).

    A plain (untruncated) normal, like MLX's ``he_normal`` at its default gain. Keras and
    JAX call a *truncated* normal ``lecun_normal``; that one is ``keras:lecun_normal``
    in mlxinit-compat, or ``variance_scaling`` with its default distribution.
    Reference: LeCun et al. (1998), "Efficient BackProp".

    Args:
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("lecun_normal")(mx.zeros((16, 8))).shape
        (16, 8)
    """

    layout = check_layout("lecun_normal", in_axis, out_axis, batch_axis, segments)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        if not layout.is_default:
            return _fan_draw(a, layout, "lecun_normal", "normal", lambda i, o: _sqrt_ratio(1.0, i), dtype, key, region)
        fan_in, _ = compute_fans(a.shape, "lecun_normal")
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        std = 1.0 / math.sqrt(fan_in)
        return sampling.normal(a.shape, scale=std, dtype=dtype, key=key, region=region)

    return _attach(init, _expected(layout, "lecun_normal", lambda i, o: _sqrt_ratio(1.0, i)), "normal")


def lecun_uniform(
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """LeCun uniform: U(-l, l) with l = sqrt(3 / fan_in) (variance 1/fan_in).

    Drawn in float32 and rounded once to ``dtype`` (never beyond ±l), so float16 and
    bfloat16 keep the distribution's resolution near zero. Reference: LeCun et al. (1998), "Efficient BackProp".

    Args:
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> mlxinit.get("lecun_uniform")(mx.zeros((16, 8))).shape
        (16, 8)
    """

    layout = check_layout("lecun_uniform", in_axis, out_axis, batch_axis, segments)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        if not layout.is_default:
            std_of = lambda i, o: _sqrt_ratio(1.0, i)  # noqa: E731
            return _fan_draw(a, layout, "lecun_uniform", "symmetric_uniform", std_of, dtype, key, region)
        fan_in, _ = compute_fans(a.shape, "lecun_uniform")
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        return _symmetric_uniform(a.shape, math.sqrt(3.0 / fan_in), dtype, key, region)

    return _attach(init, _expected(layout, "lecun_uniform", lambda i, o: _sqrt_ratio(1.0, i)), "uniform")


def variance_scaling(
    scale: float = 1.0,
    mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"] = "fan_in",
    distribution: Literal["truncated_normal", "normal", "uniform"] = "truncated_normal",
    *,
    in_axis: int | None = None,
    out_axis: int | None = None,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """Variance scaling (Keras/JAX): samples with variance ``scale / n``.

    ``n`` is ``fan_in``, ``fan_out``, ``(fan_in + fan_out) / 2`` (``fan_avg``) or
    ``sqrt(fan_in * fan_out)`` (``fan_geo_avg``), in MLX's layout. ``distribution``:

    - ``"truncated_normal"``: N(0, σ²) truncated to ±2σ with
      σ = sqrt(scale / n) / 0.87962566103423978, so that the std *after* truncation is
      sqrt(scale / n) (as Keras and JAX);
    - ``"normal"``: N(0, scale / n);
    - ``"uniform"``: U(-l, l) with l = sqrt(3 · scale / n).

    Samples are drawn in float32 and rounded once to ``dtype``, staying within the
    bounds, so float16 and bfloat16 keep the distribution.

    Args:
        scale: positive scale. Default: ``1.0``.
        mode: ``"fan_in"``, ``"fan_out"``, ``"fan_avg"`` or ``"fan_geo_avg"``. Default: ``"fan_in"``.
        distribution: ``"truncated_normal"``, ``"normal"`` or ``"uniform"``.
            Default: ``"truncated_normal"``.
        in_axis: the fan-in axis of the full shape, as in JAX's ``variance_scaling``.
            Default: ``None``, MLX's ``(out, *spatial, in)`` reading (the last non-batch axis).
        out_axis: the fan-out axis. Default: ``None`` (the first non-batch axis).
        batch_axis: axes of stacked independent matrices, in no fan. Default: ``None``;
            ``batch_axis=0`` on stacked experts ``(experts, out, in)`` gives per-expert fans.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis, each segment with its own fans. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> init = mlxinit.get("variance_scaling", scale=2.0, mode="fan_avg")
        >>> init(mx.zeros((16, 8))).shape
        (16, 8)
    """
    name = "variance_scaling"
    scale = check_real(name, "scale", scale, gt=0.0)
    _fits(name, "scale", math.sqrt(scale), dtype, _NORMAL_REACH)  # the std is at most sqrt(scale)
    mode = check_choice(name, "mode", mode, _VS_MODES)
    distribution = check_choice(name, "distribution", distribution, _VS_DISTRIBUTIONS)
    layout = check_layout(name, in_axis, out_axis, batch_axis, segments)

    def std_of(fan_in: int, fan_out: int) -> float:
        return _sqrt_ratio(scale, _mode_fan(fan_in, fan_out, mode))

    kinds = {"truncated_normal": "truncated_normal", "normal": "normal", "uniform": "symmetric_uniform"}

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        if not layout.is_default:
            return _fan_draw(a, layout, name, kinds[distribution], std_of, dtype, key, region)
        n = _fan(a.shape, mode, name)
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        target = math.sqrt(scale / n)
        if distribution == "truncated_normal":
            return _truncated(a.shape, 0.0, target / TRUNCATED_STD_2, -2.0, 2.0, dtype, key, region)
        if distribution == "normal":
            return sampling.normal(a.shape, scale=target, dtype=dtype, key=key, region=region)
        return _symmetric_uniform(a.shape, math.sqrt(3.0) * target, dtype, key, region)

    kind: Distribution = "uniform" if distribution == "uniform" else "normal"
    truncation = None
    if distribution == "truncated_normal":
        kind, truncation = "truncated_normal", (-2.0, 2.0)
    return _attach(init, _expected(layout, name, std_of), kind, truncation=truncation)


def sparse(
    sparsity: float, mean: float = 0.0, std: float = 1.0, *, dtype: mx.Dtype = mx.float32
) -> Fill:
    """Sparse normal: N(``mean``, ``std``²) with ``ceil(sparsity · cols)`` zeros **per row**.

    Same as ``mlx.nn.init.sparse`` (bitwise under the same seed). MLX zeros entries per
    row (each output feature drops the same fraction of its inputs, with ``y = x @ w.T``);
    PyTorch's ``sparse_`` zeros per column. Reference: Martens (2010), "Deep learning
    via Hessian-free optimization".

    Args:
        sparsity: fraction of each row set to zero, in ``[0, 1)`` (required).
        mean: mean of the non-zero entries. Default: ``0.0``.
        std: their standard deviation, ``>= 0``. Default: ``1.0``.

    Raises:
        ShapeError: the array is not 2-D.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> w = mlxinit.get("sparse", sparsity=0.5)(mx.zeros((4, 6)))
        >>> (w == 0).sum(axis=1).tolist()
        [3, 3, 3, 3]
    """
    sparsity = check_real("sparse", "sparsity", sparsity, ge=0.0, lt=1.0)
    mean = check_real("sparse", "mean", mean)
    std = check_real("sparse", "std", std, ge=0.0)
    _fits_normal("sparse", mean, std, dtype)

    def init(a: mx.array, *, key: Key = None, region: Region | None = None) -> mx.array:
        _need_2d("sparse", a.shape)
        if (empty := _empty(a, dtype, region)) is not None:
            return empty
        rows, cols = a.shape
        num_zeros = math.ceil(sparsity * cols)
        # The same draws, in the same order, as mlx.nn.init.sparse.
        # Zeros are chosen per row, so a region is drawn on whole rows, then cut.
        rows_only: Region | None = None
        if region is not None:
            rows_only = (region[0], (0, cols))
            rows = region[0][1] - region[0][0]
        order = mx.argsort(sampling.uniform(0.0, 1.0, a.shape, key=key, region=rows_only), axis=1)
        w = sampling.normal(a.shape, scale=std, loc=mean, dtype=dtype, key=key, draw=1, region=rows_only)
        w[mx.arange(rows).reshape(rows, 1), order[:, :num_zeros]] = 0
        return w if region is None else w[:, region[1][0] : region[1][1]]

    def expected(shape: Shape) -> float:
        _need_2d("sparse", shape)
        cols = shape[-1]
        if math.prod(shape) == 0:
            return 0.0
        keep = 1.0 - math.ceil(sparsity * cols) / cols
        second = keep * (std**2 + mean**2)
        return math.sqrt(max(second - (keep * mean) ** 2, 0.0))

    return _attach(init, expected, "sparse")


def orthogonal(
    gain: float = 1.0,
    *,
    batch_axis: int | Sequence[int] | None = None,
    segments: int | Sequence[int] | None = None,
    dtype: mx.Dtype = mx.float32,
) -> Fill:
    """A (semi-)orthogonal matrix times ``gain``, Haar-distributed.

    The distribution of ``mlx.nn.init.orthogonal`` (the Q factor of a Gaussian matrix
    with the signs of R's diagonal folded into Q), without its ``max(rows, cols)²`` QR:
    the Householder reflectors of the ``max × min`` Gaussian matrix are sampled directly
    (they are independent Gaussian vectors) and only their product is formed, by blocks,
    in matrix products, so the cost grows with ``max · min²`` (see
    ``mlxinit_builtin._haar``). Arrays with more than 2 dimensions are treated as
    ``(shape[0], prod(shape[1:]))`` (as PyTorch and Keras do), in MLX's
    ``(out, ..., in)`` layout. Rows are orthonormal when ``rows <= cols``, columns
    otherwise. Computed in float32, then cast. Reference: Saxe et al. (2013),
    https://arxiv.org/abs/1312.6120.

    Args:
        gain: scaling factor. Default: ``1.0``.
        batch_axis: axes of stacked matrices (experts): each gets its own orthogonal matrix. Default: none.
        segments: fused weights: an int (equal parts) or a list of sizes along the output
            axis (the first non-batch axis); each segment gets its own orthogonal matrix. Default: one.

    Raises:
        ShapeError: the array has fewer than 2 dimensions.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> q = mlxinit.get("orthogonal")(mx.zeros((3, 5)))
        >>> bool(mx.allclose(q @ q.T, mx.eye(3), atol=1e-5))
        True
    """
    from ._haar import haar_tall

    gain = _fits("orthogonal", "gain", check_real("orthogonal", "gain", gain), dtype)  # |q| <= 1
    layout = check_layout("orthogonal", batch_axis=batch_axis, segments=segments)

    def block(rows: int, cols: int, key: Key) -> mx.array:
        tall = rows >= cols
        q = haar_tall(mx.random.normal(shape=(rows, cols) if tall else (cols, rows), key=key))
        return (q if tall else q.T) * gain

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        if not layout.is_default:
            # Matrix j draws with the call's j-th key (or the global generator, in order).
            return _blocks(a.shape, layout, "orthogonal", lambda r, c, j: block(r, c, sampling.subkey(key, j)), dtype)
        _need_matrix(a.shape)
        if (empty := _empty(a, dtype)) is not None:
            return empty
        rows = a.shape[0]
        cols = math.prod(a.shape[1:])
        tall = rows >= cols
        g = mx.random.normal(shape=(rows, cols) if tall else (cols, rows), key=sampling.subkey(key))
        q = haar_tall(g)
        if not tall:
            q = q.T
        if gain != 1.0:
            q = q * gain
        return q.reshape(a.shape).astype(dtype)

    def expected(shape: Shape) -> float:
        if not layout.is_default:
            sizes = _block_sizes(shape, layout, "orthogonal")
            n = sum(r * c for r, c in sizes)
            # each r x c block holds min(r, c) unit vectors of squared norm gain²
            return math.sqrt(sum(min(r, c) for r, c in sizes) * gain**2 / n) if n else 0.0
        _need_matrix(shape)
        if math.prod(shape) == 0:
            return 0.0
        return abs(gain) / math.sqrt(max(shape[0], math.prod(shape[1:])))

    return _attach(init, expected, "structured")


def _factors(name: str, param: str, value: Any) -> float | tuple[float, ...]:
    if isinstance(value, (list, tuple)):
        if not value:
            raise InvalidParameterError(name, param, "a number or a non-empty list of numbers", value)
        return tuple(check_real(name, param, v) for v in value)
    return check_real(name, param, value)


def _per_row(value: float | tuple[float, ...], shape: Shape, dtype: mx.Dtype, name: str) -> mx.array:
    """A scalar, or one value per row (axis 0, the output channels in MLX's layout), broadcastable to ``shape``."""
    if isinstance(value, float):
        return mx.array(value, dtype=dtype)
    if not shape or shape[0] != len(value):
        raise ShapeError(name, shape, f"an array whose first axis has {len(value)} rows (one per value)")
    return mx.array(value, dtype=dtype).reshape(len(value), *([1] * (len(shape) - 1)))


def rescaled(
    init: Any = "normal",
    scale: float | Sequence[float] = 1.0,
    shift: float | Sequence[float] = 0.0,
    *,
    dtype: mx.Dtype = mx.float32,
    registry: Any = None,
) -> Fill:
    """Another initializer's values times ``scale``, plus ``shift``: ``init(a) · scale + shift``.

    ``scale`` and ``shift`` are numbers or lists with one value per row (axis 0: the output
    channels of MLX's ``(out, *spatial, in)`` weights and of biases). The inner initializer
    draws with the same key (in float32 unless its config names a dtype), so under a seed
    ``rescaled`` of a rule is that rule's draw rescaled.
    :func:`mlxinit.lsuv` stores the scales it learns this way, so that ``apply`` replays them.

    Args:
        init: the inner initializer: a name or a config mapping. Default: ``"normal"``.
        scale: the factor (or one per row). Default: ``1.0``.
        shift: the offset (or one per row). Default: ``0.0``.

    Example:
        >>> import mlxinit, mlx.core as mx
        >>> init = mlxinit.get("rescaled", init="ones", scale=[1.0, 2.0], shift=0.5)
        >>> init((2, 3)).tolist()
        [[1.5, 1.5, 1.5], [2.5, 2.5, 2.5]]
    """
    factor = _factors("rescaled", "scale", scale)
    offset = _factors("rescaled", "shift", shift)
    if isinstance(init, str):
        config: dict[str, Any] = {"name": init}
    elif isinstance(init, dict):
        config = dict(init)
    else:
        raise InvalidParameterError("rescaled", "init", "an initializer name or config mapping", init)
    config.setdefault("dtype", mx.float32)  # drawn and rescaled in float32, then cast to dtype
    inner = registry.get(config)
    if inner.group is not None:
        raise InvalidParameterError("rescaled", "init", "an initializer of one array (not a group initializer)", init)
    # The rescaled values must fit dtype: the inner draw reaches about 6 of its stds (its largest
    # promise, at the smallest weight), times the largest scale, plus the largest shift.
    try:
        reach = _NORMAL_REACH * (inner.expected_std((1, 1)) or 1.0)
    except MlxinitError:
        reach = _NORMAL_REACH
    largest_shift = max(abs(v) for v in offset) if isinstance(offset, tuple) else abs(offset)
    _fits("rescaled", "scale", max(abs(v) for v in factor) if isinstance(factor, tuple) else factor, dtype,
          reach=max(reach, 1.0), offset=largest_shift)

    def fill(a: mx.array, *, key: Key = None) -> mx.array:
        shape = tuple(a.shape)
        base = inner(shape, key=key)
        out: mx.array = base * _per_row(factor, shape, base.dtype, "rescaled")
        if offset != 0.0:
            out = out + _per_row(offset, shape, base.dtype, "rescaled")
        return out.astype(dtype)

    def std(shape: Shape) -> float:
        inner_std = inner.expected_std(shape)
        if inner_std is None or not isinstance(factor, float) or not isinstance(offset, float):
            raise ShapeError("rescaled", shape, "a scalar scale and shift for a promised std")
        return float(abs(factor) * inner_std)

    scalar = isinstance(factor, float) and isinstance(offset, float)
    if not scalar or factor == 0.0:
        return Fill(fill)
    assert isinstance(factor, float)
    assert isinstance(offset, float)
    return Fill(fill, std, inner.distribution, inner.mean * factor + offset, inner.truncation)
