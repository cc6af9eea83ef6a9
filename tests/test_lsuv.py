"""LSUV and data-dependent init: unit variance per layer, replay from the recipe, no hooks left behind."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten

import mlxinit

BATCH = mx.random.normal((512, 256), key=mx.random.key(1))


def mlp(act: type[nn.Module], depth: int = 20, width: int = 256) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), act()]
    return nn.Sequential(*layers[:-1])


def outputs(model: nn.Sequential, x: mx.array) -> list[mx.array]:
    """Each Linear's output, by running the layers by hand."""
    outs = []
    for layer in model.layers:
        x = layer(x)
        if isinstance(layer, nn.Linear):
            outs.append(x)
    return outs


def same_parameters(a: nn.Module, b: nn.Module) -> bool:
    pa, pb = tree_flatten(a.parameters()), tree_flatten(b.parameters())
    return len(pa) == len(pb) and all(mx.array_equal(x, y) for (_, x), (_, y) in zip(pa, pb, strict=True))


@pytest.mark.parametrize("act", [nn.SiLU, nn.Tanh])
def test_lsuv_gives_unit_variance_and_replays(act: type[nn.Module]) -> None:
    """20 layers of width 256, batch 512: every layer's output variance in [0.9, 1.1] in <= 10
    iterations; apply(recipe) on a fresh model (through JSON) is bitwise the same model."""
    model = mlp(act)
    recipe = mlxinit.lsuv(model, BATCH, seed=0)
    assert [layer.path for layer in recipe.layers] == [f"layers.{2 * i}" for i in range(20)]
    assert all(layer.iterations <= 10 for layer in recipe.layers)
    for out in outputs(model, BATCH):
        assert 0.9 <= float(mx.var(out)) <= 1.1
    before = [layer.variance_before for layer in recipe.layers]
    assert max(abs(v - 1.0) for v in before) > 0.1  # there was something to fix
    replayed = mlp(act)
    mlxinit.apply(replayed, mlxinit.load_recipe(recipe.to_json()))
    assert same_parameters(model, replayed)


def test_lsuv_restores_the_model_structure() -> None:
    """No probe is left in the model, also when the forward pass fails."""
    model = mlp(nn.ReLU, depth=3, width=8)
    x = mx.random.normal((32, 8), key=mx.random.key(0))
    mlxinit.lsuv(model, x, seed=1)
    assert [type(m).__name__ for m in model.layers] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]

    def broken(m: nn.Module, b: mx.array) -> mx.array:
        m(b)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        mlxinit.lsuv(model, x, seed=1, forward=broken)
    assert all(isinstance(m, (nn.Linear, nn.ReLU)) for m in model.layers)


def test_unseeded_lsuv_records_its_seed() -> None:
    """Without a seed one is chosen and kept in the recipe, so the replay is still exact."""
    model = mlp(nn.Tanh, depth=3, width=16)
    recipe = mlxinit.lsuv(model, mx.random.normal((64, 16), key=mx.random.key(2)))
    assert isinstance(recipe.seed, int)
    replayed = mlp(nn.Tanh, depth=3, width=16)
    mlxinit.apply(replayed, recipe)
    assert same_parameters(model, replayed)


def test_data_init_normalizes_each_channel() -> None:
    """data_init: every channel of every layer's pre-activation has mean 0 and variance 1 on the batch."""
    model = mlp(nn.ReLU, depth=4, width=32)
    x = mx.random.normal((256, 32), key=mx.random.key(3)) * 3.0 + 1.0
    recipe = mlxinit.data_init(model, x, seed=0)
    for out in outputs(model, x):
        o = np.array(out)
        assert np.allclose(o.mean(axis=0), 0.0, atol=1e-3)
        assert np.allclose(o.var(axis=0), 1.0, atol=1e-2)
    replayed = mlp(nn.ReLU, depth=4, width=32)
    mlxinit.apply(replayed, mlxinit.load_recipe(recipe.to_json()))
    assert same_parameters(model, replayed)


def test_conv_layers_are_rescaled() -> None:
    """Convolutions are layers too (channels last)."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.GELU(), nn.Conv2d(8, 8, 3))
    x = mx.random.normal((16, 12, 12, 3), key=mx.random.key(4))
    recipe = mlxinit.lsuv(model, x, seed=0)
    assert len(recipe.layers) == 2
    assert all(abs(layer.variance - 1.0) <= 0.1 for layer in recipe.layers)


def test_scaled_rescales_the_inner_draw() -> None:
    """'rescaled' is the inner rule's keyed draw times the factor (per row for a list), plus the shift."""
    key = mx.random.key(0)
    inner = mlxinit.get("normal")((4, 3), key=key)
    got = mlxinit.get("rescaled", init="normal", scale=[1.0, 2.0, 3.0, 4.0], shift=1.0)((4, 3), key=key)
    assert mx.allclose(got, inner * mx.array([[1.0], [2.0], [3.0], [4.0]]) + 1.0)
    with pytest.raises(mlxinit.ShapeError, match="first axis has 4 rows"):
        mlxinit.get("rescaled", init="normal", scale=[1.0, 2.0, 3.0, 4.0])((3, 3))
    assert mlxinit.get("rescaled", init="normal", scale=0.5).expected_std((3, 3)) == 0.5


def test_lsuv_rejects_bad_arguments() -> None:
    """Out-of-range arguments and models without layers raise specific errors."""
    model = mlp(nn.Tanh, depth=2, width=4)
    x = mx.zeros((2, 4))
    with pytest.raises(mlxinit.InvalidParameterError, match="tol"):
        mlxinit.lsuv(model, x, tol=0.0)
    with pytest.raises(mlxinit.InvalidParameterError, match="max_iters"):
        mlxinit.lsuv(model, x, max_iters=0)
    with pytest.raises(mlxinit.InvalidIdentifierError, match="no layer of the types"):
        mlxinit.lsuv(nn.Sequential(nn.Tanh()), x)
