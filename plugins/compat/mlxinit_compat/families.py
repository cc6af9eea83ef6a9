"""Family presets: the ``_init_weights`` of the codebases people port to MLX.

Each preset is ``preset(model, **options) -> [(rule key, identifier), ...]`` (see
:mod:`mlxinit_compat.presets`), states its formula and the file and function it follows, and
finds the layers by the names the source uses and by mlx-lm's names for the same layers.
Standard deviations that depend on a block's index are given per block, by exact path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import mlx.nn as nn

import mlxinit
from mlxinit import mup as _mup
from mlxinit.validate import compute_fans
from mlxinit_compat.presets import (
    _ALL_CONVS,
    _CONV_T,
    _CONVS,
    Rules,
    _decoder_rules,
    _is_linear,
    _join,
    _model_norm_rules,
    _norm_rules,
    _positive,
    _weight_shape,
    config_value,
    count_layers,
)


def _weights(model: nn.Module) -> Iterator[tuple[str, str, nn.Module]]:
    """``(weight path, module name, module)`` for every linear layer (quantized ones too)."""
    for path, module in model.named_modules():
        if _is_linear(module):
            yield _join(path, "weight"), path.rpartition(".")[2], module


def _block_index(path: str) -> int | None:
    """The index of the block a path lies in: the first ``.<int>.`` of the path, as in
    ``model.layers.3.self_attn.o_proj.weight`` (``None`` outside any list of blocks)."""
    m = re.search(r"(?:^|\.)(\d+)\.", path)
    return int(m.group(1)) if m else None


def _block_prefix(model: nn.Module) -> str | None:
    """The path of the longest list of blocks (``model.layers``, ``model.transformer.blocks``…)."""
    counts: dict[str, set[int]] = {}
    for path, _ in model.named_modules():
        m = re.match(r"^(.*?)\.?(\d+)$", path)
        if m:
            counts.setdefault(m.group(1), set()).add(int(m.group(2)))
    return max(counts, key=lambda k: len(counts[k])) if counts else None


def _per_layer(model: nn.Module, names: Sequence[str]) -> dict[str, str]:
    """``{rule key with a {layer} capture: module name}`` for the linear layers named ``names``
    inside the blocks: ``"model.layers.{layer}.self_attn.o_proj.weight"``."""
    prefix = _block_prefix(model)
    keys: dict[str, str] = {}
    if prefix is None:
        return keys
    for path, last, _module in _weights(model):
        m = re.match(re.escape(prefix) + r"\.(\d+)\.(.+)$", path) if prefix else re.match(r"(\d+)\.(.+)$", path)
        if m and last in names:
            keys[f"{prefix}.{{layer}}.{m.group(2)}" if prefix else f"{{layer}}.{m.group(2)}"] = last
    return keys


def _n_layers(model: nn.Module, preset: str, option: str, given: Any, *keys: str) -> int:
    n = given if given is not None else config_value(model, *keys, default=None)
    n = n if n is not None else count_layers(model)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise mlxinit.InvalidParameterError(preset, option, "a positive int (the number of blocks)", given)
    return n


def _d_model(model: nn.Module, preset: str, given: Any) -> int:
    d = given if given is not None else _mup.infer_width(model)
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise mlxinit.InvalidParameterError(
            preset, "d_model", "a positive int (it could not be inferred: no config width, no embedding)", given
        )
    return d


def _choice(preset: str, option: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise mlxinit.InvalidParameterError(preset, option, " or ".join(repr(c) for c in choices), value)
    return str(value)


def _normal(std: float) -> dict[str, Any]:
    return {"name": "normal", "std": std}


def _truncated(std: float, cutoff: float) -> dict[str, Any]:
    """N(0, std²) cut at ±cutoff·std: PyTorch's ``trunc_normal_(std=std, a=-cutoff·std, b=cutoff·std)``."""
    return {"name": "truncated_normal", "std": std, "lower": -cutoff, "upper": cutoff}


# ----------------------------------------------------------------------------- Hugging Face families


def bert(model: nn.Module, *, std: float | None = None) -> Rules:
    """BERT: N(0, std²) weights and embeddings, zero biases, LayerNorm 1/0.

    Every linear weight and every embedding (word, position, token type) N(0, std²), every bias
    0 (the MLM head's output bias too), LayerNorm weight 1 and bias 0.

    Source: Hugging Face transformers, ``src/transformers/models/bert/modeling_bert.py``,
    ``BertPreTrainedModel._init_weights`` (``BertLMPredictionHead.bias`` zero), after
    ``src/transformers/modeling_utils.py``, ``PreTrainedModel._init_weights`` (``nn.Linear`` and
    ``nn.Embedding``: ``normal_(std=initializer_range)``, biases zero, ``*LayerNorm`` 1/0).
    transformers also zeroes the embedding row at ``padding_idx``; MLX's ``nn.Embedding`` has
    no padding index, so that row is drawn like the others.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``.
    """
    return _decoder_rules(model, "bert", std, gemma=False)


def roberta(model: nn.Module, *, std: float | None = None) -> Rules:
    """RoBERTa: the same rules as ``bert``.

    N(0, std²) weights and embeddings, zero biases, LayerNorm 1/0.

    Source: Hugging Face transformers, ``src/transformers/models/roberta/modeling_roberta.py``,
    ``RobertaPreTrainedModel._init_weights`` (``RobertaLMHead.bias`` zero), after
    ``PreTrainedModel._init_weights``.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``.
    """
    return _decoder_rules(model, "roberta", std, gemma=False)


def mistral(model: nn.Module, *, std: float | None = None) -> Rules:
    """Mistral: the same rules as ``llama``; transformers initializes both alike.

    N(0, std²) linear weights, experts and embeddings, zero biases, norm weights 1:
    ``MistralPreTrainedModel`` does not override the generic initialization.

    Source: Hugging Face transformers, ``src/transformers/models/mistral/modeling_mistral.py``
    (no ``_init_weights`` of its own), so ``src/transformers/modeling_utils.py``,
    ``PreTrainedModel._init_weights``.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``.
    """
    return _decoder_rules(model, "mistral", std, gemma=False)


def qwen2(model: nn.Module, *, std: float | None = None) -> Rules:
    """Qwen2: the same rules as ``llama``; transformers initializes both alike.

    N(0, std²) linear weights, experts and embeddings, zero biases (the q/k/v biases too), norm
    weights 1: ``Qwen2PreTrainedModel`` does not override the generic initialization.

    Source: Hugging Face transformers, ``src/transformers/models/qwen2/modeling_qwen2.py``
    (no ``_init_weights`` of its own), so ``src/transformers/modeling_utils.py``,
    ``PreTrainedModel._init_weights``.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``.
    """
    return _decoder_rules(model, "qwen2", std, gemma=False)


_T5_Q = ("q", "query_proj")
_T5_KV = ("k", "v", "key_proj", "value_proj")
_T5_O = ("o", "out_proj")
_T5_WI = ("wi", "wi_0", "wi_1")
_T5_WO = ("wo",)


def t5(
    model: nn.Module,
    *,
    factor: float | None = None,
    d_model: int | None = None,
    d_kv: int | None = None,
) -> Rules:
    """T5: each projection at its own fan-scaled std, times ``factor``.

    Attention ``q``: N(0, factor²/(d_model·d_kv)); ``k``, ``v``: N(0, factor²/d_model); ``o``:
    N(0, factor²/(n_heads·d_kv)) (its fan-in); ``relative_attention_bias``: N(0,
    factor²/d_model); feed-forward ``wi`` (``wi_0``, ``wi_1``): N(0, factor²/d_model), ``wo``:
    N(0, factor²/d_ff) (its fan-in); the shared embedding and an untied ``lm_head``: N(0,
    factor²); any other linear weight N(0, factor²); biases 0; ``T5LayerNorm`` (and MLX norm)
    weights ``factor``.

    Source: Hugging Face transformers, ``src/transformers/models/t5/modeling_t5.py``,
    ``T5PreTrainedModel._init_weights``. ``d_model``, ``n_heads·d_kv`` and ``d_ff`` are read from
    each layer's fan-in, equal to the config's values in a T5 model; ``d_kv`` (for ``q``) from the
    config. The names are transformers' (``q``, ``k``, ``v``, ``o``, ``wi``, ``wo``) or
    ``query_proj``, ``key_proj``, ``value_proj``, ``out_proj``.

    Args:
        factor: ``initializer_factor``. Default: the config's, else ``1.0``.
        d_model: the model width. Default: the config's ``d_model``, else the embedding's dimension.
        d_kv: the size of one attention head. Default: the config's ``d_kv``, else
            ``d_model // num_heads`` from the config.
    """
    name = "t5"
    if factor is None:
        factor = config_value(model, "initializer_factor", default=1.0)
    f = _positive(name, "factor", factor)
    d = _d_model(model, name, d_model if d_model is not None else config_value(model, "d_model", default=None))
    if d_kv is None:
        d_kv = config_value(model, "d_kv", default=None)
        heads = config_value(model, "num_heads", default=None)
        if d_kv is None and isinstance(heads, int) and heads > 0:
            d_kv = d // heads
    rules: Rules = [
        ((nn.Linear, "weight"), _normal(f)),
        ((nn.Embedding, "weight"), _normal(f)),
        ("*.bias", "zeros"),
        *((k, {"name": "constant", "value": f}) if k[1] == "weight" else (k, v) for k, v in _norm_rules()),
    ]
    for path, module in model.named_modules():
        if ("RMSNorm" in type(module).__name__ or "LayerNorm" in type(module).__name__) and "weight" in module:
            rules.append((_join(path, "weight"), {"name": "constant", "value": f}))
        if path.rpartition(".")[2] == "relative_attention_bias" and isinstance(module, nn.Embedding):
            rules.append((_join(path, "weight"), _normal(f / math.sqrt(d))))
    for path, last, module in _weights(model):
        fan_in = _weight_shape(module)[-1]
        if last in _T5_Q:
            if isinstance(d_kv, bool) or not isinstance(d_kv, int) or d_kv < 1:
                raise mlxinit.InvalidParameterError(name, "d_kv", "a positive int (no config d_kv or num_heads)", d_kv)
            rules.append((path, _normal(f / math.sqrt(fan_in * d_kv))))
        elif last in (*_T5_KV, *_T5_O, *_T5_WI, *_T5_WO):
            rules.append((path, _normal(f / math.sqrt(fan_in))))
    return rules


# ----------------------------------------------------------------------------- torchtitan

_TT_DEPTH = ("wo", "w2", "w3", "o_proj", "down_proj", "up_proj")
_TT_OUTPUT = ("output", "lm_head")


def torchtitan_llama3(
    model: nn.Module, *, depth_init: bool = True, n_layers: int | None = None, dim: int | None = None
) -> Rules:
    """torchtitan's Llama 3: truncated normals, the residual-side projections scaled by depth.

    ``wq``, ``wk``, ``wv``, ``w1``: ``trunc_normal_(std=0.02)``; ``wo``, ``w2`` and ``w3``:
    ``trunc_normal_(std=0.02 / sqrt(2·(layer + 1)))`` with ``depth_init`` (``layer`` the block's
    index from 0), else ``0.02 / sqrt(2·n_layers)``; token embeddings N(0, 1); the output
    projection N(0, 1/dim) truncated at ±3σ; norm weights 1 (and any bias 0). PyTorch's
    ``trunc_normal_`` bounds of ±2 are absolute, so at std 0.02 they cut nothing. mlx-lm's
    names map as ``q_proj``/``k_proj``/``v_proj``/``o_proj`` = ``wq``/``wk``/``wv``/``wo``,
    ``gate_proj``/``down_proj``/``up_proj`` = ``w1``/``w2``/``w3``, ``embed_tokens`` =
    ``tok_embeddings``, ``lm_head`` = ``output``. Any other linear weight gets
    ``trunc_normal_(std=0.02)``.

    Source: pytorch/torchtitan, ``torchtitan/models/llama3/model/model.py``:
    ``TransformerBlock.__init__`` (``weight_init_std``), ``Attention.init_weights``,
    ``FeedForward.init_weights`` and ``Transformer.init_weights`` (``final_out_std =
    dim**-0.5``, ``cutoff_factor = 3``).

    Args:
        depth_init: scale by each block's depth (torchtitan's default), else by the number of blocks.
        n_layers: the number of blocks. Default: the config's ``num_hidden_layers``/``n_layers``,
            else the longest list of blocks.
        dim: the model width for the output projection. Default: the config's
            ``hidden_size``/``dim``, else the embedding's dimension.
    """
    name = "torchtitan-llama3"
    if not isinstance(depth_init, bool):
        raise mlxinit.ParameterTypeError(name, "depth_init", "a bool", depth_init)
    n = _n_layers(model, name, "n_layers", n_layers, "num_hidden_layers", "n_layers")
    d = _d_model(model, name, dim)
    base = {"name": "torch:trunc_normal", "std": 0.02}
    rules: Rules = [
        ((nn.Linear, "weight"), base),
        ("type:SwitchLinear.weight", base),
        ((nn.Embedding, "weight"), "normal"),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    depth = "=0.02/sqrt(2*(layer+1))" if depth_init else f"=0.02/sqrt(2*{n})"
    rules += [(key, {"name": "torch:trunc_normal", "std": depth}) for key in _per_layer(model, _TT_DEPTH)]
    for path, last, _module in _weights(model):
        if last in _TT_OUTPUT and _block_index(path) is None:
            rules.append((path, _truncated(d**-0.5, 3.0)))
    return rules


# ----------------------------------------------------------------------------- OLMo

_OLMO_IN = ("att_proj", "ff_proj", "q_proj", "k_proj", "v_proj", "gate_proj", "up_proj")
_OLMO_ATTN_OUT = ("attn_out", "o_proj")
_OLMO_FF_OUT = ("ff_out", "down_proj")
_OLMO_HEAD = ("ff_out", "lm_head")


def olmo(
    model: nn.Module,
    *,
    init_fn: str = "mitchell",
    init_std: float | None = None,
    init_cutoff_factor: float | None = None,
    d_model: int | None = None,
    n_layers: int | None = None,
) -> Rules:
    """OLMo's ``mitchell`` and ``full_megatron`` initializations: truncated normals.

    ``mitchell`` (default): input projections (``att_proj``, ``ff_proj``; mlx-lm OLMo 2's
    ``q/k/v_proj``, ``gate/up_proj``) and the token embedding N(0, 1/d_model); the attention
    output ``attn_out`` (``o_proj``) N(0, 1/(2·d_model·(layer+1))); the feed-forward output
    ``ff_out`` (``down_proj``) N(0, 1/(2·d_ff·(layer+1))), ``d_ff`` its fan-in; an untied output
    head N(0, 1/d_model); each cut at ±``init_cutoff_factor``·σ (3).

    ``full_megatron``: input projections and the embedding N(0, init_std²); both output
    projections N(0, init_std²/(2·n_layers)); the head N(0, 1/d_model); cut at ±3σ.

    Biases 0, norm weights 1 (OLMo's ``LayerNormBase.reset_parameters``).

    Source: allenai/OLMo, ``olmo/model.py``: ``OLMo.reset_parameters`` (``wte``, ``ff_out``) and
    ``OLMoSequentialBlock.reset_parameters`` / ``OLMoBlock.reset_parameters`` (``in_std``,
    ``attn_out_std``, ``ff_out_std``); ``olmo/initialization.py``, ``init_normal``
    (``trunc_normal_(std, a=-cutoff·std, b=cutoff·std)``).

    Args:
        init_fn: ``"mitchell"`` or ``"full_megatron"``.
        init_std: for ``full_megatron``. Default: the config's ``init_std``, else ``0.02``.
        init_cutoff_factor: the truncation, in standard deviations. Default: the config's, else ``3.0``.
        d_model: the model width. Default: the config's ``d_model``/``hidden_size``, else the
            embedding's dimension.
        n_layers: for ``full_megatron``. Default: the config's ``n_layers``/``num_hidden_layers``,
            else the longest list of blocks.
    """
    name = "olmo"
    fn = _choice(name, "init_fn", init_fn, ("mitchell", "full_megatron"))
    if init_std is None:
        init_std = config_value(model, "init_std", default=0.02)
    if init_cutoff_factor is None:
        init_cutoff_factor = config_value(model, "init_cutoff_factor", default=3.0)
    std0 = _positive(name, "init_std", init_std)
    cut = _positive(name, "init_cutoff_factor", init_cutoff_factor)
    d = _d_model(model, name, d_model)
    n = _n_layers(model, name, "n_layers", n_layers, "n_layers", "num_hidden_layers")
    in_std = 1 / math.sqrt(d) if fn == "mitchell" else std0
    rules: Rules = [
        ((nn.Linear, "weight"), _truncated(in_std, cut)),
        ((nn.Embedding, "weight"), _truncated(in_std, cut)),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    for path, last, _module in _weights(model):
        if _block_index(path) is None and last in _OLMO_HEAD:
            rules.append((path, _truncated(1 / math.sqrt(d), cut)))
    for key, last in _per_layer(model, (*_OLMO_ATTN_OUT, *_OLMO_FF_OUT)).items():
        if fn == "full_megatron":
            std: Any = std0 / math.sqrt(2 * n)
        elif last in _OLMO_ATTN_OUT:
            std = f"=1/sqrt(2*{d}*(layer+1))"  # d_model
        else:
            std = "=1/sqrt(2*fan_in*(layer+1))"  # fan_in: the feed-forward width
        rules.append((key, {"name": "truncated_normal", "std": std, "lower": -cut, "upper": cut}))
    return rules


# ----------------------------------------------------------------------------- GPT-NeoX

_NEOX_METHODS = ("small_init", "wang_init", "normal", "scaled_normal")
_NEOX_OUTPUT = ("*.attention.dense.weight", "*.dense_4h_to_h.weight")


def gpt_neox(
    model: nn.Module,
    *,
    init_method: str = "small_init",
    output_layer_init_method: str = "wang_init",
    init_method_std: float = 0.02,
    hidden_size: int | None = None,
    num_layers: int | None = None,
) -> Rules:
    """GPT-NeoX (Pythia): ``small_init`` everywhere, ``wang_init`` on the residual branches' outputs.

    ``small_init``: N(0, 2/(5·d)) (Nguyen & Salazar, "Transformers without Tears"); ``wang_init``:
    N(0, (2/(L·√d))²); ``normal``: N(0, init_method_std²); ``scaled_normal``: N(0,
    init_method_std²/(2·L)); ``d`` the hidden size, ``L`` the number of layers.
    ``output_layer_init_method`` draws the attention's ``dense`` and the MLP's
    ``dense_4h_to_h``; ``init_method`` every other linear weight (``query_key_value``,
    ``dense_h_to_4h``, the output ``embed_out``) and the embedding ``embed_in``. Biases 0,
    LayerNorm 1/0. (Hugging Face's ``GPTNeoXPreTrainedModel`` draws N(0, 0.02²) instead,
    which is not how Pythia was trained.)

    Source: EleutherAI/gpt-neox, ``megatron/model/init_functions.py``: ``small_init_init_method``,
    ``wang_init_method``, ``get_init_methods``; ``megatron/model/transformer.py``
    (``ParallelSelfAttention.dense`` and ``ParallelMLP.dense_4h_to_h`` take
    ``output_layer_init_method``). Defaults as in Pythia's configs.

    Args:
        init_method: ``"small_init"``, ``"wang_init"``, ``"normal"`` or ``"scaled_normal"``.
        output_layer_init_method: the same choices.
        init_method_std: for ``normal`` and ``scaled_normal``.
        hidden_size: the model width. Default: the config's ``hidden_size``, else the embedding's
            dimension.
        num_layers: the number of blocks. Default: the config's ``num_hidden_layers``, else the
            longest list of blocks.
    """
    name = "gpt-neox"
    d = _d_model(model, name, hidden_size)
    n = _n_layers(model, name, "num_layers", num_layers, "num_hidden_layers", "num_layers")
    sigma = _positive(name, "init_method_std", init_method_std)
    stds = {
        "small_init": math.sqrt(2 / (5 * d)),
        "wang_init": 2 / n / math.sqrt(d),
        "normal": sigma,
        "scaled_normal": sigma / math.sqrt(2 * n),
    }
    inner = _normal(stds[_choice(name, "init_method", init_method, _NEOX_METHODS)])
    outer = _normal(stds[_choice(name, "output_layer_init_method", output_layer_init_method, _NEOX_METHODS)])
    return [
        ((nn.Linear, "weight"), inner),
        ((nn.Embedding, "weight"), inner),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
        *((glob, outer) for glob in _NEOX_OUTPUT),
    ]


# ----------------------------------------------------------------------------- timm ViT


def vit(model: nn.Module, *, mode: str = "", num_classes: int | None = None) -> Rules:
    """timm's ``VisionTransformer.init_weights(mode)``: ``''`` (timm), ``'jax'``, ``'jax_nlhb'`` or ``'moco'``.

    All modes: ``pos_embed`` ``trunc_normal_(std=0.02)``; ``cls_token`` and ``reg_token``
    N(0, 1e-12) (std 1e-6); norms 1/0.

    - ``''``: linear weights ``trunc_normal_(std=0.02)``, biases 0; the patch embedding's conv
      keeps PyTorch's default (U(±1/sqrt(fan_in)), ``torch:linear_default``).
    - ``'jax'``: the head's weight 0 and bias ``head_bias`` (0; ``-log(num_classes)`` for
      ``'jax_nlhb'``); other linear weights ``xavier_uniform_``, their biases N(0, 1e-12) inside
      an ``mlp``, else 0; the conv ``lecun_normal_`` (truncated normal, variance 1/fan_in:
      ``jax:lecun_normal``), bias 0.
    - ``'moco'``: a fused ``qkv`` weight U(±sqrt(6/(out/3 + in))) (Q, K and V as separate
      Xavier matrices), other linear weights ``xavier_uniform_``, biases 0; the conv keeps
      PyTorch's default.

    Source: huggingface/pytorch-image-models, ``timm/models/vision_transformer.py``:
    ``VisionTransformer.init_weights``, ``init_weights_vit_timm``, ``init_weights_vit_jax``,
    ``init_weights_vit_moco``. Paths as timm names them (``patch_embed.proj``, ``blocks.N.attn.qkv``,
    ``blocks.N.mlp.fc1``, ``head``).

    Args:
        mode: ``""``, ``"jax"``, ``"jax_nlhb"`` or ``"moco"``.
        num_classes: for ``'jax_nlhb'``. Default: the head's number of outputs.
    """
    name = "vit"
    mode = _choice(name, "mode", mode, ("", "jax", "jax_nlhb", "moco"))
    tiny = _normal(1e-6)
    rules: Rules = [
        ("pos_embed", {"name": "torch:trunc_normal", "std": 0.02}),
        ("cls_token", tiny),
        ("reg_token", tiny),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    if mode == "":
        rules.append(((nn.Linear, "weight"), {"name": "torch:trunc_normal", "std": 0.02}))
    else:
        rules.append(((nn.Linear, "weight"), "glorot_uniform"))
    for path, module in model.named_modules():
        if isinstance(module, _ALL_CONVS) and "weight" in module:
            weight = _join(path, "weight")
            if mode.startswith("jax") and isinstance(module, _CONVS):
                rules.append((weight, "jax:lecun_normal"))
            else:
                fan_in, fan_out = compute_fans(tuple(module.weight.shape), "torch-default")
                fan = fan_out if isinstance(module, _CONV_T) else fan_in
                rules.append((weight, {"name": "torch:linear_default", "fan_in": fan}))
                if "bias" in module:
                    rules.append((_join(path, "bias"), {"name": "torch:linear_default", "fan_in": fan}))
    for path, _last, module in _weights(model):
        mpath = path.removesuffix(".weight")
        has_bias = "bias" in module
        if mode.startswith("jax"):
            if mpath.startswith("head"):
                out = _weight_shape(module)[0]
                classes = num_classes if num_classes is not None else out
                if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
                    raise mlxinit.InvalidParameterError(name, "num_classes", "a positive int", num_classes)
                head_bias = -math.log(classes) if mode == "jax_nlhb" else 0.0
                rules.append((path, "zeros"))
                if has_bias:
                    rules.append((_join(mpath, "bias"), {"name": "constant", "value": head_bias}))
            elif "mlp" in mpath and has_bias:
                rules.append((_join(mpath, "bias"), tiny))
        elif mode == "moco" and "qkv" in mpath:
            out, fan_in = _weight_shape(module)[0], _weight_shape(module)[-1]
            val = math.sqrt(6.0 / float(out // 3 + fan_in))
            rules.append((path, {"name": "uniform", "low": -val, "high": val}))
    return rules


# ----------------------------------------------------------------------------- DeepNet

_DEEPNET_SCALED = (
    "v_proj",
    "value_proj",
    "v",
    "out_proj",
    "o_proj",
    "o",
    "wo",
    "fc1",
    "fc2",
    "linear1",
    "linear2",
    "gate_proj",
    "up_proj",
    "down_proj",
    "w1",
    "w2",
    "w3",
    "wi",
    "wi_0",
    "wi_1",
    "c_fc",
    "dense_h_to_4h",
    "dense_4h_to_h",
)
_DEEPNET_UNSCALED = ("q_proj", "k_proj", "query_proj", "key_proj", "q", "k", "wq", "wk")
_DEEPNET_FUSED = ("qkv_proj", "qkv", "c_attn", "query_key_value", "att_proj", "in_proj", "Wqkv")
_DEEPNET_HEAD = ("lm_head", "output", "head", "embed_out")


def deepnorm_constants(
    architecture: str = "decoder", *, n_layers: int | None = None, n_encoder_layers: int | None = None
) -> dict[str, tuple[float, float]]:
    """DeepNorm's ``(α, β)`` per stack: ``{"encoder": (α, β)}``, ``{"decoder": (α, β)}`` or both.

    Encoder-only with N layers: α = (2N)^¼, β = (8N)^-¼; decoder-only with M layers: α = (2M)^¼,
    β = (8M)^-¼; encoder-decoder (N encoder, M decoder layers): encoder α = 0.81·(N⁴M)^(1/16),
    β = 0.87·(N⁴M)^(-1/16), decoder α = (3M)^¼, β = (12M)^-¼. α is for the model's forward pass
    (``x = LayerNorm(α·x + f(x))``), β for the initialization.

    Source: Wang et al., "DeepNet: Scaling Transformers to 1,000 Layers" (2022),
    https://arxiv.org/abs/2203.00555, Figure 2 and Table 1 (microsoft/torchscale implements it).

    Args:
        architecture: ``"encoder"``, ``"decoder"`` or ``"encoder-decoder"``.
        n_layers: the number of layers of the (decoder, or only) stack.
        n_encoder_layers: the encoder's, for ``"encoder-decoder"``.
    """
    arch = _choice("deepnet", "architecture", architecture, ("encoder", "decoder", "encoder-decoder"))
    for option, value in (("n_layers", n_layers), ("n_encoder_layers", n_encoder_layers)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise mlxinit.InvalidParameterError("deepnet", option, "a positive int", value)
    if n_layers is None:
        raise mlxinit.InvalidParameterError("deepnet", "n_layers", "a positive int", None)
    if arch != "encoder-decoder":
        return {arch: ((2 * n_layers) ** 0.25, (8 * n_layers) ** -0.25)}
    if n_encoder_layers is None:
        raise mlxinit.InvalidParameterError("deepnet", "n_encoder_layers", "a positive int", None)
    big_n, m = n_encoder_layers, n_layers
    return {
        "encoder": (0.81 * (big_n**4 * m) ** (1 / 16), 0.87 * (big_n**4 * m) ** (-1 / 16)),
        "decoder": ((3 * m) ** 0.25, (12 * m) ** -0.25),
    }


def deepnet(
    model: nn.Module,
    *,
    architecture: str = "decoder",
    n_layers: int | None = None,
    n_encoder_layers: int | None = None,
    beta: float | None = None,
) -> Rules:
    """DeepNet's DeepNorm initialization: Xavier normal with gain β on v, out and feed-forward projections.

    Gain 1 on the query and key projections.

    ``v_proj``, ``out_proj`` (``o_proj``) and every feed-forward projection: N(0, β²·2/(fan_in +
    fan_out)); ``q_proj``, ``k_proj``: N(0, 2/(fan_in + fan_out)); β from
    :func:`deepnorm_constants` (decoder-only: (8M)^-¼). Other linear weights Xavier normal, the
    embeddings and the output head N(0, 1/d) (fairseq's ``Embedding``, the codebase DeepNet was
    built on), biases 0, norms 1/0. The model's forward pass must apply α itself:
    ``x = LayerNorm(α·x + f(x))``.

    A fused query-key-value projection cannot take two gains: the preset raises for one.
    With ``"encoder-decoder"``, paths holding ``encoder`` take the encoder's β.

    Source: Wang et al., "DeepNet: Scaling Transformers to 1,000 Layers" (2022),
    https://arxiv.org/abs/2203.00555, Figure 2 (``deepnorm_init``) and Table 1.

    Args:
        architecture: ``"encoder"``, ``"decoder"`` or ``"encoder-decoder"``.
        n_layers: the number of layers (the decoder's for ``"encoder-decoder"``). Default: the
            config's ``num_hidden_layers``, else the longest list of blocks.
        n_encoder_layers: for ``"encoder-decoder"``.
        beta: β itself, overriding the formula.
    """
    name = "deepnet"
    n = _n_layers(model, name, "n_layers", n_layers, "num_hidden_layers", "n_layers")
    constants = deepnorm_constants(architecture, n_layers=n, n_encoder_layers=n_encoder_layers)
    if beta is not None:
        b = _positive(name, "beta", beta)
        constants = {k: (a, b) for k, (a, _) in constants.items()}
    d = _mup.infer_width(model)
    embed: Any = _normal(d**-0.5) if d else "glorot_normal"
    rules: Rules = [
        ((nn.Linear, "weight"), "glorot_normal"),
        ((nn.Embedding, "weight"), embed),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    for path, last, _module in _weights(model):
        if last in _DEEPNET_FUSED:
            raise mlxinit.InvalidParameterError(
                name, "model", "separate query, key and value projections (DeepNorm gives them different gains)", path
            )
        stack = "encoder" if "encoder" in constants and ("encoder" in path or len(constants) == 1) else "decoder"
        b = constants[stack][1]
        if last in _DEEPNET_SCALED:
            rules.append((path, {"name": "glorot_normal", "gain": b}))
        elif last in _DEEPNET_UNSCALED:
            rules.append((path, "glorot_normal"))
        elif last in _DEEPNET_HEAD and _block_index(path) is None and d:
            rules.append((path, _normal(d**-0.5)))
    return rules


# ----------------------------------------------------------------------------- μP


def mup(
    model: nn.Module,
    *,
    base_width: float,
    width: float | None = None,
    std: float | None = None,
    readout: str = "zero",
    readout_globs: Sequence[str] = _mup.READOUT,
    input_globs: Sequence[str] = (),
) -> Rules:
    """μP (maximal update parametrization) for Adam: width-aware initialization around a base width.

    With ``m = width / base_width``: input weights (embeddings, and ``input_globs``) N(0, std²)
    at every width; hidden weights (every other weight of two or more dimensions) N(0, std²/m);
    the readout (``readout_globs``) zero (``readout="zero"``) or N(0, (std/m)²)
    (``readout="scaled"``); biases 0, norm weights 1. Pair it with the learning rates of
    :func:`mlxinit.mup.multi_optimizer` (hidden and readout ``lr/m``, the rest ``lr``) and the
    forward-pass changes listed in :mod:`mlxinit.mup` (attention scaled by ``1/d_head``).

    Source: Yang et al., "Tensor Programs V: Tuning Large Neural Networks via Zero-Shot
    Hyperparameter Transfer" (2022), https://arxiv.org/abs/2203.03466, Table 3 (μP for Adam) and
    section 7 (zero readout); microsoft/mup.

    Args:
        base_width: the width the hyper-parameters were tuned at.
        width: the model's width. Default: the config's ``hidden_size``/``d_model``/``n_embd``,
            else the embedding's dimension.
        std: the standard deviation at the base width. Default: the config's
            ``initializer_range``, else ``0.02``.
        readout: ``"zero"`` or ``"scaled"``.
        readout_globs: path globs of the readout weight.
        input_globs: path globs of input weights besides the embeddings.
    """
    name = "mup"
    m = _mup.width_multiplier(model, base_width, width)
    sigma = _positive(name, "std", std if std is not None else config_value(model, "initializer_range", default=0.02))
    kind = _choice(name, "readout", readout, ("zero", "scaled"))
    roles = _mup.roles(model, readout=readout_globs, input=input_globs)
    rules: Rules = [("*.bias", "zeros"), *_norm_rules(), *_model_norm_rules(model)]
    for path, role in roles.items():
        if role == "input":
            rules.append((path, _normal(sigma)))
        elif role == "hidden":
            rules.append((path, _normal(sigma / math.sqrt(m))))
        elif role == "output":
            rules.append((path, "zeros" if kind == "zero" else _normal(sigma / m)))
    return rules
