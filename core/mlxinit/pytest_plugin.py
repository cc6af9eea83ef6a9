"""pytest fixtures for testing mlxinit plugins, loaded through the ``pytest11`` entry point.

Fixtures:

``mlxinit_fake_plugins``
    a :class:`mlxinit.testing.FakePlugins`: a fresh default registry (built-ins, no
    installed plugins, no ``MLXINIT_*`` environment) plus ``.add(name, version,
    initializers=..., plugins=...)`` to declare plugin distributions without installing them.
``mlxinit_registry``
    that fresh default registry itself (the same one, when both fixtures are used).

Example (in a plugin's test suite)::

    def test_scaled_normal(mlxinit_fake_plugins):
        mlxinit_fake_plugins.add("acme-inits", initializers={"scaled_normal": "acme_inits:scaled_normal"})
        assert mlxinit.info("scaled_normal").distribution == "acme-inits"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._registry import Registry
    from .testing import FakePlugins


@pytest.fixture
def mlxinit_fake_plugins() -> Iterator[FakePlugins]:
    """A fresh default registry that sees only the plugin distributions the test adds."""
    from .testing import FakePlugins

    with FakePlugins() as fakes:
        yield fakes


@pytest.fixture
def mlxinit_registry(mlxinit_fake_plugins: FakePlugins) -> Registry:
    """A fresh default registry (built-ins only) for the module-level functions."""
    return mlxinit_fake_plugins.registry
