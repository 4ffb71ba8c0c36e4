"""Map furniture: the scale bar and the north arrow, placed clear of the data."""

from __future__ import annotations

import math

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox


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

    The length is a round 1, 2 or 5 × 10^k km not above ``fraction`` of the
    map's ground width at the bar's height. The bar is then drawn as long as it
    is on the ground where it stands: its x-span is solved so that its length
    measured along it on the ellipsoid (``frame.ground_km``) is the stated
    length. Returns the info dict and the artists drawn.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bottom = y0 + anchor[1] * (y1 - y0)
    left = x0 + anchor[0] * (x1 - x0)
    width_km = frame.ground_km(x0, x1, bottom)
    length_km = _nice_length(fraction * width_km)
    length_x = frame.span_of(left, bottom, length_km)
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
    info = {"length_km": length_km, "x0": left, "x1": left + length_x, "y": bottom}
    return info, artists


def _add_north_arrow(ax, style, *, anchor=(0.94, 0.84), size=0.1, frame=None):
    """Draw a north arrow whose tail is at ``anchor`` (axes fraction); returns its artists.

    With ``frame`` the arrow points to true north at its tail (the meridian's
    direction in the drawing CRS there, which turns away from "up" off a conic
    projection's central meridian); without, straight up. ``size`` is its length
    as a fraction of the axes' height. The arrow is a polygon in data
    coordinates (equal aspect: its shape is not distorted), so that its
    measured extent is the drawn one.
    """
    x, y = anchor
    tail = ax.transData.inverted().transform(ax.transAxes.transform((x, y)))
    east, north = frame.north(*tail) if frame is not None else (0.0, 1.0)
    length = size * (ax.get_ylim()[1] - ax.get_ylim()[0])
    arrow = FancyArrow(
        tail[0],
        tail[1],
        east * length,
        north * length,
        width=0.05 * length,
        head_width=0.28 * length,
        head_length=0.32 * length,
        length_includes_head=True,
        color="black",
        linewidth=0,
        zorder=6,
        gid="north-arrow",
        clip_on=False,
    )
    ax.add_patch(arrow)
    tip = (tail[0] + east * length, tail[1] + north * length)
    arrow.geoagglom_tail, arrow.geoagglom_tip = tuple(tail), tip
    head = ax.transAxes.inverted().transform(ax.transData.transform(tip))
    label = ax.text(
        head[0],
        head[1] + 0.01,
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

    Stores ``ax.geoagglom_scalebar`` (length in km, ends ``x0``, ``x1`` and height ``y``
    of its lower edge in the drawing CRS, corner) and
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
            return None, _add_north_arrow(ax, style, anchor=anchor, frame=frame)

        corner, _, _, extent = place(
            draw_arrow,
            ("upper right", "upper left", "lower right", "lower left"),
            lambda box: (1 + margin, 1 - box.height),
        )
        (x0, y0), (x1, y1) = to_data.transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
        ax.geoagglom_north_arrow = {"corner": corner, "bbox": (x0, y0, x1, y1)}
