"""Keys and keyed draws.

Every random draw of an initializer takes an explicit ``key``. With ``key=None`` it is a
plain ``mx.random`` call on MLX's global generator, exactly as ``mlx.nn.init`` draws
(bitwise). With a call key ``k``, draw ``j`` of the call uses :func:`subkey` ``(k, j)``
(``mx.random.split(k, j + 1)[j]``) and is generated tile by tile (:func:`tiled`), so
values depend only on the key, the full shape and the position. Nothing here reads or
writes MLX's global generator, except :func:`global_seeded`, the documented fallback for
closures that take no key.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterator, Sequence

import mlx.core as mx

__all__ = [
    "TILE",
    "global_seeded",
    "is_key",
    "key_from",
    "normal",
    "path_key",
    "subkey",
    "tiled",
    "truncated_normal",
    "uniform",
]


def subkey(key: mx.array | None, draw: int = 0) -> mx.array | None:
    """The key of random draw ``draw`` (0, 1, …) of a call made with ``key``; ``None`` stays ``None``."""
    if key is None:
        return None
    return mx.random.split(key, draw + 1)[draw]


@contextlib.contextmanager
def global_seeded(key: mx.array) -> Iterator[None]:
    """Run a block with MLX's global generator (this thread's) seeded from ``key``, then restore it.

    Only for closures that take no key: their draws are reproducible under a key this way,
    at the cost of two host syncs. MLX's global state is per thread, and the state is
    saved and restored around the block, so nested and concurrent blocks leave every
    thread's generator where it was.
    """
    saved = _seed_of(mx.random.state[0])  # type: ignore[index]
    mx.random.seed(_seed_of(mx.random.split(key, 2)[1]))
    try:
        yield
    finally:
        mx.random.seed(saved)


def _seed_of(key: mx.array) -> int:
    """The integer seed whose ``mx.random.key`` is ``key`` (a ``(2,)`` uint32 array)."""
    hi, lo = (int(v) for v in key.tolist())  # type: ignore[union-attr, arg-type]
    return (hi << 32) | lo


def key_from(seed: object) -> mx.array:
    """A key from an ``int`` seed in ``[0, 2**64)``; a ``TypeError``/``ValueError`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(seed)
    return mx.random.key(seed)


def is_key(key: object) -> bool:
    """Whether ``key`` looks like an MLX PRNG key: a ``(2,)`` uint32 array."""
    return isinstance(key, mx.array) and key.shape == (2,) and key.dtype == mx.uint32


def path_key(base: int | mx.array, path: str) -> mx.array:
    """The key of the parameter at ``path`` under a base seed (an ``int``) or key.

    For an ``int`` seed it is BLAKE2b of the seed and the path, which is what
    :func:`mlxinit.param_key` documents; for a key, of its two words and the path.
    """
    if isinstance(base, int):
        material = f"{base}\x00{path}"
    else:
        hi, lo = (int(v) for v in base.tolist())  # type: ignore[union-attr, arg-type]
        material = f"key:{hi},{lo}\x00{path}"
    digest = hashlib.blake2b(material.encode(), digest_size=8).digest()
    return mx.random.key(int.from_bytes(digest, "little"))


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
