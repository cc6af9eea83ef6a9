"""Recipes: a rule set, a preset reference and a seed, saved as JSON, TOML or YAML."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import InvalidIdentifierError
from ._expr import ExpressionError, expressions_in

__all__ = ["Recipe", "load_recipe"]

_KEYS = {"rules", "preset", "seed", "config"}


@dataclass(frozen=True)
class Recipe:
    """A whole-model initialization recipe: ``apply(model, recipe)`` runs it.

    Attributes:
        rules: rule key (path glob or ``"type:ClassName[.param]"``) → identifier
            (a name or a config mapping).
        preset: a preset name or ``{"name": ..., **options}``, or ``None``.
        seed: an ``int`` seed, or ``None``.
        config: the names the rules' expressions (``"=0.02/sqrt(2*n_layers)"``) read, as a
            mapping or a dataclass instance; ``None`` reads the model's ``args``.

    Rule parameters that are expressions keep their text: ``to_dict``/``to_json`` write
    them as they were given, and :func:`mlxinit.apply` evaluates them per parameter.
    """

    rules: Mapping[str, str | Mapping[str, Any]] = field(default_factory=dict)
    preset: str | Mapping[str, Any] | None = None
    seed: int | None = None
    config: Any = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "recipe") -> Recipe:
        """Validate and build a recipe from parsed JSON/TOML/YAML."""
        if not isinstance(data, Mapping):
            raise InvalidIdentifierError(f"{source}: expected a table/object at the top, got {type(data).__name__}.")
        unknown = sorted(set(data) - _KEYS, key=repr)  # YAML keys may be ints, bools or None too
        if unknown:
            raise InvalidIdentifierError(
                f"{source}: unknown key(s) {', '.join(map(repr, unknown))}; "
                "expected 'rules', 'preset', 'seed' and/or 'config'."
            )
        rules = data.get("rules", {})
        if not isinstance(rules, Mapping):
            raise InvalidIdentifierError(f"{source}: 'rules' expected a table/object, got {rules!r}.")
        for k, v in rules.items():
            if not isinstance(k, str):
                raise InvalidIdentifierError(f"{source}: rule keys must be strings, got {k!r}.")
            if not isinstance(v, (str, Mapping)):
                raise InvalidIdentifierError(
                    f"{source}: rule {k!r} expected an initializer name or config table, got {v!r}."
                )
            try:  # an expression that does not parse is an error of the recipe, reported now
                expressions_in(v)
            except ExpressionError as e:
                raise e.located(k, e.parameter) from None
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
            raise InvalidIdentifierError(f"{source}: 'seed' expected an int in [0, 2**64), got {seed!r}.")
        preset = data.get("preset")
        if preset is not None and not isinstance(preset, (str, Mapping)):
            raise InvalidIdentifierError(f"{source}: 'preset' expected a name or a table, got {preset!r}.")
        config = data.get("config")
        if config is not None and not (isinstance(config, Mapping) and all(isinstance(k, str) for k in config)):
            raise InvalidIdentifierError(f"{source}: 'config' expected a table of names and values, got {config!r}.")
        return cls(rules=dict(rules), preset=preset, seed=seed, config=dict(config) if config is not None else None)

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (JSON/TOML-safe)."""
        out: dict[str, Any] = {}
        if self.preset is not None:
            out["preset"] = self.preset
        if self.seed is not None:
            out["seed"] = self.seed
        if self.config is not None:
            out["config"] = _config_data(self.config)
        out["rules"] = dict(self.rules)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The recipe as JSON text."""
        return json.dumps(self.to_dict(), **{"indent": 2, **kwargs})


def _config_data(config: Any) -> dict[str, Any]:
    """A config as plain data: a mapping's items, or a dataclass's JSON-safe fields."""
    import dataclasses

    if isinstance(config, Mapping):
        return dict(config)
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        out = {}
        for f in dataclasses.fields(config):
            v = getattr(config, f.name)
            try:
                json.dumps(v)
            except (TypeError, ValueError):
                continue
            out[f.name] = v
        return out
    raise InvalidIdentifierError(f"config: expected a mapping or a dataclass instance, got {type(config).__name__}.")


def _toml_loads(text: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    return tomllib.loads(text)


def load_recipe(source: str | os.PathLike[str], *, format: str | None = None) -> Recipe:
    """Load a recipe from a ``.json``, ``.toml`` or ``.yaml``/``.yml`` file, or from text.

    Loading never imports code: rule keys name paths or module classes by name, and
    identifiers resolve only to registered initializers when applied.

    Args:
        source: a path, or the recipe's text itself (then give ``format``, or JSON is assumed
            for text starting with ``{``).
        format: ``"json"``, ``"toml"`` or ``"yaml"``; guessed from the file suffix if ``None``.

    Raises:
        InvalidIdentifierError: unreadable or malformed recipe (the parser's message included).
    """
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidIdentifierError(
            f"recipe: expected a path or the recipe's text, got {source!r} of type {type(source).__name__}."
        )
    if format is not None and not isinstance(format, str):
        raise InvalidIdentifierError(f"recipe format: expected 'json', 'toml' or 'yaml', got {format!r}.")
    text: str
    name = "recipe"
    is_text = isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{"))
    path = None if is_text else Path(source)
    if path is not None and path.suffix.lower() in (".json", ".toml", ".yaml", ".yml"):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise InvalidIdentifierError(f"recipe {str(path)!r}: cannot read it ({e.strerror}).") from e
        name = str(path)
        format = format or {".yml": "yaml"}.get(path.suffix.lower(), path.suffix.lower()[1:])
    else:
        text = str(source)
        format = format or ("json" if text.lstrip().startswith("{") else None)
        if format is None:
            raise InvalidIdentifierError(
                "recipe: expected a .json/.toml/.yaml path or text with format='json'|'toml'|'yaml', "
                f"got {str(source)[:60]!r}."
            )
    fmt = format.lower()
    try:
        if fmt == "json":
            data = json.loads(text)
        elif fmt == "toml":
            data = _toml_loads(text)
        elif fmt == "yaml":
            try:
                import yaml  # type: ignore[import-untyped]
            except ImportError as e:
                raise InvalidIdentifierError(
                    f"{name}: YAML recipes need PyYAML; install it with `pip install pyyaml`."
                ) from e
            data = yaml.safe_load(text)
        else:
            raise InvalidIdentifierError(f"recipe format: expected 'json', 'toml' or 'yaml', got {format!r}.")
    except InvalidIdentifierError:
        raise
    except Exception as e:  # the parsers' own errors (JSONDecodeError, TOMLDecodeError, YAMLError)
        raise InvalidIdentifierError(f"{name}: not valid {fmt.upper()}: {e}") from e
    return Recipe.from_dict(data, source=name)
