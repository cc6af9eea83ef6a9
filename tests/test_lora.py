"""Group initializers and the lora:* family on real mlx-lm LoRA and DoRA layers."""

from __future__ import annotations

import importlib
import json
import math
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten
from scipy import stats

import mlxinit

pytest.importorskip("mlx_lm")
pytest.importorskip("mlxinit_compat")
from mlx_lm.tuner.dora import DoRALinear
from mlx_lm.tuner.lora import LoRAEmbedding, LoRALinear, LoRASwitchLinear
from mlx_lm.tuner.utils import linear_to_lora_layers

TOKENS = mx.array([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]])
_ATTENTION: dict[str, Any] = dict(
    hidden_size=64,
    num_hidden_layers=2,
    intermediate_size=128,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=100,
    rms_norm_eps=1e-5,
    tie_word_embeddings=False,
)
_QWEN3_MOE: dict[str, Any] = dict(
    _ATTENTION,
    num_experts=4,
    num_experts_per_tok=2,
    moe_intermediate_size=32,
    decoder_sparse_step=1,
    mlp_only_layers=[],
    head_dim=16,
    rope_theta=1e4,
    max_position_embeddings=128,
    norm_topk_prob=True,
)
LORA = {"rank": 8, "scale": 20.0, "dropout": 0.0}
PURE = ["lora:default", "lora:gaussian", "lora:orthogonal"]
FROM_BASE = ["lora:pissa", "lora:pissa_niter_4", "lora:olora"]
ADAPTERS = ["type:LoRALinear", "type:LoRASwitchLinear", "type:LoRAEmbedding", "type:DoRALinear", "type:DoRAEmbedding"]


def build(model_type: str = "llama", *, seed: int = 0) -> nn.Module:
    """A tiny mlx-lm model, built from a config as mlx_lm.utils.load_model builds it."""
    arch = importlib.import_module(f"mlx_lm.models.{model_type}")
    config = _QWEN3_MOE if model_type == "qwen3_moe" else _ATTENTION
    mx.random.seed(seed)
    model: nn.Module = arch.Model(arch.ModelArgs.from_dict({"model_type": model_type, **config}))
    mx.eval(model.parameters())
    return model


def adapted(model_type: str = "llama", *, dora: bool = False, layers: int = 2, embedding: bool = False) -> nn.Module:
    """The model with mlx-lm's adapters on its last ``layers`` blocks (and its embedding)."""
    model = build(model_type)
    model.freeze()
    config = dict(LORA)
    if embedding:
        keys = {k for k, m in model.layers[0].named_modules() if isinstance(m, nn.Linear)}
        config["keys"] = sorted(keys | {"model.embed_tokens"})
    linear_to_lora_layers(model, layers, config, use_dora=dora)
    return model


def rules(name: str) -> dict[str, str]:
    return dict.fromkeys(ADAPTERS, name)


def max_delta(a: mx.array, b: mx.array) -> float:
    return float(mx.max(mx.abs(a - b)))


# ----------------------------------------------------------------------------- the contract


def test_group_initializer_is_a_registered_value() -> None:
    """lora:* names build Initializer values whose .group is a GroupFill; their configs rebuild them."""
    init = mlxinit.get("lora:pissa_niter_4")
    assert isinstance(init.group, mlxinit.GroupFill)
    assert mlxinit.get("lora:gaussian").expected_std((4, 4)) is None
    cfg = mlxinit.serialize(init)
    assert mlxinit.get(json.loads(json.dumps(cfg))) == init
    assert mlxinit.get("normal").group is None


def test_group_initializer_refuses_a_single_array() -> None:
    """Calling a group initializer on an array says to use it as a module rule."""
    with pytest.raises(mlxinit.GroupTargetError, match=r"lora:pissa: expected a module.*type:LoRALinear"):
        mlxinit.get("lora:pissa")((4, 4))


def test_type_rule_on_a_module_it_cannot_fill_raises() -> None:
    """A type rule whose modules are not adapters fails before anything changes, naming the module."""
    model = nn.Sequential(nn.Linear(4, 4))
    before = mx.array(model.layers[0].weight)
    with pytest.raises(mlxinit.GroupTargetError, match=r"LoRA or DoRA layer.*layers\.0"):
        mlxinit.apply(model, {"type:Linear": "lora:pissa"}, seed=0)
    assert mx.array_equal(before, model.layers[0].weight)


def test_glob_rule_fills_only_the_modules_it_can() -> None:
    """A glob on module paths claims the adapters it matches and leaves other modules to other rules."""
    model = adapted()
    report = mlxinit.apply(model, {"*.q_proj": "lora:gaussian"}, seed=0)
    assert set(report.groups) == {"model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"}
    assert report.initialized["model.layers.0.self_attn.q_proj.lora_a"] == "lora:gaussian"
    assert not report.unused_rules


def test_custom_group_initializer_through_the_registry() -> None:
    """A plugin's GroupFill gets the module's arrays (per-parameter rules' new values included)."""
    seen: dict[str, Any] = {}

    def mirror() -> mlxinit.GroupFill:
        def plan(module: Any) -> dict[str, Any]:
            return {"bias": "derived"}

        def fill(ctx: mlxinit.GroupContext) -> dict[str, mx.array]:
            seen.update(ctx.arrays)
            return {"bias": ctx.arrays["weight"][:, 0]}

        return mlxinit.GroupFill(fill, plan)

    reg = mlxinit.Registry()
    reg.register("mirror", mirror)
    model = nn.Sequential(nn.Linear(3, 3))
    report = mlxinit.apply(model, {"type:Linear": "mirror", "*.weight": "ones"}, seed=0, registry=reg)
    assert mx.array_equal(model.layers[0].bias, mx.ones((3,)))
    assert report.initialized == {"layers.0.weight": "ones", "layers.0.bias": "mirror"}
    assert report.groups == {"layers.0": ["layers.0.bias"]}
    assert set(seen) == {"weight", "bias"}


def test_group_rules_round_trip_through_a_recipe() -> None:
    """A recipe with lora rules replays bitwise."""
    recipe = mlxinit.Recipe(rules=rules("lora:pissa_niter_2"), seed=3)
    text = recipe.to_json()
    first, second = adapted(), adapted()
    mlxinit.apply(first, recipe)
    mlxinit.apply(second, mlxinit.load_recipe(text))
    for (p, a), (_, b) in zip(tree_flatten(first.parameters()), tree_flatten(second.parameters()), strict=True):
        assert mx.array_equal(a, b), p


# ----------------------------------------------------------------------------- no-op at init


@pytest.mark.parametrize("name", PURE)
@pytest.mark.parametrize("dora", [False, True])
def test_pure_kinds_leave_the_model_unchanged(name: str, dora: bool) -> None:
    """lora:default, gaussian and orthogonal: max |Δy| <= 1e-6 (fp32) against the base model."""
    base = build()
    y0 = base(TOKENS)
    model = adapted(dora=dora, embedding=True)
    report = mlxinit.apply(model, rules(name), seed=0)
    assert len(report.groups) == 15  # 7 linears in each of 2 blocks, and the embedding
    assert max_delta(model(TOKENS), y0) <= 1e-6
    assert not report.rewritten


@pytest.mark.parametrize("name", [*PURE, *FROM_BASE])
def test_moe_experts_are_adapted_without_changing_the_model(name: str) -> None:
    """LoRASwitchLinear on a tiny qwen3_moe: every kind starts (nearly) equal to the base."""
    base = build("qwen3_moe")
    y0 = base(TOKENS)
    model = adapted("qwen3_moe")
    # The router (4 experts × 64) has fewer rows than the rank: only pure kinds fit it.
    report = mlxinit.apply(model, {**rules(name), "*.mlp.gate": "lora:default"}, seed=0)
    switch = [p for p, m in model.named_modules() if isinstance(m, LoRASwitchLinear)]
    assert switch
    assert all(p in report.groups for p in switch)
    assert max_delta(model(TOKENS), y0) <= (1e-6 if name in PURE else 1e-4)


def test_orthogonal_trains_both_factors() -> None:
    """lora:orthogonal: A and B both non-zero, B·A = 0 exactly; rotate=True is PEFT's draw (B·A ≈ 0)."""
    for rotate, tol in ((False, 0.0), (True, 1e-6)):
        model = adapted(layers=1)
        mlxinit.apply(model, {"type:LoRALinear": {"name": "lora:orthogonal", "rotate": rotate}}, seed=0)
        layer = model.layers[1].self_attn.q_proj
        assert float(mx.abs(layer.lora_a).max()) > 0.01
        assert float(mx.abs(layer.lora_b).max()) > 0.01
        assert float(mx.abs(layer.lora_a @ layer.lora_b).max()) <= tol


def test_orthogonal_needs_an_even_rank() -> None:
    """An odd rank is refused with the rank in the message."""
    layer = LoRALinear(8, 8, r=3)
    with pytest.raises(mlxinit.GroupTargetError, match=r"even LoRA rank, got rank 3"):
        mlxinit.apply(layer, {"type:LoRALinear": "lora:orthogonal"}, seed=0)


# ----------------------------------------------------------------------------- from the base


@pytest.mark.parametrize("name", FROM_BASE)
@pytest.mark.parametrize("dora", [False, True])
def test_from_base_kinds_reconstruct_the_weight(name: str, dora: bool) -> None:
    """PiSSA/OLoRA: ‖W − (W_res + scale·(B·A) in mlx layout)‖/‖W‖ <= 1e-5, and the rows say rewritten."""
    model = adapted(dora=dora)
    before = {p: mx.array(m.linear.weight) for p, m in model.named_modules() if isinstance(m, (LoRALinear, DoRALinear))}
    report = mlxinit.apply(model, rules(name), seed=0)
    assert len(report.rewritten) == len(before) == 14
    for p, w in before.items():
        layer = dict(model.named_modules())[p]
        rebuilt = layer.linear.weight + (layer.scale * layer.lora_b.T) @ layer.lora_a.T
        assert float(mx.linalg.norm(rebuilt - w) / mx.linalg.norm(w)) <= 1e-5, p
        assert f"{p}.linear.weight" in report.rewritten


def test_pissa_takes_the_principal_directions() -> None:
    """lora:pissa's B·A is the best rank-r approximation of W (Eckart–Young), as PEFT computes it."""
    layer = LoRALinear(48, 32, r=4, scale=2.0)
    w = np.array(layer.linear.weight, dtype=np.float64)
    mlxinit.apply(layer, {"type:LoRALinear": "lora:pissa"}, seed=0)
    u, s, vt = np.linalg.svd(w)
    best = (u[:, :4] * s[:4]) @ vt[:4]
    got = 2.0 * np.array(layer.lora_b, dtype=np.float64).T @ np.array(layer.lora_a, dtype=np.float64).T
    assert np.linalg.norm(got - best) / np.linalg.norm(best) < 1e-5
    a = np.array(layer.lora_a).T  # PEFT's lora_A.weight = sqrt(S_r / scale) V_rᵀ: rows orthogonal
    gram = a @ a.T
    assert np.allclose(gram, np.diag(s[:4] / 2.0), rtol=1e-4, atol=1e-4)


def test_olora_is_the_qr_of_the_base() -> None:
    """lora:olora: B = Q[:, :r] (orthonormal columns), A = R[:r] (upper triangular in its first r columns)."""
    layer = LoRALinear(24, 16, r=4, scale=1.0)
    mlxinit.apply(layer, {"type:LoRALinear": "lora:olora"}, seed=0)
    b = np.array(layer.lora_b).T
    a = np.array(layer.lora_a).T
    assert np.allclose(b.T @ b, np.eye(4), atol=1e-5)
    assert np.allclose(np.tril(a[:, :4], -1), 0.0, atol=1e-6)


def test_pissa_niter_finds_the_same_subspace() -> None:
    """The randomized SVD's subspace agrees with the full SVD's on a matrix with a decaying spectrum."""
    from mlxinit_compat.lora import randomized_svd

    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.standard_normal((256, 256)))
    v, _ = np.linalg.qr(rng.standard_normal((192, 192)))
    s = 1.0 / np.arange(1, 193) ** 0.5
    w = mx.array(((u[:, :192] * s) @ v.T).astype(np.float32))
    ur, sr, _ = randomized_svd(w, 8, 4, oversample=8, key=mx.random.key(0))
    cosines = np.linalg.svd(u[:, :8].T @ np.array(ur), compute_uv=False)  # of the principal angles
    assert cosines.mean() > 0.99
    assert np.allclose(np.array(sr)[:4], s[:4], rtol=1e-3)


def test_dora_magnitude_is_the_norm_of_the_adapted_weight() -> None:
    """On DoRA layers m = ‖base + scale·B·A‖ per output row, so m / denom = 1 at init."""
    model = adapted(dora=True)
    mlxinit.apply(model, rules("lora:pissa"), seed=0)
    layer = model.layers[0].mlp.up_proj
    adapted_w = layer.linear.weight + (layer.scale * layer.lora_b.T) @ layer.lora_a.T
    assert np.allclose(np.array(layer.m), np.array(mx.linalg.norm(adapted_w, axis=1)), rtol=1e-6)


def test_quantized_base_is_requantized_and_reported() -> None:
    """A quantized base is dequantized to compute, the residual re-quantized the layer's way, and said so."""
    base = build()
    nn.quantize(base, group_size=32, bits=8)
    y0 = base(TOKENS)
    model = build()
    nn.quantize(model, group_size=32, bits=8)
    model.freeze()
    linear_to_lora_layers(model, 2, LORA)
    report = mlxinit.apply(model, rules("lora:default"), seed=0)
    assert max_delta(model(TOKENS), y0) <= 1e-6
    report = mlxinit.apply(model, rules("lora:pissa"), seed=0)
    row = next(r for r in report.rows if r.path == "model.layers.0.self_attn.q_proj.linear.weight")
    assert row.status == "initialized (group, rewritten, re-quantized 8-bit affine)"
    assert isinstance(model.layers[0].self_attn.q_proj.linear, nn.QuantizedLinear)
    # Not a no-op: the residual's quantization error replaces the original's, and stays of that size.
    assert 0.0 < max_delta(model(TOKENS), y0) < 0.1


# ----------------------------------------------------------------------------- draws


def test_default_is_mlx_lms_draw_when_unseeded() -> None:
    """Unseeded lora:default is bitwise mlx-lm's own draw under the same mx.random.seed."""
    from mlx_lm.models.switch_layers import SwitchLinear

    cases = [
        (lambda: LoRALinear(48, 32, r=8), lambda: nn.Linear(48, 32, bias=False)),
        (lambda: LoRAEmbedding(40, 16, r=4), lambda: nn.Embedding(40, 16)),
        (lambda: LoRASwitchLinear(24, 16, 4, r=4), lambda: SwitchLinear(24, 16, 4, bias=False)),
    ]
    for make, make_base in cases:
        mine = make()
        mx.random.seed(7)
        theirs = make()  # draws its base layer, then lora_a
        mx.random.seed(7)
        make_base()  # the same base draw, then mlxinit's
        mlxinit.apply(mine, dict.fromkeys(ADAPTERS, "lora:default"))
        assert mx.array_equal(theirs.lora_a, mine.lora_a)
        assert mx.array_equal(mine.lora_b, mx.zeros_like(mine.lora_b))


def test_seeded_adapters_depend_only_on_seed_and_path() -> None:
    """Adding LoRA to another block, or any unrelated mx.random call, changes no other adapter."""
    one = adapted(layers=1)
    two = adapted(layers=2)
    mlxinit.apply(one, rules("lora:pissa_niter_4"), seed=5)
    mx.random.normal((1000,))  # an unrelated draw from the global generator
    mlxinit.apply(two, rules("lora:orthogonal"), seed=5)
    mlxinit.apply(two, rules("lora:pissa_niter_4"), seed=5)
    for p, a in tree_flatten(one.layers[1].parameters()):
        assert mx.array_equal(a, dict(tree_flatten(two.layers[1].parameters()))[p]), p


@pytest.mark.parametrize(("name", "dist"), [("lora:default", "uniform"), ("lora:gaussian", "normal")])
def test_adapter_draws_follow_their_distribution(name: str, dist: str) -> None:
    """KS: default's lora_a ~ U(±1/√in), gaussian's ~ N(0, 1/r²); lora_b is zero."""
    layer = LoRALinear(256, 64, r=16)
    mlxinit.apply(layer, {"type:LoRALinear": name}, seed=0)
    a = np.array(layer.lora_a).ravel()
    if dist == "uniform":
        bound = 1 / math.sqrt(256)
        p = stats.kstest(a, "uniform", args=(-bound, 2 * bound)).pvalue
    else:
        p = stats.kstest(a, "norm", args=(0.0, 1 / 16)).pvalue
    assert p > 1e-4
    assert not np.any(np.array(layer.lora_b))


def test_embedding_gaussian_is_pefts_embedding_default() -> None:
    """For embeddings PEFT zeroes A and draws B ~ N(0, 1)."""
    layer = LoRAEmbedding(100, 64, r=8)
    mlxinit.apply(layer, {"type:LoRAEmbedding": "lora:gaussian"}, seed=0)
    assert not np.any(np.array(layer.lora_a))
    assert stats.kstest(np.array(layer.lora_b).ravel(), "norm").pvalue > 1e-4
