"""mlx-lm as the proving ground: tiny configs of real architectures, initialized by their family preset.

For each architecture of the matrix (``ARCHITECTURES``; ``docs/models.md`` shows the same table):
``apply(model, preset=..., seed=0, strict=True)`` covers every trainable parameter; every tensor's
std is what its rule promises (per expert for stacked experts, per segment for fused weights);
the model runs forward with finite logits; a quantized copy initializes too.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten

import mlxinit

mlx_lm_utils = pytest.importorskip("mlx_lm.utils")

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "models.md"
TOKENS = mx.array([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]])

#: The attention blocks' sizes: hidden 64, 4 heads of 16 (2 for keys and values), 2 layers, vocab 100.
_ATTENTION: dict[str, Any] = dict(
    hidden_size=64,
    num_hidden_layers=2,
    intermediate_size=128,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=100,
)
_MOE = dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32, rms_norm_eps=1e-6)
_SSM = dict(
    vocab_size=100,
    hidden_size=64,
    intermediate_size=128,
    state_size=8,
    num_hidden_layers=2,
    conv_kernel=4,
    use_bias=False,
    use_conv_bias=True,
    time_step_rank=4,
)


@dataclass(frozen=True)
class Architecture:
    """One row of the matrix: an mlx-lm ``model_type``, a tiny config and the preset for its family."""

    model_type: str
    config: dict[str, Any]
    preset: str | dict[str, Any]

    @property
    def module(self) -> str:
        """The mlx-lm module that builds it (mlx-lm reads some model types as others)."""
        return str(mlx_lm_utils.MODEL_REMAPPING.get(self.model_type, self.model_type))

    def build(self) -> nn.Module:
        """The model, built as ``mlx_lm.utils.load_model`` builds it from a config."""
        arch = importlib.import_module(f"mlx_lm.models.{self.module}")
        args = arch.ModelArgs.from_dict({"model_type": self.model_type, **self.config})
        model: nn.Module = arch.Model(args)
        return model


ARCHITECTURES = [
    Architecture("llama", dict(_ATTENTION, rms_norm_eps=1e-5, tie_word_embeddings=False), "llama"),
    Architecture(
        "mistral",
        dict(_ATTENTION, rms_norm_eps=1e-5, head_dim=16, sliding_window=4, tie_word_embeddings=False),
        "llama",
    ),
    Architecture("qwen2", dict(_ATTENTION, rms_norm_eps=1e-6), "llama"),
    Architecture(
        "qwen3",
        dict(
            _ATTENTION,
            rms_norm_eps=1e-6,
            head_dim=16,
            max_position_embeddings=128,
            rope_theta=1e4,
            tie_word_embeddings=True,
        ),
        "llama",
    ),
    Architecture("phi3", dict(_ATTENTION, rms_norm_eps=1e-5), "llama"),
    Architecture("mixtral", dict(_ATTENTION, num_local_experts=4, num_experts_per_tok=2), "llama"),
    Architecture(
        "qwen3_moe",
        dict(
            _ATTENTION,
            **_MOE,
            decoder_sparse_step=1,
            mlp_only_layers=[],
            head_dim=16,
            rope_theta=1e4,
            tie_word_embeddings=False,
            max_position_embeddings=128,
            norm_topk_prob=True,
        ),
        "llama",
    ),
    Architecture("qwen2_moe", dict(_ATTENTION, **_MOE, shared_expert_intermediate_size=64), "llama"),
    Architecture("starcoder2", dict(_ATTENTION), {"name": "llama", "std": 0.018042}),
    Architecture(
        "gpt2",
        dict(n_ctx=32, n_embd=64, n_head=4, n_layer=2, n_positions=32, layer_norm_epsilon=1e-5, vocab_size=100),
        "gpt2",
    ),
    Architecture("olmo2", dict(_ATTENTION, rms_norm_eps=1e-6, tie_word_embeddings=False), "olmo"),
    Architecture(
        "gpt_neox",
        dict(
            max_position_embeddings=32,
            hidden_size=64,
            num_attention_heads=4,
            num_hidden_layers=2,
            layer_norm_eps=1e-5,
            vocab_size=100,
            rotary_emb_base=10000,
            rotary_pct=0.25,
        ),
        "gpt-neox",
    ),
    Architecture("gemma2", dict(_ATTENTION, head_dim=16, rms_norm_eps=1e-6), "gemma"),
    Architecture("gemma3_text", dict(_ATTENTION, head_dim=16, sliding_window=8, sliding_window_pattern=2), "gemma"),
    Architecture("mamba", dict(_SSM), "mamba"),
    Architecture(
        "mamba2",
        dict(
            _SSM,
            num_heads=4,
            head_dim=32,
            layer_norm_epsilon=1e-5,
            n_groups=1,
            tie_word_embeddings=False,
            time_step_limit=[0.0, float("inf")],
        ),
        "mamba",
    ),
]
IDS = [a.model_type for a in ARCHITECTURES]
BY_TYPE = {a.model_type: a for a in ARCHITECTURES}


def preset_text(preset: str | dict[str, Any]) -> str:
    """The preset as the docs table writes it: ``llama``, or ``{"name": "llama", "std": 0.018042}``."""
    return preset if isinstance(preset, str) else json.dumps(preset)


# ----------------------------------------------------------------------------- the std helper


def _np(a: mx.array) -> np.ndarray:
    return np.asarray(a.astype(mx.float32), dtype=np.float64)


def _logical_value(module: nn.Module, pname: str, quantized: bool) -> np.ndarray:
    """The array a row describes; a quantized weight dequantized to its logical float values
    (expert by expert with mlx-lm's per-expert nvfp4 ``global_scale``)."""
    if not quantized:
        return _np(module[pname])
    q = {"group_size": module.group_size, "bits": module.bits, "mode": module.mode}
    w, scales, biases = module["weight"], module["scales"], module.get("biases", None)
    global_scale = module.get("global_scale", None)
    if global_scale is not None:
        experts = [mx.dequantize(w[e], scales[e], global_scale=global_scale[e], **q) for e in range(w.shape[0])]
        return _np(mx.stack(experts))
    return _np(mx.dequantize(w, scales, biases, **q))


def _layout(text: str) -> dict[str, Any]:
    """A report row's layout column (``"batch_axis=0, segments=[64, 32, 32]"``) as a dict."""
    out: dict[str, Any] = {}
    for key, value in re.findall(r"(\w+)=(\[[^\]]*\]|[^,]+)", text):
        out[key] = ast.literal_eval(value.strip())
    return out


def _initializer(identifier: str) -> mlxinit.Initializer:
    """The initializer a row's identifier column names (``"normal(std=0.02)"``), without any layout."""
    name, _, rest = identifier.partition("(")
    params: dict[str, Any] = {}
    if rest:
        call = ast.parse(f"f({rest}", mode="eval").body
        assert isinstance(call, ast.Call)
        params = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg is not None}
    return mlxinit.get(name, **params)


def _parts(row: mlxinit.ApplyRow, value: np.ndarray, module: nn.Module) -> list[tuple[str, np.ndarray, float]]:
    """``(label, values, promised std)`` for each independent matrix of a row: each expert of stacked
    experts, each segment of a fused weight, else the whole array."""
    assert row.expected_std is not None, f"{row.path}: its rule ({row.rule}) promises no std"
    layout = _layout(row.layout)
    if not layout:
        if value.ndim == 3 and type(module).__name__.removeprefix("Quantized") == "SwitchLinear":
            # a layout-free initializer draws every expert alike: each keeps the row's promise
            return [(f"expert {e}", value[e], row.expected_std) for e in range(value.shape[0])]
        return [("", value, row.expected_std)]
    init = _initializer(row.identifier)  # the same initializer on one matrix, in MLX's reading
    batch = layout.get("batch_axis")
    assert batch in (None, 0), f"{row.path}: a layout this helper does not split: {row.layout}"
    mats = [(f"expert {e}", value[e]) for e in range(value.shape[0])] if batch == 0 else [("", value)]
    segments = layout.get("segments")
    parts = []
    for label, mat in mats:
        if segments is None:
            sizes = [mat.shape[0]]
        elif isinstance(segments, int):
            sizes = [mat.shape[0] // segments] * segments
        else:
            sizes = list(segments)
        offsets = np.cumsum([0, *sizes])
        for j, (lo, hi) in enumerate(itertools.pairwise(offsets)):
            seg = mat[lo:hi]
            parts.append((f"{label} segment {j}".strip(), seg, init.expected_std(seg.shape)))
    # the row's promise for the whole array is the mean of the parts' variances
    whole = math.sqrt(sum(p.size * s**2 for _, p, s in parts) / sum(p.size for _, p, _ in parts))
    assert whole == pytest.approx(row.expected_std, rel=1e-6), row.path
    return parts


def assert_stds_match(model: nn.Module, report: mlxinit.ApplyReport, *, slack: float = 0.0) -> int:
    """Every initialized tensor's measured std is its rule's promise (``row.expected_std``), part by part.

    The tolerance comes from the size: six standard errors of a sample std (``6 / sqrt(2n)``,
    relative; the normal's, the widest of the distributions here), plus ``slack`` for quantized
    weights. A promise of 0 (a constant fill) must hold exactly. Returns the number of parts checked.
    """
    modules = dict(model.named_modules())
    checked = 0
    for row in report.rows:
        if not row.status.startswith("initialized"):
            continue
        mpath, _, pname = row.path.rpartition(".")
        module = modules[mpath]
        quantized = row.status.startswith("initialized (quantized")
        value = _logical_value(module, pname, quantized)
        assert value.shape == row.shape, row.path
        for label, part, promised in _parts(row, value, module):
            measured = float(part.std())
            where = f"{row.path} {label} ({row.identifier}, rule {row.rule})"
            if promised == 0.0:  # a constant: exactly the rule's values
                expected = _np(_initializer(row.identifier)(part.shape))
                assert np.array_equal(part, expected), f"{where}: not the constant its rule gives"
            else:
                tol = 6.0 / math.sqrt(2 * part.size) + (slack if quantized else 0.0)
                assert measured == pytest.approx(promised, rel=tol), f"{where}: std {measured}, promised {promised}"
            checked += 1
    return checked


def _forward_is_finite(model: nn.Module) -> bool:
    logits = model(TOKENS)
    mx.eval(logits)
    return logits.shape[:2] == TOKENS.shape and bool(mx.all(mx.isfinite(logits)))


def _trainable(model: nn.Module) -> set[str]:
    return {p for p, _ in tree_flatten(model.trainable_parameters())}


# ----------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_family_preset_covers_the_model(arch: Architecture) -> None:
    """The family preset covers every trainable parameter (strict), keeps every promise, and the model runs."""
    model = arch.build()
    report = mlxinit.apply(model, preset=arch.preset, seed=0, strict=True)
    assert report.kept == []
    assert set(report.initialized) == _trainable(model)
    assert all(r.status == "initialized" for r in report.rows), [r for r in report.rows if r.status != "initialized"]
    assert assert_stds_match(model, report) >= len(report.rows)
    assert _forward_is_finite(model)


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_quantized_copy_initializes(arch: Architecture) -> None:
    """A copy quantized by mlx-lm (4-bit affine, groups of 32) initializes strictly, reports its quantized
    weights, keeps its promises (dequantized) and runs forward."""
    model = arch.build()
    mlx_lm_utils.quantize_model(model, {}, group_size=32, bits=4)
    quantized = {f"{p}.weight": m for p, m in model.named_modules() if hasattr(m, "bits") and "scales" in m}
    assert quantized, "mlx-lm quantized nothing"
    report = mlxinit.apply(model, preset=arch.preset, seed=0, strict=True)
    assert report.kept == []
    assert set(report.quantized) == set(quantized)
    for row in report.rows:
        m = quantized.get(row.path)
        if m is not None:
            assert row.status == f"initialized (quantized, {m.bits}-bit {m.mode})", row.path
            assert row.shape == (*m.weight.shape[:-1], m.scales.shape[-1] * m.group_size)
    assert assert_stds_match(model, report, slack=0.05) >= len(report.rows)
    assert _forward_is_finite(model)


def _quantized_both_ways(arch: Architecture, preset: str | dict[str, Any]) -> tuple[nn.Module, nn.Module]:
    """``(initialized then quantized, quantized then initialized)``, both by mlx-lm at 4 bits, groups of 32."""
    first = arch.build()
    mlxinit.apply(first, preset=preset, seed=0, strict=True)
    mlx_lm_utils.quantize_model(first, {}, group_size=32, bits=4)
    second = arch.build()
    mlx_lm_utils.quantize_model(second, {}, group_size=32, bits=4)
    mlxinit.apply(second, preset=preset, seed=0, strict=True)
    return first, second


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_quantized_copy_is_the_initialized_model_quantized(arch: Architecture) -> None:
    """Initializing a quantized copy gives bitwise what quantizing the initialized float model gives:
    the preset means the same on the quantized modules (at their logical shapes) as on the float ones."""
    first, second = _quantized_both_ways(arch, arch.preset)
    a, b = dict(tree_flatten(first.parameters())), dict(tree_flatten(second.parameters()))
    assert a.keys() == b.keys()
    assert [k for k in a if not bool(mx.array_equal(a[k], b[k]))] == []


@pytest.mark.parametrize("model_type", ["llama", "phi3", "starcoder2"])
def test_torch_default_on_quantized_linears(model_type: str) -> None:
    """torch-default covers quantized Linears too, with the fans of their logical shape."""
    first, second = _quantized_both_ways(BY_TYPE[model_type], "torch-default")
    a, b = dict(tree_flatten(first.parameters())), dict(tree_flatten(second.parameters()))
    assert [k for k in a if not bool(mx.array_equal(a[k], b[k]))] == []
    report = mlxinit.apply(second, preset="torch-default", seed=0, strict=True)
    assert report.initialized["model.layers.0.self_attn.o_proj.weight"] == "torch:linear_default(fan_in=64)"


@pytest.mark.parametrize(
    ("mode", "group_size", "bits", "global_scale"),
    [("affine", 64, 8, False), ("mxfp4", 32, 4, False), ("mxfp8", 32, 8, False), ("nvfp4", 16, 4, True)],
)
def test_quantized_experts_in_every_mode(mode: str, group_size: int, bits: int, global_scale: bool) -> None:
    """Stacked experts quantized in MLX's other modes (nvfp4 with mlx-lm's per-expert global scale)
    initialize, keep their promises once dequantized, and run."""
    model = BY_TYPE["mixtral"].build()
    mlx_lm_utils.quantize_model(model, {}, group_size=group_size, bits=bits, mode=mode, global_scale=global_scale)
    report = mlxinit.apply(model, preset="llama", seed=0, strict=True)
    experts = [r for r in report.rows if ".switch_mlp." in r.path]
    assert experts
    assert {r.status for r in experts} == {f"initialized (quantized, {bits}-bit {mode})"}
    assert assert_stds_match(model, report, slack=0.15) >= len(report.rows)
    if not (global_scale and mx.default_device() == mx.cpu):  # MLX runs global scales on the GPU only
        assert _forward_is_finite(model)


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=IDS)
def test_fan_based_rules_read_the_real_layouts(arch: Architecture) -> None:
    """Fan-based rules over the preset: stacked experts get per-expert fans, fused projections
    per-segment fans, and every part keeps its promise."""
    model = arch.build()
    rules = {"type:Linear.weight": "glorot_uniform"}
    if any(type(m).__name__ == "SwitchLinear" for _, m in model.named_modules()):
        rules["type:SwitchLinear.weight"] = "he_normal"  # elsewhere a near miss of type:Linear.weight
    report = mlxinit.apply(model, rules, preset=arch.preset, seed=0, strict=True)
    layouts = {r.path: r.layout for r in report.rows}
    for path, layout in layouts.items():
        if ".switch_mlp." in path:
            assert layout == "batch_axis=0", path
        if path.endswith(("qkv_proj.weight", "c_attn.weight", "gate_up_proj.weight")):
            assert "segments=" in layout, path
    assert assert_stds_match(model, report) >= len(report.rows)
    assert _forward_is_finite(model)


@pytest.mark.parametrize("model_type", ["llama", "phi3", "gemma3_text", "mamba"])
def test_bfloat16_models_keep_their_dtype(model_type: str) -> None:
    """A bfloat16 model is initialized in bfloat16, keeps every promise, and runs."""
    arch = BY_TYPE[model_type]
    model = arch.build()
    model.set_dtype(mx.bfloat16)
    report = mlxinit.apply(model, preset=arch.preset, seed=0, strict=True)
    assert {r.dtype for r in report.rows} == {"bfloat16"}
    assert assert_stds_match(model, report) >= len(report.rows)
    assert _forward_is_finite(model)


@pytest.mark.parametrize("name", ["gpt2", "llama", "gemma", "mamba", "bert", "roberta", "mistral", "qwen2", "t5"])
def test_family_presets_cite_their_source(name: str) -> None:
    """Each family preset's docstring names the transformers file and function it follows."""
    doc = mlxinit.default_registry().preset_info(name).doc or ""
    assert re.search(r"``src/transformers/[\w/]+\.py``", doc), name
    assert "_init_weights" in doc


def test_the_matrix_holds_the_families_asked_for() -> None:
    """Llama, Qwen2/3, Gemma, Phi-3 (fused), Mistral, Mixtral, another MoE, GPT-2/Starcoder2 and an SSM."""
    assert {"llama", "qwen2", "qwen3", "phi3", "mistral", "mixtral", "qwen3_moe", "gpt2", "mamba"} <= set(BY_TYPE)
    assert {"gemma2", "gemma3_text"} & set(BY_TYPE)
    phi3 = {p for p, _ in tree_flatten(BY_TYPE["phi3"].build().parameters())}
    assert {"model.layers.0.self_attn.qkv_proj.weight", "model.layers.0.mlp.gate_up_proj.weight"} <= phi3


# ----------------------------------------------------------------------------- what each family means


def test_mistral_is_built_as_llama() -> None:
    """mlx-lm reads a Mistral config with its Llama model (``MODEL_REMAPPING``), sliding window and all."""
    model = BY_TYPE["mistral"].build()
    assert type(model).__module__ == "mlx_lm.models.llama"
    assert model.args.model_type == "mistral"
    assert model.args.sliding_window == 4


def test_llama_preset_on_experts_and_routers() -> None:
    """Experts (SwitchLinear, per expert) and routers get N(0, initializer_range²) as in transformers."""
    model = BY_TYPE["qwen3_moe"].build()
    report = mlxinit.apply(model, preset="llama", seed=0, strict=True)
    rows = {r.path: r for r in report.rows}
    expert = rows["model.layers.0.mlp.switch_mlp.gate_proj.weight"]
    router = rows["model.layers.0.mlp.gate.weight"]
    assert (expert.identifier, expert.rule) == ("normal(std=0.02)", "type:SwitchLinear.weight")
    assert (router.identifier, router.rule) == ("normal(std=0.02)", "type:Linear.weight")
    assert rows["model.layers.0.self_attn.q_norm.weight"].identifier == "ones"


def test_presets_read_initializer_range_from_the_config() -> None:
    """``std`` defaults from ``model.args.initializer_range`` when the config has one; an option overrides it."""
    model = BY_TYPE["llama"].build()
    model.args.initializer_range = 0.05
    report = mlxinit.apply(model, preset="llama", seed=0, strict=True)
    assert report.initialized["model.layers.0.self_attn.q_proj.weight"] == "normal(std=0.05)"
    report = mlxinit.apply(model, preset={"name": "llama", "std": 0.01}, seed=0, strict=True)
    assert report.initialized["model.layers.0.self_attn.q_proj.weight"] == "normal(std=0.01)"
    with pytest.raises(mlxinit.InvalidParameterError, match="std"):
        mlxinit.apply(model, preset={"name": "llama", "std": -1.0})


def test_gpt2_preset_scales_the_residual_projections_by_the_configs_depth() -> None:
    """GPT-2's ``c_proj`` weights get 0.02 / sqrt(2 · n_layer), n_layer from the config."""
    model = BY_TYPE["gpt2"].build()
    report = mlxinit.apply(model, preset="gpt2", seed=0, strict=True)
    expression = f"normal(std='=0.02/sqrt(2*n_layer)' = {0.02 / math.sqrt(4):g})"
    assert report.initialized["model.h.0.attn.c_proj.weight"] == expression
    assert report.initialized["model.h.1.mlp.c_proj.weight"] == expression
    rows = {r.path: r for r in report.rows}
    assert rows["model.h.1.mlp.c_proj.weight"].expected_std == pytest.approx(0.02 / math.sqrt(4))
    assert report.initialized["model.h.0.attn.c_attn.weight"] == "normal(std=0.02)"


@pytest.mark.parametrize("model_type", ["gemma2", "gemma3_text"])
def test_gemma_norms_are_zero_because_they_scale_by_one_plus_weight(model_type: str) -> None:
    """Gemma's RMSNorm computes ``1 + weight``: the preset sets the weight to 0, so the norm is a plain RMS norm."""
    model = BY_TYPE[model_type].build()
    mlxinit.apply(model, preset="gemma", seed=0, strict=True)
    norms = [(p, m) for p, m in model.named_modules() if type(m).__name__ == "RMSNorm"]
    assert norms
    x = mx.random.normal((3, 64), key=mx.random.key(1))
    for path, norm in norms:
        assert not bool(mx.any(norm.weight)), path
    norm = model.model.norm
    assert bool(mx.allclose(norm(x), mx.fast.rms_norm(x, None, norm.eps), atol=1e-6))
    # the llama meaning (weight 1) would double every normalized activation here
    assert mlxinit.apply(BY_TYPE[model_type].build(), preset="llama").initialized["model.norm.weight"] == "ones"


def test_gemma_preset_keeps_mlx_rmsnorm_at_one() -> None:
    """A norm that is MLX's own nn.RMSNorm (weight used as is) gets 1 under the gemma preset."""
    model = nn.Sequential(nn.Embedding(10, 8), nn.RMSNorm(8))
    report = mlxinit.apply(model, preset="gemma", seed=0, strict=True)
    assert report.initialized["layers.1.weight"] == "ones"


def test_mamba_preset_follows_transformers() -> None:
    """A_log = log(1..N) per row, D = 1, dt_proj weight U(-r^-0.5, r^-0.5), softplus(dt bias) in
    [0.001, 0.1], conv1d and out_proj bounded by 1/sqrt(fan_in), other weights N(0, 0.1²)."""
    model = BY_TYPE["mamba"].build()
    report = mlxinit.apply(model, preset="mamba", seed=0, strict=True)
    mixer = model.backbone.layers[0].mixer
    assert np.allclose(_np(mixer.A_log), np.log(np.arange(1, 9))[None, :].repeat(128, 0), atol=1e-6)
    assert _np(mixer.D).tolist() == [1.0] * 128
    w = _np(mixer.dt_proj.weight)
    assert np.abs(w).max() <= 0.5
    assert w.std() == pytest.approx(0.5 / math.sqrt(3), rel=0.15)
    dt = _np(mx.log1p(mx.exp(mixer.dt_proj.bias)))
    assert dt.min() >= 0.001 * (1 - 1e-4)
    assert dt.max() <= 0.1 * (1 + 1e-4)
    assert np.abs(_np(mixer.conv1d.weight)).max() <= 1 / math.sqrt(4)
    assert np.abs(_np(mixer.out_proj.weight)).max() <= 1 / math.sqrt(128)
    assert report.initialized["backbone.layers.0.mixer.in_proj.weight"] == "normal(std=0.1)"
    assert report.initialized["backbone.layers.0.mixer.conv1d.bias"] == "zeros"
    assert report.initialized["backbone.layers.0.mixer.dt_proj.bias"] == (
        "hf:mamba_dt_bias(dt_min=0.001, dt_max=0.1, dt_floor=0.0001)"
    )


def test_mamba_preset_options() -> None:
    """``rescale_prenorm_residual`` divides out_proj's bound by sqrt(n_layer); the constant scheme fills dt_proj."""
    model = BY_TYPE["mamba"].build()
    preset = {
        "name": "mamba",
        "rescale_prenorm_residual": True,
        "time_step_init_scheme": "constant",
        "time_step_scale": 2.0,
    }
    report = mlxinit.apply(model, preset=preset, seed=0, strict=True)
    mixer = model.backbone.layers[1].mixer
    bound = 1 / math.sqrt(128 * 2)
    assert np.abs(_np(mixer.out_proj.weight)).max() <= bound
    assert np.abs(_np(mixer.out_proj.weight)).max() > 0.9 * bound
    assert np.allclose(_np(mixer.dt_proj.weight), 2.0 / math.sqrt(4))
    assert assert_stds_match(model, report) > 0
    with pytest.raises(mlxinit.InvalidParameterError, match="time_step_init_scheme"):
        mlxinit.apply(model, preset={"name": "mamba", "time_step_init_scheme": "uniform"})


def test_mamba2_dt_bias_and_heads() -> None:
    """Mamba-2 keeps one A_log, D and dt_bias per head: log(1..heads), ones, inverse-softplus time steps."""
    model = BY_TYPE["mamba2"].build()
    mlxinit.apply(model, preset="mamba", seed=0, strict=True)
    mixer = model.backbone.layers[0].mixer
    assert np.allclose(_np(mixer.A_log), np.log([1, 2, 3, 4]), atol=1e-6)
    dt = _np(mx.log1p(mx.exp(mixer.dt_bias)))
    assert dt.min() >= 0.001 * (1 - 1e-4)
    assert dt.max() <= 0.1 * (1 + 1e-4)
    assert _np(mixer.norm.weight).tolist() == [1.0] * 128  # MambaRMSNormGated


# ----------------------------------------------------------------------------- tied embeddings


def test_tied_embeddings_are_one_array() -> None:
    """With ``tie_word_embeddings`` mlx-lm keeps one embedding (the head reads it); it is reported once."""
    model = Architecture("llama", {**_ATTENTION, "rms_norm_eps": 1e-5, "tie_word_embeddings": True}, "llama").build()
    report = mlxinit.apply(model, preset="llama", seed=0, strict=True)
    embeds = [r for r in report.rows if "embed" in r.path or "lm_head" in r.path]
    assert [(r.path, r.status) for r in embeds] == [("model.embed_tokens.weight", "initialized")]
    assert _forward_is_finite(model)


def test_an_explicitly_tied_head_is_reported_once_and_stays_tied() -> None:
    """An lm_head tied to the embedding by assignment is drawn once, reported as tied, and still the same array."""
    model = BY_TYPE["llama"].build()
    model.lm_head.weight = model.model.embed_tokens.weight
    report = mlxinit.apply(model, preset="llama", seed=0, strict=True)
    rows = {r.path: r.status for r in report.rows}
    assert rows["model.embed_tokens.weight"] == "initialized"
    assert rows["lm_head.weight"] == "tied to model.embed_tokens.weight (kept)"
    assert model.lm_head.weight is model.model.embed_tokens.weight
    assert _forward_is_finite(model)


# ----------------------------------------------------------------------------- the docs table


def _docs_rows() -> list[tuple[str, str, str]]:
    """``(model_type, module, preset)`` of each row of the architecture table in docs/models.md."""
    rows = []
    for line in DOCS_TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 3 and cells[0].startswith("`") and cells[1].startswith("`mlx_lm.models."):
            rows.append((cells[0].strip("`"), cells[1].strip("`"), cells[2].strip("`")))
    return rows


def test_docs_table_is_the_matrix() -> None:
    """docs/models.md lists exactly the architectures tested here, with the module and preset used."""
    expected = [(a.model_type, f"mlx_lm.models.{a.module}", preset_text(a.preset)) for a in ARCHITECTURES]
    assert _docs_rows() == expected
