"""Module-level functions, all served by one default :class:`Registry` made on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import mlx.core as mx

from ._errors import RegistrationError
from ._initializer import Initializer
from ._registry import Preset, Registry
from ._typing import InitializerFactory

if TYPE_CHECKING:
    from ._records import InitializerInfo, PluginReport

__all__ = [
    "available",
    "available_presets",
    "block",
    "default_registry",
    "get",
    "info",
    "plugin_report",
    "prefer",
    "refresh",
    "register",
    "register_preset",
    "set_default_registry",
    "unblock",
    "unregister",
]

#: A factory, or anything registered under a name: ``register`` gives it back unchanged.
_F = TypeVar("_F", bound=InitializerFactory)
#: A preset: ``register_preset`` gives it back unchanged.
_P = TypeVar("_P", bound=Preset)

#: What :func:`get` resolves: a name, a config mapping, an initializer or a bare callable.
Identifier = str | Mapping[str, Any] | Initializer | Callable[..., Any]

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
    """Replace the default registry (``None``: make a new one on next use); returns the old one.

    Raises:
        RegistrationError: ``registry`` is neither a :class:`Registry` nor ``None``.
    """
    global _default
    if registry is not None and not isinstance(registry, Registry):
        raise RegistrationError(f"set_default_registry: expected a Registry or None, got {registry!r}.")
    with _default_lock:
        old, _default = _default, registry
    return old


def get(
    identifier: Identifier,
    *,
    dtype: mx.Dtype | str | None = None,
    seed: int | None = None,
    key: mx.array | None = None,
    **params: Any,
) -> Initializer:
    """Resolve a name, config mapping, initializer or callable to an :class:`mlxinit.Initializer`.

    See :meth:`Registry.get`.

    Example:
        >>> import mlx.core as mx
        >>> init = get("he_normal", dtype="bf16")
        >>> init(mx.zeros((4, 3))).dtype
        mlx.core.bfloat16
    """
    reg = _default or default_registry()
    return reg.get(identifier, dtype=dtype, seed=seed, key=key, **params)


@overload
def register(
    name: str, factory: None = None, *, aliases: Iterable[str] = (), override: bool = False
) -> Callable[[_F], _F]: ...


@overload
def register(name: str, factory: _F, *, aliases: Iterable[str] = (), override: bool = False) -> _F: ...


def register(
    name: str,
    factory: _F | None = None,
    *,
    aliases: Iterable[str] = (),
    override: bool = False,
) -> _F | Callable[[_F], _F]:
    """Register a factory at runtime; also a decorator. See :meth:`Registry.register`.

    Returns:
        ``factory`` itself; without ``factory``, a decorator that registers the function
        it decorates and returns it unchanged (its type included).

    Example:
        >>> import mlx.core as mx, mlxinit
        >>> @mlxinit.register("half_ones")
        ... def half_ones(*, dtype: mx.Dtype = mx.float32) -> mlxinit.Fill:
        ...     return mlxinit.Fill(lambda a, *, key=None: mx.full(a.shape, 0.5, dtype=dtype))
        >>> mlxinit.get("half_ones")((2,)).tolist()
        [0.5, 0.5]
        >>> mlxinit.unregister("half_ones")
    """
    if factory is None:

        def decorator(f: _F) -> _F:
            default_registry().register(name, f, aliases=aliases, override=override)
            return f

        return decorator
    default_registry().register(name, factory, aliases=aliases, override=override)
    return factory


def unregister(name: str) -> None:
    """Remove a runtime registration. See :meth:`Registry.unregister`."""
    default_registry().unregister(name)


def available(pattern: str | None = None, *, namespace: str | None = None) -> list[str]:
    """Sorted names as listed, optionally filtered by a shell-style pattern (``"he_*"``) or a
    namespace (``"torch"``). See :meth:`Registry.available`."""
    return default_registry().available(pattern, namespace=namespace)


def info(name: str, *, load: bool = True) -> InitializerInfo:
    """Describe a name: aliases, parameters, summary, provenance. See :meth:`Registry.info`."""
    return default_registry().info(name, load=load)


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


@overload
def register_preset(name: str, preset: None = None, *, override: bool = False) -> Callable[[_P], _P]: ...


@overload
def register_preset(name: str, preset: _P, *, override: bool = False) -> _P: ...


def register_preset(name: str, preset: _P | None = None, *, override: bool = False) -> _P | Callable[[_P], _P]:
    """Register a whole-model preset at runtime (also a decorator). See :meth:`Registry.register_preset`.

    A preset is ``preset(model, **options) -> [(rule key, identifier), ...]``; the rules
    take the same keys as :func:`mlxinit.apply`'s.

    Returns:
        ``preset`` itself; without ``preset``, a decorator that registers the function it
        decorates and returns it unchanged.
    """
    if preset is None:

        def decorator(f: _P) -> _P:
            default_registry().register_preset(name, f, override=override)
            return f

        return decorator
    default_registry().register_preset(name, preset, override=override)
    return preset


def available_presets(pattern: str | None = None) -> list[str]:
    """Names of the presets registered at runtime or declared by installed plugins.

    See :meth:`Registry.available_presets`.
    """
    return default_registry().available_presets(pattern)
