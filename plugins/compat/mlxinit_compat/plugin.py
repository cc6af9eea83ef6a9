"""The mlxinit plugin: registers the namespaced recipes through the hook."""

from __future__ import annotations

import mlxinit

from . import hf, recipes


@mlxinit.hookimpl
def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
    """Register ``torch:*``, ``keras:*``, ``jax:*`` and ``hf:*`` initializers."""
    for name, factory in recipes.TORCH.items():
        registry.register(f"torch:{name}", factory)
    for name, factory in recipes.KERAS.items():
        registry.register(f"keras:{name}", factory)
    for name, factory in recipes.JAX.items():
        registry.register(f"jax:{name}", factory)
    for name, factory in hf.HF.items():
        registry.register(f"hf:{name}", factory)
