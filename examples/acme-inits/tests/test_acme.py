"""acme-inits' own tests, with mlxinit's pytest fixtures and plugin checker."""

from __future__ import annotations

import mlx.core as mx
import pytest

import mlxinit
from mlxinit.testing import FakePlugins, check_plugin


def test_declared_entry_points_resolve(mlxinit_fake_plugins: FakePlugins) -> None:
    """The entry points in pyproject.toml, declared without installing, give acme's names."""
    mlxinit_fake_plugins.add(
        "acme-inits",
        "0.1.0",
        initializers={"scaled_normal": "acme_inits.initializers:scaled_normal"},
        plugins={"acme": "acme_inits.plugin"},
    )
    assert mlxinit.info("scaled_normal").distribution == "acme-inits"
    assert mlxinit.info("rezero").name == "acme:zero_residual"  # as every listing shows it
    w = mlxinit.get("scaled_normal_0.5", dtype=mx.float16)(mx.zeros((64, 64)))
    assert w.dtype == mx.float16
    assert 0.4 < float(mx.std(w.astype(mx.float32))) < 0.6


def test_bad_std_is_rejected(mlxinit_fake_plugins: FakePlugins) -> None:
    """A non-positive std raises mlxinit's InvalidParameterError."""
    mlxinit_fake_plugins.add("acme-inits", initializers={"scaled_normal": "acme_inits.initializers:scaled_normal"})
    with pytest.raises(mlxinit.InvalidParameterError, match="std"):
        mlxinit.get("scaled_normal", std=0)


def test_installed_plugin_passes_the_checker() -> None:
    """check_plugin validates every name of the installed distribution."""
    result = check_plugin("acme-inits", names=["scaled_normal_0.1"])
    assert result.ok, result.format()
