"""Style of every figure: language, fonts, colours, notes and titles."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager

from geoagglom.errors import InputError, MissingCJKFontWarning, format_ids
from geoagglom.options import LANGUAGES

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
    "lh": "LH",
    "low-high": "LH",
    "ll": "LL",
    "low-low": "LL",
    "hl": "HL",
    "high-low": "HL",
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

_TEXT = {
    "en": {
        "missing": "missing",
        "north": "N",
        "km": "km",
        "regions": "region boundary",
        "lisa_title": "LISA cluster map",
        "HH": "High-High",
        "LH": "Low-High",
        "LL": "Low-Low",
        "HL": "High-Low",
        "ns": "Not significant",
        "moran_title": "Moran scatterplot",
        "moran_x": "{name} (standardised)",
        "moran_x_raw": "{name}",
        "moran_y": "Spatial lag of {name}",
        "moran_I": "Moran's I = {I:.3f}",
        "moran_slope": "slope = {I:.3f}",
        "bv_title": "Bivariate Moran scatterplot",
        "bv_y": "Spatial lag of {name} (standardised)",
        "bv_I": "bivariate Moran's I = {I:.3f}",
        "p_sim": "permutation p = {p:.3g}",
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
        "HH": "高-高",
        "LH": "低-高",
        "LL": "低-低",
        "HL": "高-低",
        "ns": "不显著",
        "moran_title": "Moran 散点图",
        "moran_x": "{name}（标准化）",
        "moran_x_raw": "{name}",
        "moran_y": "{name}的空间滞后",
        "moran_I": "Moran's I = {I:.3f}",
        "moran_slope": "斜率 = {I:.3f}",
        "bv_title": "双变量 Moran 散点图",
        "bv_y": "{name}的空间滞后（标准化）",
        "bv_I": "双变量 Moran's I = {I:.3f}",
        "p_sim": "置换检验 p = {p:.3g}",
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
        LANGUAGES.check(lang, "lang")
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
