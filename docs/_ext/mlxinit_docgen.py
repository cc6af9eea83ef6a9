"""Generate the initializer and exception references from mlxinit itself, at build time.

The Sphinx extension runs on ``builder-inited``: it asks the registry for every name
(built-ins first, then installed plugins by distribution), renders each factory's
Google-style docstring with napoleon, and draws one histogram per initializer with the
theoretical density (small shapes, fixed seed). The exception reference walks
``mlxinit._errors``. Output goes to ``docs/_generated/`` (git-ignored), which the
hand-written pages include.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Example values for required hyper-parameters, so every built-in gets a plot.
EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "constant": {"value": 0.5},
    "sparse": {"sparsity": 0.5},
}
#: Shapes tried in order for a plot (a conv weight for ``dirac``).
PLOT_SHAPES: tuple[tuple[int, ...], ...] = ((128, 128), (16, 3, 3, 16))
PLOT_SEED = 0

#: An inline literal followed by a character docutils does not accept there (``std``²).
#: (A start-string follows whitespace or an opening punctuation mark, as docutils requires, so the
#: closing and opening backticks of ``a``/``b`` are not read as a literal of their own.)
_LITERAL_GLUED = re.compile(r"(?<![^\s'\"(\[{<:/-])(``[^`\s](?:[^`]*?[^`\s])?``)(?=[^\s.,;:!?)\]}'\"/\\`-])")
_REFERENCE_RE = re.compile(r"Reference:\s+(.+?)(?:\s+Aliases:.*)?$", re.DOTALL)


def _rst_doc(doc: str | None) -> list[str]:
    if not doc:
        return ["*(no documentation)*"]
    from sphinx.ext.napoleon import Config
    from sphinx.ext.napoleon.docstring import GoogleDocstring

    config = Config(napoleon_use_param=False, napoleon_use_rtype=False, napoleon_use_ivar=True)
    return [_rst_text(line) for line in GoogleDocstring(inspect.cleandoc(doc), config).lines()]


def _rst_text(text: str) -> str:
    """Docstring text made safe for docutils: ``std``² becomes ``std``\\ ² (an escaped space)."""
    return _LITERAL_GLUED.sub(r"\1\\ ", text)


def reference_of(doc: str | None) -> str | None:
    """The paper a docstring cites after ``Reference:``, if any.

    Example:
        >>> reference_of("Glorot. Reference: Glorot & Bengio (2010), https://x.org/a. Aliases: ``b``.")
        'Glorot & Bengio (2010), https://x.org/a.'
    """
    for para in inspect.cleandoc(doc or "").split("\n\n"):
        flat = " ".join(para.split())
        if "Reference:" in flat:
            m = _REFERENCE_RE.search(flat[flat.index("Reference:") :])
            if m:
                return m.group(1).strip()
    return None


def _params_table(info: Any) -> list[str]:
    if info.params is None:
        return ["*Parameters are known once the plugin is loaded.*", ""]
    if not info.params:
        return ["*No hyper-parameters* (``dtype`` only).", ""]
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 20 30", "", "   * - parameter", "     - default"]
    for p in info.params:
        lines += [f"   * - ``{p.name}``", f"     - {'*required*' if p.required else f'``{p.default!r}``'}"]
    return [*lines, ""]


def _plot(registry: Any, name: str, out_dir: Path) -> str | None:
    """Draw ``name`` at a small shape; returns the PNG's file name, or None if it cannot be drawn."""
    import mlx.core as mx

    from mlxinit import MlxinitError
    from mlxinit._plot import density, plot_distribution

    params = EXAMPLE_PARAMS.get(name, {})
    try:
        init = registry.get(name, seed=PLOT_SEED, **params)
    except MlxinitError:
        return None
    for shape in PLOT_SHAPES:
        try:
            w = init(mx.zeros(shape))
            mx.eval(w)
        except MlxinitError:
            continue
        config = dict(init.config)
        config.pop("seed", None)
        title = f"{config.pop('name')}({', '.join(f'{k}={v!r}' for k, v in config.items())}), shape {shape}"
        file = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png"
        plot_distribution(
            w, config, init.expected_std(shape), str(out_dir / file), title=title, dens=density(init, shape)
        )
        return file
    return None


def _section(registry: Any, name: str, plots: Path | None, underline: str) -> list[str]:
    info = registry.info(name)
    lines = [f"``{name}``", underline * (len(name) + 4), ""]
    facts = []
    if info.aliases:
        facts.append("**Aliases:** " + ", ".join(f"``{a}``" for a in info.aliases))
    src = "built-in" if info.source == "builtin" else f"{info.source} of ``{info.distribution} {info.version or ''}``"
    facts.append(f"**Source:** {src}")
    if info.target:
        facts.append(f"**Factory:** ``{info.target}``")
    lines += [" · ".join(facts), ""]
    lines += _params_table(info)
    lines += [*_rst_doc(info.doc), ""]
    ref = reference_of(info.doc)
    if ref:
        lines += [f"**Reference:** {ref}", ""]
    if plots is not None:
        file = _plot(registry, name, plots)
        if file is not None:
            lines += [
                f".. figure:: /_generated/plots/{file}",
                f"   :alt: histogram of {name} samples with its theoretical density",
                "   :width: 480px",
                "",
                f"   Samples of ``{name}`` (seed {PLOT_SEED}) with the theoretical density where "
                "its kind is known, and mean ± the promised std.",
                "",
            ]
        else:
            lines += ["*(no plot: this initializer needs parameters or shapes the generator does not guess)*", ""]
    return lines


def initializers_rst(registry: Any, plots: Path | None) -> str:
    """The reStructuredText of the initializer reference for ``registry``.

    Built-ins come first, then each plugin distribution's names. With ``plots`` (a
    directory) one PNG per initializer is written there and referenced.
    """
    lines: list[str] = []
    builtins = [n for n in registry.available() if registry.info(n).source == "builtin"]
    lines += ["Built-in initializers", "=====================", ""]
    lines += [".. list-table::", "   :header-rows: 1", "   :widths: 25 75", "", "   * - name", "     - summary"]
    for n in builtins:
        lines += [f"   * - ``{n}``", f"     - {_escape(registry.info(n).summary)}"]
    lines.append("")
    for n in builtins:
        lines += _section(registry, n, plots, "-")
    by_dist: dict[str, list[str]] = {}
    for n in registry.available():
        info = _safe_info(registry, n)
        if info is not None and info.source != "builtin" and info.distribution:
            by_dist.setdefault(f"{info.distribution} {info.version or ''}".strip(), []).append(n)
    if by_dist:
        lines += ["Installed plugins", "=================", ""]
        lines += ["Names from plugin distributions installed where these docs were built.", ""]
        for dist, names in sorted(by_dist.items()):
            lines += [dist, "-" * len(dist), ""]
            for n in names:
                lines += _section(registry, n, plots, "~")
    return "\n".join(lines) + "\n"


def _safe_info(registry: Any, name: str) -> Any:
    from mlxinit import MlxinitError

    try:
        return registry.info(name)
    except MlxinitError:
        return None


def _escape(text: str | None) -> str:
    return _rst_text((text or "").replace("|", "\\|"))


def _builtin_base(cls: type) -> str:
    return ", ".join(
        f"``{b.__name__}``" for b in cls.__mro__[1:] if b.__module__ == "builtins" and b not in (object, BaseException)
    )


def _exception_classes() -> list[type]:
    import mlxinit
    from mlxinit import _errors

    classes = {getattr(_errors, n) for n in _errors.__all__}
    classes |= {
        getattr(mlxinit, n)
        for n in mlxinit.__all__
        if isinstance(getattr(mlxinit, n, None), type) and issubclass(getattr(mlxinit, n), mlxinit.MlxinitError)
    }
    return sorted(classes, key=lambda c: c.__name__)


def _tree(root: type, classes: Iterable[type], depth: int = 0) -> list[str]:
    lines = [f"{'    ' * depth}{root.__name__}  ({', '.join(b.__name__ for b in root.__bases__)})"]
    for c in sorted((c for c in classes if root in c.__bases__), key=lambda c: c.__name__):
        lines += _tree(c, classes, depth + 1)
    return lines


def exceptions_rst() -> str:
    """The reStructuredText of the exception reference: the hierarchy, then each class."""
    from mlxinit import MlxinitError

    classes = _exception_classes()
    lines = ["Hierarchy", "---------", "", "Each class, with its direct bases::", ""]
    lines += ["    " + line for line in _tree(MlxinitError, classes)]
    lines.append("")
    for cls in classes:
        lines += [f".. _exc-{cls.__name__.lower()}:", "", f"``{cls.__name__}``", "-" * (len(cls.__name__) + 4), ""]
        module = "mlxinit" if hasattr(__import__("mlxinit"), cls.__name__) else cls.__module__
        bases = _builtin_base(cls)
        facts = [f"``{module}.{cls.__name__}``"]
        if bases:
            facts.append(f"also a {bases}")
        lines += [" · ".join(facts), ""]
        lines += [*_rst_doc(cls.__doc__), ""]
    return "\n".join(lines) + "\n"


#: The modules whose ``__all__`` the API reference documents, in page order.
API_MODULES: tuple[str, ...] = ("mlxinit", "mlxinit.testing", "mlxinit.sampling")

#: Section titles of the API reference, in order, with the autodoc directive of each kind.
_API_KINDS: tuple[tuple[str, str, str], ...] = (
    ("function", "Functions", "autofunction"),
    ("class", "Classes", "autoclass"),
    ("exception", "Exceptions and warnings", "autoexception"),
    ("data", "Other names", "autodata"),
)


def api_kind(obj: Any) -> str:
    """How the API reference documents ``obj``: ``function``, ``class``, ``exception`` or ``data``.

    Example:
        >>> api_kind(len), api_kind(dict), api_kind(KeyError), api_kind(3)
        ('function', 'class', 'exception', 'data')
    """
    if isinstance(obj, type):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def api_names(module_name: str) -> list[tuple[str, str]]:
    """``(name, kind)`` for every name of the module's ``__all__``, in ``__all__``'s order."""
    import importlib

    module = importlib.import_module(module_name)
    return [(name, api_kind(getattr(module, name))) for name in module.__all__]


def api_rst(modules: Iterable[str] = API_MODULES) -> str:
    """The reStructuredText of the Python API reference, driven by each module's ``__all__``.

    For each module: its docstring, a summary table of its public names grouped by kind,
    then one autodoc entry per name (classes with their documented members). A name
    added to ``__all__`` appears here without editing any page.
    """
    lines: list[str] = []
    for module_name in modules:
        names = api_names(module_name)
        title = f"``{module_name}``"
        lines += [title, "=" * len(title), "", f".. automodule:: {module_name}", ""]
        lines += [f".. currentmodule:: {module_name}", ""]
        for kind, heading, directive in _API_KINDS:
            group = [n for n, k in names if k == kind]
            if not group:
                continue
            sub = f"{heading} ({module_name})" if module_name != API_MODULES[0] else heading
            lines += [sub, "-" * len(sub), "", ".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in group]
            lines.append("")
            for n in group:
                lines.append(f".. {directive}:: {n}")
                if kind in ("class", "exception"):
                    lines += ["   :members:", "   :show-inheritance:"]
                lines.append("")
    return "\n".join(lines) + "\n"


def generate(srcdir: Path, *, plots: bool = True) -> dict[str, float]:
    """Write ``_generated/initializers.rst``, ``exceptions.rst``, ``api.rst`` and the plots under ``srcdir``."""
    import mlxinit

    out = srcdir / "_generated"
    plot_dir = out / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    registry = mlxinit.Registry()
    _write(out / "initializers.rst", initializers_rst(registry, plot_dir if plots else None))
    _write(out / "exceptions.rst", exceptions_rst())
    _write(out / "api.rst", api_rst())
    return {"seconds": time.perf_counter() - t0}


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


#: Where links from a page to repository files outside ``docs/`` (``](../examples/x)``) point.
REPOSITORY_TREE = "https://github.com/mlxinit/mlxinit/tree/main/"
_REPO_LINK = re.compile(r"\]\(\.\./([^)\s]+)\)")


def repository_links(text: str) -> str:
    """Point Markdown links to files outside ``docs/`` at the repository.

    Example:
        >>> repository_links("see [the plugin](../examples/acme-inits).")
        'see [the plugin](https://github.com/mlxinit/mlxinit/tree/main/examples/acme-inits).'
    """
    return _REPO_LINK.sub(lambda m: f"]({REPOSITORY_TREE}{m.group(1)})", text)


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    source[0] = repository_links(source[0])


_NAMEDTUPLE_FIELD_DOC = re.compile(r"^Alias for field number \d+$")


def api_docstring(what: str, obj: Any, lines: list[str]) -> None:
    """Tidy a docstring autodoc is about to render, in place.

    Inline literals glued to text (``std``²) are made valid reST; a ``NamedTuple``
    field's generated "Alias for field number N" is dropped; a data object that
    carries only its type's docstring (``hookimpl``, a ``pluggy.HookimplMarker``)
    gets the ``#:`` comment written where mlxinit defines it instead.

    Example:
        >>> lines = ["Alias for field number 3"]
        >>> api_docstring("attribute", None, lines); lines
        []
        >>> lines = ["N(``loc``, ``scale``²)."]
        >>> api_docstring("function", None, lines); print(lines[0])
        N(``loc``, ``scale``\\ ²).
    """
    if what == "attribute" and len([ln for ln in lines if ln.strip()]) == 1 and _NAMEDTUPLE_FIELD_DOC.match(
        lines[0].strip()
    ):
        lines.clear()
        return
    if what == "data" and not isinstance(obj, type) and lines and _same_doc(lines, type(obj).__doc__):
        comment = _defining_comment(obj)
        if comment:
            lines[:] = comment
    lines[:] = [_rst_text(line) for line in lines]


def _same_doc(lines: list[str], doc: str | None) -> bool:
    return " ".join(" ".join(lines).split()) == " ".join(inspect.cleandoc(doc or "").split())


def _defining_comment(obj: Any) -> list[str] | None:
    """The ``#:`` comment above the assignment of ``obj`` in the mlxinit module that defines it."""
    import sys

    from sphinx.pycode import ModuleAnalyzer, PycodeError

    for mod_name, module in sorted(sys.modules.items()):
        if not (mod_name == "mlxinit" or mod_name.startswith("mlxinit.")) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if value is not obj:
                continue
            try:
                docs = ModuleAnalyzer.for_module(mod_name).find_attr_docs()
            except PycodeError:
                break
            if ("", attr) in docs:
                return list(docs[("", attr)])
    return None


def _on_process_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    api_docstring(what, obj, lines)


def _on_builder_inited(app: Any) -> None:
    generate(Path(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    app.connect("source-read", _on_source_read)
    app.connect("autodoc-process-docstring", _on_process_docstring)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
