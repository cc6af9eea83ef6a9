"""Every error path of get() and the built-ins: exception type, builtin base and message."""

from __future__ import annotations

import math
import pickle
import re
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import mlxinit

FAN_BASED = [
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "variance_scaling",
]


# ------------------------------------------------------------------ the hierarchy


@pytest.mark.parametrize(
    ("exc", "builtin"),
    [
        (mlxinit.UnknownInitializerError, LookupError),
        (mlxinit.InitializerConflictError, LookupError),
        (mlxinit.InvalidParameterError, ValueError),
        (mlxinit.ParameterTypeError, TypeError),
        (mlxinit.ParameterTypeError, ValueError),
        (mlxinit.UnknownParameterError, TypeError),
        (mlxinit.MissingParameterError, TypeError),
        (mlxinit.DtypeError, TypeError),
        (mlxinit.InvalidIdentifierError, TypeError),
        (mlxinit.ShapeError, ValueError),
        (mlxinit.RegistrationError, ValueError),
        (mlxinit.UnknownNonlinearityError, ValueError),
        (mlxinit.FactoryError, RuntimeError),
        (mlxinit.PluginError, ImportError),
    ],
)
def test_exceptions_subclass_the_root_and_their_builtin(exc: type[Exception], builtin: type[Exception]) -> None:
    """Each exception is an MlxinitError and the builtin an except clause would name."""
    assert issubclass(exc, mlxinit.MlxinitError)
    assert issubclass(exc, builtin)


def test_every_public_exception_is_in_the_hierarchy() -> None:
    """Every exception class mlxinit exports derives from MlxinitError."""
    exported = [getattr(mlxinit, n) for n in mlxinit.__all__]
    errors = [e for e in exported if isinstance(e, type) and issubclass(e, Exception) and not issubclass(e, Warning)]
    assert len(errors) >= 14
    for e in errors:
        assert issubclass(e, mlxinit.MlxinitError), e


@pytest.mark.parametrize(
    "error",
    [
        mlxinit.UnknownInitializerError("he_normall", ["he_normal"]),
        mlxinit.UnknownInitializerError("zz", [], ["normal", "zeros"]),
        mlxinit.InvalidParameterError("normal", "std", "a number >= 0.0", -1.0),
        mlxinit.ParameterTypeError("normal", "std", "a real number", "1"),
        mlxinit.UnknownParameterError("normal", "stdd", ["mean", "std"], ["std"]),
        mlxinit.MissingParameterError("constant", "value"),
        mlxinit.DtypeError("int8", "a floating dtype"),
        mlxinit.ShapeError("identity", (2, 3), "a square 2-D array"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_exceptions_pickle_round_trip(error: Exception) -> None:
    """Errors survive pickling (multiprocessing) with their message and type."""
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)


# ------------------------------------------------------------------ names


def test_unknown_name_suggests_close_names(registry: mlxinit.Registry) -> None:
    """A misspelt name raises UnknownInitializerError (a LookupError) with 'did you mean'."""
    with pytest.raises(LookupError, match=r"Unknown initializer 'he_normall'\. Did you mean .*'he_normal'") as info:
        registry.get("he_normall")
    err = info.value
    assert isinstance(err, mlxinit.UnknownInitializerError)
    assert err.name == "he_normall"
    assert err.possibilities[0] == "he_normal"
    assert err.available == []


@pytest.mark.parametrize(
    ("typo", "best"),
    [("glorot_unifrom", "glorot_uniform"), ("xavier_norml", "xavier_normal"), ("orthogonl", "orthogonal")],
)
def test_did_you_mean_ranks_the_closest_first(registry: mlxinit.Registry, typo: str, best: str) -> None:
    """The best suggestion comes first (aliases included)."""
    with pytest.raises(mlxinit.UnknownInitializerError, match=re.escape(repr(best))) as info:
        registry.get(typo)
    assert info.value.possibilities[0] == best


@pytest.mark.parametrize("name", ["zzqqxx", "", "   ", "nonexistent:thing"])
def test_unknown_name_with_nothing_close_points_to_the_listing(registry: mlxinit.Registry, name: str) -> None:
    """With nothing close, the message points to `mlxinit list`; `.available` holds every name."""
    with pytest.raises(mlxinit.UnknownInitializerError, match=r"See `mlxinit list` for every name") as info:
        registry.get(name)
    assert info.value.possibilities == []
    assert info.value.available == registry.available()


def test_unknown_name_through_module_level_get(default_registry: mlxinit.Registry) -> None:
    """mlxinit.get raises the same error as a Registry."""
    with pytest.raises(mlxinit.UnknownInitializerError, match=r"Did you mean one of 'uniform', "):
        mlxinit.get("unifrm")


# ------------------------------------------------------------------ dtypes


@pytest.mark.parametrize(
    "dtype",
    ["int8", "floatt", "float8", "", mx.int32, mx.uint8, mx.bool_, mx.complex64, 3, np.float32, object()],
    ids=repr,
)
def test_bad_dtype_is_a_dtype_error(registry: mlxinit.Registry, dtype: Any) -> None:
    """Unknown names, non-floating dtypes and non-dtypes raise DtypeError (a TypeError)."""
    with pytest.raises(TypeError, match=r"dtype: expected a floating mx\.Dtype or one of 'float32'.*got ") as info:
        registry.get("normal", dtype=dtype)
    assert isinstance(info.value, mlxinit.DtypeError)
    assert info.value.given is dtype


def test_bad_dtype_in_a_config(registry: mlxinit.Registry) -> None:
    """A config's dtype goes through the same check."""
    with pytest.raises(mlxinit.DtypeError, match="got 'int32'"):
        registry.get({"name": "normal", "dtype": "int32"})


# ------------------------------------------------------------------ parameters


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        (
            "normal",
            {"stdd": 0.1},
            r"normal: unknown parameter 'stdd'; it takes one of 'mean', 'std'\. Did you mean 'std'\?",
        ),
        (
            "he_normal",
            {"gian": 2.0},
            r"he_normal: unknown parameter 'gian'; it takes one of 'batch_axis', 'gain', 'in_axis', 'mode', "
            r"'out_axis', 'segments'\. Did you mean 'gain'",
        ),
        ("uniform", {"minval": 0.0}, r"uniform: unknown parameter 'minval'; it takes one of 'high', 'low'\.$"),
        ("zeros", {"value": 1.0}, r"zeros: unknown parameter 'value'; it takes no hyper-parameters\."),
        ("truncated_normal", {"a": -2.0}, r"unknown parameter 'a'"),
    ],
)
def test_unknown_parameter(registry: mlxinit.Registry, name: str, params: dict[str, Any], pattern: str) -> None:
    """An unknown hyper-parameter names the initializer, lists what it takes and suggests."""
    with pytest.raises(mlxinit.UnknownParameterError, match=pattern) as info:
        registry.get(name, **params)
    assert isinstance(info.value, TypeError)
    assert info.value.initializer == name
    assert info.value.parameter == next(iter(params))


def test_unknown_parameter_in_a_config(registry: mlxinit.Registry) -> None:
    """A config's extra keys are hyper-parameters and checked as such."""
    with pytest.raises(mlxinit.UnknownParameterError, match="Did you mean 'std'"):
        registry.get({"name": "normal", "stdd": 1.0})


@pytest.mark.parametrize(("name", "param"), [("constant", "value"), ("sparse", "sparsity")])
def test_missing_required_parameter(registry: mlxinit.Registry, name: str, param: str) -> None:
    """A required hyper-parameter left out raises MissingParameterError (a TypeError)."""
    with pytest.raises(TypeError, match=rf"{name}: missing required parameter '{param}'") as info:
        registry.get(name)
    assert isinstance(info.value, mlxinit.MissingParameterError)
    assert info.value.parameter == param


WRONG_TYPES = [
    ("normal", "std", "1"),
    ("normal", "std", True),
    ("normal", "mean", None),
    ("normal", "mean", [0.0]),
    ("normal", "std", 1 + 2j),
    ("normal", "std", np.array([0.5, 1.0])),
    ("normal", "std", mx.array([0.5])),
    ("uniform", "low", "0"),
    ("constant", "value", False),
    ("eye", "gain", "2"),
    ("glorot_normal", "gain", b"1"),
    ("he_uniform", "mode", 1),
    ("he_normal", "gain", "relu"),
    ("variance_scaling", "distribution", None),
    ("dirac", "groups", 2.0),
    ("dirac", "groups", True),
    ("sparse", "sparsity", "0.5"),
    ("truncated_normal", "lower", "-2"),
    ("orthogonal", "gain", (1.0,)),
]


@pytest.mark.parametrize(("name", "param", "value"), WRONG_TYPES, ids=lambda v: repr(v)[:20])
def test_wrong_type(registry: mlxinit.Registry, name: str, param: str, value: Any) -> None:
    """A wrong type raises ParameterTypeError naming initializer, parameter, expectation and value."""
    params: dict[str, Any] = {"sparsity": 0.5} if name == "sparse" else {"value": 1.0} if name == "constant" else {}
    params[param] = value
    pattern = rf"{name}: parameter '{param}' expected .+, got {re.escape(repr(value))} of type {type(value).__name__}\."
    with pytest.raises(mlxinit.ParameterTypeError, match=pattern) as info:
        registry.get(name, **params)
    assert isinstance(info.value, TypeError)
    assert info.value.given is value


@pytest.mark.parametrize("value", [np.float32(0.5), np.float64(0.5), mx.array(0.5), 1])
def test_real_scalars_of_other_types_are_accepted(registry: mlxinit.Registry, value: Any) -> None:
    """0-d numpy/mlx reals and ints are accepted as real numbers."""
    assert registry.get("normal", std=value).expected_std((2, 2)) == pytest.approx(float(value))


IMPOSSIBLE = [
    ("normal", {"std": -1.0}, "std", r"a number >= 0\.0"),
    ("truncated_normal", {"std": -0.1}, "std", r"a number >= 0\.0"),
    ("sparse", {"sparsity": 0.5, "std": -2}, "std", r"a number >= 0\.0"),
    ("uniform", {"low": 1.0, "high": 0.0}, "high", r"a number >= low \(1\.0\)"),
    ("sparse", {"sparsity": 1.0}, "sparsity", r"a number < 1\.0"),
    ("sparse", {"sparsity": 1.5}, "sparsity", r"a number < 1\.0"),
    ("sparse", {"sparsity": -0.1}, "sparsity", r"a number >= 0\.0"),
    ("he_normal", {"mode": "fan_avg"}, "mode", r"one of 'fan_in', 'fan_out'"),
    ("he_uniform", {"mode": "FanIn"}, "mode", r"one of 'fan_in', 'fan_out' \(did you mean 'fan_in'\?\)"),
    ("variance_scaling", {"mode": "fan_sum"}, "mode", r"one of 'fan_in', 'fan_out', 'fan_avg', 'fan_geo_avg'"),
    ("variance_scaling", {"distribution": "gauss"}, "distribution", r"one of 'truncated_normal', 'normal', 'uniform'"),
    (
        "variance_scaling",
        {"distribution": "untruncated_normal"},
        "distribution",
        r"one of 'truncated_normal', 'normal', 'uniform' \(did you mean 'truncated_normal'\?\)",
    ),
    ("variance_scaling", {"scale": 0.0}, "scale", r"a number > 0\.0"),
    ("variance_scaling", {"scale": -1.0}, "scale", r"a number > 0\.0"),
    ("dirac", {"groups": 0}, "groups", r"an integer >= 1"),
    ("dirac", {"groups": -3}, "groups", r"an integer >= 1"),
    ("truncated_normal", {"lower": 1.0, "upper": 1.0}, "upper", r"a number > lower \(1\.0\)"),
    ("truncated_normal", {"lower": 0.5, "upper": -0.5}, "upper", r"a number > lower \(0\.5\)"),
]


@pytest.mark.parametrize(("name", "params", "param", "expected"), IMPOSSIBLE, ids=lambda v: str(v)[:30])
def test_impossible_value(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], param: str, expected: str
) -> None:
    """An impossible value raises InvalidParameterError (a ValueError) at get() time."""
    given = re.escape(repr(params[param]))
    pattern = rf"^{name}: parameter '{param}' expected {expected}( \(did you mean '\w+'\?\))?, got {given}\.$"
    with pytest.raises(ValueError, match=pattern) as info:
        registry.get(name, **params)
    assert type(info.value) is mlxinit.InvalidParameterError
    assert info.value.initializer == name
    assert info.value.parameter == param


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("normal", "mean"),
        ("normal", "std"),
        ("uniform", "high"),
        ("constant", "value"),
        ("eye", "gain"),
        ("glorot_uniform", "gain"),
        ("he_normal", "gain"),
        ("orthogonal", "gain"),
        ("truncated_normal", "lower"),
        ("truncated_normal", "upper"),
        ("variance_scaling", "scale"),
        ("sparse", "mean"),
    ],
)
def test_non_finite_values_are_refused(registry: mlxinit.Registry, name: str, param: str, bad: float) -> None:
    """NaN and ±inf are refused for every real hyper-parameter."""
    params: dict[str, Any] = {"sparsity": 0.5} if name == "sparse" else {"value": 1.0} if name == "constant" else {}
    params[param] = bad
    with pytest.raises(mlxinit.InvalidParameterError, match=rf"{name}: parameter '{param}' expected a finite number"):
        registry.get(name, **params)


@pytest.mark.parametrize("name", ["he_normal", "he_uniform", "glorot_normal", "glorot_uniform"])
def test_call_time_arguments_are_checked_too(registry: mlxinit.Registry, name: str) -> None:
    """A bad call-time gain (or mode) raises the same errors as at build time."""
    init = registry.get(name)
    a = mx.zeros((4, 4))
    with pytest.raises(mlxinit.ParameterTypeError, match=rf"{name}: parameter 'gain' expected a real number"):
        init(a, gain="2")
    with pytest.raises(mlxinit.InvalidParameterError, match=rf"{name}: parameter 'gain' expected a finite number"):
        init(a, gain=math.nan)
    if name.startswith("he_"):
        with pytest.raises(mlxinit.InvalidParameterError, match=rf"{name}: parameter 'mode' expected one of"):
            init(a, mode="fan_avg")


# ------------------------------------------------------------------ shapes


@pytest.mark.parametrize("shape", [(), (5,)], ids=str)
@pytest.mark.parametrize("name", FAN_BASED)
def test_fan_based_on_fewer_than_two_dims_shows_the_shape(
    registry: mlxinit.Registry, name: str, shape: tuple[int, ...]
) -> None:
    """A fan-based initializer on ndim < 2 raises ShapeError quoting the shape it got."""
    init = registry.get(name)
    with pytest.raises(ValueError, match=rf"^{name}: expected at least 2 dimensions.*{re.escape(str(shape))}\.$") as e:
        init(mx.zeros(shape))
    assert isinstance(e.value, mlxinit.ShapeError)
    assert e.value.shape == shape
    assert e.value.initializer == name
    with pytest.raises(mlxinit.ShapeError, match=re.escape(str(shape))):
        init.expected_std(shape)


@pytest.mark.parametrize(
    ("name", "params", "shape", "expected"),
    [
        ("identity", {}, (3, 2), "a square 2-D array"),
        ("identity", {}, (3,), "a square 2-D array"),
        ("identity", {}, (2, 2, 2), "a square 2-D array"),
        ("eye", {}, (3,), "a 2-D array"),
        ("eye", {}, (2, 3, 4), "a 2-D array"),
        ("sparse", {"sparsity": 0.5}, (4,), "a 2-D array"),
        ("sparse", {"sparsity": 0.5}, (4, 3, 2), "a 2-D array"),
        ("dirac", {}, (3, 3), r"a 3-, 4- or 5-D convolution weight"),
        ("dirac", {}, (2, 1, 1, 1, 1, 2), r"a 3-, 4- or 5-D convolution weight"),
        ("dirac", {"groups": 2}, (3, 3, 2), r"out channels \(shape\[0\]\) divisible by groups=2"),
        ("dirac", {"groups": 4}, (6, 3, 3, 1), r"out channels \(shape\[0\]\) divisible by groups=4"),
        ("orthogonal", {}, (4,), "at least 2 dimensions"),
    ],
)
def test_shape_errors(
    registry: mlxinit.Registry, name: str, params: dict[str, Any], shape: tuple[int, ...], expected: str
) -> None:
    """Shapes an initializer cannot fill raise ShapeError with what it needs and the shape it got."""
    with pytest.raises(mlxinit.ShapeError, match=rf"^{name}: expected {expected}.*got an array of shape "):
        registry.get(name, **params)(mx.zeros(shape))


# ------------------------------------------------------------------ identifiers


@pytest.mark.parametrize("identifier", [None, 3, 2.5, ["normal"], ("normal",), b"normal"], ids=repr)
def test_identifier_of_the_wrong_kind(registry: mlxinit.Registry, identifier: Any) -> None:
    """Neither a name, a mapping nor a callable: InvalidIdentifierError (a TypeError)."""
    pattern = (
        rf"expected a name, a config mapping with a 'name' key, an Initializer or a callable; "
        rf"got {re.escape(repr(identifier))}"
    )
    with pytest.raises(TypeError, match=pattern) as info:
        registry.get(identifier)
    assert isinstance(info.value, mlxinit.InvalidIdentifierError)


@pytest.mark.parametrize(
    ("config", "pattern"),
    [
        ({"std": 1.0}, r"expected a 'name' key, got keys \['std'\]"),
        ({}, r"expected a 'name' key, got keys \[\]"),
        ({"name": 3}, r"'name' expected a string, got 3"),
        ({"name": None}, r"'name' expected a string, got None"),
        ({1: "x", "name": "normal"}, r"expected string keys, got 1"),
        ({"name": "normal", "key": [1]}, r"'key' expected two integers in \[0, 2\*\*32\), got \[1\]"),
        ({"name": "normal", "key": [1, -1]}, r"'key' expected two integers"),
    ],
    ids=str,
)
def test_malformed_config(registry: mlxinit.Registry, config: dict[Any, Any], pattern: str) -> None:
    """A malformed config mapping raises InvalidIdentifierError saying what is wrong."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=pattern):
        registry.get(config)


def test_callable_identifier_is_wrapped_as_it_is(registry: mlxinit.Registry) -> None:
    """A bare callable comes back wrapped in an Initializer that calls it, and refuses to serialize."""

    def mine(a: mx.array) -> mx.array:
        return mx.ones(a.shape)

    init = registry.get(mine)
    assert isinstance(init, mlxinit.Initializer)
    assert init.function is mine
    assert init((2, 2)).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert registry.get(init) is init
    with pytest.raises(mlxinit.InvalidIdentifierError, match="Cannot serialize"):
        mlxinit.serialize(init)


@pytest.mark.parametrize(
    ("kwargs", "given"),
    [
        ({"std": 2.0}, "std"),
        ({"dtype": "fp16"}, "dtype"),
        ({"seed": 1}, "seed"),
        ({"gain": 1, "dtype": "bf16"}, "dtype, gain"),
    ],
    ids=str,
)
def test_callable_identifier_with_parameters(registry: mlxinit.Registry, kwargs: dict[str, Any], given: str) -> None:
    """A callable identifier takes no parameters: they would be silently ignored otherwise."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match=rf"takes no parameters; got {given}\."):
        registry.get(lambda a: a, **kwargs)


# ------------------------------------------------------------------ seeds and keys


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        (
            {"seed": "x"},
            mlxinit.ParameterTypeError,
            r"normal: parameter 'seed' expected an int in \[0, 2\*\*64\), got 'x'",
        ),
        ({"seed": 1.5}, mlxinit.ParameterTypeError, r"parameter 'seed' expected an int"),
        ({"seed": True}, mlxinit.ParameterTypeError, r"parameter 'seed' expected an int"),
        ({"seed": -1}, mlxinit.InvalidParameterError, r"parameter 'seed' expected an int in \[0, 2\*\*64\), got -1"),
        ({"seed": 2**64}, mlxinit.InvalidParameterError, r"got 18446744073709551616"),
        ({"key": 3}, mlxinit.ParameterTypeError, r"parameter 'key' expected an mx\.random\.key"),
        ({"key": mx.zeros((2,))}, mlxinit.ParameterTypeError, r"parameter 'key' expected an mx\.random\.key"),
        ({"seed": 1, "key": mx.random.key(1)}, mlxinit.InvalidIdentifierError, r"give either seed or key, not both"),
    ],
    ids=str,
)
def test_bad_seed_or_key(
    registry: mlxinit.Registry, kwargs: dict[str, Any], exc: type[Exception], pattern: str
) -> None:
    """Seeds are ints in [0, 2**64), keys are mx.random.key arrays, and not both."""
    with pytest.raises(exc, match=pattern):
        registry.get("normal", **kwargs)


# ------------------------------------------------------------------ calculate_gain


@pytest.mark.parametrize(
    ("nonlinearity", "param", "gain"),
    [
        ("linear", None, 1.0),
        ("identity", None, 1.0),
        ("conv1d", None, 1.0),
        ("conv2d", None, 1.0),
        ("conv3d", None, 1.0),
        ("conv_transpose1d", None, 1.0),
        ("conv_transpose2d", None, 1.0),
        ("conv_transpose3d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5.0 / 3.0),
        ("relu", None, math.sqrt(2.0)),
        ("leaky_relu", None, math.sqrt(2.0 / (1.0 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2.0 / (1.0 + 0.2**2))),
        ("leaky_relu", 0, math.sqrt(2.0)),
        ("selu", None, 0.75),
        ("relu", 0.5, math.sqrt(2.0)),  # param is ignored by the others
    ],
)
def test_calculate_gain_table(nonlinearity: str, param: float | None, gain: float) -> None:
    """calculate_gain follows PyTorch's table."""
    assert mlxinit.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-12)


@pytest.mark.parametrize("nonlinearity", ["gelu", "softmax", "", None, 3])
def test_calculate_gain_unknown_lists_known_names(nonlinearity: Any) -> None:
    """An unknown nonlinearity is a ValueError listing the known names."""
    with pytest.raises(ValueError, match=r"linear, identity, conv1d, .*tanh, relu, leaky_relu, selu") as info:
        mlxinit.calculate_gain(nonlinearity)
    assert isinstance(info.value, mlxinit.UnknownNonlinearityError)
    assert repr(nonlinearity) in str(info.value)


@pytest.mark.parametrize("param", ["0.1", True, [0.1], math.nan, math.inf], ids=repr)
def test_calculate_gain_bad_slope(param: Any) -> None:
    """A leaky_relu slope that is not a number is a ValueError."""
    with pytest.raises(
        mlxinit.UnknownNonlinearityError, match="leaky_relu: expected a finite number for the negative slope"
    ):
        mlxinit.calculate_gain("leaky_relu", param)


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("rleu", "relu"), ("ReLU", "relu"), ("LeakyReLU", "leaky_relu"), ("tanhh", "tanh"), ("sigmiod", "sigmoid")],
)
def test_calculate_gain_suggests_the_close_name(given: str, suggested: str) -> None:
    """A misspelt nonlinearity gets "did you mean" in one sentence, and the data on the error."""
    with pytest.raises(mlxinit.UnknownNonlinearityError) as info:
        mlxinit.calculate_gain(given)
    msg = str(info.value)
    assert msg.startswith(f"Unknown nonlinearity {given!r} (did you mean {suggested!r}?); expected one of linear, ")
    assert msg.endswith(", selu.")
    assert msg.count(".") == 1  # one sentence
    assert info.value.nonlinearity == given
    assert info.value.possibilities == [suggested]
    assert "relu" in info.value.known
    again = pickle.loads(pickle.dumps(info.value))
    assert (str(again), again.possibilities, again.known) == (msg, [suggested], info.value.known)


@pytest.mark.parametrize("given", ["gelu", "GELU", "silu", "relu6", "elu"])
def test_calculate_gain_suggests_no_other_function_for_an_untabulated_activation(given: str) -> None:
    """GELU is not SELU: a real activation missing from PyTorch's table gets no look-alike suggestion."""
    with pytest.raises(mlxinit.UnknownNonlinearityError, match="has no entry for it") as info:
        mlxinit.calculate_gain(given)
    assert "did you mean" not in str(info.value)
    assert info.value.possibilities == []


def test_calculate_gain_unrelated_name_gets_no_suggestion() -> None:
    """Nothing close: the known names alone, no empty "did you mean"."""
    with pytest.raises(mlxinit.UnknownNonlinearityError) as info:
        mlxinit.calculate_gain("qqqqqqq")
    assert str(info.value).startswith("Unknown nonlinearity 'qqqqqqq'; expected one of linear, ")
    assert info.value.possibilities == []


def test_did_you_mean_stays_inside_a_namespace() -> None:
    """`torch:kaiming_norml` suggests torch's own names, written qualified, not MLX's kaiming_normal."""
    pytest.importorskip("mlxinit_compat")
    with pytest.raises(mlxinit.UnknownInitializerError) as info:
        mlxinit.get("torch:kaiming_norml")
    assert info.value.possibilities[0] == "torch:kaiming_normal"
    assert all(p.startswith("torch:") for p in info.value.possibilities)


def test_a_name_close_only_outside_its_namespace_says_so() -> None:
    """A close name outside the namespace is offered with a warning that it means something else."""
    pytest.importorskip("mlxinit_compat")
    with pytest.raises(mlxinit.UnknownInitializerError, match=r"Outside 'keras:', with another meaning: 'dirac'"):
        mlxinit.get("keras:dirac")


def test_no_close_name_points_to_the_listing(registry: mlxinit.Registry) -> None:
    """An unknown name with nothing close points to `mlxinit list` instead of printing every name."""
    with pytest.raises(mlxinit.UnknownInitializerError) as info:
        registry.get("xyzzy_foo")
    message = str(info.value)
    assert "`mlxinit list`" in message
    assert "glorot_uniform" not in message
    assert len(message) < 200
