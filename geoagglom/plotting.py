"""Maps and figures of a study, publication quality.

Every function takes plain (Geo)DataFrames or Series and column names, draws
with matplotlib and returns the :class:`matplotlib.figure.Figure`. The
figures are:

:func:`choropleth`
    A map of one measure, or one small-multiple map per year sharing a single
    classification (a mapclassify scheme computed on all years pooled) and a
    single legend; missing values are hatched and named in the legend; region
    outlines, a north arrow and a scale bar.
:func:`lisa_cluster_map`
    LISA classes (HH, LH, LL, HL, not significant) in the conventional GeoDa
    colours, with counts in the legend.
:func:`moran_scatterplot`
    The variable against its spatial lag with the fitted line, whose slope is
    Moran's I for row-standardised weights.
:func:`entropy_by_region`, :func:`gini_theil_series`, :func:`decomposition_bars`
    The time series and the within/between decomposition of the study.

Labels are in English by default; ``lang="zh"`` draws them in Chinese with an
installed CJK font, or warns (:class:`MissingCJKFontWarning`) and falls back to
English when there is none. Every function takes ``note=``, a line of text
drawn visibly on the figure (for example ``"Illustrative data"``).

:func:`save_figure` writes a figure as PNG and SVG atomically.

The classification, colours and drawn data are kept on the returned figure
(``fig.geoagglom_bins``, ``fig.geoagglom_classifier``, ``fig.geoagglom_counts``,
``fig.geoagglom_slope``) so that callers and tests can check what was drawn.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager, patheffects
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import Bbox

from geoagglom.errors import InputError, format_ids

with warnings.catch_warnings():
    # mapclassify says so on import when numba is absent; its pure-Python path is
    # fast enough for maps of a few hundred units.
    warnings.filterwarnings("ignore", message="Numba not installed")
    import mapclassify

__all__ = [
    "CJK_FONT_FAMILIES",
    "LISA_COLORS",
    "SCHEMES",
    "MissingCJKFontWarning",
    "choropleth",
    "decomposition_bars",
    "entropy_by_region",
    "find_cjk_font",
    "gini_theil_series",
    "lisa_cluster_map",
    "moran_scatterplot",
    "save_figure",
]

SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user_defined")

#: Conventional GeoDa colours of the LISA classes.
LISA_COLORS = {
    "HH": "#d7191c",
    "LL": "#2c7bb6",
    "LH": "#abd9e9",
    "HL": "#fdae61",
    "ns": "#d3d3d3",
}
_LISA_ORDER = ("HH", "HL", "LH", "LL", "ns")
_LISA_ALIASES = {
    "hh": "HH",
    "high-high": "HH",
    "spillover cluster": "HH",
    "lh": "LH",
    "low-high": "LH",
    "shadow": "LH",
    "ll": "LL",
    "low-low": "LL",
    "lagging cluster": "LL",
    "hl": "HL",
    "high-low": "HL",
    "siphoning core": "HL",
    "ns": "ns",
    "not significant": "ns",
}

#: Font families searched, in this order, for Chinese labels.
CJK_FONT_FAMILIES = (
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han Sans",
    "Source Han Serif",
    "WenQuanYi",
    "SimHei",
    "Microsoft YaHei",
    "PingFang",
    "Heiti",
    "STHeiti",
    "SimSun",
    "AR PL",
)

_MISSING_FACE = "#f2f2f2"
_MISSING_EDGE = "#9a9a9a"
_MISSING_HATCH = "////"
_UNIT_EDGE = "white"
_REGION_EDGE = "#1a1a1a"
_BASEMAP_FACE = "#e6e6e6"
_BASEMAP_EDGE = "white"
_KM_PER_DEGREE = 111.32

_TEXT = {
    "en": {
        "missing": "missing",
        "north": "N",
        "km": "km",
        "regions": "region boundary",
        "lisa_title": "LISA cluster map",
        "HH": "High-High (spillover cluster)",
        "LH": "Low-High (shadow)",
        "LL": "Low-Low (lagging cluster)",
        "HL": "High-Low (siphoning core)",
        "ns": "Not significant",
        "moran_title": "Moran scatterplot",
        "moran_x": "{name} (standardised)",
        "moran_x_raw": "{name}",
        "moran_y": "Spatial lag of {name}",
        "moran_I": "Moran's I = {I:.3f}",
        "moran_slope": "slope = {I:.3f}",
        "entropy_title": "Financial entropy by region",
        "entropy_y": "Financial entropy",
        "year": "Year",
        "gini_theil_title": "Gini and Theil indices",
        "gini": "Gini",
        "theil": "Theil",
        "decomp_title": "Within- and between-region shares of inequality",
        "within": "Within regions",
        "between": "Between regions",
        "share": "Share of total inequality",
    },
    "zh": {
        "missing": "缺失",
        "north": "北",
        "km": "km",
        "regions": "区域边界",
        "lisa_title": "LISA 聚类图",
        "HH": "高-高（溢出集聚）",
        "LH": "低-高（集聚阴影）",
        "LL": "低-低（滞后集聚）",
        "HL": "高-低（虹吸核心）",
        "ns": "不显著",
        "moran_title": "Moran 散点图",
        "moran_x": "{name}（标准化）",
        "moran_x_raw": "{name}",
        "moran_y": "{name}的空间滞后",
        "moran_I": "Moran's I = {I:.3f}",
        "moran_slope": "斜率 = {I:.3f}",
        "entropy_title": "各区域金融熵",
        "entropy_y": "金融熵",
        "year": "年份",
        "gini_theil_title": "基尼系数与泰尔指数",
        "gini": "基尼系数",
        "theil": "泰尔指数",
        "decomp_title": "区域内与区域间差异的贡献率",
        "within": "区域内",
        "between": "区域间",
        "share": "占总体差异的比重",
    },
}


# --------------------------------------------------------------------------- #
# Language and fonts
# --------------------------------------------------------------------------- #


class MissingCJKFontWarning(UserWarning):
    """Chinese labels were asked for but no CJK font is installed."""


def find_cjk_font():
    """Name of an installed font family that can draw Chinese, or None.

    Searches matplotlib's font list for the families in
    :data:`CJK_FONT_FAMILIES`, in that order.

    Returns
    -------
    str or None
        The family name as matplotlib knows it, e.g. ``"Noto Sans CJK SC"``.
    """
    names = sorted({entry.name for entry in font_manager.fontManager.ttflist})
    for wanted in CJK_FONT_FAMILIES:
        found = [name for name in names if name.lower().startswith(wanted.lower())]
        if found:
            # Pan-CJK families come in regional variants (HK, JP, KR, SC, TC) whose
            # glyph forms differ; the labels are Simplified Chinese.
            return min(found, key=_simplified_chinese_rank)
    return None


def _simplified_chinese_rank(name):
    """0 for a Simplified Chinese variant of a family, 1 for a neutral name, 2 for others."""
    words = name.replace("-", " ").split()
    last = words[-1].upper() if words else ""
    if last in ("SC", "CN", "GB", "SIMPLIFIED") or "SC" in words[1:]:
        return 0
    if last in ("HK", "TC", "JP", "KR", "TW", "J", "K"):
        return 2
    return 1


class _Style:
    """The language of the labels and the font keywords that go with it."""

    def __init__(self, lang):
        if lang not in _TEXT:
            raise InputError(
                f"lang={lang!r} is not supported; use 'en' (English) or 'zh' (Chinese)."
            )
        self.font = None
        if lang == "zh":
            self.font = find_cjk_font()
            if self.font is None:
                warnings.warn(
                    "Chinese labels were asked for (lang='zh') but no CJK font is installed, "
                    "so Chinese glyphs cannot be drawn; the figure uses English labels instead. "
                    "Install a CJK font, e.g. `sudo apt install fonts-noto-cjk` on Debian/Ubuntu "
                    "or `conda install -c conda-forge font-ttf-noto-cjk`, then clear matplotlib's "
                    "font cache (`rm -r ~/.cache/matplotlib`) so it is found.",
                    MissingCJKFontWarning,
                    stacklevel=3,
                )
                lang = "en"
        self.lang = lang

    def t(self, key, **fields):
        text = _TEXT[self.lang][key]
        return text.format(**fields) if fields else text

    @property
    def kw(self):
        """Keywords for text artists (font family when drawing Chinese)."""
        return {"fontfamily": [self.font, "sans-serif"]} if self.font else {}

    @property
    def prop(self):
        """``prop=`` for legends."""
        return {"family": [self.font, "sans-serif"]} if self.font else None

    def apply_ticks(self, ax):
        if self.font:
            for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
                label.set_fontfamily([self.font, "sans-serif"])


# --------------------------------------------------------------------------- #
# Shared helpers
# --------------------------------------------------------------------------- #


def _new_figure(ax, figsize):
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax, True


def _draw_note(fig, note, style, ax=None, own_figure=True, *, is_map=False):
    """Draw ``note`` visibly.

    In a figure of our own: in its bottom-right corner, in a strip kept free for
    it. In a caller's axes: a map gets it in its top-left corner (the north arrow
    is top right); a chart gets it above the axes on the right, its title moving
    to the left.
    """
    if note is None:
        return None
    note = str(note)
    kw = {"fontsize": 8.5, "style": "italic", "color": "#333333", "gid": "note", **style.kw}
    if own_figure:
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set"):
            try:
                engine.set(rect=(0, 0.045, 1, 0.955))
            except TypeError:  # pragma: no cover - layout engines without rect
                pass
        return fig.text(0.99, 0.008, note, ha="right", va="bottom", **kw)
    if is_map:
        return ax.text(0.01, 0.99, note, ha="left", va="top", transform=ax.transAxes, **kw)
    title = ax.get_title()
    if title:
        font = ax.title.get_fontproperties()
        ax.set_title("")
        ax.set_title(title, loc="left", fontproperties=font)
    return ax.text(1.0, 1.01, note, ha="right", va="bottom", transform=ax.transAxes, **kw)


def _set_title(fig, ax, title, style, own_figure, *, suptitle=False):
    if title is None:
        return
    if suptitle and own_figure:
        fig.suptitle(title, fontsize=13, **style.kw)
    else:
        ax.set_title(title, fontsize=12, **style.kw)


def _require_columns(frame, columns, what):
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} has no column(s) {format_ids(missing)}; "
            f"its columns are {format_ids(list(frame.columns))}."
        )


def _numeric(series, what):
    """``series`` as float, with an error naming the rows that are not numbers."""
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        raise InputError(
            f"{what} has values that are not numbers at {format_ids(series.index[bad])}: "
            f"{format_ids(series[bad].tolist(), limit=5)}."
        )
    values = values.astype(float)
    inf = np.isinf(values.to_numpy())
    if inf.any():
        raise InputError(f"{what} is infinite at {format_ids(series.index[inf])}.")
    return values


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


def _geometry_path(geom):
    """One compound matplotlib path for a (multi)polygon, holes included."""
    polygons = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    vertices, codes = [], []
    for polygon in polygons:
        polygon = shapely.geometry.polygon.orient(polygon, 1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _simplified(geoms, tolerance):
    """Geometries simplified for drawing; shared borders stay shared when they can."""
    geoms = np.asarray(geoms, dtype=object)
    if not tolerance:
        return geoms
    try:
        if bool(shapely.coverage_is_valid(geoms)):
            return np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
    except shapely.errors.GEOSException:  # pragma: no cover - depends on the data
        pass
    return np.asarray(shapely.simplify(geoms, tolerance, preserve_topology=True), dtype=object)


def _unit_paths(layer, tolerance=None):
    paths = {}
    bad = []
    for uid, geom in zip(layer.index, _simplified(layer.geometry.values, tolerance), strict=True):
        path = _geometry_path(geom)
        if path is None:
            bad.append(uid)
        paths[uid] = path
    if bad:
        raise InputError(f"units {format_ids(bad)} have no polygon to draw.")
    return paths


def _region_segments(regions, tolerance=None):
    segments = []
    for geom in _simplified(regions.geometry.values, tolerance):
        boundary = shapely.boundary(geom) if geom.geom_type in ("Polygon", "MultiPolygon") else geom
        for part in shapely.get_parts(boundary):
            if part.geom_type in ("LineString", "LinearRing"):
                segments.append(np.asarray(part.coords)[:, :2])
    return segments


def _prepare_regions(regions, layer, tolerance=None):
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
    if regions.crs != layer.crs:
        regions = regions.to_crs(layer.crs)
    return _region_segments(regions, tolerance)


class _MapFrame:
    """The drawing CRS and extent of a layer."""

    def __init__(self, layer, simplify=None, *, extent=None, basemap=None):
        self.crs = layer.crs
        self.geographic = bool(layer.crs.is_geographic)
        if extent is not None:
            minx, miny, maxx, maxy = extent
            padx = pady = 0.0
        else:
            bounds = (basemap if basemap is not None else layer).total_bounds
            minx, miny, maxx, maxy = bounds
            padx, pady = 0.03 * (maxx - minx), 0.03 * (maxy - miny)
        self.xlim = (minx - padx, maxx + padx)
        self.ylim = (miny - pady, maxy + pady)
        if self.geographic:
            self.mid_lat = 0.5 * (self.ylim[0] + self.ylim[1])
            self.aspect = 1.0 / math.cos(math.radians(self.mid_lat))
        else:
            self.mid_lat = None
            self.aspect = 1.0
            self.unit_km = layer.crs.axis_info[0].unit_conversion_factor / 1000.0
        if simplify is None:
            self.tolerance = max(maxx - minx, maxy - miny) / 2000.0
        elif simplify is False or simplify == 0:
            self.tolerance = 0.0
        elif isinstance(simplify, int | float) and simplify > 0:
            self.tolerance = float(simplify)
        else:
            raise InputError(
                f"simplify={simplify!r} must be None (automatic), False (none) or a positive "
                "tolerance in the layer's units."
            )

    @property
    def height_over_width(self):
        dx = self.xlim[1] - self.xlim[0]
        dy = self.ylim[1] - self.ylim[0]
        return dy * self.aspect / dx

    def km_per_x_unit(self, lat):
        if self.geographic:
            return _KM_PER_DEGREE * math.cos(math.radians(lat))
        return self.unit_km

    def setup(self, ax):
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_aspect(self.aspect, adjustable="box")
        ax.set_axis_off()


def _nice_length(target):
    """The largest 1, 2 or 5 × 10^k not above ``target`` (> 0)."""
    exponent = math.floor(math.log10(target))
    for mantissa in (5, 2, 1):
        length = mantissa * 10.0**exponent
        if length <= target:
            return length
    return 10.0 ** (exponent - 1) * 5  # pragma: no cover - unreachable


def _format_km(length):
    return f"{length:g}"


def _add_scale_bar(ax, frame, style, *, fraction=0.25, anchor=(0.05, 0.05)):
    """Draw a two-segment scale bar with its lower-left corner at ``anchor`` (axes fraction).

    The length is computed for the axes' current extent at the map's central
    latitude (1° of longitude = 111.32·cos(lat) km) and rounded down to 1, 2 or
    5 × 10^k km. Returns the info dict and the artists drawn.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = 0.5 * (y0 + y1)
    km_per_unit = frame.km_per_x_unit(lat)
    width_km = (x1 - x0) * km_per_unit
    length_km = _nice_length(fraction * width_km)
    length_x = length_km / km_per_unit
    left = x0 + anchor[0] * (x1 - x0)
    bottom = y0 + anchor[1] * (y1 - y0)
    height = 0.012 * (y1 - y0)
    artists = []
    for i in range(2):
        rect = Rectangle(
            (left + i * length_x / 2, bottom),
            length_x / 2,
            height,
            facecolor="black" if i == 0 else "white",
            edgecolor="black",
            linewidth=0.8,
            zorder=6,
            gid="scalebar",
            clip_on=False,
        )
        ax.add_patch(rect)
        artists.append(rect)
    text_kw = {
        "fontsize": 8,
        "zorder": 6,
        "gid": "scalebar-label",
        "path_effects": [patheffects.withStroke(linewidth=2.5, foreground="white")],
        **style.kw,
    }
    artists.append(ax.text(left, bottom + 1.8 * height, "0", ha="center", va="bottom", **text_kw))
    artists.append(
        ax.text(
            left + length_x,
            bottom + 1.8 * height,
            f"{_format_km(length_km)} {style.t('km')}",
            ha="center",
            va="bottom",
            **text_kw,
        )
    )
    info = {"length_km": length_km, "x0": left, "x1": left + length_x, "lat": lat}
    return info, artists


def _add_north_arrow(ax, style, *, anchor=(0.94, 0.84), size=0.1):
    """Draw a north arrow whose tail is at ``anchor`` (axes fraction); returns its artists."""
    x, y = anchor
    arrow = ax.annotate(
        "",
        xy=(x, y + size),
        xytext=(x, y),
        xycoords="axes fraction",
        arrowprops={
            "arrowstyle": "-|>,head_width=0.4,head_length=0.8",
            "color": "black",
            "lw": 1.6,
        },
        zorder=6,
        gid="north-arrow",
        annotation_clip=False,
    )
    label = ax.text(
        x,
        y + size + 0.01,
        style.t("north"),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=6,
        gid="north-arrow-label",
        **style.kw,
    )
    return [arrow, label]


_CORNERS = {
    "lower left": (0.0, 0.0),
    "lower right": (1.0, 0.0),
    "upper left": (0.0, 1.0),
    "upper right": (1.0, 1.0),
}


def _extent_of(artists, renderer):
    boxes = [a.get_window_extent(renderer) for a in artists]
    return Bbox.union([b for b in boxes if b.width > 0 or b.height > 0])


def _place_furniture(ax, frame, style, geoms, *, north_arrow, scale_bar, keep_free=()):
    """Draw the scale bar and the north arrow where they cover no drawn geometry.

    Each goes in the first corner of the map (scale bar: lower left, lower right,
    upper left, upper right; north arrow: upper right, upper left, lower right,
    lower left) where its bounding box intersects none of ``geoms`` (the units
    and the basemap, in data coordinates) nor the legend, texts, inset axes or
    the other piece; when no corner is free, it goes outside the axes (the
    scale bar below, the north arrow at the top right). The figure's layout is
    settled first so that the boxes are measured at their final size.

    Stores ``ax.geoagglom_scalebar`` (length, ends, latitude, corner) and
    ``ax.geoagglom_north_arrow`` (corner and bounding box in data coordinates).
    """
    if not (north_arrow or scale_bar):
        return
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    tree = shapely.STRtree(np.asarray(geoms, dtype=object))
    to_data = ax.transData.inverted()
    to_axes = ax.transAxes.inverted()
    taken = []
    legend = ax.get_legend()
    if legend is not None:
        taken.append(legend.get_window_extent(renderer))
    taken += [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    taken += [child.get_window_extent(renderer) for child in ax.child_axes]
    taken += list(keep_free)
    margin = 0.02

    def free(box):
        (x0, y0), (x1, y1) = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
        shape = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if len(tree.query(shape, predicate="intersects")):
            return False
        return not any(box.overlaps(other) for other in taken)

    def place(draw, order, outside):
        # Measure the piece once, then try it in each corner.
        _, probe = draw((0.5, 0.5))
        box = to_axes.transform_bbox(_extent_of(probe, renderer))
        for artist in probe:
            artist.remove()
        dx, dy = 0.5 - box.x0, 0.5 - box.y0
        for corner in order:
            cx, cy = _CORNERS[corner]
            x = margin if cx == 0 else 1 - margin - box.width
            y = margin if cy == 0 else 1 - margin - box.height
            info, artists = draw((x + dx, y + dy))
            extent = _extent_of(artists, renderer)
            if free(extent):
                taken.append(extent)
                return corner, info, artists, extent
            for artist in artists:
                artist.remove()
        x, y = outside(box)
        info, artists = draw((x + dx, y + dy))
        extent = _extent_of(artists, renderer)
        taken.append(extent)
        return "outside", info, artists, extent

    if scale_bar:

        def draw_bar(anchor):
            return _add_scale_bar(ax, frame, style, anchor=anchor)

        corner, info, _, _ = place(
            draw_bar,
            ("lower left", "lower right", "upper left", "upper right"),
            lambda box: (margin, -margin - box.height),
        )
        ax.geoagglom_scalebar = {**info, "corner": corner}
    if north_arrow:

        def draw_arrow(anchor):
            return None, _add_north_arrow(ax, style, anchor=anchor)

        corner, _, _, extent = place(
            draw_arrow,
            ("upper right", "upper left", "lower right", "lower left"),
            lambda box: (1 + margin, 1 - box.height),
        )
        (x0, y0), (x1, y1) = to_data.transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
        ax.geoagglom_north_arrow = {"corner": corner, "bbox": (x0, y0, x1, y1)}


def _draw_units(ax, paths, ids, facecolors, *, gid="units", hatch=None, edgecolor=_UNIT_EDGE):
    """One PatchCollection of units, in the order of ``ids``."""
    collection = PatchCollection(
        [PathPatch(paths[i]) for i in ids],
        match_original=False,
        facecolors=facecolors,
        edgecolors=edgecolor,
        linewidths=0.5,
        zorder=2,
    )
    if hatch:
        collection.set_hatch(hatch)
    collection.set_gid(gid)
    collection.geoagglom_ids = list(ids)
    ax.add_collection(collection)
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
    lines.set_gid("regions")
    ax.add_collection(lines)
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
    paths = [p for p in map(_geometry_path, geoms) if p is not None]
    collection = PatchCollection(
        [PathPatch(p) for p in paths],
        match_original=False,
        facecolors=_BASEMAP_FACE,
        edgecolors=_BASEMAP_EDGE,
        linewidths=0.3,
        zorder=1,
    )
    collection.set_gid("basemap")
    ax.add_collection(collection)
    return collection


def _furniture_geoms(layer, basemap):
    geoms = [layer.geometry.values]
    if basemap is not None:
        geoms.append(basemap.geometry.values)
    return np.concatenate(geoms)


# --------------------------------------------------------------------------- #
# Choropleth
# --------------------------------------------------------------------------- #


def _classify(pooled, scheme, k, bins):
    if scheme not in SCHEMES:
        raise InputError(f"scheme={scheme!r} is not known; use one of {format_ids(SCHEMES)}.")
    if scheme == "user_defined":
        if bins is None:
            raise InputError("scheme='user_defined' needs bins=, the upper bounds of the classes.")
        bins = np.asarray(bins, dtype=float)
        if bins.ndim != 1 or len(bins) == 0 or np.any(np.diff(bins) <= 0):
            raise InputError(f"bins={bins.tolist()} must be a non-empty, strictly increasing list.")
        return mapclassify.UserDefined(pooled, bins)
    if bins is not None:
        raise InputError(
            f"bins= is only used with scheme='user_defined' (scheme is {scheme!r}); "
            "drop bins or change the scheme."
        )
    if not isinstance(k, int | np.integer) or k < 2:
        raise InputError(f"k={k!r} must be an integer of at least 2 (the number of classes).")
    distinct = np.unique(pooled).size
    if distinct < k:
        raise InputError(
            f"k={k} classes asked for but the values take only {distinct} distinct value(s); "
            f"use k={max(distinct, 2)} or fewer, or scheme='user_defined'."
        )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        if scheme == "quantiles":
            return mapclassify.Quantiles(pooled, k=k)
        if scheme == "natural_breaks":
            return mapclassify.FisherJenks(pooled, k=k)
        return mapclassify.EqualInterval(pooled, k=k)


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

    One classification is computed with mapclassify on the values of all the
    years drawn, pooled, so that a colour means the same range on every map;
    the figure has one legend for the whole series. Units without a value
    are hatched light grey and counted in the legend as "missing".

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The units, indexed by unit id, with a CRS. Lon/lat layers are drawn
        with aspect 1/cos(central latitude); projected ones with equal axes.
    values : str, pandas.Series or pandas.DataFrame
        A column of ``layer``; a Series indexed by unit id; or a long table
        with columns ``unit``, ``year`` and ``value`` (one map per year).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user_defined"}
        The classification: :class:`mapclassify.Quantiles`,
        :class:`mapclassify.FisherJenks` (deterministic natural breaks),
        :class:`mapclassify.EqualInterval` or :class:`mapclassify.UserDefined`.
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
        the map's final extent.
    simplify : float or False, optional
        Tolerance (in the layer's units) to which the outlines are simplified
        for drawing, keeping shared borders shared; by default 1/2000 of the
        layer's extent, below what a printed map can show. False draws every
        vertex. The data are never changed.
    extent : (minx, miny, maxx, maxy), optional
        The area shown, in the layer's CRS (default: the basemap's, or else the
        layer's, bounds with a small margin).
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
        ``geoagglom_classifier`` (the fitted mapclassify classifier),
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
    classifier = _classify(pooled, scheme, k, bins)
    edges = np.asarray(classifier.bins, dtype=float)
    colors = _class_colors(cmap, len(edges))
    n = len(panels)
    basemap = _check_basemap(basemap, layer)
    frame = _MapFrame(layer, simplify, extent=_check_extent(extent), basemap=basemap)
    if simplify is None and n > 1:
        frame.tolerance *= 2  # small multiples are drawn at half the size
    segments = _prepare_regions(regions, layer, frame.tolerance)
    paths = _unit_paths(layer, frame.tolerance)

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
        _draw_units(a, paths, list(present.index), [colors[c] for c in classes])
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
        _furniture_geoms(layer, basemap),
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
            "HH, LH, LL, HL, ns or 'spillover cluster', 'shadow', 'lagging cluster', "
            "'siphoning core', 'not significant'."
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
    ax=None,
):
    """LISA cluster map in the conventional GeoDa colours, with counts.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The units, indexed by unit id, with a CRS.
    labels : pandas.Series or str
        The LISA class of each unit, indexed by unit id: ``"HH"``, ``"LH"``,
        ``"LL"``, ``"HL"``, ``"ns"``, or the study's names ``"spillover
        cluster"``, ``"shadow"``, ``"lagging cluster"``, ``"siphoning core"``,
        ``"not significant"`` (case-insensitive); or a column of ``layer``.
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
    segments = _prepare_regions(regions, layer, frame.tolerance)
    paths = _unit_paths(layer, frame.tolerance)
    fig, ax, own = _new_figure(ax, (7.0 + 2.6, 7.0 * frame.height_over_width + 0.9))
    frame.setup(ax)
    _draw_basemap(ax, basemap, frame.tolerance)
    present = codes.dropna()
    _draw_units(ax, paths, list(present.index), [LISA_COLORS[c] for c in present])
    missing_ids = list(codes.index[codes.isna()])
    _draw_missing(ax, paths, missing_ids)
    _draw_regions(ax, segments)

    counts = {c: int((present == c).sum()) for c in _LISA_ORDER}
    handles = [
        Patch(
            facecolor=LISA_COLORS[c],
            edgecolor="#666666",
            linewidth=0.5,
            label=f"{style.t(c)} ({counts[c]})",
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
        _furniture_geoms(layer, basemap),
        north_arrow=north_arrow,
        scale_bar=scale_bar,
    )
    fig.geoagglom_counts = counts
    fig.geoagglom_classes = codes
    return fig


# --------------------------------------------------------------------------- #
# Moran scatterplot
# --------------------------------------------------------------------------- #


def _align_pair(y, lag):
    if isinstance(y, pd.Series) and isinstance(lag, pd.Series):
        if not y.index.equals(lag.index):
            if set(y.index) != set(lag.index) or y.index.has_duplicates:
                only = y.index.symmetric_difference(lag.index)
                raise InputError(
                    "y and lag are not indexed by the same units; "
                    f"differing ids: {format_ids(only)}."
                )
            lag = lag.reindex(y.index)
        index = y.index
    elif isinstance(y, pd.Series):
        index = y.index
    elif isinstance(lag, pd.Series):
        index = lag.index
    else:
        index = None
    y_arr = np.asarray(y, dtype=float).ravel()
    lag_arr = np.asarray(lag, dtype=float).ravel()
    if y_arr.shape != lag_arr.shape:
        raise InputError(f"y has {y_arr.size} values but lag has {lag_arr.size}; they must match.")
    if index is None:
        index = pd.RangeIndex(y_arr.size)
    for name, arr in (("y", y_arr), ("lag", lag_arr)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"{name} is missing or not finite at {format_ids(index[bad])}.")
    if y_arr.size < 3:
        raise InputError(f"a Moran scatterplot needs at least 3 units; got {y_arr.size}.")
    return y_arr, lag_arr, index


def moran_scatterplot(
    y,
    lag,
    *,
    standardize=True,
    title=None,
    note=None,
    labels=None,
    name=None,
    lang="en",
    ax=None,
):
    """Moran scatterplot: each unit's value against its neighbours' (its spatial lag).

    With ``standardize=True`` the values are z-scores, ``z = (y - mean) / sd``
    (population sd), and the lag is put on the same scale, ``(lag - mean) / sd``
    — which is the lag of ``z`` when the weights are row-standardised. The
    slope of the fitted line is then Moran's I.

    Parameters
    ----------
    y, lag : array-like or pandas.Series
        The variable and its spatial lag (``W @ y``), same units in the same
        order (Series are aligned on their index).
    standardize : bool, default True
        Plot z-scores (quadrant lines at 0). If False, raw values are plotted
        with quadrant lines at the mean of ``y``, and the slope is that of the
        least-squares line of ``lag`` on ``y``.
    title, note : str, optional
    labels : sequence or pandas.Series, optional
        A text label for each point (a Series is aligned to ``y``'s index).
    name : str, optional
        The variable's name for the axis labels (default: ``y``'s name or "y").
    lang : {"en", "zh"}, default "en"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_slope`` (the fitted slope; Moran's I when
        standardised with row-standardised weights) and ``geoagglom_points``
        (the plotted x and y arrays).
    """
    style = _Style(lang)
    if name is None:
        name = y.name if isinstance(y, pd.Series) and y.name is not None else "y"
    y_arr, lag_arr, index = _align_pair(y, lag)
    mean = y_arr.mean()
    sd = y_arr.std()
    if standardize:
        if sd == 0:
            raise InputError("y is constant, so it cannot be standardised (its sd is 0).")
        x_plot = (y_arr - mean) / sd
        y_plot = (lag_arr - mean) / sd
        centre = (0.0, 0.0)
    else:
        x_plot, y_plot = y_arr, lag_arr
        centre = (mean, mean)
    xc = x_plot - x_plot.mean()
    slope = float(np.dot(xc, y_plot - y_plot.mean()) / np.dot(xc, xc))
    intercept = float(y_plot.mean() - slope * x_plot.mean())

    fig, ax, own = _new_figure(ax, (6.0, 5.6))
    ax.scatter(
        x_plot,
        y_plot,
        s=28,
        color="#3b6ea8",
        edgecolor="white",
        linewidth=0.5,
        zorder=3,
        gid="points",
    )
    ext_x = 1.2 * max(np.max(np.abs(x_plot - centre[0])), 1e-12)
    ext_y = 1.2 * max(np.max(np.abs(y_plot - centre[1])), 1e-12)
    ax.set_xlim(centre[0] - ext_x, centre[0] + ext_x)
    ax.set_ylim(centre[1] - ext_y, centre[1] + ext_y)
    ax.axvline(centre[0], color="#777777", linewidth=0.8, zorder=1, gid="quadrant-x")
    ax.axhline(centre[1], color="#777777", linewidth=0.8, zorder=1, gid="quadrant-y")
    xs = np.array(ax.get_xlim())
    label = style.t("moran_I" if standardize else "moran_slope", I=slope)
    ax.plot(
        xs, intercept + slope * xs, color="#c0392b", linewidth=1.6, zorder=2, gid="fit", label=label
    )
    corner_kw = {
        "transform": ax.transAxes,
        "fontsize": 11,
        "fontweight": "bold",
        "color": "#555555",
    }
    for text, (cx, cy, ha, va) in {
        "HH": (0.97, 0.97, "right", "top"),
        "LH": (0.03, 0.97, "left", "top"),
        "LL": (0.03, 0.03, "left", "bottom"),
        "HL": (0.97, 0.03, "right", "bottom"),
    }.items():
        ax.text(cx, cy, text, ha=ha, va=va, gid=f"quadrant-{text}", **corner_kw)
    if labels is not None:
        if isinstance(labels, pd.Series) and isinstance(y, pd.Series):
            absent = index.difference(labels.index)
            if len(absent):
                raise InputError(f"labels has no entry for units {format_ids(absent)}.")
            labels = labels.reindex(index)
        labels = list(labels)
        if len(labels) != len(x_plot):
            raise InputError(
                f"labels has {len(labels)} entries but there are {len(x_plot)} points."
            )
        for px, py, text in zip(x_plot, y_plot, labels, strict=True):
            ax.annotate(
                str(text),
                (px, py),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7.5,
                color="#333333",
                **style.kw,
            )
    key = "moran_x" if standardize else "moran_x_raw"
    ax.set_xlabel(style.t(key, name=name), **style.kw)
    ax.set_ylabel(style.t("moran_y", name=name), **style.kw)
    legend_kw = {"loc": "upper center", "frameon": False}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    ax.legend(**legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, style.t("moran_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_slope = slope
    fig.geoagglom_points = (x_plot, y_plot)
    return fig


# --------------------------------------------------------------------------- #
# Time series and decomposition bars
# --------------------------------------------------------------------------- #


def _check_unique(frame, keys, what):
    dup = frame.duplicated(keys)
    if dup.any():
        rows = frame.loc[dup, keys].drop_duplicates()
        pairs = [tuple(r) if len(keys) > 1 else r[0] for r in rows.itertuples(index=False)]
        raise InputError(
            f"{what} has more than one row for {' and '.join(keys)} {format_ids(pairs)}."
        )


def _year_axis(ax, style):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(style.t("year"), **style.kw)
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def entropy_by_region(
    frame,
    year="year",
    region="region",
    value="entropy",
    *,
    title=None,
    note=None,
    ylabel=None,
    reference=1.0,
    lang="en",
    ax=None,
):
    """Time series of a measure by region, one line per region.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with one row per region and year.
    year, region, value : str
        Its column names.
    title, note : str, optional
    ylabel : str, optional
        Default "Financial entropy".
    reference : float or None, default 1.0
        A dashed horizontal reference line (entropy 1 = as dense as the whole
        study region); None draws none.
    lang : {"en", "zh"}, default "en"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The lines carry the region names as labels and gids, in the order the
        regions first appear in ``frame``.
    """
    style = _Style(lang)
    _require_columns(frame, [year, region, value], "frame")
    _check_unique(frame, [region, year], "frame")
    values = _numeric(frame[value], f"column {value!r}")
    fig, ax, own = _new_figure(ax, (8.0, 4.8))
    markers = "osD^v<>ph*"
    for i, reg in enumerate(pd.unique(frame[region])):
        rows = frame[frame[region] == reg].sort_values(year)
        ax.plot(
            rows[year].to_numpy(),
            values.loc[rows.index].to_numpy(),
            marker=markers[i % len(markers)],
            markersize=4,
            linewidth=1.6,
            label=str(reg),
            gid=str(reg),
        )
    if reference is not None:
        ax.axhline(
            reference, color="#555555", linestyle="--", linewidth=0.9, zorder=1, gid="reference"
        )
    _year_axis(ax, style)
    ax.set_ylabel(style.t("entropy_y") if ylabel is None else ylabel, **style.kw)
    legend_kw = {"frameon": False}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    if own:
        fig.legend(loc="outside right center", **legend_kw)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), **legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, style.t("entropy_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    return fig


def gini_theil_series(
    frame,
    year="year",
    gini="gini",
    theil="theil",
    *,
    twin=None,
    title=None,
    note=None,
    lang="en",
    ax=None,
):
    """Gini and Theil indices over the years.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with one row per year.
    year, gini, theil : str
        Its column names.
    twin : bool, optional
        Draw the Theil index on a second y axis. By default the axes are twinned
        when the two series' maxima differ by more than a factor of 2.
    title, note : str, optional
    lang : {"en", "zh"}, default "en"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_lines`` ({"gini": Line2D, "theil": Line2D}).
    """
    style = _Style(lang)
    _require_columns(frame, [year, gini, theil], "frame")
    _check_unique(frame, [year], "frame")
    rows = frame.sort_values(year)
    years = rows[year].to_numpy()
    g = _numeric(rows[gini], f"column {gini!r}").to_numpy()
    t = _numeric(rows[theil], f"column {theil!r}").to_numpy()
    if twin is None:
        gmax, tmax = np.nanmax(np.abs(g)), np.nanmax(np.abs(t))
        twin = bool(min(gmax, tmax) == 0 or max(gmax, tmax) / min(gmax, tmax) > 2)
    fig, ax, own = _new_figure(ax, (7.5, 4.5))
    line_g = ax.plot(
        years,
        g,
        marker="o",
        markersize=4,
        linewidth=1.8,
        color="#1f4e79",
        label=style.t("gini"),
        gid="gini",
    )[0]
    ax_t = ax.twinx() if twin else ax
    line_t = ax_t.plot(
        years,
        t,
        marker="s",
        markersize=4,
        linewidth=1.8,
        color="#c55a11",
        linestyle="--",
        label=style.t("theil"),
        gid="theil",
    )[0]
    _year_axis(ax, style)
    if twin:
        ax.set_ylabel(style.t("gini"), color=line_g.get_color(), **style.kw)
        ax_t.set_ylabel(style.t("theil"), color=line_t.get_color(), **style.kw)
        ax_t.spines["right"].set_visible(True)
        ax_t.spines["top"].set_visible(False)
        style.apply_ticks(ax_t)
    else:
        ax.set_ylabel(f"{style.t('gini')} / {style.t('theil')}", **style.kw)
    legend_kw = {"handles": [line_g, line_t], "frameon": False, "loc": "best"}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    ax.legend(**legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, style.t("gini_theil_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_lines = {"gini": line_g, "theil": line_t}
    return fig


def _bar_width(years):
    """0.7 of the smallest spacing between the years (0.7 for one year or labels)."""
    if len(years) < 2 or not np.issubdtype(np.asarray(years).dtype, np.number):
        return 0.7
    return 0.7 * float(np.min(np.diff(np.asarray(years, dtype=float))))


def decomposition_bars(
    frame,
    year="year",
    within_share="within_share",
    between_share="between_share",
    *,
    title=None,
    note=None,
    lang="en",
    annotate=True,
    ax=None,
    atol=1e-6,
):
    """Stacked bars of the within- and between-group shares of inequality, by year.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with one row per year.
    year, within_share, between_share : str
        Its column names; the shares are fractions that must add up to 1.
    title, note : str, optional
    lang : {"en", "zh"}, default "en"
    annotate : bool, default True
        Write the percentages on the bars.
    ax : matplotlib.axes.Axes, optional
    atol : float, default 1e-6
        Tolerance of the check that the shares add up to 1.

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_bars`` ({"within": BarContainer, "between": BarContainer}).
        The bars are 0.7 times as wide as the smallest spacing between the years
        (e.g. 7 years wide for decade years), so they stay bars at any spacing.

    Raises
    ------
    InputError
        If a year's shares do not add up to 1 (naming the years), or are
        missing or negative.
    """
    style = _Style(lang)
    _require_columns(frame, [year, within_share, between_share], "frame")
    _check_unique(frame, [year], "frame")
    rows = frame.sort_values(year)
    years = rows[year].to_numpy()
    w = _numeric(rows[within_share], f"column {within_share!r}").to_numpy()
    b = _numeric(rows[between_share], f"column {between_share!r}").to_numpy()
    bad = ~np.isfinite(w) | ~np.isfinite(b) | (w < -atol) | (b < -atol)
    if bad.any():
        raise InputError(
            f"shares are missing or negative in years {format_ids(years[bad])} "
            f"(columns {within_share!r}, {between_share!r})."
        )
    off = np.abs(w + b - 1.0) > atol
    if off.any():
        sums = ", ".join(f"{y}: {s:.6g}" for y, s in zip(years[off], (w + b)[off], strict=True))
        raise InputError(
            f"columns {within_share!r} + {between_share!r} must add up to 1 in every year; they do "
            f"not in {sums}. Pass shares as fractions (not percentages) of the total."
        )
    width = _bar_width(years)
    fig, ax, own = _new_figure(ax, (max(6.0, 0.5 * len(years) + 2.5), 4.5))
    bars_w = ax.bar(years, w, width=width, color="#4f81bd", label=style.t("within"), gid="within")
    bars_b = ax.bar(
        years, b, width=width, bottom=w, color="#f0a35e", label=style.t("between"), gid="between"
    )
    if annotate:
        for vals, base in ((w, np.zeros_like(w)), (b, w)):
            for x, v, y0 in zip(years, vals, base, strict=True):
                if v >= 0.06:
                    ax.text(
                        x,
                        y0 + v / 2,
                        f"{100 * v:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="#1a1a1a",
                    )
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years], rotation=45 if len(years) > 8 else 0)
    ax.set_xlabel(style.t("year"), **style.kw)
    ax.set_ylabel(style.t("share"), **style.kw)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend_kw = {
        "frameon": False,
        "loc": "outside right center" if own else "upper left",
    }
    if not own:
        legend_kw["bbox_to_anchor"] = (1.0, 1.0)
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    if own:
        fig.legend(handles=[bars_w, bars_b], **legend_kw)
    else:
        ax.legend(handles=[bars_w, bars_b], **legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, style.t("decomp_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_bars = {"within": bars_w, "between": bars_b}
    return fig


# --------------------------------------------------------------------------- #
# Saving
# --------------------------------------------------------------------------- #


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_figure(fig, path_stem, *, dpi=200, formats=("png", "svg")):
    """Write a figure as PNG and SVG, atomically.

    Each file is first written to a temporary file in the target folder and
    moved into place with :func:`os.replace` only once every format has been
    written, so an error leaves neither a partial file nor a temporary one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or pathlib.Path
        The path without extension, e.g. ``out/lisa_2016``; its folder must
        exist.
    dpi : int, default 200
        Resolution of the PNG.
    formats : sequence of str, default ("png", "svg")

    Returns
    -------
    tuple of pathlib.Path
        The written files, in the order of ``formats``.
    """
    stem = Path(path_stem)
    folder = stem.parent
    if not folder.is_dir():
        raise InputError(
            f"cannot save figure {stem.name!r}: folder {str(folder)!r} does not exist."
        )
    targets = [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]
    temps = []
    try:
        for fmt in formats:
            fd, tmp = tempfile.mkstemp(prefix=f".{stem.name}.", suffix=f".{fmt}.tmp", dir=folder)
            os.close(fd)
            temps.append(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
            metadata = {"Date": None} if fmt in ("svg", "pdf") else None
            with plt.rc_context({"svg.hashsalt": "geoagglom"}):
                fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise
    return tuple(targets)
