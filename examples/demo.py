"""Initialize a small MLX transformer by initializer names and show what was done.

Run with ``make demo``.
"""

from __future__ import annotations

import json
import math
import tempfile
from importlib.metadata import version
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten

import mlxinit


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # mlx's Module.__init__ is unannotated
        self.attention_norm = nn.RMSNorm(d)
        self.attention = nn.MultiHeadAttention(d, 4)
        self.mlp_norm = nn.LayerNorm(d)
        self.mlp = [nn.Linear(d, 4 * d), nn.Linear(4 * d, d)]

    def __call__(self, x: mx.array) -> mx.array:
        h = self.attention_norm(x)
        x = x + self.attention(h, h, h)
        return x + self.mlp[1](nn.gelu(self.mlp[0](self.mlp_norm(x))))


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int = 512, d: int = 64, n_layer: int = 2) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # mlx's Module.__init__ is unannotated
        self.embed = nn.Embedding(vocab, d)
        self.layers = [Block(d) for _ in range(n_layer)]
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def __call__(self, tokens: mx.array) -> mx.array:
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))


# Rules by name: parameter-path globs, module types, or a type with a parameter name.
RULES = {
    "type:Embedding": {"name": "normal", "std": 0.02},
    nn.Linear: "glorot_uniform",
    "layers.*.attention.*_proj.weight": "orthogonal",
    "layers.*.mlp.0.weight": {"name": "kaiming_normal", "gain": mlxinit.calculate_gain("relu")},
    "layers.*.mlp.1.weight": {"name": "truncated_normal", "std": 0.02},
    "*.bias": "zeros",
    "type:RMSNorm.weight": "ones",
    "type:LayerNorm.weight": "ones",
}


def parameters(model: nn.Module) -> dict[str, mx.array]:
    """The model's parameters by dotted path."""
    return dict(tree_flatten(model.parameters()))


def table(model: nn.Module, report: mlxinit.ApplyReport) -> str:
    values = parameters(model)
    head = ("parameter", "shape", "dtype", "initializer", "mean", "std", "promised std")
    rows = []
    for r in report.rows:
        v = values[r.path].astype(mx.float32)
        promised = "n/a" if r.expected_std is None else f"{r.expected_std:.5f}"
        rows.append(
            (r.path, "x".join(map(str, r.shape)), r.dtype, r.identifier or r.status,
             f"{mx.mean(v).item():.5f}", f"{mx.std(v).item():.5f}", promised)
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([fmt(head), *(fmt(row) for row in rows)])


def main() -> None:
    print(f"mlxinit {mlxinit.__version__}, MLX {version('mlx')}")
    print("\n== 1. A bfloat16 transformer initialized by rules (seed 0) ==")
    model = TinyTransformer()
    model.set_dtype(mx.bfloat16)
    report = mlxinit.apply(model, RULES, seed=0, strict=True)
    print(table(model, report))
    logits = model(mx.array([[1, 2, 3, 4]]))
    print(f"forward pass: logits {logits.shape} {logits.dtype}, all finite: {mx.all(mx.isfinite(logits)).item()}")

    print("\n== 2. The same recipe saved as JSON and restored ==")
    recipe = mlxinit.Recipe(
        rules={"type:Embedding": {"name": "normal", "std": 0.02}, "type:Linear.weight": "he_uniform",
               "*.bias": "zeros", "type:RMSNorm.weight": "ones", "type:LayerNorm.weight": "ones"},
        seed=7,
    )
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "init.json"
        file.write_text(recipe.to_json())
        print(file.read_text())
        a, b = TinyTransformer(), TinyTransformer()
        mlxinit.apply(a, recipe)
        mlxinit.apply(b, mlxinit.load_recipe(file))
    pa, pb = parameters(a), parameters(b)
    same = pa.keys() == pb.keys() and all(mx.array_equal(pa[k], pb[k]).item() for k in pa)
    print(f"restored recipe gives bitwise-identical parameters: {same}")

    init = mlxinit.get("he_normal", mode="fan_out", dtype="bf16", seed=3)
    print(f"serialize(get('he_normal', ...)) = {json.dumps(mlxinit.serialize(init))}")

    print("\n== 3. Presets and other frameworks' meanings (mlxinit-compat) ==")
    if "gpt2" in mlxinit.available_presets():
        gpt = TinyTransformer(n_layer=4)
        report = mlxinit.apply(gpt, preset="gpt2", seed=0)
        values = parameters(gpt)
        for path in ("layers.0.attention.query_proj.weight", "layers.0.attention.out_proj.weight"):
            print(f"gpt2 preset: {path:<38} std {mx.std(values[path]).item():.5f}"
                  f"  ({report.initialized[path]})")
        w = mx.zeros((256, 128))
        for name in ("he_normal", "torch:kaiming_normal", "keras:he_normal"):
            x = mlxinit.get(name, seed=0)(w)
            print(f"{name:<22} std {mx.std(x).item():.5f}  max|x| {mx.max(mx.abs(x)).item():.4f}"
                  f"   (1/fan -> {1 / math.sqrt(128):.5f}, 2/fan -> {math.sqrt(2 / 128):.5f})")
    else:
        print("mlxinit-compat is not installed (pip install ./plugins/compat)")


if __name__ == "__main__":
    main()
