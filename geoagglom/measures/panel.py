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

Both take ``bootstrap=<replicates>`` for interval columns and ``weights``
(equal, area or a values column such as population); :func:`table_change`
bootstraps the change of Table II's parts between two years in pairs.

A grouping is static (a Series/dict unit → region, or a frame indexed by unit)
or per year (a frame with unit, year and region columns); a per-year grouping
must cover exactly the years of the values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from geoagglom import validation
from geoagglom.data.area import land_area
from geoagglom.data.regions import check_coverage, dissolve_regions, normalize_grouping
from geoagglom.errors import InputError, format_ids
from geoagglom.measures.bootstrap import bootstrap as _bootstrap
from geoagglom.measures.concentration import financial_entropy
from geoagglom.measures.entropy_family import (
    atkinson,
    coefficient_of_variation,
    generalized_entropy,
)
from geoagglom.measures.inequality import gini, theil
from geoagglom.options import CI_METHODS, INDEX_WEIGHTS
from geoagglom.seeding import check_seed, stream

__all__ = [
    "INDEX_FORMS",
    "IndexChoice",
    "by_year",
    "index_choice",
    "region_entropy",
    "table_change",
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


#: The forms of an index name (Table I's ``indices``), as shown in error messages.
INDEX_FORMS = (
    '"gini"',
    '"theil_t"',
    '"theil_l"',
    '"ge(α)" for any real α, e.g. "ge(2)" or "ge(-1)"',
    '"atkinson(ε)" for ε ≥ 0, e.g. "atkinson(0.5)" or "atkinson(1)"',
    '"cv"',
)
#: The index families a weighting can be given for (besides exact index names).
INDEX_FAMILIES = ("gini", "theil", "ge", "atkinson", "cv")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FORM = re.compile(rf"^(ge|atkinson)\(\s*({_NUMBER})\s*\)$")


@dataclass(frozen=True)
class IndexChoice:
    """One inequality index chosen by name: ``"gini"``, ``"theil_t"``, ``"ge(2)"``, ...

    Build it with :func:`index_choice`.

    Parameters
    ----------
    name : str
        The normalised name: ``"gini"``, ``"theil_t"``, ``"theil_l"``,
        ``"ge(2)"``, ``"atkinson(0.5)"``, ``"cv"``.
    family : str
        ``"gini"``, ``"theil"``, ``"ge"``, ``"atkinson"`` or ``"cv"``.
    column : str
        Its column in Table I (``"gini"``, ``"theil_T"``, ``"ge_2"``,
        ``"atkinson_0.5"``, ``"cv"``), and the name of its bootstrap stream.
    options : dict
        The index function's option (``kind``, ``alpha`` or ``epsilon``).

    Attributes
    ----------
    decomposable : bool
        It has a within/between decomposition (every index but the CV).
    function : callable
        The index's function (:func:`~geoagglom.gini`, :func:`~geoagglom.theil`, ...).
    """

    name: str
    family: str
    column: str
    options: dict = field(default_factory=dict, compare=False)

    @property
    def decomposable(self):
        return self.family != "cv"

    @property
    def function(self):
        """The measure: :func:`~geoagglom.gini`, :func:`~geoagglom.theil`, ..."""
        return {
            "gini": gini,
            "theil": theil,
            "ge": generalized_entropy,
            "atkinson": atkinson,
            "cv": coefficient_of_variation,
        }[self.family]

    def value(self, y, weights=None, **options):
        """The index of ``y`` (a float)."""
        if self.family == "cv":
            return coefficient_of_variation(y, weights)
        return self.function(y, weights=weights, **self.options, **options).statistic


def index_choice(name, what="indices"):
    """Parse an index name (Table I's ``indices``) into an :class:`IndexChoice`.

    Parameters
    ----------
    name : str
        One of :data:`INDEX_FORMS` (case and spaces inside the brackets do not matter).
    what : str, default "indices"
        How the caller names the list, for the error (``"[measures] indices"``).

    Returns
    -------
    IndexChoice

    Raises
    ------
    InputError
        Naming ``what`` and the entry, and listing the valid forms.

    Examples
    --------
    >>> index_choice("GE(-1)").column
    'ge_-1'
    >>> index_choice("atkinson(0.5)").name
    'atkinson(0.5)'
    """
    forms = ", ".join(INDEX_FORMS)
    if not isinstance(name, str):
        raise InputError(f"{what}: entry {name!r} is not an index name; valid forms: {forms}.")
    text = name.strip().lower()
    if text == "gini":
        return IndexChoice("gini", "gini", "gini")
    if text in ("theil_t", "theil_l"):
        kind = text[-1].upper()
        return IndexChoice(text, "theil", f"theil_{kind}", {"kind": kind})
    if text == "cv":
        return IndexChoice("cv", "cv", "cv")
    match = _FORM.match(text)
    if match is None:
        raise InputError(f"{what}: unknown index {name!r}; valid forms: {forms}.")
    family, number = match.group(1), float(match.group(2))
    if not math.isfinite(number):
        raise InputError(f"{what}: {name!r} needs a finite number; valid forms: {forms}.")
    if family == "atkinson" and number < 0:
        raise InputError(
            f"{what}: {name!r}: the Atkinson index needs an inequality aversion ε ≥ 0; "
            f"valid forms: {forms}."
        )
    number = number + 0.0  # -0 → 0
    if family == "ge":
        return IndexChoice(f"ge({number:g})", "ge", f"ge_{number:g}", {"alpha": number})
    return IndexChoice(
        f"atkinson({number:g})", "atkinson", f"atkinson_{number:g}", {"epsilon": number}
    )


def index_choices(names, what="indices"):
    """Parse a list of index names; a name given twice is an error."""
    if isinstance(names, str):
        names = [names]
    choices = [index_choice(n, what) for n in names]
    seen = {}
    for raw, choice in zip(names, choices, strict=True):
        if choice.name in seen:
            raise InputError(
                f"{what}: {raw!r} repeats {seen[choice.name]!r}; give each index once."
            )
        seen[choice.name] = raw
    return choices


def _weight_choice(weights, measure):
    """The weighting of one index: None (equal), "area" or a column name of the values.

    ``measure`` is an :class:`IndexChoice` or a family name; a dict of weights
    is looked up by the index's name first (``"theil_t"``, ``"ge(2)"``), then by
    its family (``"theil"``, ``"ge"``); an index it does not name is unweighted.
    """
    if isinstance(weights, dict):
        _check_weight_keys(weights)
        if isinstance(measure, IndexChoice):
            found = _weight_lookup(weights, measure)
            weights = found if found is not None else weights.get(measure.family)
        else:
            weights = weights.get(measure)
    if weights is None or weights == "equal":
        return None
    if not isinstance(weights, str):
        raise InputError(
            f"weights = {weights!r}: give 'equal', 'area', a column of the values (e.g. "
            "'population') or a dict of those per index or family ('gini', 'theil', 'ge', "
            "'atkinson', 'cv', or an index name such as 'theil_t' or 'ge(2)')."
        )
    return weights


def _weight_lookup(weights, choice):
    for key, value in weights.items():
        if key not in INDEX_FAMILIES and index_choice(key, "weights").name == choice.name:
            return value
    return None


def _check_weight_keys(weights):
    for key in weights:
        if key in INDEX_FAMILIES:
            continue
        try:
            index_choice(key, "weights")
        except InputError:
            raise InputError(
                f"weights names an unknown index or family {key!r}; use a family "
                f"({', '.join(map(repr, INDEX_FAMILIES))}) or an index name "
                f"({', '.join(INDEX_FORMS)})."
            ) from None


def _check_weight_columns(values, weights, choices=None):
    if choices is None:
        choices = ("gini", "theil", "ge")
    for choice in choices:
        picked = _weight_choice(weights, choice)
        if picked is not None and picked not in INDEX_WEIGHTS.values:
            label = choice.name if isinstance(choice, IndexChoice) else choice
            validation.column(values, picked, f"{label} weight")


def _check_bootstrap(replicates, seed, ci):
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 0:
        raise InputError(
            f"bootstrap = {replicates!r}: give the number of replicates (0 for none, e.g. 999)."
        )
    check_seed(seed)
    CI_METHODS.check(ci, "ci")


def _alphas(alpha):
    if alpha is None:
        return []
    return [float(a) for a in (alpha if isinstance(alpha, list | tuple) else [alpha])]


def _with_interval(row, choice, y, w, replicates, seed, yr, ci, level, **opts):
    """The index of one year into ``row``, plus ``<column>_lo/_hi`` with a bootstrap."""
    name = choice.column
    row[name] = choice.value(y, w, **opts)
    if replicates:
        rng = stream(seed, f"bootstrap_{name}", yr)
        b = _bootstrap(
            choice.family,
            y,
            w,
            None,
            replicates=replicates,
            seed=rng,
            ci=ci,
            level=level,
            **choice.options,
            **opts,
        )
        row[f"{name}_lo"], row[f"{name}_hi"] = b.ci_low, b.ci_high


def _table_one_choices(indices, kind, alpha):
    """The indices of Table I: ``indices``, or Gini, Theil ``kind`` and GE(``alpha``)."""
    if indices is None:
        names = ["gini", f"theil_{str(kind).lower()}"]
        names += [f"ge({a:g})" for a in _alphas(alpha)]
        return index_choices(names, "alpha")
    if alpha is not None:
        raise InputError(
            "Give the GE indices either in indices (e.g. 'ge(2)') or as alpha, not both."
        )
    if isinstance(indices, str):
        indices = [indices]
    if not len(indices):
        forms = ", ".join(INDEX_FORMS)
        raise InputError(f"indices: give at least one index; valid forms: {forms}.")
    return index_choices(list(indices), "indices")


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
    weights=None,
    alpha=None,
    indices=None,
    bootstrap=0,
    seed=None,
    ci="percentile",
    level=0.95,
):
    """The study's Table I: per year, inequality indices of the regions' entropies.

    The regions' entropies come from :func:`region_entropy` (their own summed
    quantities and dissolved areas); the indices are unweighted across regions
    unless ``weights`` says otherwise.

    Parameters
    ----------
    units, values, grouping, quantity, unit, year, region_col, area_col, check_area
        As in :func:`region_entropy`.
    kind : {"T", "L"}, default "T"
        Which Theil index (without ``indices``).
    correction : bool, default False
        Small-sample correction of the Gini.
    weights : str or dict, optional
        How regions are weighted: ``"equal"`` (default), ``"area"`` (dissolved
        land area) or a column of ``values`` (e.g. ``"population"``), summed
        over each region's units; or a dict giving one of those per index
        family (keys ``"gini"``, ``"theil"``, ``"ge"``, ``"atkinson"``,
        ``"cv"``) or per index name (``"theil_t"``, ``"ge(2)"``; a name comes
        before its family). An index the dict does not name is unweighted.
    alpha : float or list of float, optional
        Without ``indices``: add a ``ge_<alpha>`` column (generalised entropy)
        per value.
    indices : list of str, optional
        The indices, in order, by name: ``"gini"``, ``"theil_t"``,
        ``"theil_l"``, ``"ge(α)"`` (any real α), ``"atkinson(ε)"`` (ε ≥ 0),
        ``"cv"`` (see :func:`index_choice`). Default: ``"gini"``, Theil
        ``kind`` and GE(``alpha``).
    bootstrap : int, default 0
        Bootstrap replicates (0: none). With replicates, every index gets
        ``<index>_lo`` and ``<index>_hi`` interval columns (regions resampled).
    seed : None, int or numpy.random.Generator
        With an int, each index and year draws from its own stream
        ``geoagglom.seeding.stream(seed, "bootstrap_<column>", year)``.
    ci : {"percentile", "bca"}, default "percentile"
    level : float, default 0.95
    entropy : pandas.DataFrame, optional
        The regions' entropies already computed by :func:`region_entropy` (then
        ``units``, ``values``, ``grouping`` and ``quantity`` are not read again).

    Returns
    -------
    pandas.DataFrame
        ``year, n_regions``, then one column per index (``gini``, ``theil_T``,
        ``theil_L``, ``ge_<α>``, ``atkinson_<ε>``, ``cv``), one row per year;
        with ``bootstrap`` each index is followed by its ``_lo`` and ``_hi``
        columns.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"area_km2": [1.0, 1.0, 2.0]}, index=pd.Index([1, 2, 3], name="unit"))
    >>> values = pd.DataFrame({"unit": [1, 2, 3], "year": 2020, "q": [1.0, 3.0, 2.0]})
    >>> t = table_regions(units, values, {1: "a", 2: "b", 3: "b"}, "q", indices=["gini", "cv"])
    >>> list(t.columns)
    ['year', 'n_regions', 'gini', 'cv']
    """
    _check_bootstrap(bootstrap, seed, ci)
    choices = _table_one_choices(indices, kind, alpha)
    _check_weight_columns(values, weights, choices)
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
    columns = {}
    for choice in choices:
        picked = _weight_choice(weights, choice)
        if picked is not None and picked not in columns and picked != "area":
            columns[picked] = _region_sums(values, grouping, picked, units, unit, year, region_col)
    rows = []
    for yr, part in entropy.groupby(year, sort=True):
        beta = part["beta"].to_numpy()
        regions = part[region_col].to_numpy()

        def w_of(choice, yr=yr, part=part, regions=regions):
            picked = _weight_choice(weights, choice)
            if picked is None:
                return None
            if picked == "area":
                return part["area_km2"].to_numpy()
            return columns[picked][yr].reindex(regions).to_numpy(dtype=float)

        row = {year: yr, "n_regions": len(part)}
        common = {"replicates": bootstrap, "seed": seed, "yr": yr, "ci": ci, "level": level}
        with _year_context(yr):
            for choice in choices:
                opts = {"correction": correction} if choice.family == "gini" else {}
                _with_interval(row, choice, beta, w_of(choice), **common, **opts)
        rows.append(row)
    return pd.DataFrame(rows)


def _region_sums(values, grouping, col, units, unit, year, region_col):
    """Year → Series region → sum of ``col`` over the region's units."""
    years = sorted(pd.unique(values[year]))
    groupings = _groupings(grouping, years, unit, year, region_col)
    out = {}
    for yr in years:
        rows = _year_rows(values, yr, unit, year, units)
        out[yr] = rows[col].groupby(groupings[yr].reindex(units.index).to_numpy()).sum()
    return out


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
    weights=None,
    alpha=2.0,
    epsilon=1.0,
    bootstrap=0,
    ci="percentile",
    level=0.95,
):
    """The study's Table II: per year, the units' entropies decomposed by region.

    Parameters
    ----------
    units, values, grouping, quantity, unit, year, region_col, area_col
        As in :func:`region_entropy`.
    measure : {"theil", "gini", "ge", "atkinson"}, default "theil"
        ``"theil"``: within, within share, between, between share, total
        (Theil ``kind``); ``"gini"``: Dagum's within, net between and
        transvariation parts with their shares; ``"ge"``: GE(``alpha``)'s
        within and between parts; ``"atkinson"``: A(``epsilon``)'s within and
        between parts.
    kind : {"T", "L"}, default "T"
    permutations : int, default 0
        Theil only: permutation inference on the between part (adds ``p_sim``).
    seed : int or numpy.random.Generator, optional
        An int gives each year its own streams, ``geoagglom.seeding.stream(seed,
        "theil_<kind>", year)`` for the permutations and ``stream(seed,
        "bootstrap_<index>", year)`` for the bootstrap, so a year's numbers do not
        depend on the other years; a Generator drives all years in order.
    entropy : pandas.DataFrame, optional
        The units' entropies already computed by :func:`unit_entropy` (then
        ``values`` and ``quantity`` are not read again).
    weights : str, optional
        Unit weights: ``"equal"`` (default), ``"area"`` (land area) or a column
        of ``values`` (e.g. ``"population"``).
    alpha : float, default 2.0
        GE's parameter (``measure="ge"``).
    epsilon : float, default 1.0
        Atkinson's inequality aversion (``measure="atkinson"``).
    bootstrap : int, default 0
        Bootstrap replicates (0: none), resampling units within regions; adds
        ``<part>_lo`` and ``<part>_hi`` for the total and every part.
    ci : {"percentile", "bca"}, default "percentile"
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per year.
    """
    if measure not in ("theil", "gini", "ge", "atkinson"):
        raise InputError(f"Unknown measure {measure!r}; use 'theil', 'gini', 'ge' or 'atkinson'.")
    _check_bootstrap(bootstrap, seed, ci)
    if isinstance(weights, dict):
        raise InputError("table_decomposition takes one weighting (a str), not a dict.")
    _check_weight_columns(values, weights)
    choice = _weight_choice(weights, measure)
    if entropy is None:
        entropy = unit_entropy(units, values, quantity, unit=unit, year=year, area_col=area_col)
    if choice == "area":
        areas = _unit_areas(units, area_col)
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
            if choice is None:
                w = None
            elif choice == "area":
                w = areas.reindex(part.index).to_numpy()
            else:
                w = _year_rows(values, yr, unit, year, units)[choice].reindex(part.index)
                w = w.to_numpy(dtype=float)
            if measure == "theil":
                result = theil(
                    part["beta"],
                    kind=kind,
                    weights=w,
                    groups=labels,
                    permutations=permutations,
                    seed=stream(seed, f"theil_{kind}", yr) if permutations else None,
                )
                index, opts = theil, {"kind": kind}
            elif measure == "ge":
                result = generalized_entropy(part["beta"], alpha, weights=w, groups=labels)
                index, opts = generalized_entropy, {"alpha": alpha}
            elif measure == "atkinson":
                result = atkinson(part["beta"], epsilon, weights=w, groups=labels)
                index, opts = atkinson, {"epsilon": epsilon}
            else:
                result = gini(part["beta"], weights=w, groups=labels)
                index, opts = gini, {}
            frame = result.to_frame().drop(columns=["index", "weighted"])
            if bootstrap:
                name = result.to_frame()["index"].iloc[0]
                b = _bootstrap(
                    index,
                    part["beta"].to_numpy(),
                    w,
                    labels,
                    replicates=bootstrap,
                    seed=stream(seed, f"bootstrap_{name}", yr),
                    ci=ci,
                    level=level,
                    **opts,
                )
                for p in b.parts:
                    frame[f"{p}_lo"], frame[f"{p}_hi"] = b.lo[p], b.hi[p]
        frames[yr] = frame
    out = _stack(frames, year)
    if measure == "gini":
        first = [year, "total", "within", "within_share", "net_between", "net_between_share"]
        first += ["transvariation", "transvariation_share"]
    else:
        first = [year, "total", "within", "within_share", "between", "between_share"]
    return out[first + [c for c in out.columns if c not in first]]


def table_change(
    units,
    values,
    grouping,
    quantity,
    start,
    end,
    *,
    unit="unit",
    year="year",
    region_col="region",
    area_col="area_km2",
    measure="theil",
    kind="T",
    alpha=2.0,
    epsilon=1.0,
    weights=None,
    bootstrap=999,
    seed=None,
    ci="percentile",
    level=0.95,
    entropy=None,
):
    """Change of the units' inequality and of its parts between two years, with intervals.

    The units' entropies of ``start`` and ``end`` (as in Table II) are
    decomposed by region and the change of every part is bootstrapped in pairs
    (:func:`~geoagglom.bootstrap_change`): each replicate draws the same units,
    within their region, in both years.

    Parameters
    ----------
    units, values, grouping, quantity, unit, year, region_col, area_col
        As in :func:`table_decomposition`; the grouping must be the same in the
        two years (a unit cannot change region within the comparison).
    start, end : year labels
    measure : {"theil", "gini", "ge", "atkinson"}, default "theil"
    kind : {"T", "L"}, default "T"
    alpha : float, default 2.0
        GE's parameter (``measure="ge"``).
    epsilon : float, default 1.0
        Atkinson's inequality aversion (``measure="atkinson"``).
    weights : str, optional
        ``"equal"`` (default), ``"area"`` or a column of ``values``; the weights
        of each year are used in that year.
    bootstrap : int, default 999
        Replicates (at least 2).
    seed : None, int or numpy.random.Generator
        An int gives the stream ``stream(seed, "bootstrap_change_<index>", end)``.
    ci : {"percentile", "bca"}, default "percentile"
    level : float, default 0.95
    entropy : pandas.DataFrame, optional
        The units' entropies already computed by :func:`unit_entropy`.

    Returns
    -------
    pandas.DataFrame
        One row per part (``total`` and the decomposition's parts): ``start``,
        ``end`` (the values), ``change``, ``se``, ``lo``, ``hi``, ``p_value``,
        plus ``index``, ``from_year``, ``to_year``.
    """
    from geoagglom.measures.bootstrap import bootstrap_change

    if measure not in ("theil", "gini", "ge", "atkinson"):
        raise InputError(f"Unknown measure {measure!r}; use 'theil', 'gini', 'ge' or 'atkinson'.")
    _check_bootstrap(bootstrap, seed, ci)
    if bootstrap < 2:
        raise InputError(f"bootstrap = {bootstrap}: the change needs at least 2 replicates.")
    _check_weight_columns(values, weights)
    choice = _weight_choice(weights, measure)
    if entropy is None:
        entropy = unit_entropy(units, values, quantity, unit=unit, year=year, area_col=area_col)
    years = sorted(pd.unique(entropy[year]))
    lacking = [yr for yr in (start, end) if yr not in years]
    if lacking:
        raise InputError(
            f"The values have no year {format_ids(lacking)}; their years are {format_ids(years)}."
        )
    groupings = _groupings(grouping, years, unit, year, region_col)
    labels, betas, ws = {}, {}, {}
    for yr in (start, end):
        part = entropy[entropy[year] == yr].set_index(unit).reindex(units.index)
        with _year_context(yr):
            check_coverage(part.index, groupings[yr])
        labels[yr] = groupings[yr].reindex(part.index).to_numpy()
        betas[yr] = part["beta"].to_numpy()
        if choice is None:
            ws[yr] = None
        elif choice == "area":
            ws[yr] = _unit_areas(units, area_col).reindex(part.index).to_numpy()
        else:
            rows = _year_rows(values, yr, unit, year, units)
            ws[yr] = rows[choice].reindex(part.index).to_numpy(dtype=float)
    moved = labels[start] != labels[end]
    if moved.any():
        raise InputError(
            f"Units {format_ids(units.index[moved])} are in different regions in {start} and "
            f"{end}; the paired change needs one grouping for both years."
        )
    index, opts = {
        "theil": (theil, {"kind": kind}),
        "gini": (gini, {}),
        "ge": (generalized_entropy, {"alpha": alpha}),
        "atkinson": (atkinson, {"epsilon": epsilon}),
    }[measure]
    name = {
        "theil": f"theil_{kind}",
        "gini": "gini",
        "ge": f"ge_{float(alpha):g}",
        "atkinson": f"atkinson_{float(epsilon):g}",
    }[measure]
    result = bootstrap_change(
        index,
        betas[start],
        betas[end],
        ws[start],
        labels[start],
        weights_end=ws[end],
        ids=units.index,
        replicates=bootstrap,
        seed=stream(seed, f"bootstrap_change_{name}", end),
        ci=ci,
        level=level,
        **opts,
    )
    frame = result.to_frame()
    frame.insert(1, "from_year", start)
    frame.insert(2, "to_year", end)
    return frame
