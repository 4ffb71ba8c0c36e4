"""Figures of the dynamics: transition matrices as heat maps and the rose diagram.

Both take a result object of :mod:`geoagglom.dynamics` (read through its
attributes only) and follow :mod:`geoagglom.plot.style`: English or Chinese
labels (``lang=``), a visible ``note=``, and what was drawn kept on the returned
figure (``fig.geoagglom_*``) for tests and callers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from geoagglom.errors import InputError
from geoagglom.plot.style import _draw_note, _set_title, _Style

__all__ = ["rose_diagram", "transition_heatmaps"]

_TEXT = {
    "en": {
        "markov_title": "Transition probabilities, pooled and by the neighbours' class",
        "markov_title_counts": "Transition counts, pooled and by the neighbours' class",
        "pooled": "All units",
        "lag": "Neighbours in class {c}",
        "from": "Class in year t",
        "to": "Class in year t + 1",
        "empty": "no moves",
        "rose_title": "Directional LISA, {start}–{end}",
        "observed": "Units per sector",
        "expected": "Expected under random reassignment",
        "significant": "p ≤ {alpha}",
        "up_up": "unit ↑ neighbours ↑",
        "down_up": "unit ↓ neighbours ↑",
        "down_down": "unit ↓ neighbours ↓",
        "up_down": "unit ↑ neighbours ↓",
    },
    "zh": {
        "markov_title": "转移概率：全部及按邻域类别",
        "markov_title_counts": "转移次数：全部及按邻域类别",
        "pooled": "全部单元",
        "lag": "邻域类别 {c}",
        "from": "t 年类别",
        "to": "t + 1 年类别",
        "empty": "无转移",
        "rose_title": "方向性 LISA，{start}–{end}",
        "observed": "各扇区单元数",
        "expected": "随机重排下的期望",
        "significant": "p ≤ {alpha}",
        "up_up": "本单元↑ 邻域↑",
        "down_up": "本单元↓ 邻域↑",
        "down_down": "本单元↓ 邻域↓",
        "up_down": "本单元↑ 邻域↓",
    },
}


def _t(style, key, **fields):
    text = _TEXT[style.lang][key]
    return text.format(**fields) if fields else text


def _need(obj, attrs, what):
    missing = [a for a in attrs if not hasattr(obj, a)]
    if missing:
        raise InputError(
            f"{what} needs a result with attribute(s) {', '.join(missing)}; got "
            f"{type(obj).__name__}."
        )


def transition_heatmaps(
    markov,
    *,
    probabilities=True,
    title=None,
    note=None,
    class_labels=None,
    cmap="Blues",
    ncols=3,
    lang="en",
):
    """The pooled and the conditional transition matrices of a spatial Markov chain.

    Parameters
    ----------
    markov : SpatialMarkov
        The result of :func:`geoagglom.spatial_markov`.
    probabilities : bool, default True
        Draw probabilities (``p``, ``P``); False draws the counts.
    title, note : str, optional
    class_labels : sequence of str, optional
        Names of the ``k`` classes (default ``0..k-1``).
    cmap : str, default "Blues"
    ncols : int, default 3
        Panels per row.
    lang : {"en", "zh"}, default "en"

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_matrices`` ({"pooled": array, 0: array, ...}: what each panel
        shows), ``geoagglom_axes`` (the same keys) and ``geoagglom_empty`` (the
        ``(lag class, class)`` rows drawn hatched as "no moves"; lag class None for
        the pooled matrix).
    """
    _need(markov, ("p", "P", "transitions", "T", "k", "m"), "transition_heatmaps")
    style = _Style(lang)
    k, m = markov.k, markov.m
    labels = [str(c) for c in range(k)] if class_labels is None else [str(c) for c in class_labels]
    if len(labels) != k:
        raise InputError(f"class_labels has {len(labels)} names for {k} classes.")
    pooled = markov.p if probabilities else markov.transitions
    cond = markov.P if probabilities else markov.T
    empty_p = np.isnan(markov.p).all(axis=1) | (markov.transitions.sum(axis=1) == 0)
    empty_c = np.isnan(markov.P).all(axis=2) | (markov.T.sum(axis=2) == 0)
    panels = [("pooled", pooled, empty_p)] + [(c, cond[c], empty_c[c]) for c in range(m)]
    ncols = max(1, min(int(ncols), len(panels)))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 3.8 * nrows + 0.6), layout="constrained", squeeze=False
    )
    vmax = 1.0 if probabilities else max(1.0, float(np.nanmax(pooled)))
    drawn, axes_by, empties = {}, {}, []
    image = None
    for ax, (key, mat, empty) in zip(axes.ravel(), panels, strict=False):
        show = np.where(np.isnan(mat), 0.0, mat)
        image = ax.imshow(show, cmap=cmap, vmin=0.0, vmax=vmax, gid=f"matrix-{key}")
        for i in range(k):
            if empty[i]:
                ax.add_patch(
                    Rectangle(
                        (-0.5, i - 0.5),
                        k,
                        1,
                        facecolor="#f2f2f2",
                        edgecolor="#9a9a9a",
                        hatch="////",
                        gid=f"empty-{key}-{i}",
                    )
                )
                ax.text(
                    (k - 1) / 2,
                    i,
                    _t(style, "empty"),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#555555",
                    in_layout=False,
                    **style.kw,
                )
                empties.append((None if key == "pooled" else key, i))
                continue
            for j in range(k):
                v = mat[i, j]
                text = f"{v:.2f}" if probabilities else f"{int(v)}"
                dark = v > 0.6 * vmax
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="white" if dark else "#222222",
                    in_layout=False,  # inside its cell: nothing for the layout to measure
                )
        ax.set_xticks(range(k), labels)
        ax.set_yticks(range(k), labels)
        ax.set_xlabel(_t(style, "to"), fontsize=8.5, **style.kw)
        ax.set_ylabel(_t(style, "from"), fontsize=8.5, **style.kw)
        head = _t(style, "pooled") if key == "pooled" else _t(style, "lag", c=key)
        ax.set_title(head, fontsize=10, **style.kw)
        style.apply_ticks(ax)
        drawn[key], axes_by[key] = mat, ax
    for ax in axes.ravel()[len(panels) :]:
        ax.set_axis_off()
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    default = "markov_title" if probabilities else "markov_title_counts"
    _set_title(
        fig, axes[0, 0], _t(style, default) if title is None else title, style, True, suptitle=True
    )
    _draw_note(fig, note, style, axes[0, 0], True)
    fig.geoagglom_matrices = drawn
    fig.geoagglom_axes = axes_by
    fig.geoagglom_empty = empties
    return fig


def rose_diagram(rose, *, alpha=0.05, title=None, note=None, lang="en", ax=None):
    """Rose diagram of a directional LISA: units per sector, expected counts, significance.

    Parameters
    ----------
    rose : DirectionalLISA
        The result of :func:`geoagglom.directional_lisa`.
    alpha : float, default 0.05
        Sectors with ``p <= alpha`` are drawn dark (when the rose has inference).
    title, note : str, optional
    lang : {"en", "zh"}, default "en"
    ax : matplotlib polar axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        With ``geoagglom_counts`` (bar heights), ``geoagglom_expected`` (the expected
        counts drawn, NaN without inference), ``geoagglom_significant`` (bool per
        sector) and ``geoagglom_cuts`` (sector bounds, radians).
    """
    _need(rose, ("counts", "cuts", "k", "p", "expected_perm"), "rose_diagram")
    style = _Style(lang)
    own = ax is None
    if own:
        fig = plt.figure(figsize=(6.2, 6.2), layout="constrained")
        ax = fig.add_subplot(projection="polar")
    else:
        if getattr(ax, "name", "") != "polar":
            raise InputError("rose_diagram needs polar axes (projection='polar').")
        fig = ax.figure
    width = rose.cuts[1] - rose.cuts[0]
    mids = rose.cuts[:-1] + width / 2
    sig = np.isfinite(rose.p) & (rose.p <= alpha)
    colors = np.where(sig, "#2c5d8f", "#a9c4e0")
    bars = ax.bar(
        mids,
        rose.counts,
        width=width * 0.96,
        color=colors,
        edgecolor="white",
        gid="sectors",
        label=_t(style, "observed"),
    )
    expected = np.asarray(rose.expected_perm, dtype=float)
    if np.isfinite(expected).all():
        steps = np.append(expected, expected[0])  # one value per sector, closed circle
        ax.step(
            rose.cuts,
            steps,
            where="post",
            color="#c0392b",
            linewidth=1.4,
            gid="expected",
            label=_t(style, "expected"),
        )
    finite = expected[np.isfinite(expected)]
    top = max(float(np.max(rose.counts)), float(finite.max()) if len(finite) else 0.0, 1.0)
    ax.set_ylim(0, 1.18 * top)
    corners = {
        "up_up": (1.0, 1.0, "right", "top"),
        "down_up": (0.0, 1.0, "left", "top"),
        "down_down": (0.0, 0.0, "left", "bottom"),
        "up_down": (1.0, 0.0, "right", "bottom"),
    }
    for key, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            _t(style, key),
            ha=ha,
            va=va,
            transform=ax.transAxes,
            fontsize=8,
            color="#444444",
            gid=f"direction-{key}",
            **style.kw,
        )
    ax.set_rlabel_position(np.degrees(width / 2))
    ax.set_xticks(rose.cuts[:-1])
    ax.set_xticklabels([f"{np.degrees(c):.0f}°" for c in rose.cuts[:-1]])
    handles, texts = ax.get_legend_handles_labels()
    if sig.any():
        handles.append(Rectangle((0, 0), 1, 1, color="#2c5d8f"))
        texts.append(_t(style, "significant", alpha=alpha))
    legend_kw = {"loc": "lower center", "bbox_to_anchor": (0.5, -0.16), "ncol": 3, "frameon": False}
    legend_kw.update({"prop": {**style.prop, "size": 8}} if style.prop else {"fontsize": 8})
    ax.legend(handles, texts, **legend_kw)
    default = _t(
        style, "rose_title", start=getattr(rose, "start", ""), end=getattr(rose, "end", "")
    )
    _set_title(fig, ax, default if title is None else title, style, own)
    _draw_note(fig, note, style, ax, own)
    fig.geoagglom_counts = np.asarray(rose.counts)
    fig.geoagglom_expected = expected
    fig.geoagglom_significant = sig
    fig.geoagglom_cuts = np.asarray(rose.cuts)
    fig.geoagglom_bars = bars
    return fig
