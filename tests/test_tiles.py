"""Seeded draws are tile-keyed: any row or column block can be generated alone."""

from __future__ import annotations

import mlx.core as mx
import pytest

import mlxinit
from mlxinit import _rng


@pytest.mark.parametrize("shape", [(600, 300), (257, 513), (3, 5, 7), (1000,), (4, 256)])
def test_a_block_of_tiles_drawn_alone_equals_the_same_block_of_the_whole(shape: tuple[int, ...]) -> None:
    """Drawing only the tiles of a block with their keys reproduces that block bitwise."""
    key = mx.random.key(11)

    def draw(s: tuple[int, int], k: mx.array) -> mx.array:
        return mx.random.normal(shape=list(s), key=k)

    whole = _rng.tiled(draw, shape, key).reshape(shape[0], -1)
    rows, cols = whole.shape
    tr, tc = min(_rng.TILE, rows), min(_rng.TILE, cols)
    nr, nc = -(-rows // tr), -(-cols // tc)
    keys = mx.random.split(key, nr * nc)
    i, j = nr - 1, nc - 1  # the last (cropped) tile, drawn alone
    alone = draw((tr, tc), keys[i * nc + j] if nr * nc > 1 else mx.random.split(key, 1)[0])
    block = whole[i * tr : (i + 1) * tr, j * tc : (j + 1) * tc]
    assert mx.array_equal(alone[: block.shape[0], : block.shape[1]], block).item()


def test_seeded_initializers_are_tile_keyed() -> None:
    """A seeded built-in's values equal the tile-keyed draw from its per-call key."""
    reg = mlxinit.Registry(plugins=False)
    init = reg.get("normal", std=0.5, seed=3)
    w = init(mx.zeros((300, 40)))
    # The per-call key of the first call, and the first draw's key within it (see the seeds docs).
    _, sub = mx.random.split(mx.random.key(3))
    draw_key = mx.random.split(sub, 1)[0]
    expected = _rng.tiled(lambda s, k: mx.random.normal(shape=list(s), scale=0.5, key=k), (300, 40), draw_key)
    assert mx.array_equal(w, expected).item()


def test_unseeded_draws_are_plain_mlx_draws() -> None:
    """Without a key the wrappers are exactly mx.random (MLX parity)."""
    mx.random.seed(4)
    a = _rng.normal((33, 17), scale=2.0)
    mx.random.seed(4)
    b = mx.random.normal((33, 17), scale=2.0)
    assert mx.array_equal(a, b).item()


def test_plugin_initializers_drawing_through_sampling_are_tile_keyed() -> None:
    """mlxinit.sampling gives plugin initializers the built-ins' seeded scheme."""
    init = mlxinit.get("torch:kaiming_uniform", seed=5)
    w = init(mx.zeros((300, 40)))
    _, sub = mx.random.split(mx.random.key(5))
    bound = (2.0**0.5) * (3.0 / 40) ** 0.5
    expected = _rng.tiled(
        lambda s, k: mx.random.uniform(-bound, bound, list(s), key=k), (300, 40), mx.random.split(sub, 1)[0]
    )
    assert mx.allclose(w, expected, rtol=0, atol=1e-7).item()


def test_sampling_is_mx_random_without_a_seed() -> None:
    """Unseeded, mlxinit.sampling draws exactly what mx.random draws."""
    from mlxinit import sampling

    mx.random.seed(9)
    a = (sampling.normal((5, 3), scale=2.0), sampling.uniform(-1.0, 1.0, (4,)), sampling.truncated_normal(-1, 1, (6,)))
    mx.random.seed(9)
    b = (
        mx.random.normal((5, 3), scale=2.0),
        mx.random.uniform(-1.0, 1.0, (4,)),
        mx.random.truncated_normal(-1, 1, (6,)),
    )
    assert all(mx.array_equal(x, y).item() for x, y in zip(a, b, strict=True))
