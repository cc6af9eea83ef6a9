"""Presets are registry citizens: found by the same scan, cached, under the same controls, per registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import pytest

import mlxinit
from mlxinit.testing import FakeDistribution, fake_distribution, isolated_registry

Rules = list[tuple[Any, Any]]


def ones_everywhere(model: nn.Module, *, value: float = 1.0) -> Rules:
    """Every parameter constant ``value``.

    Args:
        value: the constant.
    """
    return [("*", {"name": "constant", "value": value})]


def zeros_everywhere(model: nn.Module) -> Rules:
    """Every parameter zero."""
    return [("*", "zeros")]


def counting(*dists: FakeDistribution) -> tuple[mlxinit.Registry, list[int]]:
    """A registry over ``dists`` and the list its scans of installed distributions append to."""
    calls: list[int] = []

    def source() -> list[Any]:
        calls.append(1)
        return list(dists)

    return mlxinit.Registry(environ={}, distributions=source), calls


def test_preset_entry_points_are_found_by_the_one_scan_and_cached() -> None:
    """Preset lookups, listings and apply() after the first scan read no distribution again."""
    reg, calls = counting(fake_distribution("acme-presets", "1.0", presets={"acme-ones": ones_everywhere}))
    assert reg.available_presets() == ["acme-ones"]
    for _ in range(3):
        assert reg.get_preset("acme-ones") is ones_everywhere
        assert reg.get_preset("Acme_Ones") is ones_everywhere
        reg.available_presets()
        reg.get("he_normal")
        with pytest.raises(mlxinit.UnknownPresetError):
            reg.get_preset("no-such-preset")
    model = nn.Linear(3, 2)
    mlxinit.apply(model, preset="acme-ones", registry=reg)
    assert mx.all(model.weight == 1).item()
    assert (len(calls), reg.scans) == (1, 1)
    reg.refresh()
    reg.get_preset("acme-ones")
    assert (len(calls), reg.scans) == (2, 2)


def test_preset_module_is_imported_on_first_use(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing presets reads metadata only; the module behind one is imported when it is used."""
    (tmp_path / "lazy_presets_mod.py").write_text(
        "import sys\nsys.__dict__.setdefault('preset_imports', []).append(__name__)\n"
        "def small(model, *, std=0.01):\n    '''Every weight small.'''\n    return [('*', 'zeros')]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("sys.preset_imports", [], raising=False)
    reg = mlxinit.Registry(
        environ={}, distributions=lambda: [fake_distribution("lazy-p", presets={"small": "lazy_presets_mod:small"})]
    )
    import sys

    assert reg.available_presets() == ["small"]
    info = reg.preset_info("small", load=False)
    assert (info.loaded, info.options, info.target) == (False, None, "lazy_presets_mod:small")
    assert sys.__dict__["preset_imports"] == []
    info = reg.preset_info("small")
    assert info.loaded
    assert [o.name for o in info.options or ()] == ["std"]
    assert info.summary == "Every weight small."
    assert sys.__dict__["preset_imports"] == ["lazy_presets_mod"]
    monkeypatch.delitem(sys.modules, "lazy_presets_mod")


@pytest.mark.parametrize(
    "env",
    [
        {"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"},
        {"MLXINIT_PLUGINS": "other-dist"},
        {"MLXINIT_BLOCK": "acme-presets"},
    ],
)
def test_presets_follow_the_environment_controls(env: dict[str, str]) -> None:
    """Autoload off, a selection without the distribution, or a block hide its presets."""
    dist = fake_distribution("acme-presets", presets={"acme-ones": ones_everywhere})
    reg = mlxinit.Registry(environ=env, distributions=lambda: [dist])
    assert reg.available_presets() == []
    with pytest.raises(mlxinit.UnknownPresetError, match="Unknown preset 'acme-ones'"):
        mlxinit.apply(nn.Linear(2, 2), preset="acme-ones", registry=reg)


def test_isolated_registry_with_autoload_off_lists_no_installed_presets() -> None:
    """isolated_registry(environ=autoload off) lists no preset, even with installed ones around."""
    dist = fake_distribution("acme-presets", presets={"acme-ones": ones_everywhere})
    with isolated_registry(dist, environ={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}):
        assert mlxinit.available_presets() == []
    with isolated_registry(dist):
        assert mlxinit.available_presets() == ["acme-ones"]


def test_unknown_preset_error_suggests_and_explains() -> None:
    """A misspelt preset suggests close names; a hidden one says which control hides it."""
    dist = fake_distribution("acme-presets", presets={"acme-ones": ones_everywhere})
    reg = mlxinit.Registry(environ={}, distributions=lambda: [dist])
    with pytest.raises(mlxinit.UnknownPresetError, match=r"Unknown preset 'acme-one'\. Did you mean 'acme-ones'\?"):
        reg.get_preset("acme-one")
    with pytest.raises(mlxinit.UnknownInitializerError):  # UnknownPresetError is one
        reg.get_preset("acme-one")
    off = mlxinit.Registry(environ={"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}, distributions=lambda: [dist])
    with pytest.raises(mlxinit.UnknownPresetError, match="autoload is off"):
        off.get_preset("acme-ones")


def test_runtime_presets_belong_to_their_registry() -> None:
    """register_preset on one registry is invisible to another; a taken name needs override."""
    a, b = mlxinit.Registry(plugins=False), mlxinit.Registry(plugins=False)
    assert a.register_preset("all-zeros", zeros_everywhere) is zeros_everywhere
    assert a.available_presets() == ["all-zeros"]
    assert b.available_presets() == []
    with pytest.raises(mlxinit.RegistrationError, match="already registered"):
        a.register_preset("all_zeros", ones_everywhere)
    a.register_preset("all-zeros", ones_everywhere, override=True)
    assert a.get_preset("ALL-ZEROS") is ones_everywhere

    @b.register_preset("decorated")
    def decorated(model: nn.Module) -> Rules:
        return []

    assert b.get_preset("decorated") is decorated
    assert b.preset_info("decorated").source == "runtime"
    assert b.preset_info("decorated").distribution is None


def test_module_level_register_preset_uses_the_default_registry(default_registry: mlxinit.Registry) -> None:
    """mlxinit.register_preset / available_presets act on the default registry."""
    mlxinit.register_preset("all-zeros", zeros_everywhere)
    assert default_registry.available_presets() == ["all-zeros"]
    assert mlxinit.available_presets("all*") == ["all-zeros"]
    model = nn.Linear(2, 2)
    assert mlxinit.apply(model, preset="all-zeros").preset == "all-zeros"
    assert mx.all(model.weight == 0).item()


def test_a_runtime_preset_shadows_an_installed_one() -> None:
    """In one registry, a preset registered at runtime wins over an installed one of that name."""
    reg = mlxinit.Registry(
        environ={}, distributions=lambda: [fake_distribution("acme-presets", presets={"acme-ones": ones_everywhere})]
    )
    reg.register_preset("acme-ones", zeros_everywhere)
    assert reg.get_preset("acme-ones") is zeros_everywhere
    assert reg.get_preset("acme-presets:acme-ones") is ones_everywhere


def test_two_distributions_declaring_one_preset_is_a_conflict() -> None:
    """Two distributions' presets of one name: the plain name raises; qualified names work."""
    reg = mlxinit.Registry(
        environ={},
        distributions=lambda: [
            fake_distribution("alpha-presets", "1.0", presets={"shared": ones_everywhere}),
            fake_distribution("beta-presets", "2.0", presets={"shared": zeros_everywhere}),
        ],
    )
    with pytest.raises(mlxinit.InitializerConflictError, match=r"Preset name 'shared' is provided by several") as e:
        reg.get_preset("shared")
    assert "prefer" not in str(e.value)
    assert reg.get_preset("beta-presets:shared") is zeros_everywhere
    assert reg.available_presets() == ["shared"]


def test_malformed_and_failing_preset_entry_points_are_reported() -> None:
    """A malformed preset line costs only itself; a preset that fails to load raises PluginError."""
    dist = fake_distribution(
        "messy-presets",
        "0.2",
        presets={"good": ones_everywhere, "gone": "mlxinit_unit_no_such_module:preset"},
        entry_points_text="[mlxinit.presets]\nno_attr = just.a.module\n",
    )
    reg = mlxinit.Registry(environ={}, distributions=lambda: [dist])
    assert reg.available_presets() == ["gone", "good"]
    with pytest.raises(mlxinit.PluginError, match=r"messy-presets 0\.2.*ModuleNotFoundError") as e:
        reg.get_preset("gone")
    assert isinstance(e.value.__cause__, ModuleNotFoundError)
    report = reg.plugin_report()
    (messy,) = (p for p in report.plugins if p.distribution == "messy-presets")
    assert messy.presets == ("gone", "good")
    assert {f.stage for f in messy.failures} == {"metadata", "load"}


def test_a_distribution_with_only_presets_is_a_plugin() -> None:
    """A distribution that declares presets and nothing else appears in the plugin report."""
    reg = mlxinit.Registry(
        environ={}, distributions=lambda: [fake_distribution("only-presets", presets={"p": ones_everywhere})]
    )
    by = {p.distribution: p for p in reg.plugin_report().plugins}
    assert (by["only-presets"].names, by["only-presets"].presets) == ((), ("p",))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda r: r.register_preset(3, zeros_everywhere), "Preset name: expected a non-empty string"),
        (lambda r: r.register_preset("", zeros_everywhere), "Preset name: expected a non-empty string"),
        (lambda r: r.register_preset("a:b", zeros_everywhere), "without ':'"),
        (lambda r: r.register_preset("x", 3), "Preset 'x': expected a callable, got 3"),
        (
            lambda r: r.register_preset("x", zeros_everywhere, override="yes"),
            r"override=\.\.\.\): expected True or False",
        ),
        (lambda r: r.get_preset(["x"]), "Preset name: expected a string, got \\['x'\\]"),
        (lambda r: r.preset_info(3), "Preset name: expected a string, got 3"),
        (lambda r: r.available_presets(3), r"available_presets\(pattern\): expected a shell-style pattern"),
    ],
)
def test_preset_entry_points_refuse_wrong_types(call: Callable[[mlxinit.Registry], Any], match: str) -> None:
    """Every preset method raises an MlxinitError subclass, saying what it expected, for a wrong type."""
    with pytest.raises(mlxinit.MlxinitError, match=match):
        call(mlxinit.Registry(plugins=False))
