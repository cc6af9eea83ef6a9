"""Hugging Face transformers' special-purpose initializers (the ``hf:`` namespace).

These are the fills ``transformers`` writes into state-space layers that no generic
initializer expresses: Mamba's S4D-real ``A_log`` and the inverse-softplus time-step bias.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mlx.core as mx

import mlxinit
from mlxinit import sampling
from mlxinit.validate import check_real

Key = mx.array | None


def _std_of_log_arange(n: int) -> float:
    """The population std of ``log(1), …, log(n)``."""
    logs = [math.log(i) for i in range(1, n + 1)]
    mean = sum(logs) / n
    return math.sqrt(sum((v - mean) ** 2 for v in logs) / n)


def mamba_a_log(*, dtype: mx.Dtype = mx.float32) -> mlxinit.Fill:
    """Mamba's S4D-real ``A_log``: ``log(1), log(2), …, log(N)`` along the last axis.

    Every row of an ``(d_inner, N)`` array (Mamba) holds ``log(arange(1, N + 1))``; a 1-D
    array of ``n`` heads (Mamba-2) holds ``log(arange(1, n + 1))``. The values are
    deterministic (no key is read); ``expected_std`` is the population std of
    ``log(1..N)``.

    Source: Hugging Face transformers, ``src/transformers/models/mamba/modeling_mamba.py``,
    ``MambaPreTrainedModel._init_weights`` (``A = arange(1, ssm_state_size + 1)``;
    ``A_log = log(A)``), and ``models/mamba2/modeling_mamba2.py`` (``arange(1, num_heads + 1)``).
    Gu et al. (2022), https://arxiv.org/abs/2206.11893 (S4D-Real).

    Raises:
        ShapeError: a 0-D array (there is no state axis).

    Example:
        >>> import mlxinit
        >>> [round(v, 4) for v in mlxinit.get("hf:mamba_a_log")((2, 3)).tolist()[1]]
        [0.0, 0.6931, 1.0986]
    """
    name = "hf:mamba_a_log"

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        shape = tuple(a.shape)
        if not shape:
            raise mlxinit.ShapeError(name, shape, "an array of 1+ dimensions (the state axis last)")
        row = mx.log(mx.arange(1, shape[-1] + 1, dtype=mx.float32))
        return mx.broadcast_to(row, shape).astype(dtype)

    def expected(shape: tuple[int, ...]) -> float:
        if not shape or math.prod(shape) == 0:
            return 0.0
        return _std_of_log_arange(shape[-1])

    return mlxinit.Fill(init, expected, "structured")


def _inverse_softplus(dt: float) -> float:
    """``x`` with ``softplus(x) = log(1 + exp(x)) = dt``: ``dt + log(-expm1(-dt))``."""
    return dt + math.log(-math.expm1(-dt))


@functools.lru_cache(maxsize=64)
def _dt_bias_std(dt_min: float, dt_max: float, dt_floor: float) -> float:
    """The std of ``inverse_softplus(max(dt_floor, exp(U(log dt_min, log dt_max))))``, by the
    midpoint rule on the uniform variable (16384 points: far below any sampling error)."""
    n = 16384
    lo, span = math.log(dt_min), math.log(dt_max) - math.log(dt_min)
    vals = [_inverse_softplus(max(dt_floor, math.exp(lo + span * (i + 0.5) / n))) for i in range(n)]
    mean = math.fsum(vals) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / n)


def mamba_dt_bias(
    dt_min: float = 0.001,
    dt_max: float = 0.1,
    dt_floor: float = 1e-4,
    *,
    dtype: mx.Dtype = mx.float32,
) -> mlxinit.Fill:
    """Mamba's time-step bias: the inverse softplus of a log-uniform ``dt``.

    ``dt = exp(u · (log dt_max − log dt_min) + log dt_min)`` with ``u ~ U(0, 1)``, clamped
    below at ``dt_floor``; the value is ``dt + log(−expm1(−dt))``, so that
    ``softplus(bias) = dt``: at initialization the time steps are log-uniform in
    ``[dt_min, dt_max]``. Drawn in float32, then cast.

    Source: Hugging Face transformers, ``src/transformers/models/mamba/modeling_mamba.py``,
    ``MambaPreTrainedModel._init_weights`` (``dt_proj.bias``; ``time_step_min``,
    ``time_step_max``, ``time_step_floor`` of ``MambaConfig``), and Mamba-2's ``dt_bias``.
    Gu & Dao (2023), https://arxiv.org/abs/2312.00752.

    Args:
        dt_min: the smallest time step, ``> 0``. Default: ``0.001``.
        dt_max: the largest time step, ``> dt_min``. Default: ``0.1``.
        dt_floor: the clamp below, ``>= 0``. Default: ``1e-4``.

    Example:
        >>> import mlx.core as mx, mlxinit
        >>> b = mlxinit.get("hf:mamba_dt_bias", seed=0)((1000,))
        >>> dt = mx.log1p(mx.exp(b))  # softplus
        >>> bool(mx.all(dt >= 0.001 - 1e-6)) and bool(mx.all(dt <= 0.1 + 1e-6))
        True
    """
    name = "hf:mamba_dt_bias"
    dt_min = check_real(name, "dt_min", dt_min, gt=0.0)
    dt_max = check_real(name, "dt_max", dt_max, gt=0.0)
    dt_floor = check_real(name, "dt_floor", dt_floor, ge=0.0)
    if dt_max <= dt_min:
        raise mlxinit.InvalidParameterError(name, "dt_max", f"a number > dt_min ({dt_min})", dt_max)
    # dt is computed in float32 and the bias is about dt for a large dt, log(dt) for a small one:
    # both ends must be finite there (and the largest in ``dtype``).
    largest = min(float(mx.finfo(mx.float32).max), float(mx.finfo(dtype).max))
    for option, value in (("dt_max", dt_max), ("dt_floor", dt_floor)):
        if value > largest:
            raise mlxinit.InvalidParameterError(name, option, f"a number <= {largest:.6g} (the dtype's largest)", value)
    tiny = float(mx.finfo(mx.float32).smallest_normal)
    if max(dt_min, dt_floor) < tiny:
        raise mlxinit.InvalidParameterError(
            name, "dt_min", f"dt_min or dt_floor >= {tiny:.6g} (float32's smallest normal; log(0) is -inf)", dt_min
        )
    lo, span = math.log(dt_min), math.log(dt_max) - math.log(dt_min)

    def init(a: mx.array, *, key: Key = None) -> mx.array:
        u = sampling.uniform(0.0, 1.0, a.shape, dtype=mx.float32, key=key)
        dt = mx.maximum(mx.exp(u * span + lo), dt_floor)
        return (dt + mx.log(-mx.expm1(-dt))).astype(dtype)

    def expected(shape: tuple[int, ...]) -> float:
        return 0.0 if math.prod(shape) == 0 else _dt_bias_std(dt_min, dt_max, dt_floor)

    return mlxinit.Fill(init, expected)


HF: dict[str, Callable[..., Any]] = {
    "mamba_a_log": mamba_a_log,
    "mamba_dt_bias": mamba_dt_bias,
}
