"""Small mlx.nn models shared by the tests."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn


class Block(nn.Module):
    """A pre-norm transformer block: attention and an MLP, each residual."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.attention_norm = nn.RMSNorm(d)
        self.attention = nn.MultiHeadAttention(d, 2, bias=True)
        self.mlp_norm = nn.LayerNorm(d)
        self.mlp = [nn.Linear(d, 4 * d), nn.Linear(4 * d, d)]

    def __call__(self, x: mx.array) -> mx.array:
        h = self.attention_norm(x)
        x = x + self.attention(h, h, h)
        h = self.mlp_norm(x)
        return x + self.mlp[1](nn.gelu(self.mlp[0](h)))


class TinyTransformer(nn.Module):
    """Embedding, ``n_layer`` blocks, a final norm and an output head."""

    def __init__(self, vocab: int = 64, d: int = 16, n_layer: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.layers = [Block(d) for _ in range(n_layer)]
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def __call__(self, tokens: mx.array) -> mx.array:
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))
