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
    "known_outline_areas",
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


# id(geometry) -> (weak reference, load number, outline area in km²): the geometries of
# each load of a bundled valid coverage, as load_layer made them (shapely geometries are
# immutable: the same object is the same geometry; an edit or a reprojection makes new
# ones), with the geodesic area the layer file stores for each (area_outline_km2)
_LOADED = {}
_LOADS = itertools.count(1)


def register_coverage(geoms, outline_areas=None):
    """Record ``geoms`` (one load of a bundled valid coverage) for :func:`known_coverage`.

    Parameters
    ----------
    geoms : sequence of shapely geometries
    outline_areas : sequence of float, optional
        The geodesic area (km²) of each geometry as stored (the layer's
        ``area_outline_km2``), handed back by :func:`known_outline_areas`.
    """
    load = next(_LOADS)
    if outline_areas is None:
        outline_areas = [None] * len(geoms)
    for g, area in zip(geoms, outline_areas, strict=True):
        key = id(g)
        ref = weakref.ref(g, lambda _, key=key: _LOADED.pop(key, None))
        _LOADED[key] = (ref, load, None if area is None else float(area))


def _known_entries(geoms):
    """The registry entries of ``geoms`` when all come from one load, else None."""
    entries = []
    load = None
    for g in geoms:
        entry = _LOADED.get(id(g))
        if entry is None or entry[0]() is not g or (load is not None and entry[1] != load):
            return None
        load = entry[1]
        entries.append(entry)
    return entries if entries else None


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
    return _known_entries(geoms) is not None


def known_load(geoms):
    """The load number of ``geoms`` when all come from one load of a bundled valid
    coverage (see :func:`known_coverage`), else None; to tell whether the pieces of a
    layer (a dask frame's partitions) come from the same load.

    Parameters
    ----------
    geoms : sequence of shapely geometries

    Returns
    -------
    int or None

    Examples
    --------
    >>> import shapely
    >>> from geoagglom.data.catalog import known_load
    >>> known_load([shapely.box(0, 0, 1, 1)]) is None
    True
    """
    entries = _known_entries(geoms)
    return None if entries is None else entries[0][1]


def known_outline_areas(geoms):
    """The stored geodesic areas (km², WGS84) of the geometries of a known coverage.

    The bundled layers store, besides ``area_km2`` (measured on the
    full-resolution source), the geodesic area of each geometry as shipped
    (``area_outline_km2``). For geometries of one load of a bundled valid
    coverage (see :func:`known_coverage`), unchanged, these are their areas as
    :func:`geoagglom.land_area` measures them in EPSG:4326; a coverage union
    of any group of them has the group's summed outline area (to rounding).

    Parameters
    ----------
    geoms : sequence of shapely geometries

    Returns
    -------
    numpy.ndarray or None
        One area per geometry, or None when the geometries are not one load of a
        known coverage or its file stores no outline areas.

    Examples
    --------
    >>> import shapely
    >>> from geoagglom.data.catalog import known_outline_areas
    >>> known_outline_areas([shapely.box(0, 0, 1, 1)]) is None
    True
    """
    entries = _known_entries(geoms)
    if entries is None or any(e[2] is None for e in entries):
        return None
    import numpy as np

    return np.fromiter((e[2] for e in entries), dtype=float, count=len(entries))
