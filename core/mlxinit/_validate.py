"""Checks for hyper-parameters, used by factories when an initializer is built.

They raise the :class:`~mlxinit.InvalidParameterError` family with the initializer's
name, the parameter, what was expected and what was given. Plugin factories may use
them through :mod:`mlxinit.validate`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from ._errors import InvalidParameterError, ParameterTypeError
from ._names import close_matches

__all__ = ["check_choice", "check_int", "check_real"]

_S = TypeVar("_S", bound=str)


def check_real(
    initializer: str,
    parameter: str,
    value: Any,
    *,
    ge: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> float:
    """Return ``value`` as a finite float, checking the bounds given.

    Raises:
        ParameterTypeError: not a real number (``bool`` and strings are refused).
        InvalidParameterError: not finite, or outside the bounds.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # numpy / mlx scalars convert through __float__ when they are 0-d reals.
        if not (hasattr(value, "__float__") and getattr(value, "ndim", 0) == 0) or isinstance(
            value, (bool, str, bytes)
        ):
            raise ParameterTypeError(initializer, parameter, "a real number", value)
        try:
            value = float(value)
        except (TypeError, ValueError) as e:
            raise ParameterTypeError(initializer, parameter, "a real number", value) from e
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        v = math.inf
    if not math.isfinite(v):
        raise InvalidParameterError(initializer, parameter, "a finite number", value)
    if ge is not None and v < ge:
        raise InvalidParameterError(initializer, parameter, f"a number >= {ge}", value)
    if gt is not None and v <= gt:
        raise InvalidParameterError(initializer, parameter, f"a number > {gt}", value)
    if lt is not None and v >= lt:
        raise InvalidParameterError(initializer, parameter, f"a number < {lt}", value)
    return v


def check_int(initializer: str, parameter: str, value: Any, *, ge: int | None = None) -> int:
    """Return ``value`` as an int (``bool`` refused), checking ``value >= ge``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterTypeError(initializer, parameter, "an integer", value)
    if ge is not None and value < ge:
        raise InvalidParameterError(initializer, parameter, f"an integer >= {ge}", value)
    return value


def check_choice(initializer: str, parameter: str, value: Any, options: Sequence[_S]) -> _S:
    """Return the option equal to ``value`` (exact strings), else raise.

    Typed for ``Literal`` options: with ``options: tuple[Literal["fan_in", "fan_out"], ...]``
    the result is a ``Literal["fan_in", "fan_out"]``, checked at run time for values from
    configs and command lines.

    Raises:
        ParameterTypeError: ``value`` is not a string.
        InvalidParameterError: ``value`` is not one of ``options`` (with "did you mean").
    """
    expected = "one of " + ", ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise ParameterTypeError(initializer, parameter, expected, value)
    for option in options:
        if value == option:
            return option
    near = close_matches(value, options, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise InvalidParameterError(initializer, parameter, expected + hint, value)
