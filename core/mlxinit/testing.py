"""The plugin author kit: isolated registries, fake entry points and a plugin checker.

* :func:`isolated_registry` swaps in a fresh default registry for the duration of a
  ``with`` block, so the module-level :func:`mlxinit.get` sees only what the test declares.
* :func:`fake_distribution` declares a distribution with entry points without installing
  anything: a real :class:`importlib_metadata.Distribution` whose metadata is parsed as
  usual but comes from memory. :class:`FakePlugins` collects them for a registry.
* :func:`check_plugin` validates every name a plugin distribution provides.

The pytest plugin :mod:`mlxinit.pytest_plugin` (loaded automatically through the
``pytest11`` entry point) exposes the same as fixtures ``mlxinit_registry`` and
``mlxinit_fake_plugins``.

Example:
    >>> import mlx.core as mx
    >>> import mlxinit
    >>> from mlxinit.testing import fake_distribution, isolated_registry
    >>> def scaled(*, scale=0.5, dtype=mx.float32):
    ...     '''Uniform in [-scale, scale].'''
    ...     return lambda a: mx.random.uniform(-scale, scale, a.shape, dtype=dtype)
    >>> dist = fake_distribution("acme-inits", "1.2.0", initializers={"scaled": scaled})
    >>> with isolated_registry(dist) as reg:
    ...     info = mlxinit.info("scaled")
    ...     (info.source, info.distribution, info.version)
    ('entry-point', 'acme-inits', '1.2.0')
"""

from __future__ import annotations

import contextlib
import itertools
import pathlib
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import importlib_metadata

from ._api import set_default_registry
from ._errors import MlxinitError
from ._records import PluginFailure
from ._registry import Registry

__all__ = [
    "FakeDistribution",
    "FakePlugins",
    "NameCheck",
    "PluginCheck",
    "check_plugin",
    "fake_distribution",
    "isolated_registry",
]

_counter = itertools.count()
_counter_lock = threading.Lock()


class FakeDistribution(importlib_metadata.Distribution):
    """A distribution whose metadata files live in memory.

    importlib-metadata parses them exactly as it parses an installed ``.dist-info``
    (``METADATA``, ``entry_points.txt``), so discovery cannot tell the difference.

    Args:
        files: file name → text, e.g. ``{"METADATA": ..., "entry_points.txt": ...}``.
    """

    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = dict(files)

    def read_text(self, filename: str) -> str | None:
        return self._files.get(filename)

    def locate_file(self, path: Any) -> pathlib.Path:
        return pathlib.Path("/nonexistent-mlxinit-fake") / str(path)

    def __repr__(self) -> str:
        return f"<FakeDistribution {self.metadata['Name']} {self.version}>"


def _targets(
    module_name: str, module: types.ModuleType, items: Mapping[str, Any] | None, need_attr: bool, start: int = 0
) -> list[str]:
    lines = []
    for i, (name, target) in enumerate((items or {}).items(), start):
        if isinstance(target, str):
            value = target
        elif not need_attr and isinstance(target, types.ModuleType) and sys.modules.get(target.__name__) is target:
            value = target.__name__
        else:
            attr = f"obj{i}"
            setattr(module, attr, target)
            value = f"{module_name}:{attr}"
        lines.append(f"{name} = {value}")
    return lines


def fake_distribution(
    name: str,
    version: str = "0.1.0",
    *,
    initializers: Mapping[str, str | Callable[..., Any]] | None = None,
    plugins: Mapping[str, Any] | None = None,
    presets: Mapping[str, str | Callable[..., Any]] | None = None,
    entry_points_text: str = "",
) -> FakeDistribution:
    """Declare a plugin distribution for a test without installing anything.

    Args:
        name: the distribution name (``"acme-inits"``).
        version: its version.
        initializers: the ``mlxinit.initializers`` group: entry name → ``"module:factory"``
            or the factory itself (placed in a synthetic module so it is "imported"
            through the usual path).
        plugins: the ``mlxinit.plugins`` group: entry name → ``"module"``, a module, or an
            object carrying ``@mlxinit.hookimpl`` functions.
        presets: the ``mlxinit.presets`` group: preset name → ``"module:preset"`` or the
            preset callable itself.
        entry_points_text: raw ``entry_points.txt`` text appended as is (to test malformed
            metadata).

    Returns:
        a :class:`FakeDistribution`.

    Example:
        >>> dist = fake_distribution("acme-inits", initializers={"scaled": "acme_inits:scaled"})
        >>> [(ep.group, ep.name, ep.value) for ep in dist.entry_points]
        [('mlxinit.initializers', 'scaled', 'acme_inits:scaled')]
    """
    with _counter_lock:
        n = next(_counter)
    module_name = f"_mlxinit_fake_{name.replace('-', '_').replace('.', '_')}_{n}"
    module = types.ModuleType(module_name)
    sections = []
    init_lines = _targets(module_name, module, initializers, need_attr=True)
    if init_lines:
        sections.append("[mlxinit.initializers]\n" + "\n".join(init_lines))
    plugin_lines = _targets(module_name, module, plugins, need_attr=False, start=len(init_lines))
    if plugin_lines:
        sections.append("[mlxinit.plugins]\n" + "\n".join(plugin_lines))
    preset_lines = _targets(module_name, module, presets, need_attr=True, start=len(init_lines) + len(plugin_lines))
    if preset_lines:
        sections.append("[mlxinit.presets]\n" + "\n".join(preset_lines))
    if vars(module).keys() - {"__name__", "__doc__", "__package__", "__loader__", "__spec__"}:
        sys.modules[module_name] = module
    if entry_points_text:
        sections.append(entry_points_text.strip())
    files = {"METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"}
    if sections:
        files["entry_points.txt"] = "\n\n".join(sections) + "\n"
    return FakeDistribution(files)


class FakePlugins:
    """A fresh default registry that sees only the distributions added to it.

    Use it as a context manager (the pytest fixture ``mlxinit_fake_plugins`` does):
    inside, the module-level :func:`mlxinit.get` and friends use :attr:`registry`.

    Args:
        *distributions: distributions to start with (see :func:`fake_distribution`).
        builtins: register the built-in initializers.
        installed: also discover the distributions really installed.
        environ: the ``MLXINIT_*`` controls to apply; empty by default, so the
            caller's environment does not leak into the test.

    Example:
        >>> with FakePlugins() as fakes:
        ...     _ = fakes.add("acme-inits", initializers={"scaled": "acme_inits:scaled"})
        ...     fakes.registry.available("scaled")
        ['scaled']
    """

    def __init__(
        self,
        *distributions: importlib_metadata.Distribution,
        builtins: bool = True,
        installed: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.distributions: list[importlib_metadata.Distribution] = list(distributions)
        self._installed = installed
        self.environ: dict[str, str] = dict(environ or {})
        self.registry = Registry(builtins=builtins, environ=self.environ, distributions=self._source)
        self._old: Registry | None = None

    def _source(self) -> Iterable[Any]:
        yield from list(self.distributions)
        if self._installed:
            yield from importlib_metadata.distributions()

    def add(
        self,
        name: str,
        version: str = "0.1.0",
        *,
        initializers: Mapping[str, str | Callable[..., Any]] | None = None,
        plugins: Mapping[str, Any] | None = None,
        presets: Mapping[str, str | Callable[..., Any]] | None = None,
        entry_points_text: str = "",
    ) -> FakeDistribution:
        """Declare one more distribution (as :func:`fake_distribution`) and refresh the registry."""
        dist = fake_distribution(
            name,
            version,
            initializers=initializers,
            plugins=plugins,
            presets=presets,
            entry_points_text=entry_points_text,
        )
        self.distributions.append(dist)
        self.registry.refresh()
        return dist

    def __enter__(self) -> FakePlugins:
        self._old = set_default_registry(self.registry)
        return self

    def __exit__(self, *exc: object) -> None:
        set_default_registry(self._old)


@contextlib.contextmanager
def isolated_registry(
    *distributions: importlib_metadata.Distribution,
    builtins: bool = True,
    installed: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Registry]:
    """Swap in a fresh default registry for the ``with`` block, then restore the old one.

    Args:
        *distributions: fake (or real) distributions to discover plugins from.
        builtins: register the built-in initializers.
        installed: also discover the distributions really installed.
        environ: ``MLXINIT_*`` controls for this registry (empty by default).

    Yields:
        the registry that :func:`mlxinit.get` uses inside the block.

    Example:
        >>> import mlxinit
        >>> with isolated_registry() as reg:
        ...     _ = mlxinit.register("my_zeros", lambda dtype=None: (lambda a: a * 0))
        ...     "my_zeros" in mlxinit.available()
        True
        >>> "my_zeros" in mlxinit.available()
        False
    """
    with FakePlugins(*distributions, builtins=builtins, installed=installed, environ=environ) as fakes:
        yield fakes.registry


@dataclass(frozen=True)
class NameCheck:
    """The verdict on one name of a plugin."""

    name: str  #: as the plugin report lists it
    qualified: str  #: the name checked, qualified with the distribution
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()  #: what could not be checked, and why (not a failure)

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return not self.problems


@dataclass(frozen=True)
class PluginCheck:
    """What :func:`check_plugin` found about one distribution."""

    distribution: str
    version: str | None
    names: tuple[NameCheck, ...]
    failures: tuple[PluginFailure, ...]  #: from the plugin report
    notes: tuple[str, ...]  #: warnings (reserved names, nothing to check, …)

    @property
    def ok(self) -> bool:
        """Whether the plugin loaded cleanly and every one of its names passed."""
        return bool(self.names) and not self.failures and all(n.passed for n in self.names)

    def format(self) -> str:
        """A human-readable report, one line per name (what ``mlxinit check DIST`` prints)."""
        head = f"{self.distribution} {self.version or '(unknown version)'}: {'ok' if self.ok else 'FAILED'}"
        lines = [head]
        for n in self.names:
            lines.append(f"  {'PASS' if n.passed else 'FAIL'}  {n.qualified}")
            lines.extend(f"        {p}" for p in n.problems)
            lines.extend(f"        note: {p}" for p in n.notes)
        for f in self.failures:
            lines.append(f"  FAIL  {f.where}: {f.reason}")
        lines.extend(f"  NOTE  {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


#: Shapes tried, in order, when an initializer refuses the requested one (square, convolution kernels).
_OTHER_SHAPES = ((8, 8), (8, 3, 8), (8, 3, 3, 8))


def _check_name(
    registry: Registry, qualified: str, shape: tuple[int, ...], dtypes: Iterable[Any]
) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` of one name: what failed, and what could not be checked and why."""
    import mlx.core as mx

    from ._errors import MissingParameterError, ShapeError

    problems: list[str] = []
    notes: list[str] = []
    try:
        registry.info(qualified)
        init = registry.get(qualified)
    except MissingParameterError as e:  # a required hyper-parameter: nothing to build it with, not a defect
        return [], [f"not built: it requires parameter {e.parameter!r}"]
    except MlxinitError as e:
        return [f"does not build with its defaults: {type(e).__name__}: {e}"], []
    info = registry.info(qualified)
    if not (info.doc or "").strip():
        problems.append("its factory has no docstring (the first line is its summary in listings)")
    if init.group is not None:
        return problems, notes  # a group initializer fills a module, not an array (see GroupFill)
    try:
        init(shape)
    except ShapeError as refused:  # an initializer for some shapes only (square, conv kernels): try those
        fits = []
        for other in _OTHER_SHAPES:
            try:
                init(other)
            except ShapeError:
                continue
            fits.append(other)
            break
        if not fits:
            return [*problems, f"refuses every probe shape: {refused}"], notes
        notes.append(f"checked at shape {fits[0]}: it refuses {tuple(shape)} ({refused})")
        shape = fits[0]
    except Exception:  # reported with its dtype below
        pass
    for dt in (None, *dtypes):
        want = mx.float32 if dt is None else dt
        try:
            built = init if dt is None else registry.get(qualified, dtype=dt)
            out = built(mx.zeros(shape, dtype=want))
            if isinstance(out, mx.array):
                mx.eval(out)
        except Exception as e:
            problems.append(f"dtype {want}: the initializer raised {type(e).__name__}: {e}")
            continue
        if not isinstance(out, mx.array):
            problems.append(f"dtype {want}: returned {type(out).__name__}, expected an mx.array")
        elif tuple(out.shape) != tuple(shape):
            problems.append(f"dtype {want}: returned shape {tuple(out.shape)}, expected {tuple(shape)}")
        elif out.dtype != want:
            problems.append(f"dtype {want}: returned dtype {out.dtype}, expected {want}")
    return problems, notes


def check_plugin(
    distribution: str | importlib_metadata.Distribution,
    *,
    registry: Registry | None = None,
    names: Iterable[str] = (),
    shape: tuple[int, ...] = (8, 4),
    dtypes: Iterable[Any] | None = None,
) -> PluginCheck:
    """Validate a plugin distribution: every name it provides resolves and behaves.

    For each name: it resolves (qualified with the distribution, or with the namespace
    the plugin gave it, so conflicts with other distributions do not matter), its
    factory builds with its defaults, the initializer returns an
    ``mx.array`` of the input's shape in the default dtype (``float32``) and in each of
    ``dtypes`` (``float16`` and ``bfloat16`` by default), and the factory has a docstring.
    A group initializer (its factory returns a :class:`mlxinit.GroupFill`) is checked to build
    and to have a docstring: it fills a module, which only the plugin's own tests can supply.

    Args:
        distribution: an installed distribution's name, or a distribution object
            (e.g. from :func:`fake_distribution`).
        registry: the registry to check in; by default a fresh one that loads only
            this distribution (``MLXINIT_PLUGINS=distribution``).
        names: more names to check, e.g. ones a resolver hook answers.
        shape: the shape to fill.
        dtypes: the dtypes to request besides the default.

    Returns:
        a :class:`PluginCheck`; ``ok`` is the verdict, ``format()`` the printout.

    Example:
        >>> import mlx.core as mx
        >>> def tiny(*, dtype=mx.float32):
        ...     '''Constant 1e-3.'''
        ...     return lambda a: mx.full(a.shape, 1e-3, dtype=dtype)
        >>> print(check_plugin(fake_distribution("tiny-inits", "0.1", initializers={"tiny": tiny})))
        tiny-inits 0.1: ok
          PASS  tiny-inits:tiny
    """
    import mlx.core as mx

    want_dtypes = (mx.float16, mx.bfloat16) if dtypes is None else tuple(dtypes)
    if isinstance(distribution, str):
        dist_name = distribution
        reg = registry or Registry(environ={"MLXINIT_PLUGINS": distribution})
    else:
        dist_name = distribution.metadata["Name"]
        reg = registry or Registry(environ={}, distributions=lambda: [distribution])
    from ._names import dist_key

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = reg.plugin_report()
    notes = [str(w.message) for w in caught]
    found = [
        p
        for p in report.plugins
        if dist_key(p.distribution) == dist_key(dist_name) and not any(f.stage == "selection" for f in p.failures)
    ]
    if not found:
        why = (
            f"no plugin distribution named {dist_name!r}: no installed distribution has that name, "
            "or it declares no mlxinit entry points"
        )
        return PluginCheck(dist_name, None, (), (), (why,))
    plugin = found[0]
    checks = []
    for listed in [*plugin.names, *names]:
        # A name the plugin put in a namespace of its own ("keras:he_normal") is checked
        # as listed; the others are qualified with the distribution, so conflicts with
        # other distributions do not matter.
        qualified = listed if ":" in listed else f"{plugin.distribution}:{listed}"
        problems, notes = _check_name(reg, qualified, shape, want_dtypes)
        checks.append(NameCheck(listed, qualified, tuple(problems), tuple(notes)))
    report = reg.plugin_report()  # failures recorded while checking (factories) count too
    plugin = next(p for p in report.plugins if dist_key(p.distribution) == dist_key(dist_name))
    if not checks:
        notes.append("it provides no names to check (pass names=... for a resolver hook)")
    return PluginCheck(plugin.distribution, plugin.version, tuple(checks), plugin.failures, tuple(notes))
