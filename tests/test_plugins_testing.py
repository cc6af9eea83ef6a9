"""The plugin author kit: mlxinit.testing and the pytest fixtures."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

import mlx.core as mx
import pytest

import mlxinit
import mlxinit.testing
from mlxinit.testing import FakePlugins, check_plugin, fake_distribution, isolated_registry


def good(*, scale: float = 1.0, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """Constant ``scale``."""
    return lambda a: mx.full(a.shape, scale, dtype=dtype)


def undocumented(*, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    return lambda a: mx.zeros(a.shape, dtype=dtype)


def wrong_shape(*, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """Ignores the input's shape."""
    return lambda a: mx.zeros((1,), dtype=dtype)


def wrong_dtype(*, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """Ignores the requested dtype."""
    return lambda a: mx.zeros(a.shape, dtype=mx.float32)


def needs_param(*, fan: int, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """Requires ``fan``."""
    return lambda a: mx.zeros(a.shape, dtype=dtype)


def not_an_array(*, dtype: Any = mx.float32) -> Callable[[mx.array], Any]:
    """Returns a list."""
    return lambda a: [0.0]


def test_fake_distribution_metadata_is_parsed_for_real() -> None:
    """A fake distribution's metadata goes through importlib-metadata's own parsing."""
    dist = fake_distribution("acme-inits", "1.0", initializers={"a": "pkg.mod:a"}, plugins={"p": "pkg.hooks"})
    assert (dist.metadata["Name"], dist.version) == ("acme-inits", "1.0")
    eps = sorted((ep.group, ep.name, ep.module, ep.attr) for ep in dist.entry_points)
    assert eps == [("mlxinit.initializers", "a", "pkg.mod", "a"), ("mlxinit.plugins", "p", "pkg.hooks", None)]


def test_isolated_registry_swaps_and_restores_the_default() -> None:
    """Inside the block the module-level API uses a fresh registry; afterwards the old one is back."""
    before = mlxinit.default_registry()
    with isolated_registry(fake_distribution("acme-inits", initializers={"good_const": good})) as reg:
        assert mlxinit.default_registry() is reg
        mlxinit.register("temporary_name", good)
        assert mlxinit.info("good_const").distribution == "acme-inits"
    assert mlxinit.default_registry() is before
    assert "temporary_name" not in before.available()


def test_isolated_registry_ignores_the_callers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLXINIT_* variables of the caller do not leak into an isolated registry unless passed."""
    monkeypatch.setenv("MLXINIT_DISABLE_PLUGIN_AUTOLOAD", "1")
    dist = fake_distribution("acme-inits", initializers={"good_const": good})
    with isolated_registry(dist):
        assert "good_const" in mlxinit.available()
    with isolated_registry(dist, environ={"MLXINIT_BLOCK": "acme-inits"}):
        assert "good_const" not in mlxinit.available()


def test_check_plugin_passes_a_good_plugin() -> None:
    """check_plugin gives a pass per name for a sound plugin."""
    result = check_plugin(fake_distribution("acme-inits", "2.0", initializers={"good_const": good}))
    assert result.ok
    assert (result.distribution, result.version) == ("acme-inits", "2.0")
    assert [(n.name, n.qualified, n.passed) for n in result.names] == [("good_const", "acme-inits:good_const", True)]
    assert result.format() == "acme-inits 2.0: ok\n  PASS  acme-inits:good_const"


@pytest.mark.parametrize(
    ("factory", "problem"),
    [
        (undocumented, "no docstring"),
        (wrong_shape, "returned shape (1,), expected (8, 4)"),
        (wrong_dtype, "returned dtype mlx.core.float32, expected mlx.core.float16"),
        (not_an_array, "returned list, expected an mx.array"),
    ],
)
def test_check_plugin_reports_each_problem(factory: Callable[..., Any], problem: str) -> None:
    """Each kind of defect fails its name with a message saying what is wrong."""
    result = check_plugin(fake_distribution("bad-inits", initializers={"bad": factory, "fine": good}))
    assert not result.ok
    verdict = {n.name: n for n in result.names}
    assert verdict["fine"].passed
    assert not verdict["bad"].passed
    assert any(problem in p for p in verdict["bad"].problems), verdict["bad"].problems
    assert "FAIL  bad-inits:bad" in result.format()


def test_check_plugin_reports_load_failures_and_missing_distributions() -> None:
    """A plugin whose module cannot be imported fails; an unknown distribution is said so."""
    broken = check_plugin(fake_distribution("frail", initializers={"frail": "mlxinit_no_such_module:f"}))
    assert not broken.ok
    assert "ModuleNotFoundError" in broken.names[0].problems[0]
    assert broken.failures[0].stage == "load"
    missing = check_plugin("mlxinit-no-such-distribution")
    assert not missing.ok
    assert "no plugin distribution named" in missing.notes[0]


def test_check_plugin_checks_resolver_names() -> None:
    """Names answered by a resolver hook are checked when passed explicitly."""

    @mlxinit.hookimpl
    def mlxinit_resolve_initializer(name: str) -> Any:
        return good if name == "good_family_1" else None

    import types

    hooks = types.ModuleType("resolver_hooks")
    hooks.mlxinit_resolve_initializer = mlxinit_resolve_initializer  # type: ignore[attr-defined]
    dist = fake_distribution("fam-inits", plugins={"fam": hooks})
    assert not check_plugin(dist).ok  # nothing to check without names
    result = check_plugin(dist, names=["good_family_1"])
    assert result.ok, result.format()


def test_fixtures_share_one_isolated_registry(
    mlxinit_fake_plugins: FakePlugins, mlxinit_registry: mlxinit.Registry
) -> None:
    """The pytest fixtures swap in one fresh registry; add() declares a plugin without installing it."""
    assert mlxinit_registry is mlxinit_fake_plugins.registry is mlxinit.default_registry()
    mlxinit_fake_plugins.add("acme-inits", "3.0", initializers={"good_const": good})
    info = mlxinit.info("good_const")
    assert (info.source, info.distribution, info.version) == ("entry-point", "acme-inits", "3.0")
    mlxinit_fake_plugins.add("other-inits", initializers={"good_const": good})
    with pytest.raises(mlxinit.InitializerConflictError, match=r"acme-inits 3\.0, other-inits"):
        mlxinit.get("good_const")


def test_registry_fixture_leaves_installed_plugins_out_by_default(mlxinit_registry: mlxinit.Registry) -> None:
    """Without the marker, the fixture's registry does not see installed plugins (mlxinit-compat is installed)."""
    assert mlxinit.available(namespace="torch") == []
    assert mlxinit.available_presets() == []
    assert [p.distribution for p in mlxinit.plugin_report().plugins] == ["mlxinit"]


@pytest.mark.mlxinit_registry(installed=True)
def test_registry_fixture_with_installed_plugins(mlxinit_registry: mlxinit.Registry) -> None:
    """@pytest.mark.mlxinit_registry(installed=True) lets the installed plugins in."""
    assert mlxinit.info("torch:linear_default").distribution == "mlxinit-compat"
    assert "gpt2" in mlxinit.available_presets()


@pytest.mark.mlxinit_registry(installed=True, environ={"MLXINIT_BLOCK": "mlxinit-compat"})
def test_registry_fixture_with_controls(mlxinit_fake_plugins: FakePlugins) -> None:
    """The marker's environ sets that registry's MLXINIT_* controls."""
    assert mlxinit.available(namespace="torch") == []
    assert mlxinit_fake_plugins.registry.plugin_report().blocked == ("mlxinit-compat",)


def test_registry_fixture_marker_is_checked(pytester: pytest.Pytester) -> None:
    """A misspelt marker argument is a usage error, not silently ignored."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mlxinit_registry(instaled=True)
        def test_x(mlxinit_registry):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*unknown argument(s) instaled*"])
    assert result.ret != 0


def test_module_examples_run() -> None:
    """The docstring examples of mlxinit.testing give the output they show."""
    failures, tried = doctest.testmod(mlxinit.testing, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0


def test_check_plugin_does_not_fail_required_parameters_or_special_shapes() -> None:
    """mlxinit's own built-ins pass check_plugin: a required parameter or a shape-specific initializer is a
    note (what could not be checked, and why), not a failure."""
    from mlxinit.testing import check_plugin

    result = check_plugin("mlxinit")
    assert result.ok, result.format()
    notes = {n.qualified: n.notes for n in result.names}
    assert any("requires parameter 'sparsity'" in note for note in notes["mlxinit:sparse"])
    assert any("checked at shape (8, 8)" in note for note in notes["mlxinit:identity"])


def test_check_plugin_notes_a_required_parameter(mlxinit_fake_plugins: FakePlugins) -> None:
    """A factory with a required hyper-parameter cannot be built bare: a note says so, and it passes."""
    from mlxinit.testing import check_plugin

    dist = mlxinit_fake_plugins.add("param-inits", "0.1.0", initializers={"needs": needs_param})
    result = check_plugin(dist)
    assert result.ok, result.format()
    assert result.names[0].notes == ("not built: it requires parameter 'fan'",)
    assert "note: not built: it requires parameter 'fan'" in result.format()
