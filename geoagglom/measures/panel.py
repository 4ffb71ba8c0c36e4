"""Measures year by year over a long table, and the study's two tables.

A long table has one row per (unit, year) with the financial quantities as
columns. :func:`by_year` runs any measure per year and stacks the tidy frames;
:func:`table_regions` (the study's Table I) and :func:`table_decomposition`
(its Table II) are ready-made layouts:

* Table I: per year, the Gini and Theil index of the REGIONS' entropies, each
  region's entropy computed from its own summed quantity and its dissolved
  (summed) land area;
* Table II: per year, the UNITS' entropies decomposed by region: within,
  within share, between, between share, total.

A grouping is static (a Series/dict unit → region, or a frame indexed by unit)
or per year (a frame with unit, year and region columns); a per-year grouping
must cover exactly the years of the values.
"""

from __future__ import annotations

import pandas as pd

from geoagglom import validation
from geoagglom.data.area import land_area
from geoagglom.data.regions import check_coverage, dissolve_regions, normalize_grouping
from geoagglom.errors import InputError, format_ids
from geoagglom.measures.concentration import financial_entropy
from geoagglom.measures.inequality import gini, theil
from geoagglom.seeding import check_seed, stream

__all__ = [
    "by_year",
    "region_entropy",
    "table_decomposition",
    "table_regions",
    "unit_entropy",
]


def by_year(measure, data, *, year="year", **kwargs):
    """Run a measure on every year of a long table and stack the tidy results.

    Parameters
    ----------
    measure : callable
        One of geoagglom's measures (:func:`~geoagglom.gini`,
        :func:`~geoagglom.theil`, :func:`~geoagglom.financial_entropy`,
        :func:`~geoagglom.location_quotient`, ...): it is called as
        ``measure(data=rows_of_the_year, **kwargs)`` and must return an object
        with ``to_frame()``.
    data : pandas.DataFrame
        Long table with a ``year`` column.
    year : str, default "year"
    **kwargs
        Column names and options for the measure, e.g. ``y="beta",
        groups="region", ids="unit"``.

    Returns
    -------
    pandas.DataFrame
        The measure's ``to_frame()`` rows for every year, with ``year`` first.

    Raises
    ------
    InputError
        A missing or NaN year, or the measure's own error, prefixed by the year.

    Examples
    --------
    >>> import pandas as pd
    >>> from geoagglom import gini
    >>> t = pd.DataFrame({"year": [1, 1, 2, 2], "y": [1.0, 3.0, 2.0, 2.0]})
    >>> by_year(gini, t, y="y")[["year", "total"]].to_numpy().tolist()
    [[1.0, 0.25], [2.0, 0.0]]
    """
    _check_years(data, year)
    frames = {}
    for yr, rows in data.groupby(year, sort=True):
        with _year_context(yr):
            result = measure(data=rows, **kwargs)
        frames[yr] = result.to_frame()
    return _stack(frames, year)


def _stack(frames, year):
    """One tidy frame from ``{year: frame}``, in that order, with the year column first."""
    for yr, frame in frames.items():
        frame.insert(0, year, yr)
    return pd.concat(frames.values(), ignore_index=True)


class _year_context:
    """Prefix an InputError raised inside with the year it happened in."""

    def __init__(self, yr):
        self.yr = yr

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, InputError):
            raise InputError(f"Year {self.yr}: {exc}") from exc
        return False


def _check_years(data, year):
    validation.column(data, year, "year")
    bad = data[year].isna().to_numpy()
    if bad.any():
        raise InputError(
            f"The year is missing for rows {format_ids(data.index[bad])}; give every row a year."
        )


# --------------------------------------------------------------------------- long tables


def _quantity_columns(quantity):
    return quantity if isinstance(quantity, list) else [quantity]


def _check_long(units, values, quantity, unit, year):
    """Check the long table against the units: ids known, complete, no duplicates, no NaN."""
    for col in (unit, year, *_quantity_columns(quantity)):
        validation.column(values, col, "values")
    _check_years(values, year)
    bad = values[unit].isna().to_numpy()
    if bad.any():
        raise InputError(f"The unit id is missing for rows {format_ids(values.index[bad])}.")
    dup = values.duplicated([unit, year], keep=False).to_numpy()
    if dup.any():
        pairs = sorted(set(values.loc[dup, [unit, year]].itertuples(index=False, name=None)))
        raise InputError(
            f"(unit, year) pairs appear more than once in the values: {format_ids(pairs)}. "
            "Keep one row per unit and year."
        )
    unknown = pd.Index(pd.unique(values[unit])).difference(units.index, sort=False)
    if len(unknown):
        raise InputError(
            f"The values name units that are not in the units table: {format_ids(unknown)}. "
            "Match the ids to the layer (or add those units)."
        )
    for col in _quantity_columns(quantity):
        bad = values[col].isna().to_numpy()
        if bad.any():
            pairs = list(values.loc[bad, [unit, year]].itertuples(index=False, name=None))
            raise InputError(
                f"{col!r} is missing (NaN) for (unit, year) {format_ids(pairs)}. Fill them in "
                "or remove those units from the study explicitly."
            )
    years = sorted(pd.unique(values[year]))
    have = pd.MultiIndex.from_frame(values[[unit, year]])
    full = pd.MultiIndex.from_product([units.index, years])
    missing = full.difference(have)
    if len(missing):
        raise InputError(
            f"The values lack (unit, year) rows {format_ids(list(missing))}; every unit of "
            "the layer needs a value every year (drop units from the layer explicitly if they "
            "are not part of the study)."
        )
    return years


def _year_rows(values, yr, unit, year, units):
    """The values of one year, indexed by unit id in the order of the units table."""
    return values[values[year] == yr].set_index(unit).reindex(units.index)


def _unit_areas(units, area_col):
    if area_col in units.columns:
        areas = units[area_col].astype(float)
    elif hasattr(units, "crs") and getattr(units, "geometry", None) is not None:
        areas = land_area(units.geometry)
    else:
        raise InputError(
            f"The units table has no area column {area_col!r} and no geometries; add land "
            "areas in km² or pass a GeoDataFrame."
        )
    return areas.rename("area_km2")


def _groupings(grouping, years, unit, year, region_col):
    """Year → grouping Series; checks a per-year grouping against the values' years."""
    if isinstance(grouping, pd.DataFrame) and year in grouping.columns:
        _check_years(grouping, year)
        g_years = set(pd.unique(grouping[year]))
        v_years = set(years)
        if g_years != v_years:
            raise InputError(
                "The grouping's years do not match the values' years: only in the values "
                f"{format_ids(sorted(v_years - g_years)) or 'none'}; only in the grouping "
                f"{format_ids(sorted(g_years - v_years)) or 'none'}. Give a grouping for "
                "exactly the years of the values (or a single grouping for all years)."
            )
        out = {}
        for yr, rows in grouping.groupby(year):
            with _year_context(yr):
                out[yr] = normalize_grouping(
                    rows.drop(columns=year), region_col, unit if unit in rows else None
                )
        return out
    static = normalize_grouping(grouping, region_col, None)
    return dict.fromkeys(years, static)


def unit_entropy(
    units,
    values,
    quantity,
    *,
    unit="unit",
    year="year",
    area_col="area_km2",
    total_quantity=None,
    total_area=None,
):
    """Financial entropy of every unit in every year of a long table.

    Parameters
    ----------
    units : geopandas.GeoDataFrame or pandas.DataFrame
        The units, indexed by unit id, with land areas (``area_col``) or
        geometries.
    values : pandas.DataFrame
        Long table: ``unit``, ``year`` and the quantity column(s).
    quantity : str or list of str
        Quantity column(s); a list is summed (e.g. deposits and loans).
    unit, year, area_col : str
    total_quantity : float or mapping year → float, optional
        Region totals per year when they include units outside the table.
    total_area : float, optional

    Returns
    -------
    pandas.DataFrame
        ``year, <unit>, quantity, area_km2, density, beta``.
    """
    years = _check_long(units, values, quantity, unit, year)
    areas = _unit_areas(units, area_col)
    per_year = isinstance(total_quantity, dict | pd.Series)
    if per_year:
        lacking = [yr for yr in years if yr not in total_quantity]
        if lacking:
            raise InputError(
                f"total_quantity has no total for years {format_ids(lacking)}; give one per year "
                "(or a single number for all years)."
            )
    frames = {}
    for yr in years:
        rows = _year_rows(values, yr, unit, year, units)
        rows["area_km2"] = areas
        tq = total_quantity[yr] if per_year else total_quantity
        with _year_context(yr):
            result = financial_entropy(
                rows,
                quantity=quantity,
                area="area_km2",
                total_quantity=tq,
                total_area=total_area,
            )
        frames[yr] = result.to_frame().rename(columns={units.index.name or "unit": unit})
    return _stack(frames, year)


def region_entropy(
    units,
    values,
    grouping,
    quantity,
    *,
    unit="unit",
    year="year",
    region_col="region",
    area_col="area_km2",
    check_area=True,
    regions=None,
):
    """Financial entropy of every region, from its own summed quantity and area.

    Each year's units are dissolved into regions with :func:`dissolve_regions`
    (one dissolve per distinct grouping): a region's quantity and area are the
    sums over its member units, and ``beta_k = (D_k/S_k)/(D/S)``.

    Parameters
    ----------
    units, values, quantity, unit, year, area_col
        As in :func:`unit_entropy`.
    grouping : pandas.Series, dict or pandas.DataFrame
        Unit → region, static or per year (a frame with ``unit``, ``year`` and
        ``region_col`` columns).
    region_col : str, default "region"
    check_area : bool, default True
        Passed to :func:`dissolve_regions`.
    regions : geopandas.GeoDataFrame or pandas.DataFrame, optional
        The regions already dissolved from a static ``grouping`` by
        :func:`dissolve_regions` (with ``n_units`` and ``area_km2``), so that a
        caller who also needs their geometry dissolves once.

    Returns
    -------
    pandas.DataFrame
        ``year, <region_col>, n_units, quantity, area_km2, density, beta``.
    """
    years = _check_long(units, values, quantity, unit, year)
    groupings = _groupings(grouping, years, unit, year, region_col)
    areas = _unit_areas(units, area_col)
    base = units.copy()
    base["area_km2"] = areas
    dissolved = {}
    if regions is not None:
        static = {id(g) for g in groupings.values()}
        if len(static) != 1:
            raise InputError("regions= needs one grouping for all years (not a per-year one).")
        dissolved[static.pop()] = regions
    frames = {}
    for yr in years:
        groups = groupings[yr]
        with _year_context(yr):
            check_coverage(units.index, groups)
            key = id(groups)
            if key not in dissolved:
                dissolved[key] = dissolve_regions(
                    base, groups, region_col, area_col="area_km2", check_area=check_area
                )
        regions = dissolved[key]
        rows = _year_rows(values, yr, unit, year, units)
        qty = rows[_quantity_columns(quantity)].sum(axis=1)
        summed = qty.groupby(groups.reindex(units.index).to_numpy()).sum()
        table = pd.DataFrame(
            {"quantity": summed.reindex(regions.index), "area_km2": regions["area_km2"]}
        )
        with _year_context(yr):
            result = financial_entropy(table, quantity="quantity", area="area_km2")
        frame = result.to_frame().rename(columns={table.index.name or "unit": region_col})
        frame.insert(1, "n_units", regions["n_units"].to_numpy())
        frames[yr] = frame
    return _stack(frames, year)


def table_regions(
    units,
    values,
    grouping,
    quantity,
    *,
    unit="unit",
    year="year",
    region_col="region",
    area_col="area_km2",
    kind="T",
    correction=False,
    check_area=True,
    entropy=None,
):
    """The study's Table I: per year, Gini and Theil of the regions' entropies.

    The regions' entropies come from :func:`region_entropy` (their own summed
    quantities and dissolved areas); the Gini and Theil indices are unweighted
    across regions.

    Parameters
    ----------
    units, values, grouping, quantity, unit, year, region_col, area_col, check_area
        As in :func:`region_entropy`.
    kind : {"T", "L"}, default "T"
        Which Theil index.
    correction : bool, default False
        Small-sample correction of the Gini.
    entropy : pandas.DataFrame, optional
        The regions' entropies already computed by :func:`region_entropy` (then
        ``units``, ``values``, ``grouping`` and ``quantity`` are not read again).

    Returns
    -------
    pandas.DataFrame
        ``year, n_regions, gini, theil_T`` (or ``theil_L``), one row per year.
    """
    if entropy is None:
        entropy = region_entropy(
            units,
            values,
            grouping,
            quantity,
            unit=unit,
            year=year,
            region_col=region_col,
            area_col=area_col,
            check_area=check_area,
        )
    rows = []
    for yr, part in entropy.groupby(year, sort=True):
        with _year_context(yr):
            g = gini(part["beta"].to_numpy(), correction=correction)
            t = theil(part["beta"].to_numpy(), kind=kind)
        rows.append(
            {year: yr, "n_regions": len(part), "gini": g.statistic, f"theil_{kind}": t.statistic}
        )
    return pd.DataFrame(rows)


def table_decomposition(
    units,
    values,
    grouping,
    quantity,
    *,
    unit="unit",
    year="year",
    region_col="region",
    area_col="area_km2",
    measure="theil",
    kind="T",
    permutations=0,
    seed=None,
    entropy=None,
):
    """The study's Table II: per year, the units' entropies decomposed by region.

    Parameters
    ----------
    units, values, grouping, quantity, unit, year, region_col, area_col
        As in :func:`region_entropy`.
    measure : {"theil", "gini"}, default "theil"
        ``"theil"``: within, within share, between, between share, total
        (Theil ``kind``); ``"gini"``: Dagum's within, net between and
        transvariation parts with their shares.
    kind : {"T", "L"}, default "T"
    permutations : int, default 0
        Theil only: permutation inference on the between part (adds ``p_sim``).
    seed : int or numpy.random.Generator, optional
        An int gives each year its own stream (``geoagglom.seeding.stream(seed,
        "theil_<kind>", year)``), so a year's p-value does not depend on the
        other years; a Generator drives all years in order.
    entropy : pandas.DataFrame, optional
        The units' entropies already computed by :func:`unit_entropy` (then
        ``values`` and ``quantity`` are not read again).

    Returns
    -------
    pandas.DataFrame
        One row per year.
    """
    if measure not in ("theil", "gini"):
        raise InputError(f"Unknown measure {measure!r}; use 'theil' or 'gini'.")
    if entropy is None:
        entropy = unit_entropy(units, values, quantity, unit=unit, year=year, area_col=area_col)
    years = sorted(pd.unique(entropy[year]))
    groupings = _groupings(grouping, years, unit, year, region_col)
    check_seed(seed)
    frames = {}
    for yr in years:
        part = entropy[entropy[year] == yr].set_index(unit)
        groups = groupings[yr]
        with _year_context(yr):
            check_coverage(part.index, groups)
            labels = groups.reindex(part.index).to_numpy()
            if measure == "theil":
                result = theil(
                    part["beta"],
                    kind=kind,
                    groups=labels,
                    permutations=permutations,
                    seed=stream(seed, f"theil_{kind}", yr) if permutations else None,
                )
            else:
                result = gini(part["beta"], groups=labels)
        frames[yr] = result.to_frame().drop(columns=["index", "weighted"])
    out = _stack(frames, year)
    if measure == "theil":
        first = [year, "total", "within", "within_share", "between", "between_share"]
    else:
        first = [year, "total", "within", "within_share", "net_between", "net_between_share"]
        first += ["transvariation", "transvariation_share"]
    return out[first + [c for c in out.columns if c not in first]]
