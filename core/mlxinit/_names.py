"""Spelling rules for initializer and distribution names."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[-_\s]+")
_CANONICAL = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_DIST_SEPARATORS = re.compile(r"[-_.]+")


def snake(name: str) -> str:
    """Return ``name`` in lower snake case: ``"HeNormal"``, ``"he-normal"`` → ``"he_normal"``."""
    return _SEPARATORS.sub("_", _CAMEL.sub("_", name.strip())).strip("_").lower()


def key(name: str) -> str:
    """The lookup key of a plain name: case, ``-``, ``_``, spaces and CamelCase ignored."""
    return _SEPARATORS.sub("", name).lower()


def is_canonical(name: str) -> bool:
    """Whether ``name`` is a valid canonical initializer name (lower snake case)."""
    return bool(_CANONICAL.match(name))


def dist_key(name: str) -> str:
    """Normalise a distribution name as PEP 503 does (``_``, ``-`` and ``.`` are equivalent)."""
    return _DIST_SEPARATORS.sub("-", name.strip()).lower()


def close_matches(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Registered names that look like ``name``, best first (for "did you mean")."""
    import difflib  # on first use: keeps `import mlxinit` light

    cands = sorted(set(candidates))
    by_snake: dict[str, str] = {}
    for c in cands:
        by_snake.setdefault(snake(c), c)
    wanted = snake(name)
    hits = difflib.get_close_matches(wanted, list(by_snake), n=n, cutoff=0.6)
    # A prefix match ("he" -> "he_normal") is a useful suggestion difflib may rank out.
    if not hits and len(wanted) >= 2:
        hits = [s for s in by_snake if s.startswith(wanted)][:n]
    return [by_snake[h] for h in hits]
