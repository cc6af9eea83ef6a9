"""Random draws for initializer authors: MLX's own without a key, reproducible with one.

A closure that takes a ``key`` keyword gets one from :class:`mlxinit.Initializer` on
every seeded or keyed call (``None`` otherwise). Pass it to these draws:

* ``key=None``: they *are* ``mx.random.normal``/``uniform``/``truncated_normal``
  (bitwise the same draws from MLX's global generator, as ``mlx.nn.init`` makes);
* with the call's key: draw number ``draw`` (0 for the first, 1 for a second draw in
  the same call, …) uses :func:`subkey` ``(key, draw)`` and is generated tile by tile,
  so values depend only on the key, the full shape and the position (any row or column
  block of a tensor can be generated on its own), exactly as the built-ins' draws.

Example:
    >>> import mlx.core as mx, mlxinit
    >>> from mlxinit import sampling
    >>> def scaled_normal(*, std=0.02, dtype=mx.float32):
    ...     def init(a, *, key=None):
    ...         return sampling.normal(a.shape, scale=std, dtype=dtype, key=key)
    ...     return init
    >>> reg = mlxinit.Registry(plugins=False)
    >>> _ = reg.register("scaled_normal", scaled_normal)
    >>> f = reg.get("scaled_normal", seed=0)
    >>> g = reg.get("scaled_normal", seed=0)
    >>> bool(mx.array_equal(f(mx.zeros((300, 4))), g(mx.zeros((300, 4)))))
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mlx.core as mx

from . import _rng
from ._errors import InvalidParameterError, ParameterTypeError
from ._rng import TILE, Region, crop, subkey, tiled

__all__ = ["TILE", "Region", "crop", "normal", "subkey", "tiled", "truncated_normal", "truncated_std", "uniform"]


def normal(
    shape: Sequence[int],
    *,
    loc: float | None = None,
    scale: float = 1.0,
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
    draw: int = 0,
    region: Region | None = None,
) -> mx.array:
    """Samples of N(``loc``, ``scale``²): ``mx.random.normal``, tile-keyed under a key.

    Args:
        shape: the shape of the result.
        loc: the mean (``None``: 0, and left out of MLX's call, as ``mlx.nn.init`` does).
        scale: the standard deviation. Default: ``1.0``.
        dtype: the dtype of the result. Default: ``float32``.
        key: the call's key, or ``None`` for MLX's global generator.
        draw: which draw of the call this is (0, 1, …), when a call draws more than once.
        region: only this part of the array of ``shape``: one ``(start, stop)`` per axis (as the
            closure's ``region`` argument gives it). With a key only the tiles it touches are
            drawn, and the values are bitwise those of the same part of the whole draw.
    """
    if key is None and region is None:  # MLX's own draw, with nothing in between
        if loc is None:
            return mx.random.normal(shape=shape, dtype=dtype, scale=scale)
        return mx.random.normal(shape=shape, dtype=dtype, loc=loc, scale=scale)
    return _rng.normal(shape, dtype, loc, scale, key=subkey(key, draw), region=region)


def uniform(
    low: float,
    high: float,
    shape: Sequence[int],
    *,
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
    draw: int = 0,
    region: Region | None = None,
) -> mx.array:
    """Samples of U(``low``, ``high``): ``mx.random.uniform``, tile-keyed under a key.

    ``key``, ``draw`` and ``region`` as in :func:`normal`.
    """
    if key is None and region is None:  # MLX's own draw, with nothing in between
        return mx.random.uniform(low, high, shape, dtype=dtype)
    return _rng.uniform(low, high, shape, dtype, key=subkey(key, draw), region=region)


def truncated_normal(
    lower: float,
    upper: float,
    shape: Sequence[int],
    *,
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
    draw: int = 0,
    region: Region | None = None,
) -> mx.array:
    """Samples of N(0, 1) truncated to ``[lower, upper]``: ``mx.random.truncated_normal``, tile-keyed under a key.

    ``key``, ``draw`` and ``region`` as in :func:`normal`.
    """
    return _rng.truncated_normal(lower, upper, shape, dtype, key=subkey(key, draw), region=region)


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def truncated_std(lower: float, upper: float) -> float:
    """Standard deviation of N(0, 1) truncated to ``[lower, upper]`` (0.0 for an empty interval).

    Raises:
        ParameterTypeError: a bound that is not a real number.
        InvalidParameterError: a bound that is NaN.

    Example:
        >>> round(truncated_std(-2.0, 2.0), 6)
        0.879626
    """
    bounds = []
    for name, bound in (("lower", lower), ("upper", upper)):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise ParameterTypeError("truncated_std", name, "a real number (±inf allowed)", bound)
        if isinstance(bound, float) and math.isnan(bound):
            raise InvalidParameterError("truncated_std", name, "a number (±inf allowed), not NaN", bound)
        try:
            bounds.append(float(bound))
        except OverflowError:  # an int beyond the float range is as far out as infinity
            bounds.append(math.inf if bound > 0 else -math.inf)
    lower, upper = bounds
    z = _cdf(upper) - _cdf(lower)
    if z <= 0.0:
        return 0.0
    pa, pb = _phi(lower), _phi(upper)
    la = lower * pa if math.isfinite(lower) else 0.0
    ub = upper * pb if math.isfinite(upper) else 0.0
    var = 1.0 + (la - ub) / z - ((pa - pb) / z) ** 2
    return math.sqrt(max(var, 0.0))
