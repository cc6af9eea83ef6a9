"""Initialize a sharded Llama on every rank: each rank draws only its part of the model.

Run on 2 processes of this machine::

    mlx.launch -n 2 --backend ring --python "$(which python)" examples/sharded.py

Each rank builds the (lazy) model, lets mlx-lm shard it with ``model.shard(group)``, and
has mlxinit draw exactly its shard of what one process would draw for the unsharded model.
Rank 0 then checks that claim on one weight by gathering it.
"""

from __future__ import annotations

import mlx.core as mx
from mlx_lm.models import llama

import mlxinit


def build() -> llama.Model:
    args = llama.ModelArgs(
        model_type="llama", hidden_size=128, num_hidden_layers=2, intermediate_size=256, num_attention_heads=8,
        rms_norm_eps=1e-5, vocab_size=512, num_key_value_heads=4, tie_word_embeddings=False,
    )
    return llama.Model(args)


def main() -> None:
    group = mx.distributed.init()
    model = build()
    with mlxinit.record_sharding() as plan:
        model.shard(group)
    report = mlxinit.apply(model, preset="llama", sharding=plan, strict=True)  # ranks agree on a seed
    q = model.model.layers[0].self_attn.q_proj.weight
    gathered = mx.distributed.all_gather(q, group=group)  # all-to-sharded: rank r holds rows r
    whole = build()
    mlxinit.apply(whole, preset="llama", seed=report.seed)  # one process, the same seed
    same = bool(mx.array_equal(gathered, whole.model.layers[0].self_attn.q_proj.weight))
    if group.rank() == 0:
        print(report)
        print(f"rank 0 of {group.size()}: gathered q_proj equals the single-process model bitwise: {same}")


if __name__ == "__main__":
    main()
