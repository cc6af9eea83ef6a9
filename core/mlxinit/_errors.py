"""The exception hierarchy of mlxinit.

Every exception the library raises on purpose derives from :class:`MlxinitError`
and also from the builtin exception an ``except`` clause would naturally name
(``LookupError``, ``ValueError``, ``TypeError``), so existing handlers keep working.
Exceptions carry their data as attributes as well as in the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "DtypeError",
    "FactoryError",
    "GroupTargetError",
    "InitializerConflictError",
    "InvalidIdentifierError",
    "InvalidParameterError",
    "MissingParameterError",
    "MlxinitError",
    "MlxinitWarning",
    "ParameterTypeError",
    "PluginError",
    "RegistrationError",
    "ShapeError",
    "UnknownDistributionError",
    "UnknownInitializerError",
    "UnknownNonlinearityError",
    "UnknownParameterError",
    "UnknownPresetError",
]


#: An unknown name's message lists what was available only up to this many names (``.available`` has all).
LIST_IN_MESSAGE = 12


def _did_you_mean(possibilities: Sequence[str]) -> str:
    if not possibilities:
        return ""
    if len(possibilities) == 1:
        return f" Did you mean {possibilities[0]!r}?"
    return " Did you mean one of " + ", ".join(repr(p) for p in possibilities) + "?"


class MlxinitError(Exception):
    """Root of every error mlxinit raises on purpose."""


class MlxinitWarning(UserWarning):
    """Something mlxinit did that you may not expect: a plugin claiming a reserved name, a keyed
    draw of a closure that takes no key."""


class UnknownInitializerError(MlxinitError, LookupError):
    """No initializer is registered under the requested name.

    Attributes:
        name: the name as given.
        possibilities: close registered names ("did you mean"), best first.
        available: every name that could have been used, when nothing is close.
    """

    #: what kind of name was not found, for the message
    what = "initializer"

    def __init__(
        self,
        name: str,
        possibilities: Sequence[str] = (),
        available: Sequence[str] = (),
        *,
        hint: str = "",
    ) -> None:
        self.name = name
        self.possibilities = list(possibilities)
        self.available = list(available)
        msg = f"Unknown {self.what} {name!r}."
        if self.possibilities:
            msg += _did_you_mean(self.possibilities)
        elif self.available and len(self.available) <= LIST_IN_MESSAGE:
            msg += " Available names: " + ", ".join(self.available) + "."
        if hint:
            msg += " " + hint
        super().__init__(msg)

    def __reduce__(self) -> Any:  # keep pickling (e.g. multiprocessing) working
        return (type(self), (self.name, self.possibilities, self.available))


class UnknownPresetError(UnknownInitializerError):
    """No whole-model preset is registered under the requested name.

    A subclass of :class:`UnknownInitializerError` (the same attributes), so handlers of
    unknown names catch it too.
    """

    what = "preset"


class InitializerConflictError(MlxinitError, LookupError):
    """Two or more plugin distributions claim one plain name.

    Attributes:
        name: the plain name requested.
        providers: ``(distribution, version, qualified_name)`` for each claimant.
        what: ``"initializer"``, or ``"preset"`` for a preset name.
    """

    def __init__(
        self, name: str, providers: Sequence[tuple[str, str | None, str]], *, what: str = "initializer"
    ) -> None:
        self.name = name
        self.what = what
        self.providers = list(providers)
        choices = " or ".join(repr(q) for _, _, q in self.providers)
        dists = {d for d, _, _ in self.providers}
        if len(dists) == 1 and len(self.providers) > 1:
            # One distribution offers the name under several namespaces of its own.
            d, v, _ = self.providers[0]
            first = self.providers[0][2].rpartition(":")[0]
            claim = f"is provided more than once by {d} {v or '(unknown version)'}"
            claim += f", as {choices.replace(' or ', ' and ')}"
        else:
            who = ", ".join(f"{d} {v or '(unknown version)'}" for d, v, _ in self.providers)
            first = self.providers[0][0] if self.providers else "DIST"
            claim = f"is provided by several distributions: {who}"
        advice = f"Use a qualified name ({choices})"
        if ":" not in name and what == "initializer":  # preferences settle plain initializer names only
            advice += f", or choose one with mlxinit.prefer({name!r}, {first!r}) or MLXINIT_PREFER={name}={first}"
        super().__init__(f"{what.capitalize()} name {name!r} {claim}. {advice}.")


class InvalidParameterError(MlxinitError, ValueError):
    """A hyper-parameter has an impossible value.

    Attributes:
        initializer: canonical name of the initializer being built.
        parameter: the parameter's name.
        expected: what would have been accepted, in words.
        given: the value that was given.
    """

    def __init__(self, initializer: str, parameter: str, expected: str, given: Any) -> None:
        self.initializer = initializer
        self.parameter = parameter
        self.expected = expected
        self.given = given
        super().__init__(self._message())

    def _message(self) -> str:
        return (
            f"{self.initializer}: parameter {self.parameter!r} expected {self.expected}, "
            f"got {self.given!r}."
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.initializer, self.parameter, self.expected, self.given))


class ParameterTypeError(InvalidParameterError, TypeError):
    """A hyper-parameter has the wrong type."""

    def _message(self) -> str:
        return (
            f"{self.initializer}: parameter {self.parameter!r} expected {self.expected}, "
            f"got {self.given!r} of type {type(self.given).__name__}."
        )


class UnknownParameterError(InvalidParameterError, TypeError):
    """A hyper-parameter the initializer does not take.

    ``expected`` lists the accepted parameters; ``possibilities`` holds close names.
    """

    def __init__(
        self,
        initializer: str,
        parameter: str,
        accepted: Sequence[str],
        possibilities: Sequence[str] = (),
    ) -> None:
        self.accepted = list(accepted)
        self.possibilities = list(possibilities)
        expected = (
            "one of " + ", ".join(repr(a) for a in self.accepted)
            if self.accepted
            else "no hyper-parameters"
        )
        super().__init__(initializer, parameter, expected, parameter)

    def _message(self) -> str:
        return (
            f"{self.initializer}: unknown parameter {self.parameter!r}; "
            f"it takes {self.expected}.{_did_you_mean(self.possibilities)}"
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.initializer, self.parameter, self.accepted, self.possibilities))


class MissingParameterError(InvalidParameterError, TypeError):
    """A required hyper-parameter was not given."""

    def __init__(self, initializer: str, parameter: str, expected: str = "a value") -> None:
        super().__init__(initializer, parameter, expected, None)

    def _message(self) -> str:
        return (
            f"{self.initializer}: missing required parameter {self.parameter!r} "
            f"(expected {self.expected})."
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.initializer, self.parameter, self.expected))


class DtypeError(MlxinitError, TypeError):
    """A dtype that is unknown or not a floating type."""

    def __init__(self, given: Any, expected: str) -> None:
        self.given = given
        self.expected = expected
        super().__init__(f"dtype: expected {expected}, got {given!r}.")

    def __reduce__(self) -> Any:
        return (type(self), (self.given, self.expected))


class InvalidIdentifierError(MlxinitError, TypeError):
    """An identifier that is neither a name, a config mapping nor a callable,
    or a config mapping that is malformed."""


class ShapeError(MlxinitError, ValueError):
    """An initializer was called with an array whose shape it cannot fill.

    Attributes:
        initializer: canonical name of the initializer.
        shape: the shape it got.
        expected: what it needs, in words.
    """

    def __init__(self, initializer: str, shape: tuple[int, ...], expected: str) -> None:
        self.initializer = initializer
        self.shape = tuple(shape)
        self.expected = expected
        super().__init__(f"{initializer}: expected {expected}, got an array of shape {self.shape}.")

    def __reduce__(self) -> Any:
        return (type(self), (self.initializer, self.shape, self.expected))


class GroupTargetError(MlxinitError, TypeError):
    """A group initializer (one that fills several arrays of a module together, such as
    ``lora:pissa``) was given a module it cannot fill, or was called on a single array.

    Attributes:
        initializer: canonical name of the initializer.
        target: the module's path and type (or ``"an array"``).
        expected: what it needs, in words.
    """

    def __init__(self, initializer: str, target: str, expected: str) -> None:
        self.initializer = initializer
        self.target = target
        self.expected = expected
        super().__init__(f"{initializer}: expected {expected}, got {target}.")

    def __reduce__(self) -> Any:
        return (type(self), (self.initializer, self.target, self.expected))


class RegistrationError(MlxinitError, ValueError):
    """A registration that would be ambiguous or invalid (a taken name, a bad name)."""


class UnknownDistributionError(RegistrationError, LookupError):
    """A distribution or namespace that no plugin has (e.g. in :func:`mlxinit.prefer`).

    Attributes:
        name: the distribution or namespace as given.
        possibilities: close distributions and namespaces ("did you mean"), best first.
        available: every distribution and namespace known, when nothing is close.
    """

    def __init__(self, name: str, possibilities: Sequence[str] = (), available: Sequence[str] = ()) -> None:
        self.name = name
        self.possibilities = list(possibilities)
        self.available = list(available)
        msg = f"Unknown plugin distribution or namespace {name!r}."
        if self.possibilities:
            msg += _did_you_mean(self.possibilities)
        elif self.available:
            msg += " Known: " + ", ".join(self.available) + "."
        else:
            msg += " No plugin distribution is installed (see `mlxinit plugins`)."
        super().__init__(msg)

    def __reduce__(self) -> Any:
        return (type(self), (self.name, self.possibilities, self.available))


class UnknownNonlinearityError(MlxinitError, ValueError):
    """:func:`mlxinit.calculate_gain` was given a nonlinearity it does not know, or a bad slope.

    Attributes:
        nonlinearity: the nonlinearity as given.
        known: the names :func:`~mlxinit.calculate_gain` knows (empty for a bad slope).
        possibilities: close known names ("did you mean"), best first.
    """

    def __init__(
        self,
        message: str,
        *,
        nonlinearity: Any = None,
        known: Sequence[str] = (),
        possibilities: Sequence[str] = (),
    ) -> None:
        self.nonlinearity = nonlinearity
        self.known = list(known)
        self.possibilities = list(possibilities)
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (type(self), (str(self),), self.__dict__)


class FactoryError(MlxinitError, RuntimeError):
    """A factory failed while building an initializer, or returned something that is not one.

    The original exception, if any, is the ``__cause__``.
    """


class PluginError(MlxinitError, ImportError):
    """A plugin failed to load or to register its initializers.

    Attributes:
        distribution: the distribution that provides the plugin.
        version: its installed version, if known.
        plugin: the entry point (``name = module:attr``) involved, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
        plugin: str | None = None,
    ) -> None:
        self.distribution = distribution
        self.version = version
        self.plugin = plugin
        super().__init__(message)
