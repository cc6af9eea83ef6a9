"""Module-level functions, all served by one default :class:`Registry` made on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from ._initializer import Initializer
from ._registry import InitializerInfo, PluginReport, Registry

__all__ = [
    "available",
    "block",
    "default_registry",
    "get",
    "info",
    "plugin_report",
    "prefer",
    "refresh",
    "register",
    "set_default_registry",
    "unblock",
    "unregister",
]

_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry the module-level functions use, created on first call."""
    global _default
    reg = _default
    if reg is None:
        with _default_lock:
            if _default is None:
                _default = Registry()
            reg = _default
    return reg


def set_default_registry(registry: Registry | None) -> Registry | None:
    """Replace the default registry (``None``: make a new one on next use); returns the old one."""
    global _default
    with _default_lock:
        old, _default = _default, registry
    return old


def get(identifier: Any, *, dtype: Any = None, **params: Any) -> Initializer:
    """Resolve a name, config mapping, initializer or callable to an :class:`mlxinit.Initializer`.

    See :meth:`Registry.get`.

    Example:
        >>> import mlx.core as mx
        >>> init = get("he_normal", dtype="bf16")
        >>> init(mx.zeros((4, 3))).dtype
        mlx.core.bfloat16
    """
    reg = _default or default_registry()
    return reg.get(identifier, dtype=dtype, **params)


def register(
    name: str,
    factory: Callable[..., Any] | None = None,
    *,
    aliases: Iterable[str] = (),
    override: bool = False,
) -> Any:
    """Register a factory at runtime; also a decorator. See :meth:`Registry.register`."""
    return default_registry().register(name, factory, aliases=aliases, override=override)


def unregister(name: str) -> None:
    """Remove a runtime registration. See :meth:`Registry.unregister`."""
    default_registry().unregister(name)


def available(pattern: str | None = None) -> list[str]:
    """Sorted canonical names, optionally filtered by a shell-style pattern (``"he_*"``)."""
    return default_registry().available(pattern)


def info(name: str) -> InitializerInfo:
    """Describe a name: aliases, parameters, summary, provenance. See :meth:`Registry.info`."""
    return default_registry().info(name)


def refresh() -> None:
    """Re-read installed plugins on the next lookup (after a runtime install)."""
    default_registry().refresh()


def block(distribution: str) -> None:
    """Hide a plugin distribution's names (as ``MLXINIT_BLOCK`` does)."""
    default_registry().block(distribution)


def unblock(distribution: str) -> None:
    """Undo :func:`block`."""
    default_registry().unblock(distribution)


def prefer(name: str, distribution: str) -> None:
    """Resolve the plain ``name`` to ``distribution``'s initializer when several claim it."""
    default_registry().prefer(name, distribution)


def plugin_report() -> PluginReport:
    """Plugin distributions found, their names, failures and conflicts, and the controls in force."""
    return default_registry().plugin_report()
