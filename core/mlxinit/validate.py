"""Hyper-parameter checks for factory authors.

Each raises the :class:`mlxinit.InvalidParameterError` family with the initializer's
name, the parameter, what was expected and what was given::

    from mlxinit.validate import check_real

    def scaled_normal(scale: float = 1.0, *, dtype=mx.float32):
        scale = check_real("scaled_normal", "scale", scale, gt=0)
        ...
"""

from __future__ import annotations

from ._fans import compute_fans
from ._layout import Layout, check_layout
from ._validate import check_choice, check_int, check_real

__all__ = ["Layout", "check_choice", "check_int", "check_layout", "check_real", "compute_fans"]
