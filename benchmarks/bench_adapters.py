"""9. Adapters and data: ``lora:pissa_niter_4`` vs ``lora:pissa`` (full SVD) at 2048², r = 16, and LSUV.

The base is ``U diag(s) Vᵀ`` with random orthogonal ``U``, ``V`` and a slowly decaying spectrum
``s_i = i^-1/2`` (a flat Gaussian matrix has no principal subspace to find). Both run through
``mlxinit.apply`` on an mlx-lm ``LoRALinear`` (rank 16, scale 20), alternated, medians. The
subspace cosine is the mean cosine of the principal angles between the two top-16 left singular
subspaces (``B``'s column spaces). LSUV: a 20-layer width-256 MLP (SiLU, tanh) on a batch of 512,
the whole ``mlxinit.lsuv`` call, and whether ``apply`` of its recipe replays it bitwise.
"""

from __future__ import annotations

import statistics
import time

from _common import Result, fmt_s

N, RANK = 2048, 16
TARGET_SPEEDUP = 5.0
TARGET_COSINE = 0.99
TARGET_LSUV_S = 2.0


def _layer(w):  # type: ignore[no-untyped-def]
    from mlx_lm.tuner.lora import LoRALinear

    layer = LoRALinear(N, N, r=RANK, scale=20.0)
    layer.linear.weight = w
    return layer


def _pissa(name: str, w):  # type: ignore[no-untyped-def]
    import mlx.core as mx

    import mlxinit

    layer = _layer(w)
    mx.eval(layer.parameters())
    t0 = time.perf_counter()
    mlxinit.apply(layer, {"type:LoRALinear": name}, seed=0)
    return time.perf_counter() - t0, layer


def _lsuv_rows(quick: bool) -> list[Result]:
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_flatten

    import mlxinit

    def mlp(act):  # type: ignore[no-untyped-def]
        layers = []
        for _ in range(20):
            layers += [nn.Linear(256, 256), act()]
        return nn.Sequential(*layers[:-1])

    x = mx.random.normal((512, 256), key=mx.random.key(1))
    out = []
    for act in (nn.SiLU, nn.Tanh):
        times, recipe, model = [], None, None
        for _ in range(1 if quick else 3):
            model = mlp(act)
            mx.eval(model.parameters())
            t0 = time.perf_counter()
            recipe = mlxinit.lsuv(model, x, seed=0)
            times.append(time.perf_counter() - t0)
        assert recipe is not None
        assert model is not None
        t = statistics.median(times)
        var = [layer.variance for layer in recipe.layers]
        iters = max(layer.iterations for layer in recipe.layers)
        replay = mlp(act)
        mlxinit.apply(replay, mlxinit.load_recipe(recipe.to_json()))
        same = all(
            bool(mx.array_equal(a, b))
            for (_, a), (_, b) in zip(tree_flatten(model.parameters()), tree_flatten(replay.parameters()), strict=True)
        )
        ok = all(0.9 <= v <= 1.1 for v in var) and iters <= 10 and same
        out.append(
            Result(
                "9. adapters", f"lsuv 20×256 MLP ({act.__name__}), batch 512", fmt_s(t), "—", None,
                f"var in [0.9, 1.1], <= 10 iters, replay bitwise, < {TARGET_LSUV_S:.0f} s",
                ok and t < TARGET_LSUV_S,
                f"var [{min(var):.3f}, {max(var):.3f}], max {iters} iteration(s), replay bitwise: {same}",
            )
        )
    return out


def run(quick: bool) -> list[Result]:
    import mlx.core as mx
    import numpy as np

    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.standard_normal((N, N)).astype(np.float32))
    v, _ = np.linalg.qr(rng.standard_normal((N, N)).astype(np.float32))
    s = (1.0 / np.sqrt(np.arange(1, N + 1))).astype(np.float32)
    w = mx.array((u * s) @ v.T)
    mx.eval(w)
    full, fast = [], []
    layers = {}
    for _ in range(1 if quick else 2):
        t, layers["full"] = _pissa("lora:pissa", w)
        full.append(t)
        t, layers["fast"] = _pissa("lora:pissa_niter_4", w)
        fast.append(t)
    t_full, t_fast = statistics.median(full), statistics.median(fast)
    b_full = np.array(layers["full"].lora_b).T
    b_fast = np.array(layers["fast"].lora_b).T
    q_full, _ = np.linalg.qr(b_full)
    q_fast, _ = np.linalg.qr(b_fast)
    cosine = float(np.linalg.svd(q_full.T @ q_fast, compute_uv=False).mean())
    w_np = np.array(w, dtype=np.float64)
    rebuilt = [
        np.array(layer.linear.weight, dtype=np.float64)
        + 20.0 * np.array(layer.lora_b, dtype=np.float64).T @ np.array(layer.lora_a, dtype=np.float64).T
        for layer in (layers["full"], layers["fast"])
    ]
    recon = max(float(np.linalg.norm(w_np - r) / np.linalg.norm(w_np)) for r in rebuilt)
    speedup = t_full / t_fast
    rows = [
        Result(
            "9. adapters", f"lora:pissa_niter_4 vs lora:pissa, {N}², r={RANK}: time", fmt_s(t_fast), fmt_s(t_full),
            t_fast / t_full, f">= {TARGET_SPEEDUP:.0f}× faster", speedup >= TARGET_SPEEDUP,
            f"{speedup:.0f}× faster (full SVD on MLX's CPU stream)",
        ),
        Result(
            "9. adapters", "pissa_niter_4 vs full SVD: subspace cosine", f"{cosine:.4f}", "—", None,
            f">= {TARGET_COSINE}", cosine >= TARGET_COSINE, "mean cosine of the principal angles",
        ),
        Result(
            "9. adapters", "‖W − (W_res + scale·BA)‖/‖W‖ (both)", f"{recon:.1e}", "—", None, "<= 1e-5", recon <= 1e-5,
        ),
    ]
    return rows + _lsuv_rows(quick)
