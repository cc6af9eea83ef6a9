"""How :func:`mlxinit.apply` runs group initializers: which modules they fill, and their draws."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mlx.core as mx

from . import _rng
from ._errors import FactoryError, GroupTargetError, MlxinitError
from ._group import ROLES, GroupContext, Role

if TYPE_CHECKING:
    from ._apply import ApplyRow, _Item, _Rule
    from ._initializer import Initializer
    from ._registry import Registry

__all__ = ["GroupPlan", "plan_groups", "run_groups"]


@dataclass
class _Target:
    """One module a group rule fills."""

    path: str
    module: Any
    rule: _Rule
    init: Initializer
    roles: dict[str, Role]


@dataclass
class GroupPlan:
    """The modules group rules fill in one ``apply`` call, and the arrays they claim."""

    targets: list[_Target] = field(default_factory=list)
    rule_ids: set[int] = field(default_factory=set)  #: rules whose initializer is a group initializer
    unused: list[str] = field(default_factory=list)

    @property
    def claimed(self) -> set[str]:
        return {_join(t.path, n) for t in self.targets for n in t.roles}


def _join(mpath: str, name: str) -> str:
    return f"{mpath}.{name}" if mpath else name


def _group_init(reg: Registry, ident: Any) -> Initializer | None:
    """The rule's initializer when it is a group initializer, else ``None`` (errors are left to the
    per-parameter step, which reports them with the parameter they were meant for)."""
    from ._initializer import Initializer

    if isinstance(ident, Initializer):
        return ident if ident.group is not None else None
    if not isinstance(ident, (str, Mapping)):
        return None
    try:
        init = reg.get(ident)
    except MlxinitError:
        return None
    return init if init.group is not None else None


def _module_matches(rule: _Rule, mpath: str, module: Any) -> bool:
    if rule.path is not None:
        return fnmatch.fnmatchcase(mpath, rule.path)
    if rule.param is not None:
        return False
    return rule.matches(mpath, module, "")


def plan_groups(model: Any, user: Sequence[_Rule], preset: Sequence[_Rule], reg: Registry) -> GroupPlan:
    """Which modules the group rules of ``user`` and ``preset`` fill (the most specific rule per
    module, user rules before the preset's), and what each will write."""
    plan = GroupPlan()
    groups: list[tuple[_Rule, Initializer, bool]] = []
    for rules, is_user in ((user, True), (preset, False)):
        for r in rules:
            if r.param is not None:
                continue
            init = _group_init(reg, r.identifier)
            if init is not None:
                groups.append((r, init, is_user))
                plan.rule_ids.add(id(r))
    if not groups:
        return plan
    used: set[int] = set()
    for mpath, module in model.named_modules():
        best: tuple[tuple[int, tuple[int, int, int]], _Rule, Initializer] | None = None
        for r, init, is_user in groups:
            if not _module_matches(r, mpath, module):
                continue
            score = (1 if is_user else 0, r.specificity(module))
            if best is None or score > best[0]:
                best = (score, r, init)
        if best is None:
            continue
        _, r, init = best
        assert init.group is not None
        try:
            roles = dict(init.group.plan(module))
        except GroupTargetError as e:
            if r.path is not None and any(c in r.path for c in "*?["):
                continue  # a glob: modules it cannot fill are not its targets
            _add_context(e, f"(module {mpath or '<model>'!r}, rule {r.label!r})")
            raise
        bad = [role for role in roles.values() if role not in ROLES]
        if bad:
            raise FactoryError(f"{init.name}: plan() returned role {bad[0]!r}; expected one of {ROLES}.")
        used.add(id(r))
        plan.targets.append(_Target(mpath, module, r, init, roles))
    plan.unused = [r.label for r, _, is_user in groups if is_user and id(r) not in used]
    # A module inside another group's module is filled once, by the outer one.
    return plan


def _add_context(e: BaseException, text: str) -> None:
    if e.args and isinstance(e.args[0], str) and text not in e.args[0]:
        e.args = (f"{e.args[0]} {text}", *e.args[1:])


def run_groups(
    plan: GroupPlan,
    items: Sequence[_Item],
    fresh: list[tuple[str, Any]],
    seed: int | mx.array | None,
    own_base: Callable[[Initializer], int | mx.array | None],
    row: Callable[[_Item, _Rule, str, str], ApplyRow],
) -> list[ApplyRow]:
    """Call each target's group function and append what it writes to ``fresh`` (quantized the
    module's way); the report rows (``row(item, rule, status, module path)``), one per array written."""
    from ._modules import quantize_like

    by_path = {it.path: it for it in items}
    new_values = dict(fresh)
    rows: list[ApplyRow] = []
    for t in plan.targets:
        if any(by_path[_join(t.path, n)].shard is not None for n in t.roles if _join(t.path, n) in by_path):
            raise GroupTargetError(
                t.init.name, f"the sharded module {t.path!r}", "an unsharded module (group initializers do not shard)"
            )
        specs = [by_path[p].quant for p in by_path if p.startswith(t.path)]
        if any(q is not None and q.global_scale for q in specs):
            raise GroupTargetError(
                t.init.name, f"module {t.path!r} with a global scale (nvfp4)", "a float or group-quantized module"
            )
        prefix = f"{t.path}." if t.path else ""
        local = [it for it in items if it.path.startswith(prefix) and it.kind != "tied"]
        current = {it.path[len(prefix) :]: _current(it, new_values) for it in local}
        arrays = {k: v for k, v in current.items() if v is not None}
        missing = [n for n in t.roles if n not in arrays]
        if missing:
            raise GroupTargetError(
                t.init.name, f"module {t.path!r} ({type(t.module).__name__})", f"floating arrays named {missing}"
            )
        local_items = {it.path[len(prefix) :]: it for it in local}

        def stored(name: str, value: mx.array, _items: Mapping[str, _Item] = local_items) -> mx.array:
            it = _items[name]
            if it.quant is not None:
                q = quantize_like(it.quant, value.astype(it.dtype))
                return mx.dequantize(
                    q["weight"],
                    q["scales"],
                    q.get("biases"),
                    group_size=it.quant.group_size,
                    bits=it.quant.bits,
                    mode=it.quant.mode,
                ).astype(it.dtype)
            return value.astype(it.dtype)

        base = own_base(t.init)
        if base is None:
            base = seed
        key = None if base is None else _rng.path_key(base, t.path)
        ctx = GroupContext(t.module, t.path, arrays, key, stored)
        try:
            out = dict(t.init.group.function(ctx))  # type: ignore[union-attr]
        except MlxinitError as e:
            _add_context(e, f"(module {t.path!r}, rule {t.rule.label!r})")
            raise
        if set(out) != set(t.roles):
            raise FactoryError(
                f"{t.init.name}: wrote {sorted(out)} in {t.path!r}, but its plan promised {sorted(t.roles)}."
            )
        for name, value in out.items():
            it = local_items[name]
            if tuple(value.shape) != it.shape:
                    raise FactoryError(
                    f"{t.init.name}: returned shape {tuple(value.shape)} for {it.path!r}, expected {it.shape}."
                )
            role = t.roles[name]
            status = f"initialized (group, {role})"
            if it.quant is not None:
                mpath = it.path.rpartition(".")[0]
                fresh.extend((f"{mpath}.{k}", v) for k, v in quantize_like(it.quant, value.astype(it.dtype)).items())
                status = f"initialized (group, {role}, re-quantized {it.quant.describe()})"
            else:
                fresh.append((it.path, value.astype(it.dtype)))
            rows.append(row(it, t.rule, status, t.path or "<model>"))
    return rows


def _current(it: _Item, new_values: Mapping[str, Any]) -> mx.array | None:
    """The array's value as a group function sees it: the per-parameter rule's new value if it has
    one, at its logical float shape (dequantized)."""
    if it.kind == "skipped":
        return None
    if it.quant is not None:
        mpath = it.path.rpartition(".")[0]
        if it.path in new_values:
            w = new_values[it.path]
            scales = new_values[f"{mpath}.scales"]
            biases = new_values.get(f"{mpath}.biases")
        else:
            w, scales = it.module["weight"], it.module["scales"]
            biases = it.module.get("biases") if "biases" in it.module else None
        return mx.dequantize(
            w, scales, biases, group_size=it.quant.group_size, bits=it.quant.bits, mode=it.quant.mode
        ).astype(it.dtype)
    value = new_values.get(it.path, it.value)
    return value if isinstance(value, mx.array) else None
