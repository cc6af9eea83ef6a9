"""The factory contract, as a type."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx

from ._initializer import Fill, Initializer

__all__ = ["InitializerFactory", "Made"]

#: What a factory returns: a closure ``init(a, *, key=None) -> mx.array``, a :class:`mlxinit.Fill`
#: (the closure and its promises) or an :class:`mlxinit.Initializer`.
Made = Callable[..., mx.array] | Fill | Initializer

#: What is registered under a name: hyper-parameters and ``dtype`` in, initializer out.
#:
#: Factories take their hyper-parameters by keyword (each with its own name and type, so the
#: parameter list is not part of this type), validate them when called (raising
#: :class:`mlxinit.InvalidParameterError` and friends), and return a closure
#: ``init(a, *, key=None)``, a :class:`mlxinit.Fill` or an :class:`mlxinit.Initializer`. A
#: factory that declares a ``registry`` keyword receives the registry building it, to compose
#: other initializers through it. A docstring's first line is the one-line summary.
InitializerFactory = Callable[..., Made]
