"""Building an :class:`Initializer` from a resolved entry: parameters checked, factory called, value made."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import mlx.core as mx

from . import _names
from ._dtypes import dtype_name, resolve_dtype
from ._errors import (
    FactoryError,
    InvalidIdentifierError,
    InvalidParameterError,
    MissingParameterError,
    MlxinitError,
    ParameterTypeError,
    UnknownParameterError,
)
from ._initializer import Fill, Initializer
from ._rng import is_key, key_from

if TYPE_CHECKING:
    from ._registry import Registry

__all__ = ["BuildEntry", "build", "split_config", "stream_key", "takes_registry"]

#: Keywords of a factory that are not hyper-parameters.
RESERVED_PARAMS = frozenset({"dtype", "seed", "key", "registry"})


class BuildEntry(Protocol):
    """What :func:`build` needs of a resolved name (the registry's entry records have it)."""

    name: str
    accepted: frozenset[str]
    required: tuple[str, ...]
    var_kw: bool
    builds_dtype: bool

    @property
    def qualified(self) -> str: ...


_takes_registry: dict[Any, bool] = {}


def takes_registry(factory: Callable[..., Any]) -> bool:
    """Whether a factory declares a ``registry`` keyword (it then composes through the registry building it)."""
    code = getattr(factory, "__code__", None) or factory
    hit = _takes_registry.get(code)
    if hit is None:
        import inspect

        try:
            p = inspect.signature(factory).parameters.get("registry")
        except (TypeError, ValueError):
            p = None
        hit = p is not None and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        _takes_registry[code] = hit
    return hit


def stream_key(name: str, seed: Any, key: Any) -> mx.array | None:
    """The base key of an initializer's own stream, from ``seed=`` or ``key=`` (``None``: neither)."""
    if seed is not None and key is not None:
        raise InvalidIdentifierError(f"{name}: give either seed or key, not both.")
    if seed is not None:
        try:
            return key_from(seed)
        except TypeError:
            raise ParameterTypeError(name, "seed", "an int in [0, 2**64)", seed) from None
        except ValueError:
            raise InvalidParameterError(name, "seed", "an int in [0, 2**64)", seed) from None
    if key is None:
        return None
    if not is_key(key):
        raise ParameterTypeError(name, "key", "an mx.random.key(...): a (2,) uint32 array", key)
    return key  # type: ignore[no-any-return]


def split_config(
    config: Mapping[Any, Any], dtype: Any, seed: Any, key: Any, params: dict[str, Any]
) -> tuple[str, Any, Any, Any, dict[str, Any]]:
    """``(name, dtype, seed, key, params)`` of a config mapping; explicit arguments win over the config's."""
    bad_keys = [k for k in config if not isinstance(k, str)]
    if bad_keys:
        raise InvalidIdentifierError(f"Initializer config: expected string keys, got {bad_keys[0]!r}.")
    if "name" not in config:
        raise InvalidIdentifierError(f"Initializer config: expected a 'name' key, got keys {sorted(config)!r}.")
    name = config["name"]
    if not isinstance(name, str):
        raise InvalidIdentifierError(f"Initializer config: 'name' expected a string, got {name!r}.")
    merged = {k: v for k, v in config.items() if k not in ("name", "dtype", "seed", "key")}
    merged.update(params)
    if dtype is None:
        dtype = config.get("dtype")
    if seed is None and key is None:
        seed = config.get("seed")
        key = config.get("key")
        if isinstance(key, (list, tuple)):
            if len(key) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**32 for v in key
            ):
                raise InvalidIdentifierError(
                    f"Initializer config: 'key' expected two integers in [0, 2**32), got {key!r}."
                )
            key = mx.array(key, dtype=mx.uint32)
    return name, dtype, seed, key, merged


def check_params(entry: BuildEntry, params: Mapping[str, Any]) -> None:
    """Unknown and missing hyper-parameters, before the factory is called."""
    if not entry.var_kw:
        for p in params:
            if p not in entry.accepted:
                raise UnknownParameterError(
                    entry.name, p, sorted(entry.accepted), _names.close_matches(p, entry.accepted, n=1)
                )
    for r in entry.required:
        if r not in params:
            raise MissingParameterError(entry.name, r)


def build(
    entry: BuildEntry,
    factory: Callable[..., Any],
    *,
    config_name: str,
    dtype: Any,
    seed: Any,
    key: Any,
    params: dict[str, Any],
    registry: Registry,
    describe: Callable[[], str],
    on_failure: Callable[[str, BaseException | None], None] | None = None,
) -> Initializer:
    """Call ``factory`` with ``params`` (and ``dtype``, and ``registry`` where it asks) and make the value.

    Args:
        entry: the resolved name (its accepted and required parameters).
        factory: the loaded factory.
        config_name: the name as the config records it (qualified for plugins).
        describe: says where the factory comes from, for errors.
        on_failure: told when a factory raises or returns something unusable.
    """
    if "registry" in params:
        raise InvalidIdentifierError(
            f"{entry.name}: 'registry' is not a hyper-parameter; a factory that declares it gets the building registry."
        )
    check_params(entry, params)
    dt = resolve_dtype(dtype)
    base_key = stream_key(entry.name, seed, key)
    kwargs = dict(params)
    if dt is not None:
        if not entry.builds_dtype:
            raise UnknownParameterError(entry.name, "dtype", sorted(entry.accepted))
        kwargs["dtype"] = dt
    if takes_registry(factory):
        kwargs["registry"] = registry
    try:
        made = factory(**kwargs)
    except MlxinitError:
        raise
    except Exception as e:
        if on_failure is not None:
            on_failure(f"raised {type(e).__name__}: {e}", e)
        raise FactoryError(
            f"The factory of {entry.qualified!r} ({describe()}) raised {type(e).__name__}: {e}"
        ) from e
    if not (isinstance(made, (Fill, Initializer)) or callable(made)):
        if on_failure is not None:
            on_failure(f"returned {made!r}, not an initializer", None)
        raise FactoryError(
            f"The factory of {entry.qualified!r} ({describe()}) returned {made!r}, expected an initializer callable."
        )
    config: dict[str, Any] = {"name": config_name, **params}
    if dt is not None:
        config["dtype"] = dtype_name(dt)
    if seed is not None:
        config["seed"] = seed
    elif base_key is not None:
        config["key"] = [int(v) for v in base_key.tolist()]  # type: ignore[union-attr, arg-type]
    return Initializer(made, name=config_name, config=config, dtype=dt, key=base_key)
