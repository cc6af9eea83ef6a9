"""What ``apply`` knows of module types: weight layouts (stacked experts, fused projections) and quantization.

The layout table maps a module type (by class name, so mlx-lm need not be imported) and a
parameter name to the layout hyper-parameters a fan-based initializer gets there, unless
the rule sets its own. It is extensible with :func:`register_layout`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mlx.core as mx

from ._errors import RegistrationError

__all__ = ["QuantSpec", "layout_for", "quant_spec", "quantize_like", "register_layout", "type_names"]

#: ``(module, parent, attribute name, shape) -> layout params or None``
LayoutFn = Callable[[Any, Any, str, tuple[int, ...]], Mapping[str, Any] | None]

_lock = threading.Lock()
_by_type: dict[tuple[str, str], LayoutFn] = {}


def _constant(params: Mapping[str, Any]) -> LayoutFn:
    frozen = dict(params)
    return lambda module, parent, attr, shape: frozen


def register_layout(
    module_type: type | str,
    param: str,
    layout: Mapping[str, Any] | LayoutFn,
    *,
    override: bool = False,
) -> None:
    """Tell :func:`mlxinit.apply` how a module type lays out one of its parameters.

    Args:
        module_type: the class, or its name (``"SwitchLinear"``): a name needs no import.
        param: the parameter's name in the module (``"weight"``).
        layout: the layout hyper-parameters (``{"batch_axis": 0}``, ``{"segments": 3}``), or
            ``fn(module, parent, attribute, shape) -> params or None`` for layouts that depend
            on the model (``parent`` is the module holding ``module`` as ``attribute``).
        override: replace an existing entry.

    Raises:
        RegistrationError: the entry exists (without ``override``), or an argument has the wrong type.

    Example:
        >>> import mlxinit
        >>> mlxinit.register_layout("MyExperts", "w", {"batch_axis": 0}, override=True)
    """
    name = module_type if isinstance(module_type, str) else getattr(module_type, "__name__", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise RegistrationError(f"register_layout: expected a module class or class name, got {module_type!r}.")
    if not isinstance(param, str) or not param.isidentifier():
        raise RegistrationError(f"register_layout: expected a parameter name, got {param!r}.")
    if isinstance(layout, Mapping):
        from ._layout import LAYOUT_PARAMS

        unknown = sorted(set(layout) - set(LAYOUT_PARAMS))
        if unknown:
            raise RegistrationError(
                f"register_layout({name!r}, {param!r}): expected keys among {list(LAYOUT_PARAMS)}, got {unknown}."
            )
        fn = _constant(layout)
    elif callable(layout):
        fn = layout
    else:
        raise RegistrationError(f"register_layout: expected a mapping or a callable layout, got {layout!r}.")
    with _lock:
        if (name, param) in _by_type and not override:
            raise RegistrationError(
                f"A layout for {name}.{param} is already registered; pass override=True to replace it."
            )
        _by_type[(name, param)] = fn


#: MLX's sharded linear layers stand for the layer they shard (``type:Linear`` rules reach them).
_SHARDED = {
    "AllToShardedLinear": ("Linear",),
    "ShardedToAllLinear": ("Linear",),
    "QuantizedAllToShardedLinear": ("QuantizedLinear", "Linear"),
    "QuantizedShardedToAllLinear": ("QuantizedLinear", "Linear"),
}


def type_names(module: Any) -> list[str]:
    """Class names of ``module``'s MRO; a ``QuantizedX`` also counts as an ``X``, and MLX's sharded
    linear layers as ``Linear`` (and ``QuantizedLinear``)."""
    names = [c.__name__ for c in type(module).__mro__]
    names += [n[len("Quantized") :] for n in names if n.startswith("Quantized") and len(n) > 9]
    return names + [alias for n in names for alias in _SHARDED.get(n, ())]


def _fused_qkv(module: Any, parent: Any, attr: str, shape: tuple[int, ...]) -> Mapping[str, Any] | None:
    """q, k and v fused along the output axis: sizes from the attention module's heads when it says."""
    heads = getattr(parent, "n_heads", None) or getattr(parent, "num_heads", None)
    kv = getattr(parent, "n_kv_heads", None) or getattr(parent, "num_key_value_heads", None) or heads
    head_dim = getattr(parent, "head_dim", None)
    if isinstance(heads, int) and isinstance(kv, int) and isinstance(head_dim, int):
        sizes = [heads * head_dim, kv * head_dim, kv * head_dim]
        if sum(sizes) == shape[0]:
            return {"segments": sizes}
    return {"segments": 3} if shape and shape[0] % 3 == 0 else None


#: Attribute names under which model code keeps fused projections (an ``nn.Linear``).
FUSED: dict[str, LayoutFn] = {
    "qkv_proj": _fused_qkv,
    "c_attn": _fused_qkv,
    "Wqkv": _fused_qkv,
    "wqkv": _fused_qkv,
    "query_key_value": _fused_qkv,
    "gate_up_proj": lambda m, p, a, shape: {"segments": 2} if shape and shape[0] % 2 == 0 else None,
}

for _t in ("SwitchLinear", "QuantizedSwitchLinear"):
    _by_type[(_t, "weight")] = _constant({"batch_axis": 0})


def layout_for(module: Any, parent: Any, attr: str, pname: str, shape: tuple[int, ...]) -> dict[str, Any]:
    """The layout hyper-parameters :func:`mlxinit.apply` uses for ``module``'s parameter ``pname``."""
    for name in type_names(module):
        fn = _by_type.get((name, pname))
        if fn is not None:
            return dict(fn(module, parent, attr, shape) or {})
    if pname == "weight" and attr in FUSED and len(shape) == 2:
        return dict(FUSED[attr](module, parent, attr, shape) or {})
    return {}


@dataclass(frozen=True)
class QuantSpec:
    """How a quantized module stores its weight."""

    group_size: int
    bits: int
    mode: str
    logical_shape: tuple[int, ...]
    dtype: mx.Dtype
    global_scale: bool

    def describe(self) -> str:
        return f"{self.bits}-bit {self.mode}"


def quant_spec(module: Any) -> QuantSpec | None:
    """The quantization of ``module`` (``nn.QuantizedLinear``, ``nn.QuantizedEmbedding``, mlx-lm's
    quantized switch layers, …), or ``None`` when it is not quantized."""
    gs, bits = getattr(module, "group_size", None), getattr(module, "bits", None)
    if not (isinstance(gs, int) and isinstance(bits, int)):
        return None
    try:
        weight, scales = module["weight"], module["scales"]
    except (KeyError, TypeError):
        return None
    if not isinstance(weight, mx.array) or not isinstance(scales, mx.array):
        return None
    mode = getattr(module, "mode", "affine") or "affine"
    logical = (*weight.shape[:-1], scales.shape[-1] * gs)
    dtype = scales.dtype if mx.issubdtype(scales.dtype, mx.floating) else mx.float32
    return QuantSpec(gs, bits, str(mode), tuple(logical), dtype, getattr(module, "global_scale", None) is not None)


def quantize_like(spec: QuantSpec, w: mx.array) -> dict[str, mx.array]:
    """``w`` quantized the way the module stores it: ``{"weight", "scales"[, "biases"][, "global_scale"]}``."""
    if spec.global_scale:  # mlx-lm's nvfp4 experts: one tensor scale per expert
        gs = mx.max(mx.abs(w), axis=(-2, -1)).astype(mx.float32)
        parts = [
            mx.quantize(w[e], spec.group_size, spec.bits, mode=spec.mode, global_scale=gs[e])
            for e in range(w.shape[0])
        ]
        return {
            "weight": mx.stack([p[0] for p in parts]),
            "scales": mx.stack([p[1] for p in parts]),
            "global_scale": gs,
        }
    wq, scales, *biases = mx.quantize(w, spec.group_size, spec.bits, mode=spec.mode)
    out = {"weight": wq, "scales": scales}
    if biases:
        out["biases"] = biases[0]
    return out
