"""6. Whole-model ``mlxinit.apply`` on a Llama-shaped bfloat16 model vs raw ``mlx.nn.init``.

The model (Llama-3.2-1B shapes: vocab 128 256, width 2 048, 16 layers, MLP 8 192,
8 KV heads of 64; tied embedding) is built lazily: its parameters are unevaluated
arrays, so nothing is materialised until the initializers run. Each side runs in its
own interpreter: wall time of the initialization (parameters evaluated one at a time)
and peak RSS (``ru_maxrss``), against the parameter bytes.
"""

from __future__ import annotations

import statistics

from _common import Result, fmt_s, run_json

TARGET_TIME = 1.05
TARGET_RSS = 1.25

CHILD = r"""
import json, resource, sys, time
import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_unflatten

side, n_layers = sys.argv[1], int(sys.argv[2])
V, D, F, H, KV = 128256, 2048, 8192, 32, 8
HD = D // H


def lazy(*shape):
    return mx.zeros(shape, dtype=mx.bfloat16)  # unevaluated: no memory until used


class Linear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.weight = lazy(o, i)


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = lazy(d)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj, self.k_proj = Linear(D, H * HD), Linear(D, KV * HD)
        self.v_proj, self.o_proj = Linear(D, KV * HD), Linear(H * HD, D)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = Linear(D, F), Linear(D, F), Linear(F, D)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn, self.mlp = Attention(), MLP()
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(D), RMSNorm(D)


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Module()
        self.embed_tokens.weight = lazy(V, D)
        self.layers = [Layer() for _ in range(n_layers)]
        self.norm = RMSNorm(D)


model = Llama()
params = tree_flatten(model.parameters())
n_params = sum(p.size for _, p in params)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if side == "mlxinit":
    import mlxinit
    rules = {"*embed_tokens.weight": {"name": "normal", "std": 0.02},
             "*_proj.weight": "glorot_uniform", "*norm.weight": "ones"}
    t0 = time.perf_counter()
    mlxinit.apply(model, rules)
    t = time.perf_counter() - t0
else:
    t0 = time.perf_counter()
    for path, p in params:
        if path.endswith("embed_tokens.weight"):
            new = nn.init.normal(std=0.02, dtype=p.dtype)(p)
        elif path.endswith("_proj.weight"):
            new = nn.init.glorot_uniform(dtype=p.dtype)(p)
        else:
            new = nn.init.constant(1.0, dtype=p.dtype)(p)
        mx.eval(new)
        model.update(tree_unflatten([(path, new)]))
    t = time.perf_counter() - t0
del params
check = tree_flatten(model.parameters())
assert all(p.dtype == mx.bfloat16 for _, p in check)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"t": t, "n": n_params, "bytes": 2 * n_params, "peak": peak, "rss0": rss0}))
"""


def run(quick: bool, layers: int = 16) -> list[Result]:
    # Three runs a side, alternated (one with --quick): at full size each takes about
    # 25 s on 2 cores, and single runs moved by up to ±10 % between invocations here;
    # the median of three per-pair ratios is robust to one disturbed run.
    rounds = 1 if quick else 3
    ours, base = [], []
    o = b = {}
    for i in range(rounds):
        if i % 2:
            b = run_json(CHILD, "mlx", str(layers))
            o = run_json(CHILD, "mlxinit", str(layers))
        else:
            o = run_json(CHILD, "mlxinit", str(layers))
            b = run_json(CHILD, "mlx", str(layers))
        ours.append(o["t"])
        base.append(b["t"])
    t_ours, t_base = statistics.median(ours), statistics.median(base)
    ratio = statistics.median(x / y for x, y in zip(ours, base, strict=True))
    gb = o["bytes"] / 2**30
    scale = f"{o['n'] / 1e9:.2f} B params, {layers} layers, bf16 = {gb:.2f} GiB"
    return [
        Result(
            "6. apply", f"wall time ({scale})", fmt_s(t_ours), fmt_s(t_base), ratio,
            "<= 1.05x raw mlx.nn.init", ratio <= TARGET_TIME,
            f"{rounds} run(s) a side, alternated, median ratio, each in a fresh interpreter; same rules both sides "
            "(normal std 0.02 embedding, glorot_uniform projections, ones norms)",
        ),
        Result(
            "6. apply", "peak RSS / parameter bytes", f"{o['peak'] / o['bytes']:.3f}",
            f"{b['peak'] / b['bytes']:.3f}", (o["peak"] / b["peak"]),
            "<= 1.25x param bytes", o["peak"] / o["bytes"] <= TARGET_RSS,
            f"peak {o['peak'] / 2**30:.2f} GiB (raw loop {b['peak'] / 2**30:.2f} GiB); "
            f"RSS before init {o['rss0'] / 2**20:.0f} MiB",
        ),
    ]
