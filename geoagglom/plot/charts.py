"""Charts: Moran scatterplots (univariate and bivariate), time series and decomposition bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, PercentFormatter

from geoagglom.errors import InputError, format_ids
from geoagglom.plot.style import (
    _draw_note,
    _new_figure,
    _numeric,
    _require_columns,
    _set_title,
    _Style,
)

# --------------------------------------------------------------------------- #
# Moran scatterplot
# --------------------------------------------------------------------------- #


def _align_pair(y, lag, names=("y", "lag")):
    first, second = names
    if isinstance(y, pd.Series) and isinstance(lag, pd.Series):
        if not y.index.equals(lag.index):
            if set(y.index) != set(lag.index) or y.index.has_duplicates:
                only = y.index.symmetric_difference(lag.index)
                raise InputError(
                    f"{first} and {second} are not indexed by the same units; "
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
        raise InputError(
            f"{first} has {y_arr.size} values but {second} has {lag_arr.size}; they must match."
        )
    if index is None:
        index = pd.RangeIndex(y_arr.size)
    for name, arr in ((first, y_arr), (second, lag_arr)):
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
    label = "moran_I" if standardize else "moran_slope"
    fig = _lag_scatter(
        x_plot,
        y_plot,
        centre,
        lambda b: style.t(label, I=b),
        style.t("moran_x" if standardize else "moran_x_raw", name=name),
        style.t("moran_y", name=name),
        labels=_point_labels(labels, y, index, len(x_plot)),
        style=style,
        title=style.t("moran_title") if title is None else title,
        note=note,
        ax=ax,
    )
    return fig


def _point_labels(labels, y, index, n):
    """Labels as a list in the points' order (a Series aligned on ``y``'s units)."""
    if labels is None:
        return None
    if isinstance(labels, pd.Series) and isinstance(y, pd.Series):
        absent = index.difference(labels.index)
        if len(absent):
            raise InputError(f"labels has no entry for units {format_ids(absent)}.")
        labels = labels.reindex(index)
    labels = list(labels)
    if len(labels) != n:
        raise InputError(f"labels has {len(labels)} entries but there are {n} points.")
    return labels


def _lag_scatter(x_plot, y_plot, centre, fit_label, xlabel, ylabel, *, labels, style, title,
                 note, ax):  # fmt: skip
    """Points, quadrant lines and names, and the least-squares line; the figure."""
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
    ax.plot(
        xs,
        intercept + slope * xs,
        color="#c0392b",
        linewidth=1.6,
        zorder=2,
        gid="fit",
        label=fit_label(slope),
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
    for px, py, text in zip(x_plot, y_plot, labels or (), strict=False):
        ax.annotate(
            str(text),
            (px, py),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=7.5,
            color="#333333",
            **style.kw,
        )
    ax.set_xlabel(xlabel, **style.kw)
    ax.set_ylabel(ylabel, **style.kw)
    legend_kw = {"loc": "upper center", "frameon": False}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    ax.legend(**legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_slope = slope
    fig.geoagglom_points = (x_plot, y_plot)
    return fig


def bivariate_moran_scatterplot(
    x,
    y,
    lag,
    *,
    p_value=None,
    x_name=None,
    y_name=None,
    title=None,
    note=None,
    labels=None,
    lang="en",
    ax=None,
):
    """Bivariate Moran scatterplot: each unit's ``x`` against its neighbours' ``y``.

    Both variables are z-scores (``x`` by its own mean and sd, the lag of ``y``
    by ``y``'s), so that with row-standardised weights the slope of the fitted
    line, ``zx' W zy / zx' zx``, is the bivariate Moran's I of
    :func:`geoagglom.moran_bv`. The quadrants read as in the univariate plot: HH
    is a high ``x`` among neighbours of high ``y``.

    Parameters
    ----------
    x, y : array-like or pandas.Series
        The two variables, same units in the same order (Series are aligned on
        ``x``'s index).
    lag : array-like or pandas.Series
        The spatial lag of ``y`` (``W @ y``).
    p_value : float, optional
        The statistic's (permutation) p-value, shown next to its value.
    x_name, y_name : str, optional
        The variables' names for the axis labels (default: the Series' names,
        else "x" and "y").
    title, note : str, optional
    labels : sequence or pandas.Series, optional
        A text label for each point.
    lang : {"en", "zh"}, default "en"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_slope`` (the bivariate Moran's I with row-standardised
        weights) and ``geoagglom_points`` (the plotted x and y arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import moran_bv
    >>> from geoagglom.plot import bivariate_moran_scatterplot
    >>> w = lat2W(5, 5)
    >>> w.transform = "r"
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=25), rng.normal(size=25)
    >>> fig = bivariate_moran_scatterplot(x, y, w.sparse @ y)
    >>> bool(np.isclose(fig.geoagglom_slope, moran_bv(x, y, w, permutations=0).I))
    True
    """
    style = _Style(lang)
    if x_name is None:
        x_name = x.name if isinstance(x, pd.Series) and x.name is not None else "x"
    if y_name is None:
        y_name = y.name if isinstance(y, pd.Series) and y.name is not None else "y"
    x_arr, y_arr, index = _align_pair(x, y, ("x", "y"))
    _, lag_arr, _ = _align_pair(x, lag, ("x", "lag"))
    sx, sy = x_arr.std(), y_arr.std()
    for name, sd in ((x_name, sx), (y_name, sy)):
        if sd == 0:
            raise InputError(f"{name} is constant, so it cannot be standardised (its sd is 0).")
    x_plot = (x_arr - x_arr.mean()) / sx
    y_plot = (lag_arr - y_arr.mean()) / sy

    def fit_label(slope):
        text = style.t("bv_I", I=slope)
        return text if p_value is None else text + ", " + style.t("p_sim", p=p_value)

    fig = _lag_scatter(
        x_plot,
        y_plot,
        (0.0, 0.0),
        fit_label,
        style.t("moran_x", name=x_name),
        style.t("bv_y", name=y_name),
        labels=_point_labels(labels, x, index, len(x_plot)),
        style=style,
        title=style.t("bv_title") if title is None else title,
        note=note,
        ax=ax,
    )
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
    bands=None,
    band_label=None,
    title=None,
    note=None,
    lang="en",
    ax=None,
):
    """Gini and Theil indices over the years, with their intervals as bands.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with one row per year.
    year, gini, theil : str
        Its column names.
    twin : bool, optional
        Draw the Theil index on a second y axis. By default the axes are twinned
        when the two series' maxima differ by more than a factor of 2.
    bands : bool, optional
        Shade each index's interval, from the columns ``<gini>_lo``/``<gini>_hi``
        and ``<theil>_lo``/``<theil>_hi`` (as :func:`~geoagglom.table_regions`
        writes them with ``bootstrap``). By default bands are drawn for the
        indices that have both columns; ``True`` requires them, ``False`` draws
        none. A year without an interval (NaN) leaves a gap in the band.
    band_label : str, optional
        What the bands are, for the legend (e.g. ``"95 % percentile bootstrap
        interval"``); default ``"interval"`` (``"区间"`` in Chinese).
    title, note : str, optional
    lang : {"en", "zh"}, default "en"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_lines`` ({"gini": Line2D, "theil": Line2D}) and
        ``geoagglom_bands`` ({"gini": PolyCollection, "theil": ...}, the bands
        drawn; empty without intervals).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"year": [2001, 2002], "gini": [0.30, 0.32], "theil": [0.15, 0.17],
    ...                   "gini_lo": [0.25, 0.28], "gini_hi": [0.35, 0.36]})
    >>> fig = gini_theil_series(t, band_label="95 % bootstrap interval")
    >>> sorted(fig.geoagglom_bands)
    ['gini']
    """
    style = _Style(lang)
    _require_columns(frame, [year, gini, theil], "frame")
    _check_unique(frame, [year], "frame")
    rows = frame.sort_values(year)
    years = rows[year].to_numpy()
    g = _numeric(rows[gini], f"column {gini!r}").to_numpy()
    t = _numeric(rows[theil], f"column {theil!r}").to_numpy()
    intervals = {}
    for key, column in (("gini", gini), ("theil", theil)):
        pair = [f"{column}_lo", f"{column}_hi"]
        if bands is False:
            continue
        if bands is True:
            _require_columns(frame, pair, "frame")
        if all(c in rows.columns for c in pair):
            intervals[key] = [_numeric(rows[c], f"column {c!r}").to_numpy() for c in pair]
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
    drawn, patches = {}, []
    what = band_label or ("区间" if lang == "zh" else "interval")
    for key, line, axis in (("gini", line_g, ax), ("theil", line_t, ax_t)):
        if key not in intervals:
            continue
        lo, hi = intervals[key]
        drawn[key] = axis.fill_between(
            years,
            lo,
            hi,
            color=line.get_color(),
            alpha=0.18,
            linewidth=0,
            gid=f"{key}_band",
            label=f"{style.t(key)}: {what}",
        )
        patches.append(drawn[key])
    _year_axis(ax, style)
    if twin:
        ax.set_ylabel(style.t("gini"), color=line_g.get_color(), **style.kw)
        ax_t.set_ylabel(style.t("theil"), color=line_t.get_color(), **style.kw)
        ax_t.spines["right"].set_visible(True)
        ax_t.spines["top"].set_visible(False)
        style.apply_ticks(ax_t)
    else:
        ax.set_ylabel(f"{style.t('gini')} / {style.t('theil')}", **style.kw)
    legend_kw = {"handles": [line_g, line_t, *patches], "frameon": False, "loc": "best"}
    legend_kw.update({"prop": {**style.prop, "size": 9}} if style.prop else {"fontsize": 9})
    ax.legend(**legend_kw)
    style.apply_ticks(ax)
    _set_title(fig, ax, style.t("gini_theil_title") if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_lines = {"gini": line_g, "theil": line_t}
    fig.geoagglom_bands = drawn
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
