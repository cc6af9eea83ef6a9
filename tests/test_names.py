"""Name matching, the golden list of built-in names and aliases, available() and info()."""

from __future__ import annotations

import inspect

import mlx.core as mx
import pytest

import mlxinit
import mlxinit_builtin.initializers as builtin_inits

#: canonical name -> aliases: the built-in names are a contract.
GOLDEN: dict[str, tuple[str, ...]] = {
    "constant": (),
    "dirac": (),
    "eye": (),
    "glorot_normal": ("xavier_normal",),
    "glorot_uniform": ("xavier_uniform",),
    "he_normal": ("kaiming_normal",),
    "he_uniform": ("kaiming_uniform",),
    "identity": (),
    "lecun_normal": (),
    "lecun_uniform": (),
    "normal": ("random_normal",),
    "ones": ("one",),
    "orthogonal": (),
    "rescaled": (),
    "sparse": (),
    "truncated_normal": ("trunc_normal",),
    "uniform": ("random_uniform",),
    "variance_scaling": (),
    "zeros": ("zero",),
}

#: name -> (parameter, default) in order; ``REQUIRED`` for required ones.
REQUIRED = inspect.Parameter.empty
#: The layout parameters of the fan-based built-ins.
LAYOUT: list[tuple[str, object]] = [("in_axis", None), ("out_axis", None), ("batch_axis", None), ("segments", None)]
GOLDEN_PARAMS: dict[str, list[tuple[str, object]]] = {
    "constant": [("value", REQUIRED)],
    "dirac": [("groups", 1)],
    "eye": [("gain", 1.0), *[("batch_axis", None), ("segments", None)]],
    "glorot_normal": [("gain", 1.0), *LAYOUT],
    "glorot_uniform": [("gain", 1.0), *LAYOUT],
    "he_normal": [("mode", "fan_in"), ("gain", 1.0), *LAYOUT],
    "he_uniform": [("mode", "fan_in"), ("gain", 1.0), *LAYOUT],
    "identity": [],
    "lecun_normal": LAYOUT,
    "lecun_uniform": LAYOUT,
    "normal": [("mean", 0.0), ("std", 1.0)],
    "ones": [],
    "orthogonal": [("gain", 1.0), *[("batch_axis", None), ("segments", None)]],
    "rescaled": [("init", "normal"), ("scale", 1.0), ("shift", 0.0)],
    "sparse": [("sparsity", REQUIRED), ("mean", 0.0), ("std", 1.0)],
    "truncated_normal": [("mean", 0.0), ("std", 1.0), ("lower", -2.0), ("upper", 2.0)],
    "uniform": [("low", 0.0), ("high", 1.0)],
    "variance_scaling": [("scale", 1.0), ("mode", "fan_in"), ("distribution", "truncated_normal"), *LAYOUT],
    "zeros": [],
}


def test_golden_canonical_names(registry: mlxinit.Registry) -> None:
    """available() lists exactly the built-in canonical names, sorted."""
    assert registry.available() == sorted(GOLDEN)


def test_golden_names_through_the_default_registry(default_registry: mlxinit.Registry) -> None:
    """The module-level available() gives the same list."""
    assert mlxinit.available() == sorted(GOLDEN)


@pytest.mark.parametrize(("name", "aliases"), GOLDEN.items())
def test_golden_aliases(registry: mlxinit.Registry, name: str, aliases: tuple[str, ...]) -> None:
    """info(name).aliases is exactly the golden tuple, and every alias resolves to name."""
    assert registry.info(name).aliases == aliases
    for alias in aliases:
        assert registry.info(alias).name == name


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HeNormal", "he_normal"),
        ("he-normal", "he_normal"),
        ("HE_NORMAL", "he_normal"),
        ("he normal", "he_normal"),
        ("  he_normal  ", "he_normal"),
        ("heNormal", "he_normal"),
        ("He-Uniform", "he_uniform"),
        ("Xavier Uniform", "glorot_uniform"),
        ("XavierNormal", "glorot_normal"),
        ("xavier-normal", "glorot_normal"),
        ("GlorotUniform", "glorot_uniform"),
        ("GLOROT_NORMAL", "glorot_normal"),
        ("kaiming_normal", "he_normal"),
        ("KaimingUniform", "he_uniform"),
        ("Kaiming Normal", "he_normal"),
        ("zero", "zeros"),
        ("Zeros", "zeros"),
        ("ONE", "ones"),
        ("random_normal", "normal"),
        ("RandomNormal", "normal"),
        ("random-uniform", "uniform"),
        ("Random Uniform", "uniform"),
        ("trunc_normal", "truncated_normal"),
        ("TruncNormal", "truncated_normal"),
        ("TruncatedNormal", "truncated_normal"),
        ("truncated-normal", "truncated_normal"),
        ("VarianceScaling", "variance_scaling"),
        ("LecunNormal", "lecun_normal"),
        ("LeCun Uniform", "lecun_uniform"),
        ("Orthogonal", "orthogonal"),
        ("Identity", "identity"),
        ("Dirac", "dirac"),
        ("EYE", "eye"),
        ("Sparse", "sparse"),
        ("Constant", "constant"),
        ("mlxinit:he_normal", "he_normal"),
    ],
)
def test_spellings_resolve_to_the_canonical_name(registry: mlxinit.Registry, spelling: str, canonical: str) -> None:
    """Case, '-', '_', spaces and CamelCase are ignored; aliases map to their canonical name."""
    assert registry.info(spelling).name == canonical


@pytest.mark.parametrize(
    ("spelling", "canonical", "params"),
    [
        ("HeNormal", "he_normal", {}),
        ("Xavier Uniform", "glorot_uniform", {"gain": 2.0}),
        ("TruncNormal", "truncated_normal", {"std": 0.02}),
        ("RANDOM-UNIFORM", "uniform", {"low": -1.0}),
    ],
)
def test_spellings_build_the_same_initializer(
    registry: mlxinit.Registry, spelling: str, canonical: str, params: dict[str, float]
) -> None:
    """Any spelling builds the canonical initializer: same values, config names the canonical."""
    a = mx.zeros((6, 4))
    init = registry.get(spelling, seed=1, **params)
    ref = registry.get(canonical, seed=1, **params)
    assert mx.array_equal(init(a), ref(a)).item()
    assert init.config["name"] == canonical


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("he_*", ["he_normal", "he_uniform"]),
        ("HE_*", ["he_normal", "he_uniform"]),
        ("*_uniform", ["glorot_uniform", "he_uniform", "lecun_uniform"]),
        ("*normal", ["glorot_normal", "he_normal", "lecun_normal", "normal", "truncated_normal"]),
        ("?ero?", ["zeros"]),
        ("[de]*", ["dirac", "eye"]),
        ("xavier_*", []),  # patterns match canonical names, not aliases
        ("nothing*", []),
        ("*", sorted(GOLDEN)),
    ],
)
def test_available_wildcards(registry: mlxinit.Registry, pattern: str, expected: list[str]) -> None:
    """available(pattern) filters canonical names with case-insensitive shell wildcards."""
    assert registry.available(pattern) == expected


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_info_fields(registry: mlxinit.Registry, name: str) -> None:
    """info() gives the canonical name, params with defaults, summary, doc and provenance."""
    info = registry.info(name)
    factory = getattr(builtin_inits, name)
    assert isinstance(info, mlxinit.InitializerInfo)
    assert info.name == name
    assert [(p.name, p.default) for p in info.params or ()] == GOLDEN_PARAMS[name]
    for p in info.params or ():
        assert isinstance(p, mlxinit.ParamInfo)
        assert p.required is (p.default is REQUIRED)
        assert p.annotation  # every built-in parameter is annotated
    assert info.doc == inspect.getdoc(factory)
    assert info.summary is not None
    assert info.summary == info.doc.splitlines()[0].strip()
    assert "\n" not in info.summary
    assert info.source == "builtin"
    assert info.distribution == "mlxinit"
    assert info.version == mlxinit.__version__
    assert info.loaded is True
    assert info.target == f"mlxinit_builtin.initializers:{name}"


def test_info_param_annotations(registry: mlxinit.Registry) -> None:
    """Annotations are reported as written ('float', 'int', the Literal of a mode)."""
    params = {p.name: p.annotation for p in registry.info("variance_scaling").params or ()}
    assert params == {
        "scale": "float",
        "mode": "Literal['fan_in', 'fan_out', 'fan_avg', 'fan_geo_avg']",
        "distribution": "Literal['truncated_normal', 'normal', 'uniform']",
        "in_axis": "int | None",
        "out_axis": "int | None",
        "batch_axis": "int | Sequence[int] | None",
        "segments": "int | Sequence[int] | None",
    }
    assert [p.annotation for p in registry.info("dirac").params or ()] == ["int"]


def test_info_through_an_alias_spelling(registry: mlxinit.Registry) -> None:
    """info('Kaiming-Normal') describes he_normal."""
    info = registry.info("Kaiming-Normal")
    assert info.name == "he_normal"
    assert info.aliases == ("kaiming_normal",)


def test_info_of_unknown_name(registry: mlxinit.Registry) -> None:
    """info() of an unknown name raises UnknownInitializerError with a suggestion."""
    with pytest.raises(mlxinit.UnknownInitializerError, match="Did you mean 'orthogonal'"):
        registry.info("orthogonl")


def test_every_builtin_documents_its_defaults_and_example() -> None:
    """Each built-in docstring has an Example and its parameters under Args."""
    for name, params in GOLDEN_PARAMS.items():
        doc = inspect.getdoc(getattr(builtin_inits, name)) or ""
        assert "Example:" in doc, name
        assert ">>> " in doc, name
        for p, _ in params:
            assert f"{p}:" in doc, (name, p)


def test_he_docs_state_mlx_meaning_next_to_calculate_gain(registry: mlxinit.Registry) -> None:
    """he_* docs say plainly that the default variance is 1/fan and point to calculate_gain."""
    for name in ("he_normal", "he_uniform"):
        doc = registry.info(name).doc or ""
        assert "1/fan" in doc
        assert "2/fan" in doc
    assert "calculate_gain" in (registry.info("he_normal").doc or "")
    assert "gain=1" in (inspect.getdoc(mlxinit.calculate_gain) or "")
