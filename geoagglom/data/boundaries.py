"""Boundary layers: the bundled Chinese layers and any user vector file.

Every layer geoagglom hands on is a *units* GeoDataFrame: indexed by a unique,
non-missing unit id, in EPSG:4326, with valid polygonal geometries and an
``area_km2`` column computed from those geometries.
"""

from __future__ import annotations

import difflib
import gzip
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoagglom.data.area import land_area
from geoagglom.data.catalog import bundled_dir, catalog_rows, register_coverage
from geoagglom.data.catalog import catalog as _catalog
from geoagglom.errors import GeometryRepairWarning, InputError, format_ids


def list_layers():
    """The bundled layers and groupings.

    Returns
    -------
    pandas.DataFrame
        One row per entry: ``name``, ``kind`` ("layer" or "grouping"), ``units``
        (or regions, for a grouping), ``description``.
    """
    return pd.DataFrame(catalog_rows())


def _entry(kind, name):
    entries = _catalog()[kind]
    if name not in entries:
        close = difflib.get_close_matches(str(name), list(entries), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise InputError(
            f"No bundled {kind[:-1]} named {name!r}.{hint} Available: "
            f"{', '.join(entries)} (see geoagglom.list_layers())."
        )
    return entries[name]


def load_layer(name):
    """Load a bundled boundary layer.

    Parameters
    ----------
    name : str
        ``"china-prefectures"``, ``"china-counties"``, ``"shandong"`` or
        ``"shandong-2004-2016"`` (:func:`list_layers` lists them).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``adcode`` (int), EPSG:4326, with ``name_zh``, ``name_en``,
        ``name_pinyin``, ``province_adcode``, ``province_zh``, ``province_en`` and
        ``area_km2`` (geodesic, from the full-resolution source geometry: the
        area to use), ``area_outline_km2`` (the geodesic area of the geometry as
        shipped, which :func:`geoagglom.dissolve_regions` sums to check regions'
        areas without measuring their outlines; the coverage-simplified layers'
        outlines differ from ``area_km2`` by about 0.01–0.05 % at the median);
        ``china-counties`` also has ``prefecture_adcode`` and ``prefecture_zh``.

    Examples
    --------
    >>> import geoagglom
    >>> geoagglom.load_layer("shandong-2004-2016").loc[371200, "name_en"]
    'Laiwu'
    """
    entry = _entry("layers", name)
    path = bundled_dir() / entry["file"]
    if path.suffix == ".gz":  # the large layers are stored gzip-compressed
        with gzip.open(path, "rb") as f:
            gdf = gpd.read_file(f.read(), engine="pyogrio")
    else:
        gdf = gpd.read_file(path, engine="pyogrio")
    gdf["adcode"] = gdf["adcode"].astype("int64")
    gdf["province_adcode"] = gdf["province_adcode"].astype("int64")
    gdf = gdf.set_index("adcode")
    gdf.attrs["layer"] = name
    if entry.get("valid_coverage"):
        # dissolve_regions recognises these very geometries and needs no coverage check
        outline = gdf["area_outline_km2"] if "area_outline_km2" in gdf.columns else None
        register_coverage(gdf.geometry.array, outline)
    return gdf


def load_grouping(name):
    """Load a bundled grouping table (unit → region).

    Parameters
    ----------
    name : str
        ``"shandong-two-circles-four-areas"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``adcode`` (int), with ``name_zh``, ``name_en``, ``region``
        (English) and ``region_zh``. ``attrs["layer"]`` names the layer it groups.
    """
    entry = _entry("groupings", name)
    table = pd.read_csv(bundled_dir() / entry["file"], dtype={"adcode": "int64"})
    table = table.set_index("adcode")
    table.attrs.update(grouping=name, layer=entry["layer"], note=entry["description"])
    return table


def neighbor_pairs(name):
    """Neighbour pairs of a bundled layer's full-resolution source.

    Returns
    -------
    pandas.DataFrame
        Columns ``focal``, ``neighbor`` (both directions) and ``rook`` (True
        where the two share an edge, False where they touch at a point only).
    """
    entry = _entry("layers", name)
    if "neighbors" not in entry:
        raise InputError(f"No stored neighbour pairs for layer {name!r}.")
    return pd.read_csv(bundled_dir() / entry["neighbors"])


def read_boundaries(path, id, *, layer=None, crs=None, area_method="geodesic"):
    """Read a user's boundary file into a validated units layer.

    Parameters
    ----------
    path : str or pathlib.Path
        Any vector file pyogrio reads (Shapefile, GeoPackage, GeoJSON, FlatGeobuf, …)
        or a GeoParquet file (``.parquet``, read with pyarrow).
    id : str
        Column holding each unit's unique id (e.g. an adcode or a name).
    layer : str or int, optional
        Layer to read from a multi-layer file (GeoPackage).
    crs : str, int or pyproj.CRS, optional
        The CRS of the coordinates, for files that do not record one (a
        Shapefile without .prj). Must agree with the file's CRS when it has one.
    area_method : {"geodesic", "equal-area"}, default "geodesic"
        How ``area_km2`` is computed (:func:`geoagglom.land_area`).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``id``, in EPSG:4326, with an ``area_km2`` column. Invalid
        geometries are repaired with ``shapely.make_valid`` and reported in a
        :class:`GeometryRepairWarning` and in ``attrs["repaired_ids"]``.

    Raises
    ------
    InputError
        Missing CRS, missing id column, missing or duplicate ids, empty or
        non-polygonal geometries.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"Boundary file not found: {path}")
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as err:  # pyogrio's errors name the driver problem; keep them
        raise InputError(f"Could not read {path} as a vector file: {err}") from err
    if crs is not None:
        if gdf.crs is not None and not gdf.crs.equals(crs):
            raise InputError(
                f"{path.name} records CRS {gdf.crs.to_string()}, but crs={crs!r} was given. "
                "Drop the crs argument, or reproject the file."
            )
        gdf = gdf.set_crs(crs, allow_override=True)
    return validate_units(gdf, id=id, source=path.name, area_method=area_method)


def validate_units(gdf, id=None, *, source="the layer", area_method="geodesic"):
    """Check and normalise a GeoDataFrame of units.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
    id : str, optional
        Column to use as the unit id; by default the existing index.
    source : str
        How to name the input in messages.
    area_method : {"geodesic", "equal-area"}

    Returns
    -------
    geopandas.GeoDataFrame
        A copy indexed by unit id, in EPSG:4326, with repaired geometries and a
        freshly computed ``area_km2``.
    """
    if gdf.crs is None:
        raise InputError(
            f"{source} has no CRS, so areas and distances cannot be computed. Pass crs=... "
            "(e.g. crs='EPSG:4326' for longitude/latitude degrees, or the EPSG code of "
            "its projection), or add a .prj file next to the Shapefile."
        )
    gdf = gdf.copy()
    if id is not None:
        if id not in gdf.columns:
            raise InputError(
                f"{source} has no column {id!r}. Its columns: "
                f"{', '.join(map(str, gdf.columns.drop(gdf.geometry.name)))}."
            )
        missing = gdf[id].isna().to_numpy()
        if missing.any():
            raise InputError(
                f"{source}: {missing.sum()} feature(s) have no {id!r}, at feature positions "
                f"{format_ids(np.flatnonzero(missing))} (0-based). Give every unit an id."
            )
        gdf = gdf.set_index(id)
    counts = gdf.index.value_counts()
    duplicated = counts[counts > 1]
    if len(duplicated):
        raise InputError(
            f"{source}: duplicate unit ids {format_ids(duplicated.index)}. Each unit must "
            "appear once; dissolve multi-part units first (GeoDataFrame.dissolve)."
        )
    if gdf.index.isna().any():
        raise InputError(f"{source}: some units have a missing id. Give every unit an id.")

    geoms = gdf.geometry.values
    empty = gdf.geometry.isna().to_numpy() | shapely.is_empty(geoms)
    if empty.any():
        raise InputError(
            f"{source}: units with an empty or missing geometry: "
            f"{format_ids(gdf.index[empty])}. Remove them or supply their boundaries."
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        gdf.loc[invalid, gdf.geometry.name] = repaired
        ids = list(gdf.index[invalid])
        warnings.warn(
            f"{source}: repaired {len(ids)} invalid geometr{'y' if len(ids) == 1 else 'ies'} "
            f"with shapely.make_valid: units {format_ids(ids)}.",
            GeometryRepairWarning,
            stacklevel=3,
        )
        gdf.attrs["repaired_ids"] = ids
    if not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    if "area_km2" in gdf.columns:
        gdf = gdf.rename(columns={"area_km2": "area_km2_input"})
    gdf["area_km2"] = land_area(gdf, method=area_method)
    return gdf


def resolve_layer(name_or_path, id=None, crs=None):
    """A bundled layer by name, or a boundary file by path (for the CLI and studies)."""
    if name_or_path in _catalog()["layers"]:
        return load_layer(name_or_path)
    if Path(name_or_path).suffix or Path(name_or_path).exists():
        if id is None:
            raise InputError(
                f"Reading {name_or_path} needs the id column: pass --id COLUMN (or id=...)."
            )
        return read_boundaries(name_or_path, id=id, crs=crs)
    return load_layer(name_or_path)  # raises, listing the bundled layers
