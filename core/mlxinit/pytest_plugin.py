"""pytest fixtures for testing mlxinit plugins, loaded through the ``pytest11`` entry point.

Fixtures:

``mlxinit_fake_plugins``
    a :class:`mlxinit.testing.FakePlugins`: a fresh default registry (built-ins, no
    installed plugins, no ``MLXINIT_*`` environment) plus ``.add(name, version,
    initializers=..., plugins=..., presets=...)`` to declare plugin distributions without
    installing them.
``mlxinit_registry``
    that fresh default registry itself (the same one, when both fixtures are used).

Installed plugins are left out by default, so a test sees only what it declares. The
marker ``@pytest.mark.mlxinit_registry(installed=True)`` lets them in (for a test of an
installed plugin, or of how yours sits next to others); it also takes ``builtins=False``
and ``environ={"MLXINIT_BLOCK": ...}`` (the ``MLXINIT_*`` controls for that registry),
the arguments of :class:`mlxinit.testing.FakePlugins`.

Example (in a plugin's test suite)::

    def test_scaled_normal(mlxinit_fake_plugins):
        mlxinit_fake_plugins.add("acme-inits", initializers={"scaled_normal": "acme_inits:scaled_normal"})
        assert mlxinit.info("scaled_normal").distribution == "acme-inits"


    @pytest.mark.mlxinit_registry(installed=True)
    def test_installed(mlxinit_registry):
        assert mlxinit.info("scaled_normal").distribution == "acme-inits"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._registry import Registry
    from .testing import FakePlugins

MARKER = "mlxinit_registry"
_OPTIONS = ("installed", "builtins", "environ")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``mlxinit_registry`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(installed=False, builtins=True, environ=None): how the mlxinit_registry and "
        "mlxinit_fake_plugins fixtures build their registry; installed=True also discovers the "
        "plugins installed in the environment.",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only ({', '.join(_OPTIONS)}).")
    unknown = sorted(set(marker.kwargs) - set(_OPTIONS))
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}: unknown argument(s) {', '.join(unknown)}; expected {', '.join(_OPTIONS)}."
        )
    return dict(marker.kwargs)


@pytest.fixture
def mlxinit_fake_plugins(request: pytest.FixtureRequest) -> Iterator[FakePlugins]:
    """A fresh default registry that sees only the plugin distributions the test adds.

    ``@pytest.mark.mlxinit_registry(installed=True)`` adds the installed plugins.
    """
    from .testing import FakePlugins

    with FakePlugins(**_options(request)) as fakes:
        yield fakes


@pytest.fixture
def mlxinit_registry(mlxinit_fake_plugins: FakePlugins) -> Registry:
    """A fresh default registry (built-ins only, unless marked) for the module-level functions.

    ``@pytest.mark.mlxinit_registry(installed=True)`` lets the installed plugins in.
    """
    return mlxinit_fake_plugins.registry
