"""Coordinate check: μP keeps every layer's activations the same size at every width; the standard
parametrization (SP) does not.

For each width, an MLP (input layer, hidden layers, readout; no biases) is initialized either by
the standard parametrization (every weight N(0, 1/fan_in), one Adam learning rate) or by mlxinit's
``mup`` preset with ``mlxinit.mup``'s learning-rate multipliers (hidden and readout ``lr·base/width``,
readout initialized at zero), trained a few Adam steps on a fixed random batch, and the mean
absolute activation of each layer is measured on that batch. Under μP the log-log slope of each
curve against width is near 0; under SP the logits grow with width.

Run ``python examples/coord_check.py`` (widths 64 to 1024) to print the slopes and write
``docs/_static/coord_check.png``; the tests run :func:`slopes` at smaller widths.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np

import mlxinit
from mlxinit import mup

BASE_WIDTH = 64
D_IN = 64
CLASSES = 16
BATCH = 64
LR = 1e-3


class MLP(nn.Module):
    """``input`` (D_IN → width), ``depth`` hidden layers (width → width, ReLU), ``readout`` (width → CLASSES)."""

    def __init__(self, width: int, depth: int = 2) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # mlx's Module.__init__ is unannotated
        self.input = nn.Linear(D_IN, width, bias=False)
        self.hidden = [nn.Linear(width, width, bias=False) for _ in range(depth)]
        self.readout = nn.Linear(width, CLASSES, bias=False)

    def activations(self, x: mx.array) -> list[mx.array]:
        """Each layer's output (pre-activation), the logits last."""
        out = [self.input(x)]
        for layer in self.hidden:
            out.append(layer(nn.relu(out[-1])))
        out.append(self.readout(nn.relu(out[-1])))
        return out

    def __call__(self, x: mx.array) -> mx.array:
        return self.activations(x)[-1]


def layer_names(depth: int = 2) -> list[str]:
    return ["input", *(f"hidden {i}" for i in range(depth)), "logits"]


def _build(width: int, parametrization: str, seed: int, depth: int) -> tuple[MLP, optim.Optimizer]:
    model = MLP(width, depth)
    if parametrization == "sp":
        mlxinit.apply(model, {"*.weight": "lecun_normal"}, seed=seed, strict=True)
        return model, optim.Adam(learning_rate=LR)
    globs = {"readout_globs": ["readout.weight"], "input_globs": ["input.weight"]}
    preset = {"name": "mup", "base_width": BASE_WIDTH, "width": width, "std": BASE_WIDTH**-0.5, **globs}
    mlxinit.apply(model, preset=preset, seed=seed, strict=True)
    opt = mup.multi_optimizer(
        model,
        lambda m: optim.Adam(learning_rate=LR * m),
        base_width=BASE_WIDTH,
        readout=globs["readout_globs"],
        input=globs["input_globs"],
        width=width,
    )
    return model, opt


def _parameters(model: nn.Module) -> Any:
    """The model's parameter tree (typed as an ``nn.Module``'s, whose methods are annotated)."""
    return model.parameters()


def measure(width: int, parametrization: str, *, steps: int, seed: int, depth: int = 2) -> list[float]:
    """Mean |activation| of each layer after ``steps`` Adam steps on one fixed batch."""
    model, opt = _build(width, parametrization, seed, depth)
    kx, ky = mx.random.split(mx.random.key(1000 + seed))
    x = mx.random.normal((BATCH, D_IN), key=kx)
    y = mx.random.randint(0, CLASSES, (BATCH,), key=ky)

    def loss(m: MLP) -> mx.array:
        return nn.losses.cross_entropy(m(x), y, reduction="mean")

    grad = nn.value_and_grad(model, loss)
    for _ in range(steps):
        _, g = grad(model)
        opt.update(model, g)
        mx.eval(_parameters(model), opt.state)
    acts = model.activations(x)
    return [float(mx.mean(mx.abs(a))) for a in acts]


def curves(
    widths: Sequence[int], parametrization: str, *, steps: int, seeds: int, depth: int = 2
) -> np.ndarray:
    """``[width, layer]`` mean |activation|, averaged over ``seeds`` seeds."""
    return np.array(
        [np.mean([measure(w, parametrization, steps=steps, seed=s, depth=depth) for s in range(seeds)], axis=0)
         for w in widths]
    )


def slopes(widths: Sequence[int], values: np.ndarray) -> list[float]:
    """The log-log slope of each layer's curve against width (least squares)."""
    logw = np.log(np.asarray(widths, dtype=np.float64))
    return [float(np.polyfit(logw, np.log(values[:, j]), 1)[0]) for j in range(values.shape[1])]


def main(out: Path, widths: Sequence[int] = (64, 128, 256, 512, 1024), steps: int = 10, seeds: int = 3) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = layer_names()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    panels = [("sp", "standard parametrization"), ("mup", "μP (mlxinit mup preset)")]
    for ax, (par, title) in zip(axes, panels, strict=True):
        values = curves(widths, par, steps=steps, seeds=seeds)
        for j, name in enumerate(names):
            ax.plot(widths, values[:, j], marker="o", label=name)
        slope = slopes(widths, values)
        print(f"{par:>4}: " + ", ".join(f"{n} {s:+.3f}" for n, s in zip(names, slope, strict=True)))
        ax.set(xscale="log", yscale="log", xlabel="width", title=f"{title}\nafter {steps} Adam steps (lr {LR})")
        ax.set_xticks(list(widths), [str(w) for w in widths])
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("mean |activation|")
    axes[1].legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "docs" / "_static" / "coord_check.png"
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    main(target)
