"""The factory contract, as a typing protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, Union

import mlx.core as mx

if TYPE_CHECKING:
    from ._initializer import Fill, Initializer

__all__ = ["InitializerFactory"]

#: What a factory returns: a closure ``init(a, *, key=None) -> mx.array``, a :class:`mlxinit.Fill`
#: (the closure and its promises) or an :class:`mlxinit.Initializer`.
Made = Union[Callable[..., mx.array], "Fill", "Initializer"]


class InitializerFactory(Protocol):
    """What is registered under a name: hyper-parameters and ``dtype`` in, initializer out.

    Factories take every argument by keyword, validate them when called (raising
    :class:`mlxinit.InvalidParameterError` and friends), and return a closure
    ``init(a, *, key=None)`` or a :class:`mlxinit.Fill`. A factory that declares a
    ``registry`` keyword receives the registry building it, to compose other
    initializers through it. A docstring's first line is the one-line summary.
    """

    def __call__(self, *, dtype: mx.Dtype = ..., **params: Any) -> Made: ...
