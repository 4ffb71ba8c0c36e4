"""Maps: choropleths (one classification shared across years) and LISA cluster maps."""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict

import geopandas as gpd
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from pyproj import Transformer
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import (
    AlbersEqualAreaConversion,
    LambertCylindricalEqualAreaConversion,
)

from geoagglom.errors import InputError, format_ids
from geoagglom.measures.classify import classify
from geoagglom.plot.furniture import _place_furniture
from geoagglom.plot.style import (
    _BASEMAP_EDGE,
    _BASEMAP_FACE,
    _LISA_ALIASES,
    _LISA_ORDER,
    _MISSING_EDGE,
    _MISSING_FACE,
    _MISSING_HATCH,
    _REGION_EDGE,
    _UNIT_EDGE,
    LISA_COLORS,
    _draw_note,
    _new_figure,
    _numeric,
    _require_columns,
    _set_title,
    _Style,
)

# --------------------------------------------------------------------------- #
# Map helpers
# --------------------------------------------------------------------------- #


def _check_layer(layer, what="layer"):
    if isinstance(layer, gpd.GeoSeries):
        layer = layer.to_frame("geometry")
    if not isinstance(layer, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a GeoDataFrame, got {type(layer).__name__}.")
    if layer.crs is None:
        raise InputError(
            f"{what} has no CRS; set it first, e.g. layer.set_crs('EPSG:4326') for lon/lat."
        )
    if layer.index.has_duplicates:
        dup = layer.index[layer.index.duplicated()].unique()
        raise InputError(f"{what} has duplicated unit ids: {format_ids(dup)}.")
    geoms = layer.geometry
    bad = geoms.isna() | geoms.is_empty
    if bad.any():
        raise InputError(
            f"{what} has missing or empty geometries for units {format_ids(geoms.index[bad])}."
        )
    return layer


def _geometry_paths(geoms):
    """One compound matplotlib path per (multi)polygon, holes included (None for a
    geometry without a polygon), built for all the geometries at once."""
    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    # exteriors counter-clockwise, holes clockwise: the non-zero fill leaves holes empty
    parts = shapely.orient_polygons(parts[keep], exterior_cw=False)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    ends = np.cumsum(np.bincount(ring_of, minlength=len(rings)))
    codes[ends - np.diff(ends, prepend=0)] = MplPath.MOVETO
    codes[ends - 1] = MplPath.CLOSEPOLY
    # parts, rings and coordinates come in the order of the geometries
    bounds = np.searchsorted(owner[keep][ring_part][ring_of], np.arange(len(geoms) + 1))
    return [MplPath(xy[a:b], codes[a:b]) if b > a else None for a, b in itertools.pairwise(bounds)]


def _geometry_path(geom):
    """One compound matplotlib path for a (multi)polygon, holes included."""
    return _geometry_paths([geom])[0]


def _simplified(geoms, tolerance):
    """Geometries simplified for drawing; shared borders stay shared when they can."""
    geoms = np.asarray(geoms, dtype=object)
    if not tolerance:
        return geoms
    try:
        if bool(shapely.coverage_is_valid(geoms)):
            return np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
    except (shapely.errors.GEOSException, TypeError):  # not polygons, or not a coverage
        pass
    return np.asarray(shapely.simplify(geoms, tolerance, preserve_topology=True), dtype=object)


#: The drawn forms of the last few layers (projected, simplified, as paths): a study
#: draws the same units on several maps, and projecting and simplifying thousands of
#: outlines costs more than drawing them.
_DRAWN = OrderedDict()
_DRAWN_KEPT = 4


def _drawn(frame, geoms, build):
    """``build(projected geometries, tolerance)`` for ``geoms`` (a GeometryArray in the
    source CRS) drawn in ``frame``, from the cache when the same array (unchanged: same bounds and
    coordinate count) was drawn in the same CRS at the same tolerance."""
    key = (id(geoms), frame.crs.to_wkt(), frame.tolerance, build)
    stamp = (len(geoms), tuple(geoms.total_bounds), int(shapely.get_num_coordinates(geoms).sum()))
    hit = _DRAWN.get(key)
    if hit is not None and hit[0] is geoms and hit[1] == stamp:
        _DRAWN.move_to_end(key)
        return hit[2]
    crs = frame.source_crs if geoms.crs is None else geoms.crs
    projected = gpd.GeoSeries(geoms, crs=crs)
    projected = projected.to_crs(frame.crs).values if crs != frame.crs else geoms
    value = build(projected, frame.tolerance)
    _DRAWN[key] = (geoms, stamp, value)  # keeping geoms keeps its id from being reused
    while len(_DRAWN) > _DRAWN_KEPT:
        _DRAWN.popitem(last=False)
    return value


def _unit_geometries_and_paths(projected, tolerance):
    paths = _geometry_paths(_simplified(projected, tolerance))
    return projected, paths


def _unit_paths(layer, frame):
    """(the units' geometries in the frame's CRS, {unit id: path})."""
    projected, paths = _drawn(frame, layer.geometry.values, _unit_geometries_and_paths)
    bad = [uid for uid, path in zip(layer.index, paths, strict=True) if path is None]
    if bad:
        raise InputError(f"units {format_ids(bad)} have no polygon to draw.")
    return projected, dict(zip(layer.index, paths, strict=True))


def _region_segments(projected, tolerance):
    segments = []
    for geom in _simplified(projected, tolerance):
        boundary = shapely.boundary(geom) if geom.geom_type in ("Polygon", "MultiPolygon") else geom
        for part in shapely.get_parts(boundary):
            if part.geom_type in ("LineString", "LinearRing"):
                segments.append(np.asarray(part.coords)[:, :2])
    return segments


def _prepare_regions(regions, layer, frame):
    """The region outlines as line segments in the frame's CRS (None without regions)."""
    if regions is None:
        return None
    if isinstance(regions, str):
        if regions not in layer.columns:
            raise InputError(
                f"regions={regions!r} is not a column of the layer; pass a column naming each "
                "unit's region or a GeoDataFrame of region outlines."
            )
        regions = layer[[regions, layer.geometry.name]].dissolve(by=regions)
    regions = _check_layer(regions, "regions")
    return _drawn(frame, regions.geometry.values, _region_segments)


def _fitted_equal_area(geodetic, bounds):
    """An equal-area projection fitted to lon/lat ``bounds`` on the datum ``geodetic``.

    Albers conic, centred on the bounds, with its standard parallels at 1/6 and
    5/6 of their latitude range (the classic choice that spreads the scale error
    evenly); Lambert's cylindrical equal-area projection, true at the central
    latitude, for an area centred on the equator, where no cone fits.
    """
    minx, miny, maxx, maxy = bounds
    lon0 = 0.5 * (minx + maxx)
    lat0 = 0.5 * (miny + maxy)
    lat1 = miny + (maxy - miny) / 6.0
    lat2 = miny + 5.0 * (maxy - miny) / 6.0
    if abs(lat1 + lat2) < 1e-6:
        conversion = LambertCylindricalEqualAreaConversion(
            longitude_natural_origin=lon0, latitude_first_parallel=lat0
        )
    else:
        conversion = AlbersEqualAreaConversion(
            latitude_first_parallel=lat1,
            latitude_second_parallel=lat2,
            latitude_false_origin=lat0,
            longitude_false_origin=lon0,
        )
    return ProjectedCRS(conversion=conversion, geodetic_crs=geodetic)


class _MapFrame:
    """The drawing CRS and extent of a layer.

    A projected layer is drawn in its own CRS; a geographic (lon/lat) layer in an
    Albers equal-area projection fitted to the area shown (see
    :func:`_fitted_equal_area`), so that areas compare truly and a scale bar can
    be true. ``project`` brings the layer, its basemap and regions into it.
    """

    def __init__(self, layer, simplify=None, *, extent=None, basemap=None):
        self.source_crs = layer.crs
        self.geographic = bool(layer.crs.is_geographic)
        if extent is not None:
            shown = extent
        else:
            shown = tuple((basemap if basemap is not None else layer).total_bounds)
        if self.geographic:
            self.crs = _fitted_equal_area(layer.crs, shown)
        else:
            self.crs = layer.crs
        geodetic = self.crs.geodetic_crs
        self._to_lonlat = None
        if geodetic is not None:
            self._to_lonlat = Transformer.from_crs(self.crs, geodetic, always_xy=True)
            self.geod = self.crs.get_geod()
        self.unit_km = self.crs.axis_info[0].unit_conversion_factor / 1000.0
        if extent is not None and self.geographic:
            extent = Transformer.from_crs(layer.crs, self.crs, always_xy=True).transform_bounds(
                *extent, densify_pts=101
            )
        if extent is not None:
            minx, miny, maxx, maxy = extent
            padx = pady = 0.0
        else:
            shape = basemap if basemap is not None else layer
            minx, miny, maxx, maxy = self.project(shape).total_bounds
            padx, pady = 0.03 * (maxx - minx), 0.03 * (maxy - miny)
        self.xlim = (minx - padx, maxx + padx)
        self.ylim = (miny - pady, maxy + pady)
        self.aspect = 1.0
        if simplify is None:
            self.tolerance = max(maxx - minx, maxy - miny) / 2000.0
        elif simplify is False or simplify == 0:
            self.tolerance = 0.0
        elif isinstance(simplify, int | float) and simplify > 0:
            self.tolerance = float(simplify)
            if self.geographic:  # degrees → metres of the drawing CRS, at the equator
                self.tolerance *= math.radians(1.0) * self.crs.ellipsoid.semi_major_metre
        else:
            raise InputError(
                f"simplify={simplify!r} must be None (automatic), False (none) or a positive "
                "tolerance in the layer's units."
            )

    def project(self, frame):
        """A GeoDataFrame (or GeoSeries) in the drawing CRS."""
        if frame is None:
            return None
        return frame if frame.crs == self.crs else frame.to_crs(self.crs)

    @property
    def height_over_width(self):
        dx = self.xlim[1] - self.xlim[0]
        dy = self.ylim[1] - self.ylim[0]
        return dy * self.aspect / dx

    def ground_km(self, x0, x1, y, samples=256):
        """Length on the ellipsoid, in km, of the horizontal segment (x0, y)–(x1, y).

        The segment is drawn straight in the drawing CRS; its ground length is
        the sum of the geodesic lengths of ``samples`` pieces of it. A CRS
        without a datum falls back on its linear unit.
        """
        if self._to_lonlat is None:
            return abs(x1 - x0) * self.unit_km
        xs = np.linspace(x0, x1, samples + 1)
        lon, lat = self._to_lonlat.transform(xs, np.full_like(xs, y))
        return self.geod.line_length(lon, lat) / 1000.0

    def span_of(self, x0, y, km):
        """The x-length of a horizontal bar from (x0, y) whose ground length is ``km``."""
        span = km / self.unit_km  # nominal: the CRS's linear unit, converted
        if self._to_lonlat is None:
            return span
        for _ in range(60):  # the scale is nearly constant along a bar: a few steps do
            measured = self.ground_km(x0, x0 + span, y)
            span *= km / measured
            if abs(measured - km) <= 1e-13 * km:
                break
        return span

    def north(self, x, y):
        """Unit vector (east, north components in the drawing CRS) of true north at (x, y)."""
        if self._to_lonlat is None:
            return 0.0, 1.0
        lon, lat = self._to_lonlat.transform(x, y)
        step = 0.01 if lat < 89.0 else -0.01  # beyond the pole: measure southwards, reversed
        x2, y2 = self._to_lonlat.transform(lon, lat + step, direction="INVERSE")
        dx, dy = (x2 - x, y2 - y) if step > 0 else (x - x2, y - y2)
        length = math.hypot(dx, dy)
        return dx / length, dy / length

    def setup(self, ax):
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_aspect(self.aspect, adjustable="box")
        ax.set_axis_off()
        ax.geoagglom_crs = self.crs
        ax.geoagglom_frame = self


#: Above this many units, a map's unit fills are drawn as an image inside SVG and PDF
#: files (at the PNG's resolution; text, legend and outlines of regions stay vector):
#: thousands of vector outlines make files slow to write and to open.
MAX_VECTOR_UNITS = 1000


def _draw_units(ax, paths, ids, facecolors, *, gid="units", hatch=None, edgecolor=_UNIT_EDGE):
    """One collection of the units' outlines, in the order of ``ids``.

    ``facecolors`` is one colour or one per unit. The outlines are clipped to the
    map, so they take no part in the figure's layout.
    """
    collection = PathCollection(
        [paths[i] for i in ids],
        facecolors=mcolors.to_rgba_array(facecolors),
        edgecolors=edgecolor,
        linewidths=0.5,
        zorder=2,
    )
    collection.set_in_layout(False)
    collection.set_rasterized(len(paths) > MAX_VECTOR_UNITS)
    if hatch:
        collection.set_hatch(hatch)
    collection.set_gid(gid)
    collection.geoagglom_ids = list(ids)
    ax.add_collection(collection, autolim=False)
    return collection


def _draw_missing(ax, paths, ids):
    if len(ids) == 0:
        return None
    return _draw_units(
        ax, paths, ids, _MISSING_FACE, gid="missing", hatch=_MISSING_HATCH, edgecolor=_MISSING_EDGE
    )


def _missing_handle(style, count=None):
    label = style.t("missing") + ("" if count is None else f" ({count})")
    return Patch(
        facecolor=_MISSING_FACE, edgecolor=_MISSING_EDGE, hatch=_MISSING_HATCH, label=label
    )


def _draw_regions(ax, segments, linewidth=1.6):
    if segments is None:
        return None
    lines = LineCollection(segments, colors=_REGION_EDGE, linewidths=linewidth, zorder=4)
    lines.set_in_layout(False)
    lines.set_gid("regions")
    ax.add_collection(lines, autolim=False)
    return lines


def _region_handle(style):
    return Line2D([], [], color=_REGION_EDGE, linewidth=1.6, label=style.t("regions"))


def _check_basemap(basemap, layer):
    """The basemap in the layer's CRS, without missing or empty geometries."""
    if basemap is None:
        return None
    if isinstance(basemap, gpd.GeoSeries):
        basemap = basemap.to_frame("geometry")
    if not isinstance(basemap, gpd.GeoDataFrame):
        raise InputError(f"basemap must be a GeoDataFrame, got {type(basemap).__name__}.")
    if basemap.crs is None:
        raise InputError("basemap has no CRS; set it first, e.g. basemap.set_crs('EPSG:4326').")
    if basemap.crs != layer.crs:
        basemap = basemap.to_crs(layer.crs)
    geoms = basemap.geometry
    basemap = basemap[geoms.notna() & ~geoms.is_empty]
    if basemap.empty:
        raise InputError("basemap has no geometry to draw.")
    return basemap.reset_index(drop=True)


def _check_extent(extent):
    if extent is None:
        return None
    try:
        values = [float(v) for v in extent]
    except (TypeError, ValueError):
        values = []
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise InputError(
            f"extent={extent!r} must be four numbers (minx, miny, maxx, maxy) in the layer's CRS."
        )
    minx, miny, maxx, maxy = values
    if not (minx < maxx and miny < maxy):
        raise InputError(f"extent={extent!r} must have minx < maxx and miny < maxy.")
    return tuple(values)


def _draw_basemap(ax, basemap, tolerance):
    if basemap is None:
        return None
    geoms = _simplified(basemap.geometry.values, tolerance)
    paths = [p for p in _geometry_paths(geoms) if p is not None]
    collection = PathCollection(
        paths, facecolors=_BASEMAP_FACE, edgecolors=_BASEMAP_EDGE, linewidths=0.3, zorder=1
    )
    collection.set_in_layout(False)
    collection.set_rasterized(len(paths) > MAX_VECTOR_UNITS)
    collection.set_gid("basemap")
    ax.add_collection(collection, autolim=False)
    return collection


def _furniture_geoms(projected, basemap):
    geoms = [np.asarray(projected, dtype=object)]
    if basemap is not None:
        geoms.append(basemap.geometry.values)
    return np.concatenate(geoms)


# --------------------------------------------------------------------------- #
# Choropleth
# --------------------------------------------------------------------------- #


def _auto_formatter(edges):
    edges = np.asarray(edges, dtype=float)
    span = float(np.ptp(edges)) or float(np.max(np.abs(edges))) or 1.0
    decimals = int(min(max(3 - math.ceil(math.log10(span)), 0), 6))
    while decimals < 8:
        text = [f"{e:,.{decimals}f}" for e in edges]
        if len(set(text)) == len(text):
            break
        decimals += 1
    return lambda v: f"{v:,.{decimals}f}"


def _class_labels(classifier, lowest, fmt, counts):
    bins = np.asarray(classifier.bins, dtype=float)
    if fmt is None:
        fmt = _auto_formatter(np.concatenate([[lowest], bins]))
    elif isinstance(fmt, str):
        fmt = fmt.format
    labels = []
    for j, upper in enumerate(bins):
        if j == 0:
            label = f"{fmt(lowest)} – {fmt(upper)}" if lowest <= upper else f"≤ {fmt(upper)}"
        else:
            label = f"{fmt(bins[j - 1])} – {fmt(upper)}"
        if counts:
            label += f" ({int(classifier.counts[j])})"
        labels.append(label)
    return labels


def _class_colors(cmap, k):
    cmap = plt.get_cmap(cmap) if isinstance(cmap, str) else cmap
    if k == 1:
        return [mcolors.to_hex(cmap(0.5))]
    return [mcolors.to_hex(cmap(x)) for x in np.linspace(0.08, 1.0, k)]


def _choropleth_panels(layer, values, unit, year, value, years):
    """{year or None: Series of values indexed like ``layer``} and the value's name."""
    if isinstance(values, str):
        if years is not None:
            raise InputError("years= is only used when values is a long table with a year column.")
        if values not in layer.columns:
            raise InputError(f"values={values!r} is not a column of the layer.")
        return {None: _numeric(layer[values], f"column {values!r}")}, values
    if isinstance(values, pd.Series):
        if years is not None:
            raise InputError("years= is only used when values is a long table with a year column.")
        unknown = values.index.difference(layer.index)
        if len(unknown):
            raise InputError(
                f"values has unit ids that are not in the layer: {format_ids(unknown)}."
            )
        if values.index.has_duplicates:
            dup = values.index[values.index.duplicated()].unique()
            raise InputError(f"values has duplicated unit ids: {format_ids(dup)}.")
        name = values.name if values.name is not None else "value"
        return {None: _numeric(values.reindex(layer.index), f"values {name!r}")}, str(name)
    if not isinstance(values, pd.DataFrame):
        raise InputError(
            "values must be a column name of the layer, a Series indexed by unit id, or a long "
            f"DataFrame with unit, year and value columns; got {type(values).__name__}."
        )
    frame = values
    if unit not in frame.columns and frame.index.name == unit:
        frame = frame.reset_index()
    _require_columns(frame, [unit, year, value], "values")
    unknown = pd.Index(frame[unit].unique()).difference(layer.index)
    if len(unknown):
        raise InputError(
            f"values column {unit!r} has unit ids that are not in the layer: {format_ids(unknown)}."
        )
    dup = frame.duplicated([unit, year])
    if dup.any():
        pairs = list(zip(frame.loc[dup, unit], frame.loc[dup, year], strict=True))
        raise InputError(f"values has more than one row for (unit, year) {format_ids(pairs)}.")
    all_years = sorted(frame[year].unique())
    if years is None:
        years = all_years
    else:
        years = list(years)
        absent = [y for y in years if y not in set(all_years)]
        if absent:
            raise InputError(
                f"years {format_ids(absent)} are not in column {year!r}; "
                f"it has {format_ids(all_years)}."
            )
    panels = {}
    for y in years:
        rows = frame[frame[year] == y]
        series = pd.Series(rows[value].to_numpy(), index=rows[unit].to_numpy())
        panels[y] = _numeric(series, f"values column {value!r} in year {y}").reindex(layer.index)
    return panels, value


def choropleth(
    layer,
    values,
    *,
    scheme="quantiles",
    k=5,
    bins=None,
    years=None,
    regions=None,
    title=None,
    note=None,
    cmap="YlOrRd",
    lang="en",
    unit="unit",
    year="year",
    value="value",
    legend_title=None,
    counts=True,
    fmt=None,
    ncols=None,
    north_arrow=True,
    scale_bar=True,
    simplify=None,
    extent=None,
    basemap=None,
    legend_loc=None,
    ax=None,
):
    """Choropleth map of a measure, or small multiples of it, one map per year.

    One classification (:func:`geoagglom.measures.classify.classify`) is computed
    on the values of all the years drawn, pooled, so that a colour means the same
    range on every map; the figure has one legend for the whole series. Units without a value
    are hatched light grey and counted in the legend as "missing".

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The units, indexed by unit id, with a CRS. A projected layer is drawn
        in its own CRS; a lon/lat layer in an Albers equal-area projection
        fitted to the area shown (centred on it, standard parallels at 1/6 and
        5/6 of its latitude range). The axes keep that CRS as
        ``ax.geoagglom_crs``.
    values : str, pandas.Series or pandas.DataFrame
        A column of ``layer``; a Series indexed by unit id; or a long table
        with columns ``unit``, ``year`` and ``value`` (one map per year).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user_defined"}
        The classification, with mapclassify's cut-offs: those of ``Quantiles``,
        ``FisherJenks`` (deterministic natural breaks), ``EqualInterval`` or
        ``UserDefined``.
    k : int, default 5
        Number of classes (not used by ``"user_defined"``).
    bins : sequence of float, optional
        Upper bounds of the classes, for ``scheme="user_defined"`` (the
        maximum is added as a last class when it exceeds the last bound).
    years : sequence, optional
        The years to draw (default all the years of the table).
    regions : geopandas.GeoDataFrame or str, optional
        Region outlines drawn over the units as thick dark lines, or the name of
        a column of ``layer`` by which the units are dissolved into regions.
    title, note : str, optional
        Figure title; a note drawn in the bottom-right corner (e.g.
        ``"Illustrative data"``).
    cmap : str or matplotlib colormap, default "YlOrRd"
    lang : {"en", "zh"}, default "en"
    unit, year, value : str
        Column names of the long table.
    legend_title : str, optional
        Title of the legend (default: the value's name).
    counts : bool, default True
        Show the number of units (unit-years when pooled) in each class.
    fmt : str or callable, optional
        Format of the bin edges, e.g. ``"{:.2f}"`` (default: enough decimals to
        tell the edges apart).
    ncols : int, optional
        Columns of the small-multiple grid.
    north_arrow, scale_bar : bool, default True
        Draw them (on the first map of a series), each in a corner of the map
        where it covers no unit (nor the basemap, legend or note), or outside
        the map when no corner is free. The scale bar's length is computed for
        the map's final extent and is true where it is drawn: its ground length,
        measured along it on the CRS's ellipsoid, is the length it states.
    simplify : float or False, optional
        Tolerance (in the layer's units; degrees count as 111 km at the
        equator's scale for a lon/lat layer) to which the outlines are simplified
        for drawing, keeping shared borders shared; by default 1/2000 of the
        layer's extent, below what a printed map can show. False draws every
        vertex. The data are never changed.
    extent : (minx, miny, maxx, maxy), optional
        The area shown, in the layer's CRS (default: the basemap's, or else the
        layer's, bounds with a small margin); for a lon/lat layer, the bounds of
        that box in the drawing projection.
    basemap : geopandas.GeoDataFrame, optional
        Outlines drawn underneath in light grey (e.g. the whole country around
        the mapped units); it also sets the extent unless ``extent`` is given.
    legend_loc : str, optional
        Where the legend goes in a caller's axes (a matplotlib ``loc``, default
        "lower right"); a figure of our own puts it outside on the right.
    ax : matplotlib.axes.Axes, optional
        Draw a single map into this axes.

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_bins`` (the classes' upper bounds),
        ``geoagglom_classifier`` (the :class:`~geoagglom.measures.classify.Classes`),
        ``geoagglom_colors`` (one hex colour per class) and
        ``geoagglom_axes`` ({year: axes}; key None for a single map).

    Raises
    ------
    InputError
        For an unknown scheme or column, unit ids not in the layer, duplicated
        (unit, year) rows, non-numeric values, or no value at all.
    """
    style = _Style(lang)
    layer = _check_layer(layer)
    panels, value_name = _choropleth_panels(layer, values, unit, year, value, years)
    if ax is not None and len(panels) > 1:
        raise InputError(
            f"ax= draws a single map but values has {len(panels)} years; pass years=[one year] "
            "or let choropleth make the small-multiple figure."
        )
    pooled = np.concatenate([s.dropna().to_numpy() for s in panels.values()])
    if pooled.size == 0:
        raise InputError(f"values {value_name!r} has no non-missing value to map.")
    classifier = classify(pooled, scheme, k, bins)
    edges = np.asarray(classifier.bins, dtype=float)
    colors = _class_colors(cmap, len(edges))
    n = len(panels)
    basemap = _check_basemap(basemap, layer)
    frame = _MapFrame(layer, simplify, extent=_check_extent(extent), basemap=basemap)
    segments = _prepare_regions(regions, layer, frame)
    projected, paths = _unit_paths(layer, frame)
    basemap = frame.project(basemap)

    own = ax is None
    if own:
        ncols = ncols or (1 if n == 1 else min(n, 4 if n > 6 else 3))
        nrows = math.ceil(n / ncols)
        panel_w = 7.0 if n == 1 else 3.2
        panel_h = panel_w * frame.height_over_width + (0 if n == 1 else 0.3)
        legend_w = 2.4
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(ncols * panel_w + legend_w, nrows * panel_h + 0.8),
            layout="constrained",
            squeeze=False,
        )
        axes = list(axes.ravel())
        for extra in axes[n:]:
            extra.set_axis_off()
    else:
        fig, axes = ax.figure, [ax]

    axes_by_year = {}
    any_missing = 0
    for i, (key, series) in enumerate(panels.items()):
        a = axes[i]
        frame.setup(a)
        _draw_basemap(a, basemap, frame.tolerance)
        present = series.dropna()
        classes = np.asarray(classifier.find_bin(present.to_numpy()), dtype=int)
        _draw_units(a, paths, list(present.index), mcolors.to_rgba_array(colors)[classes])
        missing_ids = list(series.index[series.isna()])
        any_missing += len(missing_ids)
        _draw_missing(a, paths, missing_ids)
        _draw_regions(a, segments, 1.6 if n == 1 else 1.0)
        if key is not None and n > 1:
            a.set_title(str(key), fontsize=11, **style.kw)
        elif key is not None and title is None:
            a.set_title(str(key), fontsize=11, **style.kw)
        axes_by_year[key] = a

    lowest = float(np.min(pooled))
    labels = _class_labels(classifier, lowest, fmt, counts)
    handles = [
        Patch(facecolor=c, edgecolor="#666666", linewidth=0.5, label=lab)
        for c, lab in zip(colors, labels, strict=True)
    ]
    if any_missing:
        handles.append(_missing_handle(style, any_missing if counts else None))
    if segments is not None:
        handles.append(_region_handle(style))
    legend_kw = {
        "handles": handles,
        "title": legend_title if legend_title is not None else value_name,
        "frameon": False,
        "title_fontsize": 10,
    }
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    if own:
        legend = fig.legend(loc="outside right center", **legend_kw)
    else:
        legend = ax.legend(loc=legend_loc or "lower right", **legend_kw)
    if style.font:
        legend.get_title().set_fontfamily([style.font, "sans-serif"])
    legend.set_gid("classes")
    legend.geoagglom_bins = edges

    _set_title(fig, axes[0], title, style, own, suptitle=True)
    _draw_note(fig, note, style, axes[0], own, is_map=True)
    _place_furniture(
        axes[0],
        frame,
        style,
        _furniture_geoms(projected, basemap),
        north_arrow=north_arrow,
        scale_bar=scale_bar,
    )
    fig.geoagglom_bins = edges
    fig.geoagglom_classifier = classifier
    fig.geoagglom_colors = colors
    fig.geoagglom_axes = axes_by_year
    return fig


# --------------------------------------------------------------------------- #
# LISA cluster map
# --------------------------------------------------------------------------- #


def _lisa_codes(labels, layer):
    if isinstance(labels, str):
        if labels not in layer.columns:
            raise InputError(f"labels={labels!r} is not a column of the layer.")
        labels = layer[labels]
    if not isinstance(labels, pd.Series):
        raise InputError(
            "labels must be a Series indexed by unit id (or a column name), "
            f"got {type(labels).__name__}."
        )
    if labels.index.has_duplicates:
        dup = labels.index[labels.index.duplicated()].unique()
        raise InputError(f"labels has duplicated unit ids: {format_ids(dup)}.")
    unknown_ids = labels.index.difference(layer.index)
    if len(unknown_ids):
        raise InputError(
            f"labels has unit ids that are not in the layer: {format_ids(unknown_ids)}."
        )
    codes = {}
    bad = []
    for uid, lab in labels.items():
        if lab is None or (isinstance(lab, float) and math.isnan(lab)):
            continue
        code = _LISA_ALIASES.get(str(lab).strip().lower())
        if code is None:
            bad.append(uid)
        codes[uid] = code
    if bad:
        values = sorted({str(labels[u]) for u in bad})
        raise InputError(
            f"labels of units {format_ids(bad)} are not LISA classes ({format_ids(values)}); use "
            "HH, LH, LL, HL, ns (or high-high, low-high, low-low, high-low, not significant)."
        )
    return pd.Series(codes, dtype=object).reindex(layer.index)


def lisa_cluster_map(
    layer,
    labels,
    *,
    title=None,
    note=None,
    lang="en",
    regions=None,
    north_arrow=True,
    scale_bar=True,
    simplify=None,
    extent=None,
    basemap=None,
    legend_loc=None,
    class_names=None,
    ax=None,
):
    """LISA cluster map in the conventional GeoDa colours, with counts.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The units, indexed by unit id, with a CRS.
    labels : pandas.Series or str
        The LISA class of each unit, indexed by unit id: ``"HH"``, ``"LH"``,
        ``"LL"``, ``"HL"``, ``"ns"`` (also ``"high-high"``, ...,
        ``"not significant"``, case-insensitive); or a column of ``layer``.
        Units of the layer without a label are drawn as missing.
    title, note : str, optional
        Title (default "LISA cluster map"); note in the bottom-right corner.
    lang : {"en", "zh"}, default "en"
    regions : geopandas.GeoDataFrame or str, optional
        Region outlines drawn over the units (see :func:`choropleth`).
    north_arrow, scale_bar : bool, default True
        Placed where they cover no unit (see :func:`choropleth`).
    simplify : float or False, optional
        Drawing tolerance of the outlines (see :func:`choropleth`).
    extent, basemap, legend_loc : optional
        The area shown, outlines drawn underneath in light grey, and the
        legend's place in a caller's axes (see :func:`choropleth`).
    class_names : dict, optional
        Legend text of each class code (``{"HH": "High-High (spillover)", ...}``);
        default "High-High", "Low-High", "Low-Low", "High-Low", "Not significant".
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_counts`` ({class code: number of units}) and
        ``geoagglom_classes`` (each unit's class code, in the layer's order).

    Raises
    ------
    InputError
        For labels that are not LISA classes or unit ids not in the layer.
    """
    style = _Style(lang)
    layer = _check_layer(layer)
    codes = _lisa_codes(labels, layer)
    basemap = _check_basemap(basemap, layer)
    frame = _MapFrame(layer, simplify, extent=_check_extent(extent), basemap=basemap)
    segments = _prepare_regions(regions, layer, frame)
    projected, paths = _unit_paths(layer, frame)
    basemap = frame.project(basemap)
    fig, ax, own = _new_figure(ax, (7.0 + 2.6, 7.0 * frame.height_over_width + 0.9))
    frame.setup(ax)
    _draw_basemap(ax, basemap, frame.tolerance)
    present = codes.dropna()
    rgba = {c: mcolors.to_rgba(color) for c, color in LISA_COLORS.items()}
    _draw_units(ax, paths, list(present.index), [rgba[c] for c in present])
    missing_ids = list(codes.index[codes.isna()])
    _draw_missing(ax, paths, missing_ids)
    _draw_regions(ax, segments)

    counts = {c: int((present == c).sum()) for c in _LISA_ORDER}
    names = class_names or {}
    handles = [
        Patch(
            facecolor=LISA_COLORS[c],
            edgecolor="#666666",
            linewidth=0.5,
            label=f"{names.get(c, style.t(c))} ({counts[c]})",
        )
        for c in _LISA_ORDER
    ]
    if missing_ids:
        handles.append(_missing_handle(style, len(missing_ids)))
    if segments is not None:
        handles.append(_region_handle(style))
    legend_kw = {"handles": handles, "frameon": False}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    if own:
        legend = fig.legend(loc="outside right center", **legend_kw)
    else:
        legend = ax.legend(loc=legend_loc or "lower right", **legend_kw)
    legend.set_gid("classes")
    _set_title(fig, ax, style.t("lisa_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own, is_map=True)
    _place_furniture(
        ax,
        frame,
        style,
        _furniture_geoms(projected, basemap),
        north_arrow=north_arrow,
        scale_bar=scale_bar,
    )
    fig.geoagglom_counts = counts
    fig.geoagglom_classes = codes
    return fig
