"""6. Whole-model ``mlxinit.apply`` on a Llama-shaped bfloat16 model vs raw ``mlx.nn.init``.

The model (Llama-3.2-1B shapes: vocab 128 256, width 2 048, 16 layers, MLP 8 192,
8 KV heads of 64; tied embedding) is built lazily: its parameters are unevaluated
arrays, so nothing is materialised until the initializers run. Each run is its own
interpreter: wall time of the initialization and peak RSS (``ru_maxrss``), against the
parameter bytes. The raw side is MLX's own pattern (``mlx.nn.init`` closures, one
parameter evaluated and swapped in after another, as ``Module.apply``); mlxinit runs
with its default ``workers`` (one MLX CPU stream per core) and with 1 and 2 workers.
Both sides draw unseeded, so their values are the same bits.
"""

from __future__ import annotations

import statistics

from _common import Result, fmt_s, run_json

TARGET_TIME = 0.6  #: default workers vs raw, on this 2-core machine
TARGET_SEQUENTIAL = 1.05  #: workers=1 vs raw
TARGET_RSS = 1.25

CHILD = r"""
import json, resource, sys, time
import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten, tree_unflatten

side, n_layers, workers = sys.argv[1], int(sys.argv[2]), sys.argv[3]
workers = None if workers == "default" else int(workers)
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
    t0, c0 = time.perf_counter(), time.process_time()
    mlxinit.apply(model, rules, workers=workers, progress=False)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
else:
    t0, c0 = time.perf_counter(), time.process_time()
    for path, p in params:
        if path.endswith("embed_tokens.weight"):
            new = nn.init.normal(std=0.02, dtype=p.dtype)(p)
        elif path.endswith("_proj.weight"):
            new = nn.init.glorot_uniform(dtype=p.dtype)(p)
        else:
            new = nn.init.constant(1.0, dtype=p.dtype)(p)
        mx.eval(new)
        model.update(tree_unflatten([(path, new)]))
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
del params
check = tree_flatten(model.parameters())
assert all(p.dtype == mx.bfloat16 for _, p in check)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if side == "mlxinit":
    from mlxinit._parallel import available_cores
    workers = workers or available_cores()
print(json.dumps({"t": t, "n": n_params, "bytes": 2 * n_params, "peak": peak, "rss0": rss0, "workers": workers,
                  "cpu": cpu}))
"""


def run(quick: bool, layers: int = 16) -> list[Result]:
    # Three rounds (one with --quick), each running every configuration in a fresh
    # interpreter, in an order that rotates from round to round: at full size a run takes
    # 10-25 s on 2 cores, and single runs moved by up to ±10 % between invocations here;
    # ratios are taken within a round and their median reported.
    from mlxinit._parallel import available_cores

    cores = available_cores()
    configs = ["mlx", "default", "1"] + ([] if cores == 2 else ["2"])
    rounds = 1 if quick else 3
    runs: dict[str, list[dict]] = {c: [] for c in configs}
    for i in range(rounds):
        order = configs[i % len(configs):] + configs[: i % len(configs)]
        for c in order:
            side, workers = ("mlx", "1") if c == "mlx" else ("mlxinit", c)
            runs[c].append(run_json(CHILD, side, str(layers), workers))
    if cores == 2:
        runs["2"] = runs["default"]

    def t(c: str) -> float:
        return statistics.median(r["t"] for r in runs[c])

    def ratio(a: str, b: str) -> float:
        return statistics.median(x["t"] / y["t"] for x, y in zip(runs[a], runs[b], strict=True))

    def rss(c: str) -> float:
        return statistics.median(r["peak"] / r["bytes"] for r in runs[c])

    o = runs["default"][-1]
    gb = o["bytes"] / 2**30
    scale = f"{o['n'] / 1e9:.2f} B params, {layers} layers, bf16 = {gb:.2f} GiB"
    how = (f"{rounds} round(s), each config in a fresh interpreter, order rotated; median of per-round ratios; "
           "same rules and unseeded draws on both sides (normal std 0.02 embedding, glorot_uniform "
           "projections, ones norms)")
    def busy(c: str) -> str:  # CPU time / wall time: how many cores the run kept busy
        return f"{statistics.median(r['cpu'] / r['t'] for r in runs[c]):.2f}"

    peak = statistics.median(r["peak"] for r in runs["default"])
    base_peak = statistics.median(r["peak"] for r in runs["mlx"])
    return [
        Result(
            "6. apply", f"wall time, default workers ({o['workers']}) ({scale})", fmt_s(t("default")),
            fmt_s(t("mlx")), ratio("default", "mlx"), f"<= {TARGET_TIME}x raw mlx.nn.init (2 cores)",
            ratio("default", "mlx") <= TARGET_TIME,
            f"{how}; cores busy (CPU time / wall): mlxinit {busy('default')}, raw {busy('mlx')}",
        ),
        Result(
            "6. apply", "wall time, workers=1", fmt_s(t("1")), fmt_s(t("mlx")), ratio("1", "mlx"),
            f"<= {TARGET_SEQUENTIAL}x raw mlx.nn.init", ratio("1", "mlx") <= TARGET_SEQUENTIAL,
            f"one parameter after another on the default stream, as raw; cores busy {busy('1')}",
        ),
        Result(
            "6. apply", "scaling: workers=2 vs workers=1", fmt_s(t("2")), fmt_s(t("1")), ratio("2", "1"),
            "informational", None,
            "same run as the default row" if cores == 2 else "baseline: workers=1",
        ),
        Result(
            "6. apply", "peak RSS / parameter bytes, default workers", f"{rss('default'):.3f}",
            f"{rss('mlx'):.3f}", peak / base_peak, f"<= {TARGET_RSS}x param bytes", rss("default") <= TARGET_RSS,
            f"peak {peak / 2**30:.2f} GiB (raw loop {base_peak / 2**30:.2f} GiB); "
            f"RSS before init {o['rss0'] / 2**20:.0f} MiB",
        ),
        Result(
            "6. apply", "peak RSS / parameter bytes, workers=1", f"{rss('1'):.3f}", f"{rss('mlx'):.3f}",
            rss("1") / rss("mlx"), f"<= {TARGET_RSS}x param bytes", rss("1") <= TARGET_RSS,
        ),
    ]
