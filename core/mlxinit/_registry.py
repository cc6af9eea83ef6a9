"""The registry: names → initializer factories and presets, from built-ins, runtime and plugins.

:class:`Registry` is a thin facade over the modules that do the work:

* :mod:`mlxinit._entries`: entries, providers, the registrar plugins get, the checks;
* :mod:`mlxinit._catalog`: the resolution catalog, an immutable snapshot swapped whole;
* :mod:`mlxinit._discovery` and :mod:`mlxinit._hooks`: the scan of installed
  distributions and the plugin hooks, called through pluggy's plugin manager;
* :mod:`mlxinit._loader`: the lazy entry-point loader;
* :mod:`mlxinit._build`: building an initializer from a resolved entry;
* :mod:`mlxinit._records`: the read-only records it hands out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from . import _names
from ._build import build, split_config
from ._catalog import Catalog, PluginSet
from ._entries import (
    BUILTIN,
    RESERVED_DISTRIBUTIONS,
    RUNTIME,
    Entry,
    PresetEntry,
    Provider,
    check_type,
    make_entry,
    param_infos,
    summary,
)
from ._errors import (
    InvalidIdentifierError,
    MlxinitWarning,
    RegistrationError,
    UnknownDistributionError,
    UnknownInitializerError,
)
from ._initializer import Initializer, wrap_callable
from ._loader import Loader

if TYPE_CHECKING:
    from ._discovery import DistributionSource
    from ._records import InitializerInfo, PluginReport, PresetInfo

__all__ = ["MlxinitWarning", "Preset", "Registry"]

#: A preset turns a model (and options) into rules: ``[(rule key, identifier), ...]``.
Preset = Callable[..., Sequence[tuple[Any, Any]]]

_F = TypeVar("_F", bound=Callable[..., Any])


def _check_flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise RegistrationError(f"{what}: expected True or False, got {value!r}.")
    return value


def _check_distribution(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistrationError(f"{what}: expected a distribution name such as 'acme-inits', got {value!r}.")
    return value


def _check_pattern(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidIdentifierError(f"{what}: expected a shell-style pattern such as 'he_*', got {value!r}.")
    return value


def _check_lookup(name: object, what: str = "Initializer") -> str:
    if not isinstance(name, str):
        raise InvalidIdentifierError(
            f"{what} name: expected a string, got {name!r} of type {type(name).__name__}."
        )
    return name


class Registry:
    """A registry of named initializer factories and whole-model presets.

    The module-level functions (:func:`mlxinit.get`, :func:`mlxinit.register`, …) use
    one default instance created on first use; build your own for isolation.

    The built-in initializers are a plugin like any other (``mlxinit_builtin``, declared in
    mlxinit's own ``mlxinit.plugins`` entry point), which the registry registers through
    its plugin manager when it is created, without reading any package metadata. Their
    names are reserved: no other plugin can take them.

    Args:
        builtins: register the built-in initializers.
        plugins: discover installed plugins (lazily, on the first lookup that needs it).
        environ: where to read the ``MLXINIT_*`` controls; ``os.environ`` by default,
            read at discovery time.
        distributions: a callable returning the distributions to scan (for tests,
            see :mod:`mlxinit.testing`); ``importlib_metadata.distributions`` by default.

    Raises:
        RegistrationError: an argument of the wrong type.
    """

    def __init__(
        self,
        *,
        builtins: bool = True,
        plugins: bool = True,
        environ: Mapping[str, str] | None = None,
        distributions: DistributionSource | None = None,
    ) -> None:
        _check_flag(builtins, "Registry(builtins=...)")
        _check_flag(plugins, "Registry(plugins=...)")
        if environ is not None and not isinstance(environ, Mapping):
            raise RegistrationError(f"Registry(environ=...): expected a mapping such as os.environ, got {environ!r}.")
        if distributions is not None and not callable(distributions):
            raise RegistrationError(
                f"Registry(distributions=...): expected a callable returning distributions, got {distributions!r}."
            )
        #: serialises catalog swaps (re-entrant: a plugin imported during discovery may register)
        self._lock = threading.RLock()
        #: serialises discovery, and what must not interleave with it (refresh, unblock)
        self._discovery_lock = threading.RLock()
        self._discovery_owner: int | None = None
        #: bumped when discovered plugins are dropped: a discovery that started before is stale
        self._epoch = 0
        self._plugins_enabled = plugins
        self._environ = environ
        self._distributions = distributions
        self._loader = Loader()
        self._runtime_provider = Provider(RUNTIME, "runtime")
        self._scans = 0
        if builtins:
            from ._discovery import builtin_plugins

            local = builtin_plugins()
        else:
            local = PluginSet()
        self._catalog = Catalog(local=local, discovered=not plugins, reserved=local.reserved_keys())

    # ------------------------------------------------------------------ registration

    @overload
    def register(
        self, name: str, factory: None = None, *, aliases: Iterable[str] = (), override: bool = False
    ) -> Callable[[_F], _F]: ...

    @overload
    def register(self, name: str, factory: _F, *, aliases: Iterable[str] = (), override: bool = False) -> _F: ...

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

        Raises:
            RegistrationError: a taken or malformed name, a non-callable factory, or an
                argument of the wrong type.
        """
        check_type(name)
        _check_flag(override, f"register({name!r}, override=...)")
        if factory is None:

            def decorator(f: _F) -> _F:
                self.register(name, f, aliases=aliases, override=override)
                return f

            return decorator
        entry = make_entry(name, factory, aliases, self._runtime_provider, RUNTIME)
        names = (entry.name, *entry.aliases)
        with self._lock:
            cat = self._catalog
            current = cat.runtime.get(_names.key(entry.name))
            if (
                current is not None
                and current.factory is factory
                and current.name == entry.name
                and set(entry.aliases) <= set(current.aliases)
            ):
                return factory
            if not override:
                for n in names:
                    taken = cat.taken_by(_names.key(n))
                    if taken is not None:
                        raise RegistrationError(
                            f"Cannot register {n!r}: the name is taken by {taken}. "
                            "Pass override=True to replace it, or choose another name."
                        )
            runtime = dict(cat.runtime)
            for n in names:
                old = runtime.get(_names.key(n))
                if old is not None:
                    _drop(runtime, old)
            for n in names:
                runtime[_names.key(n)] = entry
            self._catalog = cat.replace(runtime=runtime)
        return factory

    def unregister(self, name: str) -> None:
        """Remove a runtime registration (its name and aliases).

        Raises:
            RegistrationError: ``name`` is a built-in or plugin name, or not a string.
            UnknownInitializerError: nothing is registered under ``name``.
        """
        k = _names.key(check_type(name))
        with self._lock:
            cat = self._catalog
            entry = cat.runtime.get(k)
            if entry is not None:
                runtime = dict(cat.runtime)
                _drop(runtime, entry)
                self._catalog = cat.replace(runtime=runtime)
                return
            if k in cat.reserved:
                raise RegistrationError(f"{name!r} is a built-in initializer; it cannot be unregistered.")
            if k in cat.plugins.plain:
                dists = sorted({c.provider.name for c in cat.plugins.plain[k]})
                raise RegistrationError(
                    f"{name!r} comes from plugin {', '.join(dists)}; "
                    "hide a plugin with mlxinit.block(distribution) instead."
                )
        raise UnknownInitializerError(name, cat.suggest(name))

    # ------------------------------------------------------------------ discovery and controls

    def _discovered(self) -> Catalog:
        """The current catalog, with installed plugins discovered (once)."""
        cat = self._catalog
        if cat.discovered or self._discovery_owner == threading.get_ident():
            return cat  # or called back by a plugin being imported: it sees what is there so far
        with self._discovery_lock:
            from ._discovery import discover

            for _ in range(2):  # once more if the controls changed while it ran
                cat = self._catalog
                if cat.discovered:
                    break
                epoch = self._epoch
                self._discovery_owner = threading.get_ident()
                try:
                    found = discover(cat.local, cat.blocked, cat.reserved, self._environ, self._distributions)
                finally:
                    self._discovery_owner = None
                with self._lock:
                    if found.scanned:
                        self._scans += 1
                    if self._epoch == epoch and not self._skipped_but_visible(found):
                        self._catalog = self._catalog.replace(plugins=found, discovered=True)
            return self._catalog

    def _skipped_but_visible(self, found: PluginSet) -> bool:
        """Whether discovery skipped the hook modules of a distribution that was unblocked meanwhile
        (a plugin's hook may call :meth:`unblock` while discovery runs)."""
        hidden = self._catalog.blocked | found.env_blocked
        return any(p.hooks_skipped and p.key not in hidden for p in found.providers.values())

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
            self._forget_plugins()

    def _forget_plugins(self) -> None:
        self._epoch += 1
        self._loader.forget_failures()
        self._catalog = self._catalog.replace(plugins=PluginSet(), discovered=not self._plugins_enabled)

    def block(self, distribution: str) -> None:
        """Hide every name and preset a distribution provides (as ``MLXINIT_BLOCK`` does).

        A distribution blocked before discovery never has its hook modules imported.

        Args:
            distribution: its name as installed (``_``, ``-`` and ``.`` are equivalent).

        Raises:
            RegistrationError: ``distribution`` is mlxinit itself (built-ins cannot be
                blocked), or not a string.

        Example:
            >>> reg = Registry(plugins=False)
            >>> reg.block("acme-inits")
            >>> reg.plugin_report().blocked
            ('acme-inits',)
        """
        k = _names.dist_key(_check_distribution(distribution, "block(distribution)"))
        if k in RESERVED_DISTRIBUTIONS:
            raise RegistrationError(f"The built-in initializers (distribution {k!r}) cannot be blocked.")
        with self._lock:
            cat = self._catalog
            self._catalog = cat.replace(blocked=cat.blocked | {k})

    def unblock(self, distribution: str) -> None:
        """Undo :meth:`block` for ``distribution`` (no-op if it was not blocked).

        ``MLXINIT_BLOCK`` still applies; it is read again by :meth:`refresh`. If the
        distribution was blocked when plugins were discovered, its hook modules were not
        imported, so the next lookup that needs plugins discovers them again.

        Raises:
            RegistrationError: ``distribution`` is not a string.
        """
        k = _names.dist_key(_check_distribution(distribution, "unblock(distribution)"))
        # With the discovery lock: a discovery under way finishes first, so its record of
        # which hook modules it skipped is the one looked at here.
        with self._discovery_lock, self._lock:
            cat = self._catalog
            self._catalog = cat.replace(blocked=cat.blocked - {k})
            prov = cat.plugins.providers.get(k)
            if prov is not None and prov.hooks_skipped and k not in cat.plugins.env_blocked:
                self._forget_plugins()

    def prefer(self, name: str, distribution: str) -> None:
        """Resolve the plain ``name`` to ``distribution``'s initializer when several claim it.

        Takes precedence over ``MLXINIT_PREFER=name=distribution``. ``distribution`` may
        also be a namespace the plugin declared. Installed plugins are discovered first,
        so that a misspelt name or distribution is refused rather than silently kept.

        Raises:
            UnknownDistributionError: no plugin distribution or namespace is called
                ``distribution`` (with "did you mean").
            UnknownInitializerError: ``distribution`` provides no initializer ``name``
                (and has no resolver hook that could answer it).
            RegistrationError: ``name`` is a built-in name (the built-in always keeps it),
                or an argument is not a string.

        Example:
            >>> from mlxinit.testing import fake_distribution
            >>> def zeros(*, dtype=None):
            ...     return lambda a: a * 0
            >>> reg = Registry(environ={}, distributions=lambda: [
            ...     fake_distribution("alpha-inits", initializers={"shared": zeros}),
            ...     fake_distribution("beta-inits", initializers={"shared": zeros})])
            >>> reg.prefer("shared", "beta-inits")
            >>> reg.info("shared").distribution
            'beta-inits'
            >>> try:
            ...     reg.prefer("shared", "beta-init")
            ... except UnknownDistributionError as e:
            ...     print(e)
            Unknown plugin distribution or namespace 'beta-init'. Did you mean one of 'beta-inits', 'alpha-inits'?
        """
        if not isinstance(name, str) or not isinstance(distribution, str):
            raise RegistrationError(
                f"prefer(name, distribution): expected two strings, got {name!r} and {distribution!r}."
            )
        cat = self._discovered()
        k = _names.key(name)
        dk = _names.dist_key(distribution)
        known: dict[str, str] = {}
        for prov in cat.plugins.providers.values():
            known.setdefault(prov.key, prov.name)
            for ns in prov.namespaces:
                known.setdefault(ns, ns)
        if dk not in known:
            near = _names.close_matches(distribution, known.values())
            raise UnknownDistributionError(distribution, near, [] if near else sorted(known.values()))
        if k in cat.reserved:
            raise RegistrationError(
                f"{name!r} is a built-in name: the built-in always keeps it, so a preference cannot apply. "
                f"Use the qualified name {distribution + ':' + name!r} for the plugin's."
            )

        def owned(e: Entry | Provider) -> bool:
            prov = e if isinstance(e, Provider) else e.provider
            return prov.key == dk or dk in prov.namespaces

        claimed = [e for e in cat.plugins.plain.get(k, ()) if owned(e)]
        answers = any(owned(r.provider) for r in cat.plugins.resolvers)
        if not claimed and not answers:
            theirs = [e.name for e in cat.plugins.entries if owned(e)]
            raise UnknownInitializerError(
                name,
                _names.close_matches(name, theirs),
                hint=f"({distribution} provides no initializer of that name; see `mlxinit list {distribution}`.)",
            )
        with self._lock:
            cur = self._catalog
            self._catalog = cur.replace(preferences={**cur.preferences, k: dk})

    # ------------------------------------------------------------------ resolution

    def _resolve(self, name: str) -> Entry:
        _check_lookup(name)
        cat = self._catalog
        entry = cat.cache.get(name)
        if entry is not None:
            return entry
        entry = cat.find_local(name)
        if entry is None:
            cat = self._discovered()
            entry = cat.find(name)
        cat.cache[name] = entry  # this catalog's cache: a newer catalog never sees it
        return entry

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
            cat = self._catalog
            entry = cat.cache.get(identifier) or self._resolve(identifier)
            if seed is None and key is None:
                vk = _value_key(entry, dtype, params)
                if vk is not None:
                    try:
                        hit: Initializer | None = cat.values.get(vk)
                    except TypeError:  # an unhashable dtype: the build below says what is wrong with it
                        hit, vk = None, None
                    if hit is None:
                        hit = self._build(entry, dtype, None, None, params)
                        if vk is not None and len(cat.values) < _VALUES_MAX:
                            cat.values[vk] = hit
                    return hit
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
        return self._build(entry, dtype, seed, key, params)

    def _build(self, entry: Entry, dtype: Any, seed: Any, key: Any, params: dict[str, Any]) -> Initializer:
        factory = entry.factory or self._loader.factory(entry)
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

    def _config_name(self, entry: Entry) -> str:
        if entry.provider.kind in (BUILTIN, RUNTIME):
            return entry.name
        return f"{entry.namespace or entry.provider.name}:{entry.name}"

    @staticmethod
    def _factory_failed(entry: Entry, reason: str, error: BaseException | None) -> None:
        """Record a plugin factory's failure in the plugin report (runtime ones are the caller's)."""
        if entry.provider.kind not in (BUILTIN, RUNTIME):
            entry.provider.fail(f"factory of {entry.qualified} ({entry.target})", reason, error, stage="factory")

    @staticmethod
    def _describe(entry: Entry) -> str:
        p = entry.provider
        if p.kind == RUNTIME:
            return "registered at runtime"
        return f"distribution {p.name} {p.version or ''}".rstrip()

    def available(self, pattern: str | None = None, *, namespace: str | None = None) -> list[str]:
        """Sorted names, as every listing shows them, optionally filtered.

        Lists built-ins, runtime registrations and plugin names (discovering plugins). A
        plugin name is listed as the plugin declared it: ``namespace:name`` where it gave
        a namespace (``torch:kaiming_normal``), else plain (``distribution:name`` for a
        plain claim on a built-in name, which only that form reaches).

        Args:
            pattern: a shell-style pattern (``"he_*"``, ``"torch:*"``), case-insensitive.
            namespace: only the names of this namespace or distribution (``"torch"``,
                ``"mlxinit-compat"``; ``"mlxinit"`` for the built-ins).

        Raises:
            InvalidIdentifierError: ``pattern`` or ``namespace`` is not a string.
        """
        _check_pattern(pattern, "available(pattern)")
        if namespace is not None and not isinstance(namespace, str):
            raise InvalidIdentifierError(
                f"available(namespace=...): expected a namespace or distribution such as 'torch', got {namespace!r}."
            )
        cat = self._discovered()
        listed = cat.names()
        if namespace is not None:
            nk = _names.dist_key(namespace)
            listed = [
                (n, e) for n, e in listed if e.provider.key == nk or _names.dist_key(e.namespace or "") == nk
            ]
        names = {n for n, _ in listed}
        if pattern is not None:
            import fnmatch

            pat = pattern.lower()
            names = {n for n in names if fnmatch.fnmatchcase(n.lower(), pat)}
        return sorted(names)

    def info(self, name: str, *, load: bool = True) -> InitializerInfo:
        """Describe a name: the name as listed, aliases, parameters, summary and provenance.

        Args:
            name: any spelling, alias or qualified form.
            load: import the plugin module behind a lazy entry point, to read its
                parameters and docstring (the default). ``False`` reads metadata only:
                ``params``, ``summary`` and ``doc`` are then ``None`` for an entry point
                that is not loaded yet.

        Raises:
            UnknownInitializerError, InitializerConflictError: as :meth:`get`.
            PluginError: with ``load``, the plugin behind the name failed to load.
            InvalidIdentifierError: ``name`` is not a string.
        """
        _check_lookup(name)
        _check_flag(load, "info(load=...)")
        entry = self._resolve(name)
        if load and entry.factory is None:
            self._loader.factory(entry)
        factory = entry.factory
        params = None
        doc = None
        if factory is not None:
            import inspect  # on first use: keeps `import mlxinit` light

            doc = inspect.getdoc(factory)
            params = param_infos(factory)
        prov = entry.provider
        qualified: tuple[str, ...] = ()
        if prov.kind == "plugin":
            qualified = tuple(dict.fromkeys([f"{prov.name}:{entry.name}", entry.qualified]))
        from ._records import InitializerInfo

        return InitializerInfo(
            name=self._catalog.listed(entry),
            aliases=entry.aliases,
            params=params,
            summary=summary(doc),
            doc=doc,
            source=entry.source,
            distribution=None if prov.kind == "runtime" else prov.name,
            version=prov.version,
            target=entry.target,
            loaded=factory is not None,
            qualified_names=qualified,
        )

    def plugin_report(self) -> PluginReport:
        """Every plugin distribution (the built-ins' ``mlxinit`` too): names, presets,
        failures, conflicts, and the controls in force."""
        return self._discovered().report(self._scans)

    @property
    def scans(self) -> int:
        """How many times this registry has scanned installed distributions."""
        return self._scans

    # ------------------------------------------------------------------ presets

    @overload
    def register_preset(self, name: str, preset: None = None, *, override: bool = False) -> Callable[[_F], _F]: ...

    @overload
    def register_preset(self, name: str, preset: _F, *, override: bool = False) -> _F: ...

    def register_preset(self, name: str, preset: Preset | None = None, *, override: bool = False) -> Any:
        """Register a whole-model preset at runtime (also a decorator).

        A preset is ``preset(model, **options) -> [(rule key, identifier), ...]``; the rules
        take the same keys as :func:`mlxinit.apply`'s. Installed packages add presets through
        the ``mlxinit.presets`` entry-point group (``name = "pkg.module:preset"``), found by
        the same discovery as initializers and subject to the same controls. A runtime preset
        shadows an installed one of the same name in this registry.

        Returns:
            ``preset``.

        Raises:
            RegistrationError: the name is taken by another runtime preset (without
                ``override=True``), malformed, or ``preset`` is not callable.
        """
        if not isinstance(name, str) or not name.strip() or ":" in name:
            raise RegistrationError(
                f"Preset name: expected a non-empty string without ':' such as 'gpt2', got {name!r}."
            )
        _check_flag(override, f"register_preset({name!r}, override=...)")
        if preset is None:

            def decorator(f: _F) -> _F:
                self.register_preset(name, f, override=override)
                return f

            return decorator
        if not callable(preset):
            raise RegistrationError(f"Preset {name!r}: expected a callable, got {preset!r}.")
        k = _names.key(name)
        with self._lock:
            cat = self._catalog
            current = cat.presets.get(k)
            if current is not None and current.preset is not preset and not override:
                raise RegistrationError(f"Preset {name!r} is already registered; pass override=True to replace it.")
            presets = dict(cat.presets)
            presets[k] = PresetEntry(name, self._runtime_provider, RUNTIME, preset=preset)
            self._catalog = cat.replace(presets=presets)
        return preset

    def available_presets(self, pattern: str | None = None) -> list[str]:
        """Sorted names of the presets registered at runtime or declared by installed plugins.

        Raises:
            InvalidIdentifierError: ``pattern`` is not a string.
        """
        _check_pattern(pattern, "available_presets(pattern)")
        names = self._discovered().preset_names()
        if pattern is None:
            return names
        import fnmatch

        return [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern.lower())]

    def _resolve_preset(self, name: str) -> PresetEntry:
        _check_lookup(name, "Preset")
        cat = self._catalog
        entry = cat.preset_cache.get(name)
        if entry is not None:
            return entry
        entry = cat.find_preset_local(name)
        if entry is None:
            cat = self._discovered()
            entry = cat.find_preset(name)
        cat.preset_cache[name] = entry
        return entry

    def get_preset(self, name: str) -> Preset:
        """The preset callable registered as ``name`` (importing its plugin module on first use).

        Raises:
            UnknownPresetError: no such preset (with "did you mean", and why a known one is hidden).
            InitializerConflictError: several distributions declare the name.
            PluginError: the plugin behind it failed to load.
            InvalidIdentifierError: ``name`` is not a string.
        """
        return self._loader.preset(self._resolve_preset(name))

    def preset_info(self, name: str, *, load: bool = True) -> PresetInfo:
        """Describe a preset: its name, options (keyword parameters), summary and provenance.

        Args:
            name: the preset's name (any spelling: case, ``-`` and ``_`` ignored), or
                ``distribution:name``.
            load: import the plugin module behind it to read its options and docstring.

        Raises:
            as :meth:`get_preset`.
        """
        _check_flag(load, "preset_info(load=...)")
        entry = self._resolve_preset(name)
        fn = self._loader.preset(entry) if load else entry.preset
        doc = None
        options = None
        if fn is not None:
            import inspect  # on first use: keeps `import mlxinit` light

            doc = inspect.getdoc(fn)
            options = param_infos(fn, skip=1)
        prov = entry.provider
        from ._records import PresetInfo

        return PresetInfo(
            name=entry.name,
            options=options,
            summary=summary(doc),
            doc=doc,
            source=entry.source,
            distribution=None if prov.kind == "runtime" else prov.name,
            version=prov.version,
            target=entry.target,
            loaded=fn is not None,
        )


def _drop(runtime: dict[str, Entry], entry: Entry) -> None:
    """Remove every key of ``runtime`` that points at ``entry``."""
    for n in (entry.name, *entry.aliases):
        k = _names.key(n)
        if runtime.get(k) is entry:
            del runtime[k]


#: How many unseeded built-in values a catalog keeps.
_VALUES_MAX = 1024
_SCALARS = (int, str, bool, type(None))


def _value_key(entry: Entry, dtype: Any, params: Mapping[str, Any]) -> Any:
    """A key under which an unseeded initializer may be reused, or ``None``.

    Only for the reserved distributions' factories, which are pure (policy data, as the reserved
    names are): an unseeded :class:`Initializer` is a frozen value, so ``get`` with the same name,
    dtype and scalar parameters can give the same value. Values are keyed with their type (``1``,
    ``1.0`` and ``True`` differ) and floats by their bits (``-0.0`` differs from ``0.0``).
    """
    if entry.provider.key not in RESERVED_DISTRIBUTIONS:
        return None
    items = []
    for k, v in params.items():
        t = type(v)
        if t is float:
            items.append((k, t, v.hex()))
        elif t in _SCALARS:
            items.append((k, t, v))
        else:
            return None
    return (entry, dtype, frozenset(items))
