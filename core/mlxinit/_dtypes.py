"""Dtype names accepted by :func:`mlxinit.get`."""

from __future__ import annotations

from typing import Any

import mlx.core as mx

from ._errors import DtypeError

__all__ = ["FLOAT_DTYPES", "dtype_name", "resolve_dtype"]

#: Floating dtypes initializers may produce, by every accepted spelling.
FLOAT_DTYPES: dict[str, mx.Dtype] = {
    "float32": mx.float32,
    "fp32": mx.float32,
    "f32": mx.float32,
    "float": mx.float32,
    "single": mx.float32,
    "float16": mx.float16,
    "fp16": mx.float16,
    "f16": mx.float16,
    "half": mx.float16,
    "bfloat16": mx.bfloat16,
    "bf16": mx.bfloat16,
}

_EXPECTED = "a floating mx.Dtype or one of 'float32', 'float16', 'bfloat16' (or 'fp32', 'fp16', 'half', 'bf16')"

_NAMES = {mx.float32: "float32", mx.float16: "float16", mx.bfloat16: "bfloat16"}


def resolve_dtype(dtype: Any) -> mx.Dtype | None:
    """Turn a dtype or dtype name into a floating ``mx.Dtype`` (``None`` stays ``None``).

    Raises:
        DtypeError: an unknown name, a non-floating dtype, or something that is not a dtype.
    """
    if dtype is None:
        return None
    if isinstance(dtype, mx.Dtype):
        if dtype in _NAMES:
            return dtype
        raise DtypeError(dtype, _EXPECTED)
    if isinstance(dtype, str):
        found = FLOAT_DTYPES.get(dtype.strip().lower().removeprefix("mlx.core.").removeprefix("mx."))
        if found is not None:
            return found
    raise DtypeError(dtype, _EXPECTED)


def dtype_name(dtype: mx.Dtype) -> str:
    """The canonical name of a floating dtype (``"bfloat16"``)."""
    return _NAMES[dtype]
