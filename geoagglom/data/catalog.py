"""The catalog of the bundled layers and groupings (``boundaries/catalog.toml``).

Standard library only, so that the command line's ``geoagglom layers`` lists the
layers without loading pandas or geopandas.
"""

from __future__ import annotations

import itertools
import tomllib
import weakref
from functools import cache
from pathlib import Path

__all__ = [
    "bundled_dir",
    "catalog",
    "catalog_rows",
    "known_coverage",
    "known_valid_coverage",
    "register_coverage",
]


def bundled_dir():
    """Folder holding the bundled layers.

    Installed packages carry it as ``geoagglom/boundaries``; a source checkout
    keeps it at the top level, next to the package.

    Returns
    -------
    pathlib.Path
    """
    here = Path(__file__).resolve().parents[1]  # the package folder
    for candidate in (here / "boundaries", here.parent / "boundaries"):
        if (candidate / "catalog.toml").is_file():
            return candidate
    raise FileNotFoundError(
        "geoagglom's bundled boundaries are missing; reinstall the package "
        "(python -m pip install --force-reinstall geoagglom)."
    )


@cache
def catalog():
    """The parsed ``catalog.toml``: ``{"layers": {...}, "groupings": {...}}``.

    Returns
    -------
    dict
    """
    with open(bundled_dir() / "catalog.toml", "rb") as f:
        return tomllib.load(f)


def catalog_rows():
    """One dict per bundled layer and grouping: ``name``, ``kind``, ``units``, ``description``.

    Returns
    -------
    list of dict
        ``kind`` is "layer" or "grouping"; ``units`` counts a grouping's regions.

    Examples
    --------
    >>> from geoagglom.data.catalog import catalog_rows
    >>> [row["name"] for row in catalog_rows() if row["kind"] == "grouping"][:1]
    ['shandong-two-circles-four-areas']
    """
    rows = []
    for kind, key, count in (("layer", "layers", "units"), ("grouping", "groupings", "regions")):
        for name, entry in catalog()[key].items():
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "units": entry[count],
                    "description": entry["description"],
                }
            )
    return rows


def known_valid_coverage(name):
    """True when the bundled layer ``name`` is recorded as a valid polygon coverage.

    The catalog's ``valid_coverage = true`` says that the layer's polygons do not
    overlap and that neighbours share their border vertices exactly (checked by
    ``shapely.coverage_is_valid`` when the layer is built and in the layer tests),
    so a coverage union of any group of its units is exact and needs no check.

    Parameters
    ----------
    name : str or None

    Returns
    -------
    bool
    """
    entry = catalog()["layers"].get(name) if isinstance(name, str) else None
    return bool(entry and entry.get("valid_coverage", False))


# id(geometry) -> (weak reference, load number): the geometries of each load of a
# bundled valid coverage, as load_layer made them (shapely geometries are immutable:
# the same object is the same geometry; an edit or a reprojection makes new ones)
_LOADED = {}
_LOADS = itertools.count(1)


def register_coverage(geoms):
    """Record ``geoms`` (one load of a bundled valid coverage) for :func:`known_coverage`.

    Parameters
    ----------
    geoms : sequence of shapely geometries
    """
    load = next(_LOADS)
    for g in geoms:
        key = id(g)
        _LOADED[key] = (weakref.ref(g, lambda _, key=key: _LOADED.pop(key, None)), load)


def known_coverage(geoms):
    """True when every geometry comes from one and the same load of a bundled layer
    that the catalog records as a valid coverage (any subset of it is one too).

    Parameters
    ----------
    geoms : sequence of shapely geometries

    Returns
    -------
    bool

    Examples
    --------
    >>> import shapely
    >>> from geoagglom.data.catalog import known_coverage
    >>> known_coverage([shapely.box(0, 0, 1, 1)])
    False
    """
    loads = set()
    for g in geoms:
        entry = _LOADED.get(id(g))
        if entry is None or entry[0]() is not g:
            return False
        loads.add(entry[1])
        if len(loads) > 1:
            return False
    return len(loads) == 1
