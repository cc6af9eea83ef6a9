"""The resolution catalog: an immutable snapshot of what a registry knows, and its cache.

A :class:`Catalog` holds, for one moment of a registry's life, every source of names
(runtime registrations, the plugins the registry registers itself, the plugins discovery
found, presets) and every control (blocked distributions, preferences). It never changes:
:meth:`mlxinit.Registry.register`, :meth:`~mlxinit.Registry.block`,
:meth:`~mlxinit.Registry.unblock`, :meth:`~mlxinit.Registry.prefer`,
:meth:`~mlxinit.Registry.refresh` and a finished discovery each build a new catalog with
the next ``generation`` number and swap it in. The resolution cache lives in the catalog,
so an answer computed from an old catalog (a slow first resolution racing a ``block``)
lands in that old catalog's cache and is never seen again.

A :class:`PluginSet` is one indexed set of plugins: those a registry registers at
construction (the built-ins), or those one discovery found.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _names
from ._entries import (
    RESERVED_DISTRIBUTIONS,
    Entry,
    PresetEntry,
    Provider,
    listed_name,
    split_qualified,
)
from ._errors import (
    InitializerConflictError,
    MlxinitError,
    MlxinitWarning,
    PluginError,
    UnknownInitializerError,
    UnknownPresetError,
)

if TYPE_CHECKING:
    from ._hooks import Resolver
    from ._records import PluginReport

__all__ = ["Catalog", "PluginSet", "claims"]


def claims(entries: Sequence[Entry | PresetEntry]) -> list[tuple[str, str | None, str]]:
    """``(distribution, version, qualified name)`` of conflicting entries, in a stable order."""
    return sorted((e.provider.name, e.provider.version, e.qualified) for e in entries)


class PluginSet:
    """Plugins and what they provide, indexed by plain and qualified name (read-only once built).

    Args:
        providers: the distributions, in the order found.
        entries: their initializer entries.
        presets: their preset entries.
        resolvers: their ``mlxinit_resolve_initializer`` hooks.
        pm: the plugin manager their hook modules are registered in.
        reserved: keys of reserved names; a plain claim on one by a distribution that is
            not a reserved distribution is noted on its provider and warned about.
        autoload, selected, env_blocked, env_preferences: the ``MLXINIT_*`` controls read
            when they were found.
        scanned: whether installed distributions were scanned to find them.
    """

    __slots__ = (
        "autoload",
        "entries",
        "env_blocked",
        "env_preferences",
        "plain",
        "pm",
        "preset_plain",
        "preset_qualified",
        "presets",
        "providers",
        "qualified",
        "resolvers",
        "scanned",
        "selected",
    )

    def __init__(
        self,
        *,
        providers: Iterable[Provider] = (),
        entries: Iterable[Entry] = (),
        presets: Iterable[PresetEntry] = (),
        resolvers: Iterable[Resolver] = (),
        pm: Any = None,
        reserved: frozenset[str] = frozenset(),
        autoload: bool = True,
        selected: tuple[str, ...] | None = None,
        env_blocked: frozenset[str] = frozenset(),
        env_preferences: Mapping[str, str] | None = None,
        scanned: bool = False,
    ) -> None:
        self.providers: dict[str, Provider] = {p.key: p for p in providers}
        self.entries: tuple[Entry, ...] = ()
        self.plain: dict[str, list[Entry]] = {}
        self.qualified: dict[str, list[Entry]] = {}
        self.presets: tuple[PresetEntry, ...] = tuple(presets)
        self.preset_plain: dict[str, list[PresetEntry]] = {}
        self.preset_qualified: dict[str, list[PresetEntry]] = {}
        self.resolvers: tuple[Resolver, ...] = tuple(resolvers)
        self.pm = pm
        self.autoload = autoload
        self.selected = selected
        self.env_blocked = env_blocked
        self.env_preferences: Mapping[str, str] = dict(env_preferences or {})
        self.scanned = scanned
        indexed = []
        for entry in entries:
            self._index(entry, reserved)
            indexed.append(entry)
        self.entries = tuple(indexed)
        for preset in self.presets:
            self.preset_plain.setdefault(preset.key, []).append(preset)
            self.preset_qualified.setdefault(f"{preset.provider.key}:{preset.key}", []).append(preset)

    def _index(self, entry: Entry, reserved: frozenset[str]) -> None:
        prov = entry.provider
        qual_prefixes = {prov.key}
        if entry.namespace:
            qual_prefixes.add(_names.dist_key(entry.namespace))
            prov.namespaces.add(_names.dist_key(entry.namespace))
        for n in (entry.name, *entry.aliases):
            k = _names.key(n)
            for pre in qual_prefixes:
                lst = self.qualified.setdefault(f"{pre}:{k}", [])
                if entry not in lst:
                    lst.append(entry)
            if k in reserved and prov.key not in RESERVED_DISTRIBUTIONS:
                if entry.namespace is None and n not in prov.reserved:  # a plain claim on a reserved name
                    prov.reserved.append(n)
                    warnings.warn(
                        f"Plugin {prov.name} declares {n!r}, a built-in mlxinit name; "
                        f"the built-in keeps the name (use {prov.name + ':' + n!r} for the plugin's).",
                        MlxinitWarning,
                        stacklevel=4,
                    )
                continue
            lst = self.plain.setdefault(k, [])
            if entry not in lst:
                lst.append(entry)

    def reserved_keys(self) -> frozenset[str]:
        """Keys of every name and alias that reserved distributions registered here."""
        return frozenset(
            _names.key(n)
            for e in self.entries
            if e.provider.key in RESERVED_DISTRIBUTIONS
            for n in (e.name, *e.aliases)
        )


_EMPTY = PluginSet()


class Catalog:
    """What a registry knows at one moment; read-only (``replace`` makes the next one)."""

    __slots__ = (
        "blocked",
        "cache",
        "discovered",
        "generation",
        "hidden",
        "local",
        "plugins",
        "preferences",
        "preset_cache",
        "presets",
        "reserved",
        "runtime",
        "values",
    )

    def __init__(
        self,
        *,
        generation: int = 0,
        runtime: Mapping[str, Entry] | None = None,
        local: PluginSet = _EMPTY,
        plugins: PluginSet = _EMPTY,
        discovered: bool = False,
        blocked: frozenset[str] = frozenset(),
        preferences: Mapping[str, str] | None = None,
        presets: Mapping[str, PresetEntry] | None = None,
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        put = object.__setattr__
        put(self, "generation", generation)
        #: runtime registrations: key of each name and alias → entry
        put(self, "runtime", dict(runtime or {}))
        #: plugins the registry registered itself (the built-ins): found without a scan
        put(self, "local", local)
        #: plugins discovery found (empty until ``discovered``)
        put(self, "plugins", plugins)
        put(self, "discovered", discovered)
        #: distributions hidden by :meth:`mlxinit.Registry.block`
        put(self, "blocked", blocked)
        #: ``block()`` and ``MLXINIT_BLOCK`` together
        put(self, "hidden", blocked | plugins.env_blocked)
        put(self, "preferences", dict(preferences or {}))
        #: runtime presets: key → entry
        put(self, "presets", dict(presets or {}))
        #: keys of the names reserved distributions registered (policy data)
        put(self, "reserved", reserved)
        #: spelling → entry, for this catalog only
        put(self, "cache", {})
        put(self, "preset_cache", {})
        #: (entry, dtype, parameters) → an unseeded Initializer of a reserved distribution, for this catalog only
        put(self, "values", {})

    if TYPE_CHECKING:
        generation: int
        runtime: dict[str, Entry]
        local: PluginSet
        plugins: PluginSet
        discovered: bool
        blocked: frozenset[str]
        hidden: frozenset[str]
        preferences: dict[str, str]
        presets: dict[str, PresetEntry]
        reserved: frozenset[str]
        cache: dict[str, Entry]
        values: dict[Any, Any]
        preset_cache: dict[str, PresetEntry]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Catalog is read-only; build the next one with replace(), not by setting {name!r}")

    def replace(self, **changes: Any) -> Catalog:
        """The next catalog: this one with ``changes``, the next generation and an empty cache."""
        fields: dict[str, Any] = {
            "runtime": self.runtime,
            "local": self.local,
            "plugins": self.plugins,
            "discovered": self.discovered,
            "blocked": self.blocked,
            "preferences": self.preferences,
            "presets": self.presets,
            "reserved": self.reserved,
        }
        fields.update(changes)
        return Catalog(generation=self.generation + 1, **fields)

    # ------------------------------------------------------------------ what is visible

    def providers(self) -> list[Provider]:
        """Every provider: the registry's own, then the discovered ones."""
        out = dict(self.local.providers)
        for k, p in self.plugins.providers.items():
            out.setdefault(k, p)
        return list(out.values())

    def plugin_entries(self) -> list[Entry]:
        """Every plugin entry (the registry's own plugins' first), blocked or not."""
        return [*self.local.entries, *self.plugins.entries]

    def visible(self, entries: Iterable[Entry]) -> list[Entry]:
        """``entries`` without those of hidden distributions."""
        return [e for e in entries if e.provider.key not in self.hidden]

    def listed(self, entry: Entry) -> str:
        """The one form ``entry``'s name is shown in."""
        return listed_name(entry, self.reserved)

    def resolvers(self) -> list[Resolver]:
        """Every visible plugin's resolver hook."""
        return [r for r in (*self.local.resolvers, *self.plugins.resolvers) if r.provider.key not in self.hidden]

    # ------------------------------------------------------------------ resolution

    def find_local(self, name: str) -> Entry | None:
        """``name`` among runtime registrations and the registry's own plugins (never scans)."""
        ns, plain = split_qualified(name.strip())
        k = _names.key(plain)
        if ns is None:
            hit = self.runtime.get(k)
            if hit is not None:
                return hit
            cands = self.visible(self.local.plain.get(k, ()))
        else:
            cands = self.visible(self.local.qualified.get(f"{_names.dist_key(ns)}:{k}", ()))
        return cands[0] if len(cands) == 1 else None

    def find(self, name: str) -> Entry:
        """``name`` among discovered plugins, then their resolver hooks (after :meth:`find_local`).

        Raises:
            InitializerConflictError: several distributions claim it.
            UnknownInitializerError, PluginError: nothing resolves it.
        """
        ns, plain = split_qualified(name.strip())
        k = _names.key(plain)
        nskey = None if ns is None else _names.dist_key(ns)
        entry: Entry | None = None
        if nskey is None:
            if k:
                entry = self._plain(name, k)
        elif ns and k:
            entry = self._qualified(name, nskey, k)
        if entry is None and k:
            entry = self._ask_resolvers(name, nskey, plain.strip())
        if entry is None:
            raise self.unknown_with_cause(name, ns)
        return entry

    def _qualified(self, name: str, nskey: str, k: str) -> Entry | None:
        cands = self.visible(self.plugins.qualified.get(f"{nskey}:{k}", ()))
        if len(cands) > 1:  # a distribution's own name beats a namespace another plugin declared
            own = [e for e in cands if e.provider.key == nskey]
            cands = own or cands
        if len(cands) > 1:
            raise InitializerConflictError(name, claims(cands))
        return cands[0] if cands else None

    def preferred(self, k: str, cands: Sequence[Entry]) -> Entry | None:
        """The candidate :meth:`mlxinit.Registry.prefer` or ``MLXINIT_PREFER`` chose for key ``k``."""
        pref = self.preferences.get(k) or self.plugins.env_preferences.get(k)
        if pref is None:
            return None
        chosen = [e for e in cands if e.provider.key == pref or _names.dist_key(e.namespace or "") == pref]
        return chosen[0] if len(chosen) == 1 else None

    def _plain(self, name: str, k: str) -> Entry | None:
        cands = self.visible(self.plugins.plain.get(k, ()))
        if len(cands) > 1:
            chosen = self.preferred(k, cands)
            if chosen is not None:
                return chosen
            raise InitializerConflictError(name, claims(cands))
        return cands[0] if cands else None

    def _ask_resolvers(self, name: str, nskey: str | None, plain: str) -> Entry | None:
        """Ask the plugins' ``mlxinit_resolve_initializer`` hooks about a name nobody declared.

        A qualified name asks only the resolvers of that distribution (or namespace); a
        plain name asks every resolver, and two answers are a conflict like two declarations.
        """
        from ._entries import HOOK

        answers: list[Entry] = []
        for resolver in self.resolvers():
            prov = resolver.provider
            if nskey is not None and nskey not in prov.namespaces:
                continue
            try:
                factory = resolver(plain)
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
            answers.append(Entry(plain, prov, HOOK, factory=factory, namespace=ns))
        if len(answers) > 1:
            chosen = self.preferred(_names.key(plain), answers)
            if chosen is not None:
                return chosen
            raise InitializerConflictError(name, claims(answers))
        return answers[0] if answers else None

    # ------------------------------------------------------------------ names

    def names(self) -> list[tuple[str, Entry]]:
        """``(listed name, entry)`` of every visible name (runtime first, then plugins)."""
        out: dict[str, Entry] = {}
        for e in self.runtime.values():
            out.setdefault(e.name, e)
        for e in self.visible(self.plugin_entries()):
            out.setdefault(self.listed(e), e)  # a runtime registration shadows the same plain name
        return list(out.items())

    def all_spellings(self) -> list[str]:
        """Every visible plain name and alias (for "did you mean")."""
        names: set[str] = set()
        for e in (*self.runtime.values(), *self.visible(self.plugin_entries())):
            names.add(e.name)
            names.update(e.aliases)
        return sorted(names)

    def suggest(self, name: str) -> list[str]:
        """Registered names that look like ``name``; for ``ns:name``, only names of that namespace
        (or distribution), written qualified, since a name elsewhere has another meaning."""
        ns, plain = split_qualified(name)
        if ns is None:
            return _names.close_matches(plain, self.all_spellings())
        inside = self.in_namespace(ns)
        near = _names.close_matches(plain, list(inside))
        return [inside[n] for n in near]

    def in_namespace(self, ns: str) -> dict[str, str]:
        """Plain name or alias → listed (qualified) name, of the names a namespace or distribution provides."""
        nsk = _names.dist_key(ns)
        out: dict[str, str] = {}
        for listed, e in self.names():
            lns = split_qualified(listed)[0]
            if e.provider.key == nsk or (lns is not None and _names.dist_key(lns) == nsk):
                shown = listed if lns is not None else f"{ns}:{e.name}"
                for n in (e.name, *e.aliases):
                    out.setdefault(n, shown if n == e.name else f"{ns}:{n}")
        return out

    def taken_by(self, k: str) -> str | None:
        """Who holds the plain name with key ``k``, in words; ``None`` if nobody."""
        if k in self.runtime:
            return f"the runtime registration {self.runtime[k].name!r}"
        local = self.local.plain.get(k)
        if local:
            e = local[0]
            what = "built-in initializer" if e.provider.kind == "builtin" else f"initializer of {e.provider.name}"
            return f"the {what} {e.name!r}"
        plugin_claims = self.plugins.plain.get(k)
        if plugin_claims:
            return "plugin " + ", ".join(sorted({c.provider.name for c in plugin_claims}))
        return None

    def unknown_with_cause(self, name: str, ns: str | None) -> MlxinitError:
        """The error for a name nothing resolves, chained to the plugin failure that may explain it."""
        providers = self.providers()
        if ns is not None:
            prov = next((p for p in providers if p.key == _names.dist_key(ns)), None)
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
        unknown = self.unknown(name)
        hard = [f for p in providers for f in p.failures if f.stage == "plugin"]
        if hard and len({f.distribution for f in hard}) == 1:  # the one broken plugin may explain it
            unknown.__cause__ = hard[0].error
        return unknown

    def _hidden_by(self, found: Iterable[Entry | PresetEntry]) -> str:
        blocked = sorted({e.provider.name for e in found if e.provider.key in self.hidden})
        if not blocked:
            return ""
        return (
            f"It is provided by blocked distribution {', '.join(blocked)} "
            f"(mlxinit.unblock({blocked[0]!r}) or MLXINIT_BLOCK)."
        )

    def _failed_plugins(self) -> str:
        failed = sorted({f.distribution for p in self.providers() for f in p.failures if f.stage == "plugin"})
        if not failed:
            return ""
        return f"Some plugins failed to load ({', '.join(failed)}); see mlxinit.plugin_report() or `mlxinit plugins`."

    def unknown(self, name: str) -> UnknownInitializerError:
        """:class:`UnknownInitializerError` for ``name``, with suggestions and hints."""
        hint = ""
        if isinstance(name, str) and (":" in name or "." in name) and not _names.is_canonical(name):
            hint = "Names resolve only to registered initializers and declared entry points."
        ns, plain = split_qualified(name.strip())
        k = _names.key(plain)
        index = self.plugins.qualified if ns else self.plugins.plain
        found = index.get(f"{_names.dist_key(ns)}:{k}" if ns else k, [])
        parts = [p for p in (hint, self._hidden_by(found), self._failed_plugins()) if p]
        possibilities = self.suggest(name)
        listed: list[str] = []
        if not possibilities:
            if ns is not None and self.in_namespace(ns):
                listed = sorted(set(self.in_namespace(ns).values()))
                elsewhere = _names.close_matches(plain, self.all_spellings())
                if elsewhere:  # close names outside the namespace mean something else: say so
                    parts.insert(0, f"Outside {ns + ':'!r}, with another meaning: {', '.join(map(repr, elsewhere))}.")
                parts.append(f"See `mlxinit list {ns}` for its names.")
            else:
                listed = sorted(n for n, _ in self.names())
                parts.append("See `mlxinit list` for every name (`mlxinit list NAMESPACE` for one namespace).")
        return UnknownInitializerError(name, possibilities, listed, hint=" ".join(parts))

    # ------------------------------------------------------------------ presets

    def visible_presets(self, presets: Iterable[PresetEntry]) -> list[PresetEntry]:
        """``presets`` without those of hidden distributions."""
        return [p for p in presets if p.provider.key not in self.hidden]

    def find_preset_local(self, name: str) -> PresetEntry | None:
        """A runtime preset registered under ``name`` (never scans)."""
        ns, plain = split_qualified(name.strip())
        return self.presets.get(_names.key(plain)) if ns is None else None

    def find_preset(self, name: str) -> PresetEntry:
        """``name`` among discovered presets (after :meth:`find_preset_local`).

        Raises:
            InitializerConflictError: several distributions declare it.
            UnknownPresetError: none does.
        """
        ns, plain = split_qualified(name.strip())
        k = _names.key(plain)
        found = (
            self.plugins.preset_plain.get(k, [])
            if ns is None
            else self.plugins.preset_qualified.get(f"{_names.dist_key(ns)}:{k}", [])
        )
        cands = self.visible_presets(found)
        if len(cands) > 1:
            raise InitializerConflictError(name, claims(cands), what="preset")
        if cands:
            return cands[0]
        names = self.preset_names()
        near = _names.close_matches(plain, names)
        parts = [self._hidden_by(found)]
        if not self.plugins.autoload and self.plugins.selected is None:
            parts.append("Plugin autoload is off (MLXINIT_DISABLE_PLUGIN_AUTOLOAD), so no installed preset counts.")
        parts.append("See mlxinit.available_presets() or `mlxinit presets`.")
        raise UnknownPresetError(name, near, [] if near else names, hint=" ".join(p for p in parts if p))

    def preset_names(self) -> list[str]:
        """Names of every visible preset, sorted."""
        names = {p.name for p in self.presets.values()}
        names |= {p.name for p in self.visible_presets((*self.local.presets, *self.plugins.presets))}
        return sorted(names)

    # ------------------------------------------------------------------ report

    def report(self, scans: int) -> PluginReport:
        """The plugin report: every distribution (the built-ins' too), failures, conflicts, controls."""
        from ._entries import ENTRY_POINT
        from ._records import PluginInfo, PluginReport

        infos = []
        entries = self.plugin_entries()
        presets = [*self.local.presets, *self.plugins.presets]
        for prov in self.providers():
            mine = [e for e in entries if e.provider is prov]
            infos.append(
                PluginInfo(
                    distribution=prov.name,
                    version=prov.version,
                    names=tuple(sorted(self.listed(e) for e in mine)),
                    entry_points=tuple(sorted(e.target or "" for e in mine if e.source == ENTRY_POINT)),
                    failures=tuple(prov.failures),
                    reserved=tuple(prov.reserved),
                    blocked=prov.key in self.hidden,
                    presets=tuple(sorted(p.name for p in presets if p.provider is prov)),
                )
            )
        conflicts = {}
        for found in self.plugins.plain.values():
            vis = self.visible(found)
            if len(vis) > 1:
                conflicts[vis[0].name] = tuple(q for _, _, q in claims(vis))
        return PluginReport(
            plugins=tuple(sorted(infos, key=lambda p: p.distribution)),
            conflicts=conflicts,
            autoload=self.plugins.autoload,
            selected=self.plugins.selected,
            blocked=tuple(sorted(self.hidden)),
            scans=scans,
        )
