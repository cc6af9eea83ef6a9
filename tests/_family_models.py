"""Tiny MLX ports of the families mlx-lm does not have (BERT, T5, ViT), with the source's module names.

Each keeps the layer structure and parameter names of the reference implementation (Hugging
Face transformers for BERT and T5, timm for ViT), so a preset finds its layers by the names the
source uses; ``args`` holds the config fields the presets read.
"""

from __future__ import annotations

from types import SimpleNamespace

import mlx.core as mx
import mlx.nn as nn


class _Dense(nn.Module):
    def __init__(self, d_in: int, d_out: int, *, norm: bool = False) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        if norm:
            self.LayerNorm = nn.LayerNorm(d_out)


class BertSelfAttention(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)


class BertAttention(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.self = BertSelfAttention(d)
        self.output = _Dense(d, d, norm=True)


class BertLayer(nn.Module):
    def __init__(self, d: int, ff: int) -> None:
        super().__init__()
        self.attention = BertAttention(d)
        self.intermediate = _Dense(d, ff)
        self.output = _Dense(ff, d, norm=True)


class BertEmbeddings(nn.Module):
    def __init__(self, vocab: int, d: int, max_pos: int, types: int) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, d)
        self.position_embeddings = nn.Embedding(max_pos, d)
        self.token_type_embeddings = nn.Embedding(types, d)
        self.LayerNorm = nn.LayerNorm(d)


class BertEncoder(nn.Module):
    def __init__(self, d: int, ff: int, n: int) -> None:
        super().__init__()
        self.layer = [BertLayer(d, ff) for _ in range(n)]


class BertLMPredictionHead(nn.Module):
    def __init__(self, d: int, vocab: int) -> None:
        super().__init__()
        self.transform = _Dense(d, d, norm=True)
        self.decoder = nn.Linear(d, vocab)


class BertPredictions(nn.Module):
    def __init__(self, d: int, vocab: int) -> None:
        super().__init__()
        self.predictions = BertLMPredictionHead(d, vocab)


class TinyBert(nn.Module):
    """``BertForMaskedLM``-shaped: embeddings, an encoder, a pooler and the MLM head."""

    def __init__(self, vocab: int = 100, d: int = 64, n: int = 2, ff: int = 128) -> None:
        super().__init__()
        self.args = SimpleNamespace(hidden_size=d, num_hidden_layers=n, initializer_range=0.02)
        self.embeddings = BertEmbeddings(vocab, d, 32, 2)
        self.encoder = BertEncoder(d, ff, n)
        self.pooler = _Dense(d, d)
        self.cls = BertPredictions(d, vocab)


class T5LayerNorm(nn.Module):
    """T5's scale-only RMS norm (``weight`` only)."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.weight = mx.ones((d,))


class T5Attention(nn.Module):
    def __init__(self, d: int, heads: int, d_kv: int, *, relative: bool) -> None:
        super().__init__()
        inner = heads * d_kv
        self.q = nn.Linear(d, inner, bias=False)
        self.k = nn.Linear(d, inner, bias=False)
        self.v = nn.Linear(d, inner, bias=False)
        self.o = nn.Linear(inner, d, bias=False)
        if relative:
            self.relative_attention_bias = nn.Embedding(32, heads)


class T5SelfAttentionLayer(nn.Module):
    def __init__(self, d: int, heads: int, d_kv: int, *, relative: bool) -> None:
        super().__init__()
        self.SelfAttention = T5Attention(d, heads, d_kv, relative=relative)
        self.layer_norm = T5LayerNorm(d)


class T5CrossAttentionLayer(nn.Module):
    def __init__(self, d: int, heads: int, d_kv: int) -> None:
        super().__init__()
        self.EncDecAttention = T5Attention(d, heads, d_kv, relative=False)
        self.layer_norm = T5LayerNorm(d)


class T5DenseGatedActDense(nn.Module):
    def __init__(self, d: int, ff: int) -> None:
        super().__init__()
        self.wi_0 = nn.Linear(d, ff, bias=False)
        self.wi_1 = nn.Linear(d, ff, bias=False)
        self.wo = nn.Linear(ff, d, bias=False)


class T5DenseActDense(nn.Module):
    def __init__(self, d: int, ff: int) -> None:
        super().__init__()
        self.wi = nn.Linear(d, ff, bias=False)
        self.wo = nn.Linear(ff, d, bias=False)


class T5FFLayer(nn.Module):
    def __init__(self, d: int, ff: int, *, gated: bool) -> None:
        super().__init__()
        self.DenseReluDense = T5DenseGatedActDense(d, ff) if gated else T5DenseActDense(d, ff)
        self.layer_norm = T5LayerNorm(d)


class T5Block(nn.Module):
    def __init__(self, d: int, heads: int, d_kv: int, ff: int, *, decoder: bool, first: bool, gated: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [T5SelfAttentionLayer(d, heads, d_kv, relative=first)]
        if decoder:
            layers.append(T5CrossAttentionLayer(d, heads, d_kv))
        layers.append(T5FFLayer(d, ff, gated=gated))
        self.layer = layers


class T5Stack(nn.Module):
    def __init__(self, d: int, heads: int, d_kv: int, ff: int, n: int, *, decoder: bool, gated: bool) -> None:
        super().__init__()
        self.block = [T5Block(d, heads, d_kv, ff, decoder=decoder, first=i == 0, gated=gated) for i in range(n)]
        self.final_layer_norm = T5LayerNorm(d)


class TinyT5(nn.Module):
    """``T5ForConditionalGeneration``-shaped: a shared embedding, encoder and decoder stacks, an untied head.

    ``gated`` builds T5 v1.1's gated feed-forward (``wi_0``, ``wi_1``); ``d_kv`` differs from
    ``d_model / num_heads`` on purpose, as in t5-3b and t5-11b.
    """

    def __init__(
        self, vocab: int = 100, d: int = 64, heads: int = 4, d_kv: int = 32, ff: int = 256, n: int = 2,
        *, gated: bool = False,
    ) -> None:
        super().__init__()
        self.args = SimpleNamespace(
            d_model=d, d_kv=d_kv, num_heads=heads, d_ff=ff, num_layers=n, initializer_factor=1.0
        )
        self.shared = nn.Embedding(vocab, d)
        self.encoder = T5Stack(d, heads, d_kv, ff, n, decoder=False, gated=gated)
        self.decoder = T5Stack(d, heads, d_kv, ff, n, decoder=True, gated=gated)
        self.lm_head = nn.Linear(d, vocab, bias=False)


class PatchEmbed(nn.Module):
    def __init__(self, d: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, d, kernel_size=patch, stride=patch)


class Attention(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)


class Mlp(nn.Module):
    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d)
        self.attn = Attention(d)
        self.norm2 = nn.LayerNorm(d)
        self.mlp = Mlp(d, 4 * d)


class TinyViT(nn.Module):
    """timm's ``VisionTransformer`` layout: ``patch_embed.proj``, ``cls_token``, ``pos_embed``,
    ``blocks.N.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}``, ``norm``, ``head``."""

    def __init__(self, d: int = 64, n: int = 2, image: int = 32, patch: int = 8, classes: int = 10) -> None:
        super().__init__()
        tokens = (image // patch) ** 2 + 1
        self.patch_embed = PatchEmbed(d, patch)
        self.cls_token = mx.zeros((1, 1, d))
        self.pos_embed = mx.zeros((1, tokens, d))
        self.blocks = [Block(d) for _ in range(n)]
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)
