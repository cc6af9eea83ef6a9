"""Sharded models: which part of each full parameter a rank holds, in MLX's own vocabulary.

MLX shards with ``mlx.nn.layers.distributed``: ``"all-to-sharded"`` cuts a weight along
axis ``max(ndim - 2, 0)`` and a bias along ``-1``; ``"sharded-to-all"`` cuts a weight along
``-1`` and keeps the bias whole; with ``segments`` each segment is cut in ``N`` and rank
``r`` keeps part ``r`` of every segment; ``fully_shard`` cuts every parameter along axis 0.
A :class:`Shard` says that of one parameter, so :func:`mlxinit.apply` can draw exactly the
rank's part of the tensor a single process would build.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._errors import InvalidIdentifierError, ShapeError

__all__ = ["SHARDINGS", "Shard", "ShardingPlan", "axis_for", "record_sharding"]

SHARDINGS = ("all-to-sharded", "sharded-to-all")

#: MLX's sharded module types and how each shards its parameters.
MODULE_SHARDING = {
    "AllToShardedLinear": "all-to-sharded",
    "QuantizedAllToShardedLinear": "all-to-sharded",
    "ShardedToAllLinear": "sharded-to-all",
    "QuantizedShardedToAllLinear": "sharded-to-all",
}

Segments = int | tuple[int, ...] | tuple[float, ...]


def axis_for(sharding: str, pname: str, ndim: int) -> int | None:
    """The axis MLX shards parameter ``pname`` of ``ndim`` dimensions along (``None``: kept whole)."""
    if sharding == "fully":
        return 0
    if sharding == "all-to-sharded":
        return ndim - 1 if pname == "bias" else max(ndim - 2, 0)
    if pname == "bias":
        return None
    return ndim - 1


def check_segments(segments: Any, where: str) -> Segments:
    """MLX's ``segments``: an int, a list of split indices, or a list of fractions."""
    if isinstance(segments, bool):
        raise InvalidIdentifierError(f"{where}: segments expected an int or a list, got {segments!r}.")
    if isinstance(segments, int):
        if segments < 1:
            raise InvalidIdentifierError(f"{where}: segments expected a positive int, got {segments!r}.")
        return segments
    if isinstance(segments, (list, tuple)) and segments:
        if all(isinstance(s, int) and not isinstance(s, bool) for s in segments):
            return tuple(int(s) for s in segments)
        if all(isinstance(s, float) for s in segments):
            return tuple(float(s) for s in segments)
    raise InvalidIdentifierError(
        f"{where}: segments expected an int, a list of split indices or a list of fractions, got {segments!r}."
    )


@dataclass(frozen=True)
class Shard:
    """The part of a full parameter one rank holds.

    Attributes:
        axis: the sharded axis of the full (logical) shape.
        rank, size: this rank and the number of ranks.
        segments: MLX's ``segments`` (an int, split indices or fractions).
        sharding: ``"all-to-sharded"``, ``"sharded-to-all"`` or ``"fully"``.
    """

    axis: int
    rank: int
    size: int
    segments: Segments = 1
    sharding: str = "all-to-sharded"

    def full_shape(self, local: Sequence[int]) -> tuple[int, ...]:
        """The full shape of a parameter whose shard has shape ``local``."""
        full = list(local)
        full[self.axis] *= self.size
        return tuple(full)

    def bounds(self, n: int) -> list[tuple[int, int]]:
        """The segments of an axis of length ``n``, as ``(start, stop)``."""
        seg = self.segments
        if isinstance(seg, int):
            if n % seg:
                raise ShapeError("sharding", (n,), f"a length divisible by segments={seg}")
            step = n // seg
            return [(i * step, (i + 1) * step) for i in range(seg)]
        points = [int(s * n) for s in seg] if isinstance(seg[0], float) else [int(s) for s in seg]
        edges = [0, *points, n]
        if edges != sorted(edges):
            raise ShapeError("sharding", (n,), f"increasing split points within {n}, got {list(seg)}")
        return list(itertools.pairwise(edges))

    def pieces(self, full: Sequence[int]) -> list[tuple[int, int]]:
        """The ranges along :attr:`axis` this rank holds, in order (part ``rank`` of every segment)."""
        out = []
        for lo, hi in self.bounds(full[self.axis]):
            n = hi - lo
            if n % self.size:
                raise ShapeError(
                    "sharding", tuple(full), f"segments of axis {self.axis} divisible by {self.size} ranks"
                )
            step = n // self.size
            out.append((lo + self.rank * step, lo + (self.rank + 1) * step))
        return out

    def segment_sizes(self, full: Sequence[int]) -> list[int] | None:
        """The sizes of the segments along the axis when there are several (for per-segment fans)."""
        b = self.bounds(full[self.axis])
        return None if len(b) < 2 else [hi - lo for lo, hi in b]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """``axis 0, rank 1/2`` (and ``, segments 3``)."""
        text = f"axis {self.axis}, rank {self.rank}/{self.size}"
        if self.segments != 1:
            seg = self.segments
            text += f", segments {seg if isinstance(seg, int) else list(seg)}"
        return text


@dataclass
class ShardingPlan:
    """What the sharding calls made inside :func:`record_sharding` did, by module object."""

    #: id(module) -> (module, sharding, segments, group); the module is kept so ids stay unique.
    entries: dict[int, tuple[Any, str, Segments, Any]] = field(default_factory=dict)

    def record(self, module: Any, sharding: str, segments: Any, group: Any) -> None:
        self.entries[id(module)] = (module, sharding, check_segments(segments, "record_sharding"), group)

    def get(self, module: Any) -> tuple[str, Segments, Any] | None:
        hit = self.entries.get(id(module))
        if hit is None or hit[0] is not module:
            return None
        return hit[1], hit[2], hit[3]

    def __len__(self) -> int:
        return len(self.entries)


_record_lock = threading.Lock()


@contextlib.contextmanager
def record_sharding() -> Iterator[ShardingPlan]:
    """Record what the model's own sharding calls do, for ``apply(..., sharding=plan)``.

    Inside the block, ``shard_linear``, ``shard_inplace`` and ``fully_shard`` of
    ``mlx.nn.layers.distributed`` (also where a module imported them by name, as mlx-lm's
    models do) behave as usual and note, per module object, the sharding, the segments
    and the group. That is how fused segments and arrays sharded in place (mlx-lm's MoE
    experts) are known: MLX's sharded modules do not remember their segments.

    Example:
        >>> import mlx.nn as nn, mlxinit
        >>> with mlxinit.record_sharding() as plan:
        ...     pass  # model.shard(group), or shard_linear(...) by hand
        >>> len(plan)
        0
    """
    import mlx.nn.layers.distributed as dist

    plan = ShardingPlan()
    originals: dict[str, Any] = {
        "shard_linear": dist.shard_linear,
        "shard_inplace": dist.shard_inplace,
        "fully_shard": dist.fully_shard,
    }

    def shard_linear(module: Any, sharding: str, *, segments: Any = 1, group: Any = None) -> Any:
        out = originals["shard_linear"](module, sharding, segments=segments, group=group)
        plan.record(out, sharding, segments, group)
        return out

    def shard_inplace(module: Any, sharding: Any, *, segments: Any = 1, group: Any = None) -> Any:
        out = originals["shard_inplace"](module, sharding, segments=segments, group=group)
        if isinstance(sharding, str):
            plan.record(module, sharding, segments, group)
        return out

    def fully_shard(module: Any, *, group: Any = None, compute_dtype: Any = None) -> Any:
        out = originals["fully_shard"](module, group=group, compute_dtype=compute_dtype)
        plan.record(out, "fully", 1, group)
        return out

    wrappers = {"shard_linear": shard_linear, "shard_inplace": shard_inplace, "fully_shard": fully_shard}
    patched: list[tuple[Any, str, Any]] = []
    with _record_lock:
        for mod in list(sys.modules.values()):
            if mod is None:
                continue
            for name, original in originals.items():
                try:
                    if getattr(mod, name, None) is original:
                        patched.append((mod, name, original))
                        setattr(mod, name, wrappers[name])
                except Exception:  # a module that refuses attribute access or setting
                    continue
        try:
            yield plan
        finally:
            for mod, name, original in patched:
                setattr(mod, name, original)


def explicit_sharding(spec: Any, where: str) -> tuple[str, Segments]:
    """``"all-to-sharded"``, ``"sharded-to-all"`` or ``{"sharding": ..., "segments": ...}``."""
    segments: Any = 1
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - {"sharding", "segments"}, key=repr)
        if unknown or "sharding" not in spec:
            raise InvalidIdentifierError(
                f"{where}: expected {{'sharding': ..., 'segments': ...}}, got keys {sorted(spec, key=repr)!r}."
            )
        segments = spec.get("segments", 1)
        spec = spec["sharding"]
    if spec not in SHARDINGS:
        from ._names import close_matches

        near = close_matches(str(spec), list(SHARDINGS)) if isinstance(spec, str) else []
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise InvalidIdentifierError(f"{where}: expected one of {list(SHARDINGS)}, got {spec!r}.{hint}")
    return str(spec), check_segments(segments, where)
