"""Where random draws get their keys.

Built-in initializers pass ``key=draw_key()`` to every ``mx.random`` call. Outside a
seeded call that is ``None``, so they draw from MLX's global generator exactly as
``mlx.nn.init`` does (bitwise). Inside :func:`keyed`, each draw gets the next key of
a counter-keyed stream: draw ``j`` of a call made with key ``k`` uses
``mx.random.split(k, j + 1)[j]``: deterministic, independent of the global generator.
Third-party initializers get the same guarantee by drawing with ``key=draw_key()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import mlx.core as mx

__all__ = ["draw_key", "is_key", "key_from", "keyed"]


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


@contextmanager
def keyed(key: mx.array) -> Iterator[None]:
    """Make every random draw inside the block come from ``key``.

    Draws that ask :func:`draw_key` (every built-in) get the counter-keyed stream.
    Initializers that draw from MLX's global generator (third-party code calling
    ``mx.random`` without a key) are seeded from ``key`` too: the global generator's
    state is saved, reseeded from ``key`` for the block, and restored afterwards, so
    the caller's global stream is left exactly where it was. (MLX's global generator
    is process-wide: do not run seeded initializers concurrently with unseeded draws
    in other threads.)
    """
    saved = _seed_of(mx.random.state[0])  # type: ignore[index]
    sub = mx.random.split(key, 2)[1]
    mx.random.seed(_seed_of(sub))
    token = _current.set(_Stream(key))
    try:
        yield
    finally:
        _current.reset(token)
        mx.random.seed(saved)


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
