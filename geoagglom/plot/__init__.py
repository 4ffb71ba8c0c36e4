"""Maps and figures, publication quality.

Every function takes plain (Geo)DataFrames or Series and column names, draws
with matplotlib and returns the :class:`matplotlib.figure.Figure`:

:func:`choropleth`
    A map of one measure, or one small-multiple map per year sharing a single
    classification (quantiles, natural breaks, equal intervals or user bounds,
    computed on all years pooled) and a single legend; missing values are hatched
    and named in the legend; region outlines, a north arrow and a scale bar.
:func:`lisa_cluster_map`
    LISA classes (HH, LH, LL, HL, not significant) in the conventional GeoDa
    colours, with counts in the legend.
:func:`unit_effect_map`
    The effect on every unit of a change in a regressor at one unit (a column of
    a spatial model's ``S_k(W)``), the changed unit outlined, units whose
    simulation interval contains 0 hatched.
:func:`moran_scatterplot`
    The variable against its spatial lag with the fitted line, whose slope is
    Moran's I for row-standardised weights.
:func:`bivariate_moran_scatterplot`
    One variable against the spatial lag of another, both standardised; the
    slope is the bivariate Moran's I, shown with its permutation p-value.
:func:`entropy_by_region`, :func:`gini_theil_series`, :func:`decomposition_bars`
    The time series and the within/between decomposition of a study.
:func:`transition_heatmaps`, :func:`rose_diagram`
    A spatial Markov chain's pooled and conditional transition matrices, and the
    rose diagram of a directional LISA.

Labels are in English by default; ``lang="zh"`` draws them in Chinese with an
installed CJK font, or warns (:class:`~geoagglom.errors.MissingCJKFontWarning`)
and falls back to English when there is none. Every function takes ``note=``,
a line of text drawn visibly on the figure (for example ``"Illustrative data"``).
:func:`save_figure` writes a figure as PNG and SVG atomically.

The classification, colours and drawn data are kept on the returned figure
(``fig.geoagglom_bins``, ``fig.geoagglom_classifier``, ``fig.geoagglom_counts``,
``fig.geoagglom_slope``) so that callers and tests can check what was drawn.
"""

from geoagglom.errors import MissingCJKFontWarning
from geoagglom.plot.charts import (
    bivariate_moran_scatterplot,
    decomposition_bars,
    entropy_by_region,
    gini_theil_series,
    moran_scatterplot,
)
from geoagglom.plot.dynamics import rose_diagram, transition_heatmaps
from geoagglom.plot.maps import choropleth, lisa_cluster_map
from geoagglom.plot.models import unit_effect_map
from geoagglom.plot.save import save_figure
from geoagglom.plot.style import CJK_FONT_FAMILIES, LISA_COLORS, find_cjk_font

__all__ = [
    "CJK_FONT_FAMILIES",
    "LISA_COLORS",
    "MissingCJKFontWarning",
    "bivariate_moran_scatterplot",
    "choropleth",
    "decomposition_bars",
    "entropy_by_region",
    "find_cjk_font",
    "gini_theil_series",
    "lisa_cluster_map",
    "moran_scatterplot",
    "rose_diagram",
    "save_figure",
    "transition_heatmaps",
    "unit_effect_map",
]
