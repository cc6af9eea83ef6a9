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
argument the spec does not have is rejected (and reported) without affecting others.
The built-in initializers register through the very same hook.
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

    Asked, in plugin order, only after discovery found nothing for ``name``; the first
    non-``None`` answer wins and is remembered under that name for the plugin's
    distribution. Use it for families of names (``"scaled_normal_0.5"``).

    Args:
        name: the name as the user wrote it.

    Returns:
        an initializer factory, or ``None`` to pass.
    """
