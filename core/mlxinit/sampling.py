"""Random draws for initializer authors: reproducible under seeds, MLX's own otherwise.

Use these instead of ``mx.random.normal``/``uniform``/``truncated_normal`` in a factory's
closure. Outside a seeded call they *are* those functions (bitwise the same draws from
MLX's global generator). Inside a call of an initializer built with ``seed=``/``key=``,
or under ``mlxinit.apply(..., seed=...)``, each draw takes the next key of the call's
stream and is generated tile by tile (see the seeds section of the docs), so values
depend only on the seed, the full shape and the position, and any row or column block
of a tensor can be generated on its own.

Example:
    >>> import mlx.core as mx, mlxinit
    >>> from mlxinit import sampling
    >>> def scaled_normal(*, std=0.02, dtype=mx.float32):
    ...     return lambda a: sampling.normal(a.shape, scale=std, dtype=dtype)
    >>> init = mlxinit.Registry(plugins=False)
    >>> _ = init.register("scaled_normal", scaled_normal)
    >>> f = init.get("scaled_normal", seed=0)
    >>> g = init.get("scaled_normal", seed=0)
    >>> bool(mx.array_equal(f(mx.zeros((300, 4))), g(mx.zeros((300, 4)))))
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import mlx.core as mx

from . import _rng
from ._rng import draw_key

__all__ = ["draw_key", "normal", "truncated_normal", "uniform"]


def normal(
    shape: Sequence[int], *, loc: float | None = None, scale: float = 1.0, dtype: mx.Dtype = mx.float32
) -> mx.array:
    """Samples of N(``loc``, ``scale``²): ``mx.random.normal``, keyed under a seed."""
    return _rng.normal(shape, dtype, loc, scale, key=draw_key())


def uniform(low: float, high: float, shape: Sequence[int], *, dtype: mx.Dtype = mx.float32) -> mx.array:
    """Samples of U(``low``, ``high``): ``mx.random.uniform``, keyed under a seed."""
    return _rng.uniform(low, high, shape, dtype, key=draw_key())


def truncated_normal(
    lower: float, upper: float, shape: Sequence[int], *, dtype: mx.Dtype = mx.float32
) -> mx.array:
    """Samples of N(0, 1) truncated to ``[lower, upper]``: ``mx.random.truncated_normal``, keyed under a seed."""
    return _rng.truncated_normal(lower, upper, shape, dtype, key=draw_key())
