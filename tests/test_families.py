"""Family presets, tensor by tensor against the formula of their source.

Each test builds a tiny model of the family (mlx-lm's where mlx-lm has the family, else a port in
``_family_models`` with the source's names), applies the preset with ``strict=True``, and checks
every parameter against a formula written here from the source (not from the preset's code): the
measured std within six standard errors, the report's promise equal to the formula, constants
exactly.
"""

from __future__ import annotations

import math
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten
from scipy import stats

import mlxinit

pytest.importorskip("mlx_lm")
sys.modules.setdefault("hf_olmo", types.ModuleType("hf_olmo"))  # mlx-lm's olmo probes for it, never uses it

from _family_models import TinyBert, TinyT5, TinyViT  # noqa: E402
from test_mlx_lm import BY_TYPE, Architecture, _np, _trainable  # noqa: E402

#: A formula: ("normal", std), ("trunc", std, cutoff in std units), ("uniform", bound) or ("const", value).
Formula = tuple[Any, ...]


def _measured_std(f: Formula) -> float:
    kind = f[0]
    if kind == "normal":
        return float(f[1])
    if kind == "trunc":
        return float(f[1]) * float(stats.truncnorm.std(-f[2], f[2]))
    if kind == "uniform":
        return float(f[1]) / math.sqrt(3)
    return 0.0


def check_formulas(model: nn.Module, preset: Any, formula: Callable[[str, tuple[int, ...]], Formula]) -> int:
    """Apply ``preset`` strictly; every parameter's values match ``formula(path, shape)``. Returns the count."""
    report = mlxinit.apply(model, preset=preset, seed=0, strict=True)
    assert report.kept == []
    assert set(report.initialized) == _trainable(model)
    params = dict(tree_flatten(model.parameters()))
    for row in report.rows:
        assert row.status == "initialized", row
        value = _np(params[row.path])
        f = formula(row.path, tuple(value.shape))
        where = f"{row.path} ({row.identifier}, rule {row.rule})"
        if f[0] == "const":
            assert np.all(value == np.float32(f[1])), f"{where}: expected all {f[1]}"
            continue
        want = _measured_std(f)
        promised = row.expected_std
        assert promised == pytest.approx(want, rel=1e-5), f"{where}: promises {promised}, formula {want}"
        tol = 6.0 / math.sqrt(2 * value.size)
        assert float(value.std()) == pytest.approx(want, rel=tol), f"{where}: std {value.std()}, formula {want}"
        if f[0] == "trunc":
            assert np.abs(value).max() <= f[1] * f[2] * (1 + 1e-5), f"{where}: beyond the cutoff"
        if f[0] == "uniform":
            assert np.abs(value).max() <= f[1] * (1 + 1e-6), f"{where}: beyond the bound"
    return len(report.rows)


def _last(path: str) -> str:
    """The owning module's name: ``o_proj`` for ``model.layers.0.self_attn.o_proj.weight``."""
    return path.rsplit(".", 2)[-2] if path.count(".") else path


def _layer(path: str) -> int:
    m = re.search(r"\.(\d+)\.", path)
    assert m, path
    return int(m.group(1))


def _norm_or_bias(path: str) -> Formula | None:
    if path.endswith(".bias"):
        return ("const", 0.0)
    if re.search(r"(norm|LayerNorm|layernorm|\.ln\d*|^ln)[^.]*\.weight$", path):
        return ("const", 1.0)
    return None


# ----------------------------------------------------------------------------- Hugging Face


@pytest.mark.parametrize("name", ["bert", "roberta"])
def test_bert_and_roberta(name: str) -> None:
    """Every weight and embedding N(0, 0.02²) (``initializer_range``), biases 0, LayerNorm 1/0."""

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        return _norm_or_bias(path) or ("normal", 0.02)

    assert check_formulas(TinyBert(), name, formula) > 30


@pytest.mark.parametrize("model_type", ["mistral", "qwen2"])
def test_mistral_and_qwen2_are_llama(model_type: str) -> None:
    """transformers initializes Mistral and Qwen2 as Llama: the presets give the llama preset's rules."""
    model = BY_TYPE[model_type].build()
    check_formulas(model, model_type, lambda p, s: _norm_or_bias(p) or ("normal", 0.02))
    a = mlxinit.apply(BY_TYPE[model_type].build(), preset=model_type, seed=0).initialized
    b = mlxinit.apply(BY_TYPE[model_type].build(), preset="llama", seed=0).initialized
    assert a == b


@pytest.mark.parametrize("gated", [False, True])
def test_t5_scales_each_projection(gated: bool) -> None:
    """q: (d_model·d_kv)^-½; k, v: d_model^-½; o: (heads·d_kv)^-½; wi: d_model^-½; wo: d_ff^-½;
    relative bias d_model^-½; shared embedding and head 1; T5LayerNorm 1 (all times the factor)."""
    d, heads, d_kv, ff = 64, 4, 32, 256
    model = TinyT5(d=d, heads=heads, d_kv=d_kv, ff=ff, gated=gated)

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        last = _last(path)
        if "layer_norm" in path:
            return ("const", 1.0)
        std = {
            "q": (d * d_kv) ** -0.5,
            "k": d**-0.5,
            "v": d**-0.5,
            "o": (heads * d_kv) ** -0.5,
            "wi": d**-0.5,
            "wi_0": d**-0.5,
            "wi_1": d**-0.5,
            "wo": ff**-0.5,
            "relative_attention_bias": d**-0.5,
            "shared": 1.0,
            "lm_head": 1.0,
        }[last]
        return ("normal", std)

    assert check_formulas(model, "t5", formula) > 20
    report = mlxinit.apply(TinyT5(), preset={"name": "t5", "factor": 2.0}, seed=0)
    assert report.initialized["encoder.block.0.layer.0.SelfAttention.k.weight"] == f"normal(std={2.0 / 8.0!r})"
    assert report.initialized["encoder.final_layer_norm.weight"] == "constant(value=2.0)"


# ----------------------------------------------------------------------------- torchtitan


@pytest.mark.parametrize("depth_init", [True, False])
def test_torchtitan_llama3(depth_init: bool) -> None:
    """wq/wk/wv/w1 0.02; wo/w2/w3 0.02/sqrt(2(layer+1)) (or 0.02/sqrt(2L)); embedding 1; output dim^-½ cut at 3σ."""
    model = BY_TYPE["llama"].build()  # 2 layers, hidden 64

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        last = _last(path)
        if last in ("q_proj", "k_proj", "v_proj", "gate_proj"):
            return ("normal", 0.02)
        if last in ("o_proj", "down_proj", "up_proj"):
            return ("normal", 0.02 / math.sqrt(2 * (_layer(path) + 1)) if depth_init else 0.02 / math.sqrt(4))
        if last == "embed_tokens":
            return ("normal", 1.0)
        assert last == "lm_head", path
        return ("trunc", 64**-0.5, 3.0)

    check_formulas(model, {"name": "torchtitan-llama3", "depth_init": depth_init}, formula)
    report = mlxinit.apply(BY_TYPE["llama"].build(), preset="torchtitan-llama3", seed=0)
    assert report.initialized["model.layers.1.mlp.up_proj.weight"] == (
        "torch:trunc_normal(std='=0.02/sqrt(2*(layer+1))' = 0.01)"
    )


# ----------------------------------------------------------------------------- OLMo

OLMO = Architecture(
    "olmo",
    dict(d_model=64, n_layers=3, mlp_hidden_size=256, n_heads=4, vocab_size=100, embedding_size=100),
    "olmo",
)


@pytest.mark.parametrize("arch", [OLMO, BY_TYPE["olmo2"]], ids=["olmo", "olmo2"])
@pytest.mark.parametrize("init_fn", ["mitchell", "full_megatron"])
def test_olmo(arch: Architecture, init_fn: str) -> None:
    """mitchell: inputs and embedding 1/sqrt(d); attn_out 1/sqrt(2d(layer+1)); ff_out 1/sqrt(2·d_ff(layer+1));
    head 1/sqrt(d); full_megatron: 0.02, outputs 0.02/sqrt(2L), head 1/sqrt(d); all cut at 3σ."""
    model = arch.build()
    d = 64
    n = arch.config.get("n_layers") or arch.config["num_hidden_layers"]

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        last = _last(path)
        in_block = re.search(r"\.\d+\.", path) is not None
        if not in_block and last in ("ff_out", "lm_head"):
            return ("trunc", d**-0.5, 3.0)
        if last in ("attn_out", "o_proj"):
            std = 1 / math.sqrt(2 * d * (_layer(path) + 1)) if init_fn == "mitchell" else 0.02 / math.sqrt(2 * n)
            return ("trunc", std, 3.0)
        if last in ("ff_out", "down_proj"):
            d_ff = shape[-1]
            std = 1 / math.sqrt(2 * d_ff * (_layer(path) + 1)) if init_fn == "mitchell" else 0.02 / math.sqrt(2 * n)
            return ("trunc", std, 3.0)
        return ("trunc", d**-0.5 if init_fn == "mitchell" else 0.02, 3.0)

    check_formulas(model, {"name": "olmo", "init_fn": init_fn}, formula)


def test_olmo_rejects_an_unknown_init_fn() -> None:
    """An init_fn other than mitchell or full_megatron is an InvalidParameterError naming both."""
    with pytest.raises(mlxinit.InvalidParameterError, match="'mitchell' or 'full_megatron'"):
        mlxinit.apply(OLMO.build(), preset={"name": "olmo", "init_fn": "kaiming"})


# ----------------------------------------------------------------------------- GPT-NeoX


def test_gpt_neox_small_init_and_wang_init() -> None:
    """small_init sqrt(2/(5d)) on qkv, h_to_4h, embed_in, embed_out; wang_init 2/(L·sqrt(d)) on dense and 4h_to_h."""
    model = BY_TYPE["gpt_neox"].build()
    d, n = 64, 2

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        if path.endswith(("attention.dense.weight", "dense_4h_to_h.weight")):
            return ("normal", 2 / n / math.sqrt(d))
        return ("normal", math.sqrt(2 / (5 * d)))

    check_formulas(model, "gpt-neox", formula)
    report = mlxinit.apply(
        BY_TYPE["gpt_neox"].build(), preset={"name": "gpt-neox", "output_layer_init_method": "scaled_normal"}
    )
    assert report.initialized["model.h.0.attention.dense.weight"] == f"normal(std={0.02 / math.sqrt(4)!r})"


# ----------------------------------------------------------------------------- timm ViT


@pytest.mark.parametrize("mode", ["", "jax", "jax_nlhb", "moco"])
def test_vit_modes(mode: str) -> None:
    """timm's init_weights: trunc 0.02 ('') or Xavier (jax, moco; moco's qkv per Q/K/V), jax's zero head and
    tiny MLP biases, lecun-normal patch conv (jax) or PyTorch's conv default; pos_embed 0.02, cls_token 1e-6."""
    d, classes = 64, 10
    model = TinyViT(d=d, classes=classes)
    conv_fan_in = 3 * 8 * 8

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        if path == "pos_embed":
            return ("normal", 0.02)
        if path == "cls_token":
            return ("normal", 1e-6)
        if path.startswith("patch_embed"):
            if mode.startswith("jax"):
                return ("const", 0.0) if path.endswith("bias") else ("normal", conv_fan_in**-0.5)
            return ("uniform", conv_fan_in**-0.5)
        if re.search(r"norm\d?\.weight$", path):
            return ("const", 1.0)
        if path.endswith(".bias"):
            if mode.startswith("jax") and path == "head.bias":
                return ("const", -math.log(classes) if mode == "jax_nlhb" else 0.0)
            if mode.startswith("jax") and ".mlp." in path:
                return ("normal", 1e-6)
            return ("const", 0.0)
        if mode == "":
            return ("normal", 0.02)
        if mode.startswith("jax") and path == "head.weight":
            return ("const", 0.0)
        out, fan_in = shape
        if mode == "moco" and ".qkv." in path:
            return ("uniform", math.sqrt(6 / (out // 3 + fan_in)))
        return ("uniform", math.sqrt(6 / (out + fan_in)))

    assert check_formulas(model, {"name": "vit", "mode": mode}, formula) == len(_trainable(model))


# ----------------------------------------------------------------------------- DeepNet


def test_deepnet_decoder() -> None:
    """Decoder-only, M layers: v/o/FFN Xavier normal with gain (8M)^-¼, q/k gain 1, embedding and head d^-½."""
    model = BY_TYPE["llama"].build()  # M = 2
    beta = (8 * 2) ** -0.25

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        last = _last(path)
        if last in ("embed_tokens", "lm_head"):
            return ("normal", 64**-0.5)
        out, fan_in = shape
        gain = 1.0 if last in ("q_proj", "k_proj") else beta
        return ("normal", gain * math.sqrt(2 / (out + fan_in)))

    check_formulas(model, "deepnet", formula)


def test_deepnet_encoder_on_mlx_transformer() -> None:
    """Encoder-only N layers on mlx.nn.TransformerEncoder: value/out/linear1/linear2 gain (8N)^-¼."""
    model = nn.TransformerEncoder(num_layers=3, dims=64, num_heads=4, mlp_dims=128)
    beta = (8 * 3) ** -0.25

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        out, fan_in = shape
        gain = 1.0 if _last(path) in ("query_proj", "key_proj") else beta
        return ("normal", gain * math.sqrt(2 / (out + fan_in)))

    check_formulas(model, {"name": "deepnet", "architecture": "encoder"}, formula)


def test_deepnet_constants_and_fused_projections() -> None:
    """α, β as in the paper's Table 1; a fused qkv projection cannot take two gains and is refused."""
    from mlxinit_compat.families import deepnorm_constants

    assert deepnorm_constants("decoder", n_layers=18)["decoder"] == pytest.approx((36**0.25, 144**-0.25))
    both = deepnorm_constants("encoder-decoder", n_layers=6, n_encoder_layers=12)
    assert both["encoder"] == pytest.approx((0.81 * (12**4 * 6) ** (1 / 16), 0.87 * (12**4 * 6) ** (-1 / 16)))
    assert both["decoder"] == pytest.approx((18**0.25, 72**-0.25))
    with pytest.raises(mlxinit.InvalidParameterError, match="separate query, key and value"):
        mlxinit.apply(BY_TYPE["phi3"].build(), preset="deepnet")


# ----------------------------------------------------------------------------- μP


@pytest.mark.parametrize("readout", ["zero", "scaled"])
def test_mup_preset(readout: str) -> None:
    """Embedding std at every width, hidden std/sqrt(m), readout 0 or std/m, with m = width / base_width."""
    model = BY_TYPE["llama"].build()  # width 64
    base, m = 16, 64 / 16

    def formula(path: str, shape: tuple[int, ...]) -> Formula:
        fixed = _norm_or_bias(path)
        if fixed:
            return fixed
        if path == "lm_head.weight":
            return ("const", 0.0) if readout == "zero" else ("normal", 0.02 / m)
        if path == "model.embed_tokens.weight":
            return ("normal", 0.02)
        return ("normal", 0.02 / math.sqrt(m))

    check_formulas(model, {"name": "mup", "base_width": base, "readout": readout}, formula)


# ----------------------------------------------------------------------------- every new preset


NEW_PRESETS = ["bert", "roberta", "mistral", "qwen2", "t5", "torchtitan-llama3", "olmo", "gpt-neox", "vit", "deepnet"]


@pytest.mark.parametrize("name", [*NEW_PRESETS, "mup"])
def test_presets_cite_their_source_and_list_their_options(name: str) -> None:
    """Each docstring names its source file and function (or paper), and `mlxinit info` lists the options."""
    info = mlxinit.default_registry().preset_info(name)
    doc = info.doc or ""
    assert re.search(r"``[\w/]+\.py``|https://arxiv\.org/abs/\d+\.\d+", doc), name
    assert "Source:" in doc, name
    assert "Args:" in doc, name
    assert info.options, name
    assert all(o.name for o in info.options)


def test_mup_readout_option_is_checked() -> None:
    """A readout that is neither zero nor scaled is refused by name."""
    with pytest.raises(mlxinit.InvalidParameterError, match="'zero' or 'scaled'"):
        mlxinit.apply(BY_TYPE["llama"].build(), preset={"name": "mup", "base_width": 16, "readout": "one"})


def test_forward_still_runs_after_family_presets() -> None:
    """The mlx-lm models initialized by the new presets still run with finite logits."""
    tokens = mx.array([[1, 2, 3, 4]])
    for arch, preset in [
        (BY_TYPE["llama"], "torchtitan-llama3"),
        (BY_TYPE["olmo2"], "olmo"),  # mlx-lm's olmo (v1) forward adds its "causal" mask string to the scores
        (BY_TYPE["gpt_neox"], "gpt-neox"),
        (BY_TYPE["llama"], "deepnet"),
    ]:
        model = arch.build()
        mlxinit.apply(model, preset=preset, seed=0, strict=True)
        assert bool(mx.all(mx.isfinite(model(tokens)))), preset
