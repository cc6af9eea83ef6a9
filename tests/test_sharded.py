"""Sharded init, simulated in one process: every rank's parameters are bitwise its part of the
single-process model, for N up to 8 (MLX's own slicing is the oracle)."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import pytest
from mlx.nn.layers.distributed import _all_to_sharded, _shard, _sharded_to_all, shard_linear

import mlxinit
from _sharding_models import RULES, FakeGroup, flat, fsdp_model, llama, mlp, qwen3_moe, shard_fsdp, shard_mlp


def _expected(full: mx.array, shard: mlxinit.Shard, group: FakeGroup) -> mx.array:
    """MLX's cut of ``full`` for ``shard``: part ``rank`` of every segment along its axis."""
    return _shard({"w": full}, lambda path, w: (shard.axis, shard.segments), group)["w"]  # type: ignore[arg-type]


def _check_rank(model: nn.Module, report: mlxinit.ApplyReport, reference: dict[str, mx.array], group: FakeGroup) -> int:
    got = flat(model)
    shards = 0
    for row in report.rows:
        want = reference[row.path.replace(".module.", ".")]
        if row.shard is not None:
            shards += 1
            assert row.full_shape == tuple(want.shape)
            want = _expected(want, row.shard, group)
        assert bool(mx.array_equal(got[row.path], want)), (group.rank(), group.size(), row.path)
    return shards


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8])
def test_hand_sharded_mlp_equals_the_single_process_model(n: int) -> None:
    """shard_linear (fused segments, sharded-to-all) and shard_inplace: each rank holds its part, bitwise."""
    reference = mlp(n)
    mlxinit.apply(reference, RULES, seed=5)
    ref = flat(reference)
    for r in range(n):
        model, group = mlp(n), FakeGroup(r, n)
        with mlxinit.record_sharding() as plan:
            shard_mlp(model, group)
        report = mlxinit.apply(model, RULES, seed=5, sharding=plan)
        assert _check_rank(model, report, ref, group) == (0 if n == 1 else 5)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_fully_sharded_modules_are_keyed_by_their_unwrapped_path(n: int) -> None:
    """fully_shard: axis-0 shards, keyed by the path without the wrapper's '.module'."""
    rules = {**RULES, "layers.1.*": "ones"}
    reference = fsdp_model(n)
    mlxinit.apply(reference, rules, seed=2)
    ref = flat(reference)
    for r in range(n):
        model, group = fsdp_model(n), FakeGroup(r, n)
        with mlxinit.record_sharding() as plan:
            shard_fsdp(model, group)
        report = mlxinit.apply(model, rules, seed=2, sharding=plan)
        assert "layers.0.module.weight" in {row.path for row in report.rows}
        assert _check_rank(model, report, ref, group) == 4


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("family", [llama, qwen3_moe])
def test_mlx_lm_model_shard(n: int, family: object) -> None:
    """mlx-lm's own model.shard(group) (shard_linear for attention/MLP, shard_inplace for experts)."""
    build = family  # type: ignore[assignment]
    reference = build()  # type: ignore[operator]
    mlxinit.apply(reference, preset="llama", seed=9, strict=True)
    ref = flat(reference)
    for r in range(n):
        model, group = build(), FakeGroup(r, n)  # type: ignore[operator]
        with mlxinit.record_sharding() as plan:
            model.shard(group)
        report = mlxinit.apply(model, preset="llama", seed=9, strict=True, sharding=plan)
        assert _check_rank(model, report, ref, group) == 14


@pytest.mark.parametrize("n", [2, 4])
def test_quantized_sharded_layers(n: int) -> None:
    """Quantized sharded linears: drawn in float at their logical full shape, the shard quantized."""

    def build() -> nn.Module:
        m = nn.Sequential(nn.Linear(64, 128), nn.Linear(128, 64))
        nn.quantize(m, group_size=32, bits=4)
        return m

    rules = {"*.weight": "glorot_uniform", "*.bias": "zeros"}
    reference = build()
    mlxinit.apply(reference, rules, seed=2)
    ref = flat(reference)
    for r in range(n):
        model, group = build(), FakeGroup(r, n)
        model.layers[0] = shard_linear(model.layers[0], "all-to-sharded", group=group)  # type: ignore[attr-defined]
        model.layers[1] = shard_linear(model.layers[1], "sharded-to-all", group=group)  # type: ignore[attr-defined]
        report = mlxinit.apply(model, rules, seed=2)  # recognised by module type, no plan needed
        assert report.quantized == ["layers.0.weight", "layers.1.weight"]
        got = flat(model)
        for i, pred in enumerate((_all_to_sharded(1), _sharded_to_all(1))):
            parts = {k: ref[f"layers.{i}.{k}"] for k in ("weight", "scales", "biases", "bias")}
            for k, v in _shard(parts, pred, group).items():  # type: ignore[arg-type]
                assert bool(mx.array_equal(got[f"layers.{i}.{k}"], v)), (r, i, k)


def test_sharded_module_types_are_recognised_without_a_plan() -> None:
    """AllToShardedLinear / ShardedToAllLinear say their own sharding; type:Linear rules reach them."""
    group = FakeGroup(1, 2)
    model = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 8))
    model.layers[0] = shard_linear(model.layers[0], "all-to-sharded", group=group)  # type: ignore[attr-defined]
    model.layers[1] = shard_linear(model.layers[1], "sharded-to-all", group=group)  # type: ignore[attr-defined]
    report = mlxinit.apply(model, {nn.Linear: "he_uniform", "*.bias": "zeros"}, seed=0, strict=True)
    rows = {r.path: r for r in report.rows}
    assert str(rows["layers.0.weight"].shard) == "axis 0, rank 1/2"
    assert rows["layers.0.weight"].full_shape == (16, 8)
    assert rows["layers.1.weight"].expected_std == pytest.approx(1 / 16**0.5)  # fans of the full weight
    assert rows["layers.1.bias"].shard is None
    text = str(report)
    assert "full shape" in text.splitlines()[0]
    assert "axis 1, rank 1/2" in text


def test_explicit_sharding_mapping() -> None:
    """sharding= a mapping from globs to MLX's vocabulary shards arrays MLX's types do not describe."""
    n = 2
    reference = nn.Sequential(nn.Linear(8, 12))
    mlxinit.apply(reference, RULES, seed=4)
    ref = flat(reference)
    for r in range(n):
        group = FakeGroup(r, n)
        model = nn.Sequential(nn.Linear(8, 12))
        local = _shard(model.parameters(), _all_to_sharded(3), group)  # type: ignore[arg-type]
        model.update(local)
        spec = {"layers.0": {"sharding": "all-to-sharded", "segments": 3}}
        report = mlxinit.apply(model, RULES, seed=4, sharding=spec, group=group)
        assert _check_rank(model, report, ref, group) == 2


@pytest.mark.parametrize(
    ("sharding", "match"),
    [
        ({"*": "all-to-shard"}, r"Did you mean 'all-to-sharded'"),
        ({"*": {"sharding": "sharded-to-all", "segment": 2}}, r"expected \{'sharding'"),
        ({"*": {"sharding": "sharded-to-all", "segments": 0}}, r"positive int"),
        ("all-to-sharded", r"expected a plan from mlxinit.record_sharding\(\) or a mapping"),
    ],
)
def test_bad_sharding_specs(sharding: object, match: str) -> None:
    """A malformed sharding= raises InvalidIdentifierError saying what was expected."""
    model = nn.Sequential(nn.Linear(4, 4))
    with pytest.raises(mlxinit.InvalidIdentifierError, match=match):
        mlxinit.apply(model, RULES, seed=0, sharding=sharding, group=FakeGroup(0, 2))  # type: ignore[arg-type]


def test_record_sharding_restores_the_functions() -> None:
    """After the block, MLX's functions (and the names modules imported) are the originals again."""
    import mlx.nn.layers.distributed as dist
    from mlx_lm.models import llama as family

    before = (dist.shard_linear, dist.shard_inplace, dist.fully_shard, family.shard_linear)
    with mlxinit.record_sharding():
        assert dist.shard_linear is not before[0]
        assert family.shard_linear is not before[3]
    assert (dist.shard_linear, dist.shard_inplace, dist.fully_shard, family.shard_linear) == before


def test_coupled_initializers_are_drawn_whole_and_cut() -> None:
    """orthogonal couples the whole matrix: each rank draws it whole, keeps its part, and the report says so."""
    rules = {"*.weight": "orthogonal", "*.bias": "zeros"}
    reference = nn.Sequential(nn.Linear(8, 16))
    mlxinit.apply(reference, rules, seed=6)
    ref = flat(reference)
    for r in range(2):
        group = FakeGroup(r, 2)
        model = nn.Sequential(nn.Linear(8, 16))
        model.layers[0] = shard_linear(model.layers[0], "all-to-sharded", group=group)  # type: ignore[attr-defined]
        report = mlxinit.apply(model, rules, seed=6)
        assert report.rows[0].status == "initialized (drawn whole, then cut)"
        assert _check_rank(model, report, ref, group) == 2


@pytest.mark.parametrize("n", [2, 3])
def test_regenerate_a_sharded_model_from_a_step0_checkpoint(tmp_path: object, n: int) -> None:
    """mlxinit.regenerate on each rank's sharded model gives its part of the saved full weights, bitwise."""
    import pathlib

    recipe = {"rules": RULES, "seed": 13}
    whole = mlp(n)
    mlxinit.apply(whole, mlxinit.Recipe.from_dict(recipe))
    path = mlxinit.save(whole, pathlib.Path(str(tmp_path)) / "step0", recipe)
    ref = flat(whole)
    for r in range(n):
        model, group = mlp(n), FakeGroup(r, n)
        with mlxinit.record_sharding() as plan:
            shard_mlp(model, group)
        report = mlxinit.regenerate(path, model, sharding=plan)  # checks every shard against the file
        assert _check_rank(model, report, ref, group) == 5


def test_regenerate_refuses_a_sharded_model_of_another_size(tmp_path: object) -> None:
    """A sharded model whose full shapes are not the saved ones is refused before anything changes."""
    import pathlib

    recipe = {"rules": RULES, "seed": 13}
    whole = mlp(2)
    mlxinit.apply(whole, mlxinit.Recipe.from_dict(recipe))
    path = mlxinit.save(whole, pathlib.Path(str(tmp_path)) / "step0", recipe)
    model, group = mlp(3), FakeGroup(0, 3)
    with mlxinit.record_sharding() as plan:
        shard_mlp(model, group)
    with pytest.raises(mlxinit.MlxinitError, match="another shape"):
        mlxinit.regenerate(path, model, sharding=plan)
