"""Sphinx configuration of the mlxinit documentation (MyST Markdown pages).

Build with ``make docs`` (warnings are errors). The initializer and exception
references are generated from mlxinit itself by ``_ext/mlxinit_docgen.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import mlxinit  # noqa: E402

project = "mlxinit"
author = "The mlxinit developers"
copyright = "the mlxinit developers"  # noqa: A001
release = mlxinit.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.napoleon",
    "mlxinit_docgen",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "_ext", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings: list[str] = []

html_theme = "furo"
html_title = f"mlxinit {release}"
html_static_path: list[str] = []
# Offline builds: no external fonts, analytics or edit links.
html_theme_options: dict[str, object] = {}
html_show_sourcelink = False
