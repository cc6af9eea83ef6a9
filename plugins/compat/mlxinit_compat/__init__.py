"""PyTorch, Keras and JAX initializer recipes and presets for mlxinit (MLX layout)."""

from __future__ import annotations

__all__: list[str] = []
