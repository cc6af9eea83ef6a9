"""The registry: names → initializer factories, from built-ins, runtime and plugins."""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from . import _names
from ._build import RESERVED_PARAMS, build, split_config
from ._errors import (
    InitializerConflictError,
    InvalidIdentifierError,
    MlxinitError,
    MlxinitWarning,
    PluginError,
    RegistrationError,
    UnknownInitializerError,
)
from ._initializer import Initializer, wrap_callable

if TYPE_CHECKING:
    from ._discovery import DiscoveryResult, DistributionSource

__all__ = [
    "InitializerInfo",
    "MlxinitWarning",
    "ParamInfo",
    "PluginFailure",
    "PluginInfo",
    "PluginReport",
    "Registrar",
    "Registry",
]

BUILTIN = "builtin"
RUNTIME = "runtime"
ENTRY_POINT = "entry-point"
HOOK = "hook"

#: Keywords of a factory that are not hyper-parameters.
_RESERVED_PARAMS = RESERVED_PARAMS


class ParamInfo(NamedTuple):
    """One hyper-parameter of a factory."""

    name: str
    default: Any  #: ``inspect.Parameter.empty`` when required
    annotation: str | None
    required: bool


class InitializerInfo(NamedTuple):
    """What :func:`mlxinit.info` tells about a name.

    ``params``, ``summary`` and ``doc`` are ``None`` for an entry point that is not
    loaded yet (reading them would import the plugin); ``loaded`` says which.
    """

    name: str
    aliases: tuple[str, ...]
    params: tuple[ParamInfo, ...] | None
    summary: str | None
    doc: str | None
    source: str
    distribution: str | None
    version: str | None
    target: str | None
    loaded: bool
    qualified_names: tuple[str, ...] = ()


class PluginFailure(NamedTuple):
    """Something a plugin did wrong, kept for the plugin report."""

    distribution: str
    version: str | None
    where: str  #: the entry point or hook involved
    reason: str
    error: BaseException | None = None
    #: ``"metadata"`` (a bad declaration), ``"plugin"`` (a hook module failed to import, was
    #: rejected or raised), ``"load"`` (an entry point failed to import), ``"factory"``,
    #: ``"resolver"`` or ``"selection"`` (``MLXINIT_PLUGINS`` names a missing distribution).
    stage: str = "plugin"


class _PluginInfoFields(NamedTuple):
    distribution: str
    version: str | None
    names: tuple[str, ...]
    entry_points: tuple[str, ...]
    failures: tuple[PluginFailure, ...]
    reserved: tuple[str, ...]  #: names it declared that belong to the built-ins
    blocked: bool


class PluginInfo:
    """One plugin distribution as discovery saw it (read-only).

    Attributes:
        distribution, version: as installed.
        names: the initializer names it provides (qualified where it declared a namespace).
        entry_points: its ``mlxinit.initializers`` targets.
        failures: what went wrong with it.
        reserved: names it declared that belong to the built-ins.
        blocked: hidden by ``MLXINIT_BLOCK`` or :func:`mlxinit.block`.
    """

    __slots__ = ("_f",)

    def __init__(
        self,
        distribution: str,
        version: str | None,
        names: tuple[str, ...],
        entry_points: tuple[str, ...],
        failures: tuple[PluginFailure, ...],
        reserved: tuple[str, ...],
        blocked: bool,
    ) -> None:
        object.__setattr__(
            self, "_f", _PluginInfoFields(distribution, version, names, entry_points, failures, reserved, blocked)
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_f"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"PluginInfo is read-only; cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PluginInfo) and self._f == other._f

    def __hash__(self) -> int:
        return hash(self._f)

    def __repr__(self) -> str:
        return "PluginInfo(" + ", ".join(f"{k}={v!r}" for k, v in self._f._asdict().items()) + ")"

    if TYPE_CHECKING:
        distribution: str
        version: str | None
        names: tuple[str, ...]
        entry_points: tuple[str, ...]
        failures: tuple[PluginFailure, ...]
        reserved: tuple[str, ...]
        blocked: bool

    @property
    def count(self) -> int:
        """How many initializer names it provides."""
        return len(self._f.names)


class PluginReport(NamedTuple):
    """Everything discovery found: plugins, failures, conflicts and the controls in force."""

    plugins: tuple[PluginInfo, ...]
    conflicts: Mapping[str, tuple[str, ...]]  #: plain name → qualified names claiming it
    autoload: bool
    selected: tuple[str, ...] | None  #: ``MLXINIT_PLUGINS``, when set
    blocked: tuple[str, ...]
    scans: int

    @property
    def failures(self) -> tuple[PluginFailure, ...]:
        """Every failure of every plugin."""
        return tuple(f for p in self.plugins for f in p.failures)


class _Provider:
    """Where entries come from: the built-ins, runtime registration, or one distribution."""

    __slots__ = ("failures", "hooks_skipped", "key", "kind", "name", "namespaces", "reserved", "version")

    def __init__(self, name: str, kind: str, version: str | None = None) -> None:
        self.name = name
        self.key = _names.dist_key(name)
        self.kind = kind
        self.version = version
        self.failures: list[PluginFailure] = []
        self.reserved: list[str] = []
        self.namespaces: set[str] = {self.key}
        self.hooks_skipped = False  #: blocked at discovery, so its hook modules were not imported

    def fail(
        self, where: str, reason: str, error: BaseException | None = None, *, stage: str = "plugin"
    ) -> None:
        if any(f.where == where and f.reason == reason for f in self.failures):
            return  # the same failure seen again (a resolver or factory asked twice)
        self.failures.append(PluginFailure(self.name, self.version, where, reason, error, stage))


class _Entry:
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
        provider: _Provider,
        source: str,
        *,
        factory: Callable[..., Any] | None = None,
        aliases: tuple[str, ...] = (),
        ep: Any = None,
        target: str | None = None,
        namespace: str | None = None,
    ) -> None:
        self.name = name
        self.provider = provider
        self.source = source
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
        return f"{self.namespace or self.provider.name}:{self.name}"

    def set_factory(self, factory: Callable[..., Any]) -> None:
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
                    elif p.name not in _RESERVED_PARAMS:
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


def _summary(doc: str | None) -> str | None:
    if not doc:
        return None
    import inspect  # on first use: keeps `import mlxinit` light
    for line in inspect.cleandoc(doc).splitlines():
        if line.strip():
            return line.strip()
    return None


class Registrar:
    """What a plugin's ``mlxinit_register_initializers`` hook receives.

    It registers into the registry on behalf of one distribution, so every name it
    adds is attributed to that distribution (source ``"hook"``).
    """

    def __init__(self, sink: Callable[..., None], provider_name: str) -> None:
        self._sink = sink
        self.distribution = provider_name

    def register(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        aliases: Iterable[str] = (),
    ) -> Callable[..., Any]:
        """Register ``factory`` under ``name`` (optionally ``"namespace:name"``) and ``aliases``."""
        self._sink(name, factory, tuple(aliases))
        return factory


def _split_qualified(name: str) -> tuple[str | None, str]:
    ns, sep, plain = name.rpartition(":")
    return (ns, plain) if sep else (None, name)


class _PluginState:
    """Everything discovery contributes; built off to the side, then swapped in at once."""

    def __init__(self) -> None:
        self.providers: dict[str, _Provider] = {}
        self.plain: dict[str, list[_Entry]] = {}
        self.qualified: dict[str, list[_Entry]] = {}
        self.entries: list[_Entry] = []
        self.plugin_manager: Any = None
        self.resolvers: list[tuple[_Provider, Callable[..., Any]]] = []
        self.autoload = True
        self.selected: tuple[str, ...] | None = None
        self.env_blocked: frozenset[str] = frozenset()  #: ``MLXINIT_BLOCK`` as read at discovery
        self.env_preferences: dict[str, str] = {}  #: ``MLXINIT_PREFER`` as read at discovery


class Registry:
    """A registry of named initializer factories.

    The module-level functions (:func:`mlxinit.get`, :func:`mlxinit.register`, …) use
    one default instance created on first use; build your own for isolation.

    Args:
        builtins: register the built-in initializers (through their plugin hook).
        plugins: discover installed plugins (lazily, on the first lookup that needs it).
        environ: where to read the ``MLXINIT_*`` controls; ``os.environ`` by default,
            read at discovery time.
        distributions: a callable returning the distributions to scan (for tests,
            see :mod:`mlxinit.testing`); ``importlib_metadata.distributions`` by default.
    """

    def __init__(
        self,
        *,
        builtins: bool = True,
        plugins: bool = True,
        environ: Mapping[str, str] | None = None,
        distributions: DistributionSource | None = None,
    ) -> None:
        self._lock = threading.RLock()
        # Re-entrant: a plugin imported during discovery may call back into the registry.
        self._discovery_lock = threading.RLock()
        self._discovery_owner: int | None = None
        self._module_locks: dict[str, threading.RLock] = {}
        self._module_errors: dict[str, BaseException] = {}
        self._plugins_enabled = plugins
        self._environ = environ
        self._distributions = distributions
        self._builtin: dict[str, _Entry] = {}
        self._runtime: dict[str, _Entry] = {}
        self._runtime_provider = _Provider(RUNTIME, RUNTIME)
        self._builtin_provider = _Provider("mlxinit", BUILTIN)
        self._plugins = _PluginState()
        self._discovered = not plugins
        self._scans = 0
        self._blocked: set[str] = set()
        self._preferences: dict[str, str] = {}
        self._cache: dict[str, _Entry] = {}
        if builtins:
            from ._discovery import register_builtins

            register_builtins(self, self._builtin_provider)

    # ------------------------------------------------------------------ registration

    @staticmethod
    def _check_type(name: object, what: str = "name") -> str:
        if not isinstance(name, str):
            raise RegistrationError(f"Initializer {what}: expected a string, got {name!r}.")
        return name

    def _check_name(self, name: object, what: str = "name") -> str:
        name = self._check_type(name, what)
        if not _names.is_canonical(name):
            raise RegistrationError(
                f"Initializer {what}: expected lower snake case such as 'scaled_normal', "
                f"got {name!r}."
            )
        return name

    def _add_builtin(self, name: str, factory: Callable[..., Any], aliases: tuple[str, ...]) -> None:
        """Called by the built-in plugin's hook (through the same registrar plugins get)."""
        entry = self._make_entry(name, factory, aliases, self._builtin_provider, BUILTIN)
        keys = [_names.key(n) for n in (entry.name, *entry.aliases)]
        with self._lock:
            for k, n in zip(keys, (entry.name, *entry.aliases), strict=True):
                if k in self._builtin:
                    raise RegistrationError(f"Built-in name {n!r} is registered twice.")
            for k in keys:
                self._builtin[k] = entry
            self._cache.clear()

    def _make_entry(
        self,
        name: str,
        factory: Any,
        aliases: Iterable[str],
        provider: _Provider,
        source: str,
        namespace: str | None = None,
    ) -> _Entry:
        self._check_name(name)
        if isinstance(aliases, str):
            raise RegistrationError(
                f"aliases of {name!r}: expected a sequence of names, got the string {aliases!r}."
            )
        if not isinstance(aliases, Iterable):
            raise RegistrationError(f"aliases of {name!r}: expected a sequence of names, got {aliases!r}.")
        als = tuple(dict.fromkeys(self._check_name(a, "alias") for a in aliases))
        if not callable(factory):
            raise RegistrationError(
                f"Initializer {name!r}: expected a callable factory, got {factory!r}."
            )
        return _Entry(name, provider, source, factory=factory, aliases=als, namespace=namespace)

    def register(
        self,
        name: str,
        factory: Callable[..., Any] | None = None,
        *,
        aliases: Iterable[str] = (),
        override: bool = False,
    ) -> Any:
        """Register ``factory`` under ``name`` (and ``aliases``) at runtime.

        Usable directly or as a decorator (``@registry.register("my_init")``).

        A name or alias that is taken (by a built-in, a runtime registration, or a
        plugin already discovered) raises :class:`RegistrationError` unless
        ``override=True``; registering the same factory under the same name again is a
        no-op. With ``override=True`` the runtime registration shadows a built-in for
        this registry until :meth:`unregister` removes it. A runtime name also takes
        precedence over plugins discovered later.

        Returns:
            ``factory`` (so the decorator form leaves the function in place).
        """
        if factory is None:

            def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
                self.register(name, f, aliases=aliases, override=override)
                return f

            return decorator
        entry = self._make_entry(name, factory, aliases, self._runtime_provider, RUNTIME)
        with self._lock:
            current = self._runtime.get(_names.key(entry.name))
            if (
                current is not None
                and current.factory is factory
                and current.name == entry.name
                and set(entry.aliases) <= set(current.aliases)
            ):
                return factory
            if not override:
                for n in (entry.name, *entry.aliases):
                    taken = self._taken_by(_names.key(n))
                    if taken is not None:
                        raise RegistrationError(
                            f"Cannot register {n!r}: the name is taken by {taken}. "
                            "Pass override=True to replace it, or choose another name."
                        )
            for n in (entry.name, *entry.aliases):
                old = self._runtime.pop(_names.key(n), None)
                if old is not None:
                    self._drop_runtime(old)
            for n in (entry.name, *entry.aliases):
                self._runtime[_names.key(n)] = entry
            self._cache.clear()
        return factory

    def _drop_runtime(self, entry: _Entry) -> None:
        for n in (entry.name, *entry.aliases):
            k = _names.key(n)
            if self._runtime.get(k) is entry:
                del self._runtime[k]

    def _taken_by(self, k: str) -> str | None:
        if k in self._runtime:
            e = self._runtime[k]
            return f"the runtime registration {e.name!r}"
        if k in self._builtin:
            return f"the built-in initializer {self._builtin[k].name!r}"
        claims = self._plugins.plain.get(k)
        if claims:
            return "plugin " + ", ".join(sorted({c.provider.name for c in claims}))
        return None

    def unregister(self, name: str) -> None:
        """Remove a runtime registration (its name and aliases).

        Raises:
            RegistrationError: ``name`` is a built-in or plugin name.
            UnknownInitializerError: nothing is registered under ``name``.
        """
        k = _names.key(self._check_type(name))
        with self._lock:
            entry = self._runtime.get(k)
            if entry is not None:
                self._drop_runtime(entry)
                self._cache.clear()
                return
            if k in self._builtin:
                raise RegistrationError(f"{name!r} is a built-in initializer; it cannot be unregistered.")
            if k in self._plugins.plain:
                dists = sorted({c.provider.name for c in self._plugins.plain[k]})
                raise RegistrationError(
                    f"{name!r} comes from plugin {', '.join(dists)}; "
                    "hide a plugin with mlxinit.block(distribution) instead."
                )
        raise UnknownInitializerError(name, self._suggest(name))

    # ------------------------------------------------------------------ discovery

    def _ensure_discovered(self) -> None:
        if self._discovered:
            return
        if self._discovery_owner == threading.get_ident():
            return  # called back by a plugin while it is being imported: it sees what is there so far
        with self._discovery_lock:
            if self._discovered:
                return
            from ._discovery import discover

            self._discovery_owner = threading.get_ident()
            try:
                result = discover(self, self._environ, self._distributions)
                self._install(result)
            finally:
                self._discovery_owner = None

    def _install(self, result: DiscoveryResult) -> None:
        state = _PluginState()
        state.autoload = result.autoload
        state.selected = result.selected
        state.plugin_manager = result.plugin_manager
        state.resolvers = list(result.resolvers)
        state.env_blocked = result.blocked
        state.env_preferences = dict(result.preferences)
        for prov in result.providers:
            state.providers[prov.key] = prov
        for entry in result.entries:
            self._index_plugin_entry(state, entry)
        with self._lock:
            self._plugins = state
            if result.scanned:
                self._scans += 1
            self._discovered = True
            self._cache.clear()

    def _index_plugin_entry(self, state: _PluginState, entry: _Entry) -> None:
        prov = entry.provider
        names = (entry.name, *entry.aliases)
        qual_prefixes = {prov.key}
        if entry.namespace:
            qual_prefixes.add(_names.dist_key(entry.namespace))
            prov.namespaces.add(_names.dist_key(entry.namespace))
        for n in names:
            for pre in qual_prefixes:
                lst = state.qualified.setdefault(f"{pre}:{_names.key(n)}", [])
                if entry not in lst:
                    lst.append(entry)
            k = _names.key(n)
            if k in self._builtin:
                if entry.namespace is None and n not in prov.reserved:  # a plain claim on a reserved name
                    prov.reserved.append(n)
                    warnings.warn(
                        f"Plugin {prov.name} declares {n!r}, a built-in mlxinit name; "
                        f"the built-in keeps the name (use {prov.name + ':' + n!r} for the plugin's).",
                        MlxinitWarning,
                        stacklevel=2,
                    )
                continue
            lst = state.plain.setdefault(k, [])
            if entry not in lst:
                lst.append(entry)
        state.entries.append(entry)

    def refresh(self) -> None:
        """Forget what discovery found and scan again on the next lookup that needs it.

        Use after installing a plugin at runtime (``pip install``) or changing ``sys.path``.
        The ``MLXINIT_*`` environment controls are read again too. Runtime registrations,
        :meth:`block` and :meth:`prefer` choices are kept.

        Example:
            >>> reg = Registry(plugins=False)
            >>> reg.refresh()
            >>> reg.scans
            0
        """
        import importlib

        importlib.invalidate_caches()  # new files in a folder already on sys.path
        with self._discovery_lock, self._lock:
            self._plugins = _PluginState()
            self._discovered = not self._plugins_enabled
            self._module_errors.clear()
            self._cache.clear()

    def block(self, distribution: str) -> None:
        """Hide every name a distribution provides (as ``MLXINIT_BLOCK`` does).

        A distribution blocked before discovery never has its hook modules imported.

        Args:
            distribution: its name as installed (``_``, ``-`` and ``.`` are equivalent).

        Raises:
            RegistrationError: ``distribution`` is mlxinit itself (built-ins cannot be blocked).

        Example:
            >>> reg = Registry(plugins=False)
            >>> reg.block("acme-inits")
            >>> reg.plugin_report().blocked
            ('acme-inits',)
        """
        k = _names.dist_key(distribution)
        if k == self._builtin_provider.key:
            raise RegistrationError("The built-in initializers (distribution 'mlxinit') cannot be blocked.")
        with self._lock:
            self._blocked.add(k)
            self._cache.clear()

    def unblock(self, distribution: str) -> None:
        """Undo :meth:`block` for ``distribution`` (no-op if it was not blocked).

        ``MLXINIT_BLOCK`` still applies; it is read again by :meth:`refresh`. If the
        distribution was blocked when plugins were discovered, its hook modules were not
        imported, so the next lookup that needs plugins discovers them again.
        """
        k = _names.dist_key(distribution)
        with self._lock:
            self._blocked.discard(k)
            prov = self._plugins.providers.get(k)
            if prov is not None and prov.hooks_skipped and k not in self._plugins.env_blocked:
                self._plugins = _PluginState()
                self._discovered = not self._plugins_enabled
            self._cache.clear()

    def prefer(self, name: str, distribution: str) -> None:
        """Resolve the plain ``name`` to ``distribution``'s initializer when several claim it.

        Takes precedence over ``MLXINIT_PREFER=name=distribution``. ``distribution`` may
        also be a namespace the plugin declared.

        Example:
            >>> reg = Registry(plugins=False)
            >>> reg.prefer("scaled_normal", "acme-inits")
        """
        if not isinstance(name, str) or not isinstance(distribution, str):
            raise RegistrationError(
                f"prefer(name, distribution): expected two strings, got {name!r} and {distribution!r}."
            )
        with self._lock:
            self._preferences[_names.key(name)] = _names.dist_key(distribution)
            self._cache.clear()

    def _blocked_now(self) -> set[str]:
        return self._blocked | self._plugins.env_blocked

    # ------------------------------------------------------------------ resolution

    def _visible(self, entries: Sequence[_Entry], blocked: set[str]) -> list[_Entry]:
        return [e for e in entries if e.provider.key not in blocked]

    def _resolve(self, name: str) -> _Entry:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        if not isinstance(name, str):
            raise InvalidIdentifierError(
                f"Initializer name: expected a string, got {name!r} of type {type(name).__name__}."
            )
        ns, plain = _split_qualified(name.strip())
        k = _names.key(plain)
        entry: _Entry | None = None
        if ns is None:
            entry = self._runtime.get(k) or self._builtin.get(k)
            if entry is None and k:
                entry = self._resolve_plugin_plain(name, k)
        elif _names.dist_key(ns) == self._builtin_provider.key:
            entry = self._builtin.get(k)
        elif ns and k and self._plugins_enabled:
            entry = self._resolve_plugin_qualified(name, _names.dist_key(ns), k)
        if entry is None and self._plugins_enabled and k:
            entry = self._ask_resolvers(name, None if ns is None else _names.dist_key(ns), plain.strip())
        if entry is None:
            raise self._unknown_with_cause(name, ns)
        with self._lock:
            self._cache[name] = entry
        return entry

    def _resolve_plugin_qualified(self, name: str, nskey: str, k: str) -> _Entry | None:
        self._ensure_discovered()
        blocked = self._blocked_now()
        cands = self._visible(self._plugins.qualified.get(f"{nskey}:{k}", []), blocked)
        if len(cands) > 1:  # a distribution's own name beats a namespace another plugin declared
            own = [e for e in cands if e.provider.key == nskey]
            cands = own or cands
        if len(cands) > 1:
            raise InitializerConflictError(
                name, _claims(cands)
            )
        return cands[0] if cands else None

    def _preferred(self, k: str, cands: Sequence[_Entry]) -> _Entry | None:
        pref = self._preferences.get(k) or self._plugins.env_preferences.get(k)
        if pref is None:
            return None
        chosen = [e for e in cands if e.provider.key == pref or _names.dist_key(e.namespace or "") == pref]
        return chosen[0] if len(chosen) == 1 else None

    def _resolve_plugin_plain(self, name: str, k: str) -> _Entry | None:
        if not self._plugins_enabled:
            return None
        self._ensure_discovered()
        blocked = self._blocked_now()
        cands = self._visible(self._plugins.plain.get(k, []), blocked)
        if len(cands) > 1:
            chosen = self._preferred(k, cands)
            if chosen is not None:
                return chosen
            raise InitializerConflictError(
                name, _claims(cands)
            )
        return cands[0] if cands else None

    def _ask_resolvers(self, name: str, nskey: str | None, plain: str) -> _Entry | None:
        """Ask the plugins' ``mlxinit_resolve_initializer`` hooks about a name nobody declared.

        A qualified name asks only the resolvers of that distribution (or namespace); a
        plain name asks every resolver, and two answers are a conflict like two declarations.
        """
        self._ensure_discovered()
        blocked = self._blocked_now()
        answers: list[_Entry] = []
        for prov, resolver in self._plugins.resolvers:
            if prov.key in blocked or (nskey is not None and nskey not in prov.namespaces):
                continue
            try:
                factory = resolver(name=plain)
            except Exception as e:  # a broken resolver breaks only itself
                prov.fail(
                    "mlxinit_resolve_initializer", f"raised {type(e).__name__} for {plain!r}: {e}", e,
                    stage="resolver",
                )
                continue
            if factory is None:
                continue
            if not callable(factory):
                prov.fail(
                    "mlxinit_resolve_initializer",
                    f"returned {factory!r} for {plain!r}, which is not a factory",
                    stage="resolver",
                )
                continue
            ns = None if nskey is None or nskey == prov.key else nskey
            answers.append(_Entry(plain, prov, HOOK, factory=factory, namespace=ns))
        if len(answers) > 1:
            chosen = self._preferred(_names.key(plain), answers)
            if chosen is not None:
                return chosen
            raise InitializerConflictError(
                name, _claims(answers)
            )
        return answers[0] if answers else None

    def _all_names(self) -> list[str]:
        names = {e.name for e in self._builtin.values()}
        names |= {n for e in self._builtin.values() for n in e.aliases}
        names |= {e.name for e in self._runtime.values()}
        names |= {n for e in self._runtime.values() for n in e.aliases}
        blocked = self._blocked_now()
        for e in self._plugins.entries:
            if e.provider.key not in blocked:
                names.add(e.name)
                names.update(e.aliases)
        return sorted(names)

    def _suggest(self, name: str) -> list[str]:
        return _names.close_matches(_split_qualified(name)[1], self._all_names())

    def _unknown_with_cause(self, name: str, ns: str | None) -> MlxinitError:
        """The error for a name nothing resolves, chained to the plugin failure that may explain it."""
        st = self._plugins
        if ns is not None:
            prov = st.providers.get(_names.dist_key(ns))
            hard = [f for f in prov.failures if f.stage == "plugin"] if prov is not None else []
            if prov is not None and hard:
                err = PluginError(
                    f"Unknown initializer {name!r}: plugin distribution {prov.name} "
                    f"{prov.version or ''} failed to load ({hard[0].where}: {hard[0].reason}).",
                    distribution=prov.name,
                    version=prov.version,
                    plugin=hard[0].where,
                )
                err.__cause__ = hard[0].error
                return err
        unknown = self._unknown(name)
        hard = [f for p in st.providers.values() for f in p.failures if f.stage == "plugin"]
        if hard and len({f.distribution for f in hard}) == 1:  # the one broken plugin may explain it
            unknown.__cause__ = hard[0].error
        return unknown

    def _unknown(self, name: str) -> UnknownInitializerError:
        hint = ""
        if isinstance(name, str) and (":" in name or "." in name) and not _names.is_canonical(name):
            hint = "Names resolve only to registered initializers and declared entry points."
        hidden = ""
        if isinstance(name, str):
            ns, plain = _split_qualified(name.strip())
            k = _names.key(plain)
            claims = self._plugins.qualified.get(f"{_names.dist_key(ns)}:{k}", []) if ns else (
                self._plugins.plain.get(k, [])
            )
            blocked = sorted({e.provider.name for e in claims if e.provider.key in self._blocked_now()})
            if blocked:
                hidden = (
                    f"It is provided by blocked distribution {', '.join(blocked)} "
                    f"(mlxinit.unblock({blocked[0]!r}) or MLXINIT_BLOCK)."
                )
        failed = sorted(
            {f.distribution for p in self._plugins.providers.values() for f in p.failures if f.stage == "plugin"}
        )
        parts = [p for p in (hint, hidden) if p]
        if failed:
            parts.append(
                f"Some plugins failed to load ({', '.join(failed)}); "
                "see mlxinit.plugin_report() or `mlxinit plugins`."
            )
        possibilities = self._suggest(name)
        return UnknownInitializerError(
            name, possibilities, [] if possibilities else self.available(), hint=" ".join(parts)
        )

    # ------------------------------------------------------------------ lookup API

    def get(
        self,
        identifier: Any,
        *,
        dtype: Any = None,
        seed: int | None = None,
        key: Any = None,
        **params: Any,
    ) -> Initializer:
        """Resolve ``identifier`` to an :class:`mlxinit.Initializer`.

        Args:
            identifier: a name (``"he_normal"``, ``"HeNormal"``, ``"acme-inits:scaled"``),
                a config mapping (``{"name": "uniform", "low": -0.1, "dtype": "bf16"}``),
                an :class:`mlxinit.Initializer` (returned as is, or rebuilt from its config
                with what is given here), or a bare callable (wrapped, not serializable).
            dtype: an ``mx.Dtype`` or its name; the factory's default (``float32``) if ``None``.
            seed: an ``int`` in ``[0, 2**64)``: the initializer draws from its own key stream
                (call ``i`` uses the ``i``-th key split off ``mx.random.key(seed)``), never from
                MLX's global generator (see :ref:`seeds`).
            key: an ``mx.random.key(...)`` to use instead of ``seed``.
            **params: hyper-parameters for the factory; they override a config's.

        Raises:
            UnknownInitializerError: no such name (with "did you mean").
            InitializerConflictError: several plugins claim the plain name.
            InvalidParameterError: a bad hyper-parameter (and its subclasses).
            DtypeError: an unknown or non-floating dtype.
            InvalidIdentifierError: an identifier of the wrong kind, or a bad config.
            PluginError, FactoryError: the plugin or factory behind the name failed.
        """
        if isinstance(identifier, str):
            entry = self._cache.get(identifier) or self._resolve(identifier)
        elif isinstance(identifier, Initializer) and identifier.serializable:
            if dtype is None and seed is None and key is None and not params:
                return identifier
            identifier, dtype, seed, key, params = split_config(identifier.config, dtype, seed, key, params)
            entry = self._resolve(identifier)
        elif isinstance(identifier, Mapping):
            identifier, dtype, seed, key, params = split_config(identifier, dtype, seed, key, params)
            entry = self._resolve(identifier)
        elif callable(identifier):
            extra = [*params]
            extra += [n for n, v in (("dtype", dtype), ("seed", seed), ("key", key)) if v is not None]
            if extra:
                given = ", ".join(sorted(extra))
                raise InvalidIdentifierError(
                    f"A bare initializer callable is used as it is, so it takes no parameters; "
                    f"got {given}. Register it under a name to build it with parameters."
                )
            return wrap_callable(identifier)
        else:
            raise InvalidIdentifierError(
                "Initializer identifier: expected a name, a config mapping with a 'name' key, "
                f"an Initializer or a callable; got {identifier!r} of type {type(identifier).__name__}."
            )
        factory = entry.factory or self._load(entry)
        return build(
            entry,
            factory,
            config_name=self._config_name(entry),
            dtype=dtype,
            seed=seed,
            key=key,
            params=params,
            registry=self,
            describe=lambda: f"{entry.target}, {self._describe(entry)}",
            on_failure=None if entry.provider.kind in (BUILTIN, RUNTIME) else (
                lambda reason, error: self._factory_failed(entry, reason, error)
            ),
        )

    def _config_name(self, entry: _Entry) -> str:
        if entry.provider.kind in (BUILTIN, RUNTIME):
            return entry.name
        return f"{entry.namespace or entry.provider.name}:{entry.name}"

    def _load(self, entry: _Entry) -> Callable[..., Any]:
        """Import the module behind an entry point (once per module, also under threads)."""
        if entry.factory is not None:
            return entry.factory
        prov = entry.provider
        if entry.error is None and entry.ep is not None:
            module = entry.ep.module
            with self._lock:
                mlock = self._module_locks.setdefault(module, threading.RLock())
            with mlock:
                if entry.factory is None and entry.error is None:
                    self._import_entry(entry, module)
        if entry.factory is not None:
            return entry.factory
        assert entry.error is not None
        raise PluginError(
            f"Initializer {entry.name!r} from {prov.name} {prov.version or ''} could not be loaded "
            f"from {entry.target}: {type(entry.error).__name__}: {entry.error}",
            distribution=prov.name,
            version=prov.version,
            plugin=entry.target,
        ) from entry.error

    def _import_entry(self, entry: _Entry, module: str) -> None:
        import importlib

        prov = entry.provider
        where = f"entry point {entry.name} = {entry.target}"
        error = self._module_errors.get(module)  # a module that failed is not imported again
        obj: Any = None
        if error is None:
            try:
                obj = importlib.import_module(module)
                for part in (entry.ep.attr or "").split("."):
                    obj = getattr(obj, part) if part else obj
            except Exception as e:
                error = e
                if module not in sys.modules:
                    self._module_errors[module] = e
        if error is None and not callable(obj):
            error = TypeError(f"{entry.target} is {obj!r}, not a callable factory")
        with self._lock:
            if error is not None:
                entry.error = error
                prov.fail(where, f"{type(error).__name__}: {error}", error, stage="load")
            else:
                entry.set_factory(obj)

    @staticmethod
    def _factory_failed(entry: _Entry, reason: str, error: BaseException | None) -> None:
        """Record a plugin factory's failure in the plugin report (runtime ones are the caller's)."""
        if entry.provider.kind not in (BUILTIN, RUNTIME):
            entry.provider.fail(f"factory of {entry.qualified} ({entry.target})", reason, error, stage="factory")

    @staticmethod
    def _describe(entry: _Entry) -> str:
        p = entry.provider
        if p.kind == RUNTIME:
            return "registered at runtime"
        return f"distribution {p.name} {p.version or ''}".rstrip()

    def available(self, pattern: str | None = None) -> list[str]:
        """Sorted canonical names, optionally filtered by a shell-style ``pattern`` (``"he_*"``).

        Lists built-ins, runtime registrations and plugin names (discovering plugins);
        a plugin name registered with a namespace only is listed qualified.

        Raises:
            InvalidIdentifierError: ``pattern`` is not a string.
        """
        if pattern is not None and not isinstance(pattern, str):
            raise InvalidIdentifierError(
                f"available(pattern): expected a shell-style pattern such as 'he_*', got {pattern!r}."
            )
        self._ensure_discovered()
        blocked = self._blocked_now()
        names = {e.name for e in self._builtin.values()}
        names |= {e.name for e in self._runtime.values()}
        for e in self._plugins.entries:
            if e.provider.key in blocked:
                continue
            names.add(e.name if _names.key(e.name) in self._plugins.plain else e.qualified)
        if pattern is not None:
            pat = pattern.lower()
            import fnmatch
            names = {n for n in names if fnmatch.fnmatchcase(n.lower(), pat)}
        return sorted(names)

    def info(self, name: str) -> InitializerInfo:
        """Describe a name: canonical name, aliases, parameters, summary and provenance.

        Reading it does not import a plugin whose entry point is not loaded yet.
        """
        entry = self._resolve(name)
        factory = entry.factory
        params: tuple[ParamInfo, ...] | None = None
        doc = summary = None
        if factory is not None:
            import inspect  # on first use: keeps `import mlxinit` light
            doc = inspect.getdoc(factory)
            summary = _summary(doc)
            params = _param_infos(factory)
        prov = entry.provider
        version = prov.version
        distribution: str | None = prov.name
        if prov.kind == BUILTIN:
            from ._version import version as _v

            version = _v()
        elif prov.kind == RUNTIME:
            distribution = None
        qualified: tuple[str, ...] = ()
        if prov.kind not in (BUILTIN, RUNTIME):
            qualified = tuple(
                dict.fromkeys([f"{prov.name}:{entry.name}", entry.qualified])
            )
        return InitializerInfo(
            name=entry.name,
            aliases=entry.aliases,
            params=params,
            summary=summary,
            doc=doc,
            source=entry.source,
            distribution=distribution,
            version=version,
            target=entry.target,
            loaded=factory is not None,
            qualified_names=qualified,
        )

    def plugin_report(self) -> PluginReport:
        """What discovery found: each plugin distribution, its names and failures, conflicts."""
        self._ensure_discovered()
        blocked = self._blocked_now()
        st = self._plugins
        infos = []
        for prov in st.providers.values():
            mine = [e for e in st.entries if e.provider is prov]
            infos.append(
                PluginInfo(
                    distribution=prov.name,
                    version=prov.version,
                    names=tuple(sorted(e.qualified if e.namespace else e.name for e in mine)),
                    entry_points=tuple(sorted(e.target or "" for e in mine if e.source == ENTRY_POINT)),
                    failures=tuple(prov.failures),
                    reserved=tuple(prov.reserved),
                    blocked=prov.key in blocked,
                )
            )
        conflicts = {}
        for claims in st.plain.values():
            vis = self._visible(claims, blocked)
            if len(vis) > 1:
                conflicts[vis[0].name] = tuple(q for _, _, q in _claims(vis))
        return PluginReport(
            plugins=tuple(sorted(infos, key=lambda p: p.distribution)),
            conflicts=conflicts,
            autoload=st.autoload,
            selected=st.selected,
            blocked=tuple(sorted(blocked)),
            scans=self._scans,
        )

    @property
    def scans(self) -> int:
        """How many times this registry has scanned installed distributions."""
        return self._scans


def _claims(entries: Sequence[_Entry]) -> list[tuple[str, str | None, str]]:
    """``(distribution, version, qualified name)`` of conflicting entries, in a stable order."""
    return sorted((e.provider.name, e.provider.version, e.qualified) for e in entries)


def _param_infos(factory: Callable[..., Any]) -> tuple[ParamInfo, ...]:
    try:
        import inspect  # on first use: keeps `import mlxinit` light
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return ()
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in _RESERVED_PARAMS:
            ann = p.annotation
            ann_s = None if ann is p.empty else (ann if isinstance(ann, str) else getattr(ann, "__name__", repr(ann)))
            out.append(ParamInfo(p.name, p.default, ann_s, p.default is p.empty))
    return tuple(out)
