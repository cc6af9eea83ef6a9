"""The documentation: its examples run, and its generated references cover the registry."""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import mlxinit

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^\s*(```|~~~)")
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def doctest_text(markdown: str) -> str:
    """The page with fence lines blanked out, so each example ends where its block ends.

    Line numbers are kept, so a failure points at the right line of the page.
    """
    return "\n".join("" if FENCE.match(line) else line for line in markdown.splitlines()) + "\n"


def _docgen() -> ModuleType:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module("mlxinit_docgen")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_there_are_pages_with_examples() -> None:
    """The docs hold the expected pages, and most of them carry executable examples."""
    names = {p.stem for p in PAGES}
    assert {"index", "quickstart", "concepts", "apply", "cli", "reference", "exceptions"} <= names
    with_examples = [p for p in PAGES if ">>> " in p.read_text(encoding="utf-8")]
    assert len(with_examples) >= 4


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_examples(page: Path) -> None:
    """Every `>>>` example of the page gives the output it shows."""
    text = doctest_text(page.read_text(encoding="utf-8"))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"__name__": page.stem}, page.name, str(page), 0)
    if not test.examples:
        return
    old = mlxinit.set_default_registry(None)  # a fresh default registry, as a new user has
    try:
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        report: list[str] = []
        runner.run(test, out=report.append)
    finally:
        mlxinit.set_default_registry(old)
    assert runner.failures == 0, "".join(report)


def console_examples(markdown: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$ mlxinit ...`` line of the page's console blocks."""
    examples: list[tuple[str, str]] = []
    in_console = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_console = not in_console and line.strip().endswith("console")
            continue
        if not in_console:
            continue
        if line.startswith("$ "):
            examples.append((line[2:], ""))
        elif examples:
            examples[-1] = (examples[-1][0], examples[-1][1] + line + "\n")
    return examples


CONSOLE = [
    pytest.param(cmd, want, id=f"{page.stem}: {cmd}")
    for page in PAGES
    for cmd, want in console_examples(page.read_text(encoding="utf-8"))
    if want and "--plot" not in cmd  # plots are checked in test_cli.py
]


@pytest.mark.parametrize(("command", "want"), CONSOLE)
def test_console_examples(command: str, want: str) -> None:
    """Each documented command prints what the page shows (`...` matches anything)."""
    words = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLXINIT_")}
    while "=" in words[0]:
        k, _, v = words.pop(0).partition("=")
        env[k] = v
    assert words[0] == "mlxinit"
    proc = subprocess.run(
        [sys.executable, "-m", "mlxinit", *words[1:]], capture_output=True, text=True, env=env, timeout=120
    )
    got = proc.stdout + proc.stderr
    checker = doctest.OutputChecker()
    assert checker.check_output(want, got, OPTIONS), f"expected:\n{want}\ngot:\n{got}"
    assert (proc.returncode == 0) == (": error:" not in want)


def test_cli_page_has_console_examples() -> None:
    """The command-line page documents its commands with runnable examples."""
    assert len([c for c in CONSOLE if "cli:" in str(c.id)]) >= 4


def test_fence_lines_end_examples() -> None:
    """A closing fence right after an output line is not part of the expected output."""
    text = doctest_text("```pycon\n>>> 1 + 1\n2\n```\nprose\n")
    (example,) = doctest.DocTestParser().get_examples(text)
    assert example.want == "2\n"


def test_reference_of_extracts_the_cited_paper() -> None:
    """The reference generator finds the paper a docstring cites."""
    docgen = _docgen()
    assert docgen.reference_of(mlxinit.info("glorot_normal").doc) == (
        "Glorot & Bengio (2010), https://proceedings.mlr.press/v9/glorot10a.html."
    )
    assert docgen.reference_of(mlxinit.info("zeros").doc) is None


def test_initializer_reference_covers_every_builtin(registry: mlxinit.Registry) -> None:
    """The generated reference has a section, parameters and summary for every built-in."""
    docgen = _docgen()
    rst = docgen.initializers_rst(registry, plots=None)
    for name in registry.available():
        info = registry.info(name)
        assert f"``{name}``\n{'-' * (len(name) + 4)}\n" in rst
        assert f"* - ``{name}``" in rst
        assert f"``{info.target}``" in rst
        for alias in info.aliases:
            assert f"``{alias}``" in rst
        assert docgen._rst_text(info.summary or "") in rst
    assert "``sparsity``" in rst
    assert "*required*" in rst


def test_initializer_reference_plots(
    registry: mlxinit.Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a plot directory, one PNG per built-in is written and referenced."""
    docgen = _docgen()
    monkeypatch.setattr(docgen, "PLOT_SHAPES", ((16, 16), (4, 3, 3, 4)))
    rst = docgen.initializers_rst(registry, plots=tmp_path)
    pngs = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert pngs == registry.available()
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in tmp_path.glob("*.png"))
    assert rst.count(".. figure:: /_generated/plots/") == len(pngs)


def test_links_outside_docs_point_at_the_repository() -> None:
    """A page's link to a repository file (`../examples/x`) becomes a repository URL."""
    docgen = _docgen()
    assert docgen.repository_links("[a](../examples/a) [b](quickstart.md)") == (
        f"[a]({docgen.REPOSITORY_TREE}examples/a) [b](quickstart.md)"
    )


def test_exception_reference_lists_the_hierarchy() -> None:
    """The exception reference shows every public error with its builtin bases."""
    rst = _docgen().exceptions_rst()
    public = [n for n in mlxinit.__all__ if n.endswith("Error")]
    for name in public:
        assert f"``{name}``" in rst
    assert "UnknownInitializerError  (MlxinitError, LookupError)" in rst
    assert "also a ``LookupError``" in rst


def _api_sections(rst: str) -> dict[str, str]:
    """The generated API reference split by ``.. currentmodule::``: module name -> its text."""
    parts = re.split(r"^\.\. currentmodule:: (\S+)$", rst, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("module_name", ["mlxinit", "mlxinit.testing", "mlxinit.sampling"])
def test_api_reference_documents_every_public_name(module_name: str) -> None:
    """Every name of the module's ``__all__`` has an autodoc entry and a summary row in the API reference."""
    docgen = _docgen()
    module = importlib.import_module(module_name)
    section = _api_sections(docgen.api_rst())[module_name]
    for name in module.__all__:
        kind = docgen.api_kind(getattr(module, name))
        directive = {"function": "autofunction", "class": "autoclass", "exception": "autoexception"}.get(
            kind, "autodata"
        )
        assert re.search(rf"^\.\. {directive}:: {re.escape(name)}$", section, re.MULTILINE), name
        assert re.search(rf"^   {re.escape(name)}$", section, re.MULTILINE), name  # the summary table


def test_api_reference_follows_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name added to ``__all__`` appears in the API reference without editing a page."""
    docgen = _docgen()
    sampling = importlib.import_module("mlxinit.sampling")
    monkeypatch.setattr(sampling, "__all__", [*sampling.__all__, "Sequence"])
    section = _api_sections(docgen.api_rst())["mlxinit.sampling"]
    assert ".. autoclass:: Sequence\n" in section


def test_api_reference_page_is_in_the_docs() -> None:
    """The API page includes the generated reference, autodoc and napoleon are on, the index links it."""
    assert ".. include:: _generated/api.rst" in (DOCS / "api.md").read_text(encoding="utf-8")
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert '"sphinx.ext.autodoc"' in conf
    assert '"sphinx.ext.napoleon"' in conf
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "\napi\n" in index
    assert "genindex" in index


def test_api_docstrings_are_tidied_for_autodoc() -> None:
    """Glued literals become valid reST, NamedTuple field boilerplate goes, markers get their comment."""
    docgen = _docgen()
    lines = ["Samples of N(``loc``, ``scale``²)."]
    docgen.api_docstring("function", mlxinit.sampling.normal, lines)
    assert lines == ["Samples of N(``loc``, ``scale``\\ ²)."]
    lines = ["built with ``seed=``/``key=``: call"]  # adjacent literals are left alone
    docgen.api_docstring("class", mlxinit.Initializer, lines)
    assert lines == ["built with ``seed=``/``key=``: call"]
    lines = ["Alias for field number 0"]
    docgen.api_docstring("attribute", None, lines)
    assert lines == []
    hookimpl = mlxinit.hookimpl
    lines = inspect.cleandoc(type(hookimpl).__doc__ or "").splitlines()
    docgen.api_docstring("data", hookimpl, lines)
    assert "@mlxinit.hookimpl" in " ".join(lines)


def test_docgen_examples() -> None:
    """The examples in the reference generator's docstrings hold."""
    result = doctest.testmod(_docgen(), optionflags=OPTIONS)
    assert result.attempted >= 5
    assert result.failed == 0


def python_blocks(markdown: str) -> list[str]:
    """The code of each ```` ```python ```` block of a page."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_plugin_guide_preset_does_what_it_says() -> None:
    """The guide's example preset gives every weight N(0, std²), biases zero and norms one."""
    import mlx.core as mx
    import mlx.nn as nn
    import numpy as np
    from scipy import stats

    (code,) = [b for b in python_blocks((DOCS / "plugins.md").read_text(encoding="utf-8")) if "def small(" in b]
    namespace: dict[str, object] = {}
    exec(compile(code, "plugins.md", "exec"), namespace)
    small = namespace["small"]
    model = nn.Sequential(nn.Linear(64, 256), nn.LayerNorm(256), nn.Linear(256, 64), nn.RMSNorm(64))
    report = mlxinit.apply(model, preset=small, seed=0, strict=True)
    assert not report.kept
    layers = model.layers
    for norm in (layers[1], layers[3]):
        assert mx.array_equal(norm.weight, mx.ones_like(norm.weight)).item()
    for biased in (layers[0], layers[1], layers[2]):
        assert mx.array_equal(biased.bias, mx.zeros_like(biased.bias)).item()
    for linear in (layers[0], layers[2]):
        w = np.asarray(linear.weight, dtype=np.float64).ravel()
        assert stats.kstest(w, stats.norm(0.0, 0.01).cdf).pvalue > 1e-4
