"""Runtime registration, unregistration, built-in protection, seeds and rebuildable configs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mlx.core as mx
import pytest

import mlxinit

Init = Callable[[mx.array], mx.array]


def scaled_normal(scale: float = 1.0, *, dtype: mx.Dtype = mx.float32) -> Init:
    """Normal samples times scale."""

    def init(a: mx.array) -> mx.array:
        return scale * mx.random.normal(a.shape, dtype=dtype)

    return init


def filled(value: float, *, dtype: mx.Dtype = mx.float32) -> Init:
    """Fill with value."""
    return lambda a: mx.full(a.shape, value, dtype=dtype)


# ------------------------------------------------------------------ register


def test_register_then_get(registry: mlxinit.Registry) -> None:
    """A registered factory is built by get() with its parameters and dtype."""
    assert registry.register("scaled_normal", scaled_normal) is scaled_normal
    w = registry.get("scaled-normal", scale=0.0, dtype="fp16")(mx.zeros((3, 2)))
    assert w.dtype == mx.float16
    assert mx.array_equal(w, mx.zeros((3, 2))).item()
    assert "scaled_normal" in registry.available()


def test_register_as_decorator_with_aliases(registry: mlxinit.Registry) -> None:
    """The decorator form registers and leaves the function in place; aliases resolve."""

    @registry.register("fill_value", aliases=("fill", "const_fill"))
    def fill_value(value: float = 2.0, *, dtype: mx.Dtype = mx.float32) -> Init:
        """Fill with a value."""
        return lambda a: mx.full(a.shape, value, dtype=dtype)

    assert callable(fill_value)
    assert fill_value.__name__ == "fill_value"
    assert registry.get("Fill")(mx.zeros((2,))).tolist() == [2.0, 2.0]
    info = registry.info("const-fill")
    assert info.name == "fill_value"
    assert info.aliases == ("fill", "const_fill")
    assert info.source == "runtime"
    assert info.distribution is None
    assert info.summary == "Fill with a value."
    assert [(p.name, p.default, p.required) for p in info.params or ()] == [("value", 2.0, False)]


def test_module_level_register_and_unregister(default_registry: mlxinit.Registry) -> None:
    """mlxinit.register/unregister work on the default registry."""
    mlxinit.register("scaled_normal", scaled_normal)
    assert mlxinit.available("scaled_*") == ["scaled_normal"]
    assert mlxinit.info("scaled_normal").source == "runtime"
    mlxinit.unregister("scaled_normal")
    assert mlxinit.available("scaled_*") == []
    with pytest.raises(mlxinit.UnknownInitializerError):
        mlxinit.get("scaled_normal")


@pytest.mark.parametrize("name", ["he_normal", "henormal", "normal", "xavier_normal", "zero"])
def test_register_a_builtin_name_or_alias_without_override(registry: mlxinit.Registry, name: str) -> None:
    """A built-in name, alias or same-key spelling is taken unless override=True."""
    with pytest.raises(
        mlxinit.RegistrationError, match=rf"Cannot register '{name}': the name is taken by the built-in"
    ):
        registry.register(name, scaled_normal)
    assert registry.info(name).source == "builtin"


def test_register_an_alias_that_is_taken(registry: mlxinit.Registry) -> None:
    """An alias colliding with a built-in name is refused and nothing is registered."""
    with pytest.raises(mlxinit.RegistrationError, match=r"Cannot register 'kaiming_normal'.*override=True"):
        registry.register("my_init", scaled_normal, aliases=("kaiming_normal",))
    assert "my_init" not in registry.available()


def test_register_a_runtime_name_twice(registry: mlxinit.Registry) -> None:
    """A second factory under a runtime name (or alias) is refused, naming the holder."""
    registry.register("mine", scaled_normal, aliases=("my_alias",))
    with pytest.raises(mlxinit.RegistrationError, match=r"taken by the runtime registration 'mine'"):
        registry.register("mine", filled)
    with pytest.raises(mlxinit.RegistrationError, match=r"Cannot register 'my_alias'.*runtime registration 'mine'"):
        registry.register("other", filled, aliases=("my_alias",))
    assert registry.info("mine").target is not None
    assert registry.info("mine").target.endswith(":scaled_normal")


def test_register_the_same_factory_twice_is_a_no_op(registry: mlxinit.Registry) -> None:
    """Re-registering the same factory under the same name changes nothing."""
    registry.register("mine", scaled_normal, aliases=("my_alias",))
    assert registry.register("mine", scaled_normal) is scaled_normal
    assert registry.register("mine", scaled_normal, aliases=("my_alias",)) is scaled_normal
    assert registry.info("mine").aliases == ("my_alias",)
    assert registry.available("m*") == ["mine"]


def test_override_shadows_a_builtin_and_unregister_restores_it(registry: mlxinit.Registry) -> None:
    """override=True shadows a built-in in this registry; unregister brings the built-in back."""
    registry.register("he_normal", filled, override=True)
    init = registry.get("HeNormal", value=3.0)
    assert init(mx.zeros((2,))).tolist() == [3.0, 3.0]
    assert registry.info("he_normal").source == "runtime"
    assert registry.available().count("he_normal") == 1
    registry.unregister("he_normal")
    assert registry.info("he_normal").source == "builtin"
    assert registry.get("he_normal")(mx.zeros((4, 4))).shape == (4, 4)
    other = mlxinit.Registry(plugins=False)
    assert other.info("he_normal").source == "builtin"


def test_override_replaces_a_runtime_registration(registry: mlxinit.Registry) -> None:
    """override=True replaces a runtime name with its aliases."""
    registry.register("mine", scaled_normal, aliases=("my_alias",))
    registry.register("mine", filled, override=True)
    assert registry.get("mine", value=1.0)(mx.zeros((1,))).tolist() == [1.0]
    with pytest.raises(mlxinit.UnknownInitializerError):
        registry.get("my_alias")


@pytest.mark.parametrize("name", ["he_normal", "kaiming_normal", "Zeros", "orthogonal"])
def test_unregister_a_builtin_raises(registry: mlxinit.Registry, name: str) -> None:
    """Built-ins cannot be unregistered."""
    with pytest.raises(
        mlxinit.RegistrationError, match=rf"'{name}' is a built-in initializer; it cannot be unregistered"
    ):
        registry.unregister(name)
    assert registry.get(name) is not None


def test_unregister_unknown_name(registry: mlxinit.Registry) -> None:
    """Unregistering a name nobody registered raises UnknownInitializerError."""
    registry.register("scaled_normal", scaled_normal)
    with pytest.raises(mlxinit.UnknownInitializerError, match="Did you mean one of 'scaled_normal', "):
        registry.unregister("scaled_normel")


def test_unregister_by_alias_removes_every_name(registry: mlxinit.Registry) -> None:
    """Unregistering by any spelling or alias removes the name and all its aliases."""
    registry.register("mine", scaled_normal, aliases=("my_alias",))
    registry.unregister("My-Alias")
    for n in ("mine", "my_alias"):
        with pytest.raises(mlxinit.UnknownInitializerError):
            registry.get(n)


@pytest.mark.parametrize("name", ["HeNormal", "he-normal", "my init", "1st", "", "_private", "trailing_", "a__b", "é"])
def test_register_bad_names(registry: mlxinit.Registry, name: str) -> None:
    """Names must be lower snake case."""
    with pytest.raises(mlxinit.RegistrationError, match=rf"expected lower snake case .*got {name!r}"):
        registry.register(name, scaled_normal)


def test_register_bad_alias_and_non_string_name(registry: mlxinit.Registry) -> None:
    """Aliases follow the same rule; a name must be a string."""
    with pytest.raises(mlxinit.RegistrationError, match=r"Initializer alias: expected lower snake case.*'Bad-Alias'"):
        registry.register("good_name", scaled_normal, aliases=("Bad-Alias",))
    with pytest.raises(mlxinit.RegistrationError, match=r"Initializer name: expected a string, got 3"):
        registry.register(3, scaled_normal)  # type: ignore[arg-type]


def test_register_aliases_as_a_plain_string(registry: mlxinit.Registry) -> None:
    """aliases='abc' would register 'a', 'b', 'c': it is refused."""
    with pytest.raises(mlxinit.RegistrationError, match=r"expected a sequence of names, got the string 'abc'"):
        registry.register("mine", scaled_normal, aliases="abc")
    assert "mine" not in registry.available()


def test_register_a_non_callable(registry: mlxinit.Registry) -> None:
    """A factory must be callable."""
    with pytest.raises(mlxinit.RegistrationError, match=r"expected a callable factory, got 42"):
        registry.register("mine", 42)  # type: ignore[arg-type]


# ------------------------------------------------------------------ runtime factories are checked


def test_runtime_factory_parameters_are_checked(registry: mlxinit.Registry) -> None:
    """Unknown and missing parameters of a runtime factory raise before it runs."""
    registry.register("filled", filled)
    with pytest.raises(mlxinit.UnknownParameterError, match=r"filled: unknown parameter 'valeu'.*Did you mean 'value'"):
        registry.get("filled", valeu=1.0)
    with pytest.raises(mlxinit.MissingParameterError, match=r"filled: missing required parameter 'value'"):
        registry.get("filled")


def test_runtime_factory_without_dtype(registry: mlxinit.Registry) -> None:
    """A dtype for a factory that takes none is an unknown parameter, not silently dropped."""

    def plain(scale: float = 1.0) -> Init:
        return lambda a: mx.ones(a.shape) * scale

    registry.register("plain", plain)
    assert registry.get("plain")(mx.zeros((2,))).tolist() == [1.0, 1.0]
    with pytest.raises(mlxinit.UnknownParameterError, match=r"plain: unknown parameter 'dtype'"):
        registry.get("plain", dtype="fp16")


def test_runtime_factory_failure_is_a_factory_error(registry: mlxinit.Registry) -> None:
    """A factory that raises, or returns a non-callable, gives FactoryError with the cause chained."""

    def broken(*, dtype: mx.Dtype = mx.float32) -> Init:
        raise ZeroDivisionError("boom")

    def not_an_init(*, dtype: mx.Dtype = mx.float32) -> Any:
        return 3

    registry.register("broken", broken)
    registry.register("not_an_init", not_an_init)
    with pytest.raises(
        mlxinit.FactoryError, match=r"'runtime:broken'.*registered at runtime.*ZeroDivisionError: boom"
    ) as e:
        registry.get("broken")
    assert isinstance(e.value.__cause__, ZeroDivisionError)
    with pytest.raises(mlxinit.FactoryError, match=r"returned 3, expected an initializer callable"):
        registry.get("not_an_init")


def test_runtime_factory_raising_mlxinit_errors_passes_them_through(registry: mlxinit.Registry) -> None:
    """A factory's own validation errors (mlxinit.validate) reach the caller unchanged."""
    from mlxinit.validate import check_real

    def checked(scale: float = 1.0, *, dtype: mx.Dtype = mx.float32) -> Init:
        scale = check_real("checked", "scale", scale, gt=0)
        return lambda a: mx.full(a.shape, scale, dtype=dtype)

    registry.register("checked", checked)
    with pytest.raises(mlxinit.InvalidParameterError, match=r"checked: parameter 'scale' expected a number > 0"):
        registry.get("checked", scale=-1.0)


def test_registries_are_isolated() -> None:
    """Registrations in one Registry are invisible to another."""
    a, b = mlxinit.Registry(plugins=False), mlxinit.Registry(plugins=False)
    a.register("only_in_a", scaled_normal)
    assert "only_in_a" in a.available()
    assert "only_in_a" not in b.available()


# ------------------------------------------------------------------ seeds


RANDOM: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("normal", {}, (8, 6)),
    ("uniform", {}, (8, 6)),
    ("truncated_normal", {}, (8, 6)),
    ("glorot_normal", {}, (8, 3, 6)),
    ("glorot_uniform", {}, (8, 3, 6)),
    ("he_normal", {"mode": "fan_out"}, (8, 3, 6)),
    ("he_uniform", {}, (8, 3, 6)),
    ("lecun_normal", {}, (8, 6)),
    ("lecun_uniform", {}, (8, 6)),
    ("variance_scaling", {}, (8, 6)),
    ("variance_scaling", {"distribution": "uniform"}, (8, 6)),
    ("sparse", {"sparsity": 0.5}, (8, 6)),
    ("orthogonal", {}, (8, 6)),
]


def _equal(a: mx.array, b: mx.array) -> bool:
    return bool(mx.array_equal(a, b).item())


@pytest.mark.parametrize(("name", "params", "shape"), RANDOM, ids=[f"{n}-{p}" for n, p, _ in RANDOM])
def test_same_seed_same_sequence(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    """Two initializers built with one seed give identical sequences; successive calls differ."""
    a = mx.zeros(shape)
    first = registry.get(name, seed=42, **params)
    second = registry.get(name, seed=42, **params)
    xs = [first(a) for _ in range(3)]
    ys = [second(a) for _ in range(3)]
    for x, y in zip(xs, ys, strict=True):
        assert _equal(x, y)
    assert not _equal(xs[0], xs[1])
    assert not _equal(xs[1], xs[2])
    assert not _equal(xs[0], registry.get(name, seed=43, **params)(a))


@pytest.mark.parametrize(("name", "params", "shape"), RANDOM, ids=[f"{n}-{p}" for n, p, _ in RANDOM])
def test_seeded_is_independent_of_and_invisible_to_the_global_stream(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...]
) -> None:
    """Seeded values ignore mx.random's global state and leave it where it was."""
    a = mx.zeros(shape)
    mx.random.seed(1)
    x = registry.get(name, seed=7, **params)(a)
    mx.random.seed(2)
    mx.random.normal((3,))
    y = registry.get(name, seed=7, **params)(a)
    assert _equal(x, y)
    mx.random.seed(5)
    mx.random.uniform(shape=(2,))
    expected_next = mx.random.normal((4,))
    mx.random.seed(5)
    mx.random.uniform(shape=(2,))
    registry.get(name, seed=7, **params)(a)
    assert _equal(mx.random.normal((4,)), expected_next)


def test_key_instead_of_seed(registry: mlxinit.Registry) -> None:
    """key=mx.random.key(k) gives a reproducible stream of its own."""
    a = mx.zeros((16, 4))
    x = registry.get("he_normal", key=mx.random.key(3))(a)
    y = registry.get("he_normal", key=mx.random.key(3))(a)
    z = registry.get("he_normal", key=mx.random.key(4))(a)
    assert _equal(x, y)
    assert not _equal(x, z)


def test_unseeded_draws_follow_the_global_generator(registry: mlxinit.Registry) -> None:
    """Without seed or key, draws come from mx.random's global state (as mlx.nn.init)."""
    a = mx.zeros((5, 5))
    init = registry.get("normal")
    mx.random.seed(9)
    x = init(a)
    mx.random.seed(9)
    assert _equal(init(a), x)
    assert not _equal(init(a), x)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("he_normal", {"gain": 2.0, "mode": "fan_out"}),
        ("truncated_normal", {"std": 0.02, "lower": -1.0}),
        ("sparse", {"sparsity": 0.25}),
        ("orthogonal", {"gain": 0.5}),
    ],
)
@pytest.mark.parametrize("dtype", ["bf16", None])
def test_config_with_seed_rebuilds_the_same_values(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], dtype: str | None
) -> None:
    """The config attached to a seeded initializer rebuilds it value for value."""
    a = mx.zeros((8, 6))
    init = registry.get(name, dtype=dtype, seed=11, **params)
    config = init.config
    expected = {"name": name, **params, "seed": 11}
    if dtype is not None:
        expected["dtype"] = "bfloat16"
    assert config == expected
    rebuilt = registry.get(dict(config))
    for _ in range(2):
        assert _equal(init(a), rebuilt(a))


def test_config_with_key_rebuilds_the_same_values(registry: mlxinit.Registry) -> None:
    """A key is recorded as two integers in the config, and rebuilds the same stream."""
    a = mx.zeros((8, 6))
    init = registry.get("glorot_uniform", key=mx.random.key(2**40 + 5))
    config = init.config
    assert config["key"] == [int(v) for v in mx.random.key(2**40 + 5).tolist()]
    assert _equal(registry.get(config)(a), init(a))


def test_config_is_plain_data(registry: mlxinit.Registry) -> None:
    """The recorded config is JSON-serializable."""
    import json

    init = registry.get("Xavier Uniform", dtype=mx.float16, gain=2.0, seed=1)
    assert json.loads(json.dumps(mlxinit.serialize(init))) == {
        "name": "glorot_uniform",
        "gain": 2.0,
        "dtype": "float16",
        "seed": 1,
    }


def test_call_kwargs_override_config(registry: mlxinit.Registry) -> None:
    """Keyword arguments to get() override a config's values."""
    init = registry.get({"name": "normal", "std": 5.0, "dtype": "fp16"}, std=0.5, dtype="bf16")
    assert init.expected_std((2, 2)) == 0.5
    assert init(mx.zeros((2, 2))).dtype == mx.bfloat16


def test_non_string_arguments_are_refused_clearly(registry: mlxinit.Registry) -> None:
    """available(), unregister() and register(aliases=...) refuse wrong types with mlxinit errors."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"available\(pattern\): expected a shell-style pattern"):
        registry.available(3)  # type: ignore[arg-type]
    with pytest.raises(mlxinit.RegistrationError, match=r"Initializer name: expected a string, got 3\."):
        registry.unregister(3)  # type: ignore[arg-type]
    with pytest.raises(mlxinit.RegistrationError, match=r"aliases of 'mine': expected a sequence of names, got None\."):
        registry.register("mine", scaled_normal, aliases=None)  # type: ignore[arg-type]
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"Initializer name: expected a string, got 3 of type int"):
        registry.info(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ wrong types


def _calls() -> list[tuple[str, Callable[[mlxinit.Registry], Any], type[mlxinit.MlxinitError], str]]:
    return [
        ("info(['x'])", lambda r: r.info(["x"]), mlxinit.InvalidIdentifierError, r"expected a string, got \['x'\]"),
        ("info(3)", lambda r: r.info(3), mlxinit.InvalidIdentifierError, "expected a string, got 3 of type int"),
        ("info(load=1)", lambda r: r.info("normal", load=1), mlxinit.RegistrationError, "expected True or False"),
        ("available(3)", lambda r: r.available(3), mlxinit.InvalidIdentifierError, "shell-style pattern"),
        ("available(namespace=3)", lambda r: r.available(namespace=3), mlxinit.InvalidIdentifierError,
         "namespace or distribution"),
        ("block(3)", lambda r: r.block(3), mlxinit.RegistrationError, r"block\(distribution\): expected a"),
        ("block('')", lambda r: r.block(""), mlxinit.RegistrationError, "expected a distribution name"),
        ("unblock(None)", lambda r: r.unblock(None), mlxinit.RegistrationError, "unblock\\(distribution\\)"),
        ("prefer(1, 2)", lambda r: r.prefer(1, 2), mlxinit.RegistrationError, "expected two strings, got 1 and 2"),
        ("unregister(None)", lambda r: r.unregister(None), mlxinit.RegistrationError, "expected a string, got None"),
        ("register(3, f)", lambda r: r.register(3, filled), mlxinit.RegistrationError, "expected a string, got 3"),
        ("register(3) decorator", lambda r: r.register(3), mlxinit.RegistrationError, "expected a string, got 3"),
        ("register('x', 42)", lambda r: r.register("x", 42), mlxinit.RegistrationError, "callable factory, got 42"),
        ("register(aliases=3)", lambda r: r.register("x", filled, aliases=3), mlxinit.RegistrationError,
         "sequence of names, got 3"),
        ("register(override=None)", lambda r: r.register("x", filled, override=None), mlxinit.RegistrationError,
         "expected True or False"),
        ("get(3)", lambda r: r.get(3), mlxinit.InvalidIdentifierError, "expected a name, a config mapping"),
        ("get({'name': 3})", lambda r: r.get({"name": 3}), mlxinit.InvalidIdentifierError, "'name' expected a string"),
        ("get_preset(3)", lambda r: r.get_preset(3), mlxinit.InvalidIdentifierError, "Preset name: expected a string"),
        ("register_preset(None, f)", lambda r: r.register_preset(None, filled), mlxinit.RegistrationError,
         "Preset name"),
    ]


@pytest.mark.parametrize(("what", "call", "error", "match"), _calls(), ids=[c[0] for c in _calls()])
def test_every_registry_method_refuses_wrong_types(
    registry: mlxinit.Registry,
    what: str,
    call: Callable[[mlxinit.Registry], Any],
    error: type[mlxinit.MlxinitError],
    match: str,
) -> None:
    """Each public Registry method raises an MlxinitError subclass, saying what it expected, for a wrong type."""
    with pytest.raises(error, match=match):
        call(registry)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"builtins": "yes"}, r"Registry\(builtins=\.\.\.\): expected True or False"),
        ({"plugins": None}, r"Registry\(plugins=\.\.\.\): expected True or False"),
        ({"environ": ["MLXINIT_BLOCK"]}, r"Registry\(environ=\.\.\.\): expected a mapping"),
        ({"distributions": []}, r"Registry\(distributions=\.\.\.\): expected a callable"),
    ],
)
def test_registry_constructor_refuses_wrong_types(kwargs: dict[str, Any], match: str) -> None:
    """Registry(...) checks its arguments."""
    with pytest.raises(mlxinit.RegistrationError, match=match):
        mlxinit.Registry(**kwargs)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: mlxinit.info(["x"]), mlxinit.InvalidIdentifierError),
        (lambda: mlxinit.available(3), mlxinit.InvalidIdentifierError),
        (lambda: mlxinit.block(3), mlxinit.RegistrationError),
        (lambda: mlxinit.unblock(3), mlxinit.RegistrationError),
        (lambda: mlxinit.prefer(1, 2), mlxinit.RegistrationError),
        (lambda: mlxinit.unregister(None), mlxinit.RegistrationError),
        (lambda: mlxinit.register(3, filled), mlxinit.RegistrationError),
        (lambda: mlxinit.register_preset(3, filled), mlxinit.RegistrationError),
        (lambda: mlxinit.available_presets(3), mlxinit.InvalidIdentifierError),
        (lambda: mlxinit.set_default_registry("default"), mlxinit.RegistrationError),
    ],
)
def test_module_level_functions_refuse_wrong_types(
    default_registry: mlxinit.Registry, call: Callable[[], Any], error: type[mlxinit.MlxinitError]
) -> None:
    """The module-level functions raise the same MlxinitError subclasses for wrong types."""
    with pytest.raises(error):
        call()
    assert mlxinit.default_registry() is default_registry
