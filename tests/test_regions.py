"""Regions: any rectangular part of a tensor, bitwise the same part of the full draw, at cost of the part."""

from __future__ import annotations

import math

import mlx.core as mx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlxinit
from mlxinit import _rng

CASES = [
    ("normal", {"std": 0.5}),
    ("uniform", {"low": -1.0, "high": 2.0}),
    ("truncated_normal", {"std": 0.3}),
    ("glorot_normal", {}),
    ("glorot_uniform", {"dtype": "bf16"}),
    ("he_normal", {"mode": "fan_out"}),
    ("he_uniform", {}),
    ("lecun_normal", {}),
    ("lecun_uniform", {"dtype": "fp16"}),
    ("variance_scaling", {}),
    ("variance_scaling", {"distribution": "uniform", "segments": [100, 200, 220]}),
    ("glorot_uniform", {"segments": 4}),
    ("sparse", {"sparsity": 0.3}),
    ("constant", {"value": 0.5}),
    ("zeros", {}),
    ("orthogonal", {}),
    ("eye", {}),
]


def _cut(a: mx.array, region: tuple[tuple[int, int], ...]) -> mx.array:
    return a[tuple(slice(lo, hi) for lo, hi in region)]


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize(
    "region",
    [((0, 260), (0, 270)), ((260, 520), (0, 270)), ((0, 520), (135, 270)), ((17, 301), (250, 263))],
)
def test_region_is_the_same_part_of_the_full_draw(
    registry: mlxinit.Registry, name: str, params: dict[str, object], region: tuple[tuple[int, int], ...]
) -> None:
    """init(shape, key=k, region=r) == init(shape, key=k)[r], bitwise, for every built-in."""
    init = registry.get(name, **params)
    k = mx.random.key(7)
    full = init((520, 270), key=k)
    part = init((520, 270), key=k, region=region)
    assert bool(mx.array_equal(part, _cut(full, region))), name


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_tiled_regions_of_any_rank(data: st.DataObject) -> None:
    """Tile-keyed draws: any region of any shape up to 4-D equals the cut of the full draw."""
    # Up to 4-D, at most ~200k elements: every tile layout (1 or several tiles per axis) is reached.
    dims = data.draw(st.lists(st.integers(1, 300), min_size=1, max_size=4))
    while math.prod(dims) > 200_000:
        dims[dims.index(max(dims))] //= 2
    shape = tuple(dims)
    region = []
    for n in shape:
        lo = data.draw(st.integers(0, n - 1))
        hi = data.draw(st.integers(lo + 1, n))
        region.append((lo, hi))
    key = mx.random.key(data.draw(st.integers(0, 2**32 - 1)))
    init = mlxinit.get("uniform")
    full = init(shape, key=key)
    assert bool(mx.array_equal(init(shape, key=key, region=tuple(region)), _cut(full, tuple(region))))


def test_region_draws_only_the_tiles_it_touches() -> None:
    """A row block of a (1024, 512) weight draws only its tiles: the vmapped batch has 2 tiles, not 8."""
    seen: list[int] = []

    def draw(shape: tuple[int, int], key: mx.array) -> mx.array:
        seen.append(1)
        return mx.random.normal(list(shape), key=key)

    batched: list[tuple[int, ...]] = []
    original_vmap = mx.vmap

    def spy(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        inner = original_vmap(fn, *args, **kwargs)

        def call(keys: mx.array) -> mx.array:
            batched.append(tuple(keys.shape))
            return inner(keys)

        return call

    mx.vmap = spy
    try:
        _rng.tiled(draw, (1024, 512), mx.random.key(0), ((256, 512), (0, 512)))
    finally:
        mx.vmap = original_vmap
    assert batched == [(2, 2)]


def test_unkeyed_regions_cut_the_global_draw(registry: mlxinit.Registry) -> None:
    """Without a key, a region is the cut of mlx.nn.init's draw under the same global seed."""
    init = registry.get("glorot_uniform")
    mx.random.seed(3)
    full = init((64, 32))
    mx.random.seed(3)
    assert bool(mx.array_equal(init((64, 32), region=(slice(8, 16),)), full[8:16]))


def test_fans_come_from_the_full_shape(registry: mlxinit.Registry) -> None:
    """A region's values have the std of the full tensor's fans, not of the region's shape."""
    w = registry.get("he_normal")((4096, 512), key=mx.random.key(0), region=(slice(0, 256),))
    assert w.shape == (256, 512)
    assert float(mx.std(w)) == pytest.approx(1 / 512**0.5, rel=0.02)


@pytest.mark.parametrize(
    ("region", "match"),
    [
        ((slice(0, 4, 2),), "step 1"),
        (((0, 9),), r"within the shape"),
        ((slice(None), slice(None), slice(None)), "at most 2 axes"),
        (("a",), "a slice or a"),
        (3, "a tuple of slices"),
    ],
)
def test_bad_regions_are_shape_errors(registry: mlxinit.Registry, region: object, match: str) -> None:
    """A region that is not a within-bounds box of unit-step slices raises ShapeError."""
    with pytest.raises(mlxinit.ShapeError, match=match):
        registry.get("normal")((8, 4), key=mx.random.key(0), region=region)  # type: ignore[arg-type]


def test_plugin_closures_without_region_are_drawn_whole_and_cut(registry: mlxinit.Registry) -> None:
    """A closure that takes no region still gives the right part (drawn whole, then cut)."""
    registry.register("plain", lambda *, dtype=mx.float32: (lambda a, *, key=None: mx.arange(a.size).reshape(a.shape)))
    init = registry.get("plain")
    assert not init.takes_region
    assert init((4, 3), region=(slice(1, 3), slice(0, 2))).tolist() == [[3, 4], [6, 7]]
    assert registry.get("normal").takes_region
