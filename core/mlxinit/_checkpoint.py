"""Step-0 checkpoints that can be regenerated: ``save`` writes the recipe with the weights.

``mlxinit.save(model, path, recipe)`` writes the model's arrays as safetensors with the
recipe (rules, preset, seed, config), the seed and the mlxinit version in the file's
metadata; ``mlxinit.regenerate(path_or_metadata, model)`` applies that recipe to a fresh
model and gets the same weights bitwise, so a "seed checkpoint" is its metadata alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import mlx.core as mx

from ._errors import MlxinitError

if TYPE_CHECKING:
    from mlx.nn.layers.base import Module

    from ._apply import ApplyReport
    from ._recipe import Recipe
    from ._registry import Registry

__all__ = ["FORMAT", "CheckpointError", "read_metadata", "regenerate", "save"]

#: The metadata format this mlxinit writes and reads (bumped when it changes incompatibly).
FORMAT = 1
KEY_FORMAT = "mlxinit.format"
KEY_VERSION = "mlxinit.version"
KEY_RECIPE = "mlxinit.recipe"
KEY_SEED = "mlxinit.seed"
KEY_ARRAYS = "mlxinit.arrays"


class CheckpointError(MlxinitError, ValueError):
    """A step-0 checkpoint that cannot be written or regenerated.

    Attributes:
        source: the file (or ``"metadata"``) involved.
        reason: what is wrong, in words.
        missing: paths the checkpoint has and the model lacks.
        unexpected: paths the model has and the checkpoint lacks.
        changed: ``{path: (saved, model)}`` shapes or dtypes that differ.
    """

    def __init__(
        self,
        source: str,
        reason: str,
        *,
        missing: list[str] | None = None,
        unexpected: list[str] | None = None,
        changed: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.source = source
        self.reason = reason
        self.missing = list(missing or [])
        self.unexpected = list(unexpected or [])
        self.changed = dict(changed or {})
        super().__init__(f"{source}: {reason}")

    def __reduce__(self) -> Any:
        return (type(self), (self.source, self.reason), self.__dict__)


# ----------------------------------------------------------------------------- model arrays


def _arrays(model: Module) -> dict[str, mx.array]:
    from mlx.utils import tree_flatten

    flat = cast(list[tuple[str, Any]], tree_flatten(model.parameters()))
    return {p: v for p, v in flat if isinstance(v, mx.array)}


def _dtype_name(dtype: mx.Dtype) -> str:
    return str(dtype).removeprefix("mlx.core.")


def _signature(arrays: Mapping[str, tuple[tuple[int, ...], str]]) -> str:
    """``"<count>:<sha256 of path, shape and dtype of every array>"``."""
    h = hashlib.sha256()
    for path in sorted(arrays):
        shape, dtype = arrays[path]
        h.update(f"{path}\t{'x'.join(map(str, shape))}\t{dtype}\n".encode())
    return f"{len(arrays)}:{h.hexdigest()[:32]}"


_UINT = {2: mx.uint16, 4: mx.uint32, 8: mx.uint64}


def _same_bits(a: mx.array, b: mx.array) -> bool:
    """Whether two arrays are bitwise equal (``-0.0`` and ``0.0`` differ; equal NaNs match)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    as_int = _UINT.get(a.dtype.size) if mx.issubdtype(a.dtype, mx.floating) else None
    if as_int is None:
        return bool(mx.array_equal(a, b))
    return bool(mx.array_equal(a.view(as_int), b.view(as_int)))


def _layout(arrays: Mapping[str, mx.array]) -> dict[str, tuple[tuple[int, ...], str]]:
    return {p: (tuple(v.shape), _dtype_name(v.dtype)) for p, v in arrays.items()}


# ----------------------------------------------------------------------------- recipe


def _recipe(recipe: Any, source: str) -> Recipe:
    """A :class:`Recipe` that survives JSON, with a seed."""
    from ._recipe import Recipe

    if isinstance(recipe, Recipe):
        try:
            data = json.loads(recipe.to_json())
        except (TypeError, ValueError) as e:
            raise CheckpointError(
                source,
                f"the recipe must be plain data (rules keyed by strings, a preset name or table) to be saved: {e}",
            ) from e
        checked = Recipe.from_dict(data, source="recipe")
    elif isinstance(recipe, Mapping):
        checked = Recipe.from_dict(recipe, source="recipe")
    else:
        raise CheckpointError(
            source, f"expected a Recipe or the mapping load_recipe reads, got {type(recipe).__name__}."
        )
    if checked.seed is None:
        raise CheckpointError(source, "the recipe has no seed, so its weights cannot be regenerated; give it one.")
    if checked.preset is None and not checked.rules:
        raise CheckpointError(source, "the recipe has neither rules nor a preset.")
    return checked


# ----------------------------------------------------------------------------- save


def save(
    model: Module,
    path: str | os.PathLike[str],
    recipe: Any,
    *,
    check: bool = True,
    weights: bool = True,
    registry: Registry | None = None,
) -> Path:
    """Write ``model``'s arrays as safetensors with ``recipe`` in the metadata, so they can be regenerated.

    The metadata (a few hundred bytes for a preset; under 4 KiB for recipes of a few dozen
    rules) holds ``mlxinit.recipe`` (the recipe as JSON, expressions as written),
    ``mlxinit.seed``, ``mlxinit.version``, ``mlxinit.format`` and ``mlxinit.arrays`` (the
    number of arrays and a digest of their paths, shapes and dtypes).

    Args:
        model: the model, initialized by ``mlxinit.apply(model, recipe)``.
        path: the file; ``.safetensors`` is appended when missing.
        recipe: a :class:`Recipe` or the mapping :func:`load_recipe` reads; it needs a seed.
        check: first apply the recipe again and compare: raise if the model's arrays are not
            what the recipe gives (the model is left as it was either way). This costs one
            more initialization and holds both copies at once; ``False`` skips it.
        weights: write the arrays; ``False`` writes the metadata alone (a "seed
            checkpoint" of a few KiB that :func:`regenerate` expands).
        registry: where names resolve; the default registry if ``None``.

    Returns:
        the path written.

    Raises:
        CheckpointError: the recipe has no seed or is not plain data, or (``check``) the
            model's arrays differ from what the recipe gives.

    Example:
        >>> import mlx.nn as nn, mlxinit, tempfile, os
        >>> recipe = {"rules": {"*.weight": "glorot_uniform", "*.bias": "zeros"}, "seed": 7}
        >>> model = nn.Sequential(nn.Linear(4, 4))
        >>> _ = mlxinit.apply(model, mlxinit.Recipe.from_dict(recipe))
        >>> path = mlxinit.save(model, os.path.join(tempfile.mkdtemp(), "step0"), recipe)
        >>> path.name
        'step0.safetensors'
    """
    from ._version import version

    target = Path(path)
    if target.suffix != ".safetensors":
        target = target.with_name(target.name + ".safetensors")
    rec = _recipe(recipe, str(target))
    arrays = _arrays(model)
    if check:
        _check_regenerates(model, arrays, rec, registry, str(target))
    meta = {
        KEY_FORMAT: str(FORMAT),
        KEY_VERSION: version(),
        KEY_SEED: str(rec.seed),
        KEY_RECIPE: json.dumps(rec.to_dict(), separators=(",", ":"), sort_keys=True),
        KEY_ARRAYS: _signature(_layout(arrays)),
    }
    mx.save_safetensors(str(target), dict(arrays) if weights else {}, metadata=meta)
    return target


def _check_regenerates(
    model: Module, arrays: dict[str, mx.array], recipe: Recipe, registry: Registry | None, source: str
) -> None:
    """Apply ``recipe`` to ``model`` and compare with ``arrays``; restore ``arrays`` either way."""
    from mlx.utils import tree_unflatten

    from ._apply import apply

    try:
        apply(model, recipe, registry=registry)
        again = _arrays(model)
        differ = [p for p, v in arrays.items() if p not in again or not _same_bits(v, again[p])]
    finally:
        model.update(tree_unflatten(list(arrays.items())))
    if differ:
        shown = ", ".join(differ[:5]) + (" …" if len(differ) > 5 else "")
        raise CheckpointError(
            source,
            f"{len(differ)} array(s) are not what the recipe gives ({shown}), so the file could not be "
            "regenerated: apply the recipe first (mlxinit.apply(model, recipe)), or pass check=False "
            "to save without this promise.",
        )


# ----------------------------------------------------------------------------- read


def _header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file (tensor entries and ``__metadata__``), read without its data."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) != 8:
                raise CheckpointError(str(path), "not a safetensors file (too short).")
            (size,) = struct.unpack("<Q", head)
            if size > 100 * 2**20:
                raise CheckpointError(str(path), "not a safetensors file (implausible header size).")
            data = f.read(size)
    except OSError as e:
        raise CheckpointError(str(path), f"cannot read it ({e.strerror}).") from e
    try:
        header = json.loads(data)
    except ValueError as e:
        raise CheckpointError(str(path), f"not a safetensors file (its header is not JSON: {e}).") from e
    if not isinstance(header, dict):
        raise CheckpointError(str(path), "not a safetensors file (its header is not an object).")
    return header


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The metadata of a safetensors file, without reading its arrays.

    Raises:
        CheckpointError: the file cannot be read or is not safetensors.
    """
    meta = _header(Path(path)).get("__metadata__") or {}
    return {str(k): str(v) for k, v in meta.items()}


_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64", "U32": "uint32",
           "U8": "uint8", "I32": "int32", "I64": "int64", "U64": "uint64", "I8": "int8", "I16": "int16",
           "U16": "uint16", "BOOL": "bool"}  # fmt: skip


def _major(v: str) -> int | None:
    head = v.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _parse(meta: Mapping[str, str], source: str) -> Recipe:
    from ._recipe import Recipe
    from ._version import version

    if KEY_FORMAT not in meta or KEY_RECIPE not in meta:
        raise CheckpointError(
            source,
            "no mlxinit metadata (mlxinit.format, mlxinit.recipe): it was not written by mlxinit.save, "
            "so there is no recipe to regenerate it from.",
        )
    fmt = meta[KEY_FORMAT]
    if not fmt.isdigit():
        raise CheckpointError(source, f"mlxinit.format expected a whole number, got {fmt!r}.")
    saved = meta.get(KEY_VERSION, "unknown")
    if int(fmt) > FORMAT:
        raise CheckpointError(
            source,
            f"written in checkpoint format {fmt} by mlxinit {saved}; this mlxinit ({version()}) reads format "
            f"{FORMAT}. Upgrade mlxinit to regenerate it.",
        )
    ours, theirs = _major(version()), _major(saved)
    if ours is not None and theirs is not None and theirs > ours:
        raise CheckpointError(
            source,
            f"written by mlxinit {saved}, a newer major version than this one ({version()}), whose draws may "
            "differ. Upgrade mlxinit to regenerate it.",
        )
    try:
        data = json.loads(meta[KEY_RECIPE])
    except ValueError as e:
        raise CheckpointError(source, f"mlxinit.recipe is not JSON: {e}") from e
    recipe = Recipe.from_dict(data, source=f"{source} (mlxinit.recipe)")
    if recipe.seed is None:
        raise CheckpointError(source, "mlxinit.recipe has no seed.")
    seed = meta.get(KEY_SEED)
    if seed is not None and seed != str(recipe.seed):
        raise CheckpointError(source, f"mlxinit.seed ({seed}) and the recipe's seed ({recipe.seed}) disagree.")
    return recipe


def _compare_layout(
    source: str,
    meta: Mapping[str, str],
    saved: dict[str, tuple[tuple[int, ...], str]] | None,
    model_layout: dict[str, tuple[tuple[int, ...], str]],
) -> None:
    """Raise if the model's array paths, shapes or dtypes are not the saved ones."""
    if saved is not None:
        missing = sorted(set(saved) - set(model_layout))
        unexpected = sorted(set(model_layout) - set(saved))
        changed = {
            p: (_fmt(saved[p]), _fmt(model_layout[p]))
            for p in sorted(set(saved) & set(model_layout))
            if saved[p] != model_layout[p]
        }
        if missing or unexpected or changed:
            parts = []
            if missing:
                parts.append(f"{len(missing)} saved array(s) the model lacks ({_few(missing)})")
            if unexpected:
                parts.append(f"{len(unexpected)} array(s) of the model not in the file ({_few(unexpected)})")
            if changed:
                parts.append(
                    f"{len(changed)} with another shape or dtype ("
                    + ", ".join(f"{p}: saved {a}, model {b}" for p, (a, b) in list(changed.items())[:3])
                    + (" …" if len(changed) > 3 else "")
                    + ")"
                )
            raise CheckpointError(
                source,
                "the model's parameters differ from the saved ones: " + "; ".join(parts) + ".",
                missing=missing,
                unexpected=unexpected,
                changed=changed,
            )
    want = meta.get(KEY_ARRAYS)
    if want is not None and want != _signature(model_layout):
        n_saved = want.split(":", 1)[0]
        raise CheckpointError(
            source,
            f"the model's parameter paths, shapes or dtypes differ from the saved ones (saved: {n_saved} arrays, "
            f"model: {len(model_layout)}; mlxinit.arrays {want} vs {_signature(model_layout)}).",
        )


def _fmt(entry: tuple[tuple[int, ...], str]) -> str:
    shape, dtype = entry
    return f"{'x'.join(map(str, shape)) or '()'} {dtype}"


def _few(paths: list[str]) -> str:
    return ", ".join(paths[:3]) + (" …" if len(paths) > 3 else "")


def regenerate(
    source: str | os.PathLike[str] | Mapping[str, str],
    model: Module,
    *,
    check: bool = True,
    registry: Registry | None = None,
    group: Any = None,
    sharding: Any = None,
) -> ApplyReport:
    """Initialize ``model`` from a checkpoint's recipe: the same weights as the ones :func:`save` wrote, bitwise.

    A sharded model (see :func:`mlxinit.apply`'s ``group`` and ``sharding``) regenerates each
    rank's part: the saved full arrays are checked against the full shapes of its shards, and
    each regenerated shard against the same part of the saved array.

    Args:
        source: a file written by :func:`save`, or its metadata (``read_metadata(path)``,
            or ``mx.load(path, return_metadata=True)[1]``).
        model: a model of the same architecture (its arrays' paths, shapes and dtypes are
            checked against the saved ones before anything changes).
        check: when ``source`` is a file that holds the arrays, compare the regenerated
            arrays with them and raise if any differs.
        registry: where names resolve; the default registry if ``None``.
        group, sharding: how ``model`` is sharded, as :func:`mlxinit.apply` takes them.

    Returns:
        the :class:`ApplyReport` of applying the recipe.

    Raises:
        CheckpointError: no mlxinit metadata, a newer format or major version, a model
            whose arrays differ from the saved ones, or (``check``) regenerated arrays
            that are not the saved ones.

    Example:
        >>> import mlx.core as mx, mlx.nn as nn, mlxinit, tempfile, os
        >>> recipe = {"rules": {"*.weight": "glorot_uniform", "*.bias": "zeros"}, "seed": 7}
        >>> model = nn.Sequential(nn.Linear(4, 4))
        >>> _ = mlxinit.apply(model, mlxinit.Recipe.from_dict(recipe))
        >>> path = mlxinit.save(model, os.path.join(tempfile.mkdtemp(), "step0"), recipe)
        >>> fresh = nn.Sequential(nn.Linear(4, 4))
        >>> _ = mlxinit.regenerate(path, fresh)
        >>> bool(mx.array_equal(fresh.layers[0].weight, model.layers[0].weight))
        True
    """
    from ._apply import apply

    saved_layout: dict[str, tuple[tuple[int, ...], str]] | None = None
    file: Path | None = None
    if isinstance(source, Mapping):
        name = "metadata"
        meta = {str(k): str(v) for k, v in source.items()}
    elif isinstance(source, (str, os.PathLike)):
        file = Path(source)
        name = str(file)
        header = _header(file)
        meta = {str(k): str(v) for k, v in (header.get("__metadata__") or {}).items()}
        entries = {k: v for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)}
        if entries:
            saved_layout = {
                k: (tuple(int(d) for d in v.get("shape", [])), _DTYPES.get(str(v.get("dtype")), str(v.get("dtype"))))
                for k, v in entries.items()
            }
    else:
        raise CheckpointError(
            repr(source)[:60], f"expected a path or a metadata mapping, got {type(source).__name__}."
        )
    recipe = _parse(meta, name)
    from ._apply import sharded_arrays

    shards = sharded_arrays(model, sharding, group)
    here = _layout(_arrays(model))
    if shards and saved_layout is not None:  # compare the full arrays the shards come from
        for path, (key_path, full, _) in shards.items():
            _, dtype = here.pop(path)
            here[key_path] = (tuple(full), dtype)
    _compare_layout(name, meta, saved_layout, here)
    report = apply(model, recipe, registry=registry, group=group, sharding=sharding)
    if check and file is not None and saved_layout:
        stored = mx.load(str(file))
        assert isinstance(stored, dict)
        now = _arrays(model)
        expected: dict[str, mx.array] = {}
        for path in now:
            if path in shards:  # a shard: its part of the saved full array
                key_path, full, shard = shards[path]
                if key_path in stored:
                    whole, axis = stored[key_path], shard.axis
                    parts = [
                        whole[tuple(slice(lo, hi) if i == axis else slice(None) for i in range(whole.ndim))]
                        for lo, hi in shard.pieces(full)
                    ]
                    expected[path] = mx.concatenate(parts, axis=axis) if len(parts) > 1 else parts[0]
            elif path in stored:
                expected[path] = stored[path]
        differ = [p for p, v in expected.items() if not _same_bits(v, now[p])]
        if differ:
            raise CheckpointError(
                name,
                f"{len(differ)} regenerated array(s) differ from the saved ones ({_few(differ)}): "
                f"this mlxinit draws them differently from mlxinit {meta.get(KEY_VERSION, '?')}, which saved them.",
            )
    return report
