"""One rank of benchmark 7, run by ``mlx.launch``: build a model, shard it, initialize it.

``pattern`` is ``mlxinit`` (shard the lazily built model, then mlxinit.apply draws each rank's
part) or ``replicate`` (MLX's own example: initialize the whole model on every rank, then
slice). Rank 0 writes the slowest rank's time and the largest peak-RSS growth to ``out``.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main(pattern: str, layers: int, width: int, out: str) -> None:
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.nn.layers.distributed import shard_linear
    from mlx.utils import tree_flatten

    import mlxinit

    group = mx.distributed.init()
    mx.eval(mx.distributed.all_sum(mx.array([1.0]), group=group))  # the ring is up before the clock starts
    base = rss_bytes()
    t0 = time.perf_counter()
    model = nn.Sequential(*[nn.Linear(width, width, bias=False) for _ in range(layers)])
    if pattern == "replicate":  # every rank draws the full model, then keeps its slice
        mlxinit.apply(model, {"*": "glorot_uniform"}, seed=0)
        mx.eval(model.parameters())
    for i, layer in enumerate(model.layers):
        model.layers[i] = shard_linear(layer, "all-to-sharded" if i % 2 == 0 else "sharded-to-all", group=group)
    if pattern == "mlxinit":
        mlxinit.apply(model, {"*": "glorot_uniform"}, seed=0, group=group)
    mx.eval(model.parameters())
    elapsed = time.perf_counter() - t0
    growth = rss_bytes() - base
    held = sum(v.nbytes for _, v in tree_flatten(model.parameters()))
    stats = mx.distributed.all_gather(mx.array([[elapsed, growth / 2**20, held / 2**20]]), group=group)
    mx.eval(stats)  # every rank takes part in the gather
    if group.rank() == 0:
        rows = stats.tolist()
        with open(out, "w") as f:
            json.dump({"time": max(r[0] for r in rows), "rss_mib": max(r[1] for r in rows),
                       "held_mib": max(r[2] for r in rows), "ranks": group.size()}, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
