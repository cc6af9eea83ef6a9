"""Fans in MLX's weight layout, and PyTorch's gain table."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._errors import ParameterTypeError, ShapeError, UnknownNonlinearityError
from ._names import close_matches, snake

__all__ = ["calculate_gain", "compute_fans"]


def compute_fans(shape: Sequence[int], initializer: str = "initializer") -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight of ``shape`` in MLX's layout.

    MLX stores weights as ``(out, *spatial, in)``: ``fan_in = shape[-1] * rf`` and
    ``fan_out = shape[0] * rf`` with ``rf = prod(shape[1:-1])``, the receptive field.
    (PyTorch uses ``(out, in, *spatial)`` and Keras ``(*spatial, in, out)``.)

    Args:
        shape: the weight's shape, at least two dimensions.
        initializer: the name to quote in the error message.

    Returns:
        ``(fan_in, fan_out)``.

    Raises:
        ShapeError: ``shape`` has fewer than two dimensions.
        ParameterTypeError: ``shape`` is not a sequence of non-negative ints.

    Example:
        >>> compute_fans((64, 3, 3, 32))
        (288, 576)
    """
    if not (
        (isinstance(shape, (tuple, list)) or (isinstance(shape, Sequence) and not isinstance(shape, (str, bytes))))
        and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise ParameterTypeError(initializer, "shape", "a tuple or list of non-negative ints", shape)
    if len(shape) < 2:
        raise ShapeError(
            initializer, tuple(shape), "at least 2 dimensions to compute fan_in and fan_out"
        )
    rf = math.prod(shape[1:-1])
    return shape[-1] * rf, shape[0] * rf


_UNIT_GAIN = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
_KNOWN = (*_UNIT_GAIN, "tanh", "relu", "leaky_relu", "selu")
# Activations of ``torch.nn.functional`` that PyTorch's table has no gain for: a close-looking
# name in the table ("gelu" -> "selu") is a different function, so none is suggested.
_UNTABULATED = frozenset(
    (
        "celu", "elu", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "log_softmax",
        "logsigmoid", "mish", "prelu", "relu6", "rrelu", "silu", "softmax", "softmin", "softplus",
        "softshrink", "softsign", "swish", "tanhshrink", "threshold",
    )
)  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    =================  ===============================
    nonlinearity       gain
    =================  ===============================
    linear, identity,  1
    conv*, sigmoid
    tanh               5/3
    relu               sqrt(2)
    leaky_relu         sqrt(2 / (1 + slope**2)), ``param`` is the slope (default 0.01)
    selu               3/4
    =================  ===============================

    MLX's ``he_normal``/``he_uniform`` default to ``gain=1`` (variance ``1/fan``);
    pass ``gain=calculate_gain("relu")`` for He et al.'s ``2/fan``.

    Args:
        nonlinearity: the nonlinearity's name.
        param: the negative slope for ``leaky_relu``; ignored by the others.

    Returns:
        the gain.

    Raises:
        UnknownNonlinearityError: (a ``ValueError``) an unknown nonlinearity (with the close
            name, if any: ``"rleu"`` suggests ``"relu"``) or a bad slope.

    Example:
        >>> round(calculate_gain("relu"), 6)
        1.414214
    """
    if not isinstance(nonlinearity, str):
        raise UnknownNonlinearityError(
            f"nonlinearity: expected a name, one of {', '.join(_KNOWN)}; got {nonlinearity!r}.",
            nonlinearity=nonlinearity,
            known=_KNOWN,
        )
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool) and math.isfinite(param):
            slope = float(param)
        else:
            raise UnknownNonlinearityError(
                f"leaky_relu: expected a finite number for the negative slope, got {param!r}.",
                nonlinearity=nonlinearity,
            )
        return math.sqrt(2.0 / (1.0 + slope * slope))  # a huge slope gives 0.0, not an OverflowError
    near: list[str] = []
    if snake(nonlinearity) in _UNTABULATED:
        hint = " (PyTorch's gain table has no entry for it)"
    else:
        near = close_matches(nonlinearity, _KNOWN, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise UnknownNonlinearityError(
        f"Unknown nonlinearity {nonlinearity!r}{hint}; expected one of {', '.join(_KNOWN)}.",
        nonlinearity=nonlinearity,
        known=_KNOWN,
        possibilities=near,
    )
