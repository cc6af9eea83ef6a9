"""A first look from the outside: import, resolve, call."""

from __future__ import annotations

import subprocess
import sys

import mlx.core as mx

import mlxinit


def test_get_builds_a_closure_with_the_requested_dtype(registry: mlxinit.Registry) -> None:
    """get() resolves a name and the closure returns the input's shape in the dtype asked."""
    w = registry.get("he_normal", dtype=mx.float16)(mx.zeros((8, 4)))
    assert w.shape == (8, 4)
    assert w.dtype == mx.float16


def test_import_reads_no_metadata_and_loads_no_plugin_machinery() -> None:
    """`import mlxinit` imports neither importlib-metadata, pluggy nor the built-in plugin."""
    code = (
        "import sys, mlxinit; "
        "bad = [m for m in ('importlib_metadata', 'importlib.metadata', 'pluggy', 'mlxinit_builtin') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
