"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import mlxinit

pytest_plugins = ["pytester"]  # to run the pytest fixtures mlxinit ships in a test session of their own


@pytest.fixture
def registry() -> mlxinit.Registry:
    """A fresh registry with the built-ins and no plugin discovery."""
    return mlxinit.Registry(plugins=False)


@pytest.fixture
def default_registry() -> Iterator[mlxinit.Registry]:
    """Swap in a fresh default registry (built-ins only) for the module-level functions."""
    fresh = mlxinit.Registry(plugins=False)
    old = mlxinit.set_default_registry(fresh)
    try:
        yield fresh
    finally:
        mlxinit.set_default_registry(old)
