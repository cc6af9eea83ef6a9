"""The public surface: __all__, py.typed, the Protocol, docstring examples, a new user's session."""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import importlib.resources
import inspect
import pkgutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from types import ModuleType

import mlx.core as mx
import pytest

import mlxinit
import mlxinit_builtin

ROOT = Path(__file__).resolve().parent.parent


def test_all_is_sorted_and_unique() -> None:
    """__all__ is sorted, without duplicates."""
    assert mlxinit.__all__ == sorted(set(mlxinit.__all__))


def test_all_equals_the_public_names() -> None:
    """Every public name of the module (lazy ones included) is in __all__, and only those."""
    public = {n for n in dir(mlxinit) if not n.startswith("_") and not inspect.ismodule(getattr(mlxinit, n))}
    assert public == set(mlxinit.__all__)
    for name in mlxinit.__all__:
        assert getattr(mlxinit, name) is not None


def test_contract_names_are_exported() -> None:
    """The names later code relies on are all public."""
    contract = {
        "Initializer",
        "InitializerFactory",
        "InitializerInfo",
        "MlxinitError",
        "Registry",
        "UnknownInitializerError",
        "available",
        "calculate_gain",
        "get",
        "hookimpl",
        "info",
        "register",
        "unregister",
    }
    assert contract <= set(mlxinit.__all__)


def test_lazy_attributes() -> None:
    """__version__ is the installed version and hookimpl the pluggy marker; unknown names raise."""
    assert mlxinit.__version__ == importlib.metadata.version("mlxinit")
    assert mlxinit.hookimpl.project_name == "mlxinit"
    with pytest.raises(AttributeError, match="module 'mlxinit' has no attribute 'nope'"):
        mlxinit.nope  # noqa: B018


def test_hookimpl_marks_functions_as_pluggy_does() -> None:
    """mlxinit.hookimpl is a real attribute (no module __getattr__) whose marks pluggy reads."""
    import pluggy

    assert "hookimpl" in vars(mlxinit)

    def f(registry: object) -> None: ...

    assert mlxinit.hookimpl(f) is f
    assert mlxinit.hookimpl(tryfirst=True)(f) is f
    reference = pluggy.HookimplMarker("mlxinit")

    def g(registry: object) -> None: ...

    reference(tryfirst=True)(g)
    assert f.mlxinit_impl == g.mlxinit_impl  # type: ignore[attr-defined]


def test_a_plugin_using_mlxinit_hookimpl_passes_mypy_strict(tmp_path: Path) -> None:
    """A plugin decorated with @mlxinit.hookimpl keeps its types: mypy --strict has nothing to say."""
    plugin = tmp_path / "typed_plugin.py"
    plugin.write_text(
        textwrap.dedent(
            '''
            """A small plugin, typed."""

            from __future__ import annotations

            from collections.abc import Callable

            import mlx.core as mx

            import mlxinit

            Init = Callable[[mx.array], mx.array]


            def fill(*, value: float = 1.0, dtype: mx.Dtype = mx.float32) -> Init:
                """Fill with ``value``."""
                return lambda a: mx.full(a.shape, value, dtype=dtype)


            @mlxinit.hookimpl
            def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
                """Register ``typed_fill``."""
                init: Init = registry.register("typed_fill", fill, aliases=["tfill"])(value=2.0)
                del init


            @mlxinit.hookimpl(tryfirst=True)
            def mlxinit_resolve_initializer(name: str) -> Callable[..., Init] | None:
                """Answer ``typed_fill_2``."""
                return fill if name == "typed_fill_2" else None
            '''
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(plugin)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_mlxinit_loads_no_plugin_machinery() -> None:
    """`import mlxinit` alone imports neither pluggy nor package metadata, nor any plugin module."""
    code = (
        "import sys, mlxinit\n"
        "print(sorted(m for m in ('pluggy', 'importlib_metadata', 'importlib.metadata', 'mlxinit_builtin',"
        " 'mlxinit._discovery', 'mlxinit._hooks', 'mlxinit._records') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_py_typed_is_in_the_package() -> None:
    """py.typed sits next to the installed package's modules."""
    assert importlib.resources.files("mlxinit").joinpath("py.typed").is_file()


def test_wheel_ships_py_typed_and_the_builtins(tmp_path: Path) -> None:
    """The built wheel holds mlxinit/py.typed and the built-in plugin, and says it is typed."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mlxinit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mlxinit/py.typed" in names
    assert "mlxinit/__init__.py" in names
    assert "mlxinit_builtin/initializers.py" in names
    assert not any(n.startswith(("tests/", "core/", "plugins/")) for n in names)
    (meta,) = (n for n in names if n.endswith(".dist-info/METADATA"))
    assert "Typing :: Typed" in zipfile.ZipFile(wheel).read(meta).decode()


@pytest.mark.parametrize("name", ["normal", "he_normal", "orthogonal", "sparse", "dirac"])
def test_closures_satisfy_the_initializer_protocol(registry: mlxinit.Registry, name: str) -> None:
    """Built closures (seeded or not) are runtime instances of mlxinit.Initializer."""
    params = {"sparsity": 0.5} if name == "sparse" else {}
    assert isinstance(registry.get(name, **params), mlxinit.Initializer)
    assert isinstance(registry.get(name, seed=1, **params), mlxinit.Initializer)
    assert not isinstance(3, mlxinit.Initializer)
    assert not isinstance("normal", mlxinit.Initializer)


# ------------------------------------------------------------------ docstring examples


def _modules() -> list[str]:
    names = ["mlxinit", "mlxinit_builtin"]
    for pkg in (mlxinit, mlxinit_builtin):
        names += [f"{pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__) if m.name != "__main__"]
    return sorted(names)


MODULES = _modules()


def _run_doctests(module: ModuleType) -> tuple[int, list[str]]:
    tests = doctest.DocTestFinder().find(module, module.__name__)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for t in tests:
        runner.run(t, out=report.append)
    return runner.tries, report if runner.failures else []


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str, default_registry: mlxinit.Registry) -> None:
    """Every docstring example of the package and the built-ins gives the output it shows."""
    _, failures = _run_doctests(importlib.import_module(module))
    assert not failures, "".join(failures)


def test_every_builtin_example_runs() -> None:
    """Each built-in initializer's docstring carries an example, and the doctests find them all."""
    import mlxinit_builtin.initializers as inits

    tries, failures = _run_doctests(inits)
    assert not failures, "".join(failures)
    documented = [n for n in inits.__all__ if ">>> " in (inspect.getdoc(getattr(inits, n)) or "")]
    assert documented == inits.__all__
    assert tries >= 2 * len(inits.__all__)


# ------------------------------------------------------------------ a new user's session


NEW_USER = textwrap.dedent(
    """
    import math
    import mlx.core as mx
    import mlx.nn as nn
    import mlxinit

    # a name, with a dtype
    init = mlxinit.get("he_normal", dtype=mx.float16)
    w = init(mx.zeros((256, 128)))
    assert (w.shape, w.dtype) == ((256, 128), mx.float16), w

    # dtype names and their aliases
    for alias, dt in [("float32", mx.float32), ("fp32", mx.float32), ("float16", mx.float16),
                      ("fp16", mx.float16), ("half", mx.float16), ("bfloat16", mx.bfloat16),
                      ("bf16", mx.bfloat16)]:
        assert mlxinit.get("normal", dtype=alias)(mx.zeros((2,))).dtype == dt, alias

    # a config mapping
    cfg = {"name": "uniform", "low": -0.1, "high": 0.1, "dtype": "bfloat16"}
    w = mlxinit.get(cfg)(mx.zeros((64, 64)))
    bound = mx.array(0.1, dtype=mx.bfloat16).item()  # 0.1 rounded to bfloat16, as MLX rounds it
    assert w.dtype == mx.bfloat16 and float(mx.abs(w).max()) <= bound

    # spellings and aliases
    for spelling in ("HeNormal", "he-normal", "HE_NORMAL", "Xavier Uniform", "kaiming_uniform", "zero"):
        mlxinit.get(spelling)
    assert mlxinit.available("he_*") == ["he_normal", "he_uniform"]
    assert mlxinit.info("xavier_normal").name == "glorot_normal"

    # a model, initialized by name
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    relu = mlxinit.calculate_gain("relu")
    model.layers[0].weight = mlxinit.get("he_normal", gain=relu)(model.layers[0].weight)
    model.layers[2].weight = mlxinit.get("orthogonal")(model.layers[2].weight)
    model.layers[0].bias = mlxinit.get("zeros")(model.layers[0].bias)
    assert float(mx.abs(model.layers[0].bias).max()) == 0.0
    assert model(mx.ones((2, 8))).shape == (2, 4)

    # reproducible with a seed, and the config rebuilds it
    a = mlxinit.get("glorot_uniform", seed=0)
    b = mlxinit.get(a.config)
    assert mx.array_equal(a(mx.zeros((4, 4))), b(mx.zeros((4, 4)))).item()

    # a custom initializer
    @mlxinit.register("half_normal")
    def half_normal(std: float = 1.0, *, dtype=mx.float32):
        return lambda arr: mx.abs(mx.random.normal(arr.shape, dtype=dtype)) * std
    assert float(mlxinit.get("half_normal")(mx.zeros((8,))).min()) >= 0

    # errors a user meets
    try:
        mlxinit.get("he_normall")
    except LookupError as e:
        assert "Did you mean" in str(e) and "'he_normal'" in str(e)
    else:
        raise AssertionError("no error")
    try:
        mlxinit.get("normal", std=-1)
    except ValueError as e:
        assert "normal: parameter 'std' expected a number >= 0.0, got -1." == str(e), e
    else:
        raise AssertionError("no error")
    print("ok", mlxinit.__version__, round(relu, 4))
    """
)


def test_a_new_user_session_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """What a new user would try works from a fresh interpreter, outside the source tree."""
    script = tmp_path / "new_user.py"
    script.write_text(NEW_USER, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"ok {mlxinit.__version__} 1.4142"


def test_seeded_values_are_the_same_in_a_fresh_interpreter(registry: mlxinit.Registry) -> None:
    """A seed gives the same values in another process (no hidden process state)."""
    code = (
        "import mlx.core as mx, mlxinit; "
        "print(mlxinit.get('truncated_normal', seed=123, dtype='bf16')(mx.zeros((3, 2))).tolist())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    here = registry.get("truncated_normal", seed=123, dtype="bf16")(mx.zeros((3, 2))).tolist()
    assert out.stdout.strip() == str(here)


# ------------------------------------------------------------------ module structure


def _core_imports(*, lazy: bool) -> dict[str, set[tuple[str, str | None]]]:
    """Each core module → the ``(module, name)`` pairs it imports from mlxinit at run time.

    With ``lazy``, imports inside functions count too; without, only those run when the
    module itself is imported (what can make an import cycle).
    """
    import ast

    core = Path(mlxinit.__file__).parent
    out: dict[str, set[tuple[str, str | None]]] = {}
    for path in sorted(core.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        nodes = ast.walk(tree) if lazy else iter(tree.body)
        found: set[tuple[str, str | None]] = set()
        for node in nodes:
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                for alias in node.names:
                    if node.module:
                        found.add((node.module.split(".")[0], alias.name))
                    else:
                        found.add((alias.name, None))
        out[path.stem] = found
    return out


def test_core_modules_have_no_import_cycles() -> None:
    """No core module imports, when it is imported, a module that imports it back (directly or not)."""
    graph = {m: {d for d, _ in deps if d != m} for m, deps in _core_imports(lazy=False).items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph.get(start, ())
        )

    cycles = sorted(m for m in graph if reaches(m, m, {m}))
    assert cycles == []


def test_core_modules_reach_into_no_other_modules_private_names() -> None:
    """What one core module takes from another is public there (no leading underscore)."""
    reached = sorted(
        f"{m} -> {d}.{name}"
        for m, deps in _core_imports(lazy=True).items()
        for d, name in deps
        if name is not None and name.startswith("_") and name != "__version__"
    )
    assert reached == []
