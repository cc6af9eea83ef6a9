"""Depth-scaled rules, a check of what the model holds, and a step-0 checkpoint that regenerates.

Run with ``.venv/bin/python examples/step0.py``. ``build`` is also what the command line
takes: ``mlxinit verify --model examples.step0:build --preset gpt2 --apply`` (from the
repository's root).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

import mlxinit


class Block(nn.Module):
    """A GPT-2-style block: a norm, an MLP in and a residual projection out."""

    def __init__(self, d: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # mlx's Module.__init__ is unannotated
        self.ln = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def __call__(self, x: mx.array) -> mx.array:
        h: mx.array = self.c_proj(nn.gelu(self.c_fc(self.ln(x))))
        return x + h


class Net(nn.Module):
    """An embedding and ``n_layer`` blocks."""

    def __init__(self, vocab: int = 256, d: int = 64, n_layer: int = 4) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # mlx's Module.__init__ is unannotated
        self.wte = nn.Embedding(vocab, d)
        self.h = [Block(d) for _ in range(n_layer)]

    def __call__(self, tokens: mx.array) -> mx.array:
        x: mx.array = self.wte(tokens)
        for block in self.h:
            x = block(x)
        return x


def parameters(model: nn.Module) -> dict[str, mx.array]:
    """The model's parameters by dotted path."""
    return dict(tree_flatten(model.parameters()))


def build() -> Net:
    """The model, as ``mlxinit verify --model examples.step0:build`` builds it."""
    return Net()


#: nanoGPT's init, written once for any depth, plus torchtitan's per-layer depth init for the MLP input.
RECIPE = {
    "seed": 2024,
    "rules": {
        "*.weight": {"name": "normal", "std": 0.02},
        "*.c_proj.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layers)"},
        "h.{layer}.c_fc.weight": {"name": "normal", "std": "=0.02/sqrt(2*(layer+1))"},
        "*.bias": "zeros",
        "type:LayerNorm.weight": "ones",
    },
}


def main() -> None:
    recipe = mlxinit.Recipe.from_dict(RECIPE)
    model = build()
    report = mlxinit.apply(model, recipe)
    print(report.initialized["h.3.c_proj.weight"])
    print(report.initialized["h.3.c_fc.weight"])

    check = mlxinit.verify(model, recipe)
    print("verify:", check.summary())

    model.h[2].c_fc.weight = nn.Linear(64, 256).weight  # as if init had silently skipped it
    for row in mlxinit.verify(model, recipe).flagged:
        print("flagged:", row.path, "-", row.reason.split(";")[0])
    mlxinit.apply(model, recipe)

    path = mlxinit.save(model, Path(tempfile.mkdtemp()) / "step0.safetensors", recipe)
    print("saved:", path.name, "with", sorted(mlxinit.read_metadata(path)))
    again = build()
    mlxinit.regenerate(path, again)
    mine, theirs = parameters(model), parameters(again)
    same = mine.keys() == theirs.keys() and all(bool(mx.array_equal(mine[k], theirs[k])) for k in mine)
    print("regenerated bitwise:", same)


if __name__ == "__main__":
    main()
