"""Plugin discovery: entry points and pluggy hooks, read once and on demand.

Nothing here runs at ``import mlxinit``; the registry calls :func:`discover` on the
first lookup that needs plugins, and :func:`register_builtins` when it is created.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _names
from ._errors import RegistrationError
from ._registry import ENTRY_POINT, HOOK, Registrar, _Entry, _Provider, _split_qualified

if TYPE_CHECKING:
    from ._registry import Registry

__all__ = [
    "INITIALIZERS_GROUP",
    "PLUGINS_GROUP",
    "DiscoveryResult",
    "discover",
    "env_blocked",
    "env_preferences",
    "register_builtins",
]

INITIALIZERS_GROUP = "mlxinit.initializers"
PLUGINS_GROUP = "mlxinit.plugins"

DistributionSource = Callable[[], Iterable[Any]]


@dataclass
class DiscoveryResult:
    providers: list[_Provider] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    resolvers: list[tuple[_Provider, Callable[..., Any]]] = field(default_factory=list)
    plugin_manager: Any = None
    autoload: bool = True
    selected: tuple[str, ...] | None = None


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


def _plugin_manager() -> Any:
    import pluggy

    from . import hookspecs

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def _call_impl(impl: Any, **kwargs: Any) -> Any:
    return impl.function(**{a: kwargs[a] for a in impl.argnames})


def _admit(pm: Any, plugin: Any, name: str) -> None:
    """Register ``plugin`` with pluggy, which checks its hook names and signatures."""
    pm.register(plugin, name=name)
    try:
        pm.check_pending()
    except Exception:
        pm.unregister(plugin)
        raise


def _impls(pm: Any, hook: str, plugin: Any) -> list[Any]:
    return [i for i in getattr(pm.hook, hook).get_hookimpls() if i.plugin is plugin]


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
    """Collects one plugin's registrations; kept only if its hook returns normally."""

    def __init__(self, registry: Registry, provider: _Provider, taken: set[str]) -> None:
        self.registry = registry
        self.provider = provider
        self.taken = taken
        self.entries: list[_Entry] = []

    def __call__(self, name: str, factory: Callable[..., Any], aliases: tuple[str, ...]) -> None:
        if not isinstance(name, str):
            raise RegistrationError(f"Initializer name: expected a string, got {name!r}.")
        ns, plain = _split_qualified(name)
        entry = self.registry._make_entry(plain, factory, aliases, self.provider, HOOK, namespace=ns)
        entry.target = entry.target or repr(factory)
        own = self._own_keys(entry)
        clash = own & self.taken
        if clash:
            raise RegistrationError(
                f"{self.provider.name} registers {name!r} twice (or with a clashing alias)."
            )
        self.taken |= own
        self.entries.append(entry)

    @staticmethod
    def _own_keys(entry: _Entry) -> set[str]:
        ns = entry.namespace or ""
        return {f"{ns}:{_names.key(n)}" for n in (entry.name, *entry.aliases)}


def discover(
    registry: Registry,
    environ: Mapping[str, str] | None,
    distributions: DistributionSource | None,
) -> DiscoveryResult:
    """Scan installed distributions for mlxinit entry points, once.

    Only distributions whose ``entry_points.txt`` mentions an ``mlxinit.`` group are
    parsed; a distribution seen twice on ``sys.path`` counts once (the first wins, as
    for imports). Every failure is recorded on its provider, never raised.
    """
    env = _env(environ)
    result = DiscoveryResult()
    result.autoload = not _truthy(env.get("MLXINIT_DISABLE_PLUGIN_AUTOLOAD"))
    selected = [_names.dist_key(d) for d in _csv(env.get("MLXINIT_PLUGINS"))]
    result.selected = tuple(selected) if selected else None
    if not result.autoload and not selected:
        return result
    blocked_now = registry._blocked | env_blocked(environ)
    if distributions is None:
        import importlib_metadata

        distributions = importlib_metadata.distributions
    pm = None
    seen: set[str] = set()
    for dist in distributions():
        try:
            text = dist.read_text("entry_points.txt")
        except Exception:  # unreadable metadata of some unrelated distribution
            continue
        if not text or "mlxinit." not in text:
            continue
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if not name:
            continue
        dkey = _names.dist_key(name)
        if dkey in seen or dkey == "mlxinit":
            continue
        seen.add(dkey)
        if selected and dkey not in selected:
            continue
        prov = _Provider(name, "plugin", version)
        result.providers.append(prov)
        try:
            eps = list(dist.entry_points)
        except Exception as e:
            prov.fail("entry_points.txt", f"unreadable: {type(e).__name__}: {e}", e)
            continue
        taken: set[str] = set()
        for ep in eps:
            if ep.group != INITIALIZERS_GROUP:
                continue
            where = f"entry point {ep.name} = {ep.value}"
            try:
                ns, plain = _split_qualified(ep.name)
                registry._check_name(plain)
                if ":" not in ep.value:
                    raise RegistrationError(
                        f"value {ep.value!r}: expected 'package.module:factory'"
                    )
            except RegistrationError as e:
                prov.fail(where, str(e), e)
                continue
            entry = _Entry(plain, prov, ENTRY_POINT, ep=ep, target=ep.value, namespace=ns)
            keys = _Collector._own_keys(entry)
            if keys & taken:
                prov.fail(where, f"declares {ep.name!r} twice", None)
                continue
            taken |= keys
            result.entries.append(entry)
        hook_eps = [ep for ep in eps if ep.group == PLUGINS_GROUP]
        if not hook_eps:
            continue
        if dkey in blocked_now:
            continue  # a blocked plugin's code is never imported
        if pm is None:
            pm = _plugin_manager()
        for ep in hook_eps:
            where = f"plugin {ep.name} = {ep.value}"
            try:
                plugin = ep.load()
            except Exception as e:
                prov.fail(where, f"import failed: {type(e).__name__}: {e}", e)
                continue
            try:
                _admit(pm, plugin, f"{prov.name}:{ep.name}")
            except Exception as e:
                prov.fail(where, f"rejected: {type(e).__name__}: {e}", e)
                continue
            collector = _Collector(registry, prov, set(taken))
            registrar = Registrar(collector, prov.name)
            try:
                for impl in _impls(pm, "mlxinit_register_initializers", plugin):
                    _call_impl(impl, registry=registrar)
            except Exception as e:
                prov.fail(where, f"mlxinit_register_initializers raised {type(e).__name__}: {e}", e)
            else:
                taken |= collector.taken
                result.entries.extend(collector.entries)
            for impl in _impls(pm, "mlxinit_resolve_initializer", plugin):
                result.resolvers.append((prov, _bind_resolver(impl)))
    result.plugin_manager = pm
    return result
