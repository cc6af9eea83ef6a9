"""Whole-model presets: ``mlxinit.apply(model, preset="gpt2")``.

A preset is ``preset(model, **options) -> [(rule key, identifier), ...]``; the rules
use :func:`mlxinit.apply`'s keys. They are declared in the ``mlxinit.presets``
entry-point group of this distribution.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import mlx.nn as nn

import mlxinit
from mlxinit.validate import compute_fans

Rules = list[tuple[Any, Any]]

_NORMS = tuple(
    getattr(nn, n) for n in ("LayerNorm", "RMSNorm", "GroupNorm", "BatchNorm", "InstanceNorm") if hasattr(nn, n)
)
_CONVS = tuple(getattr(nn, n) for n in ("Conv1d", "Conv2d", "Conv3d") if hasattr(nn, n))
_CONV_T = tuple(getattr(nn, n) for n in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d") if hasattr(nn, n))

#: Output projections of residual branches in common MLX model code.
RESIDUAL_PROJECTIONS = (
    "*.out_proj.weight",  # mlx.nn.MultiHeadAttention
    "*.o_proj.weight",  # Llama-style attention
    "*.c_proj.weight",  # GPT-2 naming (attention and MLP)
    "*.down_proj.weight",  # Llama-style MLP
    "*.w2.weight",
    "*.fc2.weight",
    "*.linear2.weight",  # mlx.nn.TransformerEncoderLayer MLP
)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _norm_rules() -> Rules:
    rules: Rules = []
    for cls in _NORMS:
        rules.append(((cls, "weight"), "ones"))
        rules.append(((cls, "bias"), "zeros"))
    return rules


def torch_default(model: nn.Module) -> Rules:
    """PyTorch's layer defaults.

    ``Linear``/``Conv*`` weight and bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (weight:
    ``kaiming_uniform_(a=sqrt(5))``); ``Embedding``: N(0, 1); norms: weight 1, bias 0.
    Fans are those PyTorch computes for the same layer (MLX layout handled).
    """
    rules: Rules = [((nn.Embedding, "weight"), "normal"), *_norm_rules()]
    for path, module in model.named_modules():
        if isinstance(module, (nn.Linear, *_CONVS, *_CONV_T)) and "weight" in module:
            fan_in, fan_out = compute_fans(module["weight"].shape, "torch-default")
            # PyTorch's transposed convs store (in, out/groups, *k) and take dim 1 as fan_in.
            fan = fan_out if isinstance(module, _CONV_T) else fan_in
            rules.append((_join(path, "weight"), {"name": "torch:linear_default", "fan_in": fan}))
            if "bias" in module:
                rules.append((_join(path, "bias"), {"name": "torch:linear_default", "fan_in": fan}))
    return rules


def count_layers(model: nn.Module) -> int:
    """The length of the longest list of blocks in ``model`` (``model.layers``, ``model.h``…)."""
    counts: dict[str, set[int]] = {}
    for path, _ in model.named_modules():
        m = re.match(r"^(.*?)\.?(\d+)$", path)
        if m:
            counts.setdefault(m.group(1), set()).add(int(m.group(2)))
    return max((len(v) for v in counts.values()), default=0)


def gpt2(
    model: nn.Module,
    *,
    n_layer: int | None = None,
    std: float = 0.02,
    residual: Sequence[str] = RESIDUAL_PROJECTIONS,
) -> Rules:
    """GPT-2 (and nanoGPT): N(0, 0.02²) weights and embeddings, zero biases, norms 1/0, and
    residual output projections at std ``0.02 / sqrt(2 · n_layer)``.

    Args:
        n_layer: the number of transformer blocks; inferred from the longest list of
            blocks in the model when ``None``.
        std: the base standard deviation. Default: ``0.02``.
        residual: path globs of the residual branches' output projections.
    """
    n = n_layer if n_layer is not None else count_layers(model)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise mlxinit.InvalidParameterError(
            "gpt2",
            "n_layer",
            "a positive int (it could not be inferred: the model has no list of blocks)"
            if n_layer is None
            else "a positive int",
            n_layer,
        )
    rules: Rules = [
        ((nn.Linear, "weight"), {"name": "normal", "std": std}),
        ((nn.Embedding, "weight"), {"name": "normal", "std": std}),
        ("*.bias", "zeros"),
        *_norm_rules(),
    ]
    scaled = std / math.sqrt(2 * n)
    rules += [(glob, {"name": "normal", "std": scaled}) for glob in residual]
    return rules


def llama(model: nn.Module, *, std: float = 0.02) -> Rules:
    """Llama (as Hugging Face's ``LlamaPreTrainedModel``): N(0, 0.02²) for linear weights
    and embeddings, zero biases, RMSNorm weights 1.

    Args:
        std: ``initializer_range``. Default: ``0.02``.
    """
    return [
        ((nn.Linear, "weight"), {"name": "normal", "std": std}),
        ((nn.Embedding, "weight"), {"name": "normal", "std": std}),
        ("*.bias", "zeros"),
        *_norm_rules(),
    ]
