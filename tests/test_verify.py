"""mlxinit.verify: each parameter against its rule's promise; no false flags over 100 seeds, real faults named."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest

import mlxinit
from _models import TinyTransformer
from mlxinit._verify import stats


def tiny_gpt2() -> nn.Module:
    """An mlx-lm GPT-2 with 2 blocks of width 64."""
    gpt2 = pytest.importorskip("mlx_lm.models.gpt2")
    args = gpt2.ModelArgs("gpt2", n_ctx=64, n_embd=64, n_head=4, n_layer=2, n_positions=64,
                          layer_norm_epsilon=1e-5, vocab_size=256)  # fmt: skip
    return gpt2.Model(args)


def tiny_llama() -> nn.Module:
    """An mlx-lm Llama with 2 blocks of width 64, grouped-query attention and an untied head."""
    llama = pytest.importorskip("mlx_lm.models.llama")
    args = llama.ModelArgs("llama", hidden_size=64, num_hidden_layers=2, intermediate_size=128,
                           num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, vocab_size=256,
                           tie_word_embeddings=False)  # fmt: skip
    return llama.Model(args)


MODELS = {"gpt2": tiny_gpt2, "llama": tiny_llama, "torch-default": lambda: TinyTransformer(vocab=256, d=64)}


def _flags(report: mlxinit.VerifyReport) -> dict[str, str]:
    return {r.path: r.reason for r in report.flagged}


@pytest.mark.parametrize("preset", ["gpt2", "llama", "torch-default"])
def test_no_false_flags_over_100_seeds(preset: str) -> None:
    """A model initialized by a preset passes verify against that preset for each of 100 seeds."""
    model = MODELS[preset]()
    for seed in range(100):
        mlxinit.apply(model, preset=preset, seed=seed)
        report = mlxinit.verify(model, preset=preset)
        assert report.ok, (seed, _flags(report))
        assert len(report.checked) == len(report.rows)


def test_no_false_flags_in_bfloat16() -> None:
    """bfloat16 parameters pass too (tolerances include the dtype's rounding)."""
    model = tiny_llama()
    model.set_dtype(mx.bfloat16)
    for seed in range(20):
        mlxinit.apply(model, preset="llama", seed=seed)
        assert mlxinit.verify(model, preset="llama").ok, seed


def test_fault_wrong_residual_std_is_flagged_and_named() -> None:
    """A residual projection left at 0.02 instead of 0.02/sqrt(2·n_layer) is flagged as scaled wrong."""
    model = tiny_gpt2()
    mlxinit.apply(model, preset="gpt2", seed=0)
    attn = model.model.h[1].attn
    attn.c_proj.weight = mlxinit.get("normal", std=0.02)(attn.c_proj.weight.shape, key=mx.random.key(1))
    report = mlxinit.verify(model, preset="gpt2")
    assert not report.ok
    flags = _flags(report)
    assert list(flags) == ["model.h.1.attn.c_proj.weight"]
    assert flags["model.h.1.attn.c_proj.weight"].startswith("scaled wrong: std 0.02")
    assert "the rule promises 0.01 (x2" in flags["model.h.1.attn.c_proj.weight"]


def test_fault_mlx_default_uniform_left_in_place_is_flagged_and_named() -> None:
    """A Linear weight left at MLX's U(±1/sqrt(in)) where the rule promises N(0, 0.02²) is named as the default."""
    model = tiny_llama()
    mlxinit.apply(model, preset="llama", seed=0)
    mlp = model.model.layers[0].mlp
    mlp.up_proj.weight = nn.Linear(64, 128, bias=False).weight  # what the constructor draws
    report = mlxinit.verify(model, preset="llama")
    flags = _flags(report)
    assert list(flags) == ["model.layers.0.mlp.up_proj.weight"]
    assert flags["model.layers.0.mlp.up_proj.weight"].startswith(
        "left at MLX's default for Linear (uniform ±1/sqrt(64) = ±0.125); scaled wrong"
    )


def test_fault_zeroed_tensor_is_flagged_and_named() -> None:
    """A weight zeroed after init (init that silently did nothing) is flagged as zeroed."""
    model = tiny_llama()
    mlxinit.apply(model, preset="llama", seed=0)
    model.model.layers[1].self_attn.k_proj.weight = mx.zeros_like(model.model.layers[1].self_attn.k_proj.weight)
    flags = _flags(mlxinit.verify(model, preset="llama"))
    assert flags == {
        "model.layers.1.self_attn.k_proj.weight": "zeroed: every value is 0, the rule promises normal with std 0.02"
    }


def test_fresh_model_is_flagged_as_left_at_defaults() -> None:
    """Every default-initialized Linear and Embedding of a fresh model is flagged, its default named."""
    model = tiny_gpt2()
    report = mlxinit.verify(model, preset="gpt2")
    flags = _flags(report)
    assert flags["model.wte.weight"].startswith("left at MLX's default for Embedding (normal, std 1/sqrt(64)")
    assert flags["model.h.0.mlp.c_fc.bias"].startswith("left at MLX's default for Linear")
    assert "model.h.0.ln_1.weight" not in flags  # a norm's default is what the preset promises


def test_uncovered_parameters_are_flagged() -> None:
    """A parameter no rule covers is flagged, with the layer default it holds."""
    model = nn.Sequential(nn.Linear(32, 16))
    mlxinit.apply(model, {"*.weight": "glorot_uniform"}, seed=0)
    report = mlxinit.verify(model, {"*.weight": "glorot_uniform"})
    assert _flags(report) == {
        "layers.0.bias": "covered by no rule (left at MLX's default for Linear (uniform ±1/sqrt(32) = ±0.1768))"
    }
    assert report.unused_rules == ()


def _one(rule: Any, shape: tuple[int, ...] = (256, 128), seed: int = 0) -> tuple[nn.Module, dict[str, Any]]:
    model = nn.Sequential(nn.Linear(shape[1], shape[0], bias=False))
    rules = {"layers.0.weight": rule}
    mlxinit.apply(model, rules, seed=seed)
    return model, rules


@pytest.mark.parametrize(
    "rule",
    [
        {"name": "normal", "mean": 0.5, "std": 0.1},
        {"name": "uniform", "low": -0.3, "high": 0.1},
        {"name": "truncated_normal", "std": 0.02, "lower": -3.0, "upper": 1.0},
        "glorot_normal",
        "he_uniform",
        {"name": "variance_scaling", "scale": 2.0, "distribution": "truncated_normal"},
        {"name": "constant", "value": 0.25},
        "ones",
        "orthogonal",
        {"name": "orthogonal", "gain": 2.0},
        "identity",
        {"name": "sparse", "sparsity": 0.3, "std": 0.05},
        {"name": "glorot_uniform", "segments": [128, 64, 64]},
        {"name": "he_normal", "batch_axis": 0},
    ],
)
def test_each_kind_of_promise_passes_when_kept(default_registry: mlxinit.Registry, rule: Any) -> None:
    """Normal, uniform, truncated, constant, orthogonal, identity, sparse and layout-aware rules pass on their draws."""
    shape = (128, 128) if rule == "identity" else (4, 64, 32) if "batch_axis" in str(rule) else (256, 128)
    model = nn.Sequential(nn.Linear(shape[-1], shape[0], bias=False))
    if len(shape) == 3:
        model.layers[0].weight = mx.zeros(shape)
    rules = {"layers.0.weight": rule}
    for seed in range(5):
        mlxinit.apply(model, rules, seed=seed)
        report = mlxinit.verify(model, rules)
        assert report.ok, (rule, seed, _flags(report))
        assert report.rows[0].status == "ok"


def _with(model: nn.Module, value: mx.array) -> nn.Module:
    model.layers[0].weight = value
    return model


def test_values_outside_the_bounds_of_a_uniform_are_flagged(default_registry: mlxinit.Registry) -> None:
    """One value past a uniform's bound is flagged with the count and the bounds."""
    model, rules = _one({"name": "uniform", "low": -0.1, "high": 0.1})
    w = model.layers[0].weight
    w[3, 4] = 0.2
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert reason.startswith("1 value(s) outside [-0.1, 0.1], the bounds of its uniform")


def test_values_outside_a_truncated_normal_are_flagged(default_registry: mlxinit.Registry) -> None:
    """A truncated normal's values must lie within mean + [lower, upper] · std."""
    model, rules = _one({"name": "truncated_normal", "std": 0.02})
    w = model.layers[0].weight
    w[0, 0] = -0.05
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert "outside [-0.04, 0.04]" in reason


def test_a_uniform_where_a_normal_is_promised_is_flagged_even_at_the_same_std(
    default_registry: mlxinit.Registry,
) -> None:
    """A uniform with the promised std has no values beyond 2σ: 'not normal'."""
    model, rules = _one({"name": "normal", "std": 0.02})
    bound = 0.02 * math.sqrt(3)
    w = mlxinit.get("uniform", low=-bound, high=bound)((256, 128), key=mx.random.key(0))
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert reason.startswith("not normal: 0.00% of values beyond 2σ where a normal has 4.55%")


def test_an_off_centre_mean_is_flagged(default_registry: mlxinit.Registry) -> None:
    """A shift of 0.2σ on 32 768 values (36 standard errors) is flagged as a wrong mean."""
    model, rules = _one({"name": "normal", "std": 0.02})
    (reason,) = _flags(mlxinit.verify(_with(model, model.layers[0].weight + 0.004), rules)).values()
    assert re.fullmatch(r"mean 0\.00[34]\d*, the rule promises 0 \(3\d\.\d standard errors\)", reason), reason


def test_a_wrong_constant_is_flagged(default_registry: mlxinit.Registry) -> None:
    """Ones where the rule says zeros, and values that vary where a constant is promised."""
    model, rules = _one("zeros")
    assert _flags(mlxinit.verify(_with(model, mx.ones((256, 128))), rules)) == {
        "layers.0.weight": "holds the constant 1, the rule promises 0"
    }
    w = mx.zeros((256, 128))
    w[0, 1] = 0.5
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert reason == "not constant: values in [0, 0.5], the rule promises the constant 0"


def test_structures_are_checked(default_registry: mlxinit.Registry) -> None:
    """A non-orthogonal matrix where orthogonal is promised, and a changed identity, are flagged."""
    model, rules = _one("orthogonal", shape=(64, 128))
    w = model.layers[0].weight
    w[0] = w[1]  # two equal rows: same norm, not orthogonal
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert reason.startswith("not orthogonal: max |W Wᵀ - g²I|")
    model, rules = _one("identity", shape=(32, 32))
    w = model.layers[0].weight
    w[0, 0] = 0.0
    w[0, 1] = 1.0
    (reason,) = _flags(mlxinit.verify(_with(model, w), rules)).values()
    assert reason == "differs from the identity structure the rule promises in 2 of 1024 entries"


def test_sparse_with_too_few_zeros_is_flagged(default_registry: mlxinit.Registry) -> None:
    """A sparse rule promises ceil(sparsity · cols) zeros per row."""
    model, rules = _one({"name": "sparse", "sparsity": 0.5, "std": 0.02})
    dense = mlxinit.get("normal", std=0.02 * math.sqrt(0.5))((256, 128), key=mx.random.key(0))
    (reason,) = _flags(mlxinit.verify(_with(model, dense), rules)).values()
    assert reason.startswith("0 zeros, the rule promises at least 16384 (64 per row)")


def test_non_finite_values_are_flagged(default_registry: mlxinit.Registry) -> None:
    """A NaN is flagged as such."""
    model, rules = _one({"name": "normal", "std": 0.02})
    w = model.layers[0].weight
    w[1, 1] = float("nan")
    assert _flags(mlxinit.verify(_with(model, w), rules)) == {"layers.0.weight": "1 non-finite value(s) (NaN or inf)"}


def test_expression_rules_are_verified_per_parameter(default_registry: mlxinit.Registry) -> None:
    """A depth-scaled rule ('layers.{layer}...') is checked against each layer's own value."""
    model = TinyTransformer(d=64, n_layer=3)
    rules = {"*": "zeros", "layers.{layer}.mlp.1.weight": {"name": "normal", "std": "=0.02/sqrt(2*(layer+1))"}}
    mlxinit.apply(model, rules, seed=0)
    assert mlxinit.verify(model, rules).ok
    first, last = model.layers[0].mlp[1], model.layers[2].mlp[1]
    first.weight, last.weight = last.weight, first.weight
    assert sorted(_flags(mlxinit.verify(model, rules))) == ["layers.0.mlp.1.weight", "layers.2.mlp.1.weight"]


def test_unchecked_state_and_quantized_rows(default_registry: mlxinit.Registry) -> None:
    """No promise, quantized weights and BatchNorm state are listed, never flagged."""
    model = nn.Sequential(nn.Linear(16, 16), nn.BatchNorm(16), nn.QuantizedLinear(64, 32, bias=False))
    rules = {
        "layers.0.weight": lambda a, key=None: mx.ones(a.shape),  # a bare callable promises nothing
        "*.bias": "zeros",
        "type:BatchNorm.weight": "ones",
        "layers.2.weight": {"name": "normal", "std": 0.02},
    }
    mlxinit.apply(model, rules, seed=0)
    report = mlxinit.verify(model, rules)
    status = {r.path: r.status for r in report.rows}
    assert status == {
        "layers.0.weight": "unchecked",
        "layers.0.bias": "ok",
        "layers.1.weight": "ok",
        "layers.1.bias": "ok",
        "layers.1.running_mean": "state",
        "layers.1.running_var": "state",
        "layers.2.weight": "unchecked",
    }
    assert report.ok
    assert report.unchecked == ["layers.0.weight", "layers.2.weight"]


def test_report_table_json_and_rows(default_registry: mlxinit.Registry) -> None:
    """The report prints a table with a verdict, serializes to JSON, and its flagged rows carry path and reason."""
    model, rules = _one({"name": "normal", "std": 0.02})
    report = mlxinit.verify(_with(model, model.layers[0].weight * 2), rules)
    text = str(report)
    assert text.splitlines()[0].split() == ["parameter", "shape", "rule", "promised", "measured", "status"]
    assert re.search(r"flagged: scaled wrong: std 0\.0[34]\d*, the rule promises 0\.02 \(x2", text), text
    assert text.splitlines()[-1].startswith("FLAGGED: 0 ok, 1 flagged, 0 unchecked (tolerance: 6 standard errors)")
    data = json.loads(report.to_json())
    assert data["ok"] is False
    assert data["rows"][0]["path"] == "layers.0.weight"
    assert data["rows"][0]["expected_std"] == 0.02
    (row,) = report.flagged
    assert (row.path, row.flagged) == ("layers.0.weight", True)


def test_verify_needs_something_to_compare_with() -> None:
    """verify(model) without rules or a preset raises instead of passing vacuously."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match="expected rules, a preset or a Recipe"):
        mlxinit.verify(nn.Linear(2, 2))
    with pytest.raises(mlxinit.UnknownInitializerError, match="Did you mean 'gpt2'"):
        mlxinit.verify(nn.Linear(2, 2), preset="gtp2")


def test_verify_takes_a_recipe(default_registry: mlxinit.Registry) -> None:
    """A Recipe's rules and config are what verify compares with."""
    data = {"seed": 1, "config": {"s": 0.5}, "rules": {"*": {"name": "normal", "std": "=s"}}}
    recipe = mlxinit.Recipe.from_dict(data)
    model = nn.Sequential(nn.Linear(128, 128))
    mlxinit.apply(model, recipe)
    assert mlxinit.verify(model, recipe).ok
    assert not mlxinit.verify(model, recipe, config={"s": 0.25}).ok


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16, mx.float16])
@pytest.mark.parametrize("n", [1, 7, 1024, 5000])
def test_statistics_agree_between_numpy_and_mlx(dtype: mx.Dtype, n: int) -> None:
    """Both ways of measuring give the float64 statistics of the values (to 1e-5, MLX's float32 row sums)."""
    a = (mx.random.normal((n,), key=mx.random.key(n)) * 0.02 + 0.01).astype(dtype)
    a[0] = 0.0
    ref = np.asarray(a.astype(mx.float32), dtype=np.float64)
    for backend in ("numpy", "mlx"):
        s = stats(a, backend=backend)
        assert s.n == n
        assert s.mean == pytest.approx(ref.mean(), rel=1e-5, abs=1e-12)
        assert s.std == pytest.approx(ref.std(ddof=1) if n > 1 else 0.0, rel=1e-5, abs=1e-12)
        assert (s.min, s.max, s.zeros) == (ref.min(), ref.max(), int((ref == 0).sum()))


def test_a_rank_of_a_sharded_model_is_verified_against_the_full_tensor(default_registry: mlxinit.Registry) -> None:
    """On a rank's shard, promises and expressions are those of the full weight (fans of the full shape)."""
    from mlx.nn.layers.distributed import shard_linear

    from _sharding_models import FakeGroup

    group = FakeGroup(1, 2)
    model = nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 64))
    model.layers[0] = shard_linear(model.layers[0], "all-to-sharded", group=group)  # type: ignore[attr-defined]
    model.layers[1] = shard_linear(model.layers[1], "sharded-to-all", group=group)  # type: ignore[attr-defined]
    rules = {"*.weight": {"name": "normal", "std": "=1/sqrt(fan_in)"}, "*.bias": "zeros"}
    mlxinit.apply(model, rules, seed=0)
    report = mlxinit.verify(model, rules)
    assert report.ok, _flags(report)
    rows = {r.path: r for r in report.rows}
    assert rows["layers.1.weight"].shape == (64, 64)  # this rank's half of (64, 128)
    assert rows["layers.1.weight"].expected_std == pytest.approx(1 / math.sqrt(128))
    assert rows["layers.1.weight"].identifier == "normal(std='=1/sqrt(fan_in)' = 0.0883883)"
    orthogonal = {"*.weight": "orthogonal", "*.bias": "zeros"}
    mlxinit.apply(model, orthogonal, seed=0)
    report = mlxinit.verify(model, orthogonal)
    assert report.unchecked == ["layers.0.weight", "layers.1.weight"]
    assert report.ok
