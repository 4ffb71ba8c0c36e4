"""The study's spillover check: LISA classes read as spillover clusters and siphoning cores."""

from __future__ import annotations

import pandas as pd

from geoagglom._repr import FrameReprMixin
from geoagglom.errors import InputError, format_ids
from geoagglom.spatial._base import _Weights
from geoagglom.spatial.panel import (
    _check_panel,
    _years,
    lisa_by_year,
    lisa_transitions,
    moran_trend,
)
from geoagglom.spatial.weights import spatial_weights
from geoagglom.study.vocabulary import LABELS, LISA_CLASSES, study_labels


class SpilloverCheck(FrameReprMixin):
    """Result of :func:`spillover_check`.

    Parameters
    ----------
    weights, trend, lisa, unit, year, measure, settings :
        What :func:`spillover_check` computed and was given.

    Attributes
    ----------
    weights : libpysal.graph.Graph
    trend : pandas.DataFrame
        Global Moran's I (and Geary's C) per year (:func:`moran_trend`).
    lisa : pandas.DataFrame
        LISA classes per unit and year, long (:func:`lisa_by_year`).
    classes : pandas.DataFrame
        Wide: units × years, class labels.
    siphoning_cores, spillover_clusters : dict
        ``{year: [unit ids]}`` of significant HL and HH units.
    transitions : pandas.DataFrame or None
        Class crosstab from the first to the last year (None with one year).
    local : dict
        ``{year: LocalMoran}`` behind ``lisa`` (set by :func:`spillover_check`).
    """

    def __init__(self, weights, trend, lisa, unit, year, measure, settings):
        self.weights = weights
        self.trend = trend
        self.lisa = lisa
        self.measure = measure
        self.settings = settings
        self.classes = lisa.pivot(index=unit, columns=year, values="label")
        self.classes = self.classes.reindex(pd.Index(weights.unique_ids).rename(unit))
        self.years = list(trend.index)

        def pick(label):
            sel = lisa[lisa["label"] == label]
            return {y: list(sel.loc[sel[year] == y, unit]) for y in self.years}

        self.siphoning_cores = pick(LISA_CLASSES["HL"])
        self.spillover_clusters = pick(LISA_CLASSES["HH"])
        self.transitions = (
            lisa_transitions(
                lisa, self.years[0], self.years[-1], unit=unit, year=year, classes=LABELS
            )
            if len(self.years) > 1
            else None
        )

    @property
    def statistic(self):
        """Global Moran's I per year (a Series)."""
        return self.trend["I"]

    def counts(self):
        """Units per class and year (years as columns)."""
        tab = pd.crosstab(
            pd.Categorical(self.lisa["label"], categories=LABELS),
            self.lisa[self.trend.index.name],
            dropna=False,
        )
        tab.index.name = "class"
        return tab

    def to_frame(self):
        """Tidy per-year summary: Moran's I, its p-values and the number of units per class."""
        counts = self.counts().T
        counts.columns = [str(c).replace(" ", "_") for c in counts.columns]
        return self.trend.join(counts)

    def __repr__(self):
        lines = [
            f"<spillover check of {self.measure!r}: {len(self.years)} year(s), "
            f"{self.weights.n} units>"
        ]
        for y in self.years:
            t = self.trend.loc[y]
            lines.append(
                f"  {y}: I={t['I']:.4f} (p_sim={t['p_sim']:.4g}); "
                f"spillover clusters {len(self.spillover_clusters[y])}, "
                f"siphoning cores {len(self.siphoning_cores[y])}"
            )
        return "\n".join(lines)


def spillover_check(
    layer,
    panel,
    measure,
    *,
    unit="unit",
    year="year",
    years=None,
    weights=None,
    kind="queen",
    islands="raise",
    k=None,
    threshold_km=None,
    permutations=999,
    seed=None,
    alternative="two-sided",
    alpha=0.05,
    adjust=None,
    scaling="esda",
    chunks=None,
):
    """One call: does a measure spill over to, or drain, neighbouring units?

    Builds the weights from ``layer`` (unless ``weights`` is given), then runs the
    global Moran trend and the LISA classes for every year of ``panel``.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Unit layer indexed by unit id (the ids of ``panel[unit]``).
    panel : pandas.DataFrame
        Long table: ``unit``, ``year`` and the ``measure`` column.
    measure : str
        Column of ``panel`` to analyse (e.g. financial entropy).
    weights : libpysal.graph.Graph, optional
        Ready-made weights; otherwise ``spatial_weights(layer, kind, islands=..., k=...,
        threshold_km=...)`` (row-standardised).
    permutations, seed, alternative, alpha, adjust, scaling, chunks
        As in :func:`geoagglom.local_moran` (``chunks``: the LISA's conditional
        permutations as that many dask tasks a year, identical results).

    Returns
    -------
    SpilloverCheck
        ``trend`` (Moran's I per year), ``lisa`` / ``classes`` (LISA classes per
        year), ``siphoning_cores`` and ``spillover_clusters`` (``{year: [ids]}``),
        ``transitions`` (first → last year crosstab).
    """
    _check_panel(panel, measure, unit, year)
    if weights is None:
        weights = spatial_weights(layer, kind, islands=islands, k=k, threshold_km=threshold_km)
    wts = _Weights(weights)
    layer_ids = pd.Index(layer.index)
    panel_ids = pd.Index(panel[unit].unique())
    extra = panel_ids.difference(wts.ids, sort=False)
    if len(extra):
        in_layer = extra.intersection(layer_ids, sort=False)
        hint = (
            f" ({format_ids(in_layer)} are in the layer but were dropped from the weights)"
            if len(in_layer)
            else ""
        )
        raise InputError(
            f"panel units not in the layer/weights: {format_ids(extra)}{hint}. Match the "
            "panel's unit ids to the layer's index, or drop those rows."
        )
    years = _years(panel, year, years)
    trend = moran_trend(
        panel,
        wts.graph,
        measure,
        unit=unit,
        year=year,
        years=years,
        permutations=permutations,
        seed=seed,
        alternative=alternative,
    )
    lisa, local = lisa_by_year(
        panel,
        wts.graph,
        measure,
        unit=unit,
        year=year,
        years=years,
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
        return_results=True,
        chunks=chunks,
    )
    # the statistic's neutral code stays as ``cluster``; ``label`` is the study's reading
    lisa.insert(lisa.columns.get_loc("label"), "cluster", lisa["label"])
    lisa["label"] = study_labels(lisa["cluster"])
    settings = dict(
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
    )
    check = SpilloverCheck(wts.graph, trend, lisa, unit, year, measure, settings)
    check.local = local  # {year: LocalMoran}, for the dynamics to reuse
    return check
