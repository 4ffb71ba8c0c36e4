"""Concentration measures: financial entropy and the location quotient.

* Financial entropy of unit ``i`` (an area-density location quotient):
  ``beta_i = (D_i / S_i) / (D / S)``, with ``D_i`` the unit's financial quantity
  (e.g. deposits plus loans), ``S_i`` its land area in km² and ``D``, ``S`` the
  totals over the study region. ``beta_i > 1``: denser than the region.
* Location quotient of industry ``i`` in unit ``j``:
  ``LQ_ij = (Q_ij / Q_j) / (Q_i / Q)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoagglom import validation
from geoagglom._repr import FrameReprMixin
from geoagglom.errors import InputError, format_ids

__all__ = ["FinancialEntropy", "LocationQuotient", "financial_entropy", "location_quotient"]

# A user-given total may be below the sum over the table only by rounding.
_TOTAL_RTOL = 1e-9


def _unit_name(ids):
    return ids.name if ids.name is not None else "unit"


class FinancialEntropy(FrameReprMixin):
    """Financial entropy ``beta_i = (D_i/S_i)/(D/S)`` of every unit.

    Build it with :func:`financial_entropy`; every attribute is computed at
    construction.

    Parameters
    ----------
    quantity, area : pandas.Series
        ``D_i`` and ``S_i`` (km²) by unit, checked.
    total_quantity, total_area : float
        ``D`` and ``S``. :func:`financial_entropy` checks its input and builds it.

    Attributes
    ----------
    statistic, beta : pandas.Series
        ``beta_i``, indexed by unit.
    quantity, area_km2, density : pandas.Series
        ``D_i``, ``S_i`` and ``D_i / S_i``.
    total_quantity, total_area : float
        ``D`` and ``S``.
    mean_density : float
        ``D / S``.
    n : int
    """

    def __init__(self, quantity, area, total_quantity, total_area):
        self.n = len(quantity)
        self.quantity = quantity.rename("quantity")
        self.area_km2 = area.rename("area_km2")
        self.total_quantity = float(total_quantity)
        self.total_area = float(total_area)
        self.mean_density = self.total_quantity / self.total_area
        self.density = (quantity / area).rename("density")
        self.beta = (self.density / self.mean_density).rename("beta")
        self.statistic = self.beta

    def to_frame(self):
        """Tidy frame: one row per unit with quantity, area_km2, density and beta."""
        frame = pd.concat([self.quantity, self.area_km2, self.density, self.beta], axis=1)
        name = _unit_name(frame.index)
        return frame.rename_axis(name).reset_index()

    def __repr__(self):
        top = self.beta.sort_values(ascending=False)
        shown = ", ".join(f"{k}: {v:.3g}" for k, v in top.head(3).items())
        return (
            f"FinancialEntropy(n={self.n}, total_quantity={self.total_quantity:.6g}, "
            f"total_area={self.total_area:.6g} km², beta from {self.beta.min():.3g} "
            f"to {self.beta.max():.3g}; densest {shown})"
        )


def _quantity(data, quantity, ids):
    """The financial quantity per unit: one column, several summed, or values.

    A list means several columns when a table is given, else the values.
    """
    names = quantity if isinstance(quantity, list) and data is not None else [quantity]
    if not names:
        raise InputError("The list of quantity columns is empty; name at least one column.")
    total, index = None, None
    for name in names:
        values, index = validation.vector(name, data, "quantity" if len(names) == 1 else repr(name))
        labels = ids if ids is not None else index
        what = f"The quantity {name!r}" if isinstance(name, str) else "The quantity"
        validation.check_values(values, labels, what)
        total = values if total is None else total + values
    return total, index


def _area(data, area, n):
    if isinstance(area, str) and data is not None and area not in data.columns:
        geometry = getattr(data, "geometry", None) if hasattr(data, "crs") else None
        if area == "area_km2" and geometry is not None:
            # Land areas from the boundaries themselves (geodesic, km²).
            from geoagglom.data.area import land_area

            return land_area(data).to_numpy(dtype=float), None
        raise InputError(
            f"The area column {area!r} is not in the table. Add land areas in km² "
            "(e.g. geoagglom.land_area(gdf)), name the column with area=, or pass a "
            "GeoDataFrame so that the areas come from its geometries."
        )
    return validation.vector(area, data, "area", n)


def financial_entropy(
    data=None,
    quantity=None,
    area="area_km2",
    *,
    total_quantity=None,
    total_area=None,
    ids=None,
):
    """Financial entropy ``beta_i = (D_i/S_i)/(D/S)`` of every unit.

    Parameters
    ----------
    data : pandas.DataFrame or geopandas.GeoDataFrame, optional
        One row per unit. Needed when ``quantity`` or ``area`` are column names.
    quantity : str, list of str or array-like
        The financial quantity ``D_i`` (>= 0): a column, a list of columns that
        are summed (e.g. ``["deposits", "loans"]``), or the values.
    area : str or array-like, default "area_km2"
        Land area ``S_i`` in km² (> 0): a column or the values. When the
        default column is absent and ``data`` is a GeoDataFrame, the areas are
        computed from its geometries with :func:`geoagglom.land_area`.
    total_quantity, total_area : float, optional
        ``D`` and ``S``. By default the sums over the units given; pass them
        to measure against a larger region (e.g. a province total that
        includes units not in the table). They may not be smaller than the
        sums over the table.
    ids : str or array-like, optional
        Unit labels (default: the index of ``data`` or of the quantity Series).

    Returns
    -------
    FinancialEntropy

    Raises
    ------
    InputError
        NaN or negative quantities, NaN, zero or negative areas (naming the
        units), a zero total area or quantity, totals below the table's sums.

    Examples
    --------
    >>> e = financial_entropy(quantity=[10.0, 30.0], area=[1.0, 1.0])
    >>> e.beta.tolist()
    [0.5, 1.5]
    """
    if quantity is None:
        raise InputError("Name the financial quantity: quantity='column' or a list of columns.")
    n = len(data) if data is not None else len(quantity)
    labels = validation.resolve_ids(data, ids, n)
    q, q_index = _quantity(data, quantity, labels)
    if labels is None:
        labels = q_index  # None for plain arrays: messages then name positions
    s, s_index = _area(data, area, n)
    s = validation.align(s, s_index, q_index if data is None else None, "area")
    validation.check_values(
        s, labels, "The land area", allow_zero=False, zero_reason=", so its density is undefined"
    )
    d_sum, s_sum = math.fsum(q), math.fsum(s)
    D = d_sum if total_quantity is None else _total(total_quantity, d_sum, "total_quantity")
    S = s_sum if total_area is None else _total(total_area, s_sum, "total_area")
    if S == 0:
        raise InputError("The total land area is zero; entropy needs a positive area.")
    if D == 0:
        raise InputError(
            "The total financial quantity is zero, so the mean density D/S is zero and "
            "every beta is undefined. Check the quantity column and the year."
        )
    index = pd.Index(labels) if labels is not None else pd.RangeIndex(n)
    return FinancialEntropy(pd.Series(q, index=index), pd.Series(s, index=index), D, S)


def _total(value, table_sum, name):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{name} must be a finite non-negative number, got {value!r}.")
    if value == 0:
        raise InputError(
            f"{name} is zero; the region's total must be positive (leave it out to use the "
            "table's sum)."
        )
    if value < table_sum * (1 - _TOTAL_RTOL):
        raise InputError(
            f"{name} = {value!r} is smaller than the sum over the units in the table "
            f"({table_sum!r}); a region's total must include all of its units. Check the "
            "total, or leave it out to use the table's sum."
        )
    return value


# --------------------------------------------------------------------------- LQ


class LocationQuotient(FrameReprMixin):
    """Location quotients ``LQ_ij = (Q_ij/Q_j)/(Q_i/Q)`` (units × industries).

    Build it with :func:`location_quotient`.

    Parameters
    ----------
    values : pandas.DataFrame
        ``Q_ij``, units × industries, checked.
    unit_total : pandas.Series
        ``Q_j``. :func:`location_quotient` checks its input and builds it.

    Attributes
    ----------
    statistic, lq : pandas.DataFrame
        Units (rows) by industries (columns).
    values : pandas.DataFrame
        ``Q_ij``.
    unit_total : pandas.Series
        ``Q_j`` (the unit's total over all industries).
    industry_share : pandas.Series
        ``Q_i / Q``, the industries' shares in the whole.
    total : float
        ``Q``.
    """

    def __init__(self, values, unit_total):
        self.values = values
        self.unit_total = unit_total.rename("unit_total")
        self.total = math.fsum(unit_total)
        self.industry_share = (values.sum(axis=0) / self.total).rename("industry_share")
        self.lq = values.div(unit_total, axis=0).div(self.industry_share, axis=1)
        self.statistic = self.lq
        self.n = len(values)

    def to_frame(self):
        """Tidy frame: one row per (unit, industry) with the value and the quotient."""
        unit = _unit_name(self.lq.index)
        long = self.lq.rename_axis(index=unit, columns="industry").stack().rename("lq")
        value = self.values.rename_axis(index=unit, columns="industry").stack().rename("value")
        return pd.concat([value, long], axis=1).reset_index()

    def __repr__(self):
        cols = list(self.lq.columns)
        return (
            f"LocationQuotient(n_units={self.n}, industries={format_ids(cols, 6)}, "
            f"lq from {np.nanmin(self.lq.to_numpy()):.3g} to {np.nanmax(self.lq.to_numpy()):.3g})"
        )


def location_quotient(
    data,
    value=None,
    *,
    unit=None,
    industry=None,
    industries=None,
    unit_total=None,
):
    """Location quotients ``LQ_ij = (Q_ij/Q_j)/(Q_i/Q)`` from a wide or long table.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide: one row per unit (index = unit ids), one column per industry.
        Long: one row per (unit, industry) with the columns ``unit``,
        ``industry`` and ``value``.
    value : str, optional
        Long form: the value column.
    unit, industry : str, optional
        Long form: the unit and industry columns (give both, with ``value``).
    industries : list of str, optional
        Wide form: the industry columns (default: every numeric column).
    unit_total : str or array-like, optional
        ``Q_j``, each unit's total over all industries, when the table holds
        only some industries (e.g. finance and the total). By default the sum
        over the industries given. ``Q`` is always ``Σ_j Q_j``.

    Returns
    -------
    LocationQuotient

    Raises
    ------
    InputError
        Missing columns, duplicate or missing (unit, industry) pairs in the long
        form, NaN or negative values (naming unit and industry), units or
        industries whose total is zero, a unit_total below the sum of its
        industries.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"finance": [2.0, 8.0], "other": [8.0, 2.0]}, index=["a", "b"])
    >>> float(location_quotient(t).lq.loc["a", "finance"])
    0.4
    """
    if unit is not None or industry is not None:
        wide = _pivot_long(data, unit, industry, value)
    else:
        cols = industries
        if cols is None:
            cols = [
                c
                for c in data.columns
                if c != getattr(data, "_geometry_column_name", None)
                and pd.api.types.is_numeric_dtype(data[c])
                and not (isinstance(unit_total, str) and c == unit_total)
            ]
        for c in cols:
            validation.column(data, c, "industry")
        wide = data[list(cols)].astype(float)
    if wide.shape[1] == 0:
        raise InputError("No industry columns were found; name them with industries=[...].")
    arr = wide.to_numpy()
    bad_nan = ~np.isfinite(arr)
    bad_neg = arr < 0
    for bad, problem in ((bad_nan, "missing (NaN) or infinite"), (bad_neg, "negative")):
        if bad.any():
            r, c = np.nonzero(bad)
            pairs = [f"({wide.index[i]!r}, {wide.columns[j]!r})" for i, j in zip(r, c, strict=True)]
            raise InputError(
                f"The value is {problem} for (unit, industry) {format_ids(pairs)}. Correct or "
                "fill them explicitly before computing location quotients."
            )
    if unit_total is None:
        totals = wide.sum(axis=1)
    else:
        t, t_index = validation.vector(unit_total, data, "unit total", len(wide))
        t = validation.align(t, t_index, None, "unit total")
        validation.check_values(t, wide.index, "The unit total")
        below = t < wide.sum(axis=1).to_numpy() * (1 - _TOTAL_RTOL)
        if below.any():
            raise InputError(
                f"unit_total is smaller than the sum of the industries given for units "
                f"{format_ids(wide.index[below])}; it must be each unit's total over all "
                "industries."
            )
        totals = pd.Series(t, index=wide.index)
    zero = totals.to_numpy() == 0
    if zero.any():
        raise InputError(
            f"Units {format_ids(wide.index[zero])} have a total of zero, so their "
            "industry shares are undefined; remove them."
        )
    zero = wide.sum(axis=0).to_numpy() == 0
    if zero.any():
        raise InputError(
            f"Industries {format_ids(list(wide.columns[zero]))} are zero in every unit, so "
            "their quotients are undefined; remove those columns."
        )
    return LocationQuotient(wide, totals)


def _pivot_long(data, unit, industry, value):
    if unit is None or industry is None or value is None:
        raise InputError(
            "Long input needs all of unit=, industry= and value= (column names); for a wide "
            "table (units × industries) give none of them."
        )
    for name, what in ((unit, "unit"), (industry, "industry"), (value, "value")):
        validation.column(data, name, what)
    dup = data.duplicated([unit, industry], keep=False)
    if dup.any():
        pairs = sorted({(u, i) for u, i in data.loc[dup, [unit, industry]].itertuples(False)})
        raise InputError(
            f"(unit, industry) pairs appear more than once: {format_ids(pairs)}. Aggregate "
            "them first (one row per pair)."
        )
    wide = data.pivot(index=unit, columns=industry, values=value)
    # A cell absent from the long table is an error, not a silent zero.
    present = pd.MultiIndex.from_frame(data[[unit, industry]])
    full = pd.MultiIndex.from_product([wide.index, wide.columns])
    missing = full.difference(present)
    if len(missing):
        raise InputError(
            f"(unit, industry) pairs are missing from the long table: "
            f"{format_ids(list(missing))}. Add them (with 0 where the industry is absent)."
        )
    wide.columns.name = None
    try:
        return wide.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"The value column {value!r} is not numeric; convert it first.") from None
