"""Sphinx configuration of geoagglom's documentation.

Build (no network needed): ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The study-file reference is generated from the schema and the gallery is made by
running the bundled demo study at build time (``_ext/geoagglom_docs.py``); neither
is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Document the source tree this folder belongs to, even when another copy is installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

import geoagglom  # noqa: E402

project = "geoagglom"
author = "The geoagglom developers"
copyright = "The geoagglom developers (MIT licence)"
release = geoagglom.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "geoagglom_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/gallery-run", "README.md"]
root_doc = "index"

# Offline: no intersphinx, no fetched math renderer; formulas are written as text.
autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # README-style links to repository files

try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
    }
except ImportError:  # the default theme is enough
    html_theme = "alabaster"
html_title = f"geoagglom {release}"
html_static_path = []
# The gallery's interactive map is copied as is (made at build time by geoagglom_docs).
(HERE / "_generated" / "extra").mkdir(parents=True, exist_ok=True)
html_extra_path = ["_generated/extra"]
html_last_updated_fmt = None
