"""Spatial autocorrelation over a panel: Moran trend and LISA classes year by year.

A panel is a long table with one row per unit and year (columns ``unit``,
``year`` and the measure). Each year is analysed on the same weights graph; every
unit of the graph needs a value in every year analysed.

Seeding follows :mod:`geoagglom.seeding`: an int ``seed`` gives each statistic
and year its own stream (``"moran"``, ``"geary"``, ``"lisa"``), so a year's
numbers do not depend on which other years or statistics are analysed; a
``Generator`` is used as one stream over the years in the order given.
"""

from __future__ import annotations

import pandas as pd

from geoagglom.errors import InputError, format_ids
from geoagglom.seeding import check_seed, stream
from geoagglom.spatial._base import _Weights
from geoagglom.spatial.global_stats import Geary, Moran
from geoagglom.spatial.local_stats import CLUSTERS, LocalMoran

__all__ = ["lisa_by_year", "lisa_transitions", "moran_trend"]


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


def _year_values(panel, value, unit, year, y):
    rows = panel[panel[year] == y]
    return pd.Series(rows[value].to_numpy(), index=pd.Index(rows[unit].to_numpy()), name=value)


def _year_by_year(panel, w, value, unit, year, years, transform, analyse):
    """Check the panel, then ``analyse(values, weights, year)`` for each year.

    Returns ``[(year, result), ...]`` in the order of ``years``; an
    :class:`InputError` raised for one year names it.
    """
    _check_panel(panel, value, unit, year)
    wts = _Weights(w, transform)
    years = _years(panel, year, years)
    out = []
    for y in years:
        vals = _year_values(panel, value, unit, year, y)
        try:
            out.append((y, analyse(vals, wts, y)))
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
        See the module notes (an int gives each statistic and year its own stream).
    geary : bool, default True
        Add Geary's C and its p-values.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``n, I, EI, z_norm, p_norm, z_rand, p_rand, z_sim, p_sim``
        (and ``C, z_rand_C, p_rand_C, p_sim_C``).
    """

    def analyse(vals, wts, y):
        m = Moran(vals, wts, permutations, stream(seed, "moran", y), alternative=alternative)
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
            rng = stream(seed, "geary", y)
            c = Geary(vals, wts, permutations, rng, alternative=alternative)
            row.update(C=c.C, z_rand_C=c.z_rand, p_rand_C=c.p_rand, p_sim_C=c.p_sim)
        return row

    check_seed(seed)
    per_year = _year_by_year(panel, w, value, unit, year, years, transform, analyse)
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
    chunks=None,
):
    """Local Moran (LISA) classes year by year, as one long tidy table.

    Parameters are those of :func:`moran_trend` and :func:`geoagglom.local_moran`
    (``chunks``: each year's conditional permutations as that many dask tasks).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit, year, Is, q, quadrant, p_value, p_adjusted, significant,
        label`` (one row per unit and year). With ``return_results=True``, also a
        dict ``{year: LocalMoran}``.
    """

    def analyse(vals, wts, y):
        return LocalMoran(
            vals,
            wts,
            permutations,
            stream(seed, "lisa", y),
            alternative=alternative,
            alpha=alpha,
            adjust=adjust,
            scaling=scaling,
            keep_simulations=False,
            chunks=chunks,
        )

    check_seed(seed)
    per_year = _year_by_year(panel, w, value, unit, year, years, transform, analyse)
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


def lisa_transitions(lisa, start, end, *, unit="unit", year="year", units=False, classes=CLUSTERS):
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
    classes : sequence of str, default ``CLUSTERS``
        The labels of the crosstab, in order (``HH, LH, LL, HL, ns``).

    Returns
    -------
    pandas.DataFrame
        Crosstab of counts, rows = class in ``start``, columns = class in ``end``,
        all ``classes`` in their order (zeros included), with totals.
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
    cat_from = pd.Categorical(per_unit["from"], categories=list(classes))
    cat_to = pd.Categorical(per_unit["to"], categories=list(classes))
    tab = pd.crosstab(cat_from, cat_to, dropna=False, margins=True, margins_name="total")
    tab.index.name = f"class {start}"
    tab.columns.name = f"class {end}"
    return tab
