"""Step-0 checkpoints: save writes the recipe with the weights; regenerate reproduces them bitwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import pytest
from mlx.utils import tree_flatten

import mlxinit
from _models import TinyTransformer
from mlxinit._checkpoint import FORMAT


def _bits(model: nn.Module) -> dict[str, mx.array]:
    return {p: v for p, v in tree_flatten(model.parameters())}


def _bitwise_equal(a: mx.array, b: mx.array) -> bool:
    view = {2: mx.uint16, 4: mx.uint32}[a.dtype.size]
    return a.shape == b.shape and a.dtype == b.dtype and bool(mx.array_equal(a.view(view), b.view(view)))


RECIPE: dict[str, Any] = {
    "seed": 1234,
    "rules": {
        "*.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layers)"},
        "layers.{layer}.mlp.1.weight": {"name": "normal", "std": "=0.02/sqrt(2*(layer+1))"},
        "*.bias": "zeros",
        "type:LayerNorm.weight": "ones",
        "type:RMSNorm.weight": "ones",
        "embed.weight": {"name": "truncated_normal", "std": 0.02},
    },
}


def test_round_trip_is_bitwise_on_a_small_model(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """save then regenerate into a fresh model of the same shape gives every array bit for bit."""
    model = TinyTransformer(n_layer=3)
    mlxinit.apply(model, mlxinit.Recipe.from_dict(RECIPE))
    path = mlxinit.save(model, tmp_path / "step0", RECIPE)
    assert path == tmp_path / "step0.safetensors"
    fresh = TinyTransformer(n_layer=3)
    report = mlxinit.regenerate(path, fresh)
    assert report.seed == 1234
    saved, again = _bits(model), _bits(fresh)
    assert saved.keys() == again.keys()
    assert all(_bitwise_equal(saved[p], again[p]) for p in saved)
    stored = mx.load(str(path))
    assert isinstance(stored, dict)
    assert all(_bitwise_equal(stored[p], saved[p]) for p in saved)


def test_round_trip_is_bitwise_on_an_mlx_lm_llama(tmp_path: Path) -> None:
    """A tiny mlx-lm Llama (bfloat16, tied embedding) initialized by the llama preset regenerates bitwise."""
    llama = pytest.importorskip("mlx_lm.models.llama")

    def build() -> nn.Module:
        args = llama.ModelArgs("llama", hidden_size=64, num_hidden_layers=2, intermediate_size=128,
                               num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                               vocab_size=256)  # fmt: skip
        m = llama.Model(args)
        m.set_dtype(mx.bfloat16)
        return m

    residual = {"name": "normal", "std": "=0.02/sqrt(2*num_hidden_layers)"}
    recipe = {"preset": "llama", "seed": 7, "rules": {"*.down_proj.weight": residual}}
    model = build()
    mlxinit.apply(model, mlxinit.Recipe.from_dict(recipe))
    path = mlxinit.save(model, tmp_path / "llama.safetensors", recipe)
    fresh = build()
    mlxinit.regenerate(path, fresh)
    saved, again = _bits(model), _bits(fresh)
    assert all(_bitwise_equal(saved[p], again[p]) for p in saved)
    assert mlxinit.verify(fresh, mlxinit.Recipe.from_dict(recipe)).ok


def test_metadata_holds_recipe_seed_and_version_in_under_4_kib(
    default_registry: mlxinit.Registry, tmp_path: Path
) -> None:
    """The metadata has the recipe (expressions as written), the seed and the version, and stays < 4 KiB."""
    model = TinyTransformer(n_layer=3)
    mlxinit.apply(model, mlxinit.Recipe.from_dict(RECIPE))
    path = mlxinit.save(model, tmp_path / "step0.safetensors", mlxinit.Recipe.from_dict(RECIPE))
    meta = mlxinit.read_metadata(path)
    assert meta == mx.load(str(path), return_metadata=True)[1]
    assert json.loads(meta["mlxinit.recipe"]) == RECIPE
    assert meta["mlxinit.seed"] == "1234"
    assert meta["mlxinit.version"] == mlxinit.__version__
    assert meta["mlxinit.format"] == str(FORMAT)
    size = len(json.dumps(meta).encode())
    assert size < 4096, size


def test_a_seed_checkpoint_without_weights(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """weights=False writes the metadata alone (a few hundred bytes) and regenerates the same weights."""
    model = TinyTransformer(n_layer=2)
    mlxinit.apply(model, mlxinit.Recipe.from_dict(RECIPE))
    path = mlxinit.save(model, tmp_path / "seed.safetensors", RECIPE, weights=False)
    assert path.stat().st_size < 4096
    fresh = TinyTransformer(n_layer=2)
    mlxinit.regenerate(path, fresh)
    assert all(_bitwise_equal(a, b) for a, b in zip(_bits(model).values(), _bits(fresh).values(), strict=True))
    # the metadata mapping alone does the same
    other = TinyTransformer(n_layer=2)
    mlxinit.regenerate(mlxinit.read_metadata(path), other)
    assert all(_bitwise_equal(a, b) for a, b in zip(_bits(model).values(), _bits(other).values(), strict=True))


def test_save_refuses_weights_the_recipe_does_not_give(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """A model not initialized by the recipe cannot be saved as regenerable, and is left as it was."""
    model = TinyTransformer(n_layer=2)
    before = _bits(model)
    with pytest.raises(mlxinit.CheckpointError, match=r"array\(s\) are not what the recipe gives"):
        mlxinit.save(model, tmp_path / "bad", RECIPE)
    assert all(_bitwise_equal(before[p], v) for p, v in _bits(model).items())
    assert not (tmp_path / "bad.safetensors").exists()
    mlxinit.save(model, tmp_path / "unchecked", RECIPE, check=False)  # the caller's promise


@pytest.mark.parametrize(
    ("recipe", "match"),
    [
        ({"rules": {"*": "zeros"}}, "has no seed"),
        ({"seed": 1}, "neither rules nor a preset"),
        ({"seed": 1, "rules": {"*": "zeros"}, "extra": 1}, "unknown key"),
        (mlxinit.Recipe(rules={nn.Linear: "zeros"}, seed=1), "must be plain data"),  # type: ignore[dict-item]
        ("gpt2", "expected a Recipe or the mapping"),
    ],
)
def test_save_checks_the_recipe(tmp_path: Path, recipe: Any, match: str) -> None:
    """A recipe without a seed, without rules, or not plain data is refused before writing."""
    with pytest.raises(mlxinit.MlxinitError, match=match):
        mlxinit.save(TinyTransformer(n_layer=1), tmp_path / "x", recipe)


def _saved(tmp_path: Path) -> Path:
    model = TinyTransformer(n_layer=2)
    mlxinit.apply(model, mlxinit.Recipe.from_dict(RECIPE))
    return mlxinit.save(model, tmp_path / "step0", RECIPE)


def test_regenerate_refuses_a_file_without_metadata(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """A safetensors file not written by mlxinit.save has no recipe."""
    mx.save_safetensors(str(tmp_path / "plain.safetensors"), {"a": mx.ones((2,))})
    with pytest.raises(mlxinit.CheckpointError, match="no mlxinit metadata"):
        mlxinit.regenerate(tmp_path / "plain.safetensors", TinyTransformer(n_layer=1))
    (tmp_path / "junk.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00hello")
    with pytest.raises(mlxinit.CheckpointError, match="not a safetensors file"):
        mlxinit.regenerate(tmp_path / "junk.safetensors", TinyTransformer(n_layer=1))
    with pytest.raises(mlxinit.CheckpointError, match="cannot read it"):
        mlxinit.regenerate(tmp_path / "missing.safetensors", TinyTransformer(n_layer=1))


def test_regenerate_refuses_newer_versions(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """Metadata from a newer major version or a newer format is refused with the versions named."""
    meta = mlxinit.read_metadata(_saved(tmp_path))
    with pytest.raises(mlxinit.CheckpointError, match=r"written by mlxinit 99\.0\.0, a newer major version"):
        mlxinit.regenerate({**meta, "mlxinit.version": "99.0.0"}, TinyTransformer(n_layer=2))
    with pytest.raises(mlxinit.CheckpointError, match="checkpoint format 2"):
        mlxinit.regenerate({**meta, "mlxinit.format": "2"}, TinyTransformer(n_layer=2))
    with pytest.raises(mlxinit.CheckpointError, match=r"mlxinit\.seed \(5\) and the recipe's seed \(1234\) disagree"):
        mlxinit.regenerate({**meta, "mlxinit.seed": "5"}, TinyTransformer(n_layer=2))


def test_regenerate_refuses_a_different_model(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """Other parameter paths or shapes are named, and nothing in the model changes."""
    path = _saved(tmp_path)
    deeper = TinyTransformer(n_layer=3)
    before = _bits(deeper)
    with pytest.raises(mlxinit.CheckpointError, match=r"array\(s\) of the model not in the file") as info:
        mlxinit.regenerate(path, deeper)
    assert "layers.2.mlp.0.weight" in info.value.unexpected
    assert all(v is before[p] for p, v in _bits(deeper).items())
    wider = TinyTransformer(n_layer=2, d=32)
    with pytest.raises(mlxinit.CheckpointError, match=r"embed\.weight: saved 64x16 float32, model 64x32 float32"):
        mlxinit.regenerate(path, wider)
    with pytest.raises(mlxinit.CheckpointError, match=r"saved: \d+ arrays, model: \d+"):
        mlxinit.regenerate(mlxinit.read_metadata(path), deeper)


def test_regenerate_notices_weights_that_would_not_come_back(
    default_registry: mlxinit.Registry, tmp_path: Path
) -> None:
    """If the stored arrays are not what the recipe gives (a changed file), regenerate says so."""
    model = TinyTransformer(n_layer=2)
    mlxinit.apply(model, mlxinit.Recipe.from_dict(RECIPE))
    path = mlxinit.save(model, tmp_path / "step0", RECIPE)
    arrays, meta = mx.load(str(path), return_metadata=True)
    assert isinstance(arrays, dict)
    arrays["head.weight"] = arrays["head.weight"] * 2
    mx.save_safetensors(str(path), arrays, metadata=meta)
    with pytest.raises(mlxinit.CheckpointError, match=r"1 regenerated array\(s\) differ .* \(head\.weight\)"):
        mlxinit.regenerate(path, TinyTransformer(n_layer=2))
    mlxinit.regenerate(path, TinyTransformer(n_layer=2), check=False)
