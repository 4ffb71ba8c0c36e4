"""Panel input of the dynamics: one value per unit and year, aligned with the weights.

A panel is accepted as

* a long DataFrame with one row per unit and year (columns ``unit``, ``year``
  and ``value``; the names are keywords);
* a wide DataFrame, units x years (index = unit ids, columns = years);
* a 2-D array, units x years, rows in the weights' unit order.

It becomes a float array ``(n, t)`` in the weights' unit order and increasing
year order. Missing unit-years (a unit lacking a year, a NaN value, a unit of
the weights absent from the panel) follow the ``unbalanced`` policy
(:data:`geoagglom.options.UNBALANCED`): an error naming the units and years
(default), or dropping the units (from the weights too) or the years, with a
:class:`~geoagglom.errors.PanelDropWarning` and the dropped labels kept on the
result. A year whose values are all equal is an error: its spatial statistics
are undefined.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse

from geoagglom.errors import InputError, PanelDropWarning, format_ids
from geoagglom.options import PANEL_SCALES, UNBALANCED
from geoagglom.spatial._base import _Weights
from geoagglom.spatial.weights import _graph_positions, as_graph


class _Panel:
    """A checked panel: ``values`` (n, t) in the order of ``ids`` x ``years``."""

    def __init__(self, values, ids, years, wts, dropped_units, dropped_years):
        self.values = values
        self.ids = ids
        self.years = years
        self.wts = wts
        self.dropped_units = dropped_units
        self.dropped_years = dropped_years

    @property
    def n(self):
        return self.values.shape[0]

    @property
    def t(self):
        return self.values.shape[1]

    def dropped(self):
        """``{"units": [...], "years": [...]}`` left out under the ``unbalanced`` policy."""
        return {"units": list(self.dropped_units), "years": list(self.dropped_years)}


def _wide(panel, unit, year, value):
    """The panel as a wide DataFrame (units x years), or None for a plain array."""
    if isinstance(panel, pd.DataFrame):
        cols = set(panel.columns)
        if unit in cols and year in cols:
            if value is None:
                rest = [c for c in panel.columns if c not in (unit, year)]
                if len(rest) != 1:
                    raise InputError(
                        f"long panel: name the value column with value=...; the columns other "
                        f"than {unit!r} and {year!r} are {format_ids(rest)}."
                    )
                value = rest[0]
            if value not in cols:
                raise InputError(
                    f"long panel: value column {value!r} is not in the table; its columns are "
                    f"{format_ids(list(panel.columns))}."
                )
            dup = panel.duplicated([unit, year], keep=False)
            if dup.any():
                pairs = panel.loc[dup, [unit, year]].drop_duplicates()
                shown = [f"{u}/{y}" for u, y in pairs.itertuples(index=False)]
                raise InputError(
                    f"panel has more than one row for unit/year {format_ids(shown)}; "
                    "aggregate them to one value per unit and year."
                )
            if panel[unit].isna().any() or panel[year].isna().any():
                raise InputError(f"long panel: some rows have no {unit!r} or no {year!r}.")
            try:
                vals = pd.to_numeric(panel[value])
            except (TypeError, ValueError) as exc:
                raise InputError(f"panel column {value!r} must be numeric ({exc}).") from None
            return pd.DataFrame(
                {"u": panel[unit].to_numpy(), "y": panel[year].to_numpy(), "v": vals.to_numpy()}
            ).pivot(index="u", columns="y", values="v")
        if value is not None:
            raise InputError(
                f"value={value!r} was given but the panel has no {unit!r} and {year!r} "
                "columns; a long panel needs them (set unit=..., year=...), a wide panel "
                "(units x years) takes no value=."
            )
        try:
            return panel.apply(pd.to_numeric)
        except (TypeError, ValueError) as exc:
            raise InputError(
                "wide panel (units x years): every column must be a numeric year of values "
                f"({exc}); for a long table pass unit=..., year=..., value=... column names."
            ) from None
    arr = np.asarray(panel)
    if arr.ndim != 2:
        raise InputError(
            f"panel must be a DataFrame (long or wide) or a 2-D array units x years; "
            f"got shape {arr.shape}."
        )
    return None


def _years_ok(years):
    try:
        return sorted(years)
    except TypeError:
        raise InputError(
            f"the panel's years cannot be ordered: {format_ids(list(years))}."
        ) from None


def _check_panel(
    panel,
    w,
    *,
    unit="unit",
    year="year",
    value=None,
    years=None,
    transform="r",
    unbalanced="raise",
    min_years=3,
    what="this statistic",
    light=False,
):
    """Check a panel and its weights; returns a :class:`_Panel`.

    ``light=True``: the weights only as the sparse matrix ``full`` (what lags need),
    without the sums and the split matrices that local statistics use.
    """
    UNBALANCED.check(unbalanced, "unbalanced")
    graph = as_graph(w)
    gids = pd.Index(graph.unique_ids)
    if gids.name == "focal":
        gids = gids.rename(None)
    wide = _wide(panel, unit, year, value)
    if wide is None:
        arr = np.asarray(panel)
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"panel values must be numeric ({exc}).") from None
        if arr.shape[0] != len(gids):
            raise InputError(
                f"panel array has {arr.shape[0]} rows but the weights have {len(gids)} units; "
                "give one row per unit in the weights' order (or a DataFrame indexed by id)."
            )
        ylabels = list(years) if years is not None else list(range(arr.shape[1]))
        if len(ylabels) != arr.shape[1]:
            raise InputError(f"years has {len(ylabels)} labels for {arr.shape[1]} panel columns.")
        wide = pd.DataFrame(arr, index=gids, columns=ylabels)
        years = None
    wide = wide[_years_ok(wide.columns)]
    if years is not None:
        years = list(years)
        absent = [y for y in years if y not in set(wide.columns)]
        if absent:
            raise InputError(
                f"year(s) {format_ids(absent)} not in the panel; it has "
                f"{format_ids(list(wide.columns))}."
            )
        wide = wide[_years_ok(years)]
    if not wide.index.is_unique:
        dup = wide.index[wide.index.duplicated()].unique()
        raise InputError(f"panel has duplicated unit ids {format_ids(dup)}; one row per unit.")
    extra = wide.index.difference(gids, sort=False)
    if len(extra):
        raise InputError(
            f"panel units not in the weights: {format_ids(extra)}; build the weights from "
            "the same layer as the panel, or drop those units from the panel."
        )
    if not wide.index.equals(gids):
        wide = wide.reindex(gids)
    missing = wide.isna().to_numpy()
    dropped_units, dropped_years = [], []
    if missing.any():
        bad_units = gids[missing.any(axis=1)]
        bad_years = list(wide.columns[missing.any(axis=0)])
        if unbalanced == "raise":
            shown = [
                f"{u} (lacks {format_ids(list(wide.columns[missing[i]]), limit=5)})"
                for i, u in enumerate(gids)
                if missing[i].any()
            ]
            raise InputError(
                f"unbalanced panel: {len(bad_units)} unit(s) lack a value in some year: "
                f"{format_ids(shown, limit=10)}. Complete the panel, or pass "
                "unbalanced='drop_units' (drop those units, from the weights too) or "
                "unbalanced='drop_years' (drop those years)."
            )
        if unbalanced == "drop_units":
            dropped_units = list(bad_units)
            wide = wide.drop(index=bad_units)
            graph = graph.subgraph(wide.index)
            gids = wide.index
        else:
            dropped_years = bad_years
            wide = wide.drop(columns=bad_years)
        warnings.warn(
            f"unbalanced panel: dropped {len(dropped_units)} unit(s) "
            f"{format_ids(dropped_units)} and {len(dropped_years)} year(s) "
            f"{format_ids(dropped_years)} (unbalanced={unbalanced!r}).",
            PanelDropWarning,
            stacklevel=3,
        )
    if wide.shape[1] < min_years:
        raise InputError(
            f"{what} needs at least {min_years} years; the panel has {wide.shape[1]} "
            f"({format_ids(list(wide.columns))})."
        )
    vals = wide.to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        rows = [
            f"{u}/{y}"
            for u, y in zip(
                wide.index[bad.nonzero()[0]], wide.columns[bad.nonzero()[1]], strict=True
            )
        ]
        raise InputError(f"panel has infinite values at unit/year {format_ids(rows)}.")
    const = [y for j, y in enumerate(wide.columns) if np.ptp(vals[:, j]) == 0]
    if const:
        raise InputError(
            f"the values are constant over all units in year(s) {format_ids(const)}: "
            f"{what} is undefined there (no variation). Check the data, or leave those "
            "years out with years=[...]."
        )
    wts = _weights(graph, transform, light)
    order = wts.ids.get_indexer(wide.index)
    if (order != np.arange(len(order))).any():
        vals = vals[np.argsort(order)]
    return _Panel(vals, wts.ids, list(wide.columns), wts, dropped_units, dropped_years)


class _LagWeights:
    """The part of :class:`~geoagglom.spatial._base._Weights` that spatial lags need.

    ``transform``: None (as given), ``'r'`` (each row divided by its sum; rows that
    already sum to 1 are left as they are) or ``'b'`` (1 per neighbour).
    """

    def __init__(self, graph, transform):
        ids = pd.Index(graph.unique_ids)
        self.ids = ids.rename(None) if ids.name == "focal" else ids
        self.n = n = len(self.ids)
        h, t, v = _graph_positions(graph)
        full = sparse.csr_array((v.astype(float), (h, t)), shape=(n, n))
        full.sum_duplicates()
        full.eliminate_zeros()
        isl = np.flatnonzero(np.diff(full.indptr) == 0)
        if len(isl):
            raise InputError(
                f"{len(isl)} unit(s) have no neighbours in the weights (islands): "
                f"{format_ids(self.ids[isl])}. Their spatial lag is undefined; rebuild the "
                "weights with geoagglom.spatial_weights(..., islands='drop' or 'nearest'), "
                "or drop them with graph.subgraph(...)."
            )
        if transform in ("b", "B"):
            full.data[:] = 1.0
        rowsum = np.asarray(full.sum(axis=1)).ravel()
        if transform in ("r", "R") and not np.allclose(rowsum, 1.0, rtol=0.0, atol=1e-12):
            full.data /= np.repeat(rowsum, np.diff(full.indptr))
            rowsum = np.asarray(full.sum(axis=1)).ravel()
        self.full = full
        self.rowsum = rowsum


def _weights(graph, transform, light=False):
    """The weights of a panel statistic.

    ``transform='r'`` leaves weights whose rows already sum to 1 as they are:
    re-standardising them would only move the weights by rounding, and with them
    the classes of values within rounding of a class bound.
    """
    if transform not in (None, "r", "R", "b", "B"):
        raise InputError(
            f"transform must be None (use the weights as given), 'r' or 'b'; got {transform!r}."
        )
    if light:
        return _LagWeights(graph, transform)
    if transform in ("r", "R"):
        wts = _Weights(graph, None)
        if np.allclose(wts.rowsum, 1.0, rtol=0.0, atol=1e-12):
            return wts
    return _Weights(graph, transform)


def _scale(values, scale, years):
    """Scale each year (column) of ``values`` as :data:`PANEL_SCALES` says."""
    PANEL_SCALES.check(scale, "scale")
    if scale == "raw":
        return values.copy()
    mean = values.mean(axis=0)
    if scale == "mean":
        zero = [y for y, m in zip(years, mean, strict=True) if m == 0]
        if zero:
            raise InputError(
                f"scale='mean': the year mean is zero in {format_ids(zero)}, so values "
                "relative to it are undefined; use scale='zscore' or 'raw'."
            )
        return values / mean
    return (values - mean) / values.std(axis=0)
