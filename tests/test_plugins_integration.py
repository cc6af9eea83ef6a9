"""Real plugin distributions, built and pip-installed into a folder, used from a fresh interpreter.

The distributions live in ``tests/plugin_dists`` (and ``examples/acme-inits``); they are
built once per session with hatchling (``--no-build-isolation``, offline) and installed
with ``pip install --target``. Each test runs a small script in a subprocess whose
``PYTHONPATH`` holds that folder, so discovery reads real ``.dist-info`` metadata.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTS = ROOT / "tests" / "plugin_dists"
INSTALLED = ["good", "broken", "conflict_a", "conflict_b", "reserved", "badhook"]

Run = Callable[..., Any]


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the test distributions once; install them into a folder, and 'late' as a wheel only."""
    base = tmp_path_factory.mktemp("plugins")
    site, wheels = base / "site", base / "wheels"
    sources = [str(DISTS / d) for d in INSTALLED] + [str(ROOT / "examples" / "acme-inits")]
    common = ["--no-deps", "--no-build-isolation", "--no-index"]
    _pip("install", *common, "--target", str(site), *sources)
    _pip("wheel", *common, "--wheel-dir", str(wheels), str(DISTS / "late"))
    return {"site": site, "late_wheel": next(wheels.glob("*.whl")), "base": base}


@pytest.fixture
def run(plugin_site: dict[str, Path]) -> Run:
    """Run a script in a fresh interpreter with the plugin folder on PYTHONPATH; return its JSON output."""

    def go(script: str, *, env: dict[str, str] | None = None, path: list[Path] | None = None) -> Any:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_")}
        environ["PYTHONPATH"] = os.pathsep.join(str(p) for p in (path or [plugin_site["site"]]))
        environ.update(env or {})
        prelude = (
            "import json, sys, warnings\nimport mlx.core as mx\nimport mlxinit\n"
            "def imported():\n    return sorted(sys.__dict__.get('mlxinit_test_imports', []))\n"
            "def prov(n):\n    i = mlxinit.info(n)\n"
            "    return [i.source, i.distribution, i.version, i.target, i.name]\n"
            "def error(name, **kw):\n"
            "    try:\n        mlxinit.get(name, **kw)\n    except Exception as e:\n"
            "        c = e.__cause__\n"
            "        return [type(e).__name__, str(e), type(c).__name__ if c else None]\n"
            "    return None\n"
        )
        code = prelude + textwrap.dedent(script)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=plugin_site["base"]
        )
        assert out.returncode == 0, out.stderr[-4000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    return go


def test_good_plugin_both_groups_lazily_with_provenance(run: Run) -> None:
    """Entry points, hook names, namespaces and the resolver resolve with provenance; modules load lazily."""
    out = run(
        """
        mlxinit.get("he_normal")(mx.zeros((2, 2)))
        scans_after_builtin = mlxinit.default_registry().scans
        names = mlxinit.available()
        info = mlxinit.info("good_normal", load=False)
        before = imported()
        w = mlxinit.get("good_normal", dtype=mx.float16)(mx.zeros((3, 2)))
        after_get = imported()
        infos = {n: prov(n) for n in
                 ("good_normal", "mlxinit_test_good:good_normal", "gns:short_scale", "hooked_u",
                  "gns:tiny_const", "good_scaled_0.5", "good_registered_at_import")}
        print(json.dumps({"scans0": scans_after_builtin, "names": names, "lazy_info": [info.loaded, info.params],
                          "before": before, "after": after_get, "w": [list(w.shape), str(w.dtype)],
                          "infos": infos, "scans": mlxinit.default_registry().scans}))
        """
    )
    assert out["scans0"] == 0
    assert {"good_normal", "good_other", "gns:short_scale", "hooked_uniform", "gns:tiny_const"} <= set(out["names"])
    assert out["lazy_info"] == [False, None]
    assert out["before"] == sorted(["good_inits.hooks", "badhook_inits.raises", "badhook_inits.typo",
                                    "badhook_inits.wrongsig", "broken_inits.hooks_fail"])
    assert set(out["after"]) - set(out["before"]) == {"good_inits.lazy"}
    assert out["w"] == [[3, 2], "mlx.core.float16"]
    infos = out["infos"]
    assert infos["good_normal"] == ["entry-point", "mlxinit-test-good", "1.2.0", "good_inits.lazy:good_normal",
                                    "good_normal"]
    assert infos["mlxinit_test_good:good_normal"] == infos["good_normal"]
    assert infos["gns:short_scale"][:4] == ["entry-point", "mlxinit-test-good", "1.2.0", "good_inits.lazy:short_scale"]
    assert infos["hooked_u"] == ["hook", "mlxinit-test-good", "1.2.0", "good_inits.hooks:hooked_uniform",
                                 "hooked_uniform"]
    assert infos["gns:tiny_const"][:3] == ["hook", "mlxinit-test-good", "1.2.0"]
    assert infos["good_scaled_0.5"][:3] == ["hook", "mlxinit-test-good", "1.2.0"]
    assert infos["good_registered_at_import"][:2] == ["runtime", None]
    assert out["scans"] == 1


def test_failures_stay_local_and_are_reported(run: Run) -> None:
    """Import failures, rejected and raising hooks, bad factories: only their names fail, all reported."""
    out = run(
        """
        errs = {n: error(n) for n in ("broken_normal", "half_registered", "raising_factory", "not_an_init")}
        ok = [str(mlxinit.get(n)(mx.zeros((2,))).dtype) for n in ("broken_ok", "badhook_fine", "good_normal")]
        rep = mlxinit.plugin_report()
        fails = sorted([f.distribution, f.where, f.stage, str(f.error)] for f in rep.failures)
        print(json.dumps({"errs": errs, "ok": ok, "fails": fails}))
        """
    )
    errs = out["errs"]
    assert errs["broken_normal"][0] == "PluginError"
    assert "mlxinit-test-broken 0.3.0" in errs["broken_normal"][1]
    assert errs["broken_normal"][2] == "ModuleNotFoundError"
    assert errs["half_registered"][0] == "PluginError"
    assert errs["half_registered"][2] == "ValueError"
    assert errs["raising_factory"][0] == "FactoryError"
    assert "mlxinit-test-badhook 0.2.0" in errs["raising_factory"][1]
    assert errs["raising_factory"][2] == "ZeroDivisionError"
    assert errs["not_an_init"][0] == "FactoryError"
    assert out["ok"] == ["mlx.core.float32"] * 3
    by_where = {(d, w): (s, e) for d, w, s, e in out["fails"]}
    assert by_where[("mlxinit-test-broken", "plugin broken = broken_inits.hooks_fail")][0] == "plugin"
    wrongsig = by_where[("mlxinit-test-badhook", "plugin wrongsig = badhook_inits.wrongsig")]
    assert "plugin 'wrongsig'" in wrongsig[1]
    assert "distribution mlxinit-test-badhook 0.2.0" in wrongsig[1]
    typo = by_where[("mlxinit-test-badhook", "plugin typo = badhook_inits.typo")]
    assert "unknown hook 'mlxinit_register_initialisers'" in typo[1]
    assert {d for d, _, _, _ in out["fails"]} == {"mlxinit-test-broken", "mlxinit-test-badhook"}


def test_conflict_and_preferences(run: Run) -> None:
    """Two distributions claiming a name conflict (both named, with versions); MLXINIT_PREFER settles it."""
    script = """
        e = error("shared_init")
        vals = [float(mlxinit.get(n)(mx.zeros((1,)))[0]) for n in
                ("mlxinit-test-conflict-a:shared_init", "mlxinit_test_conflict_b:shared_init")]
        pref = None if e else float(mlxinit.get("shared_init")(mx.zeros((1,)))[0])
        print(json.dumps({"e": e, "vals": vals, "only": mlxinit.info("only_b").distribution, "pref": pref}))
        """
    out = run(script)
    assert out["e"][0] == "InitializerConflictError"
    assert "mlxinit-test-conflict-a 1.0.0, mlxinit-test-conflict-b 2.0.0" in out["e"][1]
    assert "MLXINIT_PREFER=shared_init=mlxinit-test-conflict-a" in out["e"][1]
    assert out["vals"] == [1.0, 2.0]
    assert out["only"] == "mlxinit-test-conflict-b"
    preferred = run(script, env={"MLXINIT_PREFER": "shared_init=mlxinit-test-conflict-b"})
    assert (preferred["e"], preferred["pref"]) == (None, 2.0)


def test_reserved_builtin_name(run: Run) -> None:
    """A distribution declaring 'he_normal' is warned about and reported; the built-in keeps the name."""
    out = run(
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rep = mlxinit.plugin_report()
        reserved = {p.distribution: p.reserved for p in rep.plugins}["mlxinit-test-reserved"]
        plugin = float(mlxinit.get("mlxinit-test-reserved:he_normal")(mx.zeros((1,)))[0])
        print(json.dumps({"warn": [str(w.message) for w in caught], "reserved": reserved,
                          "src": mlxinit.info("he_normal").source, "plugin": plugin}))
        """
    )
    assert any("mlxinit-test-reserved declares 'he_normal'" in w for w in out["warn"])
    assert out["reserved"] == ["he_normal"]
    assert (out["src"], out["plugin"]) == ("builtin", 7.0)


CONTROLS = """
    names = set(mlxinit.available())
    mine = sorted(n for n in names if n in {"good_normal", "hooked_uniform", "broken_ok", "only_a", "badhook_fine"})
    print(json.dumps({"mine": mine, "imported": imported(), "he": mlxinit.info("he_normal").source,
                      "blocked": list(mlxinit.plugin_report().blocked)}))
    """


@pytest.mark.parametrize(
    ("env", "mine", "imported"),
    [
        ({"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1"}, [], []),
        ({"MLXINIT_DISABLE_PLUGIN_AUTOLOAD": "1", "MLXINIT_PLUGINS": "mlxinit-test-good"},
         ["good_normal", "hooked_uniform"], ["good_inits.hooks"]),
        ({"MLXINIT_PLUGINS": "mlxinit_test_good,mlxinit-test-conflict-a"},
         ["good_normal", "hooked_uniform", "only_a"], ["good_inits.hooks"]),
        ({"MLXINIT_BLOCK": "mlxinit-test-good,mlxinit-test-badhook,mlxinit"}, ["broken_ok", "only_a"],
         ["broken_inits.hooks_fail"]),
    ],
)
def test_environment_controls(run: Run, env: dict[str, str], mine: list[str], imported: list[str]) -> None:
    """The MLXINIT_* controls choose which installed plugins load (and whose code is imported)."""
    out = run(CONTROLS, env=env)
    assert (out["mine"], out["imported"], out["he"]) == (mine, imported, "builtin")


def test_block_and_unblock_at_runtime(run: Run) -> None:
    """mlxinit.block() hides a distribution; unblock() restores it; built-ins cannot be blocked."""
    out = run(
        """
        mlxinit.block("mlxinit-test-good")
        hidden = error("good_normal")
        mlxinit.unblock("mlxinit_test_good")
        back = mlxinit.info("hooked_uniform").distribution
        try:
            mlxinit.block("mlxinit")
            refused = None
        except mlxinit.RegistrationError as e:
            refused = str(e)
        print(json.dumps({"hidden": hidden, "back": back, "refused": refused}))
        """
    )
    assert out["hidden"][0] == "UnknownInitializerError"
    assert "blocked distribution mlxinit-test-good" in out["hidden"][1]
    assert out["back"] == "mlxinit-test-good"
    assert "cannot be blocked" in out["refused"]


def test_same_distribution_twice_on_sys_path(run: Run, plugin_site: dict[str, Path], tmp_path: Path) -> None:
    """A copy of the installed folder later on sys.path adds no provider and no conflict."""
    copy = tmp_path / "copy"
    shutil.copytree(plugin_site["site"], copy)
    out = run(
        """
        rep = mlxinit.plugin_report()
        dists = [p.distribution for p in rep.plugins]
        print(json.dumps({"good": dists.count("mlxinit-test-good"), "conflicts": sorted(rep.conflicts),
                          "origin": mlxinit.info("good_normal").version}))
        """,
        path=[plugin_site["site"], copy],
    )
    assert out == {"good": 1, "conflicts": ["shared_init"], "origin": "1.2.0"}


def test_refresh_after_runtime_install_and_sys_path_change(
    run: Run, plugin_site: dict[str, Path], tmp_path: Path
) -> None:
    """A plugin pip-installed while the interpreter runs, or a new sys.path entry, is found after refresh()."""
    target, other = tmp_path / "late-site", tmp_path / "other-site"
    target.mkdir()
    out = run(
        f"""
        import subprocess
        before = error("late_normal")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                        "--disable-pip-version-check", "--target", {str(target)!r},
                        {str(plugin_site["late_wheel"])!r}], check=True)
        stale = error("late_normal")
        mlxinit.refresh()
        info = mlxinit.info("late_normal")
        found = [info.source, info.distribution, info.version, mlxinit.default_registry().scans]
        print(json.dumps({{"before": before[0], "stale": stale[0], "found": found}}))
        """,
        path=[plugin_site["site"], target],
    )
    assert out == {
        "before": "UnknownInitializerError",
        "stale": "UnknownInitializerError",
        "found": ["entry-point", "mlxinit-test-late", "0.1.0", 2],
    }
    _pip("install", "--no-deps", "--no-index", "--target", str(other), str(plugin_site["late_wheel"]))
    moved = run(
        f"""
        before = error("late_normal")
        sys.path.append({str(other)!r})
        mlxinit.refresh()
        print(json.dumps({{"before": before[0], "after": mlxinit.info("late_normal").distribution}}))
        """
    )
    assert moved == {"before": "UnknownInitializerError", "after": "mlxinit-test-late"}


def test_multithreaded_first_lookup(run: Run) -> None:
    """Many threads racing the first lookup: one scan, each plugin module imported once, same answers."""
    out = run(
        """
        import threading
        names = ["good_normal", "good_other", "hooked_uniform", "only_a", "broken_ok", "badhook_fine",
                 "short_scale", "he_normal"] * 4
        barrier = threading.Barrier(len(names))
        results, errors = [], []
        def work(n):
            try:
                barrier.wait()
                if n == "only_a":
                    mlxinit.register(f"t{threading.get_ident()}", lambda dtype=None: (lambda a: a))
                results.append([n, mlxinit.info(n).distribution, mlxinit.get(n)])
            except Exception as e:
                errors.append(repr(e))
        threads = [threading.Thread(target=work, args=(n,)) for n in names]
        for t in threads: t.start()
        for t in threads: t.join(60)
        alive = sum(t.is_alive() for t in threads)
        # MLX arrays are made on this thread only: the registry is what runs concurrently here.
        rows = sorted({(n, d, tuple(init(mx.zeros((2, 2))).shape)) for n, d, init in results})
        print(json.dumps({"alive": alive, "errors": errors, "results": rows, "imported": imported(),
            "scans": mlxinit.default_registry().scans}))
        """
    )
    assert (out["alive"], out["errors"], out["scans"]) == (0, [], 1)
    assert len(out["results"]) == 8
    assert {r[1] for r in out["results"]} >= {"mlxinit-test-good", "mlxinit-test-conflict-a", "mlxinit"}
    assert sorted(set(out["imported"])) == sorted(out["imported"])  # every module imported once


def test_malformed_unrelated_distribution_does_not_break_discovery(
    run: Run, plugin_site: dict[str, Path], tmp_path: Path
) -> None:
    """A distribution with a malformed entry_points.txt costs only its own bad lines."""
    info = tmp_path / "junk" / "junk_dist-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: junk-dist\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mlxinit.initializers]\nthis line is broken\n[console_scripts]\n=\n")
    out = run(
        """
        rep = mlxinit.plugin_report()
        junk = [f.reason for f in rep.failures if f.distribution == "junk-dist"]
        print(json.dumps({"junk": junk, "good": mlxinit.info("good_normal").distribution}))
        """,
        path=[tmp_path / "junk", plugin_site["site"]],
    )
    assert out["good"] == "mlxinit-test-good"
    assert len(out["junk"]) == 1
    assert "malformed entry point 'this line is broken'" in out["junk"][0]


def test_unknown_dotted_names_import_nothing(run: Run) -> None:
    """'os:system', 'subprocess.Popen', 'os.path:join' are unknown names; no module is imported for them."""
    out = run(
        """
        mlxinit.available()
        try:  # a "did you mean" suggestion loads difflib
            mlxinit.Registry(plugins=False).get("warm")
        except mlxinit.UnknownInitializerError:
            pass
        before = set(sys.modules)
        errs = [error(n)[0] for n in ("os:system", "subprocess.Popen", "os.path:join", "good_inits.lazy:good_normal")]
        print(json.dumps({"errs": errs, "new": sorted(set(sys.modules) - before)}))
        """
    )
    assert out == {"errs": ["UnknownInitializerError"] * 4, "new": []}


def test_example_plugin_written_from_the_guide(run: Run, plugin_site: dict[str, Path]) -> None:
    """examples/acme-inits, pip-installed, is found with provenance, passes check_plugin and its own tests."""
    out = run(
        """
        from mlxinit.testing import check_plugin
        infos = {n: prov(n)[:4] for n in ("scaled_normal", "rezero",
                 "acme:zero_residual", "scaled_normal_0.5")}
        check = check_plugin("acme-inits", names=["scaled_normal_0.5"])
        print(json.dumps({"infos": infos, "ok": check.ok, "text": check.format()}))
        """
    )
    infos = out["infos"]
    assert infos["scaled_normal"] == ["entry-point", "acme-inits", "0.1.0", "acme_inits.initializers:scaled_normal"]
    assert infos["rezero"] == ["hook", "acme-inits", "0.1.0", "acme_inits.initializers:zero_residual"]
    assert infos["acme:zero_residual"] == infos["rezero"]
    assert infos["scaled_normal_0.5"][:3] == ["hook", "acme-inits", "0.1.0"]
    assert out["ok"], out["text"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_")}
    env["PYTHONPATH"] = str(plugin_site["site"])
    tests = ROOT / "examples" / "acme-inits" / "tests"
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tests), str(tests)],
        capture_output=True, text=True, env=env, cwd=plugin_site["base"],
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "3 passed" in res.stdout
