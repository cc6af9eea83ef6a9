"""Whole-model initialization: rules, presets and seeded, path-keyed draws."""

from __future__ import annotations

import contextlib
import fnmatch
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import mlx.core as mx

from . import _expr, _rng
from ._errors import (
    InvalidIdentifierError,
    MlxinitError,
    MlxinitWarning,
    UnknownParameterError,
)
from ._grouping import plan_groups, run_groups
from ._initializer import Initializer, wrap_callable
from ._modules import QuantSpec, layout_for, quant_spec, quantize_like, type_names
from ._names import close_matches
from ._sharding import MODULE_SHARDING, Shard, ShardingPlan, axis_for, explicit_sharding

if TYPE_CHECKING:
    from mlx.nn.layers.base import Module

    from ._registry import Preset, Registry

__all__ = [
    "ApplyReport",
    "ApplyRow",
    "Planned",
    "UncoveredParametersError",
    "UnmatchedRuleError",
    "apply",
    "param_key",
    "plan",
    "serialize",
]



class UnmatchedRuleError(MlxinitError, LookupError):
    """``apply(..., strict=True)``: a rule matched nothing, but is close to a type, parameter or path of the model.

    Attributes:
        rule: the rule as written.
        reason: what is close, with "did you mean".
    """

    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.reason = reason
        super().__init__(f"Rule {rule!r} matched nothing: {reason}")

    def __reduce__(self) -> Any:
        return (type(self), (self.rule, self.reason))


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
    pattern: _expr.PathPattern | None = None  #: a path with ``{name}`` captures (``path`` is its glob)
    exprs: Mapping[str, Any] | None = None  #: the identifier's ``"=..."`` parameters, parsed
    shown: str = ""  #: the identifier as reported, expressions with their values

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
        if self.pattern is not None:
            return self.pattern.match(path) is not None
        if self.path is not None:
            return fnmatch.fnmatchcase(path, self.path)
        if self.param is not None and pname != self.param:
            return False
        if self.type_obj is not None:
            return isinstance(module, self.type_obj) or self.type_obj.__name__ in type_names(module)
        assert self.type_names is not None
        names = set(type_names(module))
        return any(n in names for n in self.type_names)


def _type_depth(module: Any, rule: _Rule) -> int:
    """How derived the matched class is (a rule for a subclass beats one for its base)."""
    wanted = rule.type_names or ((rule.type_obj.__name__,) if rule.type_obj is not None else ())
    mro = type(module).__mro__
    for i, cls in enumerate(mro):
        if cls is rule.type_obj or cls.__name__ in wanted or cls.__name__.removeprefix("Quantized") in wanted:
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
        out.append(_with_expressions(_compile_key(k, ident, offset + i)))
    return out


def _compile_key(k: Any, ident: Any, order: int) -> _Rule:
    # Labels are written as they can be pasted back as rules.
    if isinstance(k, type):
        return _Rule(f"type:{k.__name__}", ident, order, type_obj=k)
    if isinstance(k, tuple) and len(k) == 2 and isinstance(k[0], type) and isinstance(k[1], str):
        return _Rule(f"type:{k[0].__name__}.{k[1]}", ident, order, type_obj=k[0], param=k[1])
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
        if _expr.has_captures(k):
            pattern = _expr.compile_pattern(k)
            return _Rule(k, ident, order, path=pattern.glob, pattern=pattern)
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


# ----------------------------------------------------------------------------- expressions


def _with_expressions(rule: _Rule) -> _Rule:
    """The rule with its identifier's ``"=..."`` parameters parsed (a syntax error names the rule)."""
    try:
        exprs = _expr.expressions_in(rule.identifier)
    except _expr.ExpressionError as e:
        raise e.located(rule.label, e.parameter) from None
    return replace(rule, exprs=exprs) if exprs else rule


def _bind_expressions(items: Sequence[_Item], model: Module, config: Any) -> None:
    """Evaluate each rule's expressions for every parameter it covers.

    A rule whose identifier has expressions is replaced, per parameter, by a copy with the
    values in its identifier; parameters whose values agree share one copy (and so one
    built initializer, as apply's build cache is keyed by the rule).
    """
    if config is not None:
        _expr.config_of(model, config)  # a config of the wrong type is an error even when unused
    if not any(it.rule is not None and it.rule.exprs for it in items):
        return
    base = _expr.model_bindings(model, config)
    copies: dict[tuple[int, tuple[tuple[str, Any], ...]], _Rule] = {}
    for it in items:
        r = it.rule
        if r is None or not r.exprs:
            continue
        captures = r.pattern.match(it.path) if r.pattern is not None else None
        names = _expr.param_bindings(base, it.path, it.full, captures)  # fans of the full weight if sharded
        try:
            bound = _expr.bind_identifier(r.identifier, r.exprs, names, r.label)
        except _expr.ExpressionError as e:
            _context(e, f"(for {it.path!r})")
            raise
        key = (id(r), bound.values)
        if key not in copies:
            copies[key] = replace(r, identifier=bound.identifier, shown=bound.shown, exprs=None)
        it.rule = copies[key]


# ----------------------------------------------------------------------------- keys


def param_key(seed: int, path: str) -> mx.array:
    """The key a parameter's values are drawn from under ``apply(..., seed=seed)``.

    It depends only on ``seed`` and the parameter's dotted ``path`` (BLAKE2b of both),
    so adding layers or traversing in another order changes no other parameter.

    Raises:
        ParameterTypeError: ``seed`` is not an int in ``[0, 2**64)`` or ``path`` not a string.
    """
    from ._errors import ParameterTypeError

    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
        raise ParameterTypeError("param_key", "seed", "an int in [0, 2**64)", seed)
    if not isinstance(path, str):
        raise ParameterTypeError("param_key", "path", "a dotted parameter path (a string)", path)
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
    #: "initialized", "initialized (quantized, 4-bit affine)", "kept" (no rule), "state (kept)",
    #: "frozen (kept)", "tied to <path> (kept)" or "skipped (...)"
    status: str
    expected_std: float | None = None  #: the std the initializer promises, where it says
    layout: str = ""  #: the layout it was read in ("" for MLX's ``(out, *spatial, in)``)
    full_shape: tuple[int, ...] | None = None  #: the full (unsharded) shape, for a shard
    shard: Shard | None = None  #: the part this rank holds (``str(shard)``: axis, rank/N, segments)
    group: str = ""  #: for an array a group initializer wrote: the path of the module it filled


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
        """``{path: identifier}`` of every array that got new values (quantized weights included)."""
        return {r.path: r.identifier for r in self.rows if r.status.startswith("initialized")}

    @property
    def kept(self) -> list[str]:
        """Trainable parameters no rule covered (their values were kept)."""
        return [r.path for r in self.rows if r.status == "kept"]

    @property
    def state(self) -> list[str]:
        """Arrays that are state, not parameters (BatchNorm's running statistics), kept."""
        return [r.path for r in self.rows if r.status == "state (kept)"]

    @property
    def frozen(self) -> list[str]:
        """Frozen parameters, kept."""
        return [r.path for r in self.rows if r.status == "frozen (kept)"]

    @property
    def quantized(self) -> list[str]:
        """Quantized weights that were drawn in float and quantized."""
        return [r.path for r in self.rows if r.status.startswith("initialized (quantized")]

    @property
    def skipped(self) -> list[str]:
        """Paths skipped: non-floating arrays, and the second path of a tied array."""
        return [r.path for r in self.rows if r.status.startswith(("skipped", "tied"))]

    @property
    def groups(self) -> dict[str, list[str]]:
        """``{module path: [array paths]}`` of the modules group initializers filled (``lora:*``)."""
        out: dict[str, list[str]] = {}
        for r in self.rows:
            if r.group:
                out.setdefault(r.group, []).append(r.path)
        return out

    @property
    def rewritten(self) -> list[str]:
        """Arrays a group initializer rewrote from their own values (PiSSA's residual base weight)."""
        return [r.path for r in self.rows if r.status.startswith("initialized (group, rewritten")]

    def summary(self) -> str:
        """One line: how many arrays were initialized, kept, state, frozen, quantized, skipped."""
        counts = {
            "initialized": len(self.initialized),
            "quantized": len(self.quantized),
            "rewritten": len(self.rewritten),
            "kept": len(self.kept),
            "state": len(self.state),
            "frozen": len(self.frozen),
            "skipped or tied": len(self.skipped),
        }
        return ", ".join(f"{n} {k}" for k, n in counts.items() if n or k in ("initialized", "kept"))

    def __str__(self) -> str:
        head: tuple[str, ...] = ("parameter", "shape", "dtype", "initializer", "rule", "status", "layout")
        body: list[tuple[str, ...]] = [
            (r.path, "x".join(map(str, r.shape)) or "()", r.dtype, r.identifier, r.rule, r.status, r.layout)
            for r in self.rows
        ]
        if any(r.shard for r in self.rows):  # a sharded model: the full shape and the part held here
            head = (*head, "full shape", "shard")
            body = [
                (*b, "x".join(map(str, r.full_shape)) if r.full_shape else "", str(r.shard or ""))
                for b, r in zip(body, self.rows, strict=True)
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
        extra.append(self.summary())
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


def _resolve_preset(preset: Any, reg: Registry) -> tuple[str, Preset, dict[str, Any]]:
    """``(name, callable, options)`` of a preset given by name, ``{"name": ..., **options}`` or callable.

    Names resolve in ``reg`` (runtime presets, then installed ones under its controls).
    """
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
    fn = reg.get_preset(preset)
    return reg.preset_info(preset, load=False).name, fn, options


# ----------------------------------------------------------------------------- apply


def _module_index(model: Module) -> dict[str, Any]:
    return dict(model.named_modules())


def _flatten(tree: Any) -> list[tuple[str, Any]]:
    """``mlx.utils.tree_flatten``'s ``(dotted path, leaf)`` pairs."""
    from mlx.utils import tree_flatten

    flat = tree_flatten(tree)
    assert isinstance(flat, list)  # without a destination, tree_flatten returns a list of pairs
    return flat


@dataclass
class _Item:
    """One array of the model as ``apply`` plans it."""

    path: str
    value: mx.array
    module: Any
    parent: Any
    attr: str
    pname: str
    kind: str  #: "param", "quantized", "state", "frozen", "skipped", "tied"
    shape: tuple[int, ...]
    dtype: mx.Dtype
    note: str = ""
    quant: QuantSpec | None = None
    rule: _Rule | None = None
    layout: dict[str, Any] = field(default_factory=dict)
    shard: Shard | None = None
    full: tuple[int, ...] = ()  #: the full logical shape (``shape`` unless sharded)
    key_path: str = ""  #: the path in the unsharded model, which keys its draws
    group: Any = None  #: the group it is sharded over

    def __post_init__(self) -> None:
        self.full = self.full or self.shape
        self.key_path = self.key_path or self.path


def _plan_items(model: Module, sharding: Any = None, group: Any = None) -> list[_Item]:
    """Every array of ``model``: trainable parameters, quantized weights (at their logical shape),
    state and frozen arrays, in ``model.parameters()`` order; tied arrays once; with the shard of
    each that a rank holds."""
    modules = _module_index(model)
    wrappers = sorted((p for p, m in modules.items() if type(m).__name__ == "FullyShardedModule"), key=len)
    trainable = {p for p, _ in _flatten(model.trainable_parameters())}
    seen: dict[int, str] = {}
    items: list[_Item] = []
    for path, value in _flatten(model.parameters()):
        if not isinstance(value, mx.array):
            continue
        mpath, _, pname = path.rpartition(".")
        module = modules.get(mpath, model)
        ppath, _, attr = mpath.rpartition(".")
        parent = modules.get(ppath, model) if mpath else None
        quant = quant_spec(module)
        if quant is not None and pname in ("scales", "biases", "global_scale"):
            continue  # stored with the weight
        item = _Item(path, value, module, parent, attr, pname, "param", tuple(value.shape), value.dtype)
        first = seen.setdefault(id(value), path)
        if first != path:
            item.kind, item.note = "tied", f"tied to {first}"
        elif quant is not None and pname == "weight":
            item.kind, item.quant, item.shape, item.dtype = "quantized", quant, quant.logical_shape, quant.dtype
        elif not mx.issubdtype(value.dtype, mx.floating):
            item.kind, item.note = "skipped", f"non-floating {_dtype_str(value.dtype)}"
        elif path not in trainable and quant is None:  # a quantized module freezes its float bias too
            item.kind = "state" if pname.startswith("running_") else "frozen"
        item.full = item.shape  # the logical shape, until a shard says how much larger it is
        if item.kind in ("param", "quantized"):
            _locate_shard(item, modules, wrappers, sharding, group)
        items.append(item)
    return items


def _locate_shard(item: _Item, modules: Mapping[str, Any], wrappers: Sequence[str], sharding: Any, group: Any) -> None:
    """Set ``item.shard``, ``item.full`` and ``item.key_path`` from the sharding the model says or was given."""
    path, module = item.path, item.module
    wrapper = next((w for w in reversed(wrappers) if path.startswith(f"{w}.module." if w else "module.")), None)
    if wrapper is not None:  # keyed by the path in the unwrapped model
        inner = path[len(wrapper) + len(".module.") :] if wrapper else path[len("module.") :]
        item.key_path = f"{wrapper}.{inner}" if wrapper else inner
    found: tuple[str, Any, Any] | None = None  # (sharding, segments, group)
    if isinstance(sharding, Mapping):
        for glob, spec in sharding.items():
            if fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(path.rpartition(".")[0], glob):
                kind, segments = explicit_sharding(spec, f"sharding[{glob!r}]")
                found = (kind, segments, group)
                break
    if found is None and isinstance(sharding, ShardingPlan):
        found = sharding.get(module)
        if found is None and wrapper is not None:
            hit = sharding.get(modules.get(wrapper))
            found = hit if hit is not None else None
    if found is None and type(module).__name__ in MODULE_SHARDING:
        found = (MODULE_SHARDING[type(module).__name__], 1, getattr(module, "group", None) or group)
    if found is None and wrapper is not None:
        found = ("fully", 1, group)
    if found is None:
        return
    kind, segments, g = found
    g = g if g is not None else group
    if g is None:
        import mlx.core as _mx

        g = _mx.distributed.init()
    size, rank = int(g.size()), int(g.rank())
    axis = axis_for(kind, item.pname, len(item.shape))
    if size < 2 or axis is None:
        return
    item.shard = Shard(axis, rank, size, segments, kind)
    item.full = item.shard.full_shape(item.shape)
    item.group = g


def sharded_arrays(
    model: Module, sharding: Any = None, group: Any = None
) -> dict[str, tuple[str, tuple[int, ...], Any]]:
    """``{path: (path in the unsharded model, full shape, shard)}`` of every sharded array of ``model``.

    What :func:`apply` would draw for each array a rank holds: empty for a model that is not sharded.
    Quantized weights are left out (their stored shape is not their logical one).
    """
    return {
        it.path: (it.key_path, it.full, it.shard)
        for it in _plan_items(model, sharding, group)
        if it.shard is not None and it.quant is None
    }


def _run_preset(preset: Any, model: Module, reg: Registry, *, offset: int) -> tuple[str | None, list[_Rule]]:
    """``(name, compiled rules)`` of a preset run on ``model`` (``(None, [])`` without one).

    A preset that raises fails as a factory does, with its cause; bad options are an
    :class:`InvalidIdentifierError`.
    """
    if preset is None:
        return None, []
    name, fn, options = _resolve_preset(preset, reg)
    try:
        produced = fn(model, **options)
    except MlxinitError:
        raise
    except TypeError as e:
        raise InvalidIdentifierError(f"preset {name!r}: {e}") from e
    except Exception as e:
        from ._errors import FactoryError

        raise FactoryError(f"preset {name!r} raised {type(e).__name__}: {e}") from e
    return name, _compile(produced, offset=offset)


def _context(e: BaseException, text: str) -> None:
    """Put ``text`` into ``str(e)`` (and keep its type, so ``except`` clauses still match)."""
    if e.args and isinstance(e.args[0], str) and text not in e.args[0]:
        e.args = (f"{e.args[0]} {text}", *e.args[1:])


def apply(
    model: Module,
    rules: Any = None,
    *,
    preset: Any = None,
    seed: int | None = None,
    strict: bool = False,
    registry: Registry | None = None,
    evaluate: bool = True,
    group: Any = None,
    sharding: ShardingPlan | Mapping[str, Any] | None = None,
    config: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> ApplyReport:
    """Initialize an ``mlx.nn.Module``'s parameters by rules and/or a preset.

    Rule keys, from most to least specific (the most specific matching rule wins; ties
    go to the rule listed first):

    1. an exact dotted parameter path: ``"layers.0.attention.out_proj.weight"``;
    2. a glob on the path (``fnmatch``; ``*`` also crosses dots): ``"layers.*.mlp.*.weight"``,
       ``"*.bias"`` — among globs, the one with more literal characters wins;
    3. a module type with a parameter name: ``(nn.Linear, "bias")`` or ``"type:Linear.bias"``;
    4. a module type: ``nn.Embedding`` or ``"type:Embedding"`` (a subclass beats its base).

    A type rule matches the module that *owns* the parameter (``type:Attention`` matches
    nothing in a model whose attention block holds its weights in ``Linear`` children; use
    a glob such as ``"*.self_attn.*"``); ``type:Linear`` also matches ``QuantizedLinear``.

    Only trainable parameters are initialized by globs and type rules. Arrays that are not
    trainable (BatchNorm's running statistics, frozen parameters) are kept and reported as
    ``state (kept)`` / ``frozen (kept)``; an exact-path rule may still set them (e.g.
    ``{"bn.running_var": "ones"}``). Quantized weights are drawn at their logical float
    shape, exactly as a float layer of the same path and rule would be, then quantized with
    the module's own ``group_size``, ``bits`` and ``mode``. Arrays shared under two paths
    (tied embeddings) are initialized once and reported as tied.

    Fan-based initializers get the layout of the module they fill unless the rule gives one:
    stacked experts (mlx-lm's ``SwitchLinear``: ``batch_axis=0``) and fused projections
    (``qkv_proj``, ``c_attn``, ``gate_up_proj``, …: ``segments``); see
    :func:`mlxinit.register_layout`.

    Explicit ``rules`` always win over the preset's rules for a parameter both cover.
    Identifiers are anything :func:`mlxinit.get` takes. Each parameter keeps its dtype; a
    rule's own ``dtype`` is the precision of the draw, cast to the parameter's dtype after.
    Parameters no rule covers keep their values (``strict=True`` raises instead, before
    changing anything). A rule that matches nothing but is close to a type, parameter or
    path of the model warns with "did you mean" (``strict=True``: raises).

    With ``seed``, a parameter's values depend only on (seed, its path, its rule): its
    draws come from :func:`param_key` and nothing else (see the seeds docs). A rule whose
    initializer carries its own seed keys by that seed instead.

    A parameter of a config identifier written as a string starting with ``=`` is an
    expression, evaluated for each parameter the rule covers:
    ``{"*.c_proj.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layers)"}}``. It has
    numbers, ``+ - * / **``, parentheses, ``sqrt``, ``log``, ``min`` and ``max``, and names
    bound from the model's config (``config``, else ``model.args``), from what mlxinit
    infers (``n_layers``, ``d_model``, ``width``, and the parameter's ``fan_in`` and
    ``fan_out``) and from ``{name}`` captures of the rule's path
    (``"layers.{layer}.mlp.down_proj.weight"`` binds ``layer``). The report shows each
    expression with its value. It is parsed, never run as Python.

    Args:
        model: the module to initialize, in place.
        rules: a mapping (or list of pairs) from rule keys to identifiers, or a
            :class:`Recipe` (whose preset and seed apply unless given here).
        preset: a preset name (``"gpt2"``), ``{"name": "gpt2", **options}`` or a callable.
        seed: an ``int``; without it draws come from MLX's global generator.
        strict: raise :class:`UncoveredParametersError` if a parameter matches no rule, and
            :class:`UnmatchedRuleError` for a near-miss rule.
        registry: where names resolve; the default registry if ``None``.
        evaluate: evaluate each new parameter right away (bounded peak memory, as the
            old array is released when replaced); ``False`` leaves them lazy.
        group: the ``mx.distributed`` group a sharded model is sharded over (MLX's sharded
            modules carry their own; this is the default for the rest).
        sharding: how the model was sharded, for what its module types do not say: the plan
            :func:`record_sharding` recorded around the model's own sharding calls, or a
            mapping from path globs to ``"all-to-sharded"``, ``"sharded-to-all"`` or
            ``{"sharding": ..., "segments": ...}``. Each rank then draws exactly its part of
            what a single process would draw for the unsharded model (see the sharded
            models docs).
        config: the names expressions read: a mapping or a dataclass instance; ``None``
            reads ``model.args`` (mlx-lm models), or the :class:`Recipe`'s ``config``.
        workers: parameters drawn at once, each on its own MLX CPU stream; ``None``: one
            per available core, ``1``: one after another. Values are bitwise the same for
            every value (see the docs on workers). On a GPU the draws stay on one stream.
        progress: show a progress bar on stderr: ``None`` when stderr is a terminal and
            the model is large, ``True`` always, ``False`` never.

    Returns:
        an :class:`ApplyReport` (path → initializer, shape, dtype, status), printable as a table.

    Raises:
        InvalidIdentifierError: ``model`` is not an ``mlx.nn.Module``, or a rule is malformed.
        UncoveredParametersError: with ``strict=True``.
        UnmatchedRuleError: with ``strict=True``, a rule that matched nothing near a real name.
        UnknownInitializerError, InvalidParameterError, …: a rule's identifier is bad; every
            identifier is built before any parameter changes, and the error names the
            parameter and the rule.
        ExpressionError: an expression does not parse, uses an unknown name
            (:class:`ExpressionNameError`, with the close names) or cannot be evaluated.

    Example:
        >>> import mlx.nn as nn, mlxinit
        >>> model = nn.Sequential(nn.Linear(8, 4), nn.LayerNorm(4))
        >>> report = mlxinit.apply(model, {nn.Linear: "glorot_uniform", "*.bias": "zeros",
        ...                                "type:LayerNorm.weight": "ones"}, seed=0)
        >>> report.initialized["layers.0.bias"]
        'zeros'
    """
    from mlx.nn.layers.base import Module as _Module
    from mlx.utils import tree_unflatten

    from . import _registry
    from ._api import default_registry
    from ._parallel import Scheduler, check_workers
    from ._progress import progress_for, should_show
    from ._recipe import Recipe

    if not isinstance(model, _Module):
        raise InvalidIdentifierError(
            f"apply(model): expected an mlx.nn.Module, got {type(model).__name__} ({model!r:.60})."
        )
    if registry is not None and not isinstance(registry, _registry.Registry):
        raise InvalidIdentifierError(f"apply(registry=...): expected an mlxinit.Registry or None, got {registry!r}.")
    workers = check_workers(workers)
    should_show(progress, 0)  # a bad value fails here, before anything changes
    reg = registry or default_registry()
    if isinstance(rules, Recipe):
        preset = preset if preset is not None else rules.preset
        seed = seed if seed is not None else rules.seed
        config = config if config is not None else rules.config
        rules = rules.rules
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
        from ._errors import ParameterTypeError

        raise ParameterTypeError("apply", "seed", "an int in [0, 2**64)", seed)
    user = _compile(rules)
    preset_name, preset_rules = _run_preset(preset, model, reg, offset=len(user))

    if sharding is not None and not isinstance(sharding, (ShardingPlan, Mapping)):
        raise InvalidIdentifierError(
            "apply(sharding=...): expected a plan from mlxinit.record_sharding() or a mapping from path globs "
            f"to 'all-to-sharded' / 'sharded-to-all'; got {type(sharding).__name__}."
        )
    if isinstance(sharding, Mapping):
        bad = [k for k in sharding if not isinstance(k, str)]
        if bad:
            raise InvalidIdentifierError(f"apply(sharding=...): expected path globs (strings) as keys, got {bad[0]!r}.")
    if group is not None and not (callable(getattr(group, "rank", None)) and callable(getattr(group, "size", None))):
        from ._errors import ParameterTypeError

        raise ParameterTypeError("apply", "group", "an mx.distributed group (with rank() and size()) or None", group)
    # Group initializers (``{"type:LoRALinear": "lora:pissa"}``: one draw for several arrays of a
    # module) are planned first: each claims the arrays it writes, which per-parameter rules leave alone.
    gplan = plan_groups(model, user, preset_rules, reg)
    user = [r for r in user if id(r) not in gplan.rule_ids]
    preset_rules = [r for r in preset_rules if id(r) not in gplan.rule_ids]
    all_items = _plan_items(model, sharding, group)
    claimed = gplan.claimed
    items = [it for it in all_items if it.path not in claimed]
    used: set[int] = set()
    for it in items:
        if it.kind in ("skipped", "tied"):
            continue
        if it.kind in ("state", "frozen"):  # only an exact path reaches arrays that are not trainable
            it.rule = next((r for r in user if r.path == it.path), None) or next(
                (r for r in preset_rules if r.path == it.path), None
            )
        else:
            it.rule = _pick(user, it.path, it.module, it.pname) or _pick(preset_rules, it.path, it.module, it.pname)
        if it.rule is not None:
            used.add(id(it.rule))
            # The layout of the full weight, as a single process reads it (the same model at any world size).
            it.layout = layout_for(it.module, it.parent, it.attr, it.pname, it.full)
    # A near miss first: a misspelt rule is usually why parameters are uncovered.
    _warn_near_misses([r for r in user if id(r) not in used], items, model, strict)
    uncovered = [it.path for it in items if it.kind in ("param", "quantized") and it.rule is None]
    if strict and uncovered:
        raise UncoveredParametersError(uncovered)
    _bind_expressions(items, model, config)

    if seed is None:  # a sharded model drawn from per-rank global generators would differ rank by rank
        sharded = next((it for it in items if it.shard is not None and it.rule is not None), None)
        if sharded is not None:
            seed = _agree_on_seed(sharded.group)

    # Build every initializer first, so a bad identifier changes nothing.
    built: dict[tuple[int, Any, str], Initializer] = {}
    for it in items:
        if it.rule is None:
            continue
        bk = (id(it.rule), it.dtype, repr(sorted(it.layout.items())))
        if bk not in built:
            try:
                built[bk] = _build(reg, it.rule, it.dtype, it.layout)
            except MlxinitError as e:
                _context(e, f"(in the rule {it.rule.label!r}, for {it.path!r})")
                raise

    tied: dict[str, list[str]] = {}
    for it in items:
        if it.kind == "tied":
            tied.setdefault(it.note.removeprefix("tied to "), []).append(it.path)

    # Each draw is built on the stream it will run on (see _parallel).
    todo = [(it.path, math.prod(it.shape) * it.dtype.size) for it in items if it.rule is not None]
    scheduler = Scheduler(todo, workers if evaluate else 1)

    # Build every new array lazily first (shape and parameter errors surface here, before
    # any parameter changes), then evaluate and swap them in one at a time.
    rows = []
    fresh: list[tuple[str, Any]] = []
    for it in items:
        rule = it.rule
        if rule is None:
            status = {"param": "kept", "quantized": "kept", "state": "state (kept)", "frozen": "frozen (kept)"}.get(
                it.kind, f"skipped ({it.note})" if it.kind == "skipped" else f"{it.note} (kept)"
            )
            rows.append(ApplyRow(it.path, "", "", it.shape, _dtype_str(it.value.dtype), status))
            continue
        init = built[(id(rule), it.dtype, repr(sorted(it.layout.items())))]
        base = _own_base(init)
        if base is None:
            base = seed
        status = "initialized"
        with scheduler.place(it.path):  # the draw, its cast and quantization on one stream
            try:
                new = _draw(init, it, base)
            except MlxinitError as e:
                _context(e, f"(while initializing {it.path!r} with the rule {rule.label!r})")
                raise
            if new.dtype != it.dtype:
                new = new.astype(it.dtype)
            if it.quant is not None:
                status = f"initialized (quantized, {it.quant.describe()})"
                mpath = it.path.rpartition(".")[0]
                fresh.extend((f"{mpath}.{k}", v) for k, v in quantize_like(it.quant, new).items())
        if it.quant is None:
            fresh.append((it.path, new))
            fresh.extend((t, new) for t in tied.get(it.path, ()))  # the same array under every path
        if it.kind in ("state", "frozen"):
            status = f"initialized ({it.kind}, by exact path)"
        if it.shard is not None and not init.takes_region:
            status += " (drawn whole, then cut)"
        promised = None
        with contextlib.suppress(MlxinitError):
            promised = init.expected_std(it.full)
        rows.append(
            ApplyRow(
                it.path,
                rule.shown or _describe(rule.identifier),
                rule.label,
                it.shape,
                _dtype_str(it.value.dtype),
                status,
                promised,
                _layout_text(it.layout, init),
                it.full if it.shard is not None else None,
                it.shard,
            )
        )
    # The group draws, after the per-parameter ones (whose new values they read) and before any swap.
    if gplan.targets:
        rows = _in_order([*rows, *run_groups(gplan, all_items, fresh, seed, _own_base, _group_row)], all_items)
    del items, all_items

    def swap(path: str, new: mx.array) -> None:
        model.update(tree_unflatten([(path, new)]))

    if evaluate:
        # A few parameters in flight at a time; each old array is released when replaced.
        total = sum(a.nbytes for _, a in fresh)
        with progress_for("mlxinit.apply", total, len(fresh), progress) as bar:
            scheduler.run(fresh, swap, bar)
    else:
        for path, new in fresh:
            swap(path, new)
    del fresh
    all_rules = [*user, *preset_rules]
    unused = tuple(r.label for r in user if id(r) not in used) + tuple(gplan.unused)
    return ApplyReport(
        rows=tuple(rows),
        unused_rules=unused,
        preset=preset_name,
        seed=seed,
        rules=tuple(r.label for r in all_rules),
    )


def _group_row(it: _Item, rule: _Rule, status: str, module: str) -> ApplyRow:
    """The report row of an array a group initializer wrote."""
    return ApplyRow(
        it.path, _describe(rule.identifier), rule.label, it.shape, _dtype_str(it.value.dtype), status, group=module
    )


def _in_order(rows: Sequence[ApplyRow], items: Sequence[_Item]) -> list[ApplyRow]:
    """``rows`` in the model's parameter order."""
    order = {it.path: i for i, it in enumerate(items)}
    return sorted(rows, key=lambda r: order.get(r.path, len(order)))


def _draw(init: Initializer, it: _Item, base: int | mx.array | None) -> mx.array:
    """The values of ``it``: its rank's part of the full tensor when sharded, keyed by its unsharded path."""
    key = None if base is None else _rng.path_key(base, it.key_path)
    if it.shard is None:
        return init(it.full, key=key)
    axis = it.shard.axis
    parts = [
        init(it.full, key=key, region=tuple((lo, hi) if i == axis else (0, n) for i, n in enumerate(it.full)))
        for lo, hi in it.shard.pieces(it.full)
    ]
    return parts[0] if len(parts) == 1 else mx.concatenate(parts, axis=axis)


def _agree_on_seed(group: Any) -> int:
    """A seed chosen on rank 0 and shared over ``group``, so that unseeded ranks draw one model."""
    import secrets

    mine = secrets.randbits(62) if group.rank() == 0 else 0
    halves = mx.array([mine >> 31, mine & (2**31 - 1)], dtype=mx.int32)
    hi, lo = (int(v) for v in mx.distributed.all_sum(halves, group=group).tolist())  # type: ignore[union-attr, arg-type]
    return (hi << 31) | lo


# ----------------------------------------------------------------------------- plans (read by verify)


@dataclass(frozen=True)
class Planned:
    """What :func:`apply` would do with one array: its rule and built initializer (see :func:`plan`)."""

    path: str
    value: mx.array
    module: Any
    kind: str  #: "param", "quantized", "state", "frozen", "skipped" or "tied"
    shape: tuple[int, ...]  #: the full logical shape (a quantized weight's float shape; the unsharded shape)
    dtype: mx.Dtype
    note: str
    rule: str | None  #: the rule's label, ``None`` when no rule covers it
    identifier: str  #: as the report shows it ("" without a rule)
    initializer: Initializer | None
    layout: str
    sharded: bool = False  #: ``value`` is this rank's part of a tensor of ``shape``


def plan(
    model: Module,
    rules: Any = None,
    *,
    preset: Any = None,
    config: Any = None,
    registry: Registry | None = None,
    group: Any = None,
    sharding: Any = None,
) -> tuple[list[Planned], str | None, tuple[str, ...]]:
    """For every array of ``model``, the rule and initializer ``apply`` would use; nothing changes.

    The same steps as :func:`apply` up to its build (rules, preset, picking, layouts,
    expressions, building). Returns ``(planned, preset name, labels of user rules that
    matched nothing)``. Errors are :func:`apply`'s.
    """
    from mlx.nn.layers.base import Module as _Module

    from . import _registry
    from ._api import default_registry
    from ._recipe import Recipe

    if not isinstance(model, _Module):
        raise InvalidIdentifierError(f"expected an mlx.nn.Module, got {type(model).__name__} ({model!r:.60}).")
    if registry is not None and not isinstance(registry, _registry.Registry):
        raise InvalidIdentifierError(f"registry=...: expected an mlxinit.Registry or None, got {registry!r}.")
    reg = registry or default_registry()
    if isinstance(rules, Recipe):
        preset = preset if preset is not None else rules.preset
        config = config if config is not None else rules.config
        rules = rules.rules
    user = _compile(rules)
    preset_name, preset_rules = _run_preset(preset, model, reg, offset=len(user))
    items = _plan_items(model, sharding, group)
    used: set[int] = set()
    for it in items:
        if it.kind in ("skipped", "tied"):
            continue
        if it.kind in ("state", "frozen"):
            it.rule = next((r for r in user if r.path == it.path), None) or next(
                (r for r in preset_rules if r.path == it.path), None
            )
        else:
            it.rule = _pick(user, it.path, it.module, it.pname) or _pick(preset_rules, it.path, it.module, it.pname)
        if it.rule is not None:
            used.add(id(it.rule))
            it.layout = layout_for(it.module, it.parent, it.attr, it.pname, it.full)
    _bind_expressions(items, model, config)
    built: dict[tuple[int, Any, str], Initializer] = {}
    out = []
    for it in items:
        init = None
        if it.rule is not None:
            bk = (id(it.rule), it.dtype, repr(sorted(it.layout.items())))
            if bk not in built:
                try:
                    built[bk] = _build(reg, it.rule, it.dtype, it.layout)
                except MlxinitError as e:
                    _context(e, f"(in the rule {it.rule.label!r}, for {it.path!r})")
                    raise
            init = built[bk]
        out.append(
            Planned(
                it.path,
                it.value,
                it.module,
                it.kind,
                it.full,
                it.dtype,
                it.note,
                it.rule.label if it.rule is not None else None,
                (it.rule.shown or _describe(it.rule.identifier)) if it.rule is not None else "",
                init,
                _layout_text(it.layout, init) if init is not None else "",
                it.shard is not None,
            )
        )
    unused = tuple(r.label for r in user if id(r) not in used)
    return out, preset_name, unused


def _layout_text(layout: Mapping[str, Any], init: Initializer) -> str:
    """The layout the initializer used, as ``key=value`` text ("" for MLX's default reading)."""
    from ._layout import LAYOUT_PARAMS, check_layout

    given = {k: init.config[k] for k in LAYOUT_PARAMS if init.config.get(k) is not None}
    if not given:
        return ""
    try:
        return check_layout(init.name, **given).describe()
    except MlxinitError:
        return ", ".join(f"{k}={v!r}" for k, v in given.items())


def _warn_near_misses(unused: Sequence[_Rule], items: Sequence[_Item], model: Module, strict: bool) -> None:
    """Warn (``strict``: raise) for a rule that matched nothing but is close to something in the model."""
    if not unused:
        return
    paths = [it.path for it in items]
    params_by_type: dict[str, set[str]] = {}
    for it in items:
        for n in type_names(it.module):
            params_by_type.setdefault(n, set()).add(it.pname)
    containers: dict[str, str] = {}  # type name -> path of one module of that type owning no parameter
    for mpath, mod in _module_index(model).items():
        for n in type_names(mod):
            if n not in params_by_type and mpath:
                containers.setdefault(n, mpath)
    segments = {seg for p in paths for seg in p.split(".")}
    for r in unused:
        message = _near_miss(r, paths, params_by_type, containers, segments)
        if message is None:
            continue
        if strict:
            raise UnmatchedRuleError(r.label, message)
        warnings.warn(f"Rule {r.label!r} matched nothing: {message}", MlxinitWarning, stacklevel=3)


def _near_miss(
    r: _Rule,
    paths: Sequence[str],
    params_by_type: Mapping[str, set[str]],
    containers: Mapping[str, str],
    segments: set[str],
) -> str | None:
    if r.type_names is not None or r.type_obj is not None:
        tname = r.type_names[0] if r.type_names else getattr(r.type_obj, "__name__", "")
        if tname in containers:
            glob = ".".join("*" if part.isdigit() else part for part in containers[tname].split(".")) + ".*"
            return (
                f"{tname} modules own no parameters themselves (they are in child modules), and a type rule "
                f"matches the module that owns the parameter. Use a path glob such as {glob!r}."
            )
        if tname not in params_by_type:
            near = close_matches(tname, sorted(params_by_type))
            if near:
                pasted = f"type:{near[0]}" + (f".{r.param}" if r.param else "")
                return f"no parameter's module is a {tname}. Did you mean {pasted!r}?"
            return None
        if r.param is not None and r.param not in params_by_type[tname]:
            near = close_matches(r.param, sorted(params_by_type[tname]))
            hint = f" Did you mean 'type:{tname}.{near[0]}'?" if near else ""
            return f"{tname} modules own no parameter {r.param!r} (they own {sorted(params_by_type[tname])}).{hint}"
        return None
    assert r.path is not None
    if not any(c in r.path for c in "*?["):
        near = close_matches(r.path, paths)
        return f"no parameter has this path. Did you mean {near[0]!r}?" if near else None
    fixed = []
    changed = False
    for seg in r.path.split("."):
        if any(c in seg for c in "*?[") or seg in segments:
            fixed.append(seg)
            continue
        near = close_matches(seg, sorted(segments))
        if not near:
            return None
        fixed.append(near[0])
        changed = True
    candidate = ".".join(fixed)
    if changed and any(fnmatch.fnmatchcase(p, candidate) for p in paths):
        return f"did you mean {candidate!r}?"
    return None


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


def _build(reg: Registry, rule: _Rule, dtype: mx.Dtype, layout: Mapping[str, Any]) -> Initializer:
    """The rule's initializer for a parameter of ``dtype`` (unless the rule names its own dtype,
    the precision of the draw) in the module's ``layout`` (unless the rule gives one)."""
    from ._layout import LAYOUT_PARAMS

    ident = rule.identifier
    if isinstance(ident, Initializer):
        if not ident.serializable:
            return ident
        ident = dict(ident.config)
    elif callable(ident) and not isinstance(ident, (str, Mapping)):
        return wrap_callable(ident)
    if isinstance(ident, str):
        ident = {"name": ident}
    if not isinstance(ident, Mapping):
        return reg.get(ident)  # the registry says what is wrong with it
    cfg = dict(ident)
    cfg.setdefault("dtype", dtype)
    extra = {k: v for k, v in layout.items() if k in LAYOUT_PARAMS}
    if extra and not any(k in cfg for k in LAYOUT_PARAMS):
        try:
            return reg.get({**cfg, **extra})
        except UnknownParameterError:
            pass  # an initializer without layout parameters (normal, zeros, ...)
    return reg.get(cfg)


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
