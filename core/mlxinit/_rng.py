"""Where random draws get their keys.

Built-in initializers pass ``key=draw_key()`` to every ``mx.random`` call. Outside a
seeded call that is ``None``, so they draw from MLX's global generator exactly as
``mlx.nn.init`` does (bitwise). Inside :func:`keyed`, each draw gets the next key of
a counter-keyed stream: draw ``j`` of a call made with key ``k`` uses
``mx.random.split(k, j + 1)[j]``: deterministic, independent of the global generator.
Third-party initializers get the same guarantee by drawing with ``key=draw_key()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextvars import ContextVar

import mlx.core as mx

__all__ = ["TILE", "draw_key", "is_key", "key_from", "keyed", "normal", "tiled", "truncated_normal", "uniform"]


class _Stream:
    __slots__ = ("count", "key")

    def __init__(self, key: mx.array) -> None:
        self.key = key
        self.count = 0

    def next(self) -> mx.array:
        k = mx.random.split(self.key, self.count + 1)[self.count]
        self.count += 1
        return k


_current: ContextVar[_Stream | None] = ContextVar("mlxinit_key_stream", default=None)


def draw_key() -> mx.array | None:
    """The key for the next random draw: ``None`` (global RNG) unless inside :func:`keyed`."""
    s = _current.get()
    return None if s is None else s.next()


class keyed:
    """Make every random draw inside the ``with`` block come from ``key``.

    Draws that ask :func:`draw_key` (every built-in) get the counter-keyed stream.
    Initializers that draw from MLX's global generator (third-party code calling
    ``mx.random`` without a key) are seeded from ``key`` too: the global generator's
    state is saved, reseeded from ``key`` for the block, and restored afterwards, so
    the caller's global stream is left exactly where it was. (MLX's global generator
    is process-wide: do not run seeded initializers concurrently with unseeded draws
    in other threads.)
    """

    __slots__ = ("_key", "_saved", "_token")

    def __init__(self, key: mx.array) -> None:
        self._key = key

    def __enter__(self) -> None:
        self._saved = _seed_of(mx.random.state[0])  # type: ignore[index]
        mx.random.seed(_seed_of(mx.random.split(self._key, 2)[1]))
        self._token = _current.set(_Stream(self._key))

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)
        mx.random.seed(self._saved)


def _seed_of(key: mx.array) -> int:
    """The integer seed whose ``mx.random.key`` is ``key`` (a ``(2,)`` uint32 array)."""
    hi, lo = (int(v) for v in key.tolist())  # type: ignore[union-attr, arg-type]
    return (hi << 32) | lo


def key_from(seed: object) -> mx.array:
    """A key from an ``int`` seed or an existing key; anything else is a ``TypeError``."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(seed)
    return mx.random.key(seed)


def is_key(key: object) -> bool:
    """Whether ``key`` looks like an MLX PRNG key: a ``(2,)`` uint32 array."""
    return isinstance(key, mx.array) and key.shape == (2,) and key.dtype == mx.uint32


# --------------------------------------------------------------------------- tiled draws

#: Largest tile side of keyed generation (see :func:`tiled`).
TILE = 256


def tiled(draw: Callable[[tuple[int, int], mx.array], mx.array], shape: Sequence[int], key: mx.array) -> mx.array:
    """Draw an array of ``shape`` tile by tile, each tile from its own key.

    The array is viewed as ``(rows, cols) = (shape[0], prod(shape[1:]))`` and cut into
    ``tr x tc`` tiles, ``tr = min(TILE, rows)``, ``tc = min(TILE, cols)``; tile ``(i, j)``
    (row-major, ``nc`` tiles per row) is ``draw((tr, tc), split(key, nr * nc)[i * nc + j])``
    and the last row/column of tiles is cropped. Every value thus depends only on the
    key, the full shape and its position, so any row or column block can be generated
    alone by drawing just its tiles. Draws are batched with ``mx.vmap`` (one call).
    """
    shape = tuple(shape)
    rows = shape[0] if shape else 1
    cols = math.prod(shape[1:]) if shape else 1
    if rows == 0 or cols == 0:
        return draw((rows, cols), key).reshape(shape)
    tr, tc = min(TILE, rows), min(TILE, cols)
    nr, nc = -(-rows // tr), -(-cols // tc)
    if nr * nc == 1:
        out = draw((tr, tc), mx.random.split(key, 1)[0])
    else:
        keys = mx.random.split(key, nr * nc)
        tiles = mx.vmap(lambda k: draw((tr, tc), k))(keys)
        out = tiles.reshape(nr, nc, tr, tc).transpose(0, 2, 1, 3).reshape(nr * tr, nc * tc)
    if nr * tr != rows or nc * tc != cols:
        out = out[:rows, :cols]
    return out.reshape(shape)


def normal(
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    loc: float | None = None,
    scale: float = 1.0,
    key: mx.array | None = None,
) -> mx.array:
    """``mx.random.normal``; with a key, drawn tile by tile (see :func:`tiled`).

    ``loc=None`` leaves ``loc`` out of the MLX call (as ``mlx.nn.init``'s fan-based
    initializers do): passing ``loc=0.0`` adds an operation to the graph.
    """
    if key is None:
        if loc is None:
            return mx.random.normal(shape=shape, dtype=dtype, scale=scale)
        return mx.random.normal(shape=shape, dtype=dtype, loc=loc, scale=scale)
    shift = 0.0 if loc is None else loc
    return tiled(lambda s, k: mx.random.normal(shape=list(s), dtype=dtype, loc=shift, scale=scale, key=k), shape, key)


def uniform(
    low: float = 0.0,
    high: float = 1.0,
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
) -> mx.array:
    """``mx.random.uniform``; with a key, drawn tile by tile (see :func:`tiled`)."""
    if key is None:
        return mx.random.uniform(low, high, shape, dtype=dtype)
    return tiled(lambda s, k: mx.random.uniform(low, high, list(s), dtype=dtype, key=k), shape, key)


def truncated_normal(
    lower: float,
    upper: float,
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
) -> mx.array:
    """``mx.random.truncated_normal``; with a key, drawn tile by tile (see :func:`tiled`)."""
    if key is None:
        return mx.random.truncated_normal(lower, upper, shape, dtype=dtype)
    return tiled(lambda s, k: mx.random.truncated_normal(lower, upper, list(s), dtype=dtype, key=k), shape, key)
