"""Plugin discovery: entry points and pluggy hooks, read once and on demand.

Nothing here runs at ``import mlxinit``. The registry calls :func:`builtin_plugins` when
it is created (the built-in plugin module is imported and registered directly, no package
metadata is read) and :func:`discover` on the first lookup that needs installed plugins.

Three entry-point groups are read, in one scan:

* ``mlxinit.initializers``: ``name = "package.module:factory"``. Only the metadata is
  read at discovery; the module is imported by the first ``get()`` of that name.
* ``mlxinit.presets``: ``name = "package.module:preset"``, whole-model presets, as lazy.
* ``mlxinit.plugins``: ``name = "package.module"`` (or ``module:object``) holding pluggy
  hook implementations marked with ``mlxinit.hookimpl``. The module is imported at
  discovery, registered in the plugin manager and its ``mlxinit_register_initializers``
  hook is called once. mlxinit's own distribution declares its built-in plugin here; that
  module is registered by the registry already, so discovery does not load it again.

Every failure (unreadable metadata, a malformed entry point, an import error, a hook
rejected by pluggy or raising) is recorded on the distribution's provider and shows in
:meth:`mlxinit.Registry.plugin_report`; it never stops the scan of other distributions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import _names
from ._catalog import PluginSet
from ._entries import (
    BUILTIN,
    ENTRY_POINT,
    HOOK,
    RESERVED_DISTRIBUTIONS,
    Entry,
    PresetEntry,
    Provider,
    check_name,
    check_namespace,
    own_keys,
    split_qualified,
)
from ._errors import PluginError, RegistrationError

__all__ = [
    "BUILTIN_PLUGIN",
    "INITIALIZERS_GROUP",
    "PLUGINS_GROUP",
    "PRESETS_GROUP",
    "DistributionSource",
    "builtin_plugins",
    "discover",
    "env_blocked",
    "env_preferences",
]

INITIALIZERS_GROUP = "mlxinit.initializers"
PLUGINS_GROUP = "mlxinit.plugins"
PRESETS_GROUP = "mlxinit.presets"
_GROUPS = (INITIALIZERS_GROUP, PLUGINS_GROUP, PRESETS_GROUP)

#: The name mlxinit's built-in plugin module is registered under in the plugin manager:
#: ``<distribution>:<entry point name>``, as its ``mlxinit.plugins`` entry point
#: ``builtin = "mlxinit_builtin"`` in mlxinit's own metadata would be.
BUILTIN_PLUGIN = "mlxinit:builtin"

DistributionSource = Callable[[], Iterable[Any]]


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def env_blocked(environ: Mapping[str, str] | None) -> set[str]:
    """Distribution keys hidden by ``MLXINIT_BLOCK``."""
    return {_names.dist_key(d) for d in _csv(_env(environ).get("MLXINIT_BLOCK"))}


def env_preferences(environ: Mapping[str, str] | None) -> dict[str, str]:
    """``MLXINIT_PREFER=name=dist,other=dist2`` as ``{name key: distribution key}``."""
    out = {}
    for item in _csv(_env(environ).get("MLXINIT_PREFER")):
        name, sep, dist = item.partition("=")
        if sep and name.strip() and dist.strip():
            out[_names.key(name.strip())] = _names.dist_key(dist)
    return out


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def builtin_plugins() -> PluginSet:
    """The built-in initializers, registered through the plugin manager like any plugin.

    The plugin module ``mlxinit_builtin`` is imported and registered directly (no package
    metadata is read, so this works in frozen applications too); its
    ``mlxinit_register_initializers`` hook is called through the manager.

    Raises:
        PluginError: the built-in plugin failed (a bug in mlxinit).
    """
    import mlxinit_builtin

    from ._hooks import admit, plugin_manager, register_initializers
    from ._version import version

    provider = Provider("mlxinit", "builtin", version_of=version)
    pm = plugin_manager()
    admit(pm, mlxinit_builtin, BUILTIN_PLUGIN)
    entries, error = register_initializers(pm, mlxinit_builtin, provider, BUILTIN, set())
    if error is not None:
        raise PluginError(
            f"The built-in initializers failed to register: {type(error).__name__}: {error}",
            distribution="mlxinit",
            plugin=BUILTIN_PLUGIN,
        ) from error
    keys = [_names.key(n) for e in entries for n in (e.name, *e.aliases)]
    if len(keys) != len(set(keys)):
        raise RegistrationError("A built-in name is registered twice.")
    return PluginSet(providers=[provider], entries=entries, pm=pm)


def _parse_entry_points(text: str, prov: Provider) -> list[Any]:
    """Read ``entry_points.txt`` line by line, keeping the well-formed lines.

    Used only when importlib-metadata refuses the whole file because of one bad line.
    """
    import importlib_metadata

    eps = []
    group: str | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if group is None or not sep or not name.strip() or not value.strip():
            if group in _GROUPS:
                prov.fail(
                    f"entry_points.txt line {lineno}",
                    f"malformed entry point {raw.strip()!r} in [{group}]: expected 'name = module:attr'",
                    stage="metadata",
                )
            continue
        eps.append(importlib_metadata.EntryPoint(name.strip(), value.strip(), group))
    return eps


def _entry_points(dist: Any, text: str, prov: Provider) -> list[Any]:
    try:
        eps = list(dist.entry_points)
    except Exception:
        eps = _parse_entry_points(text, prov)
    return [ep for ep in eps if ep.group in _GROUPS]


def _check_value(ep: Any, need_attr: bool) -> None:
    try:
        module, attr = ep.module, ep.attr
    except Exception:
        module = attr = None
    if not module or (need_attr and not attr):
        shape = "'package.module:factory'" if need_attr else "'package.module' or 'package.module:object'"
        raise RegistrationError(f"value {ep.value!r}: expected {shape}")


def _headers(dist: Any) -> tuple[str | None, str | None]:
    """``(Name, Version)`` from the metadata file's header lines.

    Scanning the few header lines is much cheaper than ``dist.metadata``, which imports
    and runs the ``email`` parser; it falls back to that for unusual metadata.
    """
    text = None
    for fname in ("METADATA", "PKG-INFO"):
        try:
            text = dist.read_text(fname)
        except Exception:
            text = None
        if text:
            break
    name = version = None
    if text:
        for line in text.splitlines():
            if not line.strip():
                break  # the end of the headers
            if name is None and line[:5].lower() == "name:":
                name = line[5:].strip()
            elif version is None and line[:8].lower() == "version:":
                version = line[8:].strip()
            if name and version:
                return name, version
    try:
        md = dist.metadata
        return name or md["Name"], version or md["Version"]
    except Exception:
        return name, version


def _read(dist: Any) -> tuple[str, str, str | None] | None:
    """``(entry_points.txt, name, version)`` of a distribution that mentions mlxinit, else ``None``."""
    try:
        text = dist.read_text("entry_points.txt")
    except Exception:  # unreadable metadata of some unrelated distribution
        return None
    if not text or "mlxinit." not in text:
        return None
    name, version = _headers(dist)
    if not name or not isinstance(name, str):
        return None
    return text, name, version if isinstance(version, str) else None


def _preset_name_error(name: str) -> str | None:
    if not name.strip():
        return "expected a non-empty preset name"
    if ":" in name:
        return f"preset name {name!r}: expected a name without ':' (the distribution qualifies it)"
    return None


def discover(
    local: PluginSet,
    blocked: frozenset[str],
    reserved: frozenset[str],
    environ: Mapping[str, str] | None,
    distributions: DistributionSource | None,
) -> PluginSet:
    """Scan installed distributions for mlxinit entry points, once.

    Only distributions whose ``entry_points.txt`` mentions an ``mlxinit.`` group are
    parsed; a distribution seen twice on ``sys.path`` counts once (the first wins, as
    for imports). Every failure is recorded on its provider, never raised.
    The ``MLXINIT_*`` controls are read here, once per scan.

    Args:
        local: the plugins the registry registered itself (the built-ins); their modules
            are registered in the new plugin manager too, and never loaded again.
        blocked: distributions :meth:`mlxinit.Registry.block` hides: their hook modules
            are blocked in the plugin manager, so they are not imported.
        reserved: keys of reserved names (plain claims on them are noted and warned about).
        environ: where to read the ``MLXINIT_*`` controls.
        distributions: what to scan; ``importlib_metadata.distributions`` by default.
    """
    env = _env(environ)
    autoload = not _truthy(env.get("MLXINIT_DISABLE_PLUGIN_AUTOLOAD"))
    selected = list(dict.fromkeys(_names.dist_key(d) for d in _csv(env.get("MLXINIT_PLUGINS"))))
    controls: dict[str, Any] = {
        "autoload": autoload,
        "selected": tuple(selected) if selected else None,
        "env_blocked": frozenset(env_blocked(environ) - RESERVED_DISTRIBUTIONS),
        "env_preferences": env_preferences(environ),
        "reserved": reserved,
    }
    if not autoload and not selected:
        return PluginSet(**controls)
    blocked_now = blocked | controls["env_blocked"]
    if distributions is None:
        import importlib_metadata

        distributions = importlib_metadata.distributions
    found = _Found(local)
    seen: set[str] = set()
    for dist in distributions():
        read = _read(dist)
        if read is None:
            continue
        text, name, version = read
        dkey = _names.dist_key(name)
        if dkey in seen:
            continue
        seen.add(dkey)
        if dkey in RESERVED_DISTRIBUTIONS:
            # The registry registers a reserved distribution's plugin modules itself, under
            # the names their entry points give (mlxinit's `builtin = "mlxinit_builtin"` is
            # BUILTIN_PLUGIN): nothing to load here, only the version to note.
            own = local.providers.get(dkey)
            if own is not None and version:
                own.version = version
            continue
        if selected and dkey not in selected:
            continue
        found.distribution(dist, text, name, version, blocked=dkey in blocked_now)
    for missing in (s for s in selected if s not in seen and s not in RESERVED_DISTRIBUTIONS):
        prov = Provider(missing, "plugin", None)
        prov.fail("MLXINIT_PLUGINS", f"{missing!r} is selected but no installed distribution has that name",
                  stage="selection")
        found.providers.append(prov)
    return PluginSet(
        providers=found.providers,
        entries=found.entries,
        presets=found.presets,
        resolvers=found.resolvers,
        pm=found.pm,
        scanned=True,
        **controls,
    )


class _Found:
    """What one scan finds, distribution by distribution."""

    def __init__(self, local: PluginSet) -> None:
        self.local = local
        self.providers: list[Provider] = []
        self.entries: list[Entry] = []
        self.presets: list[PresetEntry] = []
        self.resolvers: list[Any] = []
        self.pm: Any = None

    def manager(self) -> Any:
        """The plugin manager of this discovery, holding the registry's own plugins too."""
        if self.pm is None:
            from ._hooks import plugin_manager

            self.pm = plugin_manager()
            if self.local.pm is not None:
                for name, plugin in self.local.pm.list_name_plugin():
                    if plugin is not None:
                        self.pm.register(plugin, name=name)
        return self.pm

    def distribution(self, dist: Any, text: str, name: str, version: str | None, *, blocked: bool) -> None:
        prov = Provider(name, "plugin", version)
        eps = _entry_points(dist, text, prov)
        if not eps and not prov.failures:
            return
        self.providers.append(prov)
        taken: set[str] = set()
        for ep in eps:
            if ep.group == INITIALIZERS_GROUP:
                self._initializer(prov, ep, taken)
        preset_keys: set[str] = set()
        for ep in eps:
            if ep.group == PRESETS_GROUP:
                self._preset(prov, ep, preset_keys)
        hook_eps = [ep for ep in eps if ep.group == PLUGINS_GROUP]
        if not hook_eps:
            return
        pm = self.manager()
        from ._hooks import plugin_name

        if blocked:
            prov.hooks_skipped = True  # a blocked plugin's code is never imported
            for ep in hook_eps:
                pm.set_blocked(plugin_name(prov.name, ep.name))
            return
        for ep in hook_eps:
            self._hook_plugin(pm, prov, ep, taken)

    def _initializer(self, prov: Provider, ep: Any, taken: set[str]) -> None:
        where = f"entry point {ep.name} = {ep.value}"
        try:
            ns, plain = split_qualified(ep.name)
            if ns is not None:
                check_namespace(ns, prov)
            check_name(plain)
            _check_value(ep, need_attr=True)
        except RegistrationError as e:
            prov.fail(where, str(e), e, stage="metadata")
            return
        entry = Entry(plain, prov, ENTRY_POINT, ep=ep, target=ep.value, namespace=ns)
        keys = own_keys(entry)
        if keys & taken:
            prov.fail(where, f"declares {plain!r} twice", None, stage="metadata")
            return
        taken |= keys
        self.entries.append(entry)

    def _preset(self, prov: Provider, ep: Any, taken: set[str]) -> None:
        where = f"preset {ep.name} = {ep.value}"
        problem = _preset_name_error(ep.name)
        if problem is None:
            try:
                _check_value(ep, need_attr=True)
            except RegistrationError as e:
                problem = str(e)
        if problem is None and _names.key(ep.name) in taken:
            problem = f"declares the preset {ep.name!r} twice"
        if problem is not None:
            prov.fail(where, problem, stage="metadata")
            return
        taken.add(_names.key(ep.name))
        self.presets.append(PresetEntry(ep.name, prov, ENTRY_POINT, ep=ep, target=ep.value))

    def _hook_plugin(self, pm: Any, prov: Provider, ep: Any, taken: set[str]) -> None:
        """Import one ``mlxinit.plugins`` entry point, register it and call its register hook."""
        from ._hooks import RESOLVE, Resolver, admit, implements, plugin_name, register_initializers

        where = f"plugin {ep.name} = {ep.value}"
        who = f"plugin {ep.name!r} ({ep.value}) of distribution {prov.name} {prov.version or ''}".rstrip()
        pname = plugin_name(prov.name, ep.name)
        if pm.is_blocked(pname):
            return
        try:
            _check_value(ep, need_attr=False)
        except RegistrationError as e:
            prov.fail(where, str(e), e, stage="metadata")
            return
        try:
            plugin = ep.load()
        except Exception as e:
            prov.fail(where, f"import failed: {type(e).__name__}: {e}", e, stage="plugin")
            return
        try:
            admit(pm, plugin, pname)
        except Exception as e:
            detail = " ".join(str(e).split())
            err = PluginError(
                f"Rejected {who}: {detail}", distribution=prov.name, version=prov.version, plugin=ep.value
            )
            err.__cause__ = e
            prov.fail(where, f"rejected: {detail}", err, stage="plugin")
            return
        entries, error = register_initializers(pm, plugin, prov, HOOK, taken)
        if error is not None:
            prov.fail(
                where, f"mlxinit_register_initializers raised {type(error).__name__}: {error}", error, stage="plugin"
            )
        self.entries.extend(entries)
        if implements(pm, RESOLVE, plugin):
            self.resolvers.append(Resolver(pm, plugin, prov))
