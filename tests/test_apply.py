"""Whole-model initialization: rules, precedence, seeds, dtypes and the report."""

from __future__ import annotations

import math

import mlx.core as mx
import mlx.nn as nn
import pytest
from mlx.utils import tree_flatten

import mlxinit
from _models import TinyTransformer

RULES = {
    nn.Linear: "glorot_uniform",
    (nn.Linear, "bias"): "zeros",
    "type:Embedding": {"name": "normal", "std": 0.02},
    "type:RMSNorm.weight": "ones",
    "type:LayerNorm": "zeros",
    "type:LayerNorm.weight": "ones",
    "layers.*.attention.out_proj.weight": {"name": "normal", "std": 0.001},
}


def _params(model: nn.Module) -> dict[str, mx.array]:
    return dict(tree_flatten(model.parameters()))


def test_every_parameter_gets_the_most_specific_rule(default_registry: mlxinit.Registry) -> None:
    """Exact/glob paths beat type+param rules, which beat bare type rules."""
    model = TinyTransformer()
    report = mlxinit.apply(model, RULES, seed=0)
    chosen = {r.path: r.rule for r in report.rows}
    assert chosen["layers.0.attention.out_proj.weight"] == "layers.*.attention.out_proj.weight"
    assert chosen["layers.0.attention.query_proj.weight"] == "type:Linear"  # pasteable as a rule
    assert chosen["layers.0.attention.query_proj.bias"] == "type:Linear.bias"
    assert chosen["embed.weight"] == "type:Embedding"
    assert chosen["layers.1.mlp_norm.weight"] == "type:LayerNorm.weight"
    assert chosen["layers.1.mlp_norm.bias"] == "type:LayerNorm"
    assert chosen["layers.0.attention_norm.weight"] == "type:RMSNorm.weight"
    assert report.kept == []
    assert report.skipped == []
    p = _params(model)
    assert mx.all(p["layers.0.attention.query_proj.bias"] == 0).item()
    assert mx.all(p["norm.weight"] == 1).item()
    assert abs(mx.std(p["embed.weight"]).item() - 0.02) < 0.004
    assert mx.std(p["layers.1.attention.out_proj.weight"]).item() < 0.002


def test_exact_path_beats_glob_and_longer_glob_beats_shorter(default_registry: mlxinit.Registry) -> None:
    """Among path rules the exact path wins, then the glob with more literal characters."""
    model = TinyTransformer()
    report = mlxinit.apply(
        model,
        {"*": "ones", "*.weight": "zeros", "layers.*.mlp.*.weight": {"name": "constant", "value": 3.0},
         "layers.0.mlp.0.weight": {"name": "constant", "value": 7.0}},
    )
    chosen = {r.path: r.rule for r in report.rows}
    assert chosen["layers.0.mlp.0.weight"] == "layers.0.mlp.0.weight"
    assert chosen["layers.1.mlp.0.weight"] == "layers.*.mlp.*.weight"
    assert chosen["head.weight"] == "*.weight"
    assert chosen["layers.0.mlp.0.bias"] == "*"
    p = _params(model)
    assert mx.all(p["layers.0.mlp.0.weight"] == 7).item()
    assert mx.all(p["layers.1.mlp.1.weight"] == 3).item()


def test_seeded_values_depend_only_on_seed_path_and_rule(default_registry: mlxinit.Registry) -> None:
    """Adding layers or changing the global RNG leaves a seeded parameter's values unchanged."""
    a, b = TinyTransformer(n_layer=2), TinyTransformer(n_layer=4)
    mlxinit.apply(a, RULES, seed=123)
    mx.random.seed(999)
    mx.random.normal((10,))
    mlxinit.apply(b, RULES, seed=123)
    pa, pb = _params(a), _params(b)
    for path in pa:
        if path.startswith(("head", "embed", "layers.0.", "layers.1.")):
            assert mx.array_equal(pa[path], pb[path]).item(), path
    c = TinyTransformer(n_layer=2)
    mlxinit.apply(c, RULES, seed=124)
    assert not mx.array_equal(pa["head.weight"], _params(c)["head.weight"]).item()


def test_seeded_apply_leaves_the_global_generator_where_it_was(default_registry: mlxinit.Registry) -> None:
    """apply(seed=...) neither reads nor advances MLX's global random stream."""
    model = TinyTransformer()  # building it draws from the global generator
    mx.random.seed(5)
    expected = mx.random.normal((4,))
    mx.random.seed(5)
    mlxinit.apply(model, RULES, seed=1)
    assert mx.array_equal(mx.random.normal((4,)), expected).item()


def test_parameters_keep_their_dtype(default_registry: mlxinit.Registry) -> None:
    """A bfloat16 model gets bfloat16 values, with the distribution asked for."""
    model = TinyTransformer(d=32)
    model.set_dtype(mx.bfloat16)
    report = mlxinit.apply(model, RULES, seed=0)
    for path, value in _params(model).items():
        assert value.dtype == mx.bfloat16, path
    assert {r.dtype for r in report.rows} == {"bfloat16"}
    w = _params(model)["layers.0.mlp.0.weight"].astype(mx.float32)
    limit = math.sqrt(6 / (32 + 128))
    assert mx.max(mx.abs(w)).item() <= limit * 1.01


def test_uncovered_parameters_are_kept_or_rejected_with_strict(default_registry: mlxinit.Registry) -> None:
    """Without a rule a parameter keeps its values; strict=True raises before changing anything."""
    model = TinyTransformer()
    before = _params(model)
    report = mlxinit.apply(model, {"head.weight": "zeros"})
    assert "embed.weight" in report.kept
    assert mx.array_equal(_params(model)["embed.weight"], before["embed.weight"]).item()
    fresh = TinyTransformer()
    snap = _params(fresh)
    with pytest.raises(mlxinit.UncoveredParametersError, match=r"match no rule: embed\.weight") as info:
        mlxinit.apply(fresh, {"head.weight": "zeros"}, strict=True)
    assert isinstance(info.value, LookupError)
    assert "layers.0.mlp.0.bias" in info.value.paths
    assert mx.array_equal(_params(fresh)["head.weight"], snap["head.weight"]).item()


def test_rules_matching_nothing_are_reported(default_registry: mlxinit.Registry) -> None:
    """A rule that matches no parameter is listed in the report and its table."""
    report = mlxinit.apply(TinyTransformer(), {"*.weight": "zeros", "decoder.*": "ones", nn.Conv2d: "zeros"})
    assert report.unused_rules == ("decoder.*", "type:Conv2d")
    assert "rules that matched nothing: decoder.*, type:Conv2d" in str(report)


def test_report_prints_a_table_of_path_identifier_shape_dtype(default_registry: mlxinit.Registry) -> None:
    """str(report) is a table with one line per parameter."""
    model = TinyTransformer()
    report = mlxinit.apply(model, {"*": "zeros"}, seed=3)
    text = str(report)
    lines = text.splitlines()
    assert lines[0].split() == ["parameter", "shape", "dtype", "initializer", "rule", "status", "layout"]
    assert lines[-1] == f"{len(report.rows)} initialized, 0 kept"
    assert any(line.startswith("embed.weight") and "64x16" in line and "float32" in line for line in lines)
    assert "seed: 3" in text
    assert len(report.rows) == len(_params(model))


def test_quantized_layers_are_initialized_then_quantized(default_registry: mlxinit.Registry) -> None:
    """A quantized layer's weight is drawn at its logical shape and quantized; its scales and biases go with it."""
    model = nn.Sequential(nn.Linear(64, 32), nn.QuantizedLinear(64, 32))
    report = mlxinit.apply(model, {"*": "zeros"})
    assert report.quantized == ["layers.1.weight"]
    row = next(r for r in report.rows if r.path == "layers.1.weight")
    assert row.shape == (32, 64)
    assert row.status == "initialized (quantized, 4-bit affine)"
    assert "layers.1.scales" not in {r.path for r in report.rows}
    assert mx.all(_params(model)["layers.0.weight"] == 0).item()
    assert mx.all(model.layers[1](mx.ones((2, 64))) == 0).item()


def test_bad_identifier_changes_nothing(default_registry: mlxinit.Registry) -> None:
    """An unknown name or bad parameter in any rule raises before a parameter changes."""
    model = TinyTransformer()
    snap = _params(model)
    with pytest.raises(mlxinit.UnknownInitializerError, match="glorot_unifrom"):
        mlxinit.apply(model, {"*.weight": "zeros", "*.bias": "glorot_unifrom"})
    with pytest.raises(mlxinit.InvalidParameterError, match="std"):
        mlxinit.apply(model, {"*.weight": {"name": "normal", "std": -1}})
    after = _params(model)
    assert all(mx.array_equal(after[k], snap[k]).item() for k in snap)


def test_shape_errors_name_the_parameter_and_change_nothing(default_registry: mlxinit.Registry) -> None:
    """A fan-based rule hitting a 1-D bias raises ShapeError before any update."""
    model = nn.Sequential(nn.Linear(4, 3))
    snap = _params(model)
    with pytest.raises(mlxinit.ShapeError, match=r"shape \(3,\)") as info:
        mlxinit.apply(model, {nn.Linear: "he_normal"})
    notes = getattr(info.value, "__notes__", [])
    if notes:  # Python >= 3.11
        assert "layers.0.bias" in notes[0]
    assert mx.array_equal(_params(model)["layers.0.weight"], snap["layers.0.weight"]).item()


@pytest.mark.parametrize(
    ("rules", "match"),
    [
        (42, "expected a mapping or a list"),
        ({3.5: "zeros"}, "rule key"),
        ({"type:": "zeros"}, "type:ClassName"),
        ({"": "zeros"}, "got ''"),
        ([("*", "zeros", "extra")], "pairs"),
    ],
)
def test_malformed_rules_are_rejected(default_registry: mlxinit.Registry, rules: object, match: str) -> None:
    """Rules of the wrong shape raise InvalidIdentifierError saying what was expected."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=match):
        mlxinit.apply(TinyTransformer(), rules)


def test_bad_seed_is_rejected(default_registry: mlxinit.Registry) -> None:
    """apply() takes only an int seed in [0, 2**64)."""
    with pytest.raises(mlxinit.ParameterTypeError, match="seed"):
        mlxinit.apply(TinyTransformer(), {"*": "zeros"}, seed="1")  # type: ignore[arg-type]
    with pytest.raises(mlxinit.ParameterTypeError, match="seed"):
        mlxinit.apply(TinyTransformer(), {"*": "zeros"}, seed=-1)


def test_closures_and_configs_are_accepted_as_identifiers(default_registry: mlxinit.Registry) -> None:
    """Rules may hold a built closure (rebuilt per dtype) or any callable."""
    model = TinyTransformer()
    model.set_dtype(mx.float16)
    built = mlxinit.get("constant", value=0.25)
    report = mlxinit.apply(model, {"*.weight": built, "*.bias": lambda a: mx.full(a.shape, 2.0)})
    p = _params(model)
    assert p["head.weight"].dtype == mx.float16
    assert mx.all(p["head.weight"] == 0.25).item()
    assert p["layers.0.mlp.0.bias"].dtype == mx.float16
    assert mx.all(p["layers.0.mlp.0.bias"] == 2).item()
    assert report.initialized["head.weight"] == "constant(value=0.25)"


def test_param_key_is_a_function_of_seed_and_path() -> None:
    """param_key is deterministic and differs between paths and seeds."""
    k = mlxinit.param_key(1, "a.weight")
    assert mx.array_equal(k, mlxinit.param_key(1, "a.weight")).item()
    assert not mx.array_equal(k, mlxinit.param_key(1, "b.weight")).item()
    assert not mx.array_equal(k, mlxinit.param_key(2, "a.weight")).item()


def test_forward_pass_after_apply(default_registry: mlxinit.Registry) -> None:
    """The initialized model runs and produces finite outputs."""
    model = TinyTransformer()
    mlxinit.apply(model, RULES, seed=0)
    out = model(mx.array([[1, 2, 3, 4]]))
    assert out.shape == (1, 4, 64)
    assert mx.all(mx.isfinite(out)).item()
