"""The installed version, read lazily from package metadata."""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """mlxinit's version as installed (``"0+unknown"`` when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version("mlxinit")
    except PackageNotFoundError:
        return "0+unknown"
