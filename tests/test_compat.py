"""mlxinit-compat: PyTorch/Keras/JAX distributions reproduced exactly, and the presets.

mlxinit-compat is a separate distribution found through its entry points; `make test`
installs it.
"""

from __future__ import annotations

import math

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest
from mlx.utils import tree_flatten
from scipy import stats

import mlxinit
from _models import TinyTransformer

P_MIN = 1e-4
TRUNC2 = 0.87962566103423978


def _sample(name: str, shape: tuple[int, ...], seed: int = 0, **params: object) -> np.ndarray:
    w = mlxinit.get(name, seed=seed, **params)(mx.zeros(shape))
    assert w.shape == shape
    return np.array(w, dtype=np.float64).ravel()


def _ks(x: np.ndarray, dist: object) -> float:
    return float(stats.kstest(x, dist.cdf).pvalue)  # type: ignore[attr-defined]


def test_compat_is_discovered_with_provenance() -> None:
    """The namespaced names come from the installed mlxinit-compat distribution."""
    info = mlxinit.info("torch:kaiming_normal")
    assert info.distribution == "mlxinit-compat"
    assert info.source == "hook"
    assert info.version
    assert "torch:kaiming_normal" in mlxinit.available("torch:*")


# Conv weights in MLX layout (out, k, k, in): PyTorch's fans for (out, in, k, k) are the same.
SHAPES = [(96, 64), (32, 3, 3, 16)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("name", "params", "gain", "mode"),
    [
        ("torch:kaiming_normal", {}, math.sqrt(2.0), "fan_in"),
        ("torch:kaiming_normal", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2.0), "fan_out"),
        ("torch:kaiming_normal", {"a": 0.2}, math.sqrt(2.0 / 1.04), "fan_in"),
        ("torch:kaiming_normal", {"nonlinearity": "tanh"}, 5.0 / 3.0, "fan_in"),
    ],
)
def test_torch_kaiming_normal(shape: tuple[int, ...], name: str, params: dict, gain: float, mode: str) -> None:
    """torch:kaiming_normal is N(0, gain²/fan) with PyTorch's gain table."""
    fan_in = shape[-1] * math.prod(shape[1:-1])
    fan_out = shape[0] * math.prod(shape[1:-1])
    std = gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    assert _ks(_sample(name, shape, **params), stats.norm(0, std)) > P_MIN


@pytest.mark.parametrize("shape", SHAPES)
def test_torch_kaiming_uniform_and_linear_default(shape: tuple[int, ...]) -> None:
    """kaiming_uniform: U(±gain·sqrt(3/fan)); linear_default: U(±1/sqrt(fan_in))."""
    fan_in = shape[-1] * math.prod(shape[1:-1])
    b = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)
    assert _ks(_sample("torch:kaiming_uniform", shape), stats.uniform(-b, 2 * b)) > P_MIN
    b = 1.0 / math.sqrt(fan_in)
    assert _ks(_sample("torch:linear_default", shape), stats.uniform(-b, 2 * b)) > P_MIN


def test_torch_linear_default_bias_needs_fan_in() -> None:
    """A 1-D bias takes the layer's fan_in; without it the error says what to pass."""
    x = _sample("torch:linear_default", (4096,), fan_in=64)
    assert _ks(x, stats.uniform(-1 / 8, 1 / 4)) > P_MIN
    with pytest.raises(mlxinit.ShapeError, match="fan_in"):
        mlxinit.get("torch:linear_default")(mx.zeros((10,)))


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_torch_xavier(gain: float) -> None:
    """xavier_normal/uniform follow PyTorch's formulas with gain."""
    shape = (80, 48)
    s = gain * math.sqrt(2.0 / 128)
    assert _ks(_sample("torch:xavier_normal", shape, gain=gain), stats.norm(0, s)) > P_MIN
    a = gain * math.sqrt(6.0 / 128)
    assert _ks(_sample("torch:xavier_uniform", shape, gain=gain), stats.uniform(-a, 2 * a)) > P_MIN


def test_torch_trunc_normal_uses_absolute_bounds() -> None:
    """torch:trunc_normal(mean, std, a, b) truncates to the values [a, b]."""
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    x = _sample("torch:trunc_normal", (128, 64), mean=mean, std=std, a=a, b=b)
    assert x.min() >= a
    assert x.max() <= b
    dist = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert _ks(x, dist) > P_MIN


@pytest.mark.parametrize("framework", ["keras", "jax"])
@pytest.mark.parametrize(
    ("name", "scale", "mode", "dist"),
    [
        ("he_normal", 2.0, "fan_in", "trunc"),
        ("he_uniform", 2.0, "fan_in", "uniform"),
        ("glorot_normal", 1.0, "fan_avg", "trunc"),
        ("glorot_uniform", 1.0, "fan_avg", "uniform"),
        ("lecun_normal", 1.0, "fan_in", "trunc"),
        ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ],
)
def test_keras_and_jax_variance_scaling_family(framework: str, name: str, scale: float, mode: str, dist: str) -> None:
    """Truncated variants cut at ±2σ with σ = sqrt(scale/n)/0.8796; uniform ones at sqrt(3·scale/n)."""
    shape = (40, 3, 3, 24)  # MLX layout: fan_in = 24*9, fan_out = 40*9
    fan_in, fan_out = 24 * 9, 40 * 9
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    x = _sample(f"{framework}:{name}", shape)
    if dist == "trunc":
        s = math.sqrt(scale / n) / TRUNC2
        assert _ks(x, stats.truncnorm(-2, 2, scale=s)) > P_MIN
        assert abs(x.std() - math.sqrt(scale / n)) / math.sqrt(scale / n) < 0.03
    else:
        lim = math.sqrt(3 * scale / n)
        assert _ks(x, stats.uniform(-lim, 2 * lim)) > P_MIN


def test_keras_untruncated_and_jax_geo_avg() -> None:
    """Each framework's own distribution/mode spellings are accepted, the other's refused."""
    shape = (64, 32)
    x = _sample("keras:variance_scaling", shape, scale=2.0, distribution="untruncated_normal")
    assert _ks(x, stats.norm(0, math.sqrt(2.0 / 32))) > P_MIN
    x = _sample("jax:variance_scaling", shape, mode="fan_geo_avg", distribution="normal")
    assert _ks(x, stats.norm(0, math.sqrt(1.0 / math.sqrt(64 * 32)))) > P_MIN
    with pytest.raises(mlxinit.InvalidParameterError, match="fan_geo_avg"):
        mlxinit.get("keras:variance_scaling", mode="fan_geo_avg")
    with pytest.raises(mlxinit.InvalidParameterError, match="untruncated_normal"):
        mlxinit.get("jax:variance_scaling", distribution="untruncated_normal")


def test_keras_and_jax_truncated_normal_defaults() -> None:
    """keras:truncated_normal cuts at ±2·stddev (0.05); jax:truncated_normal at [lower, upper]·stddev (0.01)."""
    x = _sample("keras:truncated_normal", (128, 64))
    assert _ks(x, stats.truncnorm(-2, 2, scale=0.05)) > P_MIN
    x = _sample("jax:truncated_normal", (128, 64), lower=-1.0, upper=3.0)
    assert _ks(x, stats.truncnorm(-1, 3, scale=0.01)) > P_MIN


def test_bad_compat_parameters_are_rejected() -> None:
    """Compat factories validate when built, like the built-ins."""
    with pytest.raises(mlxinit.InvalidParameterError, match="nonlinearity"):
        mlxinit.get("torch:kaiming_normal", nonlinearity="swishy")
    with pytest.raises(mlxinit.InvalidParameterError, match="'b'"):
        mlxinit.get("torch:trunc_normal", a=1.0, b=0.0)
    with pytest.raises(mlxinit.UnknownParameterError, match="stddev"):
        mlxinit.get("keras:truncated_normal", std=0.1)


@pytest.mark.parametrize("seeded", [False, True])
@pytest.mark.parametrize(
    ("name", "params", "shape"),
    [
        ("torch:kaiming_uniform", {}, (1, 0)),
        ("torch:kaiming_normal", {"mode": "fan_out"}, (0, 1)),
        ("torch:kaiming_normal", {}, (4, 3, 3, 0)),
        ("torch:kaiming_uniform", {"mode": "fan_out"}, (0, 3, 3, 4)),
        ("torch:kaiming_normal", {}, (0,)),
        ("torch:linear_default", {}, (4, 3, 3, 0)),
        ("torch:linear_default", {}, (1, 0)),
        ("torch:linear_default", {}, (0,)),
    ],
)
def test_torch_zero_element_arrays_come_back_empty(
    name: str, params: dict, shape: tuple[int, ...], seeded: bool
) -> None:
    """PyTorch returns a tensor with a 0 in its shape untouched; torch:* return it empty, never divide by 0."""
    init = mlxinit.get(name, seed=0 if seeded else None, **params)
    out = init(shape)
    assert out.shape == shape
    assert out.size == 0
    assert init.expected_std(shape) == 0.0


def test_torch_zero_fan_with_elements_and_nonzero_fan_without() -> None:
    """expected_std is 0.0 only where the chosen fan is 0; a zero-element array with a fan keeps the formula."""
    assert mlxinit.get("torch:kaiming_normal").expected_std((0, 8)) == pytest.approx(math.sqrt(2.0 / 8))
    assert mlxinit.get("torch:kaiming_normal", mode="fan_out").expected_std((8, 0)) == pytest.approx(math.sqrt(2.0 / 8))
    with pytest.raises(mlxinit.ShapeError, match="torch:kaiming_normal"):
        mlxinit.get("torch:kaiming_normal")((5,))  # PyTorch: non-empty 1-D tensors have no fans


def test_torch_linear_default_zero_fan_in_gives_a_zero_bias() -> None:
    """nn.Linear(0, n): bound = 1/sqrt(fan_in) if fan_in > 0 else 0, so the bias is zeros."""
    init = mlxinit.get("torch:linear_default", fan_in=0, seed=0)
    b = init((4,))
    assert mx.array_equal(b, mx.zeros((4,))).item()
    assert init.expected_std((4,)) == 0.0
    with pytest.raises(mlxinit.ParameterTypeError, match="non-negative int"):
        mlxinit.get("torch:linear_default", fan_in=-1)


def test_torch_default_preset_on_a_zero_input_linear() -> None:
    """A Linear with 0 inputs under torch-default: an empty weight and a zero bias, as PyTorch's nn.Linear."""
    model = nn.Linear(1, 4)  # mlx.nn.Linear(0, 4) itself divides by zero; give it a (4, 0) weight
    model.weight = mx.zeros((4, 0))
    mlxinit.apply(model, preset="torch-default", seed=0, strict=True)
    assert model.weight.shape == (4, 0)
    assert mx.array_equal(model.bias, mx.zeros((4,))).item()


def test_torch_mode_is_read_in_any_case() -> None:
    """PyTorch's _calculate_correct_fan lower-cases mode: "FAN_OUT" is "fan_out"."""
    k = mx.random.key(3)
    for name in ("torch:kaiming_normal", "torch:kaiming_uniform"):
        upper = mlxinit.get(name, mode="FAN_OUT")
        assert mx.array_equal(upper((64, 32), key=k), mlxinit.get(name, mode="fan_out")((64, 32), key=k)).item()
        assert upper.expected_std((64, 32)) == pytest.approx(math.sqrt(2.0 / 64))
    with pytest.raises(mlxinit.InvalidParameterError, match=r"'mode' expected one of 'fan_in', 'fan_out'.*'fan_avg'"):
        mlxinit.get("torch:kaiming_normal", mode="fan_avg")


def test_torch_nonlinearity_error_suggests_and_reads_as_one_sentence() -> None:
    """A misspelt nonlinearity: the accepted names, "did you mean", what was given; one sentence."""
    with pytest.raises(mlxinit.InvalidParameterError) as info:
        mlxinit.get("torch:kaiming_normal", nonlinearity="rleu")
    msg = str(info.value)
    assert msg.startswith("torch:kaiming_normal: parameter 'nonlinearity' expected one of 'linear', ")
    assert msg.endswith("'selu' (did you mean 'relu'?), got 'rleu'.")
    assert "Unsupported" not in msg
    assert msg.count(".") == 1
    assert isinstance(info.value.__cause__, mlxinit.UnknownNonlinearityError)
    with pytest.raises(mlxinit.InvalidParameterError) as info:
        mlxinit.get("torch:kaiming_uniform", nonlinearity="gelu")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("spelling", ["normal", "Normal", "NORMAL", "truncated_normal", "Truncated_Normal"])
def test_keras_legacy_and_any_case_distribution_spellings(spelling: str) -> None:
    """Keras lower-cases distribution and reads the legacy "normal" as the truncated normal."""
    k = mx.random.key(7)
    init = mlxinit.get("keras:variance_scaling", mode="fan_avg", distribution=spelling)
    ref = mlxinit.get("keras:variance_scaling", mode="fan_avg", distribution="truncated_normal")
    assert init.distribution == "truncated_normal"
    assert init.truncation == (-2.0, 2.0)
    assert mx.array_equal(init((64, 32), key=k), ref((64, 32), key=k)).item()


def test_keras_untruncated_and_uniform_in_any_case_and_bad_spellings() -> None:
    """"Untruncated_Normal" and "UNIFORM" are Keras' too; an unknown one is refused as given, with a suggestion."""
    k = mx.random.key(1)
    a = mlxinit.get("keras:variance_scaling", distribution="Untruncated_Normal")((16, 8), key=k)
    b = mlxinit.get("keras:variance_scaling", distribution="untruncated_normal")((16, 8), key=k)
    assert mx.array_equal(a, b).item()
    assert mlxinit.get("keras:variance_scaling", distribution="UNIFORM").distribution == "uniform"
    with pytest.raises(
        mlxinit.InvalidParameterError, match=r"\(did you mean 'uniform'\?\), got 'Unifrom'\.$"
    ):
        mlxinit.get("keras:variance_scaling", distribution="Unifrom")
    with pytest.raises(mlxinit.InvalidParameterError, match="'mode'"):
        mlxinit.get("keras:variance_scaling", mode="FAN_IN")  # Keras checks mode exactly
    with pytest.raises(mlxinit.InvalidParameterError, match="'distribution'"):
        mlxinit.get("jax:variance_scaling", distribution="Normal")  # JAX checks distribution exactly


@pytest.mark.parametrize(
    ("name", "scale", "dist"),
    [
        ("keras:he_normal", 2.0, "trunc"),
        ("keras:glorot_normal", 1.0, "trunc"),
        ("keras:lecun_uniform", 1.0, "uniform"),
        ("keras:he_uniform", 2.0, "uniform"),
    ],
)
def test_keras_one_dimensional_arrays_use_fan_in_equals_fan_out_equals_n(name: str, scale: float, dist: str) -> None:
    """Keras' compute_fans: a 1-D array of n has fan_in = fan_out = n (every mode gives n)."""
    n = 4096
    init = mlxinit.get(name, seed=0)
    x = np.array(init((n,)), dtype=np.float64)
    assert x.shape == (n,)
    std = math.sqrt(scale / n)
    assert init.expected_std((n,)) == pytest.approx(std)
    if dist == "trunc":
        assert _ks(x, stats.truncnorm(-2, 2, scale=std / TRUNC2)) > P_MIN
    else:
        lim = math.sqrt(3.0) * std
        assert _ks(x, stats.uniform(-lim, 2 * lim)) > P_MIN


def test_keras_scalar_and_empty_shapes() -> None:
    """A scalar has Keras' fans (1, 1); an empty array comes back empty with Keras' std (n is at least 1)."""
    init = mlxinit.get("keras:he_uniform", seed=0)
    v = init(())
    assert v.shape == ()
    assert abs(v.item()) <= math.sqrt(6.0)
    assert init.expected_std(()) == pytest.approx(math.sqrt(2.0))
    for shape in [(0,), (4, 0), (4, 3, 3, 0)]:  # fan_in 0
        assert init(shape).shape == shape
        assert init.expected_std(shape) == pytest.approx(math.sqrt(2.0))  # Keras: scale / max(1, fan)
    vs = mlxinit.get("keras:variance_scaling", mode="fan_out")
    assert vs.expected_std((5,)) == pytest.approx(math.sqrt(1.0 / 5))


def test_keras_two_dimensional_values_are_the_builtins() -> None:
    """From 2-D up nothing changed: keras:* draws what variance_scaling draws under the same key."""
    k = mx.random.key(11)
    for shape in [(64, 32), (16, 3, 3, 8)]:
        a = mlxinit.get("keras:glorot_normal")(shape, key=k)
        b = mlxinit.get("variance_scaling", mode="fan_avg")(shape, key=k)
        assert mx.array_equal(a, b).item()


@pytest.mark.parametrize("name", ["jax:he_normal", "jax:glorot_uniform", "jax:variance_scaling"])
def test_jax_refuses_fewer_than_two_dimensions_naming_itself(name: str) -> None:
    """JAX's _compute_fans raises for rank <= 1 ("Must be at least 2D"); so does jax:*, under its own name."""
    init = mlxinit.get(name)
    for shape in [(5,), ()]:
        with pytest.raises(mlxinit.ShapeError, match=rf"^{name}: expected at least 2 dimensions"):
            init(shape)
        with pytest.raises(mlxinit.ShapeError):
            init.expected_std(shape)


def test_jax_empty_arrays_come_back_empty() -> None:
    """Where JAX's fan computation divides by zero, jax:* return the empty array (nothing to draw)."""
    for shape in [(0, 5), (5, 0), (0, 3, 3, 4)]:
        assert mlxinit.get("jax:he_normal", seed=0)(shape).shape == shape


def _values(model: nn.Module) -> dict[str, mx.array]:
    return dict(tree_flatten(model.parameters()))


def test_gpt2_preset() -> None:
    """gpt2: N(0, 0.02) weights/embeddings, zero biases, norms 1/0, residual outputs scaled."""
    model = TinyTransformer(d=64, n_layer=4)
    report = mlxinit.apply(model, preset="gpt2", seed=0)
    assert report.preset == "gpt2"
    assert report.kept == []
    v = _values(model)
    q = np.array(v["layers.0.attention.query_proj.weight"]).ravel()
    assert _ks(q, stats.norm(0, 0.02)) > P_MIN
    out = np.concatenate([np.array(v[f"layers.{i}.attention.out_proj.weight"]).ravel() for i in range(4)])
    assert _ks(out, stats.norm(0, 0.02 / math.sqrt(2 * 4))) > P_MIN
    mlp_out = np.array(v["layers.0.mlp.1.weight"]).ravel()  # not a residual name in this model
    assert _ks(mlp_out, stats.norm(0, 0.02)) > P_MIN
    assert _ks(np.array(v["embed.weight"]).ravel(), stats.norm(0, 0.02)) > P_MIN
    assert all(mx.all(v[p] == 0).item() for p in v if p.endswith(".bias"))
    assert mx.all(v["layers.1.attention_norm.weight"] == 1).item()


def test_gpt2_preset_options_and_errors() -> None:
    """n_layer and residual globs are options; an uninferable n_layer is a clear error."""
    model = TinyTransformer(d=64, n_layer=2)
    mlxinit.apply(model, preset={"name": "gpt2", "n_layer": 8, "residual": ["*.mlp.1.weight"]}, seed=1)
    v = _values(model)
    x = np.array(v["layers.0.mlp.1.weight"]).ravel()
    assert _ks(x, stats.norm(0, 0.02 / 4)) > P_MIN
    with pytest.raises(mlxinit.InvalidParameterError, match="n_layer"):
        mlxinit.apply(nn.Linear(4, 4), preset="gpt2")


def test_torch_default_preset_matches_pytorch_layer_defaults() -> None:
    """torch-default: Linear weight and bias U(±1/sqrt(fan_in)), Embedding N(0,1), norms 1/0."""
    model = nn.Sequential(nn.Linear(256, 128), nn.LayerNorm(128), nn.Embedding(200, 64), nn.Conv2d(8, 16, 3))
    mlxinit.apply(model, preset="torch-default", seed=0, strict=True)
    v = _values(model)
    b = 1 / 16
    assert _ks(np.array(v["layers.0.weight"]).ravel(), stats.uniform(-b, 2 * b)) > P_MIN
    assert float(mx.max(mx.abs(v["layers.0.bias"])).item()) <= b
    assert _ks(np.array(v["layers.2.weight"]).ravel(), stats.norm(0, 1)) > P_MIN
    cb = 1 / math.sqrt(8 * 9)
    assert _ks(np.array(v["layers.3.weight"]).ravel(), stats.uniform(-cb, 2 * cb)) > P_MIN
    assert mx.all(v["layers.1.weight"] == 1).item()
    assert mx.all(v["layers.1.bias"] == 0).item()


def test_llama_preset_and_user_rules_override_it() -> None:
    """llama: N(0, 0.02) linear/embedding weights; explicit rules beat the preset's."""
    model = TinyTransformer(d=64)
    report = mlxinit.apply(model, {"head.weight": "zeros"}, preset="llama", seed=0)
    v = _values(model)
    assert mx.all(v["head.weight"] == 0).item()
    assert _ks(np.array(v["layers.0.mlp.0.weight"]).ravel(), stats.norm(0, 0.02)) > P_MIN
    assert report.initialized["head.weight"] == "zeros"


def test_unknown_preset_suggests_close_names() -> None:
    """A misspelt preset raises UnknownInitializerError with suggestions."""
    with pytest.raises(mlxinit.UnknownInitializerError, match="gpt2"):
        mlxinit.apply(TinyTransformer(), preset="gtp2")
    assert {"gpt2", "llama", "torch-default"} <= set(mlxinit.available_presets())


def test_runtime_preset_registration() -> None:
    """register_preset adds a preset usable by name; a taken name needs override."""

    def zeros_everywhere(model: nn.Module) -> list[tuple[str, str]]:
        return [("*", "zeros")]

    mlxinit.register_preset("all-zeros-test", zeros_everywhere)
    try:
        model = nn.Linear(3, 2)
        mlxinit.apply(model, preset="all-zeros-test")
        assert mx.all(model.weight == 0).item()
        with pytest.raises(mlxinit.RegistrationError, match="already registered"):
            mlxinit.register_preset("all-zeros-test", lambda m: [])
    finally:
        mlxinit.register_preset("all-zeros-test", zeros_everywhere, override=True)


@pytest.mark.parametrize(
    "environ",
    [
        {"MLXINIT_BLOCK": "mlxinit_compat"},
        {"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"},
        {"MLXINIT_PLUGINS": "some-other-plugin"},
    ],
)
def test_presets_follow_the_plugin_controls(environ: dict[str, str]) -> None:
    """A blocked, deselected or not autoloaded distribution's presets are hidden like its initializers."""
    reg = mlxinit.Registry(environ=environ)
    assert "gpt2" not in reg.available_presets()
    with pytest.raises(mlxinit.UnknownPresetError, match="Unknown preset 'gpt2'"):
        reg.get_preset("gpt2")
    selected = mlxinit.Registry(
        environ={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1", "MLXINIT_PLUGINS": "mlxinit-compat"}
    )
    assert {"gpt2", "llama", "torch-default"} <= set(selected.available_presets())


def test_block_and_unblock_hide_and_restore_presets() -> None:
    """Registry.block() hides a distribution's presets at once; unblock() brings them back."""
    reg = mlxinit.Registry(environ={})
    assert callable(reg.get_preset("gpt2"))
    reg.block("mlxinit-compat")
    assert "gpt2" not in reg.available_presets()
    with pytest.raises(mlxinit.UnknownPresetError, match=r"blocked distribution mlxinit-compat"):
        reg.get_preset("gpt2")
    reg.unblock("mlxinit-compat")
    assert reg.preset_info("gpt2").distribution == "mlxinit-compat"


def test_apply_with_a_registry_uses_its_presets() -> None:
    """apply(..., registry=reg) resolves the preset in reg: with mlxinit-compat blocked there, the
    preset is unknown (and the error says why), rather than run and failing on its rules."""
    reg = mlxinit.Registry(environ={})
    reg.block("mlxinit-compat")
    model = nn.Linear(4, 3)
    before = np.array(model.weight)
    with pytest.raises(mlxinit.UnknownPresetError) as e:
        mlxinit.apply(model, preset="torch-default", registry=reg)
    assert "Unknown preset 'torch-default'" in str(e.value)
    assert "blocked distribution mlxinit-compat" in str(e.value)
    assert "torch:linear_default" not in str(e.value)
    assert np.array_equal(np.array(model.weight), before)
    report = mlxinit.apply(model, preset="torch-default", registry=mlxinit.Registry(environ={}), seed=0)
    assert report.preset == "torch-default"


def test_isolated_registry_sees_only_the_presets_it_is_given() -> None:
    """isolated_registry() hides installed presets, as it hides installed initializers."""
    from mlxinit.testing import isolated_registry

    with isolated_registry(environ={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}):
        assert mlxinit.available_presets() == []
    with isolated_registry(installed=True, environ={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}):
        assert mlxinit.available_presets() == []
    with isolated_registry(installed=True):
        assert {"gpt2", "llama", "torch-default"} <= set(mlxinit.available_presets())


def test_preset_info_describes_options_and_summary() -> None:
    """preset_info() names a preset's options (its keyword parameters) and its docstring summary."""
    info = mlxinit.default_registry().preset_info("GPT2")
    assert (info.name, info.source, info.distribution) == ("gpt2", "entry-point", "mlxinit-compat")
    assert [o.name for o in info.options or ()] == ["n_layer", "std", "residual"]
    assert info.summary is not None
    assert info.summary.startswith("GPT-2")
    assert info.target == "mlxinit_compat.presets:gpt2"
    (compat,) = (p for p in mlxinit.plugin_report().plugins if p.distribution == "mlxinit-compat")
    assert compat.presets == (
        "bert",
        "deepnet",
        "gemma",
        "gpt-neox",
        "gpt2",
        "llama",
        "mamba",
        "mistral",
        "mup",
        "olmo",
        "qwen2",
        "roberta",
        "t5",
        "torch-default",
        "torchtitan-llama3",
        "vit",
    )


def test_a_recipe_built_on_a_builtin_does_not_relabel_the_shared_builtin() -> None:
    """torch:xavier_normal wraps glorot_normal; each keeps its own config for serialize()."""
    t = mlxinit.get("torch:xavier_normal")
    g = mlxinit.get("glorot_normal", gain=1.0, dtype="float32")
    assert mlxinit.serialize(t) == {"name": "torch:xavier_normal"}
    assert mlxinit.serialize(g) == {"name": "glorot_normal", "gain": 1.0, "dtype": "float32"}
    assert mlxinit.serialize(mlxinit.get(mlxinit.serialize(t))) == {"name": "torch:xavier_normal"}


def test_check_plugin_passes_for_a_distribution_with_several_namespaces() -> None:
    """check_plugin resolves namespaced names as listed ('keras:he_normal'), not by distribution."""
    from mlxinit.testing import check_plugin

    result = check_plugin("mlxinit-compat")
    assert result.ok, result.format()
    assert "  PASS  keras:he_normal" in result.format()


def test_one_distribution_offering_a_name_twice_is_explained() -> None:
    """The distribution-qualified name is ambiguous between its namespaces; the error names them."""
    with pytest.raises(mlxinit.InitializerConflictError, match=r"more than once by mlxinit-compat") as info:
        mlxinit.get("mlxinit-compat:he_normal")
    assert "'jax:he_normal' and 'keras:he_normal'" in str(info.value)
    assert "prefer" not in str(info.value)


@pytest.mark.parametrize(
    "name",
    [
        "torch:kaiming_normal",
        "torch:kaiming_uniform",
        "torch:xavier_normal",
        "torch:xavier_uniform",
        "torch:linear_default",
        "keras:he_normal",
        "keras:glorot_uniform",
        "keras:variance_scaling",
        "jax:lecun_normal",
        "jax:variance_scaling",
    ],
)
def test_compat_fan_based_names_read_stacked_experts(name: str) -> None:
    """Every fan-based compat name takes batch_axis: per-expert fans on (experts, out, in)."""
    stacked = mlxinit.get(name, batch_axis=0)
    single = mlxinit.get(name)
    assert stacked.expected_std((8, 64, 32)) == pytest.approx(single.expected_std((64, 32)))
    w = np.asarray(stacked((8, 64, 32), key=mx.random.key(0)))
    assert w[5].std() == pytest.approx(single.expected_std((64, 32)), rel=0.05)
