"""Plugin discovery with declared (fake) entry points: laziness, names, conflicts, isolation, controls."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mlx.core as mx
import pytest

import mlxinit
from mlxinit.testing import FakeDistribution, fake_distribution

IMPORTS_KEY = "mlxinit_unit_imports"


def scaled(*, scale: float = 0.5, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """Uniform in [-scale, scale]."""
    return lambda a: mx.random.uniform(-scale, scale, a.shape, dtype=dtype)


def constant_two(*, dtype: Any = mx.float32) -> Callable[[mx.array], mx.array]:
    """The constant 2."""
    return lambda a: mx.full(a.shape, 2.0, dtype=dtype)


def hook_module(register: Callable[[Any], None] | None = None, **extra: Any) -> types.ModuleType:
    """A plugin object whose ``mlxinit_register_initializers`` calls ``register(registry)``."""
    mod = types.ModuleType(f"_unit_hooks_{id(register)}")
    if register is not None:

        @mlxinit.hookimpl
        def mlxinit_register_initializers(registry: Any) -> None:
            register(registry)

        mod.mlxinit_register_initializers = mlxinit_register_initializers  # type: ignore[attr-defined]
    for k, v in extra.items():
        setattr(mod, k, v)
    return mod


def make(*dists: FakeDistribution, **env: str) -> mlxinit.Registry:
    """A registry that discovers exactly ``dists`` under the ``MLXINIT_*`` controls ``env``."""
    return mlxinit.Registry(environ=env, distributions=lambda: list(dists))


@pytest.fixture
def pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], str]]:
    """Write real importable modules under a temporary sys.path entry; each counts its imports."""
    made: list[str] = []

    def write(module: str, body: str) -> str:
        path = tmp_path / (module.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(tmp_path).parents:
            if str(parent) != ".":
                (tmp_path / parent / "__init__.py").touch()
        header = (
            "import sys\nimport mlx.core as mx\n"
            f"sys.__dict__.setdefault({IMPORTS_KEY!r}, []).append(__name__)\n"
        )
        path.write_text(header + textwrap.dedent(body))
        made.append(module)
        return module

    monkeypatch.syspath_prepend(str(tmp_path))
    sys.__dict__[IMPORTS_KEY] = []
    yield write
    for m in [m for m in sys.modules if any(m == x or m.startswith(x + ".") for x in made)]:
        del sys.modules[m]
    for m in made:
        top = m.split(".")[0]
        sys.modules.pop(top, None)


FACTORY = '''
def {name}(*, dtype=mx.float32):
    """Fill with {value}."""
    return lambda a: mx.full(a.shape, {value}, dtype=dtype)
'''


def imports() -> list[str]:
    """Modules the temporary plugins imported so far, in order."""
    return list(sys.__dict__.get(IMPORTS_KEY, []))


# ---------------------------------------------------------------------------- laziness


def test_builtin_lookup_never_scans() -> None:
    """get() of built-in names (any spelling, qualified with mlxinit) reads no distribution."""
    calls: list[int] = []

    def source() -> list[Any]:
        calls.append(1)
        return []

    reg = mlxinit.Registry(environ={}, distributions=source)
    for name in ("he_normal", "HeNormal", "kaiming-normal", "mlxinit:zeros"):
        assert reg.get(name)(mx.zeros((2, 2))).shape == (2, 2)
    assert reg.scans == 0
    assert calls == []


def test_discovery_happens_once_and_refresh_rescans() -> None:
    """The first plugin lookup scans; later ones use the cache; refresh() scans again."""
    calls: list[int] = []
    dist = fake_distribution("acme-inits", initializers={"scaled": scaled})

    def source() -> list[Any]:
        calls.append(1)
        return [dist]

    reg = mlxinit.Registry(environ={}, distributions=source)
    reg.get("scaled")
    reg.get("scaled")
    reg.available()
    reg.info("scaled")
    with pytest.raises(mlxinit.UnknownInitializerError):
        reg.get("no_such_name")
    assert (reg.scans, len(calls)) == (1, 1)
    reg.refresh()
    assert reg.scans == 1
    reg.get("scaled")
    assert (reg.scans, len(calls)) == (2, 2)


def test_listing_info_and_suggestions_import_nothing(pkg: Callable[[str, str], str]) -> None:
    """available(), info(load=False) and "did you mean" read metadata only; get() imports that module only, once."""
    pkg("lazy_a.inits", FACTORY.format(name="alpha_fill", value=1.0))
    pkg("lazy_b.inits", FACTORY.format(name="beta_fill", value=2.0))
    dist = fake_distribution(
        "lazy-inits",
        initializers={"alpha_fill": "lazy_a.inits:alpha_fill", "beta_fill": "lazy_b.inits:beta_fill"},
    )
    reg = make(dist)
    assert {"alpha_fill", "beta_fill"} <= set(reg.available())
    info = reg.info("alpha_fill", load=False)
    assert (info.loaded, info.params, info.summary, info.target) == (False, None, None, "lazy_a.inits:alpha_fill")
    with pytest.raises(mlxinit.UnknownInitializerError, match="alpha_fill"):
        reg.get("alpha_fil")
    assert imports() == []
    assert float(reg.get("alpha_fill")(mx.zeros((2,)))[0]) == 1.0
    reg.get("alpha_fill")
    assert imports() == ["lazy_a.inits"]
    assert reg.info("alpha_fill").loaded
    assert reg.info("alpha_fill").summary == "Fill with 1.0."


def test_info_loads_a_lazy_entry_point(pkg: Callable[[str, str], str]) -> None:
    """info() of a name not built yet imports its module (once) to show its parameters and summary."""
    pkg("lazy_c.inits", FACTORY.format(name="gamma_fill", value=3.0))
    reg = make(fake_distribution("lazy-c", initializers={"gamma_fill": "lazy_c.inits:gamma_fill"}))
    info = reg.info("gamma_fill")
    assert (info.loaded, info.params, info.summary) == (True, (), "Fill with 3.0.")
    reg.get("gamma_fill")
    assert imports() == ["lazy_c.inits"]


def test_info_of_a_plugin_that_fails_to_load_says_why(pkg: Callable[[str, str], str]) -> None:
    """info() of an entry point whose module fails to import raises PluginError; load=False still describes it."""
    pkg("lazy_d.inits", "import mlxinit_unit_missing_dependency\n")
    reg = make(fake_distribution("lazy-d", "0.4", initializers={"delta_fill": "lazy_d.inits:delta_fill"}))
    with pytest.raises(mlxinit.PluginError, match=r"lazy-d 0\.4.*ModuleNotFoundError"):
        reg.info("delta_fill")
    assert reg.info("delta_fill", load=False).distribution == "lazy-d"


def test_import_mlxinit_stays_free_of_plugin_machinery() -> None:
    """`import mlxinit` and a built-in get() import no importlib-metadata and read no metadata."""
    code = (
        "import sys, mlxinit, mlx.core as mx; mlxinit.get('he_normal')(mx.zeros((2, 2))); "
        "print([m for m in ('importlib_metadata', 'importlib.metadata') if m in sys.modules], "
        "mlxinit.default_registry().scans)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] 0"


# ---------------------------------------------------------------------------- names


def test_entry_point_provenance_and_qualified_names() -> None:
    """An entry point resolves plain and qualified (either separator), with its provenance."""
    reg = make(fake_distribution("Acme_Inits", "1.2.0", initializers={"scaled": scaled}))
    info = reg.info("scaled")
    assert (info.source, info.distribution, info.version) == ("entry-point", "Acme_Inits", "1.2.0")
    assert str(info.target).endswith(":obj0")
    for name in ("acme-inits:scaled", "acme_inits:scaled", "Acme.Inits:scaled", "acme-inits:Scaled"):
        assert reg.get(name, dtype=mx.float16)(mx.zeros((3, 2))).dtype == mx.float16
    assert reg.get("acme-inits:scaled").config["name"] == "Acme_Inits:scaled"  # type: ignore[attr-defined]


def test_hook_registers_with_aliases_and_namespace() -> None:
    """A hook's names (and aliases) resolve plain, by namespace and by distribution."""

    def register(registry: Any) -> None:
        registry.register("scaled_normal", scaled, aliases=["snorm"])
        registry.register("acme:two", constant_two)

    reg = make(fake_distribution("acme-inits", "2.0", plugins={"acme": hook_module(register)}))
    for name in ("scaled_normal", "snorm", "acme-inits:snorm", "two", "acme:two", "acme-inits:two"):
        assert reg.get(name)(mx.zeros((2, 2))).shape == (2, 2)
    info = reg.info("snorm")
    assert (info.name, info.source, info.distribution, info.loaded) == ("scaled_normal", "hook", "acme-inits", True)
    assert "acme:two" in reg.plugin_report().plugins[0].names


def test_namespaced_entry_point_name() -> None:
    """An entry named 'ns:name' declares a namespace; its plain name works while unambiguous."""
    reg = make(fake_distribution("acme-inits", initializers={"acme:scaled": scaled}))
    assert reg.info("scaled").distribution == "acme-inits"
    assert reg.get("scaled")(mx.zeros((2,))).shape == (2,)


def test_a_name_shows_in_one_form_everywhere() -> None:
    """A namespaced name is listed, reported and described as 'ns:name', whichever spelling asked."""
    reg = make(fake_distribution("acme-inits", initializers={"acme:scaled": scaled, "plain_one": constant_two}))
    assert {"acme:scaled", "plain_one"} <= set(reg.available())
    assert "scaled" not in reg.available()
    (acme,) = (p for p in reg.plugin_report().plugins if p.distribution == "acme-inits")
    assert acme.names == ("acme:scaled", "plain_one")
    for spelling in ("scaled", "acme:scaled", "acme-inits:Scaled"):
        assert reg.info(spelling).name == "acme:scaled"
    assert reg.info("plain-one").name == "plain_one"


def test_available_by_namespace_or_distribution() -> None:
    """available(namespace=...) lists one namespace's names, or all of one distribution's."""
    reg = make(
        fake_distribution("acme-inits", initializers={"acme:scaled": scaled, "other:two": constant_two}),
        fake_distribution("beta-inits", initializers={"beta_fill": constant_two}),
    )
    assert reg.available(namespace="acme") == ["acme:scaled"]
    assert reg.available(namespace="Acme_Inits") == ["acme:scaled", "other:two"]
    assert reg.available(namespace="beta-inits") == ["beta_fill"]
    assert "he_normal" in reg.available(namespace="mlxinit")
    assert reg.available("*:*") == ["acme:scaled", "other:two"]


def test_reserved_builtin_name_warns_and_keeps_the_builtin() -> None:
    """A plugin declaring a built-in name is warned about and reported; the built-in keeps the name."""
    reg = make(fake_distribution("shady", initializers={"he_normal": constant_two}))
    with pytest.warns(mlxinit.MlxinitWarning, match="'he_normal', a built-in mlxinit name"):
        report = reg.plugin_report()
    by = {p.distribution: p for p in report.plugins}
    assert by["shady"].reserved == ("he_normal",)
    assert by["shady"].names == ("shady:he_normal",)
    assert by["mlxinit"].reserved == ()
    assert reg.info("he_normal").source == "builtin"
    assert float(reg.get("shady:he_normal")(mx.zeros((1,)))[0]) == 2.0


@pytest.mark.parametrize("name", ["os:system", "subprocess.Popen", "os.path:join", "builtins:eval", "mlxinit:os"])
def test_dotted_paths_are_unknown_names_never_imports(name: str) -> None:
    """Strings that look like import paths are unknown names; nothing is imported for them."""
    reg = make(fake_distribution("acme-inits", initializers={"scaled": scaled}))
    before = set(sys.modules)
    with pytest.raises(mlxinit.UnknownInitializerError, match="registered initializers and declared entry points"):
        reg.get(name)
    assert set(sys.modules) - before == set()


# ---------------------------------------------------------------------------- duplicates and conflicts


def test_same_distribution_twice_on_path_is_one_provider() -> None:
    """One distribution seen twice (editable + copy) is one provider: no conflict, first wins."""
    first = fake_distribution("acme-inits", "1.0", initializers={"scaled": scaled})
    second = fake_distribution("acme_inits", "0.9", initializers={"scaled": scaled})
    reg = make(first, second)
    assert reg.info("scaled").version == "1.0"
    report = reg.plugin_report()
    assert [p.distribution for p in report.plugins] == ["acme-inits", "mlxinit"]
    assert report.conflicts == {}


def test_conflict_names_both_distributions_and_how_to_choose() -> None:
    """Two distributions claiming a name: that name raises, other names keep working."""
    a = fake_distribution("alpha-inits", "1.0", initializers={"shared": scaled, "only_alpha": scaled})
    b = fake_distribution("beta-inits", "2.0", initializers={"shared": constant_two})
    reg = make(a, b)
    with pytest.raises(mlxinit.InitializerConflictError, match=r"alpha-inits 1\.0, beta-inits 2\.0") as e:
        reg.get("shared")
    assert "'alpha-inits:shared'" in str(e.value)
    assert "mlxinit.prefer('shared', 'alpha-inits')" in str(e.value)
    assert "MLXINIT_PREFER=shared=alpha-inits" in str(e.value)
    assert [d for d, _, _ in e.value.providers] == ["alpha-inits", "beta-inits"]
    assert reg.get("only_alpha")(mx.zeros((2,))).shape == (2,)
    assert float(reg.get("beta-inits:shared")(mx.zeros((1,)))[0]) == 2.0
    assert reg.plugin_report().conflicts == {"shared": ("alpha-inits:shared", "beta-inits:shared")}


def test_prefer_and_env_preference_settle_a_conflict() -> None:
    """mlxinit.prefer() and MLXINIT_PREFER choose the distribution behind a contested plain name."""
    a = fake_distribution("alpha-inits", initializers={"shared": scaled})
    b = fake_distribution("beta-inits", initializers={"shared": constant_two})
    reg = make(a, b, MLXINIT_PREFER="shared=beta_inits")
    assert reg.info("shared").distribution == "beta-inits"
    reg.prefer("shared", "alpha-inits")
    assert reg.info("shared").distribution == "alpha-inits"


def test_blocking_one_side_of_a_conflict_resolves_it() -> None:
    """block() hides a distribution, so the other one's claim is unambiguous; unblock() restores it."""
    reg = make(
        fake_distribution("alpha-inits", initializers={"shared": scaled}),
        fake_distribution("beta-inits", initializers={"shared": constant_two}),
    )
    reg.block("beta_inits")
    assert reg.info("shared").distribution == "alpha-inits"
    reg.unblock("beta-inits")
    with pytest.raises(mlxinit.InitializerConflictError, match="beta-inits"):
        reg.get("shared")


# ---------------------------------------------------------------------------- isolation


def test_import_failure_affects_only_its_names(pkg: Callable[[str, str], str]) -> None:
    """A module that fails to import: its name raises PluginError chained to the ImportError."""
    pkg("frail.bad", "import mlxinit_unit_missing_dependency\n")
    pkg("frail.good", FACTORY.format(name="fine", value=3.0))
    reg = make(fake_distribution("frail-inits", "0.1", initializers={"bad": "frail.bad:f", "fine": "frail.good:fine"}))
    with pytest.raises(mlxinit.PluginError, match=r"frail-inits 0\.1.*ModuleNotFoundError") as e:
        reg.get("bad")
    assert isinstance(e.value.__cause__, ModuleNotFoundError)
    assert e.value.distribution == "frail-inits"
    assert float(reg.get("fine")(mx.zeros((1,)))[0]) == 3.0
    with pytest.raises(mlxinit.PluginError):
        reg.get("bad")
    assert imports().count("frail.bad") == 1  # a failed module is not imported again
    (failure,) = reg.plugin_report().failures
    assert (failure.distribution, failure.stage) == ("frail-inits", "load")


def test_entry_point_target_that_is_not_callable(pkg: Callable[[str, str], str]) -> None:
    """An entry point naming a non-callable fails with PluginError naming it."""
    pkg("notcall.mod", "VALUE = 3\n")
    reg = make(fake_distribution("nc-inits", initializers={"value": "notcall.mod:VALUE"}))
    with pytest.raises(mlxinit.PluginError, match=r"notcall\.mod:VALUE is 3, not a callable factory"):
        reg.get("value")


def test_hook_raising_fails_its_names_only() -> None:
    """A hook that raises: names it registered raise PluginError chained to its error; others work."""

    def register(registry: Any) -> None:
        registry.register("half_done", scaled)
        raise ValueError("gave up")

    reg = make(
        fake_distribution("quitter", "0.2", plugins={"q": hook_module(register)}),
        fake_distribution("steady", initializers={"steady": constant_two}),
    )
    with pytest.raises(mlxinit.PluginError, match=r"quitter 0\.2") as e:
        reg.get("half_done")
    assert isinstance(e.value.__cause__, ValueError)
    assert reg.get("steady")(mx.zeros((1,))).shape == (1,)
    with pytest.raises(mlxinit.UnknownInitializerError, match=r"Some plugins failed to load \(quitter\)") as u:
        reg.get("never_registered")
    assert isinstance(u.value.__cause__, ValueError)


@pytest.mark.parametrize(
    ("hooks", "match"),
    [
        ({"mlxinit_register_initializers": lambda registry, extra: None}, r"Argument\(s\) \{'extra'\}"),
        ({"mlxinit_register_initialisers": lambda registry: None}, "unknown hook 'mlxinit_register_initialisers'"),
        ({}, "no hook implementation marked"),
    ],
)
def test_rejected_hook_names_plugin_and_distribution(hooks: dict[str, Any], match: str) -> None:
    """A wrong signature, unknown hook name or no hookimpl is rejected with plugin and distribution named."""
    mod = hook_module(**{k: mlxinit.hookimpl(v) for k, v in hooks.items()})
    reg = make(
        fake_distribution("wonky", "0.3", plugins={"wonky": mod}),
        fake_distribution("steady", initializers={"steady": constant_two}),
    )
    assert reg.get("steady")(mx.zeros((1,))).shape == (1,)
    (failure,) = reg.plugin_report().failures
    assert failure.distribution == "wonky"
    assert isinstance(failure.error, mlxinit.PluginError)
    assert "plugin 'wonky'" in str(failure.error)
    assert "distribution wonky 0.3" in str(failure.error)
    assert failure.error.__cause__ is not None
    assert re.search(match, failure.reason)


def test_unmarked_hook_is_named_in_the_rejection() -> None:
    """A hook function without @mlxinit.hookimpl is reported as not marked."""
    mod = hook_module(mlxinit_register_initializers=lambda registry: None)
    reg = make(fake_distribution("forgetful", plugins={"f": mod}))
    (failure,) = reg.plugin_report().failures
    assert "mlxinit_register_initializers not marked with @mlxinit.hookimpl" in failure.reason


def test_factory_raising_or_returning_junk_is_a_factory_error() -> None:
    """A factory that raises, or returns a non-callable, raises FactoryError and is reported."""

    def raises(*, dtype: Any = None) -> Any:
        """Raises."""
        raise ZeroDivisionError("boom")

    def junk(*, dtype: Any = None) -> Any:
        """Returns 42."""
        return 42

    reg = make(fake_distribution("sloppy", "1.0", initializers={"raises": raises, "junk": junk, "ok": scaled}))
    with pytest.raises(mlxinit.FactoryError, match=r"distribution sloppy 1\.0.*ZeroDivisionError") as e:
        reg.get("raises")
    assert isinstance(e.value.__cause__, ZeroDivisionError)
    with pytest.raises(mlxinit.FactoryError, match="returned 42, expected an initializer"):
        reg.get("junk")
    assert reg.get("ok")(mx.zeros((1,))).shape == (1,)
    assert {f.stage for f in reg.plugin_report().failures} == {"factory"}


def test_malformed_entry_points() -> None:
    """Malformed lines cost only themselves; a malformed unrelated distribution costs nothing."""
    messy = fake_distribution(
        "messy",
        initializers={"fine": scaled},
        entry_points_text=(
            "[mlxinit.initializers]\nno_equals_sign\nBadName = x.y:z\nnovalue = just.a.module\n"
            "[console_scripts]\n= broken\n"
        ),
    )
    unrelated = FakeDistribution(
        {"METADATA": "Metadata-Version: 2.1\nName: unrelated\nVersion: 1\n", "entry_points.txt": "[x]\n=\n"}
    )
    nameless = FakeDistribution({"entry_points.txt": "[mlxinit.initializers]\nz = a:b\n"})
    reg = make(unrelated, nameless, messy)
    assert reg.get("fine")(mx.zeros((1,))).shape == (1,)
    reasons = " | ".join(f.reason for f in reg.plugin_report().failures)
    assert "malformed entry point 'no_equals_sign'" in reasons
    assert "'BadName'" in reasons
    assert "expected 'package.module:factory'" in reasons


def test_bad_resolver_is_recorded_and_skipped() -> None:
    """A resolver that raises or returns junk is skipped and reported; a good resolver answers."""

    @mlxinit.hookimpl
    def mlxinit_resolve_initializer(name: str) -> Any:
        raise RuntimeError("resolver exploded")

    @mlxinit.hookimpl
    def junk_resolver(name: str) -> Any:
        return 42

    @mlxinit.hookimpl
    def good_resolver(name: str) -> Any:
        if name.startswith("scaled_"):
            s = float(name.removeprefix("scaled_"))
            return lambda *, dtype=mx.float32: (lambda a: mx.full(a.shape, s, dtype=dtype))
        return None

    bad = hook_module(mlxinit_resolve_initializer=mlxinit_resolve_initializer)
    junk = hook_module(mlxinit_resolve_initializer=junk_resolver)
    good = hook_module(mlxinit_resolve_initializer=good_resolver)
    reg = make(
        fake_distribution("bad-res", plugins={"r": bad}),
        fake_distribution("junk-res", plugins={"r": junk}),
        fake_distribution("good-res", "3.0", plugins={"r": good}),
    )
    assert float(reg.get("scaled_0.25")(mx.zeros((1,)))[0]) == 0.25
    info = reg.info("good-res:scaled_0.5")
    assert (info.source, info.distribution, info.version) == ("hook", "good-res", "3.0")
    stages = {(f.distribution, f.stage) for f in reg.plugin_report().failures}
    assert stages == {("bad-res", "resolver"), ("junk-res", "resolver")}
    with pytest.raises(mlxinit.UnknownInitializerError):
        reg.get("good-res:unrelated")


def test_two_resolvers_answering_is_a_conflict() -> None:
    """When two distributions' resolvers both answer a plain name, that is a conflict, settled by prefer()."""

    def resolver(value: float) -> Any:
        @mlxinit.hookimpl
        def mlxinit_resolve_initializer(name: str) -> Any:
            if name != "x":
                return None
            return lambda *, dtype=mx.float32: (lambda a: mx.full(a.shape, value, dtype=dtype))

        return hook_module(mlxinit_resolve_initializer=mlxinit_resolve_initializer)

    reg = make(
        fake_distribution("one", plugins={"r": resolver(1.0)}), fake_distribution("two", plugins={"r": resolver(2.0)})
    )
    with pytest.raises(mlxinit.InitializerConflictError, match=r"one .*two"):
        reg.get("x")
    assert float(reg.get("two:x")(mx.zeros((1,)))[0]) == 2.0
    reg.prefer("x", "one")
    assert float(reg.get("x")(mx.zeros((1,)))[0]) == 1.0


# ---------------------------------------------------------------------------- controls


def _controls_dists() -> tuple[FakeDistribution, ...]:
    calls: list[str] = []

    def register(registry: Any) -> None:
        calls.append("hooked")
        registry.register("hooked", scaled)

    return (
        fake_distribution("alpha-inits", initializers={"alpha": scaled}),
        fake_distribution("beta-inits", initializers={"beta": scaled}, plugins={"b": hook_module(register)}),
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"alpha", "beta", "hooked"}),
        ({"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}, set()),
        ({"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "0"}, {"alpha", "beta", "hooked"}),
        ({"MLXINIT_PLUGINS": "beta_inits"}, {"beta", "hooked"}),
        ({"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "true", "MLXINIT_PLUGINS": "alpha-inits"}, {"alpha"}),
        ({"MLXINIT_BLOCK": "beta-inits, mlxinit"}, {"alpha"}),
    ],
)
def test_environment_controls(env: dict[str, str], expected: set[str]) -> None:
    """MLXINIT_DISABLE_PLUGIN_AUTOLOAD, MLXINIT_PLUGINS and MLXINIT_BLOCK decide which plugins count."""
    reg = make(*_controls_dists(), **env)
    names = set(reg.available()) - set(mlxinit.Registry(plugins=False).available())
    assert names == expected
    assert reg.get("he_normal")(mx.zeros((2, 2))).shape == (2, 2)  # built-ins are never blocked


def test_blocked_plugin_hooks_are_not_imported_until_unblocked() -> None:
    """A distribution blocked before discovery has its hooks skipped; unblock() brings them back."""
    reg = make(*_controls_dists())
    reg.block("beta-inits")
    with pytest.raises(mlxinit.UnknownInitializerError, match=r"blocked distribution beta-inits"):
        reg.get("beta")
    assert "hooked" not in reg.available()
    reg.unblock("beta-inits")
    assert reg.info("hooked").distribution == "beta-inits"


def test_builtins_cannot_be_blocked() -> None:
    """block('mlxinit') is refused."""
    with pytest.raises(mlxinit.RegistrationError, match="cannot be blocked"):
        make().block("mlxinit")


def test_selected_missing_distribution_is_reported() -> None:
    """MLXINIT_PLUGINS naming a distribution that is not installed shows in the report."""
    report = make(*_controls_dists(), MLXINIT_PLUGINS="ghost-inits").plugin_report()
    assert report.selected == ("ghost-inits",)
    (failure,) = report.failures
    assert (failure.distribution, failure.stage) == ("ghost-inits", "selection")


def test_plugin_report_lists_names_counts_and_failures() -> None:
    """plugin_report() lists each plugin distribution with its names, count and failures."""
    reg = make(
        fake_distribution("acme-inits", "1.0", initializers={"scaled": scaled, "acme:two": constant_two}),
        fake_distribution("frail", "0.1", plugins={"f": "mlxinit_unit_no_such_module"}),
    )
    report = reg.plugin_report()
    by = {p.distribution: p for p in report.plugins}
    assert by["acme-inits"].names == ("acme:two", "scaled")
    assert by["acme-inits"].count == 2
    assert by["acme-inits"].failures == ()
    assert "import failed: ModuleNotFoundError" in by["frail"].failures[0].reason
    assert (report.autoload, report.selected, report.scans) == (True, None, 1)


def test_runtime_registration_shadows_plugins_and_has_runtime_provenance() -> None:
    """register() at runtime wins over a plugin's plain name; info() says 'runtime'."""
    reg = make(fake_distribution("acme-inits", initializers={"scaled": scaled}))
    reg.register("scaled", constant_two)
    info = reg.info("scaled")
    assert (info.source, info.distribution) == ("runtime", None)
    assert reg.info("acme-inits:scaled").source == "entry-point"


# ---------------------------------------------------------------------------- threads


def test_concurrent_first_discovery_is_consistent(pkg: Callable[[str, str], str]) -> None:
    """Many threads doing the first lookup, get() and register() at once: one scan, one import each."""
    for i in range(4):
        pkg(f"conc{i}.inits", FACTORY.format(name=f"conc_{i}", value=float(i)))
    dists = [fake_distribution(f"conc-{i}", initializers={f"conc_{i}": f"conc{i}.inits:conc_{i}"}) for i in range(4)]
    scans: list[int] = []

    def source() -> list[Any]:
        scans.append(1)
        return dists

    reg = mlxinit.Registry(environ={}, distributions=source)
    barrier = threading.Barrier(16)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            barrier.wait()
            if t % 4 == 3:
                reg.register(f"thread_{t}", constant_two)
            name = f"conc_{t % 4}"
            results.append((name, reg.get(name), reg.info(name).distribution))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not any(th.is_alive() for th in threads), "a thread deadlocked"
    assert errors == []
    assert len(scans) == 1
    # arrays are made on this thread only: the registry is what runs concurrently here
    values = {(n, float(init(mx.zeros((1,)))[0]), d) for n, init, d in results}
    assert sorted(values) == [(f"conc_{i}", float(i), f"conc-{i}") for i in range(4)]
    assert sorted(imports()) == [f"conc{i}.inits" for i in range(4)]
    assert {f"thread_{t}" for t in range(3, 16, 4)} <= set(reg.available())


def test_plugin_calling_back_during_discovery_does_not_deadlock() -> None:
    """A hook that registers at runtime and lists names while discovery runs finishes normally."""
    seen: list[list[str]] = []
    holder: dict[str, mlxinit.Registry] = {}

    def register(registry: Any) -> None:
        reg = holder["reg"]
        reg.register("registered_during_discovery", constant_two)
        seen.append(reg.available())
        registry.register("from_hook", scaled)

    reg = make(fake_distribution("chatty", plugins={"c": hook_module(register)}))
    holder["reg"] = reg
    done = threading.Event()

    def run() -> None:
        reg.get("from_hook")
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(30), "discovery deadlocked"
    assert "registered_during_discovery" in seen[0]
    assert reg.info("registered_during_discovery").source == "runtime"
    assert reg.scans == 1


def test_no_warning_for_clean_discovery() -> None:
    """Discovering well-behaved plugins emits no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(*_controls_dists()).available()


# ---------------------------------------------------------------------------- preferences are checked


def test_prefer_refuses_an_unknown_distribution_with_suggestions() -> None:
    """prefer() with a misspelt distribution raises UnknownDistributionError with "did you mean"."""
    reg = make(
        fake_distribution("alpha-inits", initializers={"shared": scaled}),
        fake_distribution("beta-inits", initializers={"shared": constant_two}),
    )
    with pytest.raises(mlxinit.UnknownDistributionError, match=r"'beta_init'\. Did you mean .*'beta-inits'") as e:
        reg.prefer("shared", "beta_init")
    assert isinstance(e.value, LookupError)
    assert isinstance(e.value, mlxinit.RegistrationError)
    with pytest.raises(mlxinit.UnknownDistributionError, match=r"Known: alpha-inits, beta-inits"):
        reg.prefer("shared", "zeta")
    with pytest.raises(mlxinit.InitializerConflictError):
        reg.get("shared")  # nothing was recorded


def test_prefer_refuses_a_name_the_distribution_does_not_provide() -> None:
    """prefer() of a name the distribution does not declare (and cannot resolve) says so, with suggestions."""
    reg = make(
        fake_distribution("alpha-inits", initializers={"shared": scaled, "alpha_only": scaled}),
        fake_distribution("beta-inits", initializers={"shared": constant_two}),
    )
    match = r"'sahred'\. Did you mean 'shared'\?.*alpha-inits provides"
    with pytest.raises(mlxinit.UnknownInitializerError, match=match):
        reg.prefer("sahred", "alpha-inits")
    with pytest.raises(mlxinit.UnknownInitializerError, match="beta-inits provides no initializer"):
        reg.prefer("alpha_only", "beta-inits")
    with pytest.raises(mlxinit.RegistrationError, match="'he_normal' is a built-in name"):
        reg.prefer("he_normal", "alpha-inits")


def test_prefer_accepts_a_namespace() -> None:
    """A namespace the plugin declared is accepted as the distribution to prefer."""
    reg = make(
        fake_distribution("alpha-inits", initializers={"al:shared": scaled}),
        fake_distribution("beta-inits", initializers={"shared": constant_two}),
    )
    reg.prefer("shared", "al")
    assert reg.info("shared").distribution == "alpha-inits"


# ---------------------------------------------------------------------------- hooks through pluggy


def test_misspelt_hook_name_suggests_the_right_one() -> None:
    """A hookimpl named like a hook but misspelt is rejected with the hook it was meant to be."""
    mod = hook_module(mlxinit_register_initialisers=mlxinit.hookimpl(lambda registry: None))
    reg = make(fake_distribution("typo-inits", plugins={"t": mod}))
    (failure,) = reg.plugin_report().failures
    assert "unknown hook 'mlxinit_register_initialisers'" in failure.reason
    assert "did you mean 'mlxinit_register_initializers'?" in failure.reason
    unmarked = hook_module(mlxinit_resolve_initialiser=lambda name: None)
    reg = make(fake_distribution("unmarked-inits", plugins={"u": unmarked}))
    (failure,) = reg.plugin_report().failures
    assert "not marked with @mlxinit.hookimpl" in failure.reason
    assert "did you mean 'mlxinit_resolve_initializer'?" in failure.reason


def test_hooks_are_called_through_the_plugin_manager_one_plugin_at_a_time() -> None:
    """Each plugin's hook runs once with its own registrar, also for implementations named via specname."""
    calls: list[tuple[str, str]] = []

    def plugin(tag: str, names: list[str]) -> types.ModuleType:
        mod = types.ModuleType(f"_unit_specname_{tag}")

        @mlxinit.hookimpl(specname="mlxinit_register_initializers")
        def register(registry: Any) -> None:
            calls.append((tag, registry.distribution))
            for n in names:
                registry.register(n, constant_two)

        mod.register = register  # type: ignore[attr-defined]
        return mod

    reg = make(
        fake_distribution("one-inits", plugins={"p": plugin("one", ["one_name"])}),
        fake_distribution("two-inits", plugins={"p": plugin("two", ["two_name"])}),
    )
    assert reg.info("one_name").distribution == "one-inits"
    assert reg.info("two_name").distribution == "two-inits"
    assert sorted(calls) == [("one", "one-inits"), ("two", "two-inits")]
    assert reg.plugin_report().failures == ()


def test_resolver_spec_is_not_firstresult() -> None:
    """The resolver hook is not firstresult: every plugin is asked, and two answers are a conflict."""
    from mlxinit import hookspecs

    opts = hookspecs.mlxinit_resolve_initializer.mlxinit_spec  # type: ignore[attr-defined]
    assert opts["firstresult"] is False


# ---------------------------------------------------------------------------- the built-ins are a plugin


def test_builtins_appear_in_the_plugin_report_like_any_plugin() -> None:
    """plugin_report() lists mlxinit itself with its names; no scan is needed for that."""
    reg = mlxinit.Registry(plugins=False)
    (builtin,) = reg.plugin_report().plugins
    assert builtin.distribution == "mlxinit"
    assert builtin.version == mlxinit.__version__
    assert "he_normal" in builtin.names
    assert builtin.count == 19
    assert (builtin.failures, builtin.blocked, reg.scans) == ((), False, 0)


def test_discovery_recognises_mlxinits_own_entry_point() -> None:
    """mlxinit's own metadata declares the built-in plugin; discovery does not load it a second time."""
    from mlxinit.testing import FakeDistribution as Fake

    own = Fake(
        {
            "METADATA": "Metadata-Version: 2.1\nName: mlxinit\nVersion: 9.9.9\n",
            "entry_points.txt": "[mlxinit.plugins]\nbuiltin = mlxinit_builtin\n",
        }
    )
    reg = make(own, fake_distribution("acme-inits", initializers={"scaled": scaled}))
    report = reg.plugin_report()
    assert [p.distribution for p in report.plugins] == ["acme-inits", "mlxinit"]
    assert report.failures == ()
    assert report.plugins[1].version == "9.9.9"
    assert reg.info("he_normal").source == "builtin"
    without = mlxinit.Registry(builtins=False, environ={}, distributions=lambda: [own])
    assert without.available() == []  # builtins=False: the entry point is not a way back in


def test_builtin_plugin_imports_only_public_mlxinit_modules() -> None:
    """mlxinit_builtin uses mlxinit's public API, as any plugin would, never its private modules."""
    import ast

    import mlxinit_builtin

    private = []
    for path in sorted(Path(mlxinit_builtin.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mlxinit":
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            private += [f"{path.name}: {m}" for m in modules if m.startswith("mlxinit.") and "._" in "." + m[8:]]
    assert private == []
