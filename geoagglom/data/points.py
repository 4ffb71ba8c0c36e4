"""Points (bank branches, firms, ATMs) counted and summed per unit.

:func:`points_to_units` assigns every point to the one unit that contains it and
returns, per unit, the number of points, the sum of an optional weight column and
both per km² of land.

Boundary rule
-------------
A point is assigned to the units whose closed polygon covers it (interior or
boundary). A point on a border shared by several units, or on a vertex shared by
several, is assigned ONCE: to the first of those units in the order of the unit
layer. Counts therefore add up to the number of points inside the layer, never
more. Points covered by no unit are "outside": they are an error by default, or
dropped and reported (``outside='drop'``).

Points in a different CRS from the units are reprojected to the units' CRS; a
plain DataFrame gives longitude/latitude in degrees (WGS 84) in two columns named
by the caller.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import shapely

from geoagglom.compute import is_dask, require_dask
from geoagglom.errors import InputError, PointsOutsideWarning, format_ids
from geoagglom.options import OUTSIDE_POINTS

__all__ = ["points_to_units"]


def points_to_units(
    points,
    units,
    weight=None,
    *,
    lon=None,
    lat=None,
    outside="raise",
    area_col="area_km2",
):
    """Count points, and sum a weight column, per unit; densities per km².

    Parameters
    ----------
    points : geopandas.GeoDataFrame, pandas.DataFrame or dask_geopandas.GeoDataFrame
        One row per point. A GeoDataFrame of points (any CRS; reprojected to the
        units' CRS), or a DataFrame with longitude/latitude columns in degrees
        (WGS 84) named by ``lon`` and ``lat``. A dask(-geopandas) frame is counted
        partition by partition (see :mod:`geoagglom.compute`).
    units : geopandas.GeoDataFrame
        Polygonal units indexed by unit id, with a CRS.
    weight : str, optional
        Numeric column of ``points`` summed per unit (deposits, employees, ...).
    lon, lat : str, optional
        The longitude and latitude columns when ``points`` is a plain DataFrame.
    outside : {'raise', 'drop'}, default 'raise'
        Points covered by no unit: an :class:`~geoagglom.errors.InputError` with
        their number and first row labels, or dropped with a
        :class:`~geoagglom.errors.PointsOutsideWarning`. Either way the result's
        ``attrs['outside']`` holds their number and ``attrs['outside_rows']``
        their row labels.
    area_col : str, default "area_km2"
        Land area column of ``units``; computed (geodesic) when absent.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units`` (every unit, zeros included): ``n_points``,
        ``points_per_km2`` and, with ``weight``, the summed ``<weight>`` and
        ``<weight>_per_km2``; plus ``area_km2``.

    Raises
    ------
    InputError
        Missing columns, missing coordinates or weights (naming the rows),
        non-point geometries, a missing CRS, or points outside every unit under
        ``outside='raise'``.

    Notes
    -----
    See the module docstring for the boundary rule: a point on a shared border
    goes to the first covering unit in the layer's order.

    Examples
    --------
    >>> import pandas as pd
    >>> import geoagglom
    >>> from geoagglom.data.points import points_to_units
    >>> shandong = geoagglom.load_layer("shandong")
    >>> branches = pd.DataFrame({"x": [117.0, 117.1, 120.4], "y": [36.65, 36.6, 36.1],
    ...                          "deposits": [5.0, 2.0, 4.0]})
    >>> out = points_to_units(branches, shandong, "deposits", lon="x", lat="y")
    >>> int(out["n_points"].sum()), float(out["deposits"].sum())
    (3, 11.0)
    """
    OUTSIDE_POINTS.check(outside, "outside")
    _check_units(units)
    if is_dask(units):
        units = units.compute()
    if is_dask(points):
        counts, sums, outside_rows = _count_dask(points, units, weight, lon, lat)
    else:
        counts, sums, outside_rows = _count(points, units, weight, lon, lat)
    return _finish(units, counts, sums, outside_rows, weight, outside, area_col)


def _check_units(units):
    if not hasattr(units, "geometry") or not hasattr(units, "crs"):
        raise InputError(
            f"units must be a GeoDataFrame of polygons, got {type(units).__name__}; "
            "load them with geoagglom.load_layer(...) or geopandas.read_file(...)."
        )
    if units.crs is None:
        raise InputError("The units have no CRS; set it (e.g. units.set_crs('EPSG:4326')).")
    if units.index.has_duplicates:
        raise InputError(
            f"Unit ids {format_ids(pd.unique(units.index[units.index.duplicated()]))} appear "
            "more than once; ids must be unique."
        )


def _point_geometries(points, crs, lon, lat):
    """The points as a shapely array in ``crs``, checked."""
    import geopandas as gpd

    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries) and lon is None and lat is None:
        gs = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if gs.crs is None:
            raise InputError(
                "The points have no CRS; set it (e.g. points.set_crs('EPSG:4326')) or pass "
                "a DataFrame with lon=/lat= columns in degrees."
            )
        bad = gs.isna().to_numpy() | shapely.is_empty(gs.values)
        if bad.any():
            raise InputError(
                f"Points with a missing or empty geometry at rows {format_ids(gs.index[bad])}; "
                "drop them or supply their coordinates."
            )
        kind = shapely.get_type_id(gs.values)
        if (kind != 0).any():
            raise InputError(
                f"Rows {format_ids(gs.index[kind != 0])} are not points "
                f"({', '.join(sorted(set(gs.geom_type[kind != 0])))}); give one point per row."
            )
        if not gs.crs.equals(crs):
            gs = gs.to_crs(crs)
        return np.asarray(gs.values)
    if not isinstance(points, pd.DataFrame):
        raise InputError(
            f"points must be a GeoDataFrame of points or a DataFrame with lon/lat columns, "
            f"got {type(points).__name__}."
        )
    if lon is None or lat is None:
        raise InputError(
            "points is a plain DataFrame: name its longitude and latitude columns with "
            "lon='...' and lat='...' (degrees, WGS 84)."
        )
    for col in (lon, lat):
        if col not in points.columns:
            raise InputError(
                f"points has no column {col!r} (its columns: "
                f"{format_ids([str(c) for c in points.columns])})."
            )
    x = pd.to_numeric(points[lon], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(points[lat], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise InputError(
            f"Missing or non-numeric coordinates in {lon!r}/{lat!r} at rows "
            f"{format_ids(points.index[bad])}; fill or drop them."
        )
    off = (np.abs(y) > 90) | (np.abs(x) > 360)
    if off.any():
        raise InputError(
            f"Coordinates out of range (|lat| > 90 or |lon| > 360) at rows "
            f"{format_ids(points.index[off])}: are {lon!r}/{lat!r} longitude/latitude in "
            "degrees, and not swapped or projected?"
        )
    from pyproj import CRS

    if CRS.from_user_input(crs).equals(CRS.from_epsg(4326)):
        return shapely.points(x, y)
    from pyproj import Transformer

    tx, ty = Transformer.from_crs(4326, crs, always_xy=True).transform(x, y)
    return shapely.points(tx, ty)


def _weights(points, weight):
    if weight is None:
        return None
    if weight not in points.columns:
        raise InputError(
            f"points has no weight column {weight!r} (its columns: "
            f"{format_ids([str(c) for c in points.columns])})."
        )
    if not pd.api.types.is_numeric_dtype(points[weight]):
        raise InputError(f"The weight column {weight!r} is not numeric; convert it first.")
    w = points[weight].to_numpy(dtype=float)
    bad = ~np.isfinite(w)
    if bad.any():
        raise InputError(
            f"{weight!r} is missing (NaN) or infinite at rows {format_ids(points.index[bad])}; "
            "a unit's sum would silently leave them out. Fill or drop them."
        )
    return w


def _assign(pts, unit_geoms, tree=None):
    """Position of the unit each point goes to (-1: outside every unit).

    The first covering unit in layer order (see the module's boundary rule).
    """
    if tree is None:
        # the tree over the points, queried with the units: shapely prepares each query
        # geometry, so every polygon is prepared once (a tree over the polygons queried
        # with the points tests each point against unprepared polygons: ~4x slower on
        # the county layer); "intersects" is symmetric, the pairs are the same
        ui, pi = shapely.STRtree(pts).query(unit_geoms, predicate="intersects")
    else:
        pi, ui = tree.query(pts, predicate="intersects")
    out = np.full(len(pts), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, pi, ui)
    out[out == np.iinfo(np.int64).max] = -1
    return out


def _count(points, units, weight, lon, lat, tree=None):
    """Per-unit counts and weight sums (or None) and the row labels of outside points."""
    pts = _point_geometries(points, units.crs, lon, lat)
    w = _weights(points, weight)
    unit_geoms = np.asarray(units.geometry.values)
    where = _assign(pts, unit_geoms, tree)
    inside = where >= 0
    n = len(units)
    counts = np.bincount(where[inside], minlength=n)
    sums = None if w is None else np.bincount(where[inside], weights=w[inside], minlength=n)
    return counts, sums, points.index[~inside]


def _count_dask(points, units, weight, lon, lat):
    """:func:`_count` on every partition of a dask frame; the per-unit arrays are summed.

    The units (and their search tree) are shipped to the workers once; each
    partition's points are matched against them where the partition lives.
    """
    require_dask("points_to_units on a dask frame")
    import dask

    units_d = dask.delayed(units, pure=True)
    parts = [dask.delayed(_count)(part, units_d, weight, lon, lat) for part in points.to_delayed()]
    results = dask.compute(*parts)
    counts = np.zeros(len(units), dtype=np.int64)
    sums = None if weight is None else np.zeros(len(units))
    outside = []
    for c, s, o in results:
        counts += c
        if sums is not None:
            sums += s
        outside.extend(o)
    return counts, sums, pd.Index(outside)


def _finish(units, counts, sums, outside_rows, weight, outside, area_col):
    n_out = len(outside_rows)
    if n_out and outside == "raise":
        raise InputError(
            f"{n_out} point(s) lie outside every unit (rows {format_ids(outside_rows)}). "
            "Check their CRS or coordinates, or pass outside='drop' to leave them out "
            "(they are then reported)."
        )
    if n_out:
        warnings.warn(
            f"dropped {n_out} point(s) outside every unit (rows {format_ids(outside_rows)}); "
            "see attrs['outside_rows'].",
            PointsOutsideWarning,
            stacklevel=3,
        )
    if area_col in units.columns:
        area = pd.to_numeric(units[area_col]).to_numpy(dtype=float)
    else:
        from geoagglom.data.area import land_area

        area = land_area(units).to_numpy()
    out = pd.DataFrame(index=units.index.copy())
    out["n_points"] = counts.astype(np.int64)
    out["area_km2"] = area
    out["points_per_km2"] = counts / area
    if weight is not None:
        out[weight] = sums
        out[f"{weight}_per_km2"] = sums / area
    out.attrs["outside"] = n_out
    out.attrs["outside_rows"] = list(outside_rows)
    return out
