"""Weight layouts: which axes are fan-in, fan-out and batch (stacked experts), and fused segments.

MLX stores a weight as ``(out, *spatial, in)``; that reading is the default. A
:class:`Layout` changes it the way ``jax.nn.initializers.variance_scaling`` does with
``in_axis``, ``out_axis`` and ``batch_axis`` (axes of the full shape), and adds
``segments``: a weight that fuses several projections along its output axis (q, k, v in
one matrix), each segment an independent matrix with its own fans.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import InvalidParameterError, ParameterTypeError, ShapeError

__all__ = ["LAYOUT_PARAMS", "Layout", "check_layout"]

#: The hyper-parameters through which fan-based initializers take a layout.
LAYOUT_PARAMS = ("in_axis", "out_axis", "batch_axis", "segments")


def _int(name: str, param: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterTypeError(name, param, "an int axis", value)
    return value


@dataclass(frozen=True)
class Layout:
    """Which axes of a weight are fan-in, fan-out and batch, and how its output axis is segmented.

    Attributes:
        in_axis, out_axis: axes of the full shape (negative counts from the end); ``None``
            reads the non-batch axes in MLX's ``(out, *spatial, in)`` layout.
        batch_axis: axes that stack independent matrices (experts); they count in no fan.
        segments: ``None``; an ``int`` (that many equal parts); or a tuple of sizes along the
            output axis, summing to its length.
    """

    in_axis: int | None = None
    out_axis: int | None = None
    batch_axis: tuple[int, ...] = ()
    segments: int | tuple[int, ...] | None = None

    @property
    def is_default(self) -> bool:
        """MLX's plain reading: no axes given and at most one segment."""
        return (
            self.in_axis is None
            and self.out_axis is None
            and not self.batch_axis
            and self.segments in (None, 1)
        )

    def describe(self) -> str:
        """The non-default fields as ``key=value`` text (``""`` for MLX's layout)."""
        parts = []
        if self.in_axis is not None:
            parts.append(f"in_axis={self.in_axis}")
        if self.out_axis is not None:
            parts.append(f"out_axis={self.out_axis}")
        if self.batch_axis:
            b = self.batch_axis
            parts.append(f"batch_axis={b[0] if len(b) == 1 else list(b)}")
        if self.segments not in (None, 1):
            s = self.segments
            parts.append(f"segments={s if isinstance(s, int) else list(s)}")
        return ", ".join(parts)

    def axes(self, shape: Sequence[int], name: str) -> tuple[int, int, tuple[int, ...]]:
        """``(in_axis, out_axis, batch_axes)`` as non-negative axes of ``shape``.

        Raises:
            ShapeError: an axis is out of range, axes coincide, or no matrix is left.
        """
        nd = len(shape)

        def norm(a: int, what: str) -> int:
            if not -nd <= a < nd:
                raise ShapeError(name, tuple(shape), f"{what} {a} within its {nd} dimensions")
            return a % nd

        batch = tuple(sorted({norm(b, "batch_axis") for b in self.batch_axis}))
        rest = [i for i in range(nd) if i not in batch]
        if len(rest) < 2:
            raise ShapeError(name, tuple(shape), "at least 2 dimensions besides the batch axes")
        in_ax = rest[-1] if self.in_axis is None else norm(self.in_axis, "in_axis")
        out_ax = rest[0] if self.out_axis is None else norm(self.out_axis, "out_axis")
        if in_ax == out_ax or in_ax in batch or out_ax in batch:
            raise ShapeError(name, tuple(shape), "distinct in, out and batch axes")
        return in_ax, out_ax, batch

    def segment_sizes(self, shape: Sequence[int], name: str) -> tuple[int, ...]:
        """The sizes of the segments along the output axis (one segment when there are none)."""
        _, out_ax, _ = self.axes(shape, name)
        out = shape[out_ax]
        seg = self.segments
        if seg is None or seg == 1:
            return (out,)
        if isinstance(seg, int):
            if out == 0:  # an empty output axis: every segment is empty, as one is
                return (0,)
            if out % seg:
                raise ShapeError(name, tuple(shape), f"an output axis (length {out}) divisible by segments={seg}")
            return (out // seg,) * seg
        if sum(seg) != out:
            raise ShapeError(
                name, tuple(shape), f"segments {list(seg)} summing to the output axis' length {out}"
            )
        return seg

    def fans(self, shape: Sequence[int], name: str) -> list[tuple[int, int, int]]:
        """``[(fan_in, fan_out, size), ...]`` per segment along the output axis.

        The receptive field is the product of the axes that are neither in, out nor batch.
        """
        in_ax, out_ax, batch = self.axes(shape, name)
        rf = math.prod(s for i, s in enumerate(shape) if i not in (in_ax, out_ax, *batch))
        fan_in = shape[in_ax] * rf
        return [(fan_in, size * rf, size) for size in self.segment_sizes(shape, name)]


def check_layout(
    name: str,
    in_axis: Any = None,
    out_axis: Any = None,
    batch_axis: Any = (),
    segments: Any = None,
) -> Layout:
    """Validate layout hyper-parameters when an initializer is built.

    Raises:
        ParameterTypeError: an axis is not an int, or ``segments`` is neither an int nor a list of ints.
        InvalidParameterError: a segment size is not positive.

    Example:
        >>> check_layout("he_normal", batch_axis=0).fans((8, 1024, 512), "he_normal")
        [(512, 1024, 1024)]
        >>> check_layout("glorot_uniform", segments=3).fans((768, 256), "glorot_uniform")
        [(256, 256, 256), (256, 256, 256), (256, 256, 256)]
    """
    ia = None if in_axis is None else _int(name, "in_axis", in_axis)
    oa = None if out_axis is None else _int(name, "out_axis", out_axis)
    if batch_axis is None:
        batch: tuple[int, ...] = ()
    elif isinstance(batch_axis, (list, tuple)):
        batch = tuple(_int(name, "batch_axis", b) for b in batch_axis)
    else:
        batch = (_int(name, "batch_axis", batch_axis),)
    seg: int | tuple[int, ...] | None
    if segments is None:
        seg = None
    elif isinstance(segments, (list, tuple)):
        if not segments:
            raise InvalidParameterError(name, "segments", "a positive int or a non-empty list of sizes", segments)
        sizes = []
        for s in segments:
            if isinstance(s, bool) or not isinstance(s, int):
                raise ParameterTypeError(name, "segments", "a positive int or a list of positive ints", segments)
            if not 1 <= s < 2**31:  # each size is part of an MLX dimension
                raise InvalidParameterError(name, "segments", "sizes >= 1 (and below 2**31)", segments)
            sizes.append(s)
        seg = tuple(sizes)
    elif isinstance(segments, bool) or not isinstance(segments, int):
        raise ParameterTypeError(name, "segments", "a positive int or a list of positive ints", segments)
    elif not 1 <= segments < 2**31:  # at most one segment per row of an MLX dimension
        raise InvalidParameterError(name, "segments", "a positive int below 2**31", segments)
    else:
        seg = segments
    return Layout(ia, oa, batch, seg)
