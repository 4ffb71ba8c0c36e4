"""Land area of boundary units, in km².

Two methods, both exact for the polygons as drawn:

``"geodesic"`` (default)
    Each ring's area on the WGS84 ellipsoid with edges taken as geodesics
    (Karney's algorithm, via :class:`pyproj.Geod`). Holes are subtracted and the
    parts of a multipolygon are added, whatever the ring orientation in the file.
``"equal-area"``
    The planar area in an equal-area projection: an Albers conic fitted to the
    layer's extent unless ``crs`` names another equal-area projection. Edges
    are straight in the projection rather than geodesics, so the two methods
    differ by far less than 0.01 % on real boundary data.

A planar area is never computed in a geographic (longitude/latitude) CRS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geoagglom.errors import InputError, format_ids
from geoagglom.options import AREA_METHODS

METHODS = AREA_METHODS.values

_WGS84 = Geod(ellps="WGS84")


def land_area(gdf, method: str = "geodesic", crs=None) -> pd.Series:
    """Land area of every unit of a layer, in km².

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Polygonal units with a CRS set (any CRS; they are brought to
        longitude/latitude on WGS84 for the geodesic method).
    method : {"geodesic", "equal-area"}, default "geodesic"
        See the module docstring.
    crs : str, int or pyproj.CRS, optional
        Only with ``method="equal-area"``: the equal-area projection to use.
        By default an Albers equal-area conic is fitted to the layer's extent
        (standard parallels at 1/6 and 5/6 of its latitude span).

    Returns
    -------
    pandas.Series
        Areas in km², named ``area_km2`` and indexed like ``gdf``.

    Raises
    ------
    InputError
        If the layer has no CRS, a geometry is missing, empty or not
        polygonal, the method is unknown, or ``crs`` is not a projected CRS.

    Examples
    --------
    >>> import geoagglom
    >>> shandong = geoagglom.load_layer("shandong")
    >>> float(geoagglom.land_area(shandong).round(0).loc[370100])  # Jinan
    10229.0
    """
    geoms = getattr(gdf, "geometry", gdf)
    AREA_METHODS.check(method, "method")
    if geoms.crs is None:
        raise InputError(
            "The layer has no CRS, so its areas cannot be computed. Set it first, e.g. "
            "gdf.set_crs('EPSG:4326') for longitude/latitude in degrees."
        )
    _check_polygonal(geoms)
    if method == "geodesic":
        lonlat = geoms.to_crs("EPSG:4326") if not geoms.crs.equals("EPSG:4326") else geoms
        values = _geodesic_areas_m2(lonlat.values) / 1e6
    else:
        target = _equal_area_crs(geoms) if crs is None else CRS.from_user_input(crs)
        if not target.is_projected:
            raise InputError(
                f"crs={target.name!r} is not a projected CRS; a planar area in a geographic "
                "CRS is meaningless. Name an equal-area projection (e.g. an Albers or "
                "Lambert azimuthal equal-area CRS) or leave crs=None."
            )
        values = np.asarray(shapely.area(geoms.to_crs(target).values)) / 1e6
    return pd.Series(values, index=geoms.index, name="area_km2")


def _check_polygonal(geoms):
    """Raise an InputError naming units whose geometry cannot have an area."""
    missing = geoms.isna().to_numpy() | shapely.is_empty(geoms.values)
    if missing.any():
        raise InputError(
            f"Units with a missing or empty geometry: {format_ids(geoms.index[missing])}. "
            "Drop them or supply their boundaries."
        )
    kind = shapely.get_type_id(geoms.values)
    # 3 = Polygon, 6 = MultiPolygon
    bad = ~np.isin(kind, (3, 6))
    if bad.any():
        raise InputError(
            f"Units whose geometry is not a polygon: {format_ids(geoms.index[bad])} "
            f"({', '.join(sorted(set(geoms.geom_type[bad])))}). Land area needs polygons."
        )


def _geodesic_areas_m2(geoms):
    """Geodesic area (m²) of each (multi)polygon given in longitude/latitude degrees."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    is_exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    bounds = np.searchsorted(ring_of_coord, np.arange(len(rings) + 1))
    ring_area = np.empty(len(rings))
    for r in range(len(rings)):
        lon = coords[bounds[r] : bounds[r + 1], 0]
        lat = coords[bounds[r] : bounds[r + 1], 1]
        # Orientation differs between files; the magnitude is what matters.
        ring_area[r] = abs(_WGS84.polygon_area_perimeter(lon, lat)[0])
    signed = np.where(is_exterior, ring_area, -ring_area)
    part_area = np.bincount(ring_part, weights=signed, minlength=len(parts))
    return np.bincount(part_owner, weights=part_area, minlength=len(geoms))


def _equal_area_crs(geoms):
    """An Albers equal-area conic on WGS84 fitted to the layer's extent."""
    west, south, east, north = geoms.to_crs("EPSG:4326").total_bounds
    span = north - south
    lat_1, lat_2 = south + span / 6, north - span / 6
    if abs(lat_2 - lat_1) < 1e-6:
        lat_1, lat_2 = south - 0.5, north + 0.5
    return CRS.from_proj4(
        f"+proj=aea +lat_1={lat_1:.6f} +lat_2={lat_2:.6f} +lat_0={(south + north) / 2:.6f} "
        f"+lon_0={(west + east) / 2:.6f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
