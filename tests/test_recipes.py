"""Configs and recipes: serialize/get round trips, JSON/TOML/YAML rule sets."""

from __future__ import annotations

import json
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import pytest
from mlx.utils import tree_flatten

import mlxinit
from _models import TinyTransformer


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("he_normal", {"mode": "fan_out", "gain": 2.0}),
        ("truncated_normal", {"std": 0.02, "lower": -3.0}),
        ("uniform", {"low": -0.5, "high": 0.5}),
        ("sparse", {"sparsity": 0.25}),
        ("orthogonal", {"gain": 1.5}),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_serialize_round_trip_gives_the_same_values(
    default_registry: mlxinit.Registry, name: str, params: dict[str, object], dtype: str
) -> None:
    """get(serialize(init)) rebuilds an initializer with the same values for the same seed."""
    init = mlxinit.get(name, dtype=dtype, seed=42, **params)
    config = mlxinit.serialize(init)
    assert json.loads(json.dumps(config)) == config
    assert config == {"name": name, **params, "dtype": dtype, "seed": 42}
    again = mlxinit.get(json.loads(json.dumps(config)))
    shape = (16, 24)
    first, second = init(mx.zeros(shape)), init(mx.zeros(shape))
    assert mx.array_equal(again(mx.zeros(shape)), first).item()
    assert mx.array_equal(again(mx.zeros(shape)), second).item()


def test_serialize_keeps_an_explicit_key(default_registry: mlxinit.Registry) -> None:
    """A key-built initializer serializes its key as two ints and rebuilds identically."""
    init = mlxinit.get("normal", key=mx.random.key(7))
    config = mlxinit.serialize(init)
    assert config["key"] == mx.random.key(7).tolist()
    assert mx.array_equal(mlxinit.get(config)(mx.zeros((5,))), init(mx.zeros((5,)))).item()


def test_serialize_refuses_foreign_callables() -> None:
    """Only initializers built by get() can be serialized."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"built by mlxinit\.get"):
        mlxinit.serialize(lambda a: a)


def test_config_with_a_malformed_key_is_rejected(default_registry: mlxinit.Registry) -> None:
    """A config 'key' must be two uint32 ints."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match="'key' expected two integers"):
        mlxinit.get({"name": "normal", "key": [1, 2, 3]})


def test_deserializing_never_imports_code(default_registry: mlxinit.Registry) -> None:
    """A config naming a dotted path is an unknown initializer, not an import."""
    for name in ("os:system", "subprocess.Popen", "builtins:eval"):
        with pytest.raises(mlxinit.UnknownInitializerError):
            mlxinit.get({"name": name})


RECIPE_JSON = {
    "seed": 7,
    "rules": {
        "type:Linear.weight": "glorot_uniform",
        "*.bias": "zeros",
        "type:Embedding": {"name": "normal", "std": 0.02},
        "type:LayerNorm.weight": "ones",
        "type:RMSNorm.weight": "ones",
    },
}

RECIPE_TOML = """
seed = 7

[rules]
"type:Linear.weight" = "glorot_uniform"
"*.bias" = "zeros"
"type:Embedding" = { name = "normal", std = 0.02 }
"type:LayerNorm.weight" = "ones"
"type:RMSNorm.weight" = "ones"
"""


def _values(model: nn.Module) -> dict[str, mx.array]:
    return dict(tree_flatten(model.parameters()))


def test_json_and_toml_recipes_initialize_identically(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """The same recipe from JSON and TOML gives bitwise-identical models; strict passes."""
    jpath = tmp_path / "init.json"
    jpath.write_text(json.dumps(RECIPE_JSON))
    tpath = tmp_path / "init.toml"
    tpath.write_text(RECIPE_TOML)
    a, b = TinyTransformer(), TinyTransformer()
    ra = mlxinit.apply(a, mlxinit.load_recipe(jpath), strict=True)
    mlxinit.apply(b, mlxinit.load_recipe(tpath), strict=True)
    assert ra.seed == 7
    va, vb = _values(a), _values(b)
    assert all(mx.array_equal(va[k], vb[k]).item() for k in va)


def test_recipe_round_trips_through_json(default_registry: mlxinit.Registry) -> None:
    """Recipe.to_json() loads back to an equal recipe."""
    recipe = mlxinit.Recipe.from_dict(RECIPE_JSON)
    assert mlxinit.load_recipe(recipe.to_json()) == recipe


def test_yaml_recipe_loads_when_pyyaml_is_installed(tmp_path: Path) -> None:
    """YAML recipes load through PyYAML's safe loader."""
    pytest.importorskip("yaml", reason="PyYAML is an optional extra for YAML recipes")
    path = tmp_path / "init.yaml"
    path.write_text("seed: 3\nrules:\n  '*.bias': zeros\n")
    assert mlxinit.load_recipe(path) == mlxinit.Recipe(rules={"*.bias": "zeros"}, seed=3)


@pytest.mark.parametrize(
    ("text", "fmt", "match"),
    [
        ("{not json", "json", "not valid JSON"),
        ("seed = [", "toml", "not valid TOML"),
        ('{"rules": {}, "sede": 1}', "json", "unknown key"),
        ('{"rules": {"*": 3}}', "json", "expected an initializer name or config"),
        ('{"seed": -1}', "json", "'seed' expected an int"),
        ('{"rules": []}', "json", "'rules' expected a table"),
        ("[1, 2]", "json", "expected a table/object"),
        ("x = 1", "ini", "expected 'json', 'toml' or 'yaml'"),
    ],
)
def test_malformed_recipes_raise_clear_errors(text: str, fmt: str, match: str) -> None:
    """Every malformed recipe is an InvalidIdentifierError saying what was expected."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=match):
        mlxinit.load_recipe(text, format=fmt)


def test_missing_recipe_file_is_a_clear_error(tmp_path: Path) -> None:
    """A path that does not exist says so."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match="cannot read"):
        mlxinit.load_recipe(tmp_path / "missing.json")


def test_recipe_with_unknown_initializer_fails_at_apply(default_registry: mlxinit.Registry) -> None:
    """Loading accepts any name; applying resolves it and suggests close names."""
    recipe = mlxinit.load_recipe('{"rules": {"*": "glorot_unifrom"}}')
    with pytest.raises(mlxinit.UnknownInitializerError, match="glorot_uniform"):
        mlxinit.apply(TinyTransformer(), recipe)
