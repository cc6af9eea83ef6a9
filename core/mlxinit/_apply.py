"""Whole-model initialization: rules, presets and seeded, path-keyed draws."""

from __future__ import annotations

import contextlib
import fnmatch
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mlx.core as mx

from . import _rng
from ._errors import InvalidIdentifierError, MlxinitError, RegistrationError, UnknownInitializerError
from ._initializer import Initializer, wrap_callable
from ._names import close_matches, key

if TYPE_CHECKING:
    from mlx.nn.layers.base import Module

    from ._registry import Registry

__all__ = [
    "ApplyReport",
    "ApplyRow",
    "Preset",
    "UncoveredParametersError",
    "apply",
    "available_presets",
    "param_key",
    "register_preset",
    "serialize",
]

#: A preset turns a model (and options) into rules: ``[(rule key, identifier), ...]``.
Preset = Callable[..., Sequence[tuple[Any, Any]]]

PRESETS_GROUP = "mlxinit.presets"


class UncoveredParametersError(MlxinitError, LookupError):
    """``apply(..., strict=True)`` found parameters that no rule covers.

    Attributes:
        paths: the uncovered parameter paths.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        shown = ", ".join(self.paths[:10]) + (" …" if len(self.paths) > 10 else "")
        super().__init__(
            f"{len(self.paths)} parameter(s) match no rule: {shown}. "
            "Add a rule for them (e.g. '*.bias'), or call apply() without strict=True to keep their values."
        )


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Rule:
    """One compiled rule: what it matches and how specific it is."""

    label: str  #: the key as the user wrote it, for reports
    identifier: Any
    order: int
    path: str | None = None  #: an exact path or a glob
    type_names: tuple[str, ...] | None = None  #: module class names (``type:Linear``)
    type_obj: type | None = None
    param: str | None = None  #: parameter name with a type

    def specificity(self, module: Any) -> tuple[int, int, int]:
        """Higher wins: (tier, detail, -order). See :func:`apply` for the tiers."""
        if self.path is not None:
            if not any(c in self.path for c in "*?["):
                return (4, len(self.path), -self.order)
            literal = sum(1 for c in self.path if c not in "*?[]")
            return (3, literal, -self.order)
        depth = _type_depth(module, self)
        return (2 if self.param is not None else 1, depth, -self.order)

    def matches(self, path: str, module: Any, pname: str) -> bool:
        if self.path is not None:
            return fnmatch.fnmatchcase(path, self.path)
        if self.param is not None and pname != self.param:
            return False
        if self.type_obj is not None:
            return isinstance(module, self.type_obj)
        assert self.type_names is not None
        names = {c.__name__ for c in type(module).__mro__}
        return any(n in names for n in self.type_names)


def _type_depth(module: Any, rule: _Rule) -> int:
    """How derived the matched class is (a rule for a subclass beats one for its base)."""
    mro = type(module).__mro__
    target = rule.type_obj
    for i, cls in enumerate(mro):
        if (target is not None and cls is target) or (rule.type_names and cls.__name__ in rule.type_names):
            return len(mro) - i
    return 0


def _compile(rules: Any, offset: int = 0) -> list[_Rule]:
    if rules is None:
        return []
    items: Iterable[tuple[Any, Any]]
    if isinstance(rules, Mapping):
        items = rules.items()
    elif isinstance(rules, (list, tuple)):
        items = rules
    else:
        raise InvalidIdentifierError(
            f"rules: expected a mapping or a list of (key, identifier) pairs, got {type(rules).__name__}."
        )
    out = []
    for i, item in enumerate(items):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise InvalidIdentifierError(f"rules: expected (key, identifier) pairs, got {item!r}.")
        k, ident = item
        out.append(_compile_key(k, ident, offset + i))
    return out


def _compile_key(k: Any, ident: Any, order: int) -> _Rule:
    if isinstance(k, type):
        return _Rule(k.__name__, ident, order, type_obj=k)
    if isinstance(k, tuple) and len(k) == 2 and isinstance(k[0], type) and isinstance(k[1], str):
        return _Rule(f"{k[0].__name__}.{k[1]}", ident, order, type_obj=k[0], param=k[1])
    if isinstance(k, str):
        if k.startswith("type:"):
            spec = k[len("type:") :].strip()
            tname, _, pname = spec.partition(".")
            if not tname.isidentifier() or (pname and not pname.isidentifier()):
                raise InvalidIdentifierError(
                    f"rule key {k!r}: expected 'type:ClassName' or 'type:ClassName.param'."
                )
            return _Rule(k, ident, order, type_names=(tname,), param=pname or None)
        if not k:
            raise InvalidIdentifierError("rule key: expected a parameter path or glob, got ''.")
        return _Rule(k, ident, order, path=k)
    raise InvalidIdentifierError(
        "rule key: expected a parameter path glob ('*.bias'), a module type (nn.Linear), "
        f"a (type, 'param') pair or 'type:ClassName[.param]'; got {k!r}."
    )


def _pick(rules: Sequence[_Rule], path: str, module: Any, pname: str) -> _Rule | None:
    best: _Rule | None = None
    best_score: tuple[int, int, int] | None = None
    for r in rules:
        if r.matches(path, module, pname):
            s = r.specificity(module)
            if best_score is None or s > best_score:
                best, best_score = r, s
    return best


# ----------------------------------------------------------------------------- keys


def param_key(seed: int, path: str) -> mx.array:
    """The key a parameter's values are drawn from under ``apply(..., seed=seed)``.

    It depends only on ``seed`` and the parameter's dotted ``path`` (BLAKE2b of both),
    so adding layers or traversing in another order changes no other parameter.
    """
    return _rng.path_key(seed, path)


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ApplyRow:
    """What :func:`apply` did with one parameter."""

    path: str
    identifier: str  #: the initializer, as text; "" when not initialized
    rule: str  #: the rule that chose it ("" when none)
    shape: tuple[int, ...]
    dtype: str
    status: str  #: "initialized", "kept" (no rule), or "skipped (...)"
    expected_std: float | None = None  #: the std the initializer promises, where it says


@dataclass(frozen=True)
class ApplyReport:
    """Everything :func:`apply` did; ``print(report)`` shows a table."""

    rows: tuple[ApplyRow, ...]
    unused_rules: tuple[str, ...] = ()
    preset: str | None = None
    seed: int | None = None
    rules: tuple[str, ...] = field(default=(), repr=False)

    @property
    def initialized(self) -> dict[str, str]:
        """``{path: identifier}`` of every parameter that got new values."""
        return {r.path: r.identifier for r in self.rows if r.status == "initialized"}

    @property
    def kept(self) -> list[str]:
        """Paths no rule covered (their values were kept)."""
        return [r.path for r in self.rows if r.status == "kept"]

    @property
    def skipped(self) -> list[str]:
        """Paths skipped because they are not floating (e.g. quantized weights)."""
        return [r.path for r in self.rows if r.status.startswith("skipped")]

    def __str__(self) -> str:
        head = ("parameter", "shape", "dtype", "initializer", "rule", "status")
        body = [
            (r.path, "x".join(map(str, r.shape)) or "()", r.dtype, r.identifier, r.rule, r.status)
            for r in self.rows
        ]
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip() for b in body]
        extra = []
        if self.preset:
            extra.append(f"preset: {self.preset}")
        if self.seed is not None:
            extra.append(f"seed: {self.seed}")
        if self.unused_rules:
            extra.append("rules that matched nothing: " + ", ".join(self.unused_rules))
        return "\n".join(lines + extra)


def _describe(ident: Any) -> str:
    if isinstance(ident, str):
        return ident
    if isinstance(ident, Mapping):
        rest = ", ".join(f"{k}={v!r}" for k, v in ident.items() if k != "name")
        return f"{ident.get('name')}({rest})"
    if isinstance(ident, Initializer):
        return _describe(dict(ident.config)) if ident.serializable else ident.name
    return getattr(ident, "__qualname__", None) or repr(ident)


# ----------------------------------------------------------------------------- presets

_presets: dict[str, tuple[str, Preset]] = {}  # key -> (name, preset)
_presets_lock = threading.Lock()
_loaded_presets: dict[str, Any] = {}  # entry-point value -> loaded preset (visibility checked per lookup)


def register_preset(name: str, preset: Preset | None = None, *, override: bool = False) -> Any:
    """Register a whole-model preset at runtime (also a decorator).

    A preset is ``preset(model, **options) -> [(rule key, identifier), ...]``; the rules
    take the same keys as :func:`apply`'s. Installed packages add presets through the
    ``mlxinit.presets`` entry-point group (``name = "pkg.module:preset"``).

    Raises:
        RegistrationError: the name is taken (without ``override=True``) or ``preset`` is not callable.
    """
    if preset is None:

        def decorator(f: Preset) -> Preset:
            register_preset(name, f, override=override)
            return f

        return decorator
    if not isinstance(name, str) or not name.strip():
        raise RegistrationError(f"Preset name: expected a non-empty string, got {name!r}.")
    if not callable(preset):
        raise RegistrationError(f"Preset {name!r}: expected a callable, got {preset!r}.")
    k = key(name)
    with _presets_lock:
        if k in _presets and _presets[k][1] is not preset and not override:
            raise RegistrationError(f"Preset {name!r} is already registered; pass override=True to replace it.")
        _presets[k] = (name, preset)
    return preset


def _preset_entry_points() -> dict[str, Any]:
    """Entry points of the ``mlxinit.presets`` group, honouring the plugin controls.

    Each distribution is read on its own (a malformed one is skipped, never breaking the
    others), as plugin discovery does; ``MLXINIT_DISABLE_PLUGIN_AUTOLOAD``,
    ``MLXINIT_PLUGINS``, ``MLXINIT_BLOCK`` and :func:`mlxinit.block` apply.
    """
    from ._api import default_registry
    from ._discovery import _csv, _env, _read, _truthy, env_blocked
    from ._names import dist_key

    env = _env(None)
    selected = {dist_key(d) for d in _csv(env.get("MLXINIT_PLUGINS"))}
    if _truthy(env.get("MLXINIT_DISABLE_PLUGIN_AUTOLOAD")) and not selected:
        return {}
    import importlib_metadata

    blocked = env_blocked(None) | default_registry()._blocked_now()
    found: dict[str, Any] = {}
    seen: set[str] = set()
    for dist in importlib_metadata.distributions():
        read = _read(dist)
        if read is None or PRESETS_GROUP not in read[0]:
            continue
        dname = dist_key(read[1])
        if dname in seen or dname in blocked or (selected and dname not in selected):
            continue
        seen.add(dname)
        try:
            eps = [ep for ep in dist.entry_points if ep.group == PRESETS_GROUP]
        except Exception:  # a malformed entry_points.txt breaks only its own presets
            continue
        for ep in eps:
            found.setdefault(key(ep.name), ep)
    return found


def available_presets() -> list[str]:
    """Names of the presets registered at runtime or declared by installed packages."""
    names = {n for n, _ in _presets.values()}
    names |= {ep.name for ep in _preset_entry_points().values()}
    return sorted(names)


def _resolve_preset(preset: Any) -> tuple[str, Preset, dict[str, Any]]:
    options: dict[str, Any] = {}
    if isinstance(preset, Mapping):
        if "name" not in preset or not isinstance(preset["name"], str):
            raise InvalidIdentifierError(f"preset: expected a 'name' key with a string, got {dict(preset)!r}.")
        options = {k: v for k, v in preset.items() if k != "name"}
        preset = preset["name"]
    if callable(preset):
        return getattr(preset, "__name__", "preset"), preset, options
    if not isinstance(preset, str):
        raise InvalidIdentifierError(f"preset: expected a name, a mapping or a callable, got {preset!r}.")
    k = key(preset)
    hit = _presets.get(k)
    if hit is not None:
        return hit[0], hit[1], options
    eps = _preset_entry_points()
    ep = eps.get(k)
    if ep is None:
        names = sorted({n for n, _ in _presets.values()} | {e.name for e in eps.values()})
        near = close_matches(preset, names)
        raise UnknownInitializerError(
            preset, near, [] if near else names, hint="(a preset name; see mlxinit.available_presets())"
        )
    try:
        fn = _loaded_presets.get(ep.value) or _loaded_presets.setdefault(ep.value, ep.load())
    except Exception as e:
        from ._errors import PluginError

        dist = getattr(ep, "dist", None)
        raise PluginError(
            f"Preset {preset!r} could not be loaded from {ep.value}: {type(e).__name__}: {e}",
            distribution=dist.metadata["Name"] if dist is not None else None,
            plugin=ep.value,
        ) from e
    if not callable(fn):
        raise RegistrationError(f"Preset {preset!r} ({ep.value}) is {fn!r}, not a callable.")
    return ep.name, fn, options


# ----------------------------------------------------------------------------- apply


def _is_quantized(module: Any) -> bool:
    return type(module).__name__.startswith("Quantized") or (
        hasattr(module, "group_size") and hasattr(module, "bits")
    )


def _module_index(model: Module) -> dict[str, Any]:
    return dict(model.named_modules())  # type: ignore[no-untyped-call]


def apply(
    model: Module,
    rules: Any = None,
    *,
    preset: Any = None,
    seed: int | None = None,
    strict: bool = False,
    registry: Registry | None = None,
    evaluate: bool = True,
) -> ApplyReport:
    """Initialize an ``mlx.nn.Module``'s parameters by rules and/or a preset.

    Rule keys, from most to least specific (the most specific matching rule wins; ties
    go to the rule listed first):

    1. an exact dotted parameter path: ``"layers.0.attention.out_proj.weight"``;
    2. a glob on the path (``fnmatch``; ``*`` also crosses dots): ``"layers.*.mlp.*.weight"``,
       ``"*.bias"`` — among globs, the one with more literal characters wins;
    3. a module type with a parameter name: ``(nn.Linear, "bias")`` or ``"type:Linear.bias"``;
    4. a module type: ``nn.Embedding`` or ``"type:Embedding"`` (a subclass beats its base).

    Explicit ``rules`` always win over the preset's rules for a parameter both cover.
    Identifiers are anything :func:`mlxinit.get` takes (names, configs, closures). Each
    parameter keeps its dtype (a bfloat16 model gets bfloat16 values). Parameters no
    rule covers keep their values (``strict=True`` raises instead, before changing
    anything); non-floating parameters and those of quantized modules are skipped;
    rules that match nothing are listed in the report.

    With ``seed``, a parameter's values depend only on (seed, its path, its rule): its
    draws come from :func:`param_key` and nothing else (see the seeds docs).

    Args:
        model: the module to initialize, in place.
        rules: a mapping (or list of pairs) from rule keys to identifiers, or a
            :class:`Recipe` (whose preset and seed apply unless given here).
        preset: a preset name (``"gpt2"``), ``{"name": "gpt2", **options}`` or a callable.
        seed: an ``int``; without it draws come from MLX's global generator.
        strict: raise :class:`UncoveredParametersError` if a parameter matches no rule.
        registry: where names resolve; the default registry if ``None``.
        evaluate: evaluate each new parameter right away (bounded peak memory, as the
            old array is released when replaced); ``False`` leaves them lazy.

    Returns:
        an :class:`ApplyReport` (path → initializer, shape, dtype), printable as a table.

    Raises:
        UncoveredParametersError: with ``strict=True``.
        UnknownInitializerError, InvalidParameterError, …: a rule's identifier is bad;
            every identifier is built before any parameter changes.

    Example:
        >>> import mlx.nn as nn, mlxinit
        >>> model = nn.Sequential(nn.Linear(8, 4), nn.LayerNorm(4))
        >>> report = mlxinit.apply(model, {nn.Linear: "glorot_uniform", "*.bias": "zeros",
        ...                                "type:LayerNorm.weight": "ones"}, seed=0)
        >>> report.initialized["layers.0.bias"]
        'zeros'
    """
    from mlx.utils import tree_flatten, tree_unflatten

    from ._api import default_registry
    from ._recipe import Recipe

    reg = registry or default_registry()
    if isinstance(rules, Recipe):
        preset = preset if preset is not None else rules.preset
        seed = seed if seed is not None else rules.seed
        rules = rules.rules
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
        from ._errors import ParameterTypeError

        raise ParameterTypeError("apply", "seed", "an int in [0, 2**64)", seed)
    user = _compile(rules)
    preset_rules: list[_Rule] = []
    preset_name = None
    if preset is not None:
        preset_name, fn, options = _resolve_preset(preset)
        try:
            produced = fn(model, **options)
        except MlxinitError:
            raise
        except TypeError as e:
            raise InvalidIdentifierError(f"preset {preset_name!r}: {e}") from e
        preset_rules = _compile(produced, offset=len(user))

    modules = _module_index(model)
    params: list[tuple[str, mx.array]] = list(tree_flatten(model.parameters()))  # type: ignore[arg-type, no-untyped-call]
    plan: list[tuple[str, mx.array, _Rule | None, str]] = []
    used: set[int] = set()
    for path, value in params:
        mpath, _, pname = path.rpartition(".")
        module = modules.get(mpath, model)
        if _is_quantized(module):
            plan.append((path, value, None, "skipped (quantized module)"))
            continue
        if not mx.issubdtype(value.dtype, mx.floating):
            plan.append((path, value, None, f"skipped (non-floating {value.dtype})"))
            continue
        rule = _pick(user, path, module, pname) or _pick(preset_rules, path, module, pname)
        if rule is None:
            plan.append((path, value, None, "kept"))
            continue
        used.add(id(rule))
        plan.append((path, value, rule, "initialized"))
    uncovered = [p for p, _, _, status in plan if status == "kept"]
    if strict and uncovered:
        raise UncoveredParametersError(uncovered)

    # Build every initializer first, so a bad identifier changes nothing.
    built: dict[tuple[int, Any], Initializer] = {}
    for _, value, rule, _ in plan:
        if rule is None:
            continue
        bk = (id(rule), value.dtype)
        if bk not in built:
            built[bk] = _build(reg, rule, value.dtype)

    # Build every new array lazily first (shape and parameter errors surface here, before
    # any parameter changes), then evaluate and swap them in one at a time.
    rows = []
    fresh: list[tuple[str, mx.array]] = []
    for path, value, rule, status in plan:
        if rule is None:
            rows.append(ApplyRow(path, "", "", tuple(value.shape), _dtype_str(value.dtype), status))
            continue
        init = built[(id(rule), value.dtype)]
        base = _own_base(init)
        if base is None:
            base = seed
        try:
            new = init(value) if base is None else init(value, key=_rng.path_key(base, path))
        except MlxinitError as e:
            _note(e, f"(while initializing {path!r} with the rule {rule.label!r})")
            raise
        if tuple(new.shape) != tuple(value.shape):
            raise MlxinitError(
                f"rule {rule.label!r} ({_describe(rule.identifier)}) gave shape {tuple(new.shape)} "
                f"for {path!r}, expected {tuple(value.shape)}."
            )
        if new.dtype != value.dtype:
            new = new.astype(value.dtype)
        fresh.append((path, new))
        promised = None
        with contextlib.suppress(MlxinitError):
            promised = init.expected_std(tuple(value.shape))
        rows.append(
            ApplyRow(
                path, _describe(rule.identifier), rule.label, tuple(new.shape), _dtype_str(new.dtype), status, promised
            )
        )
    del plan, params
    for path, new in fresh:
        if evaluate:
            mx.eval(new)
        model.update(tree_unflatten([(path, new)]))
    del fresh
    all_rules = [*user, *preset_rules]
    unused = tuple(r.label for r in user if id(r) not in used)
    return ApplyReport(
        rows=tuple(rows),
        unused_rules=unused,
        preset=preset_name,
        seed=seed,
        rules=tuple(r.label for r in all_rules),
    )


def _dtype_str(dtype: mx.Dtype) -> str:
    return str(dtype).removeprefix("mlx.core.")


def _own_base(init: Initializer) -> int | mx.array | None:
    """The seed (or key) an initializer was built with: its parameters are keyed by it and their paths."""
    if init.seed is not None:
        return init.seed
    k = init.config.get("key")
    if isinstance(k, (list, tuple)):
        return mx.array(k, dtype=mx.uint32)
    return None


def _build(reg: Registry, rule: _Rule, dtype: mx.Dtype) -> Initializer:
    ident = rule.identifier
    try:
        if isinstance(ident, Initializer):
            # Rebuilt from its config (seed included) so that it yields this parameter's dtype.
            return reg.get(ident, dtype=dtype) if ident.serializable else ident
        if callable(ident) and not isinstance(ident, (str, Mapping)):
            return wrap_callable(ident)
        if isinstance(ident, Mapping):
            ident = {k: v for k, v in ident.items() if k != "dtype"}
        return reg.get(ident, dtype=dtype)
    except MlxinitError as e:
        _note(e, f"(in the rule {rule.label!r})")
        raise


def _note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):  # Python >= 3.11
        e.add_note(note)


def serialize(init: Initializer) -> dict[str, Any]:
    """``dict(init.config)``: a JSON-safe dict (name, params, dtype, seed or key) that rebuilds ``init``.

    ``mlxinit.get(serialize(init)) == init``, and it produces the same values for the same seed.

    Raises:
        InvalidIdentifierError: ``init`` is not an :class:`Initializer` built from a name,
            or a parameter is not JSON-safe.
    """
    import json

    if not isinstance(init, Initializer) or not init.serializable:
        raise InvalidIdentifierError(
            f"Cannot serialize {init!r}: expected an initializer built by mlxinit.get(name or config), "
            "which records its name and parameters."
        )
    cfg = dict(init.config)
    try:
        json.dumps(cfg)
    except (TypeError, ValueError) as e:
        raise InvalidIdentifierError(f"Cannot serialize {cfg.get('name')!r}: {e}") from e
    return dict(cfg)
