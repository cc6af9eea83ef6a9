"""5. ``orthogonal`` vs ``mlx.nn.init.orthogonal`` (and torch when installed).

Also the previous mlxinit method (LAPACK QR of the tall ``max × min`` Gaussian on the
CPU stream, sign-corrected) as a reference, a scan of the long side at a fixed short
side (linearity), and the orthogonality error ``max |QᵀQ - I|`` (float64 check of the
float32 result). MLX's own QR of a ``max²`` matrix takes about a minute at
(1024, 4096): it runs once; ``--quick`` skips it (said in the table).
"""

from __future__ import annotations

import statistics
import time

from _common import Result, fmt_s

SHAPES = [(512, 2048), (1024, 4096), (4096, 1024)]
TARGET_SPEEDUP = 10.0
TARGET_ERR = 1e-5


def _time(fn, a, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    import mlx.core as mx

    ts = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(a)
        mx.eval(out)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def _err(q: object) -> float:
    import numpy as np

    m = np.array(q, dtype=np.float64)
    g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    return float(np.abs(g - np.eye(g.shape[0])).max())


def _tall_qr(a):  # type: ignore[no-untyped-def]
    import mlx.core as mx

    rows, cols = a.shape
    tall = rows >= cols
    g = mx.random.normal((rows, cols) if tall else (cols, rows))
    q, r = mx.linalg.qr(g, stream=mx.cpu)
    q = q * mx.where(mx.diag(r) < 0, -1.0, 1.0)
    return q if tall else q.T


def run(quick: bool) -> list[Result]:
    import mlx.core as mx
    import mlx.nn as nn

    import mlxinit

    try:
        import torch
    except ImportError:
        torch = None

    ours_init = mlxinit.get("orthogonal")
    mlx_init = nn.init.orthogonal()
    out: list[Result] = []
    times: dict[tuple[int, int], float] = {}
    for shape in SHAPES:
        a = mx.zeros(shape)
        t_ours, q = _time(ours_init, a, 1 if quick else 3)
        times[shape] = t_ours
        err = _err(q)
        t_qr, _ = _time(_tall_qr, a, 1)
        run_mlx = shape == (512, 2048) or (shape == (1024, 4096) and not quick)
        if run_mlx:
            t_mlx, qm = _time(mlx_init, a, 1)
            base, ratio = fmt_s(t_mlx), t_ours / t_mlx
            note = f"MLX error {_err(qm):.1e}; "
        else:
            base, ratio = "not run", None
            note = (
                "MLX skipped (--quick); " if shape == (1024, 4096)
                else "MLX not run: same 4096² QR as (1024, 4096); "
            )
        note += f"tall-QR method (previous mlxinit): {fmt_s(t_qr)}"
        if torch is not None:
            w = torch.empty(shape)
            t0 = time.perf_counter()
            torch.nn.init.orthogonal_(w)
            note += f"; torch.nn.init.orthogonal_: {fmt_s(time.perf_counter() - t0)}"
        target = ">= 10x faster than MLX" if shape == (1024, 4096) else "faster than MLX"
        passed: bool | None = None
        if ratio is not None:
            passed = (1 / ratio >= TARGET_SPEEDUP) if shape == (1024, 4096) else ratio < 1.0
        out.append(
            Result("5. orthogonal", f"{shape} time", fmt_s(t_ours), base, ratio, target, passed, note)
        )
        out.append(
            Result(
                "5. orthogonal", f"{shape} max|QQᵀ-I| (float32)", f"{err:.1e}", "—", None,
                "<= 1e-5", err <= TARGET_ERR,
            )
        )
    sym = times[(1024, 4096)] / times[(4096, 1024)]
    out.append(
        Result(
            "5. orthogonal", "(1024, 4096) / (4096, 1024) time", f"{sym:.2f}", "—", None,
            "~1 (same work)", 0.67 <= sym <= 1.5,
        )
    )
    # Linearity in the long side at a fixed short side.
    short = 512
    longs = [2048, 4096, 8192]
    per = []
    for n in longs:
        t, _ = _time(ours_init, mx.zeros((short, n)), 1 if quick else 2)
        per.append(t / n)
    spread = max(per) / min(per)
    cells = ", ".join(f"{n}: {fmt_s(t * n)}" for n, t in zip(longs, per, strict=True))
    out.append(
        Result(
            "5. orthogonal", f"linearity: ({short}, L), time/L max/min", f"{spread:.2f}", "—", None,
            "time ~ linear in L (<= 1.5)", spread <= 1.5, cells,
        )
    )
    return out
