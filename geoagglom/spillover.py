"""Spatial autocorrelation over a panel: Moran trend, LISA classes per year, spillover check.

A panel is a long table with one row per unit and year (columns ``unit``,
``year`` and the measure). Each year is analysed on the same weights graph; every
unit of the graph needs a value in every year analysed.

Seeding: with an integer ``seed`` each year gets its own stream,
``numpy.random.default_rng([seed, year])`` (``year`` if it is an integer, else the
year's position in sorted order), so a year's numbers do not depend on which
other years are analysed. A ``Generator`` is used as one stream over the years
in sorted order.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from geoagglom.errors import InputError, format_ids
from geoagglom.spatial import (
    LISA_CLASSES,
    NOT_SIGNIFICANT,
    Geary,
    LocalMoran,
    Moran,
    _Weights,
)
from geoagglom.weights import spatial_weights

__all__ = [
    "SpilloverCheck",
    "lisa_by_year",
    "lisa_transitions",
    "moran_trend",
    "spillover_check",
]

_LABELS = [*LISA_CLASSES.values(), NOT_SIGNIFICANT]


def _check_panel(panel, value, unit, year):
    if not isinstance(panel, pd.DataFrame):
        raise InputError(
            f"panel must be a long DataFrame with columns {unit!r}, {year!r}, {value!r}; "
            f"got {type(panel).__name__}."
        )
    missing = [c for c in (unit, year, value) if c not in panel.columns]
    if missing:
        raise InputError(
            f"panel lacks column(s) {format_ids(missing)}; "
            f"it has {format_ids(list(panel.columns))}. "
            "Name the columns with unit=..., year=..., value=... (or measure=...)."
        )
    dup = panel.duplicated([unit, year], keep=False)
    if dup.any():
        pairs = panel.loc[dup, [unit, year]].drop_duplicates()
        shown = [f"{u}/{y}" for u, y in pairs.itertuples(index=False)]
        raise InputError(
            f"panel has more than one row for unit/year {format_ids(shown)}; "
            "aggregate them to one value per unit and year."
        )


def _years(panel, year, years):
    all_years = sorted(panel[year].dropna().unique())
    if years is None:
        return all_years
    years = list(years)
    absent = [y for y in years if y not in set(all_years)]
    if absent:
        raise InputError(
            f"year(s) {format_ids(absent)} not in the panel; it has {format_ids(all_years)}."
        )
    return years


def _year_seeds(seed, years):
    if isinstance(seed, np.random.Generator) or seed is None:
        return dict.fromkeys(years, seed)
    if not isinstance(seed, numbers.Integral):
        raise InputError(f"seed must be an int, a numpy.random.Generator or None, got {seed!r}.")
    out = {}
    for k, y in enumerate(sorted(years)):
        tag = int(y) if isinstance(y, numbers.Integral) and y >= 0 else k
        out[y] = np.random.default_rng([int(seed), tag])
    return out


def _year_values(panel, value, unit, year, y):
    rows = panel[panel[year] == y]
    return pd.Series(rows[value].to_numpy(), index=pd.Index(rows[unit].to_numpy()), name=value)


def _year_by_year(panel, w, value, unit, year, years, seed, transform, analyse):
    """Check the panel, then ``analyse(values, weights, seed)`` for each year.

    Returns ``[(year, result), ...]`` in the order of ``years``; an
    :class:`InputError` raised for one year names it.
    """
    _check_panel(panel, value, unit, year)
    wts = _Weights(w, transform)
    years = _years(panel, year, years)
    seeds = _year_seeds(seed, years)
    out = []
    for y in years:
        vals = _year_values(panel, value, unit, year, y)
        try:
            out.append((y, analyse(vals, wts, seeds[y])))
        except InputError as exc:
            raise InputError(f"year {y}: {exc}") from None
    return out


def moran_trend(
    panel,
    w,
    value,
    *,
    unit="unit",
    year="year",
    years=None,
    permutations=999,
    seed=None,
    alternative="two-sided",
    geary=True,
    transform=None,
):
    """Global Moran's I (and Geary's C) year by year: a trend table.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table: one row per unit and year.
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights indexed by the panel's unit ids.
    value : str
        The measure column.
    unit, year : str, default 'unit', 'year'
        Column names of the unit id and the year.
    years : list, optional
        Years to analyse (default: all, sorted).
    permutations, alternative, transform
        As in :func:`geoagglom.moran`.
    seed : int, numpy.random.Generator or None
        See the module notes (an int gives each year its own reproducible stream).
    geary : bool, default True
        Add Geary's C and its p-values.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``n, I, EI, z_norm, p_norm, z_rand, p_rand, z_sim, p_sim``
        (and ``C, z_rand_C, p_rand_C, p_sim_C``).
    """

    def analyse(vals, wts, rng):
        m = Moran(vals, wts, permutations, rng, alternative=alternative)
        row = {
            "n": m.n,
            "I": m.I,
            "EI": m.EI,
            "z_norm": m.z_norm,
            "p_norm": m.p_norm,
            "z_rand": m.z_rand,
            "p_rand": m.p_rand,
            "z_sim": m.z_sim,
            "p_sim": m.p_sim,
        }
        if geary:
            # the same values and options as Moran's I, already validated by it
            c = Geary(vals, wts, permutations, rng, alternative=alternative)
            row.update(C=c.C, z_rand_C=c.z_rand, p_rand_C=c.p_rand, p_sim_C=c.p_sim)
        return row

    per_year = _year_by_year(panel, w, value, unit, year, years, seed, transform, analyse)
    out = pd.DataFrame([{year: y, **row} for y, row in per_year]).set_index(year)
    out.attrs["alternative"] = alternative
    out.attrs["permutations"] = permutations
    return out


def lisa_by_year(
    panel,
    w,
    value,
    *,
    unit="unit",
    year="year",
    years=None,
    permutations=999,
    seed=None,
    alternative="two-sided",
    alpha=0.05,
    adjust=None,
    scaling="esda",
    transform=None,
    return_results=False,
):
    """Local Moran (LISA) classes year by year, as one long tidy table.

    Parameters are those of :func:`moran_trend` and :func:`geoagglom.local_moran`.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, year, Is, q, quadrant, p_value, p_adjusted, significant,
        label`` (one row per unit and year). With ``return_results=True``, also a
        dict ``{year: LocalMoran}``.
    """

    def analyse(vals, wts, rng):
        return LocalMoran(
            vals,
            wts,
            permutations,
            rng,
            alternative=alternative,
            alpha=alpha,
            adjust=adjust,
            scaling=scaling,
            keep_simulations=False,
        )

    per_year = _year_by_year(panel, w, value, unit, year, years, seed, transform, analyse)
    frames, results = [], {}
    for y, lm in per_year:
        results[y] = lm
        f = lm.to_frame()[["Is", "q", "quadrant", "p_value", "p_adjusted", "significant", "label"]]
        f.index.name = unit
        f = f.reset_index()
        f.insert(1, year, y)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    return (out, results) if return_results else out


def lisa_transitions(lisa, start, end, *, unit="unit", year="year", units=False):
    """How units moved between LISA classes from year ``start`` to year ``end``.

    Parameters
    ----------
    lisa : pandas.DataFrame
        The output of :func:`lisa_by_year`.
    start, end : year values
    unit, year : str
        Column names in ``lisa``.
    units : bool, default False
        Return the per-unit table (``unit, from, to``) instead of the crosstab.

    Returns
    -------
    pandas.DataFrame
        Crosstab of counts, rows = class in ``start``, columns = class in ``end``,
        all five classes in a fixed order (zeros included), with totals.
    """
    for c in (unit, year, "label"):
        if c not in lisa.columns:
            raise InputError(f"lisa frame lacks column {c!r}; pass the output of lisa_by_year.")
    have = set(lisa[year])
    for y in (start, end):
        if y not in have:
            raise InputError(
                f"year {y!r} not in the LISA table; it has {format_ids(sorted(have))}."
            )
    a = lisa[lisa[year] == start].set_index(unit)["label"]
    b = lisa[lisa[year] == end].set_index(unit)["label"]
    common = a.index.intersection(b.index, sort=False)
    lost = a.index.symmetric_difference(b.index)
    if len(lost):
        raise InputError(
            f"units not present in both years {start} and {end}: {format_ids(lost)}; "
            "run lisa_by_year on one set of units."
        )
    per_unit = pd.DataFrame({"from": a[common], "to": b[common]})
    per_unit.index.name = unit
    if units:
        return per_unit
    cat_from = pd.Categorical(per_unit["from"], categories=_LABELS)
    cat_to = pd.Categorical(per_unit["to"], categories=_LABELS)
    tab = pd.crosstab(cat_from, cat_to, dropna=False, margins=True, margins_name="total")
    tab.index.name = f"class {start}"
    tab.columns.name = f"class {end}"
    return tab


class SpilloverCheck:
    """Result of :func:`spillover_check`.

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
            lisa_transitions(lisa, self.years[0], self.years[-1], unit=unit, year=year)
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
            pd.Categorical(self.lisa["label"], categories=_LABELS),
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
    permutations, seed, alternative, alpha, adjust, scaling
        As in :func:`geoagglom.local_moran`.

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
    lisa = lisa_by_year(
        panel,
        wts.graph,
        measure,
        unit=unit,
        year=year,
        years=years,
        permutations=permutations,
        seed=None if seed is None else _offset_seed(seed),
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
    )
    settings = dict(
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
    )
    return SpilloverCheck(wts.graph, trend, lisa, unit, year, measure, settings)


def _offset_seed(seed):
    # a different but reproducible stream for the local statistics
    if isinstance(seed, np.random.Generator):
        return seed
    return int(np.random.SeedSequence(int(seed)).generate_state(1)[0])
