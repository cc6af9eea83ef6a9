"""μP (maximal update parametrization) helpers: which parameters scale with width, and the
per-parameter learning-rate multipliers for Adam, as filters for ``mlx.optimizers.MultiOptimizer``.

μP (Yang et al., "Tensor Programs V", https://arxiv.org/abs/2203.03466, Table 3 for Adam) keeps
each layer's activations and their updates of the same size at every width, so that the
hyper-parameters tuned on a narrow *base* model transfer to a wide one. With ``m = width /
base_width``:

============  ======================================  ==========================
role          initialization (the ``mup`` preset)     Adam learning rate
============  ======================================  ==========================
``input``     N(0, std²), as at the base width         ``lr``
``hidden``    N(0, std² / m)                           ``lr / m``
``output``    zero (default), or N(0, (std / m)²)      ``lr / m``
``vector``    biases 0, norm weights 1                 ``lr``
============  ======================================  ==========================

A parameter's role comes from its module: an ``Embedding`` weight (and any weight matched by
``input``) is ``input``; a weight matched by ``readout`` is ``output``; any other array of two or
more dimensions is ``hidden``; 1-D and 0-D arrays (biases, norm scales) are ``vector``.

What the model itself must do (mlxinit cannot do it for you, these are in its forward pass):

- **attention logits** scaled by ``1 / d_head`` instead of ``1 / sqrt(d_head)`` (times
  ``sqrt(base_d_head)`` to equal the standard model at the base width), so that query-key
  products, which become correlated during training, stay O(1);
- nothing else for the table above: the readout's ``1 / width`` is in its initialization and
  learning rate (the formulation of Table 3). A model that instead multiplies its logits by
  ``base_width / width`` in the forward pass (the ``mup`` package's ``MuReadout``) must not
  also scale the readout's learning rate: pass ``readout=()`` to treat it as a hidden weight.

Example:
    >>> import mlx.nn as nn, mlx.optimizers as optim
    >>> from mlxinit import mup
    >>> model = nn.Sequential(nn.Embedding(10, 128), nn.Linear(128, 128), nn.Linear(128, 10))
    >>> mup.roles(model, readout=("layers.2.weight",))["layers.1.weight"]
    'hidden'
    >>> mults = mup.lr_multipliers(model, base_width=32, width=128, readout=("layers.2.weight",))
    >>> mults["layers.0.weight"], mults["layers.1.weight"], mults["layers.2.weight"], mults["layers.1.bias"]
    (1.0, 0.25, 0.25, 1.0)
    >>> opt = mup.multi_optimizer(
    ...     model, lambda m: optim.Adam(learning_rate=1e-3 * m), base_width=32, width=128,
    ...     readout=("layers.2.weight",))
    >>> len(opt.optimizers)
    2
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, cast

import mlx.core as mx
import mlx.optimizers as optim
from mlx.nn.layers.base import Module
from mlx.nn.layers.embedding import Embedding
from mlx.utils import tree_flatten

from ._errors import InvalidParameterError

__all__ = [
    "READOUT",
    "Role",
    "filters",
    "infer_width",
    "lr_multipliers",
    "multi_optimizer",
    "roles",
    "width_multiplier",
]

Role = Literal["input", "hidden", "output", "vector"]

#: Path globs of the readout (the layer that produces the logits) in common MLX model code.
READOUT = (
    "lm_head.weight",  # mlx-lm
    "head.weight",  # timm-style vision models
    "output.weight",  # torchtitan-style
    "*.embed_out.weight",  # GPT-NeoX
    "readout.weight",
    "*.readout.weight",
)

_WIDTH_KEYS = ("hidden_size", "d_model", "n_embd", "dim", "width")


def infer_width(model: Module) -> int | None:
    """The model's width: its config's ``hidden_size``/``d_model``/``n_embd``/``dim`` (``model.args``,
    as mlx-lm keeps it), else the dimension of its first embedding, else ``None``."""
    args = getattr(model, "args", None)
    for key in _WIDTH_KEYS:
        value = getattr(args, key, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    for _, module in model.named_modules():
        if isinstance(module, Embedding):
            return int(module.weight.shape[-1])
    return None


def _matches(path: str, globs: Iterable[str]) -> bool:
    return any(path == g or fnmatch.fnmatchcase(path, g) for g in globs)


def _check_globs(option: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Sequence) or not all(isinstance(g, str) for g in value):
        raise InvalidParameterError("mup", option, "a path glob or a sequence of path globs", value)
    return tuple(value)


def roles(
    model: Module, *, readout: str | Sequence[str] = READOUT, input: str | Sequence[str] = ()
) -> dict[str, Role]:
    """Each trainable parameter's μP role: ``input``, ``hidden``, ``output`` or ``vector``.

    Args:
        model: the model.
        readout: path globs of the output layer's weight. Default: :data:`READOUT`.
        input: path globs of input weights besides the embeddings (a first ``nn.Linear`` that
            reads data features whose number does not grow with width).

    Returns:
        ``{path: role}`` for every trainable parameter, paths as ``tree_flatten`` writes them.
    """
    readout_globs = _check_globs("readout", readout)
    input_globs = _check_globs("input", input)
    embeddings = {
        f"{path}.weight" if path else "weight"
        for path, module in model.named_modules()
        if isinstance(module, Embedding)
    }
    out: dict[str, Role] = {}
    flat = cast("list[tuple[str, mx.array]]", tree_flatten(model.trainable_parameters()))
    for path, value in flat:
        if value.ndim < 2:
            out[path] = "vector"
        elif _matches(path, readout_globs):
            out[path] = "output"
        elif path in embeddings or _matches(path, input_globs):
            out[path] = "input"
        else:
            out[path] = "hidden"
    return out


def width_multiplier(model: Module, base_width: Any, width: Any = None) -> float:
    """``m = width / base_width``, ``width`` inferred (:func:`infer_width`) when ``None``.

    Raises:
        InvalidParameterError: a width that is not a positive number, or none could be inferred.
    """
    if isinstance(base_width, bool) or not isinstance(base_width, (int, float)) or not base_width > 0:
        raise InvalidParameterError("mup", "base_width", "a positive number", base_width)
    if width is None:
        width = infer_width(model)
        if width is None:
            raise InvalidParameterError(
                "mup", "width", "a positive number (it could not be inferred: no config width, no embedding)", None
            )
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0 or not math.isfinite(width):
        raise InvalidParameterError("mup", "width", "a positive number", width)
    return float(width) / float(base_width)


def lr_multipliers(
    model: Module,
    *,
    base_width: float,
    width: float | None = None,
    readout: str | Sequence[str] = READOUT,
    input: str | Sequence[str] = (),
) -> dict[str, float]:
    """The Adam learning-rate multiplier of each trainable parameter under μP.

    ``hidden`` and ``output`` weights get ``base_width / width``; ``input`` weights and
    ``vector`` parameters get 1.

    Args:
        model: the model.
        base_width: the width the hyper-parameters were tuned at.
        width: the model's width. Default: :func:`infer_width`.
        readout: as in :func:`roles`.
        input: as in :func:`roles`.

    Raises:
        InvalidParameterError: a width that is not a positive number, or none could be inferred.
    """
    m = width_multiplier(model, base_width, width)
    return {
        path: (1.0 / m if role in ("hidden", "output") else 1.0)
        for path, role in roles(model, readout=readout, input=input).items()
    }


Filter = Callable[[str, mx.array], bool]


def filters(
    model: Module,
    *,
    base_width: float,
    width: float | None = None,
    readout: str | Sequence[str] = READOUT,
    input: str | Sequence[str] = (),
) -> list[tuple[float, Filter]]:
    """``[(multiplier, predicate), ...]``, one per distinct multiplier, largest first.

    Each predicate takes ``(path, array)`` as ``mlx.optimizers.MultiOptimizer`` calls its
    filters and is true for the parameters with that multiplier. The last entry's predicate
    is not needed by ``MultiOptimizer`` (its last optimizer takes the rest).
    """
    mults = lr_multipliers(model, base_width=base_width, width=width, readout=readout, input=input)
    groups: dict[float, set[str]] = {}
    for path, m in mults.items():
        groups.setdefault(m, set()).add(path)

    def member(paths: frozenset[str]) -> Filter:
        return lambda path, _value: path in paths

    return [(m, member(frozenset(groups[m]))) for m in sorted(groups, reverse=True)]


def multi_optimizer(
    model: Module,
    make: Callable[[float], optim.Optimizer],
    *,
    base_width: float,
    width: float | None = None,
    readout: str | Sequence[str] = READOUT,
    input: str | Sequence[str] = (),
) -> optim.MultiOptimizer:
    """A ``MultiOptimizer`` with one optimizer per learning-rate multiplier: ``make(multiplier)``
    builds each, e.g. ``lambda m: optim.Adam(learning_rate=3e-3 * m)``."""
    groups = filters(model, base_width=base_width, width=width, readout=readout, input=input)
    return optim.MultiOptimizer([make(m) for m, _ in groups], [f for _, f in groups[:-1]])

