"""A large keyed draw spreads its tiles over one stream per core: the same bits as one stream."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import pytest

import mlxinit
from mlxinit import _parallel, _rng


@pytest.mark.parametrize("name", ["normal", "uniform", "glorot_uniform", "truncated_normal"])
def test_split_draws_are_bitwise_the_single_stream_draws(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """With the split threshold lowered, a keyed draw (and a region of it) equals the unsplit one."""
    init = mlxinit.get(name)
    key = mx.random.key(3)
    whole = init((600, 700), key=key)
    part = init((600, 700), key=key, region=(slice(100, 520), slice(30, 650)))
    monkeypatch.setattr(_rng, "SPLIT_MIN", 1)
    monkeypatch.setattr(_parallel, "available_cores", lambda: 2)
    assert bool(mx.array_equal(init((600, 700), key=key), whole))
    assert bool(mx.array_equal(init((600, 700), key=key, region=(slice(100, 520), slice(30, 650))), part))


def test_no_split_inside_apply_scheduling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draws apply already placed on a worker's stream stay there (may_split is off inside place())."""
    seen: list[bool] = []
    original = _parallel.may_split

    def spy() -> bool:
        seen.append(original())
        return seen[-1]

    monkeypatch.setattr(_rng, "SPLIT_MIN", 1)
    monkeypatch.setattr(_parallel, "may_split", spy)
    model = nn.Sequential(nn.Linear(300, 300), nn.Linear(300, 300))
    mlxinit.apply(model, {"*.weight": "normal", "*.bias": "zeros"}, seed=0, workers=2)
    assert seen
    assert not any(seen)
