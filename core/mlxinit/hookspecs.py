"""Hook specifications for mlxinit plugins (pluggy, project name ``"mlxinit"``).

A plugin is a module (or any object) whose functions are marked with
:data:`hookimpl` and named after the specs below. It is found through the
``mlxinit.plugins`` entry-point group of its distribution::

    [project.entry-points."mlxinit.plugins"]
    acme = "acme_inits.plugin"

and looks like::

    import mlxinit

    @mlxinit.hookimpl
    def mlxinit_register_initializers(registry):
        registry.register("scaled_normal", scaled_normal, aliases=["snormal"])

Hook implementations are called with keyword arguments and may declare any subset
of a spec's arguments. A plugin whose implementation names an unknown hook or an
argument the spec does not have, or that marks nothing with :data:`hookimpl`, is
rejected (a :class:`mlxinit.PluginError` naming the plugin and its distribution, kept
in :func:`mlxinit.plugin_report`) without affecting other plugins. Each plugin's hook
is called on its own, so one that raises loses only its own names.
The built-in initializers register through the very same hook.

See ``docs/plugins.md`` for the plugin author guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ._registry import Registrar

__all__ = ["hookimpl", "hookspec", "mlxinit_register_initializers", "mlxinit_resolve_initializer"]

PROJECT_NAME = "mlxinit"

#: Marker for hook specifications (used by mlxinit itself).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Marker for plugin hook implementations: ``@mlxinit.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def mlxinit_register_initializers(registry: Registrar) -> None:
    """Register initializers.

    Called once per discovery (and again after :func:`mlxinit.refresh`).

    Args:
        registry: a registrar bound to the calling plugin's distribution. Call
            ``registry.register(name, factory, aliases=(...))`` for each initializer.
            A name may be qualified with a namespace of the plugin's own,
            ``"acme:scaled_normal"``; the plain name then also works while unambiguous.
    """


@hookspec(firstresult=True)
def mlxinit_resolve_initializer(name: str) -> Any:
    """Resolve a name no registered initializer or entry point claims.

    Asked only after discovery found nothing for the name, so it never slows down a
    declared name. Use it for families of names (``"scaled_normal_0.5"``).

    * A plain name asks every plugin's resolver; if two distributions answer, that is an
      :class:`mlxinit.InitializerConflictError` like two declarations of one name
      (settle it with a qualified name or :func:`mlxinit.prefer`).
    * A qualified name (``"acme-inits:scaled_normal_0.5"``) asks only the resolvers of
      that distribution (or of the plugin that declared that namespace), with the part
      after the colon.
    * The answer is remembered under the name until :func:`mlxinit.refresh`.
    * A resolver that raises or returns something that is not callable is recorded in
      the plugin report and treated as ``None``; other resolvers are still asked.

    Args:
        name: the name as the user wrote it, without any ``"namespace:"`` prefix.

    Returns:
        an initializer factory (called like a registered one, with the hyper-parameters
        and ``dtype`` given to :func:`mlxinit.get`), or ``None`` to pass.
    """
