"""What a type checker sees of the public API: ``mypy --strict`` on a user's snippet.

mypy runs in this process (``mypy.api.run``) with the project's configuration, so its cache
(filled by ``make lint``) makes the run quick.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

import mlxinit

api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = '''
from __future__ import annotations

import mlx.core as mx
import mlxinit

init = mlxinit.get("he_normal", dtype="bf16", seed=0)
reveal_type(init)  # R1
reveal_type(init(mx.zeros((4, 3))))  # R2
reveal_type(init((4, 3), key=mx.random.key(0)))  # R3
reveal_type(init.config)  # R4
reveal_type(init.expected_std((4, 3)))  # R5


@mlxinit.register("typing_half")
def typing_half(scale: float = 0.5, *, dtype: mx.Dtype = mx.float32) -> mlxinit.Fill:
    """Every value is ``scale``."""

    def fill(a: mx.array, *, key: mx.array | None = None) -> mx.array:
        return mx.full(a.shape, scale, dtype=dtype)

    return mlxinit.Fill(fill, expected_std=lambda shape: 0.0, distribution="constant")


reveal_type(typing_half)  # R6
reveal_type(mlxinit.register("typing_half_again", typing_half, override=True))  # R7


@mlxinit.hookimpl
def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
    registry.register("typing_half", typing_half)


reveal_type(mlxinit_register_initializers)  # R8

init.config["std"] = 5.0  # E1: the config is read-only
mlxinit.get(3.5)  # E2: not an identifier


@mlxinit.register("not_a_factory")  # E3: a factory returns an initializer, not a number
def not_a_factory() -> int:
    return 0
'''

FILL = f"{mlxinit.Fill.__module__}.{mlxinit.Fill.__qualname__}"
REVEALED = {
    "R1": f"{mlxinit.Initializer.__module__}.{mlxinit.Initializer.__qualname__}",
    "R2": "mlx.core.array",
    "R3": "mlx.core.array",
    "R4": "typing.Mapping[str, Any]",
    "R5": "float | None",
    "R6": f"def (scale: float =, *, dtype: mlx.core.Dtype =) -> {FILL}",
    "R7": f"def (scale: float =, *, dtype: mlx.core.Dtype =) -> {FILL}",
    "R8": f"def (registry: {mlxinit.Registrar.__module__}.{mlxinit.Registrar.__qualname__})",
}
ERRORS = {"E1": "index", "E2": "arg-type", "E3": "type-var"}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's notes and errors on the snippet, by the marker (R1, E1, …) of their line."""
    snippet = tmp_path_factory.mktemp("typing") / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    markers = {
        i: m.group(1)
        for i, line in enumerate(snippet.read_text(encoding="utf-8").splitlines(), start=1)
        if (m := re.search(r"# ([RE]\d+)", line))
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # the configuration's mypy_path is relative to the project
        stdout, stderr, _ = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(snippet)])
    assert not stderr, stderr
    found: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        # By file name: for an unchanged snippet, mypy's cache may replay the messages under
        # the path the snippet had on an earlier run.
        m = re.match(r"\S*snippet\.py:(\d+): (?:note|error): (.*)", line)
        if m:
            # mypy versions differ in spelling builtins ("builtins.str" or "str").
            text = m.group(2).replace("builtins.", "")
            found.setdefault(markers.get(int(m.group(1)), f"line {m.group(1)}"), []).append(text)
    return found


@pytest.mark.parametrize(("marker", "expected"), sorted(REVEALED.items()))
def test_revealed_types(mypy_output: dict[str, list[str]], marker: str, expected: str) -> None:
    """get() gives an Initializer whose calls give arrays; register keeps the factory's type."""
    assert mypy_output.get(marker) == [f'Revealed type is "{expected}"']


@pytest.mark.parametrize(("marker", "code"), sorted(ERRORS.items()))
def test_misuse_is_a_type_error(mypy_output: dict[str, list[str]], marker: str, code: str) -> None:
    """Writing to a config, a number as identifier and a non-factory are caught statically."""
    (message,) = mypy_output.get(marker, [""])
    assert message.endswith(f"[{code}]"), message


def test_nothing_else_is_reported(mypy_output: dict[str, list[str]]) -> None:
    """Only the marked lines draw notes or errors (the hookimpl decorator is typed, for one)."""
    assert set(mypy_output) == set(REVEALED) | set(ERRORS), mypy_output


# ------------------------------------------------------------------ Literal parameters

FACTORIES = [
    *((f"builtin:{n}", n) for n in ("he_normal", "he_uniform", "variance_scaling")),
    *(
        (name, name)
        for name in (
            "torch:kaiming_normal",
            "torch:kaiming_uniform",
            "keras:variance_scaling",
            "jax:variance_scaling",
        )
    ),
]


def _literal_params(name: str) -> dict[str, tuple[str, ...]]:
    info = mlxinit.info(name)
    out: dict[str, tuple[str, ...]] = {}
    for p in info.params or ():
        if p.annotation and p.annotation.startswith("Literal["):
            node = ast.parse(p.annotation, mode="eval").body
            assert isinstance(node, ast.Subscript)
            values = ast.literal_eval(node.slice)
            out[p.name] = values if isinstance(values, tuple) else (values,)
    return out


@pytest.mark.parametrize(("label", "name"), FACTORIES)
def test_literal_parameters_are_checked_at_run_time(label: str, name: str) -> None:
    """Each mode and distribution is a Literal, and exactly its values are accepted from configs."""
    literals = _literal_params(name)
    assert literals, f"{label}: no Literal parameter"
    for param, values in literals.items():
        for value in values:
            assert mlxinit.get({"name": name, param: value})((8, 4)).shape == (8, 4)
        with pytest.raises(mlxinit.InvalidParameterError) as caught:
            mlxinit.get(name, **{param: "fan_sideways"})
        assert caught.value.parameter == param
        listed = re.findall(r"'([a-z_]+)'", caught.value.expected.partition(" (did you mean")[0])
        assert tuple(listed) == values
        with pytest.raises(mlxinit.ParameterTypeError):
            mlxinit.get(name, **{param: 1})


def test_check_choice_returns_the_option() -> None:
    """check_choice returns the option object (typed as the Literal), not the value given."""
    from mlxinit.validate import check_choice

    options = ("fan_in", "fan_out")
    given = "".join(["fan", "_in"])
    assert given is not options[0]
    assert check_choice("x", "mode", given, options) is options[0]
