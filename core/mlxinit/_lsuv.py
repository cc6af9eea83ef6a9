"""Layer-sequential unit-variance init (LSUV) and data-dependent scale init, replayable as a recipe."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mlx.core as mx

from ._errors import InvalidIdentifierError, InvalidParameterError, ParameterTypeError
from ._recipe import Recipe

if TYPE_CHECKING:
    from mlx.nn.layers.base import Module

    from ._registry import Registry

__all__ = ["LSUVLayer", "LSUVRecipe", "data_init", "lsuv"]


@dataclass(frozen=True)
class LSUVLayer:
    """What :func:`lsuv` did to one layer.

    Attributes:
        path: the layer's module path.
        scale: the factor its weight was multiplied by (one per output channel with ``per_channel``).
        iterations: how many times it was rescaled (0: already within ``tol``).
        variance_before: the variance of its output before (after the base init, earlier layers done).
        variance: the variance of its output after (the mean over channels with ``per_channel``).
    """

    path: str
    scale: float | tuple[float, ...]
    iterations: int
    variance_before: float
    variance: float


@dataclass(frozen=True)
class LSUVRecipe(Recipe):
    """The :class:`Recipe` :func:`lsuv` returns, with what it did per layer in :attr:`layers`.

    ``apply(model, recipe)`` replays it without the data (``to_json()`` keeps only the recipe).
    """

    layers: tuple[LSUVLayer, ...] = ()


class _Stop(Exception):
    """Raised by the probe of the layer being measured, to skip the rest of the forward pass."""


def _probe_class() -> type:
    from mlx.nn.layers.base import Module as _Module

    base: Any = _Module

    class Probe(base):  # type: ignore[misc]
        """Stands in for a layer during the forward pass: the first time it is reached, hands the
        layer, its input and its output to ``settle`` (which rescales the layer and returns its
        new output), then passes its output on."""

        def __init__(self, inner: Any, path: str, settle: Callable[..., mx.array]) -> None:
            super().__init__()
            self.inner = inner
            object.__setattr__(self, "_path", path)
            object.__setattr__(self, "_settle", settle)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            out = self.inner(*args, **kwargs)
            settle = object.__getattribute__(self, "_settle")
            return settle(object.__getattribute__(self, "_path"), self.inner, args, kwargs, out)

    return Probe


def _stats(out: mx.array, per_channel: bool) -> tuple[mx.array, mx.array]:
    """Mean and variance of a layer's output: overall, or per channel (the last axis, MLX's layout)."""
    x = out.astype(mx.float32)
    if per_channel:
        axes = tuple(range(x.ndim - 1))
        return mx.mean(x, axis=axes), mx.var(x, axis=axes)
    return mx.mean(x), mx.var(x)


def lsuv(
    model: Module,
    batch: Any,
    *,
    seed: int | None = None,
    init: Any = "orthogonal",
    rules: Mapping[str, Any] | None = None,
    types: Sequence[type] | None = None,
    target: float = 1.0,
    tol: float = 0.1,
    max_iters: int = 10,
    per_channel: bool = False,
    center: bool = False,
    forward: Callable[[Module, Any], Any] | None = None,
    registry: Registry | None = None,
) -> LSUVRecipe:
    """Layer-sequential unit-variance init (Mishkin & Matas 2016), on an MLX model and a batch.

    Every weight of the chosen layers is first drawn from ``init`` (orthogonal by default, as
    in the paper) and their biases set to zero, under ``seed``. Then the batch is run through
    the model once: when the pass reaches a layer (all earlier layers settled), its weight is
    multiplied by ``sqrt(target / var(output))`` until its output variance on that input is
    within ``tol`` of ``target`` (at most ``max_iters`` times), and the pass goes on with the
    new output.

    Outputs are recorded without hooks (MLX has none): each layer is swapped for a small
    module that calls it and keeps its output (``Module.update_modules``), and the original
    layers are put back before returning, also on error.

    The learned factors are stored in the returned recipe as ``rescaled`` rules on each weight's
    exact path (``{"name": "rescaled", "init": "orthogonal", "scale": 0.87}``), with the seed:
    ``mlxinit.apply(model, recipe)`` replays the result bitwise without the data, and the model
    is left exactly as that replay makes it.

    With ``per_channel=True`` each output channel gets its own factor, and with ``center=True``
    its bias is shifted so the channel's output has mean zero: together that is the
    data-dependent init of Salimans & Kingma (2016) for networks without normalization layers
    (:func:`data_init`).

    Args:
        model: the model, changed in place.
        batch: the input (whatever ``forward`` takes).
        seed: the seed of the draws; a random one (recorded in the recipe) if ``None``.
        init: the base initializer of the weights (a name or config). Default: ``"orthogonal"``.
        rules: more rules for the recipe (other parameters, e.g. ``{"*.embedding.weight": "normal"}``);
            the layers' weight and bias rules take precedence over them.
        types: the layer types to rescale. Default: ``nn.Linear`` and ``nn.Conv1d/2d/3d``.
        target: the output variance to reach. Default: ``1.0``.
        tol: how close is close enough. Default: ``0.1``.
        max_iters: the most rescalings per layer. Default: ``10``.
        per_channel: one factor per output channel (the last axis of the output).
        center: shift each layer's bias so its output has mean zero (per channel with ``per_channel``).
        forward: ``forward(model, batch)``; ``model(batch)`` by default.
        registry: where ``init`` and the rules resolve; the default registry if ``None``.

    Returns:
        an :class:`LSUVRecipe`: a :class:`Recipe` with :attr:`LSUVRecipe.layers`.

    Raises:
        InvalidIdentifierError: no layer of the chosen types takes part in the forward pass.
        InvalidParameterError: ``target``, ``tol`` or ``max_iters`` out of range.

    Example:
        >>> import mlx.core as mx, mlx.nn as nn, mlxinit
        >>> model = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 8))
        >>> recipe = mlxinit.lsuv(model, mx.random.normal((256, 16), key=mx.random.key(0)), seed=0)
        >>> [round(layer.variance, 1) for layer in recipe.layers]
        [1.0, 1.0]
        >>> other = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 8))
        >>> _ = mlxinit.apply(other, recipe)
        >>> bool(mx.array_equal(other.layers[2].weight, model.layers[2].weight))
        True
    """
    import importlib
    import secrets

    from mlx.nn.layers.base import Module as _Module
    from mlx.utils import tree_unflatten

    from ._api import default_registry
    from ._apply import apply, param_key

    if not isinstance(model, _Module):
        raise InvalidIdentifierError(f"lsuv(model): expected an mlx.nn.Module, got {type(model).__name__}.")
    for name, value, low in (("target", target, 0.0), ("tol", tol, 0.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterTypeError("lsuv", name, "a number > 0", value)
        if not value > low or not math.isfinite(value):
            raise InvalidParameterError("lsuv", name, "a finite number > 0", value)
    if isinstance(max_iters, bool) or not isinstance(max_iters, int) or max_iters < 1:
        raise InvalidParameterError("lsuv", "max_iters", "an int >= 1", max_iters)
    if seed is None:
        seed = secrets.randbits(63)
    reg = registry or default_registry()
    nn: Any = importlib.import_module("mlx.nn")
    kinds = tuple(types) if types is not None else (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
    run = forward or (lambda m, b: m(b))
    named: list[tuple[str, Any]] = list(model.named_modules())
    layers: dict[str, Any] = {p: m for p, m in named if p and "weight" in m and isinstance(m, kinds)}
    if not layers:
        raise InvalidIdentifierError(
            f"lsuv: the model has no layer of the types {[k.__name__ for k in kinds]} with a weight."
        )

    def weight_rule(path: str, scale: float | list[float]) -> dict[str, Any]:
        return {"name": "rescaled", "init": init, "scale": scale}

    def bias_rule(shift: float | list[float]) -> Any:
        return {"name": "rescaled", "init": "zeros", "shift": shift} if shift != 0.0 else "zeros"

    scales: dict[str, float | list[float]] = {p: 1.0 for p in layers}
    shifts: dict[str, float | list[float]] = {p: 0.0 for p in layers}

    def recipe_rules() -> dict[str, Any]:
        out = dict(rules or {})
        for p, m in layers.items():
            out[f"{p}.weight"] = weight_rule(p, scales[p])
            if "bias" in m:
                out[f"{p}.bias"] = bias_rule(shifts[p])
        return out

    apply(model, recipe_rules(), seed=seed, registry=reg)

    bases: dict[str, mx.array] = {}

    def write(path: str) -> None:
        """Set the layer to its recipe rules' values: ``rescaled``'s arithmetic on the same keyed base draw."""
        module = layers[path]
        w = module["weight"]
        base = bases.get(path)
        if base is None:  # the inner draw of the rescaled rule: float32, the weight's key
            inner = {"name": init} if isinstance(init, str) else dict(init)
            inner.setdefault("dtype", mx.float32)
            base = bases[path] = reg.get(inner)(tuple(w.shape), key=param_key(seed, f"{path}.weight"))
        factor = scales[path]
        f = mx.array(factor, dtype=base.dtype)
        new = {"weight": (base * (f.reshape(-1, *([1] * (base.ndim - 1))) if f.ndim else f)).astype(w.dtype)}
        if "bias" in module and shifts[path] != 0.0:
            b = module["bias"]
            bias = reg.get({**bias_rule(shifts[path]), "dtype": b.dtype})
            new["bias"] = bias(tuple(b.shape), key=param_key(seed, f"{path}.bias")).astype(b.dtype)
        mx.eval(new)
        module.update(new)

    done: dict[str, LSUVLayer] = {}

    def settle(path: str, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: mx.array) -> mx.array:
        """Rescale ``layer`` until its output on this input has the target variance; its new output."""
        if path in done:  # a layer called twice in one pass is settled on its first call
            return out
        n, before = 0, -1.0
        for _ in range(max_iters + 1):
            mean, var = _stats(out, per_channel)
            before = float(mx.mean(var)) if n == 0 else before
            close = bool(mx.all(mx.abs(var - target) <= tol))
            centered = not center or "bias" not in layer or bool(mx.all(mx.abs(mean) <= 1e-3 * math.sqrt(target)))
            if (close and centered) or n == max_iters:
                break
            factor = mx.sqrt(target / mx.maximum(var, 1e-12))
            old = mx.array(scales[path])
            new_scale = old * factor
            scales[path] = [float(v) for v in new_scale.tolist()] if per_channel else float(new_scale.item())  # type: ignore[union-attr, arg-type]
            if center and "bias" in layer:
                new_shift = -factor * (mean - mx.array(shifts[path]))
                shifts[path] = [float(v) for v in new_shift.tolist()] if per_channel else float(new_shift.item())  # type: ignore[union-attr, arg-type]
            write(path)
            out = layer(*args, **kwargs)
            n += 1
        scale = scales[path]
        done[path] = LSUVLayer(
            path, tuple(scale) if isinstance(scale, list) else scale, n, before, float(mx.mean(var))
        )
        return out

    probe_cls = _probe_class()
    probes = {p: probe_cls(m, p, settle) for p, m in layers.items()}
    model.update_modules(tree_unflatten(list(probes.items())))
    try:
        run(model, batch)  # one pass: each layer is settled when the pass reaches it, in order
    finally:
        model.update_modules(tree_unflatten(list(layers.items())))
    if not done:
        raise InvalidIdentifierError("lsuv: the forward pass reached none of the layers to rescale.")
    # The weights written are the recipe's draws (same configs, same keys): apply(model, recipe) replays them.
    recipe = LSUVRecipe(rules=recipe_rules(), seed=seed, layers=tuple(done.values()))
    return recipe



def data_init(
    model: Module,
    batch: Any,
    *,
    seed: int | None = None,
    init: Any = "he_normal",
    **kwargs: Any,
) -> LSUVRecipe:
    """Data-dependent init for networks without normalization layers (Salimans & Kingma 2016).

    Layer by layer in forward order, each output channel's weight row is divided by the
    channel's standard deviation on ``batch`` and its bias shifted so the channel has mean
    zero: every layer's pre-activations start at zero mean and unit variance, as a
    normalization layer would make them, with nothing added to the model. It is
    :func:`lsuv` with ``per_channel=True, center=True`` (other arguments as there), and
    returns the same replayable recipe.
    """
    return lsuv(model, batch, seed=seed, init=init, per_channel=True, center=True, **kwargs)
