"""Run on every rank by ``mlx.launch``: shard models, initialize them with mlxinit, gather, compare.

Usage: ``mlx.launch -n N --backend ring --python PY tests/ranks/sharded_check.py OUT.json``.
Rank 0 writes what it found to ``OUT.json``: per model, the parameters whose gathered shards
differ bitwise from the single-process result, and the largest logit difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mlx.core as mx

import mlxinit
from _sharding_models import RULES, flat, fsdp_model, gather_full, llama, mlp, qwen3_moe, shard_fsdp, shard_mlp


def check(name: str, build: Any, shard: Any, rules: Any, preset: Any, group: Any, seeded: bool) -> dict[str, Any]:
    model = build()
    with mlxinit.record_sharding() as plan:
        out = shard(model, group)
    model = out if out is not None else model
    kwargs = {"preset": preset} if preset else {}
    report = mlxinit.apply(model, rules, seed=11 if seeded else None, sharding=plan, strict=True, **kwargs)
    reference = build()  # the unsharded model, initialized by one process with the seed the ranks agreed on
    mlxinit.apply(reference, rules, seed=report.seed, strict=True, **kwargs)
    want = flat(reference)
    got = flat(model)
    differ = []
    shards = 0
    for row in report.rows:
        local = got[row.path]
        if row.shard is not None:
            shards += 1
            full = gather_full(local, row.shard, group)
        else:
            full = local
        key = row.path.replace(".module.", ".")
        if not mx.array_equal(full, want[key]).item():
            differ.append(row.path)
    result: dict[str, Any] = {"differ": differ, "shards": shards, "seed": report.seed, "rows": len(report.rows)}
    if preset:  # a language model: the sharded forward pass against the unsharded one
        tokens = mx.array([[1, 5, 9, 33, 2, 70, 12, 4]])
        result["logit_diff"] = float(mx.max(mx.abs(model(tokens) - reference(tokens))).item())
    return result


def main() -> None:
    group = mx.distributed.init()
    n = group.size()
    cases = [
        ("mlp", lambda: mlp(n), shard_mlp, RULES, None),
        ("fully_shard", lambda: fsdp_model(n), shard_fsdp, {**RULES, "layers.1.*": "ones"}, None),
        ("llama", llama, lambda m, g: m.shard(g), None, "llama"),
        ("qwen3_moe", qwen3_moe, lambda m, g: m.shard(g), None, "llama"),
    ]
    results = {}
    for name, build, shard, rules, preset in cases:
        results[name] = check(name, build, shard, rules, preset, group, seeded=True)
    results["mlp_unseeded"] = check("mlp", lambda: mlp(n), shard_mlp, RULES, None, group, seeded=False)
    if group.rank() == 0:
        Path(sys.argv[1]).write_text(json.dumps({"size": n, "results": results}))


if __name__ == "__main__":
    main()
