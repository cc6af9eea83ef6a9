"""Group initializers: one draw that fills several arrays of a module together (LoRA's A and B,
a rewritten base weight, DoRA's magnitude). How :func:`mlxinit.apply` runs them is in ``_grouping``.

Plain slotted classes, not dataclasses: this module is imported with ``import mlxinit``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, final

import mlx.core as mx

from ._errors import FactoryError, GroupTargetError

__all__ = ["GroupContext", "GroupFill", "Role"]

#: What a group initializer does to an array it writes:
#: ``"drawn"`` (new values, such as LoRA's A and B), ``"rewritten"`` (new values computed from
#: the array's own, such as PiSSA's residual base weight) or ``"derived"`` (computed from the
#: other arrays, such as DoRA's magnitude).
Role = Literal["drawn", "rewritten", "derived"]
ROLES: tuple[str, ...] = ("drawn", "rewritten", "derived")


@final
class GroupContext:
    """What a group initializer's function is given for one module.

    Attributes:
        module: the module (read its plain attributes, such as LoRA's ``scale``; do not change it).
        path: its dotted path in the model (``""`` for the model itself).
        arrays: every floating array of the module and its children, by dotted name relative to
            it (``"lora_a"``, ``"linear.weight"``), at its logical float shape: quantized weights
            come dequantized, and an array a per-parameter rule of the same ``apply`` call
            initializes comes with its new value.
        key: the module's key, ``param_key(seed, path)`` under a seed (draw ``i`` of the call
            uses ``mlxinit.sampling.subkey(key, i)``); ``None``: MLX's global generator.
        stored: ``stored(name, value)`` is ``value`` as it will read back once written to the
            array ``name``: cast to its dtype, or quantized the module's way and dequantized.
            Use it where one written array must agree with another as stored (DoRA's
            magnitude is the norm of the base as stored plus the adapter).
    """

    __slots__ = ("arrays", "key", "module", "path", "stored")
    module: Any
    path: str
    arrays: Mapping[str, mx.array]
    key: mx.array | None
    stored: Callable[[str, mx.array], mx.array]

    def __init__(
        self,
        module: Any,
        path: str,
        arrays: Mapping[str, mx.array],
        key: mx.array | None,
        stored: Callable[[str, mx.array], mx.array],
    ) -> None:
        from types import MappingProxyType

        setattr_ = object.__setattr__
        setattr_(self, "module", module)
        setattr_(self, "path", path)
        setattr_(self, "arrays", MappingProxyType(dict(arrays)))
        setattr_(self, "key", key)
        setattr_(self, "stored", stored)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"GroupContext is frozen; cannot set {name!r}.")

    def __repr__(self) -> str:
        return f"GroupContext(path={self.path!r}, arrays={sorted(self.arrays)!r})"


@final
class GroupFill:
    """What a factory returns for an initializer that fills several arrays of one module at once.

    A factory registered under a name (``registry.register("lora:pissa", pissa)``) returns a
    :class:`Fill` or closure for one array, or a ``GroupFill`` for a module. ``mlxinit.get``
    turns both into an :class:`Initializer`, whose :attr:`Initializer.group` is this value.
    It is used as an ``apply`` rule on a module: a type rule (``{"type:LoRALinear":
    "lora:pissa"}``) or a glob on module paths (``{"*.q_proj": "lora:pissa"}``). ``apply``
    asks :attr:`plan` which arrays each matching module will have written (per-parameter rules
    then leave them alone), builds everything, runs the per-parameter draws, then calls
    :attr:`function` once per module and writes what it returns: cast to each array's dtype,
    and quantized the module's way for a quantized weight. The report has one row per array
    written, with its :data:`Role`.

    Attributes:
        function: ``function(ctx: GroupContext) -> {name: array}``: exactly the names
            :attr:`plan` promised, each at the logical shape of ``ctx.arrays[name]``. To be
            reproducible under seeds, draw with ``ctx.key`` (``mlxinit.sampling``'s draws with
            ``key=ctx.key, draw=i``), never from hidden state.
        plan: ``plan(module) -> {name: role}``: the arrays it will write in ``module`` and
            their :data:`Role`. It raises :class:`mlxinit.GroupTargetError` for a module it
            cannot fill (a type rule then fails; a glob skips that module).
        description: one line for listings (``mlxinit list``, docs).

    Example:
        >>> import mlx.core as mx, mlx.nn as nn, mlxinit
        >>> from mlxinit import sampling
        >>> def paired(*, std=0.1):
        ...     def plan(module):
        ...         if "a" not in module or "b" not in module:
        ...             raise mlxinit.GroupTargetError("paired", type(module).__name__, "a module with a and b")
        ...         return {"a": "drawn", "b": "derived"}
        ...     def fill(ctx):
        ...         a = sampling.normal(ctx.arrays["a"].shape, scale=std, key=ctx.key)
        ...         return {"a": a, "b": -a}
        ...     return mlxinit.GroupFill(fill, plan)
        >>> reg = mlxinit.Registry(plugins=False)
        >>> _ = reg.register("paired", paired)
        >>> class Pair(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.a, self.b = mx.zeros((3,)), mx.zeros((3,))
        >>> m = Pair()
        >>> report = mlxinit.apply(m, {"type:Pair": "paired"}, seed=0, registry=reg)
        >>> bool(mx.all(m.a == -m.b)), report.initialized["b"]
        (True, 'paired')
    """

    __slots__ = ("description", "function", "plan")
    function: Callable[[GroupContext], Mapping[str, mx.array]]
    plan: Callable[[Any], Mapping[str, Role]]
    description: str

    def __init__(
        self,
        function: Callable[[GroupContext], Mapping[str, mx.array]],
        plan: Callable[[Any], Mapping[str, Role]],
        description: str = "",
    ) -> None:
        if not callable(function):
            raise FactoryError(f"GroupFill: expected a callable function(ctx) -> arrays, got {function!r}.")
        if not callable(plan):
            raise FactoryError(f"GroupFill: expected a callable plan(module) -> {{name: role}}, got {plan!r}.")
        setattr_ = object.__setattr__
        setattr_(self, "function", function)
        setattr_(self, "plan", plan)
        setattr_(self, "description", description)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"GroupFill is frozen; cannot set {name!r}.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GroupFill):
            return NotImplemented
        return (self.function, self.plan, self.description) == (other.function, other.plan, other.description)

    def __hash__(self) -> int:
        return hash((self.function, self.plan, self.description))

    def __repr__(self) -> str:
        return f"GroupFill(function={self.function!r}, plan={self.plan!r})"

    def __call__(self, a: Any, *args: Any, **kwargs: Any) -> mx.array:
        """A group initializer fills a module, not one array: always raises :class:`GroupTargetError`."""
        raise GroupTargetError(
            "a group initializer",
            f"an array of shape {tuple(getattr(a, 'shape', a))}",
            "a module: use it as an apply rule on the module type (\"type:LoRALinear\") or a module path glob",
        )
