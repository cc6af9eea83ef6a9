"""Plugin hooks, called through pluggy's plugin manager one plugin at a time.

A registry keeps every plugin module it uses (the built-ins' and, after discovery, each
installed ``mlxinit.plugins`` entry point) registered in one :class:`pluggy.PluginManager`,
named ``"<distribution>:<entry point name>"``. pluggy checks each plugin's hook names and
signatures when it is registered; plugins of blocked distributions are blocked by name
(:meth:`~pluggy.PluginManager.set_blocked`), so they are never imported.

Hooks are called through the manager, one plugin at a time, with
:meth:`~pluggy.PluginManager.subset_hook_caller` leaving out every other plugin: a single
``pm.hook.mlxinit_register_initializers(...)`` call would stop at the first plugin that
raises and could not tell which distribution registered which name, while mlxinit
promises that a plugin that raises loses only its own names, each attributed to its
distribution. (pluggy >= 1.7 leaves out other plugins by their implementations, so a
plugin that names its function through ``specname=`` is left out too.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from . import _names, hookspecs
from ._entries import (
    Entry,
    Provider,
    Registrar,
    check_namespace,
    make_entry,
    own_keys,
    split_qualified,
)
from ._errors import RegistrationError

if TYPE_CHECKING:
    from ._records import Source

__all__ = [
    "HOOK_NAMES",
    "REGISTER",
    "RESOLVE",
    "Resolver",
    "admit",
    "call_one",
    "implements",
    "plugin_manager",
    "plugin_name",
    "register_initializers",
]

REGISTER = "mlxinit_register_initializers"
RESOLVE = "mlxinit_resolve_initializer"
HOOK_NAMES = (REGISTER, RESOLVE)


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager for project ``"mlxinit"`` with the hook specifications of :mod:`mlxinit.hookspecs`."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def call_one(pm: pluggy.PluginManager, hook: str, plugin: object) -> Callable[..., list[Any]]:
    """``pm.hook.<hook>`` restricted to ``plugin``'s implementations."""
    others = [p for p in pm.get_plugins() if p is not plugin]
    caller: Callable[..., list[Any]] = pm.subset_hook_caller(hook, remove_plugins=others)
    return caller


def implements(pm: pluggy.PluginManager, hook: str, plugin: object) -> bool:
    """Whether ``plugin`` (registered in ``pm``) implements ``hook``."""
    return any(i.plugin is plugin for i in getattr(pm.hook, hook).get_hookimpls())


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    return [hc.name for hc in pm.get_hookcallers(plugin) or () if not hc.has_spec()]


def _did_you_mean(name: str) -> str:
    import difflib  # on first use: keeps `import mlxinit` light

    near = difflib.get_close_matches(name, HOOK_NAMES, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else f" (mlxinit's hooks: {', '.join(HOOK_NAMES)})"


def admit(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin`` under ``name``; pluggy checks its hook names and signatures.

    Raises:
        pluggy.PluginValidationError: a wrong signature, or an unknown hook name (with the
            hook it was probably meant to be).
        ValueError: the name or the plugin is registered already, the plugin provides no
            hook implementation at all, or a wrapper.
    """
    if pm.get_plugin(name) is not None:
        raise ValueError(f"a plugin named {name!r} is registered already")
    if pm.is_registered(plugin):
        raise ValueError(f"{plugin!r} is registered already, as {pm.get_name(plugin)!r}")
    try:
        pm.register(plugin, name=name)
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as e:
            unknown = _unknown_hooks(pm, plugin)
            hint = _did_you_mean(unknown[0]) if unknown else ""
            raise pluggy.PluginValidationError(plugin, f"{e}{hint}") from e
        impls = [i for h in HOOK_NAMES for i in getattr(pm.hook, h).get_hookimpls() if i.plugin is plugin]
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
                hint = "" if unmarked[0] in HOOK_NAMES else _did_you_mean(unmarked[0])
                raise ValueError(
                    f"{', '.join(unmarked)} not marked with @mlxinit.hookimpl, so pluggy ignores it{hint}."
                )
            raise ValueError("no hook implementation marked with @mlxinit.hookimpl.")
    except Exception:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
        raise


class _Collector:
    """Collects one plugin's registrations; they count only if its hook returns normally."""

    def __init__(self, provider: Provider, source: Source, taken: set[str]) -> None:
        self.provider = provider
        self.source: Source = source
        self.taken = taken
        self.entries: list[Entry] = []

    def __call__(self, name: str, factory: Callable[..., Any], aliases: Iterable[str]) -> None:
        if not isinstance(name, str):
            raise RegistrationError(f"Initializer name: expected a string, got {name!r}.")
        ns, plain = split_qualified(name)
        if ns is not None:
            check_namespace(ns, self.provider)
        entry = make_entry(plain, factory, aliases, self.provider, self.source, namespace=ns)
        entry.target = entry.target or repr(factory)
        own = own_keys(entry)
        if own & self.taken:
            raise RegistrationError(
                f"{self.provider.name} registers {name!r} twice (or with a name or alias it already declared)."
            )
        self.taken |= own
        self.entries.append(entry)


def register_initializers(
    pm: pluggy.PluginManager, plugin: object, provider: Provider, source: Source, taken: set[str]
) -> tuple[list[Entry], BaseException | None]:
    """Call ``plugin``'s ``mlxinit_register_initializers`` hook with a registrar for ``provider``.

    Returns:
        the entries it registered and ``None``; or, if the hook raised, those entries
        failed with the hook's error (so their names say why) and the error. ``taken``
        (the keys the distribution claimed so far) grows by what it registered.
    """
    collector = _Collector(provider, source, set(taken))
    try:
        call_one(pm, REGISTER, plugin)(registry=Registrar(collector, provider.name))
    except Exception as e:
        for entry in collector.entries:  # names it got to register fail with the hook's error
            entry.error = e
            entry.factory = None
        return collector.entries, e
    finally:
        taken |= collector.taken
    return collector.entries, None


class Resolver:
    """One plugin's ``mlxinit_resolve_initializer`` hook, called through the plugin manager."""

    __slots__ = ("_plugin", "_pm", "provider")

    def __init__(self, pm: pluggy.PluginManager, plugin: object, provider: Provider) -> None:
        self._pm = pm
        self._plugin = plugin
        self.provider = provider

    def __call__(self, name: str) -> Any:
        """The plugin's answer for ``name`` (``None`` to pass)."""
        # The subset is taken at call time: plugins registered after this one are left out too.
        answers = call_one(self._pm, RESOLVE, self._plugin)(name=name)
        return answers[0] if answers else None


def plugin_name(distribution: str, entry_point: str) -> str:
    """The name a plugin module is registered under: ``"<distribution key>:<entry point name>"``."""
    return f"{_names.dist_key(distribution)}:{entry_point}"
