"""``mlxinit.hookimpl``: the marker for plugin hook implementations, typed, without importing pluggy.

It is pluggy's ``HookimplMarker("mlxinit")``: calling it marks a function exactly as
pluggy's marker does (pluggy does the marking). pluggy itself is imported on the first
use, not by ``import mlxinit``: importing pluggy costs about a third of ``import mlx.nn``
(it imports :mod:`inspect`), and only plugin modules and the plugin manager need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, final, overload

if TYPE_CHECKING:
    import pluggy

__all__ = ["PROJECT_NAME", "HookimplMarker", "hookimpl"]

#: pluggy's project name: the markers' attribute prefix and the ``mlxinit_`` hook prefix.
PROJECT_NAME: Final = "mlxinit"

_F = TypeVar("_F", bound=Callable[..., object])


@final
class HookimplMarker:
    """Marks a plugin function as an mlxinit hook implementation: ``@mlxinit.hookimpl``.

    Usable bare (``@mlxinit.hookimpl``) or with pluggy's options
    (``@mlxinit.hookimpl(tryfirst=True)``, ``specname=...``); the function is returned
    unchanged, so decorated plugins keep their types under ``mypy --strict``.

    Example:
        >>> import mlxinit
        >>> @mlxinit.hookimpl
        ... def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
        ...     pass
        >>> mlxinit.hookimpl.project_name
        'mlxinit'
    """

    __slots__ = ("_marker",)

    #: pluggy's project name (``"mlxinit"``).
    project_name: Final = PROJECT_NAME

    def __init__(self) -> None:
        self._marker: pluggy.HookimplMarker | None = None

    @overload
    def __call__(
        self,
        function: _F,
        *,
        hookwrapper: bool = ...,
        optionalhook: bool = ...,
        tryfirst: bool = ...,
        trylast: bool = ...,
        specname: str | None = ...,
        wrapper: bool = ...,
    ) -> _F: ...

    @overload
    def __call__(
        self,
        function: None = ...,
        *,
        hookwrapper: bool = ...,
        optionalhook: bool = ...,
        tryfirst: bool = ...,
        trylast: bool = ...,
        specname: str | None = ...,
        wrapper: bool = ...,
    ) -> Callable[[_F], _F]: ...

    def __call__(self, function: Any = None, **options: Any) -> Any:
        marker = self._marker
        if marker is None:
            import pluggy

            marker = self._marker = pluggy.HookimplMarker(PROJECT_NAME)
        return marker(function, **options)

    def __repr__(self) -> str:
        return f"<HookimplMarker {PROJECT_NAME!r}>"


#: Marker for plugin hook implementations: ``@mlxinit.hookimpl``.
hookimpl: Final = HookimplMarker()
