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
import math
from collections.abc import Callable, Iterator, Sequence

import mlx.core as mx

__all__ = [
    "TILE",
    "Region",
    "crop",
    "global_seeded",
    "is_full",
    "is_key",
    "key_from",
    "normal",
    "normalize_region",
    "path_key",
    "region_shape",
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
    import hashlib  # on first use: it costs more at import than the rest of this module

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


#: A rectangular region of an array: one ``(start, stop)`` per axis.
Region = tuple[tuple[int, int], ...]


def normalize_region(shape: Sequence[int], region: object, name: str = "region") -> Region:
    """``region`` (slices or ``(start, stop)`` pairs, one per leading axis) as ``(start, stop)`` per axis.

    Raises:
        ShapeError: a step other than 1, bounds outside the shape, or more axes than the shape has.
    """
    from ._errors import ShapeError

    shape = tuple(shape)
    if not isinstance(region, (tuple, list)):
        raise ShapeError(name, shape, f"a region as a tuple of slices (one per axis), got {region!r}")
    if len(region) > len(shape):
        raise ShapeError(name, shape, f"a region of at most {len(shape)} axes, got {len(region)}")
    out = []
    for axis, n in enumerate(shape):
        r = region[axis] if axis < len(region) else slice(None)
        if isinstance(r, slice):
            try:
                start, stop, step = r.indices(n)
            except (TypeError, ValueError):  # bounds that are not ints, or a step of 0
                raise ShapeError(name, shape, f"a slice of ints with step 1 on axis {axis}, got {r!r}") from None
            if step != 1:
                raise ShapeError(name, shape, f"slices with step 1 in a region, got {r!r} on axis {axis}")
        elif (
            isinstance(r, (tuple, list))
            and len(r) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in r)
        ):
            start, stop = r
        else:
            raise ShapeError(name, shape, f"a slice or a (start, stop) pair on axis {axis}, got {r!r}")
        if not 0 <= start <= stop <= n:
            raise ShapeError(name, shape, f"a region within the shape, got [{start}:{stop}] on axis {axis}")
        out.append((start, stop))
    return tuple(out)


def region_shape(region: Region) -> tuple[int, ...]:
    """The shape of the array a region cuts out."""
    return tuple(stop - start for start, stop in region)


def is_full(shape: Sequence[int], region: Region | None) -> bool:
    """Whether ``region`` is ``None`` or covers the whole of ``shape``."""
    return region is None or all(r == (0, n) for r, n in zip(region, shape, strict=True))


def crop(a: mx.array, region: Region | None) -> mx.array:
    """``a[region]`` (``a`` itself for ``None``)."""
    if region is None:
        return a
    return a[tuple(slice(start, stop) for start, stop in region)]


def tiled(
    draw: Callable[[tuple[int, int], mx.array], mx.array],
    shape: Sequence[int],
    key: mx.array,
    region: Region | None = None,
) -> mx.array:
    """Draw an array of ``shape`` tile by tile, each tile from its own key (or only ``region`` of it).

    The array is viewed as ``(rows, cols) = (shape[0], prod(shape[1:]))`` and cut into
    ``tr x tc`` tiles, ``tr = min(TILE, rows)``, ``tc = min(TILE, cols)``; tile ``(i, j)``
    (row-major, ``nc`` tiles per row) is ``draw((tr, tc), split(key, nr * nc)[i * nc + j])``
    and the last row/column of tiles is cropped. Every value thus depends only on the
    key, the full shape and its position. With ``region``, only the tiles it touches are
    drawn (rows of tiles it spans, times the columns of tiles between its first and last
    flat column), and the result is bitwise ``tiled(draw, shape, key)[region]``. Draws are
    batched with ``mx.vmap`` (one call).
    """
    shape = tuple(shape)
    rows = shape[0] if shape else 1
    cols = math.prod(shape[1:]) if shape else 1
    if region is not None and is_full(shape, region):
        region = None
    if rows == 0 or cols == 0 or (region is not None and 0 in region_shape(region)):
        # An empty draw, so the result has the draw's dtype (a bare zeros would be float32).
        return draw((0, 0), key).reshape(shape if region is None else region_shape(region))
    tr, tc = min(TILE, rows), min(TILE, cols)
    nr, nc = -(-rows // tr), -(-cols // tc)
    if region is None:
        if nr * nc == 1:
            out = draw((tr, tc), mx.random.split(key, 1)[0])
        else:
            keys = mx.random.split(key, nr * nc)
            tiles = _draw_tiles(draw, keys, (tr, tc))
            out = tiles.reshape(nr, nc, tr, tc).transpose(0, 2, 1, 3).reshape(nr * tr, nc * tc)
        if nr * tr != rows or nc * tc != cols:
            out = out[:rows, :cols]
        return out.reshape(shape)
    # Rows of the region, and the flat columns of its first and last element in the (rows, cols) view.
    (r0, r1), rest = region[0], region[1:]
    inner = shape[1:]
    c_lo = _ravel([lo for lo, _ in rest], inner)
    c_hi = _ravel([hi - 1 for _, hi in rest], inner) + 1
    i0, i1 = r0 // tr, (r1 - 1) // tr
    j0, j1 = c_lo // tc, (c_hi - 1) // tc
    keys = mx.random.split(key, nr * nc)
    index = mx.array([i * nc + j for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)])
    ni, nj = i1 - i0 + 1, j1 - j0 + 1
    picked = keys[index]
    tiles = _draw_tiles(draw, picked, (tr, tc)) if ni * nj > 1 else draw((tr, tc), picked[0])[None]
    block = tiles.reshape(ni, nj, tr, tc).transpose(0, 2, 1, 3).reshape(ni * tr, nj * tc)
    block = block[r0 - i0 * tr : r1 - i0 * tr]
    flat = _flat_columns(rest, inner)  # flat column indices of the region, in row-major order
    # One contiguous run of columns is a slice; anything else is gathered.
    cut = slice(c_lo - j0 * tc, c_hi - j0 * tc) if flat is None else mx.array(flat) - j0 * tc
    return block[:, cut].reshape(region_shape(region))


#: A keyed draw of at least this many values is split over the CPU's cores (one stream each).
SPLIT_MIN = 1 << 22


def _draw_tiles(
    draw: Callable[[tuple[int, int], mx.array], mx.array], keys: mx.array, tile: tuple[int, int]
) -> mx.array:
    """The tiles of ``keys`` (one per key), batched with ``mx.vmap``.

    A large draw on the CPU, outside :func:`mlxinit.apply`'s own scheduling, is split into one
    batch of tiles per core, each on its own stream, which MLX runs at once. Every tile still
    comes from its own key alone, so the values are bitwise the same however they are split.
    """
    n = int(keys.shape[0])
    if n >= 2 and n * tile[0] * tile[1] >= SPLIT_MIN:
        from . import _parallel  # on first need: it is only for large draws

        workers = min(n, _parallel.available_cores())
        if workers > 1 and _parallel.may_split():
            cuts = [n * i // workers for i in range(workers + 1)]
            parts = []
            for s, lo, hi in zip(_parallel.streams(workers), cuts[:-1], cuts[1:], strict=True):
                with mx.stream(s):
                    parts.append(mx.vmap(lambda k: draw(tile, k))(keys[lo:hi]))
            return mx.concatenate(parts, axis=0)
    return mx.vmap(lambda k: draw(tile, k))(keys)


def _ravel(index: Sequence[int], shape: Sequence[int]) -> int:
    flat = 0
    for i, n in zip(index, shape, strict=True):
        flat = flat * n + i
    return flat


def _flat_columns(rest: Sequence[tuple[int, int]], inner: Sequence[int]) -> list[int] | None:
    """The flat column indices a region covers in ``(rows, prod(inner))``; ``None`` when they are one run.

    They are one run when, after the first axis that is not full, every axis is full, and
    every axis before it has length 1 in the region.
    """
    partial = [k for k, ((lo, hi), n) in enumerate(zip(rest, inner, strict=True)) if (lo, hi) != (0, n)]
    if not partial:
        return None
    first = partial[0]
    if all(hi - lo == 1 for lo, hi in rest[:first]) and partial == [first]:
        return None
    import itertools

    return [_ravel(ix, inner) for ix in itertools.product(*(range(lo, hi) for lo, hi in rest))]


def normal(
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    loc: float | None = None,
    scale: float = 1.0,
    key: mx.array | None = None,
    region: Region | None = None,
) -> mx.array:
    """``mx.random.normal``; with a key, drawn tile by tile (see :func:`tiled`).

    ``loc=None`` leaves ``loc`` out of the MLX call (as ``mlx.nn.init``'s fan-based
    initializers do): passing ``loc=0.0`` adds an operation to the graph. Without a key,
    ``region`` is cut from the full draw (MLX's global stream has no prefix property).
    """
    if key is None:
        if loc is None:
            return crop(mx.random.normal(shape=shape, dtype=dtype, scale=scale), region)
        return crop(mx.random.normal(shape=shape, dtype=dtype, loc=loc, scale=scale), region)
    shift = 0.0 if loc is None else loc
    return tiled(
        lambda s, k: mx.random.normal(shape=list(s), dtype=dtype, loc=shift, scale=scale, key=k), shape, key, region
    )


def uniform(
    low: float = 0.0,
    high: float = 1.0,
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
    region: Region | None = None,
) -> mx.array:
    """``mx.random.uniform``; with a key, drawn tile by tile (see :func:`tiled`)."""
    if key is None:
        return crop(mx.random.uniform(low, high, shape, dtype=dtype), region)
    return tiled(lambda s, k: mx.random.uniform(low, high, list(s), dtype=dtype, key=k), shape, key, region)


def truncated_normal(
    lower: float,
    upper: float,
    shape: Sequence[int] = (),
    dtype: mx.Dtype = mx.float32,
    key: mx.array | None = None,
    region: Region | None = None,
) -> mx.array:
    """``mx.random.truncated_normal``; with a key, drawn tile by tile (see :func:`tiled`)."""
    if key is None:
        return crop(mx.random.truncated_normal(lower, upper, shape, dtype=dtype), region)
    return tiled(
        lambda s, k: mx.random.truncated_normal(lower, upper, list(s), dtype=dtype, key=k), shape, key, region
    )
