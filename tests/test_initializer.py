"""The Initializer value: frozen config, explicit keys, seeds without global state."""

from __future__ import annotations

import threading
import warnings

import mlx.core as mx
import mlx.nn as nn
import pytest

import mlxinit
from mlxinit import sampling


def _eq(a: mx.array, b: mx.array) -> bool:
    return bool(mx.array_equal(a, b))


def _global_state() -> list[int]:
    return [int(v) for v in mx.random.state[0].tolist()]  # type: ignore[index, union-attr]


def test_get_returns_a_frozen_value(registry: mlxinit.Registry) -> None:
    """get() returns an Initializer whose config cannot be changed, so later gets are unaffected."""
    a = registry.get("normal", std=0.02)
    assert isinstance(a, mlxinit.Initializer)
    with pytest.raises(TypeError):
        a.config["std"] = 5.0  # type: ignore[index]
    with pytest.raises(AttributeError, match="frozen"):
        a.name = "uniform"  # type: ignore[misc]
    b = registry.get("normal", std=0.02)
    assert mlxinit.serialize(b) == {"name": "normal", "std": 0.02}
    assert a == b
    assert hash(a) == hash(b)
    assert a != registry.get("normal", std=0.03)
    assert repr(a) == "Initializer(normal, std=0.02)"


def test_serialize_round_trips_to_an_equal_value(registry: mlxinit.Registry) -> None:
    """get(serialize(init)) == init, for names, dtypes, seeds and keys."""
    for init in (
        registry.get("he_uniform", mode="fan_out", dtype="bf16"),
        registry.get("truncated_normal", std=0.5, seed=9),
        registry.get("uniform", key=mx.random.key(4)),
    ):
        again = registry.get(mlxinit.serialize(init))
        assert again == init
        assert again.config == init.config


def test_call_with_a_shape(registry: mlxinit.Registry) -> None:
    """init(shape) with a tuple or list returns a fresh array of that shape in the initializer's dtype."""
    w = registry.get("normal", std=0.5, dtype="fp16")((4, 3))
    assert w.shape == (4, 3)
    assert w.dtype == mx.float16
    assert registry.get("ones")([2, 2]).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert registry.get("glorot_uniform")((8, 4)).dtype == mx.float32


@pytest.mark.parametrize("bad", [(2, -1), (2.0, 3), (True, 2), ("a",)])
def test_a_bad_shape_is_a_shape_error(registry: mlxinit.Registry, bad: tuple[object, ...]) -> None:
    """A shape with negative, float, bool or string entries raises ShapeError naming it."""
    with pytest.raises(mlxinit.ShapeError, match="a shape of non-negative ints"):
        registry.get("normal")(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 3, "abc", {"shape": (2,)}])
def test_a_non_array_is_a_parameter_type_error(registry: mlxinit.Registry, bad: object) -> None:
    """Something that is neither an array nor a shape raises ParameterTypeError."""
    init = registry.get("normal")
    with pytest.raises(mlxinit.ParameterTypeError, match=r"an mx.array or a shape"):
        init(bad)  # type: ignore[arg-type]


def test_a_bad_key_is_refused(registry: mlxinit.Registry) -> None:
    """key= must be an mx.random.key (a (2,) uint32 array)."""
    with pytest.raises(mlxinit.ParameterTypeError, match=r"mx.random.key"):
        registry.get("normal")((2,), key=mx.array([1, 2]))


def test_explicit_key_is_pure_and_leaves_the_global_generator_alone(registry: mlxinit.Registry) -> None:
    """init(a, key=k) depends only on k: same values twice, whatever the global state, which it never moves."""
    k = mx.random.key(11)
    for name in ("normal", "uniform", "glorot_normal", "truncated_normal", "sparse", "orthogonal"):
        params = {"sparsity": 0.5} if name == "sparse" else {}
        init = registry.get(name, **params)
        mx.random.seed(1)
        before = _global_state()
        first = init((16, 8), key=k)
        mx.eval(first)
        assert _global_state() == before, name
        mx.random.seed(2)
        assert _eq(first, init((16, 8), key=k)), name


def test_seeded_calls_never_touch_the_global_generator(registry: mlxinit.Registry) -> None:
    """A seeded initializer's calls leave MLX's global generator exactly where it was."""
    init = registry.get("he_normal", seed=5)
    mx.random.seed(3)
    before = _global_state()
    mx.eval(init((32, 32)), init((32, 32)))
    assert _global_state() == before


def test_seed_stream_follows_the_documented_scheme(registry: mlxinit.Registry) -> None:
    """Call i of a seed-s initializer equals init(a, key=split chain i of key(s))."""
    init = registry.get("normal", std=0.3, seed=21)
    keyed = registry.get("normal", std=0.3)
    k = mx.random.key(21)
    for _ in range(3):
        k, sub = mx.random.split(k)
        assert _eq(init((5, 7)), keyed((5, 7), key=sub))


def test_interleaved_seeded_initializers_give_the_serial_values(registry: mlxinit.Registry) -> None:
    """Two seeded initializers called alternately give what each gives alone."""
    serial_a = [registry.get("normal", seed=1)((4, 4)) for _ in range(1)]
    a, b = registry.get("normal", seed=1), registry.get("uniform", seed=2)
    alone_b = registry.get("uniform", seed=2)
    expected_b = [alone_b((4, 4)), alone_b((4, 4))]
    got_a0, got_b0, got_b1 = a((4, 4)), b((4, 4)), b((4, 4))
    assert _eq(got_a0, serial_a[0])
    assert _eq(got_b0, expected_b[0])
    assert _eq(got_b1, expected_b[1])


def test_threads_get_the_serial_values(registry: mlxinit.Registry) -> None:
    """Seeded initializers used from many threads give the values serial use gives."""
    reference = {s: registry.get("glorot_uniform", seed=s)((64, 32)) for s in range(8)}
    mx.eval(list(reference.values()))
    results: dict[int, mx.array] = {}
    errors: list[BaseException] = []

    def work(s: int) -> None:
        try:
            mx.random.seed(1000 + s)  # each thread's global generator moves differently
            mx.random.normal((10,))
            w = registry.get("glorot_uniform", seed=s)((64, 32))
            mx.eval(w)
            results[s] = w
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for s, w in reference.items():
        assert _eq(results[s], w), s


def test_unseeded_calls_keep_mlx_parity(registry: mlxinit.Registry) -> None:
    """Without seed or key, values are mlx.nn.init's under the same mx.random.seed."""
    for name in ("normal", "uniform", "glorot_uniform", "he_normal"):
        mx.random.seed(42)
        ours = registry.get(name)((6, 5))
        mx.random.seed(42)
        theirs = getattr(nn.init, name)()(mx.zeros((6, 5)))
        assert _eq(ours, theirs), name


def test_closure_without_key_warns_and_is_reproducible(registry: mlxinit.Registry) -> None:
    """A plugin closure that takes no key runs keyed draws under a seeded, restored global generator, with a warning."""

    def plain(*, dtype: mx.Dtype = mx.float32) -> object:
        return lambda a: mx.random.normal(a.shape, dtype=dtype)

    registry.register("plain_normal", plain)
    init = registry.get("plain_normal")
    assert not init.takes_key
    mx.random.seed(7)
    before = _global_state()
    with pytest.warns(mlxinit.MlxinitWarning, match="'plain_normal'.*takes no 'key'"):
        first = init((8,), key=mx.random.key(3))
    assert _global_state() == before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mlxinit.MlxinitWarning)
        again = init((8,), key=mx.random.key(3))
    assert _eq(first, again)


def test_fill_declares_promises_for_plugins(registry: mlxinit.Registry) -> None:
    """A factory returning Fill gives an Initializer with its expected_std, distribution and mean."""

    def shifted(*, dtype: mx.Dtype = mx.float32) -> mlxinit.Fill:
        def init(a: mx.array, *, key: mx.array | None = None) -> mx.array:
            return sampling.uniform(0.0, 2.0, a.shape, dtype=dtype, key=key)

        return mlxinit.Fill(init, expected_std=lambda s: 2.0 / 12**0.5, distribution="uniform", mean=1.0)

    registry.register("shifted", shifted)
    init = registry.get("shifted")
    assert init.takes_key
    assert init.distribution == "uniform"
    assert init.mean == 1.0
    assert init.expected_std((3, 3)) == pytest.approx(0.57735, rel=1e-4)
    from mlxinit._plot import density

    dens = density(init, (3, 3))
    assert dens is not None
    assert (round(dens.low, 6), round(dens.high, 6)) == (0.0, 2.0)


def test_a_bare_closure_promises_nothing(registry: mlxinit.Registry) -> None:
    """A factory returning a plain closure gives expected_std None and no distribution."""
    registry.register("bare", lambda *, dtype=mx.float32: (lambda a: mx.zeros(a.shape, dtype=dtype)))
    init = registry.get("bare")
    assert init.expected_std((2, 2)) is None
    assert init.distribution is None


@pytest.mark.parametrize("bad", [{"distribution": "gamma"}, {"expected_std": 0.5}, {"function": 3}])
def test_fill_refuses_bad_declarations(bad: dict[str, object]) -> None:
    """Fill checks what it is given: a callable, a callable expected_std, a known distribution."""
    kwargs: dict[str, object] = {"function": lambda a: a, **bad}
    with pytest.raises(mlxinit.FactoryError):
        mlxinit.Fill(**kwargs)  # type: ignore[arg-type]


def test_wrong_result_shape_is_a_factory_error(registry: mlxinit.Registry) -> None:
    """A closure returning another shape raises FactoryError naming both shapes."""
    registry.register("wrong", lambda *, dtype=mx.float32: (lambda a: mx.zeros((1,))))
    with pytest.raises(mlxinit.FactoryError, match=r"returned shape \(1,\), expected \(2, 2\)"):
        registry.get("wrong")((2, 2))


def test_apply_keeps_a_rules_own_seed() -> None:
    """A rule whose initializer carries its own seed keys each parameter by (that seed, path), run after run."""
    rule = mlxinit.get("normal", std=0.5, seed=3)

    def run() -> dict[str, mx.array]:
        model = nn.Sequential(nn.Linear(8, 6), nn.Linear(6, 4))
        mlxinit.apply(model, {"*.weight": rule})
        return {"w0": model.layers[0].weight, "w1": model.layers[1].weight}

    first, second = run(), run()
    assert _eq(first["w0"], second["w0"])
    assert _eq(first["w1"], second["w1"])
    expected = mlxinit.get("normal", std=0.5)((6, 8), key=mlxinit.param_key(3, "layers.0.weight"))
    assert _eq(first["w0"], expected)
    # The same as apply(seed=3) with the unseeded rule.
    model = nn.Sequential(nn.Linear(8, 6), nn.Linear(6, 4))
    mlxinit.apply(model, {"*.weight": {"name": "normal", "std": 0.5}}, seed=3)
    assert _eq(model.layers[1].weight, first["w1"])


def test_registries_do_not_leak_into_each_other() -> None:
    """Overriding a built-in in the default registry leaves a separate registry's compositions alone."""
    pytest.importorskip("mlxinit_compat")
    separate = mlxinit.Registry()
    before = separate.get("torch:xavier_uniform")((16, 8), key=mx.random.key(0))

    def doubled(*, gain: float = 1.0, dtype: mx.Dtype = mx.float32) -> object:
        return lambda a: mx.full(a.shape, 2.0, dtype=dtype)

    mlxinit.register("glorot_uniform", doubled, override=True)
    try:
        after = separate.get("torch:xavier_uniform")((16, 8), key=mx.random.key(0))
        assert _eq(before, after)
        # Composition goes through the registry that builds: the default one now sees the override.
        assert mlxinit.get("torch:xavier_uniform")((2, 2)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    finally:
        mlxinit.unregister("glorot_uniform")
