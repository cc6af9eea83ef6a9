"""mlxinit.mup: roles, learning-rate multipliers as MultiOptimizer filters, and the coordinate check."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import pytest
from mlx.utils import tree_flatten, tree_unflatten

import mlxinit
from mlxinit import mup

ROOT = Path(__file__).resolve().parent.parent


class Net(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, width)
        self.block = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, 50, bias=False)


def test_roles_of_each_parameter() -> None:
    """Embeddings are input, the readout output, other matrices hidden, 1-D arrays vector."""
    assert mup.roles(Net(32)) == {
        "embed.weight": "input",
        "block.weight": "hidden",
        "block.bias": "vector",
        "norm.weight": "vector",
        "norm.bias": "vector",
        "lm_head.weight": "output",
    }
    assert mup.roles(Net(32), readout=(), input="block.weight")["block.weight"] == "input"


def test_lr_multipliers_follow_the_width() -> None:
    """hidden and output get base/width, the rest 1; the width comes from the config or the embedding."""
    model = Net(128)
    mults = mup.lr_multipliers(model, base_width=32)
    assert mults == {
        "embed.weight": 1.0,
        "block.weight": 0.25,
        "block.bias": 1.0,
        "norm.weight": 1.0,
        "norm.bias": 1.0,
        "lm_head.weight": 0.25,
    }
    model.args = SimpleNamespace(hidden_size=256)
    assert mup.lr_multipliers(model, base_width=32)["block.weight"] == 0.125


def test_multi_optimizer_scales_each_group() -> None:
    """One SGD step through multi_optimizer moves each parameter by lr·multiplier·grad."""
    model = Net(64)
    before = dict(tree_flatten(model.parameters()))
    grads = {k: mx.ones_like(v) for k, v in before.items()}

    opt = mup.multi_optimizer(model, lambda m: optim.SGD(learning_rate=0.1 * m), base_width=16)
    assert len(opt.optimizers) == 2
    model.update(opt.apply_gradients(tree_unflatten(list(grads.items())), model.parameters()))
    after = dict(tree_flatten(model.parameters()))
    mults = mup.lr_multipliers(model, base_width=16)
    for k in before:
        step = float(mx.mean(before[k] - after[k]))
        assert step == pytest.approx(0.1 * mults[k], rel=1e-3), k  # float32 differences


def test_filters_are_predicates_for_multi_optimizer() -> None:
    """filters() gives (multiplier, predicate) pairs, largest first, that partition the parameters."""
    model = Net(64)
    groups = mup.filters(model, base_width=16)
    assert [m for m, _ in groups] == [1.0, 0.25]
    for path, value in tree_flatten(model.trainable_parameters()):
        hits = [m for m, f in groups if f(path, value)]
        assert len(hits) == 1, path


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_width": 0}, "base_width"),
        ({"base_width": 16, "width": -1}, "width"),
        ({"base_width": 16, "readout": 3}, "readout"),
    ],
)
def test_bad_options_are_mlxinit_errors(kwargs: dict[str, object], match: str) -> None:
    """A non-positive width or a readout that is not globs raises InvalidParameterError naming the option."""
    with pytest.raises(mlxinit.InvalidParameterError, match=match):
        mup.lr_multipliers(Net(32), **kwargs)  # type: ignore[arg-type]


def test_width_that_cannot_be_inferred() -> None:
    """A model with no config width and no embedding must be given width=."""
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
    with pytest.raises(mlxinit.InvalidParameterError, match="could not be inferred"):
        mup.lr_multipliers(model, base_width=4)
    assert mup.lr_multipliers(model, base_width=4, width=8, readout="layers.1.weight")["layers.0.weight"] == 0.5


def test_importing_mlxinit_does_not_import_mup() -> None:
    """mlxinit.mup (and mlx.optimizers) load only when asked for."""
    import subprocess

    code = "import sys, mlxinit; print('mlxinit.mup' in sys.modules, 'mlx.optimizers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def _coord_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coord_check", ROOT / "examples" / "coord_check.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coordinate_check_slopes() -> None:
    """After 10 Adam steps, μP's mean |activation| is flat in width (|log-log slope| <= 0.1 for every
    layer) where the standard parametrization's logits grow (slope >= 0.4); widths 64-256 here,
    64-1024 in the docs' plot."""
    cc = _coord_check()
    widths = (64, 128, 256)
    sp = cc.slopes(widths, cc.curves(widths, "sp", steps=10, seeds=2))
    mu = cc.slopes(widths, cc.curves(widths, "mup", steps=10, seeds=2))
    assert all(abs(s) <= 0.1 for s in mu), mu
    assert sp[-1] >= 0.4, sp
    assert math.isfinite(sum(sp))
