"""Maps of spatial-model results: the spillover of a change at one unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch

from geoagglom.errors import InputError, format_ids
from geoagglom.plot.maps import _check_layer, _geometry_path, choropleth

__all__ = ["unit_effect_map"]


def unit_effect_map(
    layer,
    effect_frame,
    *,
    value="effect",
    scheme="quantiles",
    k=5,
    cmap="PuRd",
    mark_insignificant=True,
    title=None,
    note=None,
    lang="en",
    ax=None,
    **kwargs,
):
    """Map the effect on every unit of a change in a regressor at one unit.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The units, indexed by unit id, with a CRS (the model's units).
    effect_frame : pandas.DataFrame
        The frame of :meth:`geoagglom.SpatialModel.unit_effect` (indexed by unit id,
        with ``effect`` and, with draws, ``ci_lower``/``ci_upper``).
    value : str, default "effect"
        The column to map (``"effect"`` or ``"sim_mean"``).
    scheme, k, cmap :
        Classification and colours (see :func:`geoagglom.plot.choropleth`).
    mark_insignificant : bool, default True
        Hatch the units whose simulation interval contains 0 (needs draws).
    title, note, lang, ax :
        As :func:`geoagglom.plot.choropleth`; further keywords are passed to it.

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_focal`` (the changed unit) and ``geoagglom_insignificant``
        (ids of the hatched units) besides the choropleth's attributes.

    Examples
    --------
    >>> fig = unit_effect_map(layer, fit.unit_effect("x", 370100))  # doctest: +SKIP
    """
    layer = _check_layer(layer)
    if not isinstance(effect_frame, pd.DataFrame) or value not in effect_frame.columns:
        raise InputError(
            f"effect_frame must be the frame of SpatialModel.unit_effect with a {value!r} column."
        )
    unknown = effect_frame.index.difference(layer.index)
    if len(unknown):
        raise InputError(f"effect_frame has units not in the layer: {format_ids(unknown)}.")
    focal = effect_frame.attrs.get("unit")
    if focal is None:
        zero = effect_frame.index[effect_frame.get("order", pd.Series(dtype=int)) == 0]
        focal = zero[0] if len(zero) else None
    regressor = effect_frame.attrs.get("regressor", "x")
    if title is None:
        title = (
            f"Effect of a change in {regressor} at {focal}"
            if lang == "en"
            else f"{focal} 的 {regressor} 变化的影响"
        )
    fig = choropleth(
        layer,
        effect_frame[value],
        scheme=scheme,
        k=k,
        cmap=cmap,
        title=title,
        note=note,
        lang=lang,
        legend_title=kwargs.pop("legend_title", value),
        ax=ax,
        **kwargs,
    )
    axis = fig.axes[0] if ax is None else ax
    drawn = axis.geoagglom_frame.project(layer.geometry)  # the map's drawing CRS
    handles = []
    insignificant = []
    if mark_insignificant and {"ci_lower", "ci_upper"} <= set(effect_frame.columns):
        lo, hi = effect_frame["ci_lower"], effect_frame["ci_upper"]
        insignificant = list(effect_frame.index[(lo <= 0) & (hi >= 0)])
        patches = [PathPatch(_geometry_path(drawn.loc[u])) for u in insignificant]
        if patches:
            coll = PatchCollection(
                patches, facecolor="none", edgecolor="0.35", hatch="///", linewidth=0, zorder=3
            )
            coll.set_gid("insignificant")
            axis.add_collection(coll)
            label = "interval contains 0" if lang == "en" else "区间含 0"
            handles.append(Patch(facecolor="none", edgecolor="0.35", hatch="///", label=label))
    if focal is not None and focal in layer.index:
        path = _geometry_path(drawn.loc[focal])
        patch = PathPatch(path, facecolor="none", edgecolor="black", linewidth=2.2, zorder=4)
        patch.set_gid("focal-unit")
        axis.add_patch(patch)
        label = f"changed unit ({focal})" if lang == "en" else f"变化单元 ({focal})"
        handles.append(Line2D([], [], color="black", linewidth=2.2, label=label))
    if handles and ax is None:
        # beside the map, under the classes: never over the scale bar or the units
        fig.legend(handles=handles, loc="outside right lower", fontsize=8, frameon=False)
    elif handles:
        old = axis.get_legend()
        axis.legend(handles=handles, loc="lower left", fontsize=8, frameon=True)
        if old is not None:
            axis.add_artist(old)
    fig.geoagglom_focal = focal
    fig.geoagglom_insignificant = insignificant
    fig.geoagglom_effect = np.asarray(effect_frame[value], dtype=float)
    return fig
