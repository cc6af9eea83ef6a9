"""8. ``mlxinit.verify`` on a GPT-2 small (124 M parameters) initialized by the ``gpt2`` preset.

The model is mlx-lm's ``gpt2`` with GPT-2 small's configuration (vocabulary 50 257,
width 768, 12 layers, 12 heads, 1 024 positions): 124.4 M float32 parameters. In a fresh
interpreter, after ``apply(model, preset="gpt2", seed=0)``, ``verify(model,
preset="gpt2")`` is timed against the cheapest pass that reads every weight: MLX's own
float32 ``mean`` and ``std`` of each parameter (no float64 sums, no checks). Medians of
alternated rounds.
"""

from __future__ import annotations

from _common import Result, fmt_s, run_json

TARGET = 1.0  # seconds for the 124 M-parameter model

CHILD = r"""
import json, statistics, sys, time
import mlx.core as mx
import mlxinit
from mlx.utils import tree_flatten
from mlx_lm.models import gpt2

rounds = int(sys.argv[1])
args = gpt2.ModelArgs(model_type="gpt2", n_ctx=1024, n_embd=768, n_head=12, n_layer=12, n_positions=1024,
                      layer_norm_epsilon=1e-5, vocab_size=50257)
model = gpt2.Model(args)
mlxinit.apply(model, preset="gpt2", seed=0)
params = [v for _, v in tree_flatten(model.parameters())]
n = sum(v.size for v in params)


def ours():
    report = mlxinit.verify(model, preset="gpt2")
    assert report.ok, [(r.path, r.reason) for r in report.flagged]
    return report


def base():
    out = []
    for v in params:
        out += [mx.mean(v), mx.std(v)]
    mx.eval(*out)


ours(); base()  # warm up
ta, tb = [], []
for i in range(rounds):
    for f, t in ((ours, ta), (base, tb)) if i % 2 == 0 else ((base, tb), (ours, ta)):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
report = ours()
print(json.dumps({"ours": statistics.median(ta), "base": statistics.median(tb), "params": n,
                  "arrays": len(report.rows), "numpy": __import__("importlib").util.find_spec("numpy") is not None}))
"""


def run(quick: bool) -> list[Result]:
    try:
        import mlx_lm  # noqa: F401
    except ImportError:
        return [Result("8. verify", "GPT-2 small (124 M params)", "not run", "—", None, f"<= {TARGET:g} s", None,
                       "needs mlx-lm (the models extra)")]
    got = run_json(CHILD, str(3 if quick else 7))
    ours, base = got["ours"], got["base"]
    note = (f"{got['params'] / 1e6:.1f} M params in {got['arrays']} arrays, float32; baseline: MLX's float32 "
            "mean and std of every parameter; median of alternated rounds, fresh interpreter")
    return [
        Result("8. verify", "GPT-2 small (124 M params), gpt2 preset", fmt_s(ours), fmt_s(base), ours / base,
               f"<= {TARGET:g} s", ours <= TARGET, note),
    ]
