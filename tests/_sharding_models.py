"""Models and helpers shared by the sharded-init tests, in-process and on real ranks."""

from __future__ import annotations

from typing import Any

import mlx.core as mx
import mlx.nn as nn
from mlx.nn.layers.distributed import fully_shard, shard_inplace, shard_linear

RULES: dict[str, Any] = {"*.weight": "glorot_uniform", "*.bias": {"name": "normal", "std": 0.1}}


class FakeGroup:
    """A group of ``size`` ranks seen from ``rank``: what MLX's sharding functions ask of a group."""

    def __init__(self, rank: int, size: int) -> None:
        self._rank, self._size = rank, size

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size


def mlp(n: int = 1) -> nn.Module:
    """A fused first layer (3 segments), a sharded-to-all second, one sharded in place, and a plain head;
    sizes divisible by ``n`` ranks."""
    w = 2 * n
    return nn.Sequential(nn.Linear(16, 3 * w), nn.Linear(3 * w, 16), nn.Linear(16, w), nn.Linear(w, 8))


def shard_mlp(model: nn.Module, group: Any) -> None:
    layers = model.layers  # type: ignore[attr-defined]
    layers[0] = shard_linear(layers[0], "all-to-sharded", segments=3, group=group)
    layers[1] = shard_linear(layers[1], "sharded-to-all", group=group)
    shard_inplace(layers[2], "all-to-sharded", group=group)


def fsdp_model(n: int = 1) -> nn.Module:
    return nn.Sequential(nn.Linear(8, 4 * n), nn.LayerNorm(4 * n), nn.Linear(4 * n, 2 * n))


def shard_fsdp(model: nn.Module, group: Any) -> nn.Module:
    layers = model.layers  # type: ignore[attr-defined]
    layers[0] = fully_shard(layers[0], group=group)
    layers[2] = fully_shard(layers[2], group=group)
    return model


#: Head counts divisible by 2, 3 and 4 ranks.
HEADS, KV_HEADS = 12, 12


def llama() -> nn.Module:
    from mlx_lm.models import llama as family

    args = family.ModelArgs(
        model_type="llama", hidden_size=96, num_hidden_layers=2, intermediate_size=192,
        num_attention_heads=HEADS, rms_norm_eps=1e-5, vocab_size=96, num_key_value_heads=KV_HEADS,
        tie_word_embeddings=False,
    )
    return family.Model(args)


def qwen3_moe() -> nn.Module:
    from mlx_lm.models import qwen3_moe as family

    args = family.ModelArgs(
        model_type="qwen3_moe", hidden_size=96, num_hidden_layers=2, intermediate_size=192,
        num_attention_heads=HEADS, num_experts=4, num_experts_per_tok=2, decoder_sparse_step=1,
        mlp_only_layers=[], moe_intermediate_size=48, rms_norm_eps=1e-5, vocab_size=96,
        num_key_value_heads=KV_HEADS, head_dim=8, rope_theta=10000.0, tie_word_embeddings=False,
        max_position_embeddings=128, norm_topk_prob=True,
    )
    return family.Model(args)


def gather_full(local: mx.array, shard: Any, group: Any) -> mx.array:
    """The full array from every rank's shard, as MLX's sharding cut it (part r of every segment)."""
    axis = shard.axis
    pieces = [hi - lo for lo, hi in shard.pieces(shard.full_shape(local.shape))]
    moved = mx.moveaxis(local, axis, 0)
    per_rank = mx.split(mx.distributed.all_gather(moved, group=group), shard.size, axis=0)
    cuts = [sum(pieces[: i + 1]) for i in range(len(pieces) - 1)]
    split = [mx.split(r, cuts, axis=0) if cuts else [r] for r in per_rank]
    full = mx.concatenate([split[r][s] for s in range(len(pieces)) for r in range(shard.size)], axis=0)
    return mx.moveaxis(full, 0, axis)


def flat(model: nn.Module) -> dict[str, mx.array]:
    from mlx.utils import tree_flatten

    return dict(tree_flatten(model.parameters()))  # type: ignore[arg-type]
