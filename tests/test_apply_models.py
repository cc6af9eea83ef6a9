"""apply on real model structure: state vs parameters, quantized layers, stacked experts, fused
projections, tied arrays, and rules that cannot fail silently."""

from __future__ import annotations

import math
import warnings

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten

import mlxinit


def _np(a: mx.array) -> np.ndarray:
    return np.asarray(a.astype(mx.float32), dtype=np.float64)


def test_batchnorm_state_is_never_touched_by_globs(default_registry: mlxinit.Registry) -> None:
    """A '*' rule leaves BatchNorm's running statistics alone, and the model stays finite in eval mode."""
    model = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm(4))
    report = mlxinit.apply(model, {"*": {"name": "normal", "std": 0.02}}, seed=0)
    assert model.layers[1].running_var.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert model.layers[1].running_mean.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert report.state == ["layers.1.running_mean", "layers.1.running_var"]
    model.eval()
    assert bool(mx.all(mx.isfinite(model(mx.ones((2, 8))))))


def test_type_rule_on_batchnorm_keeps_running_mean(default_registry: mlxinit.Registry) -> None:
    """{'type:BatchNorm': 'ones'} sets weight and bias, never running_mean."""
    model = nn.Sequential(nn.BatchNorm(3))
    mlxinit.apply(model, {"type:BatchNorm": "ones"})
    assert model.layers[0].running_mean.tolist() == [0.0, 0.0, 0.0]
    assert model.layers[0].bias.tolist() == [1.0, 1.0, 1.0]


def test_frozen_parameters_are_kept(default_registry: mlxinit.Registry) -> None:
    """Parameters frozen with Module.freeze() are reported as frozen and kept."""
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    model.layers[0].freeze()
    before = model.layers[0].weight
    report = mlxinit.apply(model, {"*": "zeros"})
    assert bool(mx.array_equal(model.layers[0].weight, before))
    assert report.frozen == ["layers.0.weight", "layers.0.bias"]
    assert "frozen (kept)" in str(report)


def test_quantized_weights_equal_quantizing_the_float_draw(default_registry: mlxinit.Registry) -> None:
    """QuantizedLinear's weight/scales/biases are mx.quantize of what a float Linear at the same path gets."""
    for bits, mode, group in ((4, "affine", 64), (8, "affine", 32), (4, "mxfp4", 32)):
        float_model = nn.Sequential(nn.Linear(128, 32, bias=False))
        q_model = nn.Sequential(nn.QuantizedLinear(128, 32, bias=False, bits=bits, group_size=group, mode=mode))
        rules = {"*.weight": "glorot_uniform"}
        mlxinit.apply(float_model, rules, seed=3)
        report = mlxinit.apply(q_model, rules, seed=3)
        expected = mx.quantize(float_model.layers[0].weight, group, bits, mode=mode)
        ql = q_model.layers[0]
        assert bool(mx.array_equal(ql.weight, expected[0])), mode
        assert bool(mx.array_equal(ql.scales, expected[1])), mode
        if mode == "affine":
            assert bool(mx.array_equal(ql.biases, expected[2]))
        assert report.rows[0].status == f"initialized (quantized, {bits}-bit {mode})"


def test_explicit_rule_on_a_quantized_weight_is_used(default_registry: mlxinit.Registry) -> None:
    """An exact-path rule on a quantized weight applies instead of matching nothing."""
    model = nn.Sequential(nn.QuantizedEmbedding(16, 64))
    report = mlxinit.apply(model, {"layers.0.weight": {"name": "normal", "std": 0.02}}, seed=0)
    assert report.unused_rules == ()
    assert report.quantized == ["layers.0.weight"]
    w = mx.dequantize(model.layers[0].weight, model.layers[0].scales, model.layers[0].biases, 64, 4)
    assert float(_np(w).std()) == pytest.approx(0.02, rel=0.15)


def test_stacked_experts_get_per_expert_std() -> None:
    """mlx-lm's SwitchLinear (8 experts, 512 -> 1024) with he_normal: per-expert std 1/sqrt(512) +- 2 %."""
    switch_layers = pytest.importorskip("mlx_lm.models.switch_layers")
    model = nn.Sequential(switch_layers.SwitchLinear(512, 1024, 8, bias=False))
    report = mlxinit.apply(model, {"*.weight": "he_normal"}, seed=0)
    w = _np(model.layers[0].weight)
    assert w.shape == (8, 1024, 512)
    for e in range(8):
        assert w[e].std() == pytest.approx(1 / math.sqrt(512), rel=0.02)
    assert report.rows[0].layout == "batch_axis=0"
    assert report.rows[0].expected_std == pytest.approx(1 / math.sqrt(512))


def test_rule_layout_beats_the_module_layout() -> None:
    """A rule that gives its own layout parameters keeps them."""
    switch_layers = pytest.importorskip("mlx_lm.models.switch_layers")
    model = nn.Sequential(switch_layers.SwitchLinear(16, 32, 4, bias=False))
    report = mlxinit.apply(model, {"*.weight": {"name": "he_normal", "segments": 2}}, seed=0)
    assert report.rows[0].layout == "segments=2"


class _FusedAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = 4, 2, 16
        self.qkv_proj = nn.Linear(64, 64 + 2 * 32, bias=False)


def test_fused_qkv_gets_per_segment_fans(default_registry: mlxinit.Registry) -> None:
    """A fused qkv_proj (q 64, k 32, v 32 rows) is read as three segments with their own glorot bound."""
    model = _FusedAttention()
    report = mlxinit.apply(model, {"*.weight": "glorot_uniform"}, seed=0)
    w = _np(model.qkv_proj.weight)
    assert report.rows[0].layout == "segments=[64, 32, 32]"
    assert np.abs(w[:64]).max() <= math.sqrt(6 / 128)
    assert np.abs(w[64:96]).max() > math.sqrt(6 / 128)  # k's own, larger bound
    assert np.abs(w[64:96]).max() <= math.sqrt(6 / 96)


def test_register_layout_for_a_module_type(default_registry: mlxinit.Registry) -> None:
    """register_layout teaches apply a new module type's layout."""

    class Experts(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = mx.zeros((4, 32, 16))

    mlxinit.register_layout(Experts, "w", {"batch_axis": 0}, override=True)
    model = nn.Sequential(Experts())
    report = mlxinit.apply(model, {"*": "lecun_normal"}, seed=1)
    assert report.rows[0].expected_std == pytest.approx(1 / 4)
    with pytest.raises(mlxinit.RegistrationError, match="already registered"):
        mlxinit.register_layout(Experts, "w", {"batch_axis": 0})
    with pytest.raises(mlxinit.RegistrationError, match="expected keys among"):
        mlxinit.register_layout(Experts, "w", {"axis": 0}, override=True)


def test_tied_arrays_are_initialized_once(default_registry: mlxinit.Registry) -> None:
    """An array shared under two paths is drawn once and reported as tied."""
    model = nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 10, bias=False))
    model.layers[1].weight = model.layers[0].weight
    report = mlxinit.apply(model, {"*": {"name": "normal", "std": 0.02}}, seed=0)
    assert [r.status for r in report.rows] == ["initialized", "tied to layers.0.weight (kept)"]
    assert model.layers[1].weight is model.layers[0].weight


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ("type:Linaer", r"Did you mean 'type:Linear'"),
        ("type:Linear.wieght", r"Did you mean 'type:Linear\.weight'"),
        ("layers.*.weigth", r"did you mean 'layers\.\*\.weight'"),
        ("layers.0.wieght", r"Did you mean 'layers\.0\.weight'"),
    ],
)
def test_near_miss_rules_warn_and_fail_under_strict(
    default_registry: mlxinit.Registry, rule: str, match: str
) -> None:
    """A rule that matches nothing but is close to the model's names warns, and raises with strict=True."""
    model = nn.Sequential(nn.Linear(4, 4))
    with pytest.warns(mlxinit.MlxinitWarning, match=match):
        mlxinit.apply(model, {rule: "zeros"})
    with pytest.raises(mlxinit.UnmatchedRuleError, match=match):
        mlxinit.apply(model, {rule: "zeros", "*": "ones"}, strict=True)


def test_unrelated_unused_rules_do_not_warn(default_registry: mlxinit.Registry) -> None:
    """A rule for something the model simply lacks is reported, not warned about."""
    model = nn.Sequential(nn.Linear(4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = mlxinit.apply(model, {"*": "zeros", "type:Conv2d": "ones", "encoder.*": "ones"})
    assert report.unused_rules == ("type:Conv2d", "encoder.*")


def test_container_type_rules_say_why(default_registry: mlxinit.Registry) -> None:
    """A type rule naming a container module explains that type rules match the owning module."""

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = nn.Linear(4, 4)

    model = nn.Sequential(Block(), Block())
    with pytest.warns(mlxinit.MlxinitWarning, match=r"Block modules own no parameters.*'layers\.\*\.\*'"):
        mlxinit.apply(model, {"type:Block": "zeros"})


def test_errors_name_the_parameter_and_rule(default_registry: mlxinit.Registry) -> None:
    """str(e) of an error inside apply names the parameter path and the rule."""
    model = nn.Sequential(nn.Linear(4, 3))
    with pytest.raises(mlxinit.ShapeError) as info:
        mlxinit.apply(model, {"type:Linear": "he_normal"})
    assert "'layers.0.bias'" in str(info.value)
    assert "'type:Linear'" in str(info.value)


def test_non_module_is_refused(default_registry: mlxinit.Registry) -> None:
    """apply on a dict raises InvalidIdentifierError, not AttributeError."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"expected an mlx.nn.Module, got dict"):
        mlxinit.apply({"w": mx.zeros((2,))}, {"*": "zeros"})  # type: ignore[arg-type]


def test_rule_dtype_is_the_precision_of_the_draw(default_registry: mlxinit.Registry) -> None:
    """A rule's dtype is honoured: drawn in that dtype, cast to the parameter's."""
    model = nn.Sequential(nn.Linear(64, 64, bias=False))
    mlxinit.apply(model, {"*": {"name": "normal", "std": 1.0, "dtype": "bf16"}}, seed=0)
    w = model.layers[0].weight
    assert w.dtype == mx.float32
    assert bool(mx.array_equal(w, w.astype(mx.bfloat16).astype(mx.float32)))  # bf16-representable values
    ref = mlxinit.get("normal", std=1.0, dtype="bf16")((64, 64), key=mlxinit.param_key(0, "layers.0.weight"))
    assert bool(mx.array_equal(w, ref.astype(mx.float32)))


def test_report_summary_line(default_registry: mlxinit.Registry) -> None:
    """The report ends with counts of what was done."""
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm(4), nn.QuantizedLinear(64, 32))
    model.layers[0].freeze(keys=["bias"])
    text = str(mlxinit.apply(model, {"*.weight": "ones"}))
    assert text.splitlines()[-1] == "3 initialized, 1 quantized, 2 kept, 2 state, 1 frozen"


def test_every_array_is_listed_once(default_registry: mlxinit.Registry) -> None:
    """The report has a row per array of the model except quantization scales and biases."""
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm(4), nn.QuantizedLinear(64, 32))
    report = mlxinit.apply(model, {"*": "zeros"})
    paths = {p for p, _ in tree_flatten(model.parameters())} - {"layers.2.scales", "layers.2.biases"}
    assert {r.path for r in report.rows} == paths
