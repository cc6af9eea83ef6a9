"""Expressions in rule parameters: the safe parser, its operators and errors, and the names apply binds."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlx.utils import tree_flatten

import mlxinit
from _models import TinyTransformer
from mlxinit._expr import MAX_DEPTH, MAX_LENGTH, parse_expression


def ev(text: str, **names: Any) -> Any:
    return parse_expression(text).evaluate(names)


# ------------------------------------------------------------------ operators


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("=1+2", 3),
        ("=7-10", -3),
        ("=6*7", 42),
        ("=7/2", 3.5),
        ("=2**10", 1024),
        ("=2**-1", 0.5),
        ("=2**0.5", math.sqrt(2)),
        ("=-3", -3),
        ("=+3", 3),
        ("=--3", 3),
        ("=-2**2", -4),  # ** binds tighter than a unary minus on its left, as in Python
        ("=2**3**2", 512),  # right-associative
        ("=(2**3)**2", 64),
        ("=1+2*3", 7),
        ("=(1+2)*3", 9),
        ("=8/4/2", 1.0),  # left-associative
        ("=8-4-2", 2),
        ("=sqrt(16)", 4.0),
        ("=log(1)", 0.0),
        ("=log(2.718281828459045)", 1.0),
        ("=min(3, 1, 2)", 1),
        ("=max(3, 1, 2.5)", 3),
        ("= 0.02 / sqrt( 2 * 4 )", 0.02 / math.sqrt(8)),
        ("=1e-3", 0.001),
        ("=.5", 0.5),
        ("=5.", 5.0),
        ("=2.5E2", 250.0),
    ],
)
def test_each_operator_and_function(text: str, value: float) -> None:
    """Every operator, function and literal form gives Python's value for it."""
    got = ev(text)
    assert got == pytest.approx(value, rel=1e-15, abs=0)
    assert type(got) is type(value), (text, got)


def test_integers_stay_integers_until_a_float_step() -> None:
    """+ - * ** of ints give an int (for int parameters); / and sqrt give a float."""
    assert ev("=n*2+1", n=4) == 9
    assert isinstance(ev("=n*2+1", n=4), int)
    assert isinstance(ev("=n/2", n=4), float)
    assert isinstance(ev("=sqrt(n)", n=4), float)


def test_the_leading_equals_sign_is_optional_to_the_parser() -> None:
    """parse_expression('1+1') and parse_expression('=1+1') are the same expression."""
    assert parse_expression("1+1") == parse_expression("=1+1")
    assert parse_expression("1+1").text == "=1+1"


def test_names_are_read_from_the_bindings() -> None:
    """Names take their bound values; the expression lists the names it uses."""
    e = parse_expression("=0.02/sqrt(2*n_layers) + 0*fan_in")
    assert e.names == {"n_layers", "fan_in"}
    assert e.evaluate({"n_layers": 8, "fan_in": 3}) == pytest.approx(0.005)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("=", "empty expression"),
        ("=1+", r"expected a number, a name, a call or '\(' at position 4, got the end"),
        ("=(1", r"expected '\)' at position 4"),
        ("=1 2", "expected an operator"),
        ("=x.y", "attribute access is not part of expressions"),
        ("=a[0]", "subscripts are not part of expressions"),
        ("='a'", "strings are not part of expressions"),
        ("=__import__('os')", "strings are not part of expressions"),
        ("=lambda: 1", r"unexpected character ':'"),
        ("=lambda x", "only arithmetic is part of expressions"),
        ("=[x for x in y]", "subscripts are not part of expressions"),
        ("=foo(1)", "unknown function 'foo'"),
        ("=sqr(4)", "Did you mean 'sqrt'"),
        ("=sqrt", "'sqrt' is a function"),
        ("=sqrt(1, 2)", r"sqrt\(\) takes 1 argument, got 2"),
        ("=min(1)", r"min\(\) takes at least 2 arguments, got 1"),
        ("=max()", r"max\(\) takes at least 2 arguments, got 0"),
        ("=1 % 2", r"unexpected character '%'"),
        ("=1 // 2", r"expected a number, a name, a call or '\('"),
        ("=1e999", "too large for a float"),
        ("=" + "9" * 400, "more than 300 digits"),
    ],
)
def test_syntax_errors_say_what_was_expected(text: str, match: str) -> None:
    """Text outside the grammar raises ExpressionError saying where and what was expected."""
    with pytest.raises(mlxinit.ExpressionError, match=match) as info:
        parse_expression(text)
    assert info.value.expression == text
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("=1/0", "division by zero"),
        ("=1/(n-n)", "division by zero"),
        ("=sqrt(-1)", "sqrt of a negative number"),
        ("=log(0)", "log of a number <= 0"),
        ("=(-8)**(1/3)", "is not a real number"),
        ("=0**-1", "divides by zero"),
        ("=10.0**400", "overflows"),
        ("=9**9**9", "overflows"),
        ("=1e300*1e300", "not a finite number"),
    ],
)
def test_evaluation_errors_are_expression_errors(text: str, match: str) -> None:
    """Steps outside their domain raise ExpressionError, never ZeroDivisionError or a complex result."""
    with pytest.raises(mlxinit.ExpressionError, match=match):
        ev(text, n=2)


def test_unknown_name_suggests_close_names() -> None:
    """An unknown name is named, with the close bound names (did you mean) and the data on the error."""
    with pytest.raises(mlxinit.ExpressionNameError) as info:
        ev("=0.02/sqrt(2*n_layer)", n_layers=4, d_model=8)
    e = info.value
    assert (e.name, e.possibilities, e.available) == ("n_layer", ["n_layers"], ["d_model", "n_layers"])
    assert "unknown name 'n_layer'. Did you mean 'n_layers'?" in str(e)
    assert isinstance(e, NameError)
    assert isinstance(e, mlxinit.ExpressionError)


@pytest.mark.parametrize("value", ["silu", True, [1, 2], None, float("nan"), {"a": 1}])
def test_names_bound_to_non_numbers_are_refused(value: Any) -> None:
    """A config entry that is not a finite number (a string, a bool, a list, NaN) cannot be used."""
    with pytest.raises(mlxinit.ExpressionError, match="'act' is bound to"):
        ev("=act*2", act=value)


def test_length_and_depth_limits() -> None:
    """Very long or deeply nested text is refused with a limit error, not a RecursionError."""
    with pytest.raises(mlxinit.ExpressionError, match=f"longer than {MAX_LENGTH}"):
        parse_expression("=" + "1+" * MAX_LENGTH + "1")
    deep = "=" + "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(mlxinit.ExpressionError, match="nested deeper"):
        parse_expression(deep)
    with pytest.raises(mlxinit.ExpressionError, match="nested deeper"):
        parse_expression("=" + "-" * 200 + "1")
    with pytest.raises(mlxinit.ExpressionError, match="nested deeper"):
        parse_expression("=" + "2**" * 200 + "1")
    ok = "=" + "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert parse_expression(ok).evaluate() == 1


def test_a_long_flat_chain_evaluates_without_recursion() -> None:
    """A chain of 400 additions (a 400-deep tree) evaluates on the stack machine."""
    assert ev("=" + "+".join(["1"] * 400)) == 400


def test_errors_pickle() -> None:
    """Expression errors survive pickling (multiprocessing) with their data."""
    import pickle

    with pytest.raises(mlxinit.ExpressionNameError) as info:
        ev("=n_layer", n_layers=1)
    e = info.value
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), str(again), again.possibilities) == (type(e), str(e), e.possibilities)


# ------------------------------------------------------------------ no escape to Python (property tests)

_EVENTS: list[str] = []
_WATCHING: list[bool] = [False]


def _audit(event: str, args: Any) -> None:
    if _WATCHING[0] and event in ("exec", "compile", "import", "builtins.input", "os.system", "subprocess.Popen"):
        _EVENTS.append(event)


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records while watching


def _run(text: str) -> None:
    """Parse and evaluate while recording audit events: the only acceptable outcomes are a finite
    number or an ExpressionError, with no exec, compile or import on the way."""
    _EVENTS.clear()
    _WATCHING[0] = True
    try:
        value = parse_expression(text).evaluate({"n_layers": 12, "d_model": 768, "layer": 3, "x": 0.5})
    except mlxinit.ExpressionError:
        value = None
    finally:
        _WATCHING[0] = False
    assert _EVENTS == []
    if value is not None:
        assert isinstance(value, (int, float))
        assert not isinstance(value, bool)
        assert math.isfinite(value)


import difflib  # noqa: E402, F401 - close_matches imports it lazily; imported before anything is watched

PYTHONISH = st.sampled_from(
    [
        "__import__",
        "('os')",
        ".system",
        "(",
        ")",
        "[",
        "]",
        "lambda",
        ":",
        " for ",
        " in ",
        "x",
        "1",
        "**",
        "*",
        "/",
        "+",
        "-",
        ",",
        "'",
        '"',
        "__class__",
        "__subclasses__",
        "eval",
        "exec",
        "open",
        "sqrt",
        "min",
        "max",
        "log",
        "n_layers",
        ".",
        "{",
        "}",
        "@",
        ";",
        "\n",
        "\\",
        "#",
        "9" * 30,
        "e",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=300))
def test_no_text_escapes_to_python(text: str) -> None:
    """Any text parses and evaluates to a number or raises ExpressionError, with no exec, compile or import."""
    _run("=" + text)


@settings(max_examples=800, deadline=None)
@given(st.lists(PYTHONISH, max_size=60).map("".join))
def test_no_python_looking_text_escapes(text: str) -> None:
    """Texts built from Python's attack vocabulary (imports, dunders, lambdas, comprehensions) never run."""
    _run("=" + text)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=20000), st.sampled_from(["(", "-", "2**", "sqrt(", "min(1,"]))
def test_deep_or_long_input_is_refused_cleanly(depth: int, opener: str) -> None:
    """Nesting to any depth gives a number or an ExpressionError (never RecursionError or MemoryError)."""
    closer = ")" if "(" in opener else ""
    _run("=" + opener * depth + "1" + closer * depth)


def test_the_audit_hook_sees_python_evaluation() -> None:
    """The watch is real: Python's own eval, compile and import are recorded by it."""
    _EVENTS.clear()
    _WATCHING[0] = True
    try:
        eval(compile("1+1", "<x>", "eval"))
        saved = sys.modules.pop("colorsys", None)
        __import__("colorsys")
        if saved is not None:
            sys.modules["colorsys"] = saved
    finally:
        _WATCHING[0] = False
    assert {"compile", "exec", "import"} <= set(_EVENTS)


# A reference evaluator over trees the test builds itself, to check values (not Python's eval).
Tree = Any


def _trees() -> st.SearchStrategy[Tree]:
    leaves = st.one_of(
        st.integers(min_value=0, max_value=50).map(lambda n: ("num", n)),
        st.sampled_from(["n_layers", "d_model", "layer", "x"]).map(lambda n: ("name", n)),
    )

    def grow(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        return st.one_of(
            st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.tuples(st.just("neg"), children),
            st.tuples(st.just("call"), st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)),
            st.tuples(st.just("sqrt"), children),
        )

    return st.recursive(leaves, grow, max_leaves=12)


NAMES = {"n_layers": 12, "d_model": 768, "layer": 3, "x": 0.5}


def _text(t: Tree) -> str:
    kind = t[0]
    if kind == "num":
        return str(t[1])
    if kind == "name":
        return t[1]
    if kind == "bin":
        return f"({_text(t[2])} {t[1]} {_text(t[3])})"
    if kind == "neg":
        return f"-({_text(t[1])})"
    if kind == "sqrt":
        return f"sqrt({_text(t[1])})"
    return f"{t[1]}({', '.join(_text(c) for c in t[2])})"


def _value(t: Tree) -> float:
    kind = t[0]
    if kind == "num":
        return float(t[1])
    if kind == "name":
        return float(NAMES[t[1]])
    if kind == "bin":
        a, b = _value(t[2]), _value(t[3])
        if t[1] == "/" and b == 0:
            raise ZeroDivisionError
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0}[t[1]]
    if kind == "neg":
        return -_value(t[1])
    if kind == "sqrt":
        v = _value(t[1])
        if v < 0:
            raise ValueError
        return math.sqrt(v)
    vals = [_value(c) for c in t[2]]
    return min(vals) if t[1] == "min" else max(vals)


@settings(max_examples=400, deadline=None)
@given(_trees())
def test_values_match_a_reference_evaluation(tree: Tree) -> None:
    """Generated expressions give the value of an independent evaluation of the same tree."""
    text = "=" + _text(tree)
    try:
        want = _value(tree)
    except (ZeroDivisionError, ValueError):
        with pytest.raises(mlxinit.ExpressionError):
            parse_expression(text).evaluate(NAMES)
        return
    got = parse_expression(text).evaluate(NAMES)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ bindings in apply


def _std(a: mx.array) -> float:
    return float(np.asarray(a.astype(mx.float32), dtype=np.float64).std())


def test_apply_reads_n_layers_and_shows_expression_and_value(default_registry: mlxinit.Registry) -> None:
    """n_layers is the longest list of blocks; the report shows the expression and its value."""
    model = TinyTransformer(d=64, n_layer=8)
    rules = {"*.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layers)"}, "*.bias": "zeros"}
    report = mlxinit.apply(model, rules, seed=0)
    row = next(r for r in report.rows if r.path == "layers.0.mlp.0.weight")
    assert row.identifier == "normal(std='=0.02/sqrt(2*n_layers)' = 0.005)"
    assert "normal(std='=0.02/sqrt(2*n_layers)' = 0.005)" in str(report)
    assert _std(model.layers[0].mlp[0].weight) == pytest.approx(0.005, rel=0.1)


def test_apply_gives_the_same_values_as_the_evaluated_constant(default_registry: mlxinit.Registry) -> None:
    """An expression rule draws exactly what the rule with its value written out draws."""
    a, b = TinyTransformer(n_layer=2), TinyTransformer(n_layer=2)
    mlxinit.apply(a, {"*": {"name": "normal", "std": "=0.02/sqrt(2*n_layers)"}}, seed=5)
    mlxinit.apply(b, {"*": {"name": "normal", "std": 0.02 / math.sqrt(4)}}, seed=5)
    for (pa, va), (pb, vb) in zip(tree_flatten(a.parameters()), tree_flatten(b.parameters()), strict=True):
        assert pa == pb
        assert bool(mx.array_equal(va, vb)), pa


def test_path_captures_bind_per_layer_values(default_registry: mlxinit.Registry) -> None:
    """'layers.{layer}.mlp.1.weight' binds layer (an int) per parameter: torchtitan's depth init."""
    model = TinyTransformer(d=64, n_layer=4)
    rules = {
        "*": "zeros",
        "layers.{layer}.mlp.1.weight": {"name": "normal", "std": "=0.02/sqrt(2*(layer+1))"},
    }
    report = mlxinit.apply(model, rules, seed=1)
    for i in range(4):
        want = 0.02 / math.sqrt(2 * (i + 1))
        assert _std(model.layers[i].mlp[1].weight) == pytest.approx(want, rel=0.1), i
        row = next(r for r in report.rows if r.path == f"layers.{i}.mlp.1.weight")
        assert row.rule == "layers.{layer}.mlp.1.weight"
        assert row.identifier.endswith(f"= {want:.6g})")
    # the capture pattern matches like the glob 'layers.*.mlp.1.weight' and nothing else
    assert report.initialized["layers.0.mlp.0.weight"] == "zeros"


def test_a_capture_that_is_not_digits_is_a_string(default_registry: mlxinit.Registry) -> None:
    """A capture of non-digits binds a string: using it in arithmetic is a clear error."""
    model = TinyTransformer(n_layer=1)
    with pytest.raises(mlxinit.ExpressionError, match="'part' is bound to 'attention'"):
        mlxinit.apply(model, {"layers.0.{part}.out_proj.weight": {"name": "normal", "std": "=part"}})


def test_fan_in_fan_out_d_model_and_width(default_registry: mlxinit.Registry) -> None:
    """fan_in/fan_out are the parameter's (MLX layout); d_model and width the embedding's width."""
    model = TinyTransformer(d=16, n_layer=1, vocab=64)
    report = mlxinit.apply(
        model,
        {
            "*": "zeros",
            "layers.0.mlp.0.weight": {"name": "constant", "value": "=fan_in*1000 + fan_out"},
            "head.weight": {"name": "constant", "value": "=d_model + width/100"},
        },
    )
    assert model.layers[0].mlp[0].weight[0, 0].item() == 16 * 1000 + 64
    assert model.head.weight[0, 0].item() == pytest.approx(16.16)
    assert "value='=fan_in*1000 + fan_out' = 16064" in report.initialized["layers.0.mlp.0.weight"]


def test_fan_in_of_a_bias_is_a_clear_error(default_registry: mlxinit.Registry) -> None:
    """fan_in on a 1-D parameter names the parameter and says why it has no fans."""
    model = TinyTransformer(n_layer=1)
    with pytest.raises(mlxinit.ExpressionNameError, match="need a parameter of 2 or more dimensions"):
        mlxinit.apply(model, {"*.bias": {"name": "normal", "std": "=1/fan_in"}})


@dataclasses.dataclass
class Args:
    """A config as mlx-lm writes one."""

    hidden_size: int = 32
    num_hidden_layers: int = 3
    initializer_range: float = 0.04
    hidden_act: str = "silu"


def test_config_from_a_dataclass_mapping_and_model_args(default_registry: mlxinit.Registry) -> None:
    """config= (dataclass or mapping) and model.args bind their fields; an explicit config wins."""
    rules = {"*": "zeros", "head.weight": {"name": "constant", "value": "=initializer_range*hidden_size"}}
    model = TinyTransformer(n_layer=1)
    mlxinit.apply(model, rules, config=Args())
    assert model.head.weight[0, 0].item() == pytest.approx(0.04 * 32)
    mlxinit.apply(model, rules, config={"initializer_range": 0.5, "hidden_size": 2})
    assert model.head.weight[0, 0].item() == pytest.approx(1.0)
    model.args = Args(hidden_size=10)  # what mlx-lm models carry
    mlxinit.apply(model, rules)
    assert model.head.weight[0, 0].item() == pytest.approx(0.4)
    # d_model comes from the config's hidden_size before the embedding's width
    mlxinit.apply(model, {"*": "zeros", "head.weight": {"name": "constant", "value": "=d_model"}})
    assert model.head.weight[0, 0].item() == 10


def test_config_of_the_wrong_type_is_refused(default_registry: mlxinit.Registry) -> None:
    """config= must be a mapping or a dataclass instance."""
    with pytest.raises(mlxinit.InvalidIdentifierError, match="config: expected a mapping or a dataclass"):
        mlxinit.apply(TinyTransformer(n_layer=1), {"*": "zeros"}, config=3)


def test_precedence_captures_over_config_over_inferred(default_registry: mlxinit.Registry) -> None:
    """A capture beats a config entry of the same name, which beats an inferred value."""
    model = TinyTransformer(n_layer=2)
    rules = {"*": "zeros", "layers.{n_layers}.mlp.1.weight": {"name": "constant", "value": "=n_layers"}}
    mlxinit.apply(model, rules, config={"n_layers": 99})
    assert model.layers[1].mlp[1].weight[0, 0].item() == 1
    rules = {"*": "zeros", "head.weight": {"name": "constant", "value": "=n_layers"}}
    mlxinit.apply(model, rules, config={"n_layers": 99})
    assert model.head.weight[0, 0].item() == 99


def test_expression_error_names_rule_parameter_and_path_and_changes_nothing(
    default_registry: mlxinit.Registry,
) -> None:
    """An unknown name fails before any parameter changes, naming rule, parameter, expression and path."""
    model = TinyTransformer(n_layer=2)
    before = {p: v for p, v in tree_flatten(model.parameters())}
    with pytest.raises(mlxinit.ExpressionNameError) as info:
        mlxinit.apply(model, {"*.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layer)"}, "*.bias": "zeros"})
    message = str(info.value)
    assert message.startswith("Rule '*.weight': parameter 'std' = '=0.02/sqrt(2*n_layer)': unknown name 'n_layer'.")
    assert "Did you mean 'n_layers'?" in message
    assert "(for 'embed.weight')" in message
    after = dict(tree_flatten(model.parameters()))
    assert all(after[p] is v for p, v in before.items())


def test_syntax_error_is_reported_when_the_rules_are_compiled(default_registry: mlxinit.Registry) -> None:
    """A rule whose expression does not parse fails even if it matches nothing."""
    with pytest.raises(mlxinit.ExpressionError, match=r"Rule 'nothing\.\*': parameter 'std' = '=0\.02\*\*'"):
        mlxinit.apply(TinyTransformer(n_layer=1), {"nothing.*": {"name": "normal", "std": "=0.02**"}})


def test_strings_without_equals_are_plain_parameters(default_registry: mlxinit.Registry) -> None:
    """mode='fan_in' stays a string parameter: only '=' starts an expression."""
    model = TinyTransformer(n_layer=1)
    report = mlxinit.apply(model, {"*": "ones", "head.weight": {"name": "he_normal", "mode": "fan_out"}})
    assert report.initialized["head.weight"] == "he_normal(mode='fan_out')"


def test_expressions_in_lists(default_registry: mlxinit.Registry) -> None:
    """A list parameter may hold expressions (segments of a fused weight)."""
    model = nn.Sequential(nn.Linear(8, 24, bias=False))
    report = mlxinit.apply(
        model, {"*": {"name": "glorot_uniform", "segments": ["=fan_out/3", 8, "=fan_out - 16"]}}, seed=0
    )
    assert report.initialized["layers.0.weight"] == (
        "glorot_uniform(segments=['=fan_out/3', 8, '=fan_out - 16'] = [8, 8, 8])"
    )


def test_bad_capture_keys_are_refused(default_registry: mlxinit.Registry) -> None:
    """Captures are '{name}' with an identifier, used once, and braces pair."""
    model = TinyTransformer(n_layer=1)
    for k, match in [
        ("layers.{}.weight", "a capture is"),
        ("layers.{1x}.weight", "a capture is"),
        ("layers.{a}.{a}", "used twice"),
        ("layers.{a.weight", "braces must pair"),
    ]:
        with pytest.raises(mlxinit.InvalidIdentifierError, match=match):
            mlxinit.apply(model, {k: "zeros"})


def test_capture_patterns_match_what_the_glob_matches() -> None:
    """A capture matches one or more characters, as '*' would; '?' and '[...]' keep their glob meaning."""
    from mlxinit._expr import compile_pattern

    p = compile_pattern("layers.{i}.mlp.[!x]?.w*")
    assert p.glob == "layers.*.mlp.[!x]?.w*"
    assert p.match("layers.12.mlp.ab.weight") == {"i": 12}
    assert p.match("layers.12.mlp.xb.weight") is None
    assert p.match("layers..mlp.ab.weight") is None


# ------------------------------------------------------------------ recipes keep the text


def test_recipes_in_json_toml_and_yaml_carry_expressions(default_registry: mlxinit.Registry, tmp_path: Path) -> None:
    """The same recipe in three formats gives the same weights, and to_dict keeps the expression text."""
    expr = "=0.02/sqrt(2*n_layers)"
    (tmp_path / "r.json").write_text(
        json.dumps({"seed": 3, "config": {"scale": 2}, "rules": {"*": {"name": "normal", "std": expr}}})
    )
    (tmp_path / "r.toml").write_text(f'seed = 3\n[config]\nscale = 2\n[rules."*"]\nname = "normal"\nstd = "{expr}"\n')
    (tmp_path / "r.yaml").write_text(f'seed: 3\nconfig: {{scale: 2}}\nrules:\n  "*": {{name: normal, std: "{expr}"}}\n')
    weights = []
    for name in ("r.json", "r.toml", "r.yaml"):
        recipe = mlxinit.load_recipe(tmp_path / name)
        assert recipe.to_dict() == {"seed": 3, "config": {"scale": 2}, "rules": {"*": {"name": "normal", "std": expr}}}
        assert json.loads(recipe.to_json())["rules"]["*"]["std"] == expr
        model = TinyTransformer(n_layer=2)
        mlxinit.apply(model, recipe)
        weights.append(model.head.weight)
    assert bool(mx.array_equal(weights[0], weights[1]))
    assert bool(mx.array_equal(weights[0], weights[2]))


def test_recipe_config_is_used_by_apply(default_registry: mlxinit.Registry) -> None:
    """A recipe's config binds names; an explicit config= to apply wins over it."""
    recipe = mlxinit.Recipe.from_dict({"config": {"k": 3}, "rules": {"*": {"name": "constant", "value": "=k"}}})
    model = TinyTransformer(n_layer=1)
    mlxinit.apply(model, recipe)
    assert model.head.weight[0, 0].item() == 3
    mlxinit.apply(model, recipe, config={"k": 4})
    assert model.head.weight[0, 0].item() == 4


def test_recipe_with_a_bad_expression_fails_at_load() -> None:
    """load_recipe reports an expression that does not parse, naming the rule and parameter."""
    text = '{"rules": {"*.weight": {"name": "normal", "std": "=0.02/sqrt(2*"}}}'
    with pytest.raises(mlxinit.ExpressionError, match=r"Rule '\*\.weight': parameter 'std'"):
        mlxinit.load_recipe(text)
    with pytest.raises(mlxinit.InvalidIdentifierError, match="'config' expected a table"):
        mlxinit.load_recipe('{"config": [1, 2]}')


def test_mlx_lm_model_args_are_bound(default_registry: mlxinit.Registry) -> None:
    """An mlx-lm GPT-2's ModelArgs (n_layer, n_embd) are names of its expressions."""
    gpt2 = pytest.importorskip("mlx_lm.models.gpt2")
    args = gpt2.ModelArgs("gpt2", n_ctx=32, n_embd=32, n_head=4, n_layer=3, n_positions=32,
                          layer_norm_epsilon=1e-5, vocab_size=64)  # fmt: skip
    model = gpt2.Model(args)
    rules = {"*": "zeros", "*.c_proj.weight": {"name": "normal", "std": "=0.02/sqrt(2*n_layer)"},
             "model.wte.weight": {"name": "constant", "value": "=n_embd + d_model + n_layers"}}  # fmt: skip
    report = mlxinit.apply(model, rules, seed=0)
    assert model.model.wte.weight[0, 0].item() == 32 + 32 + 3
    assert "= 0.00816497)" in report.initialized["model.h.0.attn.c_proj.weight"]
