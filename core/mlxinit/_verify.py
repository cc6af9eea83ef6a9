"""``mlxinit.verify``: does each array of a model hold what its rule promises?

For every parameter, the rule :func:`mlxinit.apply` would pick is built (the same
picking, layouts and expressions) and what its :class:`~mlxinit.Initializer` promises
(:attr:`~mlxinit.Initializer.distribution`, :meth:`~mlxinit.Initializer.expected_std`,
:attr:`~mlxinit.Initializer.mean`, :attr:`~mlxinit.Initializer.truncation`) is compared with
statistics measured on the array, accumulated in float64.

Tolerances come from the array's size: a sample of ``n`` values has a mean within
``σ/√n`` and a standard deviation within ``σ·½·√((κ-1)/n)`` of the promise (one standard
error; ``κ`` is the distribution's kurtosis, 3 for a normal, 1.8 for a uniform), and a
check fails only beyond :data:`Z` standard errors (plus the rounding of the array's dtype).
At 6 standard errors a check fails by chance about twice in a billion.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

import mlx.core as mx

from ._errors import InvalidIdentifierError, MlxinitError

if TYPE_CHECKING:
    from mlx.nn.layers.base import Module

    from ._apply import Planned
    from ._initializer import Initializer
    from ._registry import Registry

__all__ = ["VerifyReport", "VerifyRow", "Z", "verify"]

#: A statistic is flagged beyond this many standard errors from the promise.
Z = 6.0
#: P(|N(0,1)| > 2): the share of a normal sample beyond two standard deviations.
TAIL_2SD = math.erfc(2.0 / math.sqrt(2.0))
#: The share beyond 2σ is counted on at most this many values of an array.
TAIL_SAMPLE = 1 << 20
#: Kurtosis assumed for each distribution when sizing the tolerance of the std.
KURTOSIS = {"normal": 3.0, "truncated_normal": 3.0, "uniform": 1.8}
#: Kurtosis assumed for an initializer that promises a std but no distribution.
KURTOSIS_UNKNOWN = 9.0
#: Arrays smaller than this get tolerances twice as wide (their sample std is skewed).
SMALL = 30

_NORMS = {"LayerNorm", "RMSNorm", "GroupNorm", "BatchNorm", "InstanceNorm"}
_UNIFORM_DEFAULT = {
    "Linear",
    "Bilinear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
}


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class VerifyRow:
    """What :func:`verify` found for one array.

    ``status`` is ``"ok"``, ``"flagged"`` (see ``reason``), ``"unchecked"`` (the rule
    promises no statistics, or the weight is quantized), ``"empty"``, or, for arrays
    :func:`mlxinit.apply` never initializes by glob, ``"state"``, ``"frozen"``, ``"tied"``
    and ``"skipped"``.
    """

    path: str
    shape: tuple[int, ...]
    dtype: str
    rule: str  #: the rule that covers it ("" when none)
    identifier: str  #: the initializer as the report of apply shows it
    status: str
    reason: str = ""  #: why it is flagged (or unchecked)
    distribution: str | None = None  #: promised
    expected_mean: float | None = None  #: promised
    expected_std: float | None = None  #: promised
    mean: float | None = None  #: measured
    std: float | None = None  #: measured
    min: float | None = None  #: measured
    max: float | None = None  #: measured
    zeros: float | None = None  #: measured fraction of exact zeros

    @property
    def flagged(self) -> bool:
        """Whether this array does not hold what its rule promises (or no rule covers it)."""
        return self.status == "flagged"


def _g(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def _promised(r: VerifyRow) -> str:
    if r.distribution == "constant":
        return f"constant {_g(r.expected_mean)}"
    if r.distribution in ("structured", "sparse"):
        return f"{r.distribution}, std {_g(r.expected_std)}"
    if r.distribution or r.expected_std is not None:
        return f"{r.distribution or '?'} mean {_g(r.expected_mean)} std {_g(r.expected_std)}"
    return ""


@dataclass(frozen=True)
class VerifyReport:
    """Everything :func:`verify` found; ``print(report)`` shows a table, ``report.ok`` the verdict."""

    rows: tuple[VerifyRow, ...]
    preset: str | None = None
    unused_rules: tuple[str, ...] = ()
    z: float = Z

    @property
    def ok(self) -> bool:
        """True when no array is flagged."""
        return not any(r.flagged for r in self.rows)

    @property
    def flagged(self) -> list[VerifyRow]:
        """The rows of flagged arrays: each has ``.path`` and ``.reason``."""
        return [r for r in self.rows if r.flagged]

    @property
    def checked(self) -> list[str]:
        """Paths whose statistics were compared with their rule's promise."""
        return [r.path for r in self.rows if r.status in ("ok", "flagged") and r.rule]

    @property
    def unchecked(self) -> list[str]:
        """Paths covered by a rule whose initializer promises nothing checkable."""
        return [r.path for r in self.rows if r.status == "unchecked"]

    def summary(self) -> str:
        """One line: how many arrays passed, were flagged, unchecked or not parameters."""
        n_ok = sum(r.status == "ok" for r in self.rows)
        other = len(self.rows) - n_ok - len(self.flagged) - len(self.unchecked)
        text = f"{n_ok} ok, {len(self.flagged)} flagged, {len(self.unchecked)} unchecked"
        if other:
            text += f", {other} not checked (state, frozen, tied, skipped or empty)"
        return text + f" (tolerance: {self.z:g} standard errors)"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data."""
        return {
            "ok": self.ok,
            "preset": self.preset,
            "z": self.z,
            "unused_rules": list(self.unused_rules),
            "summary": self.summary(),
            "rows": [{**asdict(r), "shape": list(r.shape)} for r in self.rows],
        }

    def to_json(self, **kwargs: Any) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), **{"indent": 2, **kwargs})

    def __str__(self) -> str:
        head = ("parameter", "shape", "rule", "promised", "measured", "status")
        body = []
        for r in self.rows:
            promised = _promised(r)
            measured = ""
            if r.std is not None:
                measured = f"mean {_g(r.mean)} std {_g(r.std)} in [{_g(r.min)}, {_g(r.max)}]"
                if r.zeros:
                    measured += f", {r.zeros:.1%} zeros"
            status = r.status + (f": {r.reason}" if r.reason else "")
            body.append((r.path, "x".join(map(str, r.shape)) or "()", r.rule, promised, measured, status))
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip() for b in body]
        if self.preset:
            lines.append(f"preset: {self.preset}")
        if self.unused_rules:
            lines.append("rules that matched nothing: " + ", ".join(self.unused_rules))
        lines.append(("OK: " if self.ok else "FLAGGED: ") + self.summary())
        return "\n".join(lines)


# ----------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class _Stats:
    n: int
    mean: float
    std: float  #: sample std (n - 1 in the denominator)
    min: float
    max: float
    zeros: int
    nonfinite: int


def _eps(dtype: mx.Dtype) -> float:
    """The relative rounding of ``dtype``: 2**-mantissa bits."""
    return {mx.float16: 2.0**-10, mx.bfloat16: 2.0**-7, mx.float64: 2.0**-52}.get(dtype, 2.0**-23)


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with mlx-lm, scipy and matplotlib
        return None
    return numpy


def _num(a: mx.array) -> float:
    """A scalar array's value as a Python float."""
    return float(cast(float, a.item()))


def _flat(value: mx.array) -> mx.array:
    if value.dtype not in (mx.float32, mx.float64):
        value = value.astype(mx.float32)
    return value.reshape(-1)


def stats(value: mx.array, *, backend: str | None = None) -> _Stats:
    """Mean, sample std, bounds, exact zeros and non-finite count of ``value``, in float64.

    With numpy (``backend="numpy"``, the default when it is installed) sums and sums of
    squares accumulate in float64 element by element; with MLX alone (``backend="mlx"``)
    in float32 over rows of 1024 values, then in float64 across rows.
    """
    x = _flat(value)
    n = int(x.size)
    if n == 0:
        return _Stats(0, math.nan, math.nan, math.nan, math.nan, 0, 0)
    np = _numpy() if backend in (None, "numpy") else None
    if np is not None:
        mx.eval(x)
        a = np.asarray(x)
        s1 = float(np.add.reduce(a, dtype=np.float64))
        s2 = float(np.einsum("i,i->", a, a, dtype=np.float64))
        lo, hi = float(a.min()), float(a.max())
        zeros = n - int(np.count_nonzero(a))
        nonfinite = 0 if math.isfinite(s1) and math.isfinite(s2) else n - int(np.count_nonzero(np.isfinite(a)))
    else:
        cpu = mx.cpu
        k = 1024
        body = (n // k) * k
        parts = []
        if body:
            rows = x[:body].reshape(-1, k)
            parts.append((mx.sum(rows, axis=1, stream=cpu), mx.sum(mx.square(rows, stream=cpu), axis=1, stream=cpu)))
        if body < n:
            tail = x[body:]
            parts.append((mx.sum(tail, keepdims=True, stream=cpu), mx.sum(mx.square(tail), keepdims=True, stream=cpu)))
        s1_a = mx.sum(mx.concatenate([p[0] for p in parts]).astype(mx.float64, stream=cpu), stream=cpu)
        s2_a = mx.sum(mx.concatenate([p[1] for p in parts]).astype(mx.float64, stream=cpu), stream=cpu)
        lo_a, hi_a = mx.min(x, stream=cpu), mx.max(x, stream=cpu)
        zeros_a = mx.sum(x == 0, stream=cpu)
        bad_a = mx.sum(mx.logical_not(mx.isfinite(x)), stream=cpu)
        mx.eval(s1_a, s2_a, lo_a, hi_a, zeros_a, bad_a)
        s1, s2, lo, hi = _num(s1_a), _num(s2_a), _num(lo_a), _num(hi_a)
        zeros, nonfinite = int(_num(zeros_a)), int(_num(bad_a))
    mean = s1 / n
    var = max(s2 / n - mean * mean, 0.0) * (n / (n - 1)) if n > 1 else 0.0
    return _Stats(n, mean, math.sqrt(var) if math.isfinite(var) else math.nan, lo, hi, zeros, nonfinite)


def _count_outside(value: mx.array, lo: float, hi: float, limit: int | None = None) -> tuple[int, int]:
    """How many values lie outside ``[lo, hi]``, of how many looked at.

    With ``limit``, only every k-th value is looked at so that at most ``limit`` are (the
    values of a draw are independent, so any fixed subset is a sample of the same law).
    """
    x = _flat(value)
    if limit is not None and x.size > limit:
        x = x[:: -(-x.size // limit)]
    np = _numpy()
    if np is not None:
        mx.eval(x)
        a = np.asarray(x)
        return int(np.count_nonzero(a < lo)) + int(np.count_nonzero(a > hi)), int(a.size)
    return int(_num(mx.sum((x < lo) | (x > hi), stream=mx.cpu))), int(x.size)


# ----------------------------------------------------------------------------- checks


def _std_tol(n: int, kurtosis: float, eps: float, z: float) -> float:
    """Relative tolerance of the sample std of ``n`` values."""
    se = 0.5 * math.sqrt(max(kurtosis - 1.0, 0.0) / n)
    tol = z * se * (2.0 if n < SMALL else 1.0)
    return tol + 4.0 * eps + 1e-9


def _mean_tol(n: int, sigma: float, centre: float, eps: float, z: float) -> float:
    return z * sigma / math.sqrt(n) * (2.0 if n < SMALL else 1.0) + 4.0 * eps * (abs(centre) + sigma) + 1e-12


def _rounded(x: float, dtype: mx.Dtype) -> float:
    """``x`` as the array's dtype stores it."""
    return _num(mx.array(x, dtype=dtype).astype(mx.float32))


def _truncated_mean(a: float, b: float) -> float:
    """Mean of N(0, 1) truncated to ``[a, b]``."""
    def phi(t: float) -> float:
        return math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi) if math.isfinite(t) else 0.0

    mass = 0.5 * (math.erfc(-b / math.sqrt(2)) - math.erfc(-a / math.sqrt(2)))
    return (phi(a) - phi(b)) / mass if mass > 0 else 0.0


def _scaled_wrong(s: _Stats, sigma: float, tol: float) -> str | None:
    if sigma <= 0:
        return None
    ratio = s.std / sigma
    if abs(ratio - 1.0) <= tol:
        return None
    return f"scaled wrong: std {s.std:.4g}, the rule promises {sigma:.4g} (x{ratio:.3g}; tolerance ±{tol:.2%})"


def _check_random(
    init: Initializer, value: mx.array, shape: tuple[int, ...], s: _Stats, dtype: mx.Dtype, z: float
) -> list[str]:
    """Mean, std, bounds and tails of an i.i.d. draw (normal, uniform, truncated normal, or unknown)."""
    dist = init.distribution
    sigma = init.expected_std(shape) or 0.0
    centre = init.mean
    eps = _eps(dtype)
    mixture = init.config.get("segments") is not None
    reasons: list[str] = []
    lo = hi = None
    if dist == "uniform":
        half = math.sqrt(3.0) * sigma
        lo, hi = centre - half, centre + half
    elif dist == "truncated_normal" and init.truncation is not None:
        from .sampling import truncated_std

        a, b = init.truncation
        unit = truncated_std(a, b)
        sigma0 = sigma / unit if unit > 0 else 0.0
        lo, hi = centre + a * sigma0, centre + b * sigma0
        centre = centre + sigma0 * _truncated_mean(a, b)
    kurtosis = 6.0 if mixture else KURTOSIS.get(dist or "", KURTOSIS_UNKNOWN)
    spread = max(sigma, s.std if math.isfinite(s.std) else 0.0)  # a wrong std is reported on its own
    if dist is not None and abs(s.mean - centre) > _mean_tol(s.n, spread, centre, eps, z):
        se = spread / math.sqrt(s.n)
        far = f" ({abs(s.mean - centre) / se:.1f} standard errors)" if se > 0 else ""
        reasons.append(f"mean {s.mean:.4g}, the rule promises {centre:.4g}{far}")
    wrong = _scaled_wrong(s, sigma, _std_tol(s.n, kurtosis, eps, z))
    if wrong:
        reasons.append(wrong)
    if lo is not None and hi is not None and not mixture:
        slack = 2.0 * eps * max(abs(lo), abs(hi)) + 1e-30
        if s.min < lo - slack or s.max > hi + slack:
            out, _ = _count_outside(value, lo - slack, hi + slack)
            reasons.append(
                f"{out} value(s) outside [{lo:.4g}, {hi:.4g}], the bounds of its {dist} "
                f"(measured [{s.min:.4g}, {s.max:.4g}])"
            )
    if dist == "normal" and not mixture and sigma > 0 and s.n >= 1000 and not wrong:
        # A normal has 4.55 % of its values beyond 2σ; a uniform of the same std has none.
        # Counted on at most TAIL_SAMPLE values: plenty to tell 4.55 % from 0 %.
        beyond, m = _count_outside(value, centre - 2 * sigma, centre + 2 * sigma, TAIL_SAMPLE)
        if beyond < m * TAIL_2SD - z * math.sqrt(m * TAIL_2SD * (1 - TAIL_2SD)):
            reasons.append(
                f"not normal: {beyond / m:.2%} of values beyond 2σ where a normal has {TAIL_2SD:.2%} "
                "(bounded values, such as a uniform's?)"
            )
    chance = s.n * eps / 8 + z * math.sqrt(s.n * eps / 8) + z
    if sigma > 0 and dist in ("normal", "uniform", "truncated_normal") and s.zeros > chance:
        reasons.append(f"{s.zeros / s.n:.2%} of values are exactly 0, which a continuous {dist} does not give")
    return reasons


def _check_constant(init: Initializer, s: _Stats, dtype: mx.Dtype) -> list[str]:
    want = _rounded(init.mean, dtype)
    if s.min == s.max == want:
        return []
    if s.min == s.max:
        return [f"holds the constant {s.min:.6g}, the rule promises {want:.6g}"]
    return [f"not constant: values in [{s.min:.4g}, {s.max:.4g}], the rule promises the constant {want:.6g}"]


def _check_sparse(init: Initializer, shape: tuple[int, ...], s: _Stats, dtype: mx.Dtype, z: float) -> list[str]:
    reasons = []
    sparsity = init.config.get("sparsity")
    if isinstance(sparsity, (int, float)) and len(shape) == 2 and shape[1] > 0:
        per_row = math.ceil(float(sparsity) * shape[1])
        want = shape[0] * per_row
        if s.zeros < want:
            reasons.append(f"{s.zeros} zeros, the rule promises at least {want} ({per_row} per row)")
        keep = 1.0 - per_row / shape[1]
        sigma = init.expected_std(shape) or 0.0
        kurtosis = 3.0 / keep if keep > 0 else KURTOSIS_UNKNOWN
        wrong = _scaled_wrong(s, sigma, _std_tol(s.n, kurtosis, _eps(dtype), z))
        if wrong:
            reasons.append(wrong)
    return reasons


def _check_structured(
    init: Initializer, value: mx.array, shape: tuple[int, ...], s: _Stats, dtype: mx.Dtype
) -> list[str]:
    """Deterministic structures (identity, eye, dirac) are compared with a fresh draw;
    random ones (orthogonal) by their Gram matrix and std."""
    k0, k1 = mx.random.key(0), mx.random.key(1)
    try:
        first, second = init(shape, key=k0), init(shape, key=k1)
    except MlxinitError as e:
        return [f"cannot redraw its structure to compare: {e}"]
    first = first.astype(dtype)
    if bool(mx.array_equal(first, second.astype(dtype))):
        if bool(mx.array_equal(first, value)):
            return []
        differ = int(_num(mx.sum(first != value)))
        return [f"differs from the {init.name} structure the rule promises in {differ} of {s.n} entries"]
    reasons = []
    sigma = init.expected_std(shape) or 0.0
    eps = _eps(dtype)
    tol = 8.0 * eps + 1e-5
    if sigma > 0:
        rms = math.sqrt(s.std**2 * (s.n - 1) / s.n + s.mean**2)
        if abs(rms / sigma - 1.0) > tol * 4:
            reasons.append(
                f"scaled wrong: root mean square {rms:.4g}, the rule promises {sigma:.4g} (x{rms / sigma:.3g})"
            )
    plain = not any(init.config.get(k) is not None for k in ("batch_axis", "segments", "in_axis", "out_axis"))
    if plain and len(shape) >= 2 and not reasons:
        rows, cols = shape[0], math.prod(shape[1:])
        w = value.astype(mx.float32).reshape(rows, cols)
        gram = (w @ w.T) if rows <= cols else (w.T @ w)
        gain2 = sigma**2 * max(rows, cols)
        off = _num(mx.max(mx.abs(gram - gain2 * mx.eye(gram.shape[0]))))
        # float32 products summed over max(rows, cols) terms: rounding grows like its square root
        allowed = (4 * tol + 4 * math.sqrt(max(rows, cols)) * 2.0**-24) * gain2
        if off > max(allowed, 1e-30):
            reasons.append(f"not orthogonal: max |W Wᵀ - g²I| = {off:.3g} (g² = {gain2:.4g})")
    return reasons


def _default_of(module: Any, pname: str, shape: tuple[int, ...]) -> tuple[str, str, float] | None:
    """What the layer's constructor leaves in ``pname``: (description, kind, parameter)."""
    names = {c.__name__ for c in type(module).__mro__}
    base = {n.removeprefix("Quantized") for n in names}
    if base & _UNIFORM_DEFAULT:
        weight = module.get("weight") if hasattr(module, "get") else None
        wshape = tuple(weight.shape) if isinstance(weight, mx.array) else shape
        if pname == "bias" and any(n.startswith("Conv") for n in base & _UNIFORM_DEFAULT):
            return ("MLX's default for a convolution's bias (zeros)", "constant", 0.0)
        if pname in ("weight", "bias") and len(wshape) >= 2:
            fan = math.prod(wshape[1:])
            kind = next(iter(sorted(base & _UNIFORM_DEFAULT)))
            b = 1.0 / math.sqrt(fan)
            return (f"MLX's default for {kind} (uniform ±1/sqrt({fan}) = ±{b:.4g})", "uniform", b)
    if "Embedding" in base and pname == "weight" and len(shape) == 2:
        std = 1.0 / math.sqrt(shape[1])
        return (f"MLX's default for Embedding (normal, std 1/sqrt({shape[1]}) = {std:.4g})", "normal", std)
    if base & _NORMS:
        if pname == "weight":
            return ("the norm's default (ones)", "constant", 1.0)
        if pname == "bias":
            return ("the norm's default (zeros)", "constant", 0.0)
    return None


def _looks_default(module: Any, pname: str, shape: tuple[int, ...], s: _Stats, dtype: mx.Dtype, z: float) -> str | None:
    d = _default_of(module, pname, shape)
    if d is None or s.n == 0:
        return None
    text, kind, p = d
    eps = _eps(dtype)
    if kind == "constant":
        return text if s.min == s.max == p else None
    if kind == "uniform":
        inside = s.max <= p * (1 + 2 * eps) and s.min >= -p * (1 + 2 * eps)
        sigma = p / math.sqrt(3.0)
        fits = abs(s.std / sigma - 1.0) <= _std_tol(s.n, 1.8, eps, z)
        fits = fits and abs(s.mean) <= _mean_tol(s.n, sigma, 0, eps, z)
        return text if inside and fits and s.n >= 2 else None
    fits = abs(s.std / p - 1.0) <= _std_tol(s.n, 3.0, eps, z) and abs(s.mean) <= _mean_tol(s.n, p, 0, eps, z)
    return text if fits and s.n >= 2 else None


def _check(p: Planned, z: float) -> VerifyRow:
    row: dict[str, Any] = {
        "path": p.path,
        "shape": tuple(p.value.shape),
        "dtype": str(p.value.dtype).removeprefix("mlx.core."),
        "rule": p.rule or "",
        "identifier": p.identifier,
    }

    def done(status: str, reason: str = "") -> VerifyRow:
        return VerifyRow(**row, status=status, reason=reason)

    if p.kind in ("skipped", "tied"):
        return done(p.kind, p.note)
    if p.kind in ("state", "frozen") and p.initializer is None:
        return done(p.kind)
    init = p.initializer
    if p.kind == "quantized":
        return done("flagged", "covered by no rule") if init is None else done(
            "unchecked", "quantized: its values are not compared"
        )
    value = p.value
    s = stats(value)
    if s.n == 0:
        return done("empty")
    row.update(mean=s.mean, std=s.std, min=s.min, max=s.max, zeros=s.zeros / s.n)
    pname = p.path.rpartition(".")[2]
    if init is None:
        default = _looks_default(p.module, pname, p.shape, s, p.dtype, z)
        return done("flagged", "covered by no rule" + (f" (left at {default})" if default else ""))
    try:
        sigma = init.expected_std(p.shape)
    except MlxinitError:
        sigma = None
    dist = init.distribution
    row.update(distribution=dist, expected_mean=init.mean if dist else None, expected_std=sigma)
    if sigma is None and dist not in ("constant", "structured"):
        return done("unchecked", "its initializer promises no std")
    if p.sharded and dist in ("structured", "sparse"):
        return done("unchecked", f"this rank holds part of a {dist} tensor, whose structure is not compared")
    reasons: list[str] = []
    if s.nonfinite:
        reasons.append(f"{s.nonfinite} non-finite value(s) (NaN or inf)")
    elif s.zeros == s.n and (sigma or 0) > 0:
        reasons.append(f"zeroed: every value is 0, the rule promises {dist or 'values'} with std {sigma:.4g}")
    elif dist == "constant":
        reasons += _check_constant(init, s, p.dtype)
    elif dist == "structured":
        reasons += _check_structured(init, value, p.shape, s, p.dtype)
    elif dist == "sparse":
        reasons += _check_sparse(init, p.shape, s, p.dtype, z)
    elif sigma == 0 and dist in ("normal", "uniform", "truncated_normal"):
        reasons += _check_constant(init, s, p.dtype)
    else:
        reasons += _check_random(init, value, p.shape, s, p.dtype, z)
    if reasons and not s.nonfinite:
        default = _looks_default(p.module, pname, p.shape, s, p.dtype, z)
        if default:
            reasons.insert(0, f"left at {default}")
    return done("flagged", "; ".join(reasons)) if reasons else done("ok")


def verify(
    model: Module,
    rules: Any = None,
    *,
    preset: Any = None,
    config: Any = None,
    registry: Registry | None = None,
) -> VerifyReport:
    """Check that each parameter of ``model`` holds what its rule promises.

    The rules are picked exactly as :func:`mlxinit.apply` picks them (the same keys,
    preset, layouts and expressions), and each rule's initializer says what it promises:
    its distribution, mean and std, and for a truncated normal its bounds. Each array's
    mean, std, bounds and exact zeros are measured in float64 and compared, with
    tolerances from its size (see the module docs): an array is flagged when it is
    zeroed, left at its layer's default (MLX's uniform ±1/sqrt(fan_in) for ``Linear``,
    the named default is in the reason), scaled wrong, off-centre, outside its bounds, not
    normal where a normal is promised (too few values beyond 2σ), not the promised
    constant, not orthogonal, or covered by no rule. Deterministic structures
    (identity, eye, dirac) are compared with a fresh draw. Quantized weights and rules
    whose initializer promises no std are listed as unchecked; state, frozen and tied
    arrays are listed and not checked.

    Args:
        model: the initialized model.
        rules: what :func:`mlxinit.apply` takes (a mapping, pairs, or a :class:`Recipe`).
        preset: a preset name, ``{"name": ..., **options}`` or a callable.
        config: the names expressions read (see :func:`mlxinit.apply`).
        registry: where names resolve; the default registry if ``None``.

    Returns:
        a :class:`VerifyReport`: ``.ok``, ``.flagged`` (rows with ``.path`` and ``.reason``),
        printable as a table; ``.to_json()`` for tools.

    Raises:
        InvalidIdentifierError: neither rules nor a preset were given, or they are malformed.
        UnknownInitializerError, InvalidParameterError, ExpressionError, …: as :func:`mlxinit.apply`.

    Example:
        >>> import mlx.nn as nn, mlxinit
        >>> model = nn.Sequential(nn.Linear(64, 64))
        >>> rules = {"*.weight": {"name": "normal", "std": 0.02}, "*.bias": "zeros"}
        >>> _ = mlxinit.apply(model, rules, seed=0)
        >>> mlxinit.verify(model, rules).ok
        True
        >>> model.layers[0].weight = model.layers[0].weight * 3
        >>> [(r.path, r.reason.split(":")[0]) for r in mlxinit.verify(model, rules).flagged]
        [('layers.0.weight', 'scaled wrong')]
    """
    from ._apply import plan
    from ._recipe import Recipe

    if rules is None and preset is None:
        raise InvalidIdentifierError(
            "verify: expected rules, a preset or a Recipe to compare the model with (what apply was given)."
        )
    if isinstance(rules, Recipe) and rules.preset is None and not rules.rules and preset is None:
        raise InvalidIdentifierError("verify: the recipe has neither rules nor a preset to compare the model with.")
    planned, preset_name, unused = plan(model, rules, preset=preset, config=config, registry=registry)
    rows = tuple(_check(p, Z) for p in planned)
    return VerifyReport(rows=rows, preset=preset_name, unused_rules=unused, z=Z)
