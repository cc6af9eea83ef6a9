"""Entries and providers: a registered name, who provides it, and the checks on registration.

* :class:`Provider`: where entries come from (the built-ins, runtime registration, or one
  installed distribution), with the failures recorded against it.
* :class:`Entry`: one initializer name with its aliases and factory, or the entry point
  that will give the factory on first use. :class:`PresetEntry`: the same for a preset.
* :class:`Registrar`: what a plugin's ``mlxinit_register_initializers`` hook receives.

The policy that reserves names is data: :data:`RESERVED_DISTRIBUTIONS`. Whatever such a
distribution registers keeps its names against every other plugin.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from . import _names
from ._build import RESERVED_PARAMS
from ._errors import RegistrationError

if TYPE_CHECKING:
    from ._records import ParamInfo, PluginFailure, Source, Stage

__all__ = [
    "BUILTIN",
    "ENTRY_POINT",
    "HOOK",
    "RESERVED_DISTRIBUTIONS",
    "RESERVED_PARAMS",
    "RUNTIME",
    "Entry",
    "PresetEntry",
    "Provider",
    "Registrar",
    "check_name",
    "check_namespace",
    "check_type",
    "listed_name",
    "make_entry",
    "own_keys",
    "param_infos",
    "split_qualified",
    "summary",
]

BUILTIN: Final = "builtin"
RUNTIME: Final = "runtime"
ENTRY_POINT: Final = "entry-point"
HOOK: Final = "hook"

#: ``"builtin"``: the distribution the registry registers itself (``mlxinit``);
#: ``"runtime"``: :func:`mlxinit.register`; ``"plugin"``: an installed distribution.
ProviderKind = Literal["builtin", "runtime", "plugin"]

#: Distributions whose names are reserved: a plain name one of them registers belongs to it,
#: whoever else declares it; they cannot be blocked, and discovery never loads them (the
#: registry registers their plugin module itself, so no metadata is read for them).
RESERVED_DISTRIBUTIONS: Final = frozenset({"mlxinit"})

#: A namespace is spelled like a distribution name (PEP 508).
_NAMESPACE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


class Provider:
    """Where entries come from: the built-ins, runtime registration, or one distribution.

    ``version`` may be given as a callable, read on first use (the built-ins' version
    comes from package metadata, which ``import mlxinit`` never reads).
    """

    __slots__ = (
        "_lock",
        "_version",
        "_version_of",
        "failures",
        "hooks_skipped",
        "key",
        "kind",
        "name",
        "namespaces",
        "reserved",
    )

    def __init__(
        self,
        name: str,
        kind: ProviderKind,
        version: str | None = None,
        *,
        version_of: Callable[[], str | None] | None = None,
    ) -> None:
        self.name = name
        self.key = _names.dist_key(name)
        self.kind: ProviderKind = kind
        self._version = version
        self._version_of = version_of
        self._lock = threading.Lock()
        self.failures: list[PluginFailure] = []
        self.reserved: list[str] = []
        self.namespaces: set[str] = {self.key}
        self.hooks_skipped = False  #: blocked at discovery, so its hook modules were not imported

    @property
    def version(self) -> str | None:
        """The installed version, if known."""
        if self._version is None and self._version_of is not None:
            self._version, self._version_of = self._version_of(), None
        return self._version

    @version.setter
    def version(self, value: str | None) -> None:
        self._version, self._version_of = value, None

    def fail(
        self, where: str, reason: str, error: BaseException | None = None, *, stage: Stage = "plugin"
    ) -> None:
        """Record a failure for the plugin report (the same failure twice counts once)."""
        from ._records import PluginFailure

        with self._lock:
            if any(f.where == where and f.reason == reason for f in self.failures):
                return  # the same failure seen again (a resolver or factory asked twice)
            self.failures.append(PluginFailure(self.name, self.version, where, reason, error, stage))


class Entry:
    """A registered name: its factory (or the entry point that will give it) and provenance."""

    __slots__ = (
        "accepted",
        "aliases",
        "builds_dtype",
        "ep",
        "error",
        "factory",
        "name",
        "namespace",
        "provider",
        "required",
        "source",
        "target",
        "var_kw",
    )

    def __init__(
        self,
        name: str,
        provider: Provider,
        source: Source,
        *,
        factory: Callable[..., Any] | None = None,
        aliases: tuple[str, ...] = (),
        ep: Any = None,
        target: str | None = None,
        namespace: str | None = None,
    ) -> None:
        self.name = name
        self.provider = provider
        self.source: Source = source
        self.aliases = aliases
        self.ep = ep
        self.target = target
        self.namespace = namespace
        self.error: BaseException | None = None
        self.factory: Callable[..., Any] | None = None
        self.accepted: frozenset[str] = frozenset()
        self.required: tuple[str, ...] = ()
        self.var_kw = False
        self.builds_dtype = True
        if factory is not None:
            self.set_factory(factory)

    @property
    def qualified(self) -> str:
        """``namespace:name``, or ``distribution:name`` without a declared namespace."""
        return f"{self.namespace or self.provider.name}:{self.name}"

    def set_factory(self, factory: Callable[..., Any]) -> None:
        """Keep ``factory`` and what its signature accepts."""
        try:
            import inspect  # on first use: keeps `import mlxinit` light

            sig = inspect.signature(factory)
        except (TypeError, ValueError):  # some builtins and C callables have none
            sig = None
        accepted: set[str] = set()
        required: list[str] = []
        var_kw = sig is None
        builds_dtype = sig is None
        if sig is not None:
            for p in sig.parameters.values():
                if p.kind is p.VAR_KEYWORD:
                    var_kw = True
                    builds_dtype = True
                elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                    if p.name == "dtype":
                        builds_dtype = True
                    elif p.name not in RESERVED_PARAMS:
                        accepted.add(p.name)
                        if p.default is p.empty:
                            required.append(p.name)
        self.accepted = frozenset(accepted)
        self.required = tuple(required)
        self.var_kw = var_kw
        self.builds_dtype = builds_dtype
        if self.target is None:
            mod = getattr(factory, "__module__", None)
            qual = getattr(factory, "__qualname__", None)
            if mod and qual:
                self.target = f"{mod}:{qual}"
        self.factory = factory


class PresetEntry:
    """A registered whole-model preset: the callable, or the entry point that will give it."""

    __slots__ = ("ep", "error", "key", "name", "preset", "provider", "source", "target")

    def __init__(
        self,
        name: str,
        provider: Provider,
        source: Source,
        *,
        preset: Callable[..., Any] | None = None,
        ep: Any = None,
        target: str | None = None,
    ) -> None:
        self.name = name
        self.key = _names.key(name)
        self.provider = provider
        self.source: Source = source
        self.preset = preset
        self.ep = ep
        self.error: BaseException | None = None
        if target is None and preset is not None:
            mod = getattr(preset, "__module__", None)
            qual = getattr(preset, "__qualname__", None)
            target = f"{mod}:{qual}" if mod and qual else None
        self.target = target

    @property
    def qualified(self) -> str:
        """``distribution:name``."""
        return f"{self.provider.name}:{self.name}"


_F = TypeVar("_F", bound=Callable[..., Any])


class Registrar:
    """What a plugin's ``mlxinit_register_initializers`` hook receives.

    It registers into the registry on behalf of one distribution, so every name it
    adds is attributed to that distribution (source ``"hook"``).

    Attributes:
        distribution: the name of the distribution the hook belongs to.
    """

    def __init__(self, sink: Callable[[str, Callable[..., Any], Iterable[str]], None], provider_name: str) -> None:
        self._sink = sink
        self.distribution = provider_name

    def register(self, name: str, factory: _F, *, aliases: Iterable[str] = ()) -> _F:
        """Register ``factory`` under ``name`` (optionally ``"namespace:name"``) and ``aliases``.

        Returns:
            ``factory``.

        Raises:
            RegistrationError: a malformed name or alias, a non-callable factory, or a
                name this plugin already registered.
        """
        self._sink(name, factory, aliases)
        return factory


# ----------------------------------------------------------------------------- checks


def check_type(name: object, what: str = "name") -> str:
    """``name`` if it is a string, else :class:`RegistrationError`."""
    if not isinstance(name, str):
        raise RegistrationError(f"Initializer {what}: expected a string, got {name!r}.")
    return name


def check_name(name: object, what: str = "name") -> str:
    """``name`` if it is a canonical (lower snake case) name, else :class:`RegistrationError`."""
    name = check_type(name, what)
    if not _names.is_canonical(name):
        raise RegistrationError(
            f"Initializer {what}: expected lower snake case such as 'scaled_normal', got {name!r}."
        )
    return name


def check_namespace(namespace: str, provider: Provider) -> str:
    """Validate a plugin-declared namespace (``"acme"`` in ``"acme:scaled_normal"``)."""
    if not _NAMESPACE.match(namespace):
        raise RegistrationError(
            f"Namespace {namespace!r} of {provider.name}: expected letters, digits, '-', '_' or '.', "
            "like a distribution name."
        )
    if _names.dist_key(namespace) in RESERVED_DISTRIBUTIONS and provider.key != _names.dist_key(namespace):
        raise RegistrationError(
            f"Namespace {namespace!r} is reserved for the built-in initializers; {provider.name} cannot use it."
        )
    return namespace


def make_entry(
    name: object,
    factory: object,
    aliases: object,
    provider: Provider,
    source: Source,
    namespace: str | None = None,
) -> Entry:
    """A checked entry: canonical name and aliases, a callable factory."""
    name = check_name(name)
    if isinstance(aliases, str):
        raise RegistrationError(f"aliases of {name!r}: expected a sequence of names, got the string {aliases!r}.")
    if not isinstance(aliases, Iterable):
        raise RegistrationError(f"aliases of {name!r}: expected a sequence of names, got {aliases!r}.")
    try:
        listed = list(aliases)
    except TypeError:  # iterable by its type only, such as a 0-d mx.array
        raise RegistrationError(f"aliases of {name!r}: expected a sequence of names, got {aliases!r}.") from None
    als = tuple(dict.fromkeys(check_name(a, "alias") for a in listed))
    if not callable(factory):
        raise RegistrationError(f"Initializer {name!r}: expected a callable factory, got {factory!r}.")
    return Entry(name, provider, source, factory=factory, aliases=als, namespace=namespace)


def split_qualified(name: str) -> tuple[str | None, str]:
    """``"ns:name"`` → ``("ns", "name")``; ``"name"`` → ``(None, "name")``."""
    ns, sep, plain = name.rpartition(":")
    return (ns, plain) if sep else (None, name)


def own_keys(entry: Entry) -> set[str]:
    """The keys of an entry's name and aliases within its namespace.

    A distribution claims each (namespace, name) once; it may offer one name under two
    namespaces of its own (``keras:he_normal`` and ``jax:he_normal``), which then makes
    the distribution-qualified and plain names ambiguous (a conflict naming both).
    """
    ns = entry.namespace or ""
    return {f"{ns}:{_names.key(n)}" for n in (entry.name, *entry.aliases)}


def listed_name(entry: Entry, reserved: frozenset[str]) -> str:
    """The one form a name is shown in everywhere (listings, the plugin report, ``info``).

    ``namespace:name`` where the plugin declared a namespace; ``distribution:name`` for a
    plugin's plain claim on a reserved name (only that form reaches it); else the plain name.
    """
    if entry.namespace:
        return f"{entry.namespace}:{entry.name}"
    if entry.provider.kind == "plugin" and _names.key(entry.name) in reserved:
        return f"{entry.provider.name}:{entry.name}"
    return entry.name


# ----------------------------------------------------------------------------- introspection


def summary(doc: str | None) -> str | None:
    """The first non-empty line of a docstring."""
    if not doc:
        return None
    import inspect  # on first use: keeps `import mlxinit` light

    for line in inspect.cleandoc(doc).splitlines():
        if line.strip():
            return line.strip()
    return None


def param_infos(factory: Callable[..., Any], skip: int = 0) -> tuple[ParamInfo, ...]:
    """The keyword parameters of ``factory`` (after ``skip`` leading positional ones)."""
    import inspect  # on first use: keeps `import mlxinit` light

    from ._records import ParamInfo

    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return ()
    out = []
    for i, p in enumerate(sig.parameters.values()):
        if i < skip and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in RESERVED_PARAMS:
            ann = p.annotation
            ann_s = None if ann is p.empty else (ann if isinstance(ann, str) else getattr(ann, "__name__", repr(ann)))
            out.append(ParamInfo(p.name, p.default, ann_s, p.default is p.empty))
    return tuple(out)
