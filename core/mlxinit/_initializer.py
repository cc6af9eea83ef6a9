"""The :class:`Initializer` value that :func:`mlxinit.get` returns, and :class:`Fill`, what factories return."""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, final

import mlx.core as mx

from . import _rng
from ._errors import FactoryError, GroupTargetError, MlxinitError, MlxinitWarning, ParameterTypeError, ShapeError
from ._group import GroupFill

if TYPE_CHECKING:
    import inspect

__all__ = ["DISTRIBUTIONS", "Distribution", "Fill", "Initializer", "Shape", "wrap_callable"]

Shape = tuple[int, ...]

#: The kinds of values an initializer produces, for plots and checks:
#: ``"normal"``, ``"truncated_normal"`` and ``"uniform"`` (i.i.d. draws around :attr:`Fill.mean` with the
#: promised std), ``"constant"``, ``"structured"`` (identity, dirac, eye, orthogonal) and ``"sparse"``.
Distribution = Literal["normal", "truncated_normal", "uniform", "constant", "structured", "sparse"]
DISTRIBUTIONS: tuple[str, ...] = ("normal", "truncated_normal", "uniform", "constant", "structured", "sparse")


@final
class Fill:
    """What a factory may return instead of a bare closure: the closure plus what it promises.

    A factory registered under a name returns either a plain ``init(a) -> mx.array`` or a
    :class:`Fill` wrapping it; :func:`mlxinit.get` turns both into an :class:`Initializer`.
    The promises are read by ``mlxinit sample``, the reference plots, ``apply``'s report and
    :meth:`Initializer.expected_std`.

    Attributes:
        function: the closure. It reads only ``a.shape`` and returns a new array of that
            shape. To be reproducible under seeds it takes a keyword ``key`` (``None`` for
            MLX's global generator) and passes it to :mod:`mlxinit.sampling`'s draws.
        expected_std: ``shape -> float``: the standard deviation of the values for an
            array of that shape (``None``: no promise).
        distribution: the kind of values (see :data:`Distribution`), or ``None``.
        mean: the centre of the distribution (for ``"normal"``, ``"uniform"`` and
            ``"truncated_normal"``). Default: ``0.0``.
        truncation: for ``"truncated_normal"``, the bounds in units of the untruncated std.

    Example:
        >>> import mlx.core as mx, mlxinit
        >>> from mlxinit import sampling
        >>> def scaled(*, std=0.5, dtype=mx.float32):
        ...     def init(a, *, key=None):
        ...         return sampling.normal(a.shape, scale=std, dtype=dtype, key=key)
        ...     return mlxinit.Fill(init, expected_std=lambda shape: std, distribution="normal")
        >>> reg = mlxinit.Registry(plugins=False)
        >>> _ = reg.register("scaled", scaled)
        >>> reg.get("scaled").expected_std((4, 4))
        0.5
    """

    __slots__ = ("distribution", "expected_std", "function", "mean", "truncation")
    function: Callable[..., mx.array]
    expected_std: Callable[[Shape], float] | None
    distribution: Distribution | None
    mean: float
    truncation: tuple[float, float] | None

    def __init__(
        self,
        function: Callable[..., mx.array],
        expected_std: Callable[[Shape], float] | None = None,
        distribution: Distribution | None = None,
        mean: float = 0.0,
        truncation: tuple[float, float] | None = None,
    ) -> None:
        if not callable(function):
            raise FactoryError(f"Fill: expected a callable initializer function, got {function!r}.")
        if expected_std is not None and not callable(expected_std):
            raise FactoryError(f"Fill: expected_std must be a callable shape -> float, got {expected_std!r}.")
        if distribution is not None and distribution not in DISTRIBUTIONS:
            raise FactoryError(f"Fill: distribution expected one of {DISTRIBUTIONS}, got {distribution!r}.")
        if _finite(mean) is None:
            raise FactoryError(f"Fill: mean expected a finite real number, got {mean!r}.")
        t = truncation
        if t is not None and not (
            isinstance(t, tuple) and len(t) == 2 and all(_bound(b) is not None for b in t) and t[0] < t[1]
        ):
            raise FactoryError(
                f"Fill: truncation expected None or a pair (lower, upper) with lower < upper, got {t!r}."
            )
        setattr_ = object.__setattr__
        setattr_(self, "function", function)
        setattr_(self, "expected_std", expected_std)
        setattr_(self, "distribution", distribution)
        setattr_(self, "mean", mean)
        setattr_(self, "truncation", truncation)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Fill is frozen; cannot set {name!r}.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fill):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("function", "expected_std", "distribution"))
        return f"Fill({shown}, mean={self.mean!r}, truncation={self.truncation!r})"


def _bound(x: object) -> float | None:
    """``x`` as a float that may be infinite, or ``None`` (not a real number, NaN, an int beyond floats)."""
    if isinstance(x, float):
        return None if math.isnan(x) else x
    return _finite(x)


def _finite(x: object) -> float | None:
    """``x`` as a finite float, or ``None`` (not a real number, NaN, infinite, or beyond the float range)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        v = float(x)
    except OverflowError:
        return None
    return v if math.isfinite(v) else None


_keywords_by_code: dict[Any, tuple[bool, bool]] = {}
_signature_by_code: dict[Any, inspect.Signature | None] = {}

#: MLX's array dimensions are 32-bit signed integers.
MAX_DIM = 2**31 - 1


def _keywords(fn: Callable[..., Any]) -> tuple[bool, bool]:
    """Whether ``fn`` takes a ``key`` and a ``region`` keyword (cached per code object: closures of one
    factory share it)."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        hit = _keywords_by_code.get(code)
        if hit is not None:
            return hit
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]

    def has(name: str) -> bool:
        p = params.get(name)
        return p is not None and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)

    hit = (has("key"), has("region"))
    if code is not None:
        _keywords_by_code[code] = hit
    return hit


def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``fn``'s signature (cached per code object), or ``None`` where it has none."""
    code = getattr(fn, "__code__", None)
    if code is not None and code in _signature_by_code:
        return _signature_by_code[code]
    import inspect

    try:
        sig: inspect.Signature | None = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    if code is not None:
        _signature_by_code[code] = sig
    return sig


def _check_call_arguments(name: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Call-time arguments the closure does not take raise a ParameterTypeError naming them.

    Only checked when a call passes arguments besides the array (``init(a, gain=2.0)``), so
    plain calls cost nothing; a closure without a signature is left to itself.
    """
    sig = _signature(fn)
    if sig is None:
        return
    try:
        sig.bind(None, *args, **kwargs)
    except TypeError:
        pass
    else:
        return
    params = list(sig.parameters.values())[1:]
    takes = [
        p.name
        for p in params
        if p.name not in ("key", "region") and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    expected = (
        "one of the call-time arguments " + ", ".join(repr(t) for t in takes)
        if takes
        else "no call-time arguments"
    ) + f" (hyper-parameters go to mlxinit.get({name!r}, ...))"
    for k, v in kwargs.items():
        if k not in takes:
            raise ParameterTypeError(name, k, expected, v)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    raise ParameterTypeError(
        name, "*args", f"at most {len(positional)} positional argument(s) after the array; {expected}", args
    )


def _check_dims(shape: tuple[Any, ...] | list[Any], name: str) -> Shape:
    """``shape`` as a tuple, if every entry is an int MLX takes as a dimension; else a ShapeError."""
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM for d in shape):
        raise ShapeError(name, tuple(shape), "a shape of non-negative ints (each at most 2**31 - 1, as in MLX)")
    return tuple(shape)


def _as_target(a: object, name: str) -> mx.array:
    """``a`` itself, or a lazy zero array standing for a shape given as a tuple or list."""
    if isinstance(a, mx.array):
        return a
    if isinstance(a, (tuple, list)):
        return mx.zeros(_check_dims(a, name))  # lazy: closures read only .shape, so it is never computed
    raise ParameterTypeError(name, "a", "an mx.array or a shape (tuple or list of ints)", a)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _fmt(value: Any) -> str:
    return repr(value)


@final
class Initializer:
    """A named initializer: a frozen value that is called like a function.

    :func:`mlxinit.get` returns one. Its :attr:`config` is read-only and rebuilds it
    (``mlxinit.get(init.config) == init``); two initializers with equal configs compare
    equal. Call it with an array (``init(a)``: an array of ``a``'s shape; only the shape
    is read) or a shape (``init((256, 128))``), optionally with an explicit
    ``key=mx.random.key(...)``.

    Randomness:

    * ``init(a, key=k)`` is a pure function of (config, ``k``, shape, dtype): it never
      reads or writes MLX's global generator.
    * ``init(a)`` of an initializer built with ``seed=``/``key=``: call *i* uses the
      *i*-th key of the seed's stream (see the seeds section of the docs).
    * ``init(a)`` otherwise draws from MLX's global generator, exactly as ``mlx.nn.init``
      does (the same values under the same ``mx.random.seed``).

    A closure from a plugin that takes no ``key`` argument cannot be given a key: for a
    keyed call it runs with MLX's global generator seeded from the key, then restored,
    and an :class:`MlxinitWarning` names it.

    Example:
        >>> import mlx.core as mx, mlxinit
        >>> init = mlxinit.get("normal", std=0.02)
        >>> init
        Initializer(normal, std=0.02)
        >>> init((2, 3)).shape
        (2, 3)
        >>> a = init((4,), key=mx.random.key(0))
        >>> bool(mx.array_equal(a, init((4,), key=mx.random.key(0))))
        True
        >>> init.config["std"] = 1.0
        Traceback (most recent call last):
          ...
        TypeError: 'mappingproxy' object does not support item assignment
    """

    __slots__ = (
        "_config",
        "_dtype",
        "_fill",
        "_fn",
        "_lock",
        "_name",
        "_serializable",
        "_stream",
        "_takes_key",
        "_takes_region",
    )
    _config: Mapping[str, Any]
    _dtype: mx.Dtype | None
    _fill: Fill
    _fn: Callable[..., mx.array]
    _lock: threading.Lock | None
    _name: str
    _serializable: bool
    _stream: mx.array | None
    _takes_key: bool
    _takes_region: bool

    def __init__(
        self,
        function: Callable[..., mx.array] | Fill,
        *,
        name: str,
        config: Mapping[str, Any] | None = None,
        dtype: mx.Dtype | None = None,
        key: mx.array | None = None,
        serializable: bool = True,
    ) -> None:
        if isinstance(function, Initializer):
            fill = function._fill  # a factory that returned another initializer: its closure and promises
        elif isinstance(function, Fill):
            fill = function
        else:
            fill = Fill(function)
        setattr_ = object.__setattr__
        setattr_(self, "_name", name)
        setattr_(self, "_config", MappingProxyType(dict(config) if config is not None else {"name": name}))
        setattr_(self, "_dtype", dtype)
        setattr_(self, "_fill", fill)
        setattr_(self, "_fn", fill.function)
        takes_key, takes_region = _keywords(fill.function)
        setattr_(self, "_takes_key", takes_key)
        setattr_(self, "_takes_region", takes_region)
        setattr_(self, "_stream", key)
        setattr_(self, "_lock", threading.Lock() if key is not None else None)
        setattr_(self, "_serializable", serializable)

    # ------------------------------------------------------------------ the value

    @property
    def name(self) -> str:
        """The canonical name (qualified, ``"dist:name"``, where it came from a plugin)."""
        return self._name

    @property
    def config(self) -> Mapping[str, Any]:
        """A read-only mapping that rebuilds this initializer: ``mlxinit.get(init.config)``."""
        return self._config

    @property
    def params(self) -> dict[str, Any]:
        """The hyper-parameters (the config without name, dtype, seed and key)."""
        return {k: v for k, v in self._config.items() if k not in ("name", "dtype", "seed", "key")}

    @property
    def dtype(self) -> mx.Dtype | None:
        """The dtype it was built with (``None``: the factory's default, float32 for the built-ins)."""
        return self._dtype

    @property
    def seed(self) -> int | None:
        """The seed it was built with, if any."""
        s = self._config.get("seed")
        return s if isinstance(s, int) else None

    @property
    def key(self) -> mx.array | None:
        """The base key of its own stream (built with ``seed=`` or ``key=``), else ``None``."""
        return self._stream

    @property
    def seeded(self) -> bool:
        """Whether it draws from its own key stream rather than MLX's global generator."""
        return self._stream is not None

    @property
    def serializable(self) -> bool:
        """Whether :attr:`config` rebuilds it (``False`` for a bare callable given to ``get``)."""
        return self._serializable

    @property
    def takes_key(self) -> bool:
        """Whether its closure takes an explicit ``key`` (so keyed calls never touch the global generator)."""
        return self._takes_key

    @property
    def takes_region(self) -> bool:
        """Whether its closure draws a region alone (``region=``); otherwise a region is cut from the full draw."""
        return self._takes_region

    @property
    def function(self) -> Callable[..., mx.array]:
        """The factory's closure, as it was returned."""
        return self._fn

    @property
    def group(self) -> GroupFill | None:
        """The :class:`GroupFill` of a group initializer (one that fills several arrays of a module
        together, used as an ``apply`` rule on the module); ``None`` for one that fills an array."""
        return self._fn if isinstance(self._fn, GroupFill) else None

    @property
    def distribution(self) -> Distribution | None:
        """The kind of values it promises (see :data:`Distribution`), or ``None``."""
        return self._fill.distribution

    @property
    def mean(self) -> float:
        """The centre of its distribution (``0.0`` unless the factory says otherwise)."""
        return float(self._fill.mean)

    @property
    def truncation(self) -> tuple[float, float] | None:
        """For a truncated normal: its bounds in units of the untruncated std."""
        return self._fill.truncation

    def expected_std(self, shape: Sequence[int]) -> float | None:
        """The standard deviation it promises for an array of ``shape`` (``None``: no promise).

        Raises:
            ShapeError: the initializer cannot fill that shape, or ``shape`` is not a shape.
            FactoryError: the factory's ``expected_std`` raised, or gave something that is not
                a non-negative finite number.
        """
        if not isinstance(shape, (tuple, list)):
            raise ParameterTypeError(self._name, "shape", "a shape (tuple or list of ints)", shape)
        dims = _check_dims(shape, self._name)
        expected = self._fill.expected_std
        if expected is None:
            return None
        try:
            value = expected(dims)
        except MlxinitError:
            raise
        except Exception as e:  # a plugin's promise that fails breaks only the promise
            raise FactoryError(
                f"The expected_std of {self._name!r} raised {type(e).__name__} for shape {dims}: {e}"
            ) from e
        try:
            std = float(value) if not isinstance(value, (bool, str, bytes)) else math.nan
        except (TypeError, ValueError, OverflowError):
            std = math.nan
        if not (math.isfinite(std) and std >= 0.0):
            raise FactoryError(
                f"The expected_std of {self._name!r} returned {value!r} for shape {dims}, "
                "expected a non-negative finite number."
            )
        return std

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Initializer is frozen; cannot set {name!r}. Build a new one with mlxinit.get(...).")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Initializer is frozen; cannot delete {name!r}.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Initializer):
            return NotImplemented
        if not (self._serializable and other._serializable):
            return self is other
        return bool(_freeze(self._config) == _freeze(other._config))

    def __hash__(self) -> int:
        try:
            return hash(_freeze(self._config))
        except TypeError:
            return hash(self._name)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in self._config.items() if k != "name")
        return f"Initializer({self._name}{', ' + shown if shown else ''})"

    def __reduce__(self) -> Any:
        if not self._serializable:
            raise TypeError(f"{self!r} wraps a callable and cannot be pickled; register it under a name.")
        from ._api import get

        return (get, (dict(self._config),))

    # ------------------------------------------------------------------ calling

    def __call__(
        self,
        a: mx.array | Sequence[int],
        /,
        *args: Any,
        key: mx.array | None = None,
        region: Sequence[slice | tuple[int, int]] | None = None,
        **kwargs: Any,
    ) -> mx.array:
        """Fill an array of ``a``'s shape (or of the shape ``a``), or only a region of it.

        Args:
            a: an array (only its shape is read) or a shape: the **full** shape, from which
                fans are computed.
            *args, **kwargs: call-time arguments of the closure (``gain``, ``mode`` for the
                names of ``mlx.nn.init`` origin, as there).
            key: an ``mx.random.key(...)``: draw from it alone.
            region: a slice (or ``(start, stop)``) per leading axis: return only that part,
                bitwise equal to the same part of the full array. Keyed draws of closures that
                take ``region`` draw only the tiles it touches; others are drawn whole and cut
                (:attr:`takes_region` says which).

        Raises:
            ShapeError: the initializer cannot fill that shape, the region is not within it,
                or the closure returned another shape.
            ParameterTypeError: ``a`` is not an array or shape, or ``key`` is not a key.
        """
        if (
            type(a) is mx.array  # the common call, init(a): MLX's own call with nothing in between
            and key is None
            and region is None
            and not args
            and not kwargs
            and self._stream is None
            and not isinstance(self._fn, GroupFill)
        ):
            out = self._fn(a)
            if type(out) is mx.array and out.shape == a.shape:
                return out
            return self._check(out, tuple(a.shape))
        if isinstance(self._fn, GroupFill):
            raise GroupTargetError(
                self._name,
                f"an array of shape {getattr(a, 'shape', a)!r}" if isinstance(a, (mx.array, tuple, list)) else repr(a),
                "a module: it fills several arrays of a module together; use it as an apply rule on the module "
                "(\"type:LoRALinear\") or on module paths (\"*.q_proj\")",
            )
        target = _as_target(a, self._name)
        if args or kwargs:
            _check_call_arguments(self._name, self._fn, args, kwargs)
        if key is not None:
            if not _rng.is_key(key):
                raise ParameterTypeError(self._name, "key", "an mx.random.key(...): a (2,) uint32 array", key)
        elif self._stream is not None:
            key = self._next_key()
        reg = None
        if region is not None:
            reg = _rng.normalize_region(target.shape, region, self._name)
            if _rng.is_full(target.shape, reg):
                reg = None
        if reg is not None and self._takes_region:
            kwargs = {**kwargs, "region": reg}
        if key is None:
            out = self._fn(target, *args, **kwargs)
        elif self._takes_key:
            out = self._fn(target, *args, key=key, **kwargs)
        else:
            out = self._call_with_global(key, target, args, kwargs)
        if reg is not None and not self._takes_region:
            out = self._check(out, tuple(target.shape))
            return _rng.crop(out, reg)
        return self._check(out, tuple(target.shape) if reg is None else _rng.region_shape(reg))

    def _next_key(self) -> mx.array:
        assert self._lock is not None
        assert self._stream is not None
        with self._lock:
            nxt, sub = mx.random.split(self._stream)
            object.__setattr__(self, "_stream", nxt)
        return sub

    def _call_with_global(self, key: mx.array, target: mx.array, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        warnings.warn(
            f"Initializer {self._name!r}: its closure takes no 'key' argument, so a keyed draw runs with MLX's "
            "global generator seeded from the key (and restored afterwards). Give the closure a 'key' keyword "
            "and pass it to mlxinit.sampling's draws.",
            MlxinitWarning,
            stacklevel=3,
        )
        with _rng.global_seeded(key):
            return self._fn(target, *args, **kwargs)

    def _check(self, out: Any, shape: tuple[int, ...]) -> mx.array:
        if not isinstance(out, mx.array):
            raise FactoryError(f"Initializer {self._name!r} returned {type(out).__name__}, expected an mx.array.")
        if tuple(out.shape) != shape:
            raise FactoryError(f"Initializer {self._name!r} returned shape {tuple(out.shape)}, expected {shape}.")
        return out


def wrap_callable(fn: Callable[..., Any]) -> Initializer:
    """An :class:`Initializer` around a bare callable given to :func:`mlxinit.get` (not serializable)."""
    if isinstance(fn, Initializer):
        return fn
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return Initializer(fn, name=str(name), config={"name": str(name)}, serializable=False)



