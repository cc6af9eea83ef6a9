"""Histograms of sampled initializers with their theoretical density (``mlxinit[plot]``).

matplotlib is an optional dependency: it is imported only when a plot is drawn, and
its absence is reported as one :class:`PlotDependencyError` telling how to install it.
Used by ``mlxinit sample --plot`` and by the documentation build.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import MlxinitError
from .sampling import truncated_std

if TYPE_CHECKING:
    from ._initializer import Initializer

__all__ = [
    "Density",
    "PlotDependencyError",
    "PlotFormatError",
    "density",
    "image_formats",
    "plot_distribution",
    "plot_format",
    "require_matplotlib",
]

INSTALL_HINT = "pip install 'mlxinit[plot]'"



class PlotDependencyError(MlxinitError, ImportError):
    """Plotting was asked for but matplotlib is not installed."""


class PlotFormatError(MlxinitError, ValueError):
    """A plot file whose image format matplotlib cannot write.

    Its suffix names no format matplotlib knows (or there is none), or the format needs a
    tool that is missing (``.pgf`` needs a LaTeX installation).
    """


def image_formats() -> dict[str, str]:
    """The image formats matplotlib writes: file suffix (without the dot) -> description.

    Raises:
        PlotDependencyError: matplotlib is not installed.
    """
    require_matplotlib()
    from matplotlib.backend_bases import FigureCanvasBase

    return dict(sorted(FigureCanvasBase.get_supported_filetypes().items()))


def plot_format(path: str) -> str:
    """The image format the suffix of ``path`` names (``"png"``, ``"svg"``, ``"pdf"``, ...).

    Raises:
        PlotFormatError: the suffix names no format matplotlib writes, or there is none;
            the message lists the supported suffixes.
        PlotDependencyError: matplotlib is not installed.
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower().removeprefix(".")
    formats = image_formats()
    if suffix not in formats:
        supported = ", ".join(f".{s}" for s in formats)
        raise PlotFormatError(
            f"expected a plot file name ending in an image format matplotlib writes ({supported}), got {path!r}."
        )
    return suffix


def require_matplotlib() -> None:
    """Import matplotlib or raise :class:`PlotDependencyError` with the install command."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise PlotDependencyError(f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}") from e


@dataclass(frozen=True)
class Density:
    """A theoretical density: its kind (``normal``, ``truncated_normal``, ``uniform``) and support."""

    kind: str
    label: str
    low: float
    high: float
    pdf: Callable[[Any], Any]  #: numpy array -> numpy array


def _phi_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _normal(mean: float, std: float) -> Density:
    def pdf(x: Any) -> Any:
        import numpy as np

        return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))

    return Density("normal", f"N({mean:.3g}, {std:.3g}²)", mean - 4 * std, mean + 4 * std, pdf)


def _truncated(mean: float, std: float, lower: float, upper: float) -> Density:
    z = _phi_cdf(upper) - _phi_cdf(lower)
    lo, hi = mean + lower * std, mean + upper * std

    def pdf(x: Any) -> Any:
        import numpy as np

        inside = (x >= lo) & (x <= hi)
        dens = np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi) * z)
        return np.where(inside, dens, 0.0)

    label = f"N({mean:.3g}, {std:.3g}²) truncated to [{lo:.3g}, {hi:.3g}]"
    return Density("truncated_normal", label, lo, hi, pdf)


def _uniform(low: float, high: float) -> Density:
    width = high - low

    def pdf(x: Any) -> Any:
        import numpy as np

        return np.where((x >= low) & (x <= high), 1.0 / width, 0.0)

    return Density("uniform", f"U({low:.3g}, {high:.3g})", low, high, pdf)


def density(init: Initializer, shape: Sequence[int]) -> Density | None:
    """The theoretical density of ``init``'s values for an array of ``shape``, from what it promises.

    Read from :attr:`Initializer.distribution`, :attr:`~Initializer.mean`,
    :attr:`~Initializer.truncation` and :meth:`~Initializer.expected_std`, so plugins that
    declare them (with :class:`mlxinit.Fill`) get a density too. Returns ``None`` where
    nothing is promised, and for constants, structured and sparse initializers.

    Example:
        >>> import mlxinit
        >>> density(mlxinit.get("uniform", low=-1.0, high=1.0), (8, 8)).label
        'U(-1, 1)'
        >>> density(mlxinit.get("orthogonal"), (8, 8)) is None
        True
    """
    kind = init.distribution
    std = init.expected_std(shape)
    if std is None or not std > 0:
        return None
    if kind == "truncated_normal" and init.truncation is not None:
        lower, upper = init.truncation
        s = truncated_std(lower, upper)
        return _truncated(init.mean, std / s, lower, upper) if s > 0 else None
    if kind == "normal":
        return _normal(init.mean, std)
    if kind == "uniform":
        limit = math.sqrt(3.0) * std
        return _uniform(init.mean - limit, init.mean + limit)
    return None


def plot_distribution(
    values: Any,
    config: Mapping[str, Any],
    expected_std: float | None,
    path: str,
    *,
    bins: int = 80,
    title: str | None = None,
    dens: Density | None = None,
) -> None:
    """Write a histogram of ``values`` with the theoretical density overlaid.

    Where the density is unknown, the histogram is drawn with the promised std marked
    (dashed lines at mean ± std) when there is one. The image format is the one the
    suffix of ``path`` names (see :func:`plot_format`).

    Args:
        values: an ``mx.array`` (any floating dtype) or anything numpy accepts.
        config: the initializer's config (``init.config``), for the title.
        expected_std: the std the initializer promises for this shape, or ``None``.
        dens: the theoretical density to overlay (see :func:`density`), or ``None``.
        path: the image file to write: ``.png``, ``.svg``, ``.pdf``, or any suffix
            matplotlib writes.
        bins: number of histogram bins.
        title: the figure title; the config by default.

    Raises:
        PlotDependencyError: matplotlib is not installed.
        PlotFormatError: matplotlib writes no image format of that suffix, or cannot
            write it here.
        OSError: ``path`` cannot be written.
    """
    fmt = plot_format(path)
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    try:
        import mlx.core as mx

        if isinstance(values, mx.array):
            values = np.asarray(values.astype(mx.float32))
    except ImportError:  # pragma: no cover - mlx is a hard dependency
        pass
    x = np.asarray(values, dtype=np.float64).ravel()
    fig = Figure(figsize=(6.0, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if x.size:
        lo, hi = float(x.min()), float(x.max())
        span = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
        ax.hist(x, bins=bins, range=span, density=True, color="#8fb3d9", edgecolor="none", label="samples")
    if dens is not None:
        pad = 0.05 * (dens.high - dens.low)
        grid = np.linspace(dens.low - pad, dens.high + pad, 400)
        ax.plot(grid, dens.pdf(grid), color="#c0392b", linewidth=1.5, label=dens.label)
    if expected_std is not None and x.size:
        centre = float(x.mean())
        for sign in (-1.0, 1.0):
            ax.axvline(
                centre + sign * expected_std,
                color="#555555",
                linestyle="--",
                linewidth=1.0,
                label=f"mean ± promised std ({expected_std:.3g})" if sign < 0 else None,
            )
    ax.set_title(title if title is not None else _title(config), fontsize=9)
    ax.set_xlabel("value")
    ax.set_ylabel("density")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    try:
        fig.savefig(path, format=fmt)
    except (RuntimeError, ValueError) as e:  # e.g. .pgf without LaTeX
        raise PlotFormatError(f"plot file {path!r}: matplotlib could not write {fmt!r}: {e}") from e


def _title(config: Mapping[str, Any]) -> str:
    name = config.get("name", "?")
    rest = ", ".join(f"{k}={v!r}" for k, v in config.items() if k != "name")
    return f"{name}({rest})"
