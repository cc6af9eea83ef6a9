"""``lora:*``: initializers for mlx-lm's LoRA and DoRA layers, with mlx-lm's and PEFT's meanings.

Each is a group initializer (:class:`mlxinit.GroupFill`): used as an ``apply`` rule on the adapter
modules, it writes ``lora_a`` and ``lora_b`` together, the base weight where the method rewrites it
(PiSSA, OLoRA), and DoRA's magnitude ``m``::

    from mlx_lm.tuner.utils import linear_to_lora_layers
    linear_to_lora_layers(model, 4, {"rank": 8, "scale": 20.0, "dropout": 0.0})
    mlxinit.apply(model, {"type:LoRALinear": "lora:pissa"}, seed=0)

The layers (duck-typed: mlx-lm is not imported) and how their arrays map to the usual
``W (out, in)``, ``A (r, in)``, ``B (out, r)``, with the update ``scale · B·A``:

* ``LoRALinear``/``DoRALinear``: ``W = linear.weight``, ``A = lora_aᵀ`` (``lora_a`` is ``(in, r)``),
  ``B = lora_bᵀ`` (``lora_b`` is ``(r, out)``);
* ``LoRASwitchLinear`` (stacked experts): ``W = linear.weight`` ``(E, out, in)``, ``A = lora_a``
  ``(E, r, in)``, ``B = lora_b`` ``(E, out, r)``, one factorization per expert;
* ``LoRAEmbedding``/``DoRAEmbedding``: the embedding read as a map from one-hot tokens,
  ``W = embedding.weightᵀ`` ``(dims, vocab)``, ``A = lora_aᵀ``, ``B = lora_bᵀ``.

PEFT keeps ``lora_A.weight`` as ``(r, in)`` and ``lora_B.weight`` as ``(out, r)``: those are ``A`` and
``B`` above. Quantized bases are dequantized to compute; a rewritten base (PiSSA, OLoRA) is
re-quantized the layer's own way, and the report says so ("re-quantized 4-bit affine"): the
adapted layer then differs from the original by the quantization error of the residual, not
by zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mlx.core as mx

import mlxinit
from mlxinit import sampling

__all__ = ["LORA", "resolve"]

_CPU = mx.cpu  # MLX's QR, SVD and eigh run on the CPU stream


@dataclass(frozen=True)
class _Layer:
    """What an adapter module is, read from its arrays."""

    kind: str  #: "linear", "switch" or "embedding"
    base: str  #: "linear.weight" or "embedding.weight"
    scale: float
    rank: int
    dora: bool


def _layer(name: str, module: Any) -> _Layer:
    what = type(module).__name__
    try:
        has = "lora_a" in module and "lora_b" in module
    except TypeError:
        has = False
    expected = "a LoRA or DoRA layer of mlx-lm (LoRALinear, LoRASwitchLinear, LoRAEmbedding, DoRALinear, DoRAEmbedding)"
    if not has:
        raise mlxinit.GroupTargetError(name, f"a {what} without lora_a and lora_b", expected)
    scale = getattr(module, "scale", None)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise mlxinit.GroupTargetError(name, f"a {what} whose scale is {scale!r}", "a layer with a numeric scale")
    a = module["lora_a"]
    if "embedding" in module:
        kind, base, rank = "embedding", "embedding.weight", int(a.shape[-1])
    elif "linear" in module:
        kind = "switch" if a.ndim == 3 else "linear"
        base = "linear.weight"
        rank = int(a.shape[-2] if kind == "switch" else a.shape[-1])
    else:
        raise mlxinit.GroupTargetError(name, f"a {what} with no 'linear' or 'embedding' base", expected)
    return _Layer(kind, base, float(scale), rank, "m" in module)


def _to_canonical(layer: _Layer, a: mx.array, b: mx.array) -> tuple[mx.array, mx.array]:
    if layer.kind == "switch":
        return a, b
    return a.T, b.T


def _from_canonical(layer: _Layer, a: mx.array, b: mx.array) -> tuple[mx.array, mx.array]:
    return _to_canonical(layer, a, b)  # a transpose (or nothing) is its own inverse


def _base_canonical(layer: _Layer, w: mx.array) -> mx.array:
    return w.T if layer.kind == "embedding" else w


def _delta_stored(layer: _Layer, a: mx.array, b: mx.array) -> mx.array:
    """``scale · B·A`` in the base weight's stored layout, the way mlx-lm's layers compute it."""
    if layer.kind == "linear":
        return (layer.scale * b.T) @ a.T
    if layer.kind == "embedding":
        return (layer.scale * a) @ b
    return (layer.scale * b) @ a


#: compute(layer, W (…, out, in) float32 or None, shapes, key) -> (A, B, new W or None), canonical
Compute = Callable[[_Layer, "mx.array | None", tuple[tuple[int, ...], tuple[int, ...]], "mx.array | None"], Any]


def _group(
    name: str, compute: Compute, *, reads_base: bool, rewrites_base: bool, description: str
) -> mlxinit.GroupFill:
    def plan(module: Any) -> dict[str, Any]:
        layer = _layer(name, module)
        roles: dict[str, Any] = {"lora_a": "drawn", "lora_b": "drawn"}
        if rewrites_base:
            roles[layer.base] = "rewritten"
        if layer.dora:
            roles["m"] = "derived"
        return roles

    def fill(ctx: mlxinit.GroupContext) -> dict[str, mx.array]:
        layer = _layer(name, ctx.module)
        a0, b0 = ctx.arrays["lora_a"], ctx.arrays["lora_b"]
        w = ctx.arrays[layer.base]
        wc = _base_canonical(layer, w.astype(mx.float32)) if (reads_base or rewrites_base) else None
        ca, cb = _to_canonical(layer, a0, b0)
        a_c, b_c, w_new = compute(layer, wc, (tuple(ca.shape), tuple(cb.shape)), ctx.key)
        a, b = _from_canonical(layer, a_c, b_c)
        out = {"lora_a": a, "lora_b": b}
        if rewrites_base:
            assert w_new is not None
            out[layer.base] = _base_canonical(layer, w_new)
        if layer.dora:
            # DoRA divides by the norms of the adapted weight: the base as stored plus the adapter.
            base = ctx.stored(layer.base, out.get(layer.base, w))
            adapted = base + _delta_stored(layer, ctx.stored("lora_a", a), ctx.stored("lora_b", b))
            m = mx.linalg.norm(adapted, axis=1)
            out["m"] = m.astype(ctx.arrays["m"].dtype)
        return out

    return mlxinit.GroupFill(fill, plan, description)


def _check_rank(name: str, layer: _Layer, wc: mx.array | None) -> None:
    if wc is not None and layer.rank > min(wc.shape[-2:]):
        raise mlxinit.GroupTargetError(
            name, f"rank {layer.rank} for a base of shape {tuple(wc.shape)}", "a rank <= min(out, in)"
        )


# ----------------------------------------------------------------------------- the pure kinds


def default() -> mlxinit.GroupFill:
    """mlx-lm's own init: ``lora_a ~ U(-1/√in, 1/√in)``, ``lora_b = 0``.

    Exactly the draw mlx-lm's ``LoRALinear``, ``LoRASwitchLinear``, ``LoRAEmbedding`` and their DoRA
    versions make when built (``in`` is ``lora_a``'s input side: the input features, or the
    vocabulary size for embeddings), in ``lora_a``'s stored shape; without a seed it is bitwise
    mlx-lm's draw under the same ``mx.random.seed``. ``B·A = 0``: the adapted model equals the base.
    """

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        sa, sb = shapes
        bound = 1 / math.sqrt(sa[-1])
        if layer.kind == "switch":  # stored as A itself
            return sampling.uniform(-bound, bound, sa, key=key), mx.zeros(sb), None
        a = sampling.uniform(-bound, bound, (sa[1], sa[0]), key=key)  # lora_a's own (in, r) shape
        return a.T, mx.zeros(sb), None

    return _group("lora:default", compute, reads_base=False, rewrites_base=False, description=default.__doc__ or "")


def gaussian() -> mlxinit.GroupFill:
    """PEFT's ``init_lora_weights="gaussian"``: ``A ~ N(0, (1/r)²)``, ``B = 0``.

    For embeddings PEFT's meaning is its embedding default: ``A = 0`` and ``B ~ N(0, 1)``.
    ``B·A = 0``: the adapted model equals the base. Reference: PEFT ``LoraLayer.reset_lora_parameters``.
    """

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        sa, sb = shapes
        if layer.kind == "embedding":
            return mx.zeros(sa), sampling.normal(sb, key=key), None
        return sampling.normal(sa, scale=1.0 / layer.rank, key=key), mx.zeros(sb), None

    return _group("lora:gaussian", compute, reads_base=False, rewrites_base=False, description=gaussian.__doc__ or "")


def orthogonal(rotate: bool = False) -> mlxinit.GroupFill:
    """PEFT's ``init_lora_weights="orthogonal"``: A and B both non-zero, and ``B·A = 0``.

    PEFT draws ``Q`` from the QR of an ``r × r`` standard normal and sets
    ``A = (N(0,1)^{in × r/2} · Q[0::2])ᵀ / 10`` and ``B = N(0,1)^{out × r/2} · Q[1::2] / 10``: the rows
    of ``A`` and the columns of ``B`` span orthogonal halves of the rank space, so ``B·A = 0`` while
    both train from the start. The rank must be even.

    With ``rotate=False`` (the default) ``Q`` is the identity: the same two Gaussian blocks sit in
    the odd and even rank slots, so ``B·A`` is *exactly* zero in floating point and the adapted
    layer starts bitwise equal to the base. ``rotate=True`` applies PEFT's random ``Q``: the same
    adapter up to a rotation of the rank space (``B·A`` and the model's function are unchanged),
    with ``B·A`` zero only up to rounding (about ``1e-8·‖A‖‖B‖``). Reference: PEFT
    ``LoraLayer.orthogonal_init`` (https://datta0.github.io/posts/rethink-lora-init/#orthogonal-initialisation).
    """
    if not isinstance(rotate, bool):
        raise mlxinit.ParameterTypeError("lora:orthogonal", "rotate", "a bool", rotate)

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        (sa, sb), r = shapes, layer.rank
        if r % 2:
            raise mlxinit.GroupTargetError("lora:orthogonal", f"rank {r}", "an even LoRA rank")
        batch = tuple(sa[:-2])
        ga = sampling.normal((*batch, sa[-1], r // 2), key=key, draw=1)
        gb = sampling.normal((*batch, sb[-2], r // 2), key=key, draw=2)
        if rotate:
            x = sampling.normal((*batch, r, r), key=key, draw=0)
            q, _ = mx.linalg.qr(x, stream=_CPU)
            a = (ga @ q[..., 0::2, :]).swapaxes(-1, -2) / 10.0
            b = (gb @ q[..., 1::2, :]) / 10.0
            return a, b, None
        zeros_a = mx.zeros((*batch, sa[-1], r // 2))
        zeros_b = mx.zeros((*batch, sb[-2], r // 2))
        # Interleave: A's rows 0, 2, 4, … and B's columns 1, 3, 5, … (Q = I in PEFT's formula).
        a = mx.stack([ga, zeros_a], axis=-1).reshape(*batch, sa[-1], r).swapaxes(-1, -2) / 10.0
        b = mx.stack([zeros_b, gb], axis=-1).reshape(*batch, sb[-2], r) / 10.0
        return a, b, None

    return _group(
        "lora:orthogonal", compute, reads_base=False, rewrites_base=False, description=orthogonal.__doc__ or ""
    )


# ----------------------------------------------------------------------------- from the base


def _split(name: str, layer: _Layer, u: mx.array, s: mx.array, vt: mx.array, wc: mx.array) -> Any:
    """PEFT's PiSSA factors from the top singular triplets, and the residual base."""
    s_r = s / layer.scale
    root = mx.sqrt(s_r)
    a = root[..., :, None] * vt
    b = u * root[..., None, :]
    return a, b, wc - layer.scale * (b @ a)


def pissa() -> mlxinit.GroupFill:
    """PiSSA (Meng et al. 2024): the adapter takes the base's principal singular directions.

    With ``W = U S Vᵀ`` (full SVD), ``A = √(S_r/scale) V_rᵀ``, ``B = U_r √(S_r/scale)`` and the base is
    rewritten to the residual ``W − scale·B·A``, so the adapted layer starts equal to the original
    (up to rounding; a quantized base is re-quantized). Reference: PEFT ``LoraLayer.pissa_init``;
    https://arxiv.org/abs/2404.02948.
    """

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        _check_rank("lora:pissa", layer, wc)
        u, s, vt = mx.linalg.svd(wc, stream=_CPU)
        r = layer.rank
        return _split("lora:pissa", layer, u[..., :, :r], s[..., :r], vt[..., :r, :], wc)

    return _group("lora:pissa", compute, reads_base=True, rewrites_base=True, description=pissa.__doc__ or "")


def randomized_svd(
    w: mx.array, rank: int, niter: int, *, oversample: int = 0, key: mx.array | None = None
) -> tuple[mx.array, mx.array, mx.array]:
    """The top ``rank`` singular triplets of ``w`` (``…, m, n``) by randomized subspace iteration.

    Halko, Martinsson & Tropp (2011), as ``torch.svd_lowrank``: a Gaussian sketch of
    ``rank + oversample`` columns, ``niter`` power iterations re-orthonormalized by QR, then the
    SVD of the small projected matrix. Returns ``(U_r, S_r, V_rᵀ)``.
    """
    m, n = w.shape[-2:]
    q = min(rank + oversample, m, n)
    batch = tuple(w.shape[:-2])
    omega = sampling.normal((*batch, n, q), key=key)
    wt = w.swapaxes(-1, -2)
    y, _ = mx.linalg.qr(w @ omega, stream=_CPU)
    for _ in range(niter):
        z, _ = mx.linalg.qr(wt @ y, stream=_CPU)
        y, _ = mx.linalg.qr(w @ z, stream=_CPU)
    small = y.swapaxes(-1, -2) @ w  # (q, n)
    # The SVD of the q × q Gram matrix's square root: eigh of small·smallᵀ is cheap and exact enough
    # for the leading triplets (MLX's SVD returns full n × n factors).
    gram = small @ small.swapaxes(-1, -2)
    vals, vecs = mx.linalg.eigh(gram, stream=_CPU)
    vals, vecs = vals[..., ::-1][..., :rank], vecs[..., :, ::-1][..., :, :rank]
    s = mx.sqrt(mx.maximum(vals, 0.0))
    u = y @ vecs
    vt = (vecs.swapaxes(-1, -2) @ small) / mx.maximum(s, 1e-30)[..., :, None]
    return u, s, vt


def pissa_niter(niter: int = 4, oversample: int = 8) -> mlxinit.GroupFill:
    """PiSSA with a randomized SVD of ``niter`` power iterations (PEFT's ``"pissa_niter_<k>"``).

    As :func:`pissa`, with the top singular triplets from :func:`randomized_svd` (a Gaussian sketch
    of ``rank + oversample`` columns, keyed by the module's path under a seed). PEFT sketches
    exactly ``rank`` columns (``oversample=0``); the default 8 extra columns make the subspace
    match the full SVD's (mean cosine of the principal angles ≥ 0.99 at 2048², r = 16 on a
    slowly decaying spectrum, against 0.93 without) for a fraction of the time. Much faster than
    the full SVD on large layers; the base is rewritten to the exact residual of the factors
    drawn, so the adapted layer still starts equal to the original. ``lora:pissa_niter_4`` is
    this with ``niter=4``. Reference: PEFT ``LoraLayer.pissa_init`` (``svd_lowrank``).
    """
    if isinstance(niter, bool) or not isinstance(niter, int) or niter < 0:
        raise mlxinit.InvalidParameterError("lora:pissa_niter", "niter", "an int >= 0", niter)
    if isinstance(oversample, bool) or not isinstance(oversample, int) or oversample < 0:
        raise mlxinit.InvalidParameterError("lora:pissa_niter", "oversample", "an int >= 0", oversample)

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        _check_rank("lora:pissa_niter", layer, wc)
        u, s, vt = randomized_svd(wc, layer.rank, niter, oversample=oversample, key=key)
        return _split("lora:pissa_niter", layer, u, s, vt, wc)

    doc = pissa_niter.__doc__ or ""
    return _group("lora:pissa_niter", compute, reads_base=True, rewrites_base=True, description=doc)


def olora() -> mlxinit.GroupFill:
    """OLoRA (Büyükakyüz 2024): the adapter takes the first ``r`` columns of the base's QR.

    With ``W = Q R``, ``A = R[:r]``, ``B = Q[:, :r]`` and the base is rewritten to ``W − scale·B·A``,
    so the adapted layer starts equal to the original (up to rounding; a quantized base is
    re-quantized). Reference: PEFT ``LoraLayer.olora_init``; https://arxiv.org/abs/2406.01775.
    """

    def compute(layer: _Layer, wc: Any, shapes: Any, key: Any) -> Any:
        _check_rank("lora:olora", layer, wc)
        q, r_ = mx.linalg.qr(wc, stream=_CPU)
        r = layer.rank
        a, b = r_[..., :r, :], q[..., :, :r]
        return a, b, wc - layer.scale * (b @ a)

    return _group("lora:olora", compute, reads_base=True, rewrites_base=True, description=olora.__doc__ or "")


#: name (without the ``lora:`` namespace) -> factory
LORA: Mapping[str, Callable[..., mlxinit.GroupFill]] = {
    "default": default,
    "gaussian": gaussian,
    "olora": olora,
    "orthogonal": orthogonal,
    "pissa": pissa,
    "pissa_niter": pissa_niter,
}

_NITER = re.compile(r"^pissa_niter_(\d{1,3})$")


def resolve(name: str) -> Callable[..., mlxinit.GroupFill] | None:
    """``pissa_niter_<k>`` (PEFT's spelling) as :func:`pissa_niter` with ``niter=k``."""
    hit = _NITER.match(name)
    if hit is None:
        return None
    k = int(hit.group(1))

    def factory(oversample: int = 8) -> mlxinit.GroupFill:
        return pissa_niter(k, oversample)

    factory.__doc__ = f"PiSSA with a randomized SVD of {k} power iterations (``lora:pissa_niter`` with niter={k})."
    return factory
