"""The initializer contract, as typing protocols."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import mlx.core as mx

__all__ = ["Initializer", "InitializerFactory"]


@runtime_checkable
class Initializer(Protocol):
    """What :func:`mlxinit.get` returns: a callable that fills an array of ``a``'s shape.

    An initializer reads only ``a.shape`` (never its values) and returns a new array
    of that shape. Built-ins of ``mlx.nn.init`` origin also accept that function's
    call-time keywords (``gain``, ``mode``).
    """

    def __call__(self, a: mx.array, /) -> mx.array: ...


class InitializerFactory(Protocol):
    """What is registered under a name: hyper-parameters and ``dtype`` in, initializer out.

    Factories take every argument by keyword, validate them when called (raising
    :class:`mlxinit.InvalidParameterError` and friends), and return an
    :class:`Initializer`. A docstring's first line is the one-line summary.
    """

    def __call__(self, *, dtype: mx.Dtype = ..., **params: Any) -> Initializer: ...
