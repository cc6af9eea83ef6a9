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


def test_presets_follow_the_plugin_controls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blocked or deselected distribution's presets are hidden like its initializers."""
    monkeypatch.setenv("MLXINIT_BLOCK", "mlxinit_compat")
    assert "gpt2" not in mlxinit.available_presets()
    monkeypatch.delenv("MLXINIT_BLOCK")
    monkeypatch.setenv("MLXINIT_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "gpt2" not in mlxinit.available_presets()
    monkeypatch.setenv("MLXINIT_PLUGINS", "mlxinit-compat")
    assert "gpt2" in mlxinit.available_presets()


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
