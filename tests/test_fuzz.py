"""Fuzzing the public entry points: every input ends in a valid array or an MlxinitError.

Hypothesis drives ``get`` (names, parameters, dtypes, seeds, keys), the initializers it
returns (arrays and shapes: empty, high-rank, malformed), config mappings, recipes (JSON and
TOML files), ``apply`` rules and presets on a small model, and the command line (in this
process). Any exception that is not an :class:`mlxinit.MlxinitError` fails the test, with
the input that raised it. Regression tests for what this found are at the end, in plain form.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import typing
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import mlx.core as mx
import mlx.nn as nn
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import mlxinit
import mlxinit.sampling
import mlxinit.validate
from mlxinit import _cli

T = TypeVar("T")

# The whole file takes 10-20 s on two cores (load-dependent); raise max_examples locally to search harder.
FUZZ = settings(deadline=None, max_examples=250, suppress_health_check=[HealthCheck.too_slow])
MORE = settings(FUZZ, max_examples=600)


def mostly(good: st.SearchStrategy[Any], *bad: st.SearchStrategy[Any], weight: int = 3) -> st.SearchStrategy[Any]:
    """``good`` about ``weight`` times as often as each of ``bad``.

    (``st.one_of`` would not do: it treats a repeated strategy as one branch.)
    """
    branches = [good] * weight + list(bad)
    return st.sampled_from(range(len(branches))).flatmap(lambda i: branches[i])


PARAMS_OF = {n: [p.name for p in mlxinit.info(n).params or ()] for n in mlxinit.available()}
NAMES = sorted({*PARAMS_OF, "kaiming_normal", "xavier_uniform", "trunc_normal", "zero", "one", "HeNormal"})
ODD_NAMES = [
    "", " ", ":", "::", "torch:", ":normal", "mlxinit:normal", "builtin:normal", "mlxinit-compat:kaiming_normal",
    "a:b:c", " normal ", "NORMAL", "He-Normal", "x" * 300, "\x00", "normal\n", "he*", "scaled_normal_0.5",
]
OTHER_PARAMS = ["registry", "seed", "key", "dtype", "name", "", "foo", "Std", "std "]
CHOICES = [
    "fan_in", "fan_out", "fan_avg", "fan_geo_avg", "normal", "uniform", "truncated_normal", "untruncated_normal",
    "relu", "leaky_relu", "tanh", "linear", "selu", "", "FAN_IN",
    # expressions over the model's config and the parameter's path (apply and recipes evaluate them)
    "=0.02/sqrt(2*n_layers)", "=1/0", "=2**4096", "=10**400", "=-1", "=layer", "=sqrt(-1)", "=", "=(", "=nan",
    "=__import__('os')", "=n_layers*1e308", "=0.02*" + "(" * 200 + "1" + ")" * 200,
]

names = mostly(st.sampled_from(NAMES), st.sampled_from(ODD_NAMES), st.text(max_size=12), weight=6)
moderate = st.one_of(
    st.floats(min_value=-8.0, max_value=8.0, allow_nan=False),
    st.integers(min_value=-5, max_value=16),
    st.sampled_from(CHOICES),
)
wild = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e300, 3.4e38, 3.41e38, -3.4e38, 7e4, 3e4, 1e-300, 5e-324, -0.0, 2.0**64, -(2**70)]),
    st.one_of(st.integers(min_value=2**62, max_value=2**3000), st.floats(min_value=1e4, allow_infinity=False)),
    st.integers(),
    st.booleans(),
    st.none(),
    st.text(max_size=6),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=3), st.integers(-2, 2), st.none()), st.integers(-2, 2), max_size=3),
    st.complex_numbers(max_magnitude=2, allow_nan=False),
    st.sampled_from([
        mx.array(0.5), mx.array([1.0, 2.0]), mx.array(True), mx.array(3), mx.array(float("nan")), mx.random.key(0),
        b"x", (), object(),
    ]),
)
values = mostly(moderate, wild, weight=2)
VALID_DTYPES = [None, mx.float32, mx.float16, mx.bfloat16, "float32", "fp16", "bf16", "half", " FP16 ", "mx.float16"]
dtypes = mostly(
    st.sampled_from(VALID_DTYPES),
    st.sampled_from([mx.float64, mx.int32, mx.uint8, mx.bool_, mx.complex64, "int8", "float64", "", "mlx.core.int32"]),
    st.one_of(st.text(max_size=5), st.integers(), st.floats(), st.just(float)),
)
seeds = mostly(
    st.one_of(st.none(), st.integers(min_value=0, max_value=2**64 - 1)),
    st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.floats(), st.text(max_size=3)),
    st.just(mx.array(3)),
)
keys = mostly(
    st.one_of(st.none(), st.just(mx.random.key(1))),
    st.sampled_from([
        mx.array([1, 2]), mx.zeros((2,), dtype=mx.uint32), mx.random.key(1).astype(mx.int32), mx.zeros((3,)),
        [1, 2], (1, 2, 3), [-1, 2], [2**32, 0], [True, False], "key", 7,
    ]),
)

MAX_SIZE = 4096


def _small(shape: list[int]) -> bool:
    return math.prod(shape) <= MAX_SIZE


valid_shapes = st.lists(st.integers(min_value=0, max_value=6), max_size=8).filter(_small).map(tuple)
odd_shapes = st.one_of(
    st.lists(
        st.one_of(
            st.integers(min_value=-3, max_value=3), st.booleans(), st.floats(), st.text(max_size=1),
            st.integers(min_value=2**31, max_value=2**70), st.none(), st.just(mx.array(2)),
        ),
        min_size=1,
        max_size=4,
    ).map(tuple),
    st.lists(st.integers(min_value=0, max_value=4), max_size=4),  # a list is a shape too
    st.one_of(st.integers(), st.text(max_size=3), st.none(), st.just({"shape": (2, 2)}), st.just(mx.array(2.0))),
)
array_dtypes = st.sampled_from([mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.uint8, mx.bool_])
targets = mostly(
    st.one_of(valid_shapes, st.builds(lambda s, d: mx.zeros(s, dtype=d), valid_shapes, array_dtypes)),
    odd_shapes,
)
call_kwargs = mostly(
    st.just({}),
    st.dictionaries(st.sampled_from(["gain", "mode", "key", "region", "foo", "a"]), values, max_size=2),
    st.lists(
        st.one_of(
            st.tuples(st.integers(-2, 7), st.integers(-2, 7)),
            st.builds(slice, st.one_of(st.none(), st.integers(-3, 7)), st.one_of(st.none(), st.integers(-3, 7))),
            st.builds(slice, st.integers(0, 3), st.integers(0, 3), st.sampled_from([None, 1, 2, -1, 0])),
            st.builds(slice, values, values),
            values,
        ),
        max_size=3,
    ).map(lambda r: {"region": r}),
    st.tuples(values).map(lambda t: {"__args__": t}),
    weight=4,
)


def outcome(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``fn(...)``, or ``None`` where it raised an MlxinitError; any other exception propagates."""
    try:
        return fn(*args, **kwargs)
    except mlxinit.MlxinitError:
        return None


def check_array(init: mlxinit.Initializer, out: Any, shape: tuple[int, ...]) -> None:
    """A real result: a finite floating array of the shape asked for, in the initializer's dtype."""
    assert isinstance(out, mx.array), type(out)
    assert tuple(out.shape) == shape
    assert out.dtype == (init.dtype or mx.float32), (init, out.dtype)
    mx.eval(out)
    assert mx.all(mx.isfinite(out)).item(), (init, shape, out)


def exercise(init: mlxinit.Initializer, target: Any, kwargs: Mapping[str, Any]) -> None:
    """Call ``init`` on ``target`` (an array, a shape or something else) and check what it gives."""
    assert isinstance(init, mlxinit.Initializer)
    assert isinstance(repr(init), str)
    args = kwargs.get("__args__", ())
    kwargs = {k: v for k, v in kwargs.items() if k != "__args__"}
    out = outcome(init, target, *args, **kwargs)
    if out is not None:
        shape = tuple(target.shape) if isinstance(target, mx.array) else tuple(target)
        event("an array")
        if "region" in kwargs and kwargs["region"] is not None:
            box = _box(shape, kwargs["region"])
            check_array(init, out, tuple(stop - start for start, stop in box))
            key = kwargs.get("key")
            if _rng_is_key(key) and not args and set(kwargs) <= {"key", "region"}:
                full = init(target, key=key)
                assert mx.array_equal(out, full[tuple(slice(a, b) for a, b in box)]).item(), (init, box)
            return
        check_array(init, out, shape)
        std = outcome(init.expected_std, shape)
        assert std is None or (isinstance(std, float) and math.isfinite(std) and std >= 0.0), std


def _rng_is_key(key: object) -> bool:
    return isinstance(key, mx.array) and key.shape == (2,) and key.dtype == mx.uint32


def _box(shape: tuple[int, ...], region: Any) -> list[tuple[int, int]]:
    """The (start, stop) per axis that a region accepted by an initializer cuts out of ``shape``."""
    box = []
    for axis, n in enumerate(shape):
        r = region[axis] if axis < len(region) else slice(None)
        if isinstance(r, slice):
            start, stop, _ = r.indices(n)
            box.append((start, max(start, stop)))
        else:
            box.append((r[0], r[1]))
    return box


# ------------------------------------------------------------------ get and its initializers


@MORE
@given(data=st.data(), name=names, dtype=dtypes, seed=seeds, key=keys, target=targets, kwargs=call_kwargs)
def test_get_and_call(
    data: st.DataObject, name: str, dtype: Any, seed: Any, key: Any, target: Any, kwargs: dict[str, Any]
) -> None:
    """Any name, parameters, dtype, seed and key: an Initializer whose calls give arrays, or an MlxinitError."""
    own = PARAMS_OF.get(name, [])
    param_names = mostly(st.sampled_from(own), st.sampled_from(OTHER_PARAMS)) if own else st.sampled_from(OTHER_PARAMS)
    params = data.draw(st.dictionaries(param_names, values, max_size=3 if own else 1), label="params")
    init = outcome(mlxinit.get, name, **{**params, "dtype": dtype, "seed": seed, "key": key})
    if init is not None:
        event("built")
        exercise(init, target, kwargs)
        exercise(init, target, {"key": mx.random.key(2)})
        again = outcome(mlxinit.get, dict(init.config))
        assert again == init


PER_NAME = settings(FUZZ, max_examples=25)


@pytest.mark.parametrize("name", sorted(PARAMS_OF))
@PER_NAME
@given(data=st.data(), dtype=st.sampled_from(VALID_DTYPES), target=valid_shapes)
def test_parameter_values(name: str, data: st.DataObject, dtype: Any, target: tuple[int, ...]) -> None:
    """Each name's own parameters with any values (NaN, inf, huge, negative, bools, wrong types)."""
    own = PARAMS_OF[name] or ["foo"]
    params = data.draw(st.dictionaries(st.sampled_from(own), mostly(wild, moderate, weight=1), max_size=4))
    init = outcome(mlxinit.get, name, dtype=dtype, **params)
    if init is not None:
        event("built")
        exercise(init, target, {})


huge_dims = st.integers(min_value=2**31, max_value=2**80)
shapes_of_any_kind = mostly(
    valid_shapes,
    st.lists(mostly(st.integers(min_value=0, max_value=3), huge_dims, st.integers(max_value=-1)), max_size=9).map(
        tuple
    ),
    st.lists(st.integers(min_value=1, max_value=2), min_size=6, max_size=12).filter(_small).map(tuple),
    odd_shapes,
    weight=2,
)


@pytest.mark.parametrize("name", sorted(PARAMS_OF))
@PER_NAME
@given(
    dtype=st.sampled_from(VALID_DTYPES),
    seed=st.one_of(st.none(), st.just(5)),
    target=shapes_of_any_kind,
    kwargs=call_kwargs,
)
def test_shapes_and_call_arguments(
    name: str, dtype: Any, seed: int | None, target: Any, kwargs: dict[str, Any]
) -> None:
    """Every name on any shape (empty, high rank, huge or malformed dims) with any call-time arguments."""
    init = outcome(mlxinit.get, name, dtype=dtype, seed=seed)
    if init is not None:
        exercise(init, target, kwargs)


configs = mostly(
    st.fixed_dictionaries(
        {"name": st.sampled_from(NAMES)},
        optional={"dtype": dtypes, "seed": seeds, "key": keys, **{p: values for p in ("std", "gain", "mode", "mean")}},
    ),
    st.dictionaries(
        st.one_of(st.sampled_from(["name", "std", "dtype", "seed", "key"]), st.text(max_size=4), st.integers()),
        st.one_of(values, names, dtypes, keys),
        max_size=4,
    ),
    st.fixed_dictionaries({"name": st.one_of(names, values)}),
)


@MORE
@given(config=configs, dtype=mostly(st.none(), dtypes), target=targets)
def test_config_mappings(config: dict[Any, Any], dtype: Any, target: Any) -> None:
    """Any mapping as a config: an Initializer (that serializes and rebuilds) or an MlxinitError."""
    init = outcome(mlxinit.get, config, dtype=dtype)
    if init is None:
        return
    event("built")
    exercise(init, target, {})
    data = outcome(mlxinit.serialize, init)
    if data is not None:
        assert mlxinit.get(json.loads(json.dumps(data))) == init


# ------------------------------------------------------------------ every other public entry point

anything = st.one_of(values, names, dtypes, keys, odd_shapes, valid_shapes, st.just(lambda a: a))


def _registry() -> mlxinit.Registry:
    return mlxinit.Registry(plugins=False)


#: name -> (function, how many arguments it requires, how many it takes)
ENTRY_POINTS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "available": (lambda *a: _registry().available(*a), 0, 1),
    "info": (lambda *a: _registry().info(*a), 1, 1),
    "register": (lambda n, f, *a: _registry().register(n, f, aliases=a[0] if a else ()), 2, 3),
    "register (decorator)": (lambda n, f: _registry().register(n)(f), 2, 2),
    "unregister": (lambda *a: _registry().unregister(*a), 1, 1),
    "block": (lambda *a: _registry().block(*a), 1, 1),
    "unblock": (lambda *a: _registry().unblock(*a), 1, 1),
    "prefer": (lambda *a: _registry().prefer(*a), 2, 2),
    "compute_fans": (mlxinit.compute_fans, 1, 2),
    "calculate_gain": (mlxinit.calculate_gain, 1, 2),
    "param_key": (mlxinit.param_key, 2, 2),
    "serialize": (mlxinit.serialize, 1, 1),
    "load_recipe": (lambda src, *f: mlxinit.load_recipe(src, **({"format": f[0]} if f else {})), 1, 2),
    "Recipe.from_dict": (mlxinit.Recipe.from_dict, 1, 1),
    "Fill": (lambda *a: _use_fill(mlxinit.Fill(*a)), 1, 5),
    "Initializer.expected_std": (lambda shape: mlxinit.get("he_normal").expected_std(shape), 1, 1),
    "check_real": (lambda v: mlxinit.validate.check_real("x", "p", v), 1, 1),
    "check_int": (lambda v: mlxinit.validate.check_int("x", "p", v), 1, 1),
    "check_choice": (lambda v: mlxinit.validate.check_choice("x", "p", v, ("fan_in", "fan_out")), 1, 1),
    "truncated_std": (mlxinit.sampling.truncated_std, 2, 2),
}


def _use_fill(fill: mlxinit.Fill) -> None:
    """An Initializer around the fill, with its promises read."""
    init = mlxinit.Initializer(fill, name="fuzz")
    assert isinstance(init.mean, float)
    assert init.distribution in (None, *typing.get_args(mlxinit.Distribution))
    outcome(init.expected_std, (2, 2))


@FUZZ
@given(data=st.data(), entry=st.sampled_from(sorted(ENTRY_POINTS)))
def test_public_entry_points(data: st.DataObject, entry: str) -> None:
    """The other public functions, given arguments of any type: a result or an MlxinitError."""
    fn, required, most = ENTRY_POINTS[entry]
    args = data.draw(st.lists(anything, min_size=required, max_size=most), label="args")
    if entry == "load_recipe" and isinstance(args[0], str) and not args[0].lstrip().startswith("{"):
        args[0] = "\n" + args[0]  # text, not a path to probe on this machine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mlxinit.MlxinitWarning)
        outcome(fn, *args)


# ------------------------------------------------------------------ recipes, rules and apply


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.LayerNorm(3), nn.Linear(3, 2, bias=False))


RULE_KEYS = [
    "layers.0.weight", "layers.0.bias", "layers.1.weight", "*.bias", "*", "**", "layers.*.weight", "type:Linear",
    "type:Linear.weight", "type:LayerNorm.bias", "type:Module", "type:", "type:1x", "type:Linear.", "type:.w",
    "[", "[!", "", " ", "nothing.matches", "type:Sequential.layers", "type:Linear.weight.x", "layers.[0-1].weight",
]
rule_keys = mostly(
    st.sampled_from(RULE_KEYS),
    st.text(max_size=8),
    st.sampled_from([nn.Linear, nn.LayerNorm, nn.Module, int, (nn.Linear, "weight"), (nn.Linear, 3), (1, 2), 3, None]),
)
identifiers = mostly(
    st.sampled_from(NAMES),
    names,
    configs,
    st.sampled_from([mlxinit.get("zeros"), mlxinit.get("normal", seed=1), lambda a: a, lambda a: 3, print]),
    values,
)
rule_sets = mostly(
    st.dictionaries(rule_keys, identifiers, max_size=4),
    st.lists(st.tuples(rule_keys, identifiers), max_size=3),
    st.lists(st.one_of(st.tuples(rule_keys), st.just("x"), st.tuples(rule_keys, identifiers, identifiers)), max_size=2),
    st.one_of(st.none(), st.integers(), st.text(max_size=3)),
)
presets = mostly(
    st.none(),
    st.sampled_from(["gpt2", "llama", "torch-default", "GPT2", "gtp2", "", 3, len]),
    st.fixed_dictionaries(
        {"name": st.sampled_from(["gpt2", "llama", "torch-default", "nope"])},
        optional={"n_layer": values, "std": values, "residual": values, "foo": values},
    ),
    st.dictionaries(st.text(max_size=3), values, max_size=2),
)


def _flat(model: nn.Module) -> dict[str, mx.array]:
    from mlx.utils import tree_flatten

    return dict(tree_flatten(model.parameters()))


def check_apply(model: nn.Module, *args: Any, **kwargs: Any) -> None:
    """``apply`` gives a report (finite values, shapes and dtypes kept), or an MlxinitError and no change."""
    before = _flat(model)
    with warnings.catch_warnings():  # a closure that takes no key, keyed by a seed, warns (as documented)
        warnings.simplefilter("ignore", mlxinit.MlxinitWarning)
        report = outcome(mlxinit.apply, model, *args, **kwargs)
    after = _flat(model)
    assert {k: (v.shape, v.dtype) for k, v in after.items()} == {k: (v.shape, v.dtype) for k, v in before.items()}
    if report is None:
        assert all(after[k] is before[k] for k in before), "a failed apply changed parameters"
        return
    event("applied")
    assert isinstance(report, mlxinit.ApplyReport)
    assert isinstance(str(report), str)
    for path in report.initialized:
        assert mx.all(mx.isfinite(after[path])).item(), (path, report)


shardings = mostly(
    st.none(),
    st.dictionaries(
        st.one_of(st.sampled_from(RULE_KEYS[:8]), st.text(max_size=4), st.integers(-2, 2)),
        st.one_of(
            st.sampled_from(["all-to-sharded", "sharded-to-all", "all-to-all", ""]),
            st.fixed_dictionaries(
                {"sharding": st.sampled_from(["all-to-sharded", "sharded-to-all", "x"])},
                optional={"segments": values},
            ),
            st.dictionaries(st.one_of(st.sampled_from(["sharding", "segments"]), st.integers(-1, 1)), values),
            values,
        ),
        max_size=2,
    ),
    values,
)
groups = mostly(st.none(), st.sampled_from([mx.distributed.init(), 3, "world"]))


@FUZZ
@given(rules=rule_sets, preset=presets, seed=seeds, strict=st.booleans(), sharding=shardings, group=groups)
def test_apply_rules(rules: Any, preset: Any, seed: Any, strict: bool, sharding: Any, group: Any) -> None:
    """Any rules, preset, seed and sharding on a small model: a report, or an MlxinitError with nothing changed."""
    check_apply(_model(), rules, preset=preset, seed=seed, strict=strict, sharding=sharding, group=group)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)  # TOML spells floats as Python does, inf and nan included
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Mapping):
        pairs = (f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(x)}" for k, x in v.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(v)


def to_toml(data: Mapping[str, Any]) -> str:
    """TOML text for plain data (None values left out, as TOML has no null)."""
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}\n" for k, v in _no_none(data).items())


def _no_none(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _no_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_no_none(x) for x in v if x is not None]
    return v


plain = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-3, 3), st.booleans()), inner, max_size=3),
    ),
    max_leaves=6,
)
json_identifiers = st.one_of(
    st.sampled_from(NAMES),
    st.text(max_size=6),
    st.fixed_dictionaries({"name": st.sampled_from(NAMES)}, optional={"std": plain, "gain": plain, "dtype": plain}),
    plain,
)
recipe_data = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "rules": st.one_of(st.dictionaries(st.sampled_from(RULE_KEYS[:12]), json_identifiers, max_size=3), plain),
            "preset": st.one_of(st.sampled_from(["gpt2", "llama", "torch-default", "nope"]), plain),
            "seed": st.one_of(st.integers(min_value=-5, max_value=2**65), plain),
            "extra": plain,
        },
    ),
    st.dictionaries(st.one_of(st.sampled_from(["rules", "seed", "preset"]), st.integers(-2, 2)), plain, max_size=3),
    plain,
)


@FUZZ
@given(data=recipe_data, fmt=st.sampled_from(["json", "toml", "yaml"]))
def test_recipe_files(tmp_path_factory: pytest.TempPathFactory, data: Any, fmt: str) -> None:
    """Any JSON, TOML or YAML recipe file loads to a Recipe that applies, or raises an MlxinitError."""
    if fmt == "toml" and not isinstance(data, Mapping):
        return  # TOML documents are tables
    if fmt == "json":
        text = json.dumps(data)
    elif fmt == "toml":
        text = to_toml(data)
    else:
        yaml = pytest.importorskip("yaml")
        text = yaml.safe_dump(data)
    path = tmp_path_factory.mktemp("recipe") / f"init.{fmt}"
    path.write_text(text, encoding="utf-8")
    recipe = outcome(mlxinit.load_recipe, path)
    if recipe is not None:
        assert isinstance(recipe, mlxinit.Recipe)
        assert json.loads(recipe.to_json(allow_nan=True)) is not None
        check_apply(_model(), recipe)


@FUZZ
@given(text=st.text(max_size=40), fmt=st.sampled_from(["json", "toml", "yaml", None, "xml", ""]))
def test_recipe_text(text: str, fmt: str | None) -> None:
    """Any text, in any format: a Recipe or an MlxinitError (never a parser's own exception)."""
    recipe = outcome(mlxinit.load_recipe, text, format=fmt)
    assert recipe is None or isinstance(recipe, mlxinit.Recipe)


# ------------------------------------------------------------------ the command line

cli_names = mostly(st.sampled_from(NAMES), st.sampled_from(ODD_NAMES), st.text(max_size=8), weight=4)
cli_numbers = mostly(
    st.integers(min_value=1, max_value=6).map(str),
    st.integers(min_value=-3, max_value=0).map(str),
    st.sampled_from(["2147483648", "18446744073709551616", "1e3", "0x10", "", " 3", "nan", "-0"]),
    st.text(max_size=4),
)
cli_values = st.one_of(
    st.sampled_from(["0.5", "-1", "NaN", "Infinity", "1e999", "1e39", "true", "null", '"fan_out"', "fan_out", "[1]",
                     "{}", '"x"', ""]),
    st.floats().map(json.dumps),
    st.text(max_size=5),
)
cli_params = st.tuples(
    st.one_of(st.sampled_from(sorted({p for ps in PARAMS_OF.values() for p in ps})), st.sampled_from(OTHER_PARAMS)),
    cli_values,
).map(lambda kv: f"{kv[0]}={kv[1]}")
sample_options = mostly(
    cli_params.map(lambda p: ["--param", p]),
    st.lists(cli_numbers, max_size=9).map(lambda dims: ["--shape", *dims]),
    st.sampled_from([*VALID_DTYPES[1:], "int8", "float64", "", "x"]).map(lambda d: ["--dtype", str(d)]),
    cli_numbers.map(lambda n: ["--seed", n]),
    st.just(["--json"]),
    st.just(["--help"]),
    st.text(max_size=5).map(lambda t: [t]),
)
command_lines = st.one_of(
    st.tuples(cli_names, st.lists(sample_options, max_size=4)).map(
        lambda t: ["sample", t[0], *(w for option in t[1] for w in option)]
    ),
    st.tuples(st.just("info"), cli_names, st.lists(st.sampled_from(["--json", "--help", "-x"]), max_size=1)).map(
        lambda t: [t[0], t[1], *t[2]]
    ),
    st.tuples(
        st.just("list"),
        st.lists(st.one_of(st.text(max_size=4), st.sampled_from(["he_*", "torch", "[", "*:*", "--json"])), max_size=1),
        st.lists(st.sampled_from(["builtin", "plugin", "runtime", "x", ""]).map(lambda s: ["--source", s]), max_size=1),
    ).map(lambda t: [t[0], *t[1], *(w for option in t[2] for w in option)]),
    st.lists(st.sampled_from(["plugins", "--json", "--version", "--help", "lsit", "check", "x"]), max_size=3),
    st.tuples(st.just("check"), st.one_of(st.text(max_size=6), st.sampled_from(["", "numpy", "mlxinit"]))).map(list),
)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``mlxinit ARGV`` in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _cli.main(argv)
    return status, out.getvalue(), err.getvalue()


@FUZZ
@given(argv=command_lines)
def test_cli(argv: list[str]) -> None:
    """Any command line: a status with output, or a one-line error; never an internal error or a traceback."""
    status, out, err = run_cli(argv)
    assert isinstance(status, int)
    assert "internal error" not in err, err
    assert "Traceback" not in err, err
    if status == 0:
        assert out.strip()
    elif argv and argv[0] == "check" and out.strip():
        assert "FAIL" in out  # a conformance report that found failures (exit 1), not an error
    elif argv and argv[0] in ("sample", "info", "list", "check") and "--help" not in argv:
        assert len(err.strip().splitlines()) == 1, err


# ------------------------------------------------------------------ what the fuzzing found, as plain tests


def test_call_time_arguments_the_closure_does_not_take() -> None:
    """An extra positional or an unknown keyword at call time: a ParameterTypeError, not Python's TypeError."""
    with pytest.raises(mlxinit.ParameterTypeError, match=r"identity: parameter '\*args' expected at most 0 positional"):
        mlxinit.get("identity")(mx.zeros((2, 2)), 2.0)
    with pytest.raises(mlxinit.ParameterTypeError, match=r"normal: parameter 'foo' expected no call-time arguments"):
        mlxinit.get("normal")((2, 2), foo=1)
    with pytest.raises(mlxinit.ParameterTypeError, match=r"one of the call-time arguments 'mode', 'gain'") as caught:
        mlxinit.get("he_normal")((4, 4), gian=2.0)
    assert caught.value.parameter == "gian"
    assert mlxinit.get("he_normal")((4, 4), "fan_out", gain=2.0).shape == (4, 4)  # what it takes still works


def test_a_dimension_beyond_mlx_range_is_a_shape_error() -> None:
    """A shape with a dimension of 2**31 or more raises ShapeError (MLX would raise OverflowError)."""
    with pytest.raises(mlxinit.ShapeError, match=r"each at most 2\*\*31 - 1"):
        mlxinit.get("zeros")((2**31,))
    with pytest.raises(mlxinit.ShapeError):
        mlxinit.get("normal")([3, 2**40])


@pytest.mark.parametrize(
    ("name", "params", "dtype", "parameter"),
    [
        ("constant", {"value": 3.41e38}, None, "value"),
        ("constant", {"value": 1e5}, "float16", "value"),
        ("normal", {"std": 1e300}, None, "std"),
        ("normal", {"mean": 3.4e38, "std": 1e37}, None, "mean"),
        ("uniform", {"low": -1e308, "high": 1e308}, None, "low"),
        ("uniform", {"low": -4e4, "high": 4e4}, "float16", "high"),
        ("truncated_normal", {"std": 2e38}, None, "std"),
        ("eye", {"gain": 1e6}, "float16", "gain"),
        ("orthogonal", {"gain": 1e39}, None, "gain"),
        ("he_normal", {"gain": 1e300}, None, "gain"),
        ("glorot_uniform", {"gain": 2e4}, "float16", "gain"),
        ("variance_scaling", {"scale": 1e300}, None, "scale"),
        ("sparse", {"sparsity": 0.5, "std": 1e300}, None, "std"),
    ],
)
def test_values_the_dtype_cannot_hold_are_refused(
    name: str, params: dict[str, float], dtype: str | None, parameter: str
) -> None:
    """Parameters that would fill the array with inf (or NaN) raise InvalidParameterError when built."""
    with pytest.raises(mlxinit.InvalidParameterError, match=rf"'{parameter}' expected a number whose values fit") as e:
        mlxinit.get(name, dtype=dtype, **params)
    assert e.value.parameter == parameter


@pytest.mark.parametrize(
    ("bounds", "parameter"),
    [((6.0, 3.4028235677973366e38), "lower"), ((5.0, 5.2), "lower"), ((-1e30, -4.0), "upper"), ((3.8, 1e30), "lower")],
)
def test_truncation_beyond_the_samplers_reach_is_refused(bounds: tuple[float, float], parameter: str) -> None:
    """An interval (almost) wholly in a tail float32 cannot draw from: refused (it gave NaN, inf or its bound)."""
    lower, upper = bounds
    with pytest.raises(mlxinit.InvalidParameterError, match="float32 draws reach") as caught:
        mlxinit.get("truncated_normal", lower=lower, upper=upper)
    assert caught.value.parameter == parameter


def test_a_far_bound_never_lands_in_the_draws() -> None:
    """A far one-sided bound (1e30) is drawn as ±5.3 std: no draw lands on the bound or on inf."""
    init = mlxinit.get("truncated_normal", lower=-1e30, upper=1e30)
    w = init((2048, 2048), key=mx.random.key(0))
    assert mx.max(mx.abs(w)).item() < 5.4
    tail = mlxinit.get("truncated_normal", lower=3.0, upper=1e30)((4096, 1024), key=mx.random.key(1))
    assert 3.0 <= mx.min(tail).item() <= mx.max(tail).item() < 5.4


def test_values_the_dtype_can_hold_are_kept() -> None:
    """Just inside the dtype's range, values are finite; a call-time gain is checked the same way."""
    for init, shape in [
        (mlxinit.get("constant", value=3.4e38), (3,)),
        (mlxinit.get("uniform", low=-3e4, high=3e4, dtype="float16"), (64,)),
        (mlxinit.get("normal", std=1e4, dtype="float16"), (64,)),
        (mlxinit.get("truncated_normal", std=1e38), (64,)),
    ]:
        assert mx.all(mx.isfinite(init(shape))).item(), init
    with pytest.raises(mlxinit.InvalidParameterError, match="'gain' expected a number whose values fit float16"):
        mlxinit.get("he_normal", dtype="float16")((4, 4), gain=1e5)


def test_segments_beyond_any_dimension() -> None:
    """segments=2**63 is refused when built; many segments of an empty axis make one empty array.

    (Both raised OverflowError from building a tuple of that many segments, and a large count
    would have built it.)
    """
    with pytest.raises(mlxinit.InvalidParameterError, match="'segments' expected a positive int below 2"):
        mlxinit.get("glorot_uniform", segments=2**63)
    assert mlxinit.get("glorot_uniform", segments=10**8)((0, 4)).shape == (0, 4)


@pytest.mark.parametrize("shape", [(0, 0, 0), (2, 0, 2), (0, 3, 0, 2), (2, 0, 0, 0, 2)])
def test_dirac_on_empty_shapes(shape: tuple[int, ...]) -> None:
    """dirac fills an empty kernel (MLX refused to scatter its centre tap into a zero-size axis)."""
    assert mlxinit.get("dirac")(shape).shape == shape
    assert mlxinit.get("dirac").expected_std(shape) == 0.0


def test_truncated_std_refuses_non_numbers() -> None:
    """mlxinit.sampling.truncated_std takes real bounds (±inf allowed), not strings or NaN."""
    with pytest.raises(mlxinit.ParameterTypeError, match="truncated_std: parameter 'lower' expected a real number"):
        mlxinit.sampling.truncated_std("HeNormal", 2.0)  # type: ignore[arg-type]
    with pytest.raises(mlxinit.InvalidParameterError, match="not NaN"):
        mlxinit.sampling.truncated_std(0.0, math.nan)
    assert mlxinit.sampling.truncated_std(-math.inf, math.inf) == pytest.approx(1.0)


def test_truncated_std_of_an_int_bound_beyond_the_float_range() -> None:
    """An int bound no float can hold is as far out as infinity (it raised OverflowError)."""
    assert mlxinit.sampling.truncated_std(0.0, 2**2000) == mlxinit.sampling.truncated_std(0.0, math.inf)


def test_gpt2_preset_checks_n_layer_and_std() -> None:
    """gpt2's n_layer beyond 2**63 or a non-number std: InvalidParameterError (OverflowError, TypeError before)."""
    with pytest.raises(mlxinit.InvalidParameterError, match="'n_layer' expected a positive int below 2"):
        mlxinit.apply(_model(), preset={"name": "gpt2", "n_layer": 2**2000})
    for std in ("x", 2**2000, math.nan):
        with pytest.raises(mlxinit.InvalidParameterError, match="gpt2: parameter 'std' expected a positive finite"):
            mlxinit.apply(_model(), preset={"name": "gpt2", "n_layer": 2, "std": std})


def test_a_preset_that_raises_is_a_factory_error() -> None:
    """A preset raising its own exception: FactoryError with the cause, and nothing changed."""

    def broken(model: nn.Module) -> list[tuple[str, str]]:
        raise ValueError("no luck")

    model = _model()
    before = _flat(model)
    with pytest.raises(mlxinit.FactoryError, match="preset 'broken' raised ValueError: no luck") as caught:
        mlxinit.apply(model, preset=broken)
    assert isinstance(caught.value.__cause__, ValueError)
    assert all(_flat(model)[k] is v for k, v in before.items())


def test_fill_checks_mean_and_truncation() -> None:
    """A Fill's mean and truncation are checked when it is made, not when they are first read."""
    with pytest.raises(mlxinit.FactoryError, match="mean expected a finite real number, got 'x'"):
        mlxinit.Fill(len, mean="x")  # type: ignore[arg-type]
    with pytest.raises(mlxinit.FactoryError, match="truncation expected None or a pair"):
        mlxinit.Fill(len, truncation=(2.0, -2.0))


def test_an_int_beyond_the_float_range_is_not_finite() -> None:
    """A real parameter given as an int no float can hold: InvalidParameterError (check_real raised OverflowError)."""
    with pytest.raises(mlxinit.InvalidParameterError, match="'std' expected a finite number"):
        mlxinit.get("normal", std=2**2000)
    with pytest.raises(mlxinit.InvalidParameterError, match="'gain' expected a finite number"):
        mlxinit.get("glorot_uniform")((4, 4), 2**2000)


def test_expected_std_of_a_plugin_that_breaks_its_promise() -> None:
    """A Fill whose expected_std returns a non-number or raises: FactoryError (float() raised TypeError)."""
    for expected in (lambda shape: shape, lambda shape: -1.0, lambda shape: 1 / 0):
        init = mlxinit.Initializer(mlxinit.Fill(lambda a: mx.zeros(a.shape), expected_std=expected), name="broken")
        with pytest.raises(mlxinit.FactoryError, match="The expected_std of 'broken'"):
            init.expected_std((2, 2))
    with pytest.raises(mlxinit.ParameterTypeError, match="'shape' expected a shape"):
        mlxinit.get("normal").expected_std(3)  # type: ignore[arg-type]


def test_linear_default_fan_in_beyond_float_range() -> None:
    """torch:linear_default with a fan_in no float can take: InvalidParameterError, not OverflowError."""
    with pytest.raises(mlxinit.InvalidParameterError, match=r"below 2\*\*63"):
        mlxinit.get("torch:linear_default", fan_in=2**2000)


def test_trunc_normal_std_too_small_for_its_bounds() -> None:
    """torch:trunc_normal names its own std when (b - mean) / std overflows, not the built-in's 'lower'."""
    with pytest.raises(mlxinit.InvalidParameterError) as caught:
        mlxinit.get("torch:trunc_normal", std=1e-320)
    assert (caught.value.initializer, caught.value.parameter) == ("torch:trunc_normal", "std")


def test_recipe_with_keys_of_several_types() -> None:
    """A YAML recipe with an int key beside string keys: the unknown keys are named (sorting them raised)."""
    pytest.importorskip("yaml")
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"unknown key\(s\) '', 0;"):
        mlxinit.load_recipe("'': null\n0: null\n", format="yaml")
    with pytest.raises(mlxinit.InvalidIdentifierError, match=r"unknown key\(s\) 'a', 1;"):
        mlxinit.Recipe.from_dict({1: 2, "a": 3})


@pytest.mark.parametrize("bad", [slice(0.0, 2.0), slice("a", None), slice(0, 2, 0), slice(None, None, 0)])
def test_a_region_slice_that_is_not_of_ints(bad: slice) -> None:
    """A region slice with float or string bounds, or a step of 0: ShapeError (TypeError, ValueError before)."""
    with pytest.raises(mlxinit.ShapeError, match="a slice of ints with step 1 on axis 0"):
        mlxinit.get("normal")((4, 4), region=[bad])


def test_aliases_that_only_look_iterable() -> None:
    """register(..., aliases=mx.array(2)): RegistrationError (iterating a 0-d array raised TypeError)."""
    with pytest.raises(mlxinit.RegistrationError, match="aliases of 'half': expected a sequence of names"):
        mlxinit.Registry(plugins=False).register("half", lambda: None, aliases=mx.array(2))  # type: ignore[arg-type]


def test_mamba_dt_bias_checks_what_float32_can_hold() -> None:
    """hf:mamba_dt_bias with dt_max beyond the dtype or a dt that underflows to 0: refused (inf/-inf before)."""
    with pytest.raises(mlxinit.InvalidParameterError, match=r"'dt_max' expected a number <= 3\.40282e"):
        mlxinit.get("hf:mamba_dt_bias", dt_max=1e300)
    with pytest.raises(mlxinit.InvalidParameterError, match=r"'dt_floor' expected a number <= 3\.40282e"):
        mlxinit.get("hf:mamba_dt_bias", dt_floor=3.41e38)
    with pytest.raises(mlxinit.InvalidParameterError, match="'dt_max' expected a number <= 65504"):
        mlxinit.get("hf:mamba_dt_bias", dt_max=7e4, dtype="float16")
    with pytest.raises(mlxinit.InvalidParameterError, match="'dt_min' expected dt_min or dt_floor >="):
        mlxinit.get("hf:mamba_dt_bias", dt_min=5e-324, dt_floor=0.0)


def test_apply_checks_its_group_and_sharding() -> None:
    """A group that is not one, a sharding glob that is not a string, a spec with keys of mixed
    types: MlxinitError, with nothing changed (AttributeError, TypeError before)."""
    for kwargs, error in [
        ({"sharding": {"layers.0.weight": "all-to-sharded"}, "group": 3}, mlxinit.ParameterTypeError),
        ({"sharding": {0: "all-to-sharded"}}, mlxinit.InvalidIdentifierError),
        ({"sharding": {"layers.0.weight": {"sharding": "all-to-sharded", 0: 1}}}, mlxinit.InvalidIdentifierError),
    ]:
        model = _model()
        before = _flat(model)
        with pytest.raises(error):
            mlxinit.apply(model, {"*": "zeros"}, **kwargs)
        assert all(_flat(model)[k] is v for k, v in before.items())


@pytest.mark.parametrize("name", ["normal", "uniform", "truncated_normal", "he_normal"])
def test_an_empty_region_keeps_the_dtype(name: str) -> None:
    """A seeded float16 draw of an empty region is float16 (it came back float32)."""
    init = mlxinit.get(name, dtype="float16", seed=0)
    assert init((4, 4), region=[(0, 0)]).dtype == mx.float16
    assert init((0, 4)).dtype == mx.float16


def test_cli_dimension_beyond_mlx_range_is_a_usage_error() -> None:
    """mlxinit sample --shape 2147483648: a usage error (status 2), not an internal error."""
    status, _, err = run_cli(["sample", "normal", "--shape", "2147483648"])
    assert status == 2
    assert "expected a non-negative integer below 2**31" in err


@pytest.mark.parametrize(("key", "advice"), [("seed", "use --seed"), ("dtype", "use --dtype"), ("key", "use --seed")])
def test_cli_param_refuses_options_of_their_own(key: str, advice: str) -> None:
    """--param seed=... (or dtype, key) is a usage error pointing at the option, not an internal error."""
    status, _, err = run_cli(["sample", "normal", "--param", f"{key}=3"])
    assert status == 2
    assert f"{key!r} is not a hyper-parameter; {advice}" in err


def test_cli_main_returns_the_status_after_help() -> None:
    """main(['info', '--help']) returns 0 (argparse's SystemExit does not escape)."""
    status, out, _ = run_cli(["info", "--help"])
    assert status == 0
    assert out.startswith("usage: mlxinit info")


# Found while writing the fuzzers, by trying each public function with wrong types.


def test_compute_fans_refuses_what_is_not_a_shape() -> None:
    """compute_fans('ab') used to answer ('b', 'a'); compute_fans(3) raised TypeError."""
    for bad in ("ab", 3, (2, -1), (2.0, 3), None):
        with pytest.raises(mlxinit.ParameterTypeError, match="'shape' expected a tuple or list of non-negative ints"):
            mlxinit.compute_fans(bad)  # type: ignore[arg-type]
    assert mlxinit.compute_fans([4, 3]) == (3, 4)


def test_calculate_gain_of_a_huge_slope() -> None:
    """leaky_relu's gain for a huge slope is 0.0 (it raised OverflowError)."""
    assert mlxinit.calculate_gain("leaky_relu", 1e200) == 0.0


def test_param_key_checks_its_arguments() -> None:
    """param_key(seed, path) with a bad seed or path: ParameterTypeError (it raised AttributeError)."""
    with pytest.raises(mlxinit.ParameterTypeError, match="'seed' expected an int in"):
        mlxinit.param_key("x", "w")  # type: ignore[arg-type]
    with pytest.raises(mlxinit.ParameterTypeError, match="'path' expected a dotted parameter path"):
        mlxinit.param_key(0, 3)  # type: ignore[arg-type]


def test_load_recipe_refuses_a_source_or_format_of_the_wrong_type() -> None:
    """load_recipe(3) and load_recipe(text, format=3): InvalidIdentifierError (TypeError, AttributeError before)."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match="expected a path or the recipe's text, got 3"):
        mlxinit.load_recipe(3)  # type: ignore[arg-type]
    with pytest.raises(mlxinit.InvalidIdentifierError, match="recipe format: expected 'json'"):
        mlxinit.load_recipe("{}", format=3)  # type: ignore[arg-type]


def test_set_default_registry_refuses_other_objects() -> None:
    """set_default_registry(3) raises, instead of breaking every later module-level call."""
    with pytest.raises(mlxinit.RegistrationError, match="expected a Registry or None, got 3"):
        mlxinit.set_default_registry(3)  # type: ignore[arg-type]
    assert isinstance(mlxinit.default_registry(), mlxinit.Registry)


@pytest.mark.parametrize("bad", [None, 3, ["acme-inits"]])
def test_registry_block_and_unblock_refuse_non_strings(bad: Any) -> None:
    """Registry.block/unblock of a non-string: an MlxinitError (they raise AttributeError: 'strip')."""
    registry = mlxinit.Registry(plugins=False)
    with pytest.raises(mlxinit.MlxinitError):
        registry.block(bad)
    with pytest.raises(mlxinit.MlxinitError):
        registry.unblock(bad)


def test_info_refuses_non_strings() -> None:
    """info(['x']): an MlxinitError naming what was expected (it raises TypeError: unhashable type)."""
    with pytest.raises(mlxinit.MlxinitError, match="expected"):
        mlxinit.Registry(plugins=False).info(["x"])  # type: ignore[arg-type]


def test_rescaled_refuses_a_scale_its_dtype_cannot_hold() -> None:
    """rescaled(scale=65522) in float16 would draw ±inf: refused when built, with the largest scale that fits."""
    with pytest.raises(mlxinit.InvalidParameterError, match=r"fit float16"):
        mlxinit.get("rescaled", init="normal", scale=65522.0, dtype="fp16")
