"""Whole-model presets: ``mlxinit.apply(model, preset="gpt2")``.

A preset is ``preset(model, **options) -> [(rule key, identifier), ...]``; the rules
use :func:`mlxinit.apply`'s keys. They are declared in the ``mlxinit.presets``
entry-point group of this distribution.

The family presets (``gpt2``, ``llama``, ``gemma``, ``mamba``) do what Hugging Face
transformers' ``_init_weights`` does for that family, on the modules mlx-lm builds
(``mlx_lm.models.<family>.Model``). Their options default from the model's config
(``model.args``, which mlx-lm keeps) where it has them, else from transformers' config
defaults.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, TypeGuard

import mlx.nn as nn

import mlxinit
from mlxinit.validate import compute_fans

Rules = list[tuple[Any, Any]]


def _layers(*names: str) -> tuple[type[nn.Module], ...]:
    """The layer classes of ``names`` that this MLX version has."""
    return tuple(getattr(nn, n) for n in names if hasattr(nn, n))


_NORMS = _layers("LayerNorm", "RMSNorm", "GroupNorm", "BatchNorm", "InstanceNorm")
_CONVS = _layers("Conv1d", "Conv2d", "Conv3d")
_CONV_T = _layers("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
_ALL_CONVS = _CONVS + _CONV_T

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


def _weight_shape(module: nn.Module) -> tuple[int, ...]:
    """The logical shape of a module's weight: a quantized weight's packed last axis unpacked
    (``scales.shape[-1] * group_size``), as :func:`mlxinit.apply` draws it."""
    shape = tuple(module["weight"].shape)
    group_size = getattr(module, "group_size", None)
    if isinstance(group_size, int) and "scales" in module:
        return (*shape[:-1], module["scales"].shape[-1] * group_size)
    return shape


def _is_linear(module: object) -> TypeGuard[nn.Module]:
    """An ``nn.Linear`` or its quantized form (``nn.QuantizedLinear``, which is not a subclass)."""
    return isinstance(module, (nn.Linear, nn.QuantizedLinear)) and "weight" in module


def _norm_rules() -> Rules:
    rules: Rules = []
    for cls in _NORMS:
        rules.append(((cls, "weight"), "ones"))
        rules.append(((cls, "bias"), "zeros"))
    return rules


def _is_model_norm(module: nn.Module) -> bool:
    """A norm a model defines itself (mlx-lm's ``MambaRMSNormGated``, gemma's ``RMSNorm``), not MLX's."""
    name = type(module).__name__
    return ("RMSNorm" in name or "LayerNorm" in name) and not isinstance(module, _NORMS)


def _model_norm_rules(model: nn.Module, *, gemma: bool = False) -> Rules:
    """Exact-path rules for the norms a model defines itself: weight 1, bias 0.

    transformers' ``PreTrainedModel._init_weights`` sets the weight of any module whose class
    name holds ``RMSNorm`` or ``LayerNorm`` to 1 and its bias to 0; these classes are not MLX's,
    so type rules for ``nn.RMSNorm`` do not reach them unless they share its name. With
    ``gemma``, RMSNorm weights are 0 instead (Gemma's RMSNorm scales by ``1 + weight``).
    """
    rules: Rules = []
    for path, module in model.named_modules():
        if _is_model_norm(module):
            if "weight" in module:
                one_centred = gemma and "RMSNorm" in type(module).__name__
                rules.append((_join(path, "weight"), "zeros" if one_centred else "ones"))
            if "bias" in module:
                rules.append((_join(path, "bias"), "zeros"))
    return rules


def config_value(model: nn.Module, *names: str, default: Any = None) -> Any:
    """The first of ``names`` that the model's config has (``model.args``, as mlx-lm keeps it), or ``default``."""
    args = getattr(model, "args", None)
    for n in names:
        value = getattr(args, n, None)
        if value is not None:
            return value
    return default


def _positive(preset: str, option: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise mlxinit.InvalidParameterError(preset, option, "a positive finite number", value)
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        raise mlxinit.InvalidParameterError(preset, option, "a positive finite number", value) from None


def torch_default(model: nn.Module) -> Rules:
    """PyTorch's layer defaults.

    ``Linear``/``Conv*`` weight and bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (weight:
    ``kaiming_uniform_(a=sqrt(5))``); ``Embedding``: N(0, 1); norms: weight 1, bias 0.
    Fans are those PyTorch computes for the same layer (MLX layout handled; a quantized
    ``Linear`` at its logical shape).
    """
    rules: Rules = [((nn.Embedding, "weight"), "normal"), *_norm_rules()]
    for path, module in model.named_modules():
        if (_is_linear(module) or isinstance(module, _ALL_CONVS)) and "weight" in module:
            fan_in, fan_out = compute_fans(_weight_shape(module), "torch-default")
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
    std: float | None = None,
    residual: Sequence[str] = RESIDUAL_PROJECTIONS,
) -> Rules:
    """GPT-2 (and nanoGPT): N(0, std²) weights and embeddings, zero biases, norms 1/0, and
    residual output projections at std ``std / sqrt(2 · n_layer)``.

    Source: Hugging Face transformers, ``src/transformers/models/gpt2/modeling_gpt2.py``,
    ``GPT2PreTrainedModel._init_weights`` (``c_proj.weight``: ``initializer_range /
    sqrt(2 * n_layer)``).

    Args:
        n_layer: the number of transformer blocks. Default: the config's ``n_layer`` (or
            ``num_hidden_layers``), else the longest list of blocks in the model.
        std: the base standard deviation. Default: the config's ``initializer_range``, else ``0.02``.
        residual: path globs of the residual branches' output projections.
    """
    std = _positive("gpt2", "std", std if std is not None else config_value(model, "initializer_range", default=0.02))
    if n_layer is None:
        n = config_value(model, "n_layer", "num_hidden_layers", default=None) or count_layers(model)
    else:
        n = n_layer
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n < 2**63:
        raise mlxinit.InvalidParameterError(
            "gpt2",
            "n_layer",
            "a positive int (it could not be inferred: the model has no list of blocks)"
            if n_layer is None
            else "a positive int below 2**63",
            n_layer,
        )
    rules: Rules = [
        ((nn.Linear, "weight"), {"name": "normal", "std": std}),
        ((nn.Embedding, "weight"), {"name": "normal", "std": std}),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    # an expression, so the report shows the formula: the config's own name for the depth
    # when the depth comes from it, mlxinit's inferred n_layers when inferred, else the number
    depth: str = str(n)
    if n_layer is None:
        named = [k for k in ("n_layer", "num_hidden_layers") if config_value(model, k) is not None]
        depth = named[0] if named else "n_layers"
    scaled = f"={std!r}/sqrt(2*{depth})"
    rules += [(glob, {"name": "normal", "std": scaled}) for glob in residual]
    return rules


def llama(model: nn.Module, *, std: float | None = None) -> Rules:
    """Llama and the decoders initialized like it (Mistral, Mixtral, Qwen2/3 and their MoE,
    Phi-3, Starcoder2, …): N(0, std²) for linear weights, stacked experts (mlx-lm's
    ``SwitchLinear``, per expert) and embeddings; zero biases; norm weights 1.

    Source: Hugging Face transformers, ``src/transformers/modeling_utils.py``,
    ``PreTrainedModel._init_weights`` (``nn.Linear``/``nn.Embedding``: ``normal_(std=
    initializer_range)``, biases zero, ``*RMSNorm``/``*LayerNorm`` weight 1), which
    ``LlamaPreTrainedModel`` uses; MoE families draw their experts and router the same way
    (``models/qwen3_moe/modeling_qwen3_moe.py``, ``Qwen3MoePreTrainedModel._init_weights``:
    ``init.normal_(std)`` for the fused experts and the router; before transformers 5 the
    experts and router were ``nn.Linear``).
    The padding row of an embedding (``padding_idx``) is not zeroed: mlx-lm's embeddings
    have none.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``
            (transformers' default for Llama, Mistral, Mixtral, Qwen and Phi-3; Starcoder2's is
            ``0.018042``).
    """
    return _decoder_rules(model, "llama", std, gemma=False)


def _decoder_rules(model: nn.Module, preset: str, std: float | None, *, gemma: bool) -> Rules:
    std = _positive(preset, "std", std if std is not None else config_value(model, "initializer_range", default=0.02))
    normal = {"name": "normal", "std": std}
    return [
        ((nn.Linear, "weight"), normal),
        ("type:SwitchLinear.weight", normal),  # mlx-lm's stacked experts (QuantizedSwitchLinear too)
        ((nn.Embedding, "weight"), normal),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model, gemma=gemma),
    ]


def gemma(model: nn.Module, *, std: float | None = None) -> Rules:
    """Gemma, Gemma 2 and Gemma 3: as ``llama``, but Gemma's own RMSNorm weights are 0.

    Gemma's RMSNorm scales by ``1 + weight`` (mlx-lm's ``gemma*.RMSNorm``:
    ``mx.fast.rms_norm(x, 1.0 + self.weight, eps)``), so the identity scale is a weight of 0.
    A norm that is MLX's own ``nn.RMSNorm`` (scaling by ``weight``) gets 1.

    Source: Hugging Face transformers, ``src/transformers/models/gemma3/modeling_gemma3.py``,
    ``Gemma3PreTrainedModel._init_weights`` ("We initialize with 0s to be 1 centered as the
    RMSNorm here does (1 + weight)": ``zero_()`` for every module whose class name holds
    ``RMSNorm``), after ``PreTrainedModel._init_weights`` (linear weights and embeddings
    N(0, initializer_range²), biases 0); ``GemmaRMSNorm`` and ``Gemma2RMSNorm`` are built with
    zero weights.

    Args:
        std: ``initializer_range``. Default: the config's ``initializer_range``, else ``0.02``.
    """
    return _decoder_rules(model, "gemma", std, gemma=True)


def _mamba_mixers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The state-space mixers of a Mamba-family model: modules holding ``A_log`` and ``D``."""
    return [(p, m) for p, m in model.named_modules() if "A_log" in m and "D" in m]


def mamba(
    model: nn.Module,
    *,
    std: float | None = None,
    time_step_scale: float | None = None,
    time_step_min: float | None = None,
    time_step_max: float | None = None,
    time_step_floor: float | None = None,
    time_step_init_scheme: str | None = None,
    rescale_prenorm_residual: bool | None = None,
    n_layer: int | None = None,
) -> Rules:
    """Mamba and Mamba-2, as Hugging Face's ``MambaPreTrainedModel`` initializes them.

    In each mixer: ``A_log`` is ``log(1..N)`` (``hf:mamba_a_log``), ``D`` is 1; Mamba's
    ``dt_proj.weight`` is U(−s, s) with ``s = time_step_rank^-0.5 · time_step_scale`` (the
    constant ``s`` under ``time_step_init_scheme="constant"``) and its ``dt_proj.bias`` (Mamba-2:
    ``dt_bias``) the inverse softplus of a log-uniform time step in ``[time_step_min,
    time_step_max]``, clamped at ``time_step_floor`` (``hf:mamba_dt_bias``); ``conv1d.weight``
    and ``out_proj.weight`` are PyTorch's ``kaiming_uniform_(a=sqrt(5))`` (bound
    ``1/sqrt(fan_in)``), ``out_proj`` divided by ``sqrt(n_layer)`` under
    ``rescale_prenorm_residual``. Every other linear weight and the embedding are
    N(0, std²), biases 0, norm weights 1.

    Source: Hugging Face transformers, ``src/transformers/models/mamba/modeling_mamba.py``,
    ``MambaPreTrainedModel._init_weights`` (the mixer's own assignments win over the
    ``nn.Linear`` branch, as ``_init_weights`` visits the mixer after its children), and
    ``src/transformers/models/mamba2/modeling_mamba2.py``, ``Mamba2PreTrainedModel._init_weights``.
    The defaults are ``MambaConfig``'s.

    Args:
        std: ``initializer_range``. Default: the config's, else ``0.1``.
        time_step_scale: Default: the config's, else ``1.0``.
        time_step_min: Default: the config's, else ``0.001``.
        time_step_max: Default: the config's, else ``0.1``.
        time_step_floor: Default: the config's, else ``1e-4``.
        time_step_init_scheme: ``"random"`` or ``"constant"``. Default: the config's, else ``"random"``.
        rescale_prenorm_residual: Default: the config's, else ``False``.
        n_layer: for the rescaling. Default: the config's ``num_hidden_layers``, else the
            longest list of blocks.
    """
    name = "mamba"

    def option(value: Any, key: str, default: Any) -> Any:
        return value if value is not None else config_value(model, key, default=default)

    std = _positive(name, "std", option(std, "initializer_range", 0.1))
    scale = _positive(name, "time_step_scale", option(time_step_scale, "time_step_scale", 1.0))
    dt = {
        "name": "hf:mamba_dt_bias",
        "dt_min": option(time_step_min, "time_step_min", 0.001),
        "dt_max": option(time_step_max, "time_step_max", 0.1),
        "dt_floor": option(time_step_floor, "time_step_floor", 1e-4),
    }
    scheme = option(time_step_init_scheme, "time_step_init_scheme", "random")
    if scheme not in ("random", "constant"):
        raise mlxinit.InvalidParameterError(name, "time_step_init_scheme", "'random' or 'constant'", scheme)
    rescale = option(rescale_prenorm_residual, "rescale_prenorm_residual", False)
    if not isinstance(rescale, bool):
        raise mlxinit.ParameterTypeError(name, "rescale_prenorm_residual", "a bool", rescale)
    n = n_layer if n_layer is not None else config_value(model, "num_hidden_layers", "n_layer", default=None)
    n = n if n is not None else count_layers(model)
    if rescale and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise mlxinit.InvalidParameterError(name, "n_layer", "a positive int", n_layer)

    normal = {"name": "normal", "std": std}
    kaiming = {"name": "torch:kaiming_uniform", "a": math.sqrt(5.0)}
    rules: Rules = [
        ((nn.Linear, "weight"), normal),
        ((nn.Embedding, "weight"), normal),
        ("*.bias", "zeros"),
        *_norm_rules(),
        *_model_norm_rules(model),
    ]
    for path, mixer in _mamba_mixers(model):
        rules += [(_join(path, "A_log"), "hf:mamba_a_log"), (_join(path, "D"), "ones")]
        if "dt_bias" in mixer:  # Mamba-2
            rules.append((_join(path, "dt_bias"), dt))
        dt_proj = getattr(mixer, "dt_proj", None)
        if _is_linear(dt_proj):
            s = scale / math.sqrt(_weight_shape(dt_proj)[-1])  # time_step_rank
            weight = {"name": "uniform", "low": -s, "high": s}
            if scheme == "constant":
                weight = {"name": "constant", "value": s}
            rules += [(_join(path, "dt_proj.weight"), weight), (_join(path, "dt_proj.bias"), dt)]
        conv = getattr(mixer, "conv1d", None)
        if isinstance(conv, nn.Module) and "weight" in conv:
            rules.append((_join(path, "conv1d.weight"), kaiming))
        out = getattr(mixer, "out_proj", None)
        if _is_linear(out):
            if rescale:
                bound = 1.0 / math.sqrt(_weight_shape(out)[-1] * n)
                rules.append((_join(path, "out_proj.weight"), {"name": "uniform", "low": -bound, "high": bound}))
            else:
                rules.append((_join(path, "out_proj.weight"), kaiming))
    return rules
