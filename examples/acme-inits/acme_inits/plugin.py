"""The pluggy hooks of acme-inits, found through the ``mlxinit.plugins`` entry point."""

from __future__ import annotations

import re

import mlx.core as mx

import mlxinit

from .initializers import scaled_normal, zero_residual

_FAMILY = re.compile(r"^scaled_normal_(\d+(?:\.\d+)?)$")


@mlxinit.hookimpl
def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
    """Register acme's initializers; "acme:" is a short namespace of this plugin."""
    registry.register("acme:zero_residual", zero_residual, aliases=["rezero"])


@mlxinit.hookimpl
def mlxinit_resolve_initializer(name: str) -> mlxinit.InitializerFactory | None:
    """Answer the family ``scaled_normal_<std>``, e.g. ``scaled_normal_0.5``."""
    m = _FAMILY.match(name)
    if m is None:
        return None
    std = float(m.group(1))

    def family(*, dtype: mx.Dtype | None = None) -> mlxinit.Fill:
        """Normal with the standard deviation written in the name."""
        return scaled_normal(std=std) if dtype is None else scaled_normal(std=std, dtype=dtype)

    return family
