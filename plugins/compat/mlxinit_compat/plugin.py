"""The mlxinit plugin: registers the namespaced recipes through the hook."""

from __future__ import annotations

from collections.abc import Callable

import mlxinit

from . import hf, lora, recipes


@mlxinit.hookimpl
def mlxinit_register_initializers(registry: mlxinit.Registrar) -> None:
    """Register ``torch:*``, ``keras:*``, ``jax:*``, ``hf:*`` and ``lora:*`` initializers."""
    for name, factory in recipes.TORCH.items():
        registry.register(f"torch:{name}", factory)
    for name, factory in recipes.KERAS.items():
        registry.register(f"keras:{name}", factory)
    for name, factory in recipes.JAX.items():
        registry.register(f"jax:{name}", factory)
    for name, factory in hf.HF.items():
        registry.register(f"hf:{name}", factory)
    for name, factory in lora.LORA.items():
        registry.register(f"lora:{name}", factory)


@mlxinit.hookimpl
def mlxinit_resolve_initializer(name: str) -> Callable[..., mlxinit.GroupFill] | None:
    """``lora:pissa_niter_<k>``: PiSSA with a randomized SVD of ``k`` power iterations."""
    return lora.resolve(name)
