"""Input handling and result bases shared by the spatial statistics."""

from __future__ import annotations

import functools
import numbers

import numpy as np
import pandas as pd
from scipy import sparse

from geoagglom._repr import FrameReprMixin
from geoagglom.errors import InputError, format_ids
from geoagglom.options import ALTERNATIVES
from geoagglom.seeding import check_random_state
from geoagglom.spatial.significance import _no_sims, _sim_summary
from geoagglom.spatial.weights import _graph_positions, as_graph


# --------------------------------------------------------------------------- #
# Input handling
# --------------------------------------------------------------------------- #
class _Weights:
    """The weights of a Graph as arrays in unit order, plus the Cliff–Ord sums."""

    def __init__(self, w, transform=None):
        graph = as_graph(w)
        if transform is not None:
            if transform not in ("r", "b", "R", "B"):
                raise InputError(
                    f"transform must be None (use the weights as given), 'r' or 'b'; "
                    f"got {transform!r}."
                )
            graph = graph.transform(transform.lower())
        self.graph = graph
        ids = pd.Index(graph.unique_ids)
        self.ids = ids.rename(None) if ids.name == "focal" else ids
        n = len(self.ids)
        self.n = n
        h, t, v = _graph_positions(graph)
        v = v.astype(float)
        full = _csr(h, t, v, n)
        self.full = full
        card = np.bincount(h[v != 0], minlength=n)
        isl = np.flatnonzero(card == 0)
        if len(isl):
            raise InputError(
                f"{len(isl)} unit(s) have no neighbours in the weights (islands): "
                f"{format_ids(self.ids[isl])}. Their spatial lag is undefined; rebuild the "
                "weights with geoagglom.spatial_weights(..., islands='drop' or 'nearest'), "
                "or drop them with graph.subgraph(...)."
            )
        del h, t, card
        self.s0 = float(v.sum())
        self.rowsum = np.asarray(full.sum(axis=1)).ravel()
        # the squares of the canonical entries (what full.multiply(full) stores)
        square = sparse.csr_array((full.data**2, full.indices, full.indptr), shape=(n, n))
        self.rowsum2 = np.asarray(square.sum(axis=1)).ravel()
        # off-diagonal part (what conditional permutation shuffles) and self-weights
        self.diag = full.diagonal()
        rows = np.repeat(np.arange(n, dtype=full.indices.dtype), np.diff(full.indptr))
        keep = (rows != full.indices) & (full.data != 0)
        if keep.all():
            self.off = full
        else:
            indptr = np.zeros(n + 1, dtype=full.indptr.dtype)
            np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
            self.off = sparse.csr_array((full.data[keep], full.indices[keep], indptr), shape=(n, n))

    @functools.cached_property
    def s1(self):
        """Cliff–Ord ``S1 = sum((w_ij + w_ji)**2) / 2`` (computed when first asked)."""
        sym = self.full + self.full.T
        return 0.5 * float((sym.multiply(sym)).sum())

    @functools.cached_property
    def s2(self):
        """Cliff–Ord ``S2 = sum((w_i. + w_.i)**2)`` (computed when first asked)."""
        colsum = np.asarray(self.full.sum(axis=0)).ravel()
        return float(((self.rowsum + colsum) ** 2).sum())

    def lag(self, z):
        return self.full @ z


def _csr(h, t, v, n):
    """The canonical CSR array of the entries ``(h, t, v)`` (duplicates summed), built
    without a COO pass when the entries come grouped by row, as a Graph's do."""
    if len(h) and bool((np.diff(h) >= 0).all()):
        small = max(n, len(h)) < 2**31 - 1
        itype = np.int32 if small else np.int64
        indptr = np.zeros(n + 1, dtype=itype)
        np.cumsum(np.bincount(h, minlength=n), out=indptr[1:])
        full = sparse.csr_array((v, t.astype(itype, copy=False), indptr), shape=(n, n))
        if not full.has_canonical_format:
            full.sum_duplicates()
        return full
    full = sparse.csr_array((v, (h, t)), shape=(n, n))
    full.sum_duplicates()
    return full


def _values(y, wts, data, name, allow_constant=False, what="Moran's I"):
    """Return ``y`` as a float array in the graph's unit order, validated."""
    label = name
    if isinstance(y, str):
        if data is None:
            raise InputError(
                f"{name}={y!r} is a column name but no data was given; pass data=layer "
                "(the DataFrame holding the column) or the values themselves."
            )
        if y not in data.columns:
            raise InputError(
                f"column {y!r} is not in the data; available columns: "
                f"{format_ids(list(data.columns))}."
            )
        label = y
        y = data[y]
    ids = wts.ids
    if isinstance(y, pd.Series):
        vidx = pd.Index(y.index)
        if not vidx.is_unique:
            dup = vidx[vidx.duplicated()].unique()
            raise InputError(
                f"{label}: values have duplicated unit ids: {format_ids(dup)}; "
                "give one value per unit."
            )
        missing = ids.difference(vidx, sort=False)
        extra = vidx.difference(ids, sort=False)
        if len(missing) or len(extra):
            parts = []
            if len(missing):
                parts.append(f"units in the weights without a value: {format_ids(missing)}")
            if len(extra):
                parts.append(f"values for units not in the weights: {format_ids(extra)}")
            raise InputError(
                f"{label}: the values' ids do not match the weights' unit ids ("
                + "; ".join(parts)
                + "). Build the weights from the same layer as the values, or subset "
                "both to the common units."
            )
        y = y.reindex(ids)
    elif isinstance(y, pd.DataFrame):
        raise InputError(f"{label}: pass one column (a Series or a column name), not a DataFrame.")
    arr = np.asarray(y)
    if arr.ndim != 1:
        arr = arr.squeeze()
    if arr.ndim != 1:
        raise InputError(f"{label}: values must be one-dimensional, got shape {np.shape(y)}.")
    if len(arr) != wts.n:
        raise InputError(
            f"{label}: {len(arr)} values for {wts.n} units in the weights; pass one value per "
            "unit in the graph's order, or a Series indexed by unit id."
        )
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{label}: values must be numeric ({exc}).") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InputError(
            f"{label}: missing or infinite values for unit(s) {format_ids(ids[bad])}; "
            "fill them, or drop those units from both the values and the weights "
            "(spatial statistics need a value for every unit)."
        )
    if wts.n < 3:
        raise InputError(f"{label}: {what} needs at least 3 units; got {wts.n}.")
    if not allow_constant and np.ptp(arr) == 0:
        raise InputError(
            f"{label} is constant ({arr[0]:g}) over all {wts.n} units: {what} is undefined "
            "(zero variance). Check the column, or drop this year/variable from the analysis."
        )
    return arr


def _unit_scale(v):
    """``v`` times the power of two that brings its largest magnitude into [1, 2).

    The statistics are scale-free, and multiplying by a power of two is exact, so
    this changes no result, except that values near 1e300 or 1e-300 no longer
    overflow or underflow in sums of squares and products.
    """
    top = np.max(np.abs(v))
    if top == 0 or not np.isfinite(top):
        return v
    return np.ldexp(v, -int(np.floor(np.log2(top))))


def _check_alternative(alternative):
    return ALTERNATIVES.check(alternative, "alternative")


def _check_permutations(permutations):
    if (
        not isinstance(permutations, numbers.Integral)
        or isinstance(permutations, bool)
        or permutations < 0
    ):
        raise InputError(f"permutations must be a non-negative integer, got {permutations!r}.")
    return int(permutations)


def _prepare(w, transform, alternative, permutations):
    """The weights and the checked ``alternative`` and ``permutations`` of a statistic."""
    wts = w if isinstance(w, _Weights) else _Weights(w, transform)
    return wts, _check_alternative(alternative), _check_permutations(permutations)


def _standardise(v):
    """``(v - mean) / std`` with ``ddof=0`` (so that ``sum(z**2) / n = 1``)."""
    return (v - v.mean()) / v.std()


# --------------------------------------------------------------------------- #
# Result base
# --------------------------------------------------------------------------- #
class _Result(FrameReprMixin):
    _stat_name = "statistic"
    _stat_attr = "I"

    @property
    def statistic(self):
        """The statistic (same as the esda-named attribute)."""
        return getattr(self, self._stat_attr)


class _GlobalResult(_Result):
    """A global statistic: one value, analytic and/or permutation inference."""

    _frame_cols: tuple[str, ...] = ()

    def _permutation_inference(self, observed, simulate, seed, prefix="I"):
        """``simulate(rng)`` gives the simulated values; summarise them as floats.

        Without permutations the simulation attributes are set to None / NaN.
        """
        if self.permutations:
            sims = simulate(check_random_state(seed))
            _sim_summary(self, observed, sims, self.permutations, self.alternative, prefix)
            for a in (f"E{prefix}_sim", f"V{prefix}_sim", f"se{prefix}_sim", "z_sim", "p_z_sim"):
                setattr(self, a, float(getattr(self, a)))
            self.p_sim = float(self.p_sim)
        else:
            _no_sims(self, prefix)

    def to_frame(self):
        """One-row tidy frame of the statistic, its moments and p-values."""
        row = {"statistic": self._stat_name, **{c: getattr(self, c) for c in self._frame_cols}}
        row["alternative"] = self.alternative
        return pd.DataFrame([row])

    def _sim_text(self):
        if not self.permutations:
            return ""
        return f", p_sim={self.p_sim:.4g} ({self.permutations} permutations)"
