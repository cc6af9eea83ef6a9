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
in :func:`mlxinit.plugin_report`) without affecting other plugins; a misspelt hook name
gets the name it was probably meant to be. Hooks are called through pluggy's plugin
manager, one plugin at a time, so one that raises loses only its own names.
The built-in initializers register through the very same hook: they are the plugin
``builtin = "mlxinit_builtin"`` of mlxinit's own ``mlxinit.plugins`` entry point.

See ``docs/plugins.md`` for the plugin author guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from ._hookimpl import PROJECT_NAME, hookimpl

if TYPE_CHECKING:
    from ._entries import Registrar

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "mlxinit_register_initializers",
    "mlxinit_resolve_initializer",
]

#: Marker for hook specifications (used by mlxinit itself).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)


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


@hookspec
def mlxinit_resolve_initializer(name: str) -> Any:
    """Resolve a name no registered initializer or entry point claims.

    Asked only after discovery found nothing for the name, so it never slows down a
    declared name. Use it for families of names (``"scaled_normal_0.5"``).

    Every plugin's resolver is asked (this is not a ``firstresult`` hook): the answers are
    compared, since two distributions answering the same name is a conflict.

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
