"""Initialize a small MLX model by initializer names and show what was done.

Run with ``make demo``.
"""

from __future__ import annotations

import math
import zlib

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_unflatten

import mlxinit


class MLP(nn.Module):
    def __init__(self, d_in: int = 64, d_hidden: int = 256, d_out: int = 10) -> None:
        super().__init__()
        self.embed = nn.Embedding(1000, d_in)
        self.norm = nn.LayerNorm(d_in)
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.head = nn.Linear(d_hidden, d_out)

    def __call__(self, x: mx.array) -> mx.array:
        h = self.norm(self.embed(x))
        h = nn.relu(self.fc1(h))
        h = nn.relu(self.fc2(h))
        return self.head(h)


# Which initializer, by name, for which parameter (first match wins).
RULES: list[tuple[str, str | dict]] = [
    ("embed.weight", {"name": "normal", "std": 0.02}),
    ("norm.weight", "ones"),
    ("norm.bias", "zeros"),
    ("head.weight", {"name": "glorot_uniform"}),
    ("fc2.weight", "orthogonal"),
    ("weight", {"name": "kaiming_normal", "gain": mlxinit.calculate_gain("relu")}),
    ("bias", "zeros"),
]


def pick(path: str) -> str | dict:
    for suffix, ident in RULES:
        if path == suffix or path.endswith("." + suffix) or path.endswith(suffix):
            return ident
    raise KeyError(path)


def main() -> None:
    model = MLP()
    rows = []
    new = []
    for path, value in tree_flatten(model.parameters()):
        ident = pick(path)
        init = mlxinit.get(ident, seed=zlib.crc32(path.encode()), dtype=value.dtype)
        w = init(value)
        new.append((path, w))
        expected = getattr(init, "expected_std", None)
        rows.append(
            (
                path,
                "x".join(map(str, w.shape)),
                ident if isinstance(ident, str) else ", ".join(f"{k}={v}" for k, v in ident.items()),
                mx.mean(w).item(),
                mx.std(w).item(),
                expected(w.shape) if expected else math.nan,
            )
        )
    model.update(tree_unflatten(new))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    head = ("parameter", "shape", "initializer", "mean", "std", "promised std")
    print(f"{head[0]:<{widths[0]}}  {head[1]:<{widths[1]}}  {head[2]:<{widths[2]}}  "
          f"{head[3]:>9}  {head[4]:>9}  {head[5]:>12}")
    for p, s, i, mean, std, exp in rows:
        print(f"{p:<{widths[0]}}  {s:<{widths[1]}}  {i:<{widths[2]}}  {mean:>9.5f}  {std:>9.5f}  {exp:>12.5f}")
    out = model(mx.array([[1, 2, 3]]))
    print(f"\nforward pass OK: output shape {out.shape}, dtype {out.dtype}")


if __name__ == "__main__":
    main()
