"""Plugin discovery: entry points and pluggy hooks, read once and on demand.

Nothing here runs at ``import mlxinit``; the registry calls :func:`discover` on the
first lookup that needs plugins, and :func:`register_builtins` when it is created.

Two entry-point groups are read:

* ``mlxinit.initializers``: ``name = "package.module:factory"``. Only the metadata is
  read at discovery; the module is imported by the first ``get()`` of that name.
* ``mlxinit.plugins``: ``name = "package.module"`` (or ``module:object``) holding pluggy
  hook implementations marked with ``mlxinit.hookimpl``. The module is imported at
  discovery and its ``mlxinit_register_initializers`` hook is called once.

Every failure (unreadable metadata, a malformed entry point, an import error, a hook
rejected by pluggy or raising) is recorded on the distribution's provider and shows in
:meth:`mlxinit.Registry.plugin_report`; it never stops the scan of other distributions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _names
from ._errors import PluginError, RegistrationError
from ._registry import ENTRY_POINT, HOOK, Registrar, _Entry, _Provider, _split_qualified

if TYPE_CHECKING:
    from ._registry import Registry

__all__ = [
    "INITIALIZERS_GROUP",
    "PLUGINS_GROUP",
    "DiscoveryResult",
    "check_namespace",
    "discover",
    "env_blocked",
    "env_preferences",
    "register_builtins",
]

INITIALIZERS_GROUP = "mlxinit.initializers"
PLUGINS_GROUP = "mlxinit.plugins"
_GROUPS = (INITIALIZERS_GROUP, PLUGINS_GROUP)
_HOOKS = ("mlxinit_register_initializers", "mlxinit_resolve_initializer")

DistributionSource = Callable[[], Iterable[Any]]

#: A namespace is spelled like a distribution name (PEP 508).
_NAMESPACE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass
class DiscoveryResult:
    """What one scan found, installed into the registry in one swap."""

    providers: list[_Provider] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    resolvers: list[tuple[_Provider, Callable[..., Any]]] = field(default_factory=list)
    plugin_manager: Any = None
    autoload: bool = True
    selected: tuple[str, ...] | None = None
    blocked: frozenset[str] = frozenset()
    preferences: dict[str, str] = field(default_factory=dict)
    scanned: bool = False


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


def check_namespace(namespace: str, provider: _Provider) -> str:
    """Validate a plugin-declared namespace (``"acme"`` in ``"acme:scaled_normal"``)."""
    if not _NAMESPACE.match(namespace):
        raise RegistrationError(
            f"Namespace {namespace!r} of {provider.name}: expected letters, digits, '-', '_' or '.', "
            "like a distribution name."
        )
    if _names.dist_key(namespace) == "mlxinit":
        raise RegistrationError(
            f"Namespace 'mlxinit' is reserved for the built-in initializers; {provider.name} cannot use it."
        )
    return namespace


def _plugin_manager() -> Any:
    import pluggy

    from . import hookspecs

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def _call_impl(impl: Any, **kwargs: Any) -> Any:
    return impl.function(**{a: kwargs[a] for a in impl.argnames})


def _impls(pm: Any, hook: str, plugin: Any) -> list[Any]:
    return [i for i in getattr(pm.hook, hook).get_hookimpls() if i.plugin is plugin]


def _admit(pm: Any, plugin: Any, name: str) -> None:
    """Register ``plugin`` with pluggy, which checks its hook names and signatures.

    Raises:
        pluggy.PluginValidationError: a wrong signature or an unknown hook name.
        ValueError: the plugin provides no hook implementation at all, or a wrapper.
    """
    pm.register(plugin, name=name)
    try:
        pm.check_pending()
        impls = [i for h in _HOOKS for i in _impls(pm, h, plugin)]
        wrappers = [i for i in impls if i.hookwrapper or i.wrapper]
        if wrappers:
            raise ValueError(
                f"{wrappers[0].function.__name__} is a hook wrapper; mlxinit hooks take plain implementations."
            )
        if not impls:
            unmarked = sorted(
                a for a in dir(plugin) if a.startswith("mlxinit_") and callable(getattr(plugin, a, None))
            )
            if unmarked:
                raise ValueError(
                    f"{', '.join(unmarked)} not marked with @mlxinit.hookimpl, so pluggy ignores it."
                )
            raise ValueError("no hook implementation marked with @mlxinit.hookimpl.")
    except Exception:
        pm.unregister(plugin)
        raise


def _bind_resolver(impl: Any) -> Callable[..., Any]:
    def resolve(name: str) -> Any:
        return _call_impl(impl, name=name)

    return resolve


def register_builtins(registry: Registry, provider: _Provider) -> None:
    """Register the built-in initializers through their ``mlxinit_register_initializers`` hook.

    The built-in plugin is imported explicitly (no package metadata is read), so it works
    in frozen applications too.
    """
    import mlxinit_builtin

    pm = _plugin_manager()
    _admit(pm, mlxinit_builtin, "mlxinit.builtin")

    def sink(name: str, factory: Callable[..., Any], aliases: tuple[str, ...]) -> None:
        registry._add_builtin(name, factory, aliases)

    registrar = Registrar(sink, provider.name)
    for impl in _impls(pm, "mlxinit_register_initializers", mlxinit_builtin):
        _call_impl(impl, registry=registrar)


class _Collector:
    """Collects one plugin's registrations; they count only if its hook returns normally."""

    def __init__(self, registry: Registry, provider: _Provider, taken: set[str]) -> None:
        self.registry = registry
        self.provider = provider
        self.taken = taken
        self.entries: list[_Entry] = []

    def __call__(self, name: str, factory: Callable[..., Any], aliases: tuple[str, ...]) -> None:
        if not isinstance(name, str):
            raise RegistrationError(f"Initializer name: expected a string, got {name!r}.")
        ns, plain = _split_qualified(name)
        if ns is not None:
            check_namespace(ns, self.provider)
        entry = self.registry._make_entry(plain, factory, aliases, self.provider, HOOK, namespace=ns)
        entry.target = entry.target or repr(factory)
        own = own_keys(entry)
        clash = own & self.taken
        if clash:
            raise RegistrationError(
                f"{self.provider.name} registers {name!r} twice (or with a name or alias it already declared)."
            )
        self.taken |= own
        self.entries.append(entry)


def own_keys(entry: _Entry) -> set[str]:
    """The keys of an entry's name and aliases within its namespace.

    A distribution claims each (namespace, name) once; it may offer one name under two
    namespaces of its own (``keras:he_normal`` and ``jax:he_normal``), which then makes
    the distribution-qualified and plain names ambiguous (a conflict naming both).
    """
    ns = entry.namespace or ""
    return {f"{ns}:{_names.key(n)}" for n in (entry.name, *entry.aliases)}


def _parse_entry_points(text: str, prov: _Provider) -> list[Any]:
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


def _entry_points(dist: Any, text: str, prov: _Provider) -> list[Any]:
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


def discover(
    registry: Registry,
    environ: Mapping[str, str] | None,
    distributions: DistributionSource | None,
) -> DiscoveryResult:
    """Scan installed distributions for mlxinit entry points, once.

    Only distributions whose ``entry_points.txt`` mentions an ``mlxinit.`` group are
    parsed; a distribution seen twice on ``sys.path`` counts once (the first wins, as
    for imports). Every failure is recorded on its provider, never raised.
    The ``MLXINIT_*`` controls are read here, once per scan.
    """
    env = _env(environ)
    result = DiscoveryResult()
    result.autoload = not _truthy(env.get("MLXINIT_DISABLE_PLUGIN_AUTOLOAD"))
    selected = list(dict.fromkeys(_names.dist_key(d) for d in _csv(env.get("MLXINIT_PLUGINS"))))
    result.selected = tuple(selected) if selected else None
    result.blocked = frozenset(env_blocked(environ) - {"mlxinit"})
    result.preferences = env_preferences(environ)
    if not result.autoload and not selected:
        return result
    blocked_now = registry._blocked | result.blocked
    if distributions is None:
        import importlib_metadata

        distributions = importlib_metadata.distributions
    result.scanned = True
    pm = None
    seen: set[str] = set()
    for dist in distributions():
        read = _read(dist)
        if read is None:
            continue
        text, name, version = read
        dkey = _names.dist_key(name)
        if dkey in seen or dkey == "mlxinit":
            continue
        seen.add(dkey)
        if selected and dkey not in selected:
            continue
        prov = _Provider(name, "plugin", version)
        eps = _entry_points(dist, text, prov)
        if not eps and not prov.failures:
            continue  # only other mlxinit groups (presets, …): not an initializer plugin
        result.providers.append(prov)
        taken: set[str] = set()
        for ep in eps:
            if ep.group != INITIALIZERS_GROUP:
                continue
            where = f"entry point {ep.name} = {ep.value}"
            try:
                ns, plain = _split_qualified(ep.name)
                if ns is not None:
                    check_namespace(ns, prov)
                registry._check_name(plain)
                _check_value(ep, need_attr=True)
            except RegistrationError as e:
                prov.fail(where, str(e), e, stage="metadata")
                continue
            entry = _Entry(plain, prov, ENTRY_POINT, ep=ep, target=ep.value, namespace=ns)
            keys = own_keys(entry)
            if keys & taken:
                prov.fail(where, f"declares {plain!r} twice", None, stage="metadata")
                continue
            taken |= keys
            result.entries.append(entry)
        hook_eps = [ep for ep in eps if ep.group == PLUGINS_GROUP]
        if not hook_eps:
            continue
        if dkey in blocked_now:
            prov.hooks_skipped = True  # a blocked plugin's code is never imported
            continue
        if pm is None:
            pm = _plugin_manager()
        for ep in hook_eps:
            _load_hook_plugin(registry, pm, prov, ep, taken, result)
    for missing in (s for s in selected if s not in seen and s != "mlxinit"):
        prov = _Provider(missing, "plugin", None)
        prov.fail("MLXINIT_PLUGINS", f"{missing!r} is selected but no installed distribution has that name",
                  stage="selection")
        result.providers.append(prov)
    result.plugin_manager = pm
    return result


def _load_hook_plugin(
    registry: Registry, pm: Any, prov: _Provider, ep: Any, taken: set[str], result: DiscoveryResult
) -> None:
    """Import one ``mlxinit.plugins`` entry point, validate it and call its register hook."""
    where = f"plugin {ep.name} = {ep.value}"
    who = f"plugin {ep.name!r} ({ep.value}) of distribution {prov.name} {prov.version or ''}".rstrip()
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
        _admit(pm, plugin, f"{prov.name}:{ep.name}")
    except Exception as e:
        detail = " ".join(str(e).split())
        err = PluginError(
            f"Rejected {who}: {detail}", distribution=prov.name, version=prov.version, plugin=ep.value
        )
        err.__cause__ = e
        prov.fail(where, f"rejected: {detail}", err, stage="plugin")
        return
    collector = _Collector(registry, prov, set(taken))
    registrar = Registrar(collector, prov.name)
    try:
        for impl in _impls(pm, "mlxinit_register_initializers", plugin):
            _call_impl(impl, registry=registrar)
    except Exception as e:
        prov.fail(where, f"mlxinit_register_initializers raised {type(e).__name__}: {e}", e, stage="plugin")
        for entry in collector.entries:  # names it got to register fail with the hook's error
            entry.error = e
            entry.factory = None
            result.entries.append(entry)
    else:
        result.entries.extend(collector.entries)
    taken |= collector.taken
    for impl in _impls(pm, "mlxinit_resolve_initializer", plugin):
        result.resolvers.append((prov, _bind_resolver(impl)))
