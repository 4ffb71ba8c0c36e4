"""Spatial autocorrelation: global and local Moran's I, bivariate Moran, Geary's C.

All statistics take values ``y`` (an array in the graph's unit order, a pandas
Series indexed by unit id, or a column name of ``data``) and weights ``w`` (a
``libpysal.graph.Graph`` indexed by unit id, as built by
:func:`geoagglom.spatial_weights`; a legacy ``libpysal.weights.W`` is converted).
The weights are used as given: build them row-standardised (the default of
``spatial_weights``) or pass ``transform='r'``/``'b'`` to re-transform here.

Conventions
-----------
Moments and scaling
    Global Moran's I, its moments under normality and randomisation and Geary's C
    follow Cliff and Ord (1981), as in esda and spdep.
    The local Moran statistic comes in two scalings. With ``z`` the centred values
    and ``m2 = sum(z**2)/n``, spdep's ``localmoran`` reports
    ``I_i = z_i * lag(z)_i / m2``; esda's ``Moran_Local`` reports
    ``(n - 1)/n`` times that, i.e. ``(n - 1) * z_i * lag(z)_i / sum(z**2)``.
    ``local_moran(..., scaling='esda')`` (default) and ``scaling='spdep'`` give
    either; the analytic moments (``EI``, ``VI``, ``EIc``, ``VIc``) are always on
    the same scale as ``Is`` (esda itself reports them on spdep's scale).
Permutation inference
    ``permutations`` random permutations drawn from ``numpy.random.default_rng(seed)``
    (``seed`` may be an int, a ``Generator`` or None); the same seed gives the
    same numbers. The pseudo p-value counts the observed value as one of the
    draws: with ``P`` permutations and ``G``/``L`` draws at least as large / at
    most as small as the observed statistic,

    * ``alternative='greater'``: ``(G + 1) / (P + 1)``;
    * ``alternative='less'``: ``(L + 1) / (P + 1)``;
    * ``alternative='two-sided'`` (default): ``min(1, 2 * min(greater, less))``;
    * ``alternative='directed'``: esda's and GeoDa's ``p_sim`` — one-sided in the
      direction of the observed value, ``(min(G, P - G) + 1) / (P + 1)``. It is
      about half the two-sided value; use it only to reproduce esda/GeoDa.

    The same ``alternative`` applies to the analytic p-values (``p_norm``,
    ``p_rand``, ``p_z_sim``, ...): two-sided ``2 * sf(|z|)``, greater ``sf(z)``,
    less ``cdf(z)``, directed ``sf(|z|)``. Alternatives refer to the value of the
    statistic: for Geary's C, positive autocorrelation is ``'less'``.
Local (conditional) permutation
    Unit ``i`` keeps its own value; its neighbours' values are drawn without
    replacement from the other ``n - 1`` units. One matrix of draws is shared by
    all units (as in esda), and the whole computation is vectorised numpy.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import sparse, stats

from geoagglom.errors import InputError, format_ids
from geoagglom.weights import _graph_positions, as_graph

__all__ = [
    "ALTERNATIVES",
    "LISA_CLASSES",
    "QUADRANTS",
    "Geary",
    "LocalMoran",
    "LocalMoranBV",
    "Moran",
    "MoranBV",
    "geary",
    "local_moran",
    "local_moran_bv",
    "moran",
    "moran_bv",
]

ALTERNATIVES = ("two-sided", "greater", "less", "directed")
#: esda's quadrant codes: 1 HH, 2 LH, 3 LL, 4 HL (value, spatial lag).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Study-facing names of significant local clusters, by quadrant.
LISA_CLASSES = {
    "HH": "spillover cluster",
    "HL": "siphoning core",
    "LL": "lagging cluster",
    "LH": "shadow",
}
NOT_SIGNIFICANT = "not significant"
_ADJUST = (None, "none", "fdr", "bonferroni")
# elements per block of simulated values (bounds memory, independent of the seed)
_BLOCK_ELEMENTS = 2_000_000
_LOCAL_BLOCK_ELEMENTS = 500_000


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
        full = sparse.csr_array((v, (h, t)), shape=(n, n))
        full.sum_duplicates()
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
        rowsum = np.asarray(full.sum(axis=1)).ravel()
        colsum = np.asarray(full.sum(axis=0)).ravel()
        sym = full + full.T
        self.s0 = float(v.sum())
        self.s1 = 0.5 * float((sym.multiply(sym)).sum())
        self.s2 = float(((rowsum + colsum) ** 2).sum())
        self.rowsum = rowsum
        self.rowsum2 = np.asarray(full.multiply(full).sum(axis=1)).ravel()
        # off-diagonal part (what conditional permutation shuffles) and self-weights
        self.diag = full.diagonal()
        off = full.copy()
        off.setdiag(0)
        off.eliminate_zeros()
        off.sort_indices()
        self.off = off

    def lag(self, z):
        return self.full @ z


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


def _check_alternative(alternative):
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}.")
    return alternative


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


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        raise InputError(
            "seed must be an int, a numpy.random.Generator or None (the legacy RandomState "
            "is not supported); e.g. seed=12345."
        )
    return np.random.default_rng(seed)


def _normal_p(z, alternative):
    z = np.asarray(z, dtype=float)
    if alternative == "two-sided":
        p = 2.0 * stats.norm.sf(np.abs(z))
    elif alternative == "greater":
        p = stats.norm.sf(z)
    elif alternative == "less":
        p = stats.norm.cdf(z)
    else:
        p = stats.norm.sf(np.abs(z))
    return p[()] if p.ndim == 0 else p


def _perm_p(greater, less, permutations, alternative):
    """Pseudo p-values from the counts of draws >= and <= the observed value."""
    p1 = permutations + 1.0
    if alternative == "greater":
        return (greater + 1.0) / p1
    if alternative == "less":
        return (less + 1.0) / p1
    if alternative == "two-sided":
        return np.minimum(1.0, 2.0 * np.minimum(greater + 1.0, less + 1.0) / p1)
    larger = np.where(permutations - greater < greater, permutations - greater, greater)
    return (larger + 1.0) / p1


def _sqrt(v):
    with np.errstate(invalid="ignore"):
        return np.sqrt(v)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(a, dtype=float) / b


# --------------------------------------------------------------------------- #
# Result base
# --------------------------------------------------------------------------- #
class _Result:
    _stat_name = "statistic"
    _stat_attr = "I"

    @property
    def statistic(self):
        """The statistic (same as the esda-named attribute)."""
        return getattr(self, self._stat_attr)


class _GlobalResult(_Result):
    """A global statistic: one value, analytic and/or permutation inference."""

    _frame_cols = ()

    def _permutation_inference(self, observed, simulate, seed, prefix="I"):
        """``simulate(rng)`` gives the simulated values; summarise them as floats.

        Without permutations the simulation attributes are set to None / NaN.
        """
        if self.permutations:
            sims = simulate(_rng(seed))
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


def _global_sims(values, permutations, rng, stat, block):
    """Global statistics of ``permutations`` random permutations of ``values``.

    ``stat(vp)`` maps a block of at most ``block`` permuted rows to their values.
    """
    out = np.empty(permutations)
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        vp = rng.permuted(np.tile(values, (c, 1)), axis=1)
        out[done : done + c] = stat(vp)
        done += c
    return out


def _lagged(stat, wts):
    """Adapt ``stat(zp, lag)`` to :func:`_global_sims`, with the lags of each block."""
    return lambda zp: stat(zp, (wts.full @ zp.T).T)


def _sim_summary(obj, observed, sims, permutations, alternative, prefix="I"):
    greater = np.sum(sims >= observed, axis=0)
    less = np.sum(sims <= observed, axis=0)
    obj.sim = sims
    obj.p_sim = _perm_p(greater, less, permutations, alternative)
    mean = sims.mean(axis=0)
    sd = sims.std(axis=0)
    setattr(obj, f"E{prefix}_sim", mean)
    setattr(obj, f"V{prefix}_sim", sd**2)
    setattr(obj, f"se{prefix}_sim", sd)
    z = _div(observed - mean, sd)
    obj.z_sim = z
    obj.p_z_sim = _normal_p(z, alternative)


def _no_sims(obj, prefix="I"):
    for a in ("sim", "p_sim", f"E{prefix}_sim", f"V{prefix}_sim", f"se{prefix}_sim"):
        setattr(obj, a, None if a == "sim" else np.nan)
    obj.z_sim = np.nan
    obj.p_z_sim = np.nan


# --------------------------------------------------------------------------- #
# Global Moran's I
# --------------------------------------------------------------------------- #
class Moran(_GlobalResult):
    """Global Moran's I with analytic and permutation inference.

    Build it with :func:`moran`. Attributes follow esda's ``Moran``.

    Attributes
    ----------
    n : int
    I : float
        ``(n / s0) * z' W z / z' z`` with ``z`` the centred values.
    EI : float
        ``-1 / (n - 1)``.
    VI_norm, seI_norm, z_norm, p_norm : float
        Variance, standard error, z and p under the normality assumption.
    VI_rand, seI_rand, z_rand, p_rand : float
        The same under randomisation (exact moments of the permutation distribution).
    permutations : int
    sim : numpy.ndarray or None
        The ``permutations`` simulated values of I.
    EI_sim, VI_sim, seI_sim, z_sim, p_z_sim, p_sim : float
        Mean, variance, standard deviation of ``sim``, the z of I against them, its
        normal p-value and the pseudo p-value (see module notes on ``alternative``).
    alternative : str
    ids : pandas.Index
        Unit ids, in the order of the values used.
    s0, s1, s2 : float
        Cliff–Ord weight sums.
    """

    _stat_name = "moran_i"
    _frame_cols = (
        "n",
        "I",
        "EI",
        "VI_norm",
        "z_norm",
        "p_norm",
        "VI_rand",
        "z_rand",
        "p_rand",
        "permutations",
        "EI_sim",
        "VI_sim",
        "z_sim",
        "p_sim",
    )

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        y = _values(y, wts, data, "y")
        n = wts.n
        self.ids = wts.ids
        self.n = n
        self.y = y
        self.alternative = alternative
        self.permutations = permutations
        self.s0, self.s1, self.s2 = wts.s0, wts.s1, wts.s2
        z = y - y.mean()
        zz = float(z @ z)
        self.I = float(n / wts.s0 * (z @ wts.lag(z)) / zz)
        self.EI = -1.0 / (n - 1)
        s0, s1, s2 = wts.s0, wts.s1, wts.s2
        s02 = s0 * s0
        n2 = n * n
        self.VI_norm = (n2 * s1 - n * s2 + 3 * s02) / ((n2 - 1) * s02) - self.EI**2
        k = (np.sum(z**4) / n) / (zz / n) ** 2
        if n > 3:
            a = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
            b = k * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
            self.VI_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s02) - self.EI**2
        else:
            self.VI_rand = np.nan
        self.seI_norm = float(_sqrt(self.VI_norm))
        self.seI_rand = float(_sqrt(self.VI_rand))
        self.z_norm = float(_div(self.I - self.EI, self.seI_norm))
        self.z_rand = float(_div(self.I - self.EI, self.seI_rand))
        self.p_norm = float(_normal_p(self.z_norm, alternative))
        self.p_rand = float(_normal_p(self.z_rand, alternative))
        self.z = z / y.std()
        stat = _lagged(lambda zp, lag: n / s0 * np.einsum("ij,ij->i", zp, lag) / zz, wts)
        self._permutation_inference(
            self.I,
            lambda rng: _global_sims(z, permutations, rng, stat, max(1, _BLOCK_ELEMENTS // n)),
            seed,
        )

    def __repr__(self):
        return (
            f"<Moran's I n={self.n}: I={self.I:.6g}, E[I]={self.EI:.4g}, "
            f"z_rand={self.z_rand:.4g}, p_rand={self.p_rand:.4g}{self._sim_text()}; "
            f"{self.alternative}>"
        )


def moran(y, w, permutations=999, seed=None, *, alternative="two-sided", transform=None, data=None):
    """Global Moran's I.

    Parameters
    ----------
    y : array-like, pandas.Series or str
        Values: an array in the graph's unit order, a Series indexed by unit id, or
        a column name of ``data``.
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights indexed by unit id (see :func:`geoagglom.spatial_weights`), used as
        given unless ``transform`` is set.
    permutations : int, default 999
        Random permutations for the pseudo p-value (0: none).
    seed : int, numpy.random.Generator or None
        Source of randomness; the same seed gives the same numbers.
    alternative : {'two-sided', 'greater', 'less', 'directed'}, default 'two-sided'
        Alternative hypothesis for all p-values; ``'directed'`` is esda's ``p_sim``
        (one-sided in the direction of the observed value). See the module notes.
    transform : {None, 'r', 'b'}, default None
        Re-transform the weights (row-standardise or binarise) before use.
    data : pandas.DataFrame, optional
        Holds the column when ``y`` is a column name.

    Returns
    -------
    Moran

    Raises
    ------
    InputError
        Missing/non-finite values (naming the units), ids not matching the weights,
        fewer than 3 units, a constant variable, islands in the weights.

    Examples
    --------
    >>> import geoagglom as ga  # doctest: +SKIP
    >>> w = ga.spatial_weights(layer, "queen")  # doctest: +SKIP
    >>> ga.moran("beta", w, data=layer, seed=1).p_sim  # doctest: +SKIP
    """
    return Moran(y, w, permutations, seed, alternative=alternative, transform=transform, data=data)


# --------------------------------------------------------------------------- #
# Geary's C
# --------------------------------------------------------------------------- #
class Geary(_GlobalResult):
    """Geary's C with analytic and permutation inference; build it with :func:`geary`.

    Attributes follow esda's ``Geary``: ``C``, ``EC`` (= 1), ``VC_norm``, ``VC_rand``,
    ``seC_norm``, ``seC_rand``, ``z_norm``, ``z_rand``, ``p_norm``, ``p_rand``, and with
    permutations ``sim``, ``EC_sim``, ``VC_sim``, ``seC_sim``, ``z_sim``, ``p_z_sim``,
    ``p_sim``. ``C < 1`` indicates positive spatial autocorrelation (so the
    one-sided test for it is ``alternative='less'``).
    """

    _stat_name = "geary_c"
    _stat_attr = "C"
    _frame_cols = (
        "n",
        "C",
        "EC",
        "VC_norm",
        "z_norm",
        "p_norm",
        "VC_rand",
        "z_rand",
        "p_rand",
        "permutations",
        "EC_sim",
        "VC_sim",
        "z_sim",
        "p_sim",
    )

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        y = _values(y, wts, data, "y", what="Geary's C")
        n = wts.n
        self.ids, self.n, self.y = wts.ids, n, y
        self.alternative, self.permutations = alternative, permutations
        s0, s1, s2 = wts.s0, wts.s1, wts.s2
        self.s0, self.s1, self.s2 = s0, s1, s2
        full = wts.full.tocoo()
        fi, fj, fw = full.row, full.col, full.data
        z = y - y.mean()
        zz = float(z @ z)
        den = 2.0 * s0 * zz

        def calc(v):
            return (n - 1) * np.sum(fw * (v[..., fi] - v[..., fj]) ** 2, axis=-1) / den

        self.C = float(calc(y))
        self.EC = 1.0
        s02 = s0 * s0
        n2 = n * n
        k = (np.sum(z**4) / n) / (zz / n) ** 2
        self.VC_norm = ((2 * s1 + s2) * (n - 1) - 4 * s02) / (2 * (n + 1) * s02)
        if n > 3:
            a = (n - 1) * s1 * (n2 - 3 * n + 3 - (n - 1) * k)
            b = 0.25 * (n - 1) * s2 * (n2 + 3 * n - 6 - (n2 - n + 2) * k)
            c = s02 * (n2 - 3 - (n - 1) ** 2 * k)
            self.VC_rand = (a - b + c) / (n * (n - 2) * (n - 3) * s02)
        else:
            self.VC_rand = np.nan
        self.seC_norm = float(_sqrt(self.VC_norm))
        self.seC_rand = float(_sqrt(self.VC_rand))
        self.z_norm = float(_div(self.C - 1.0, self.seC_norm))
        self.z_rand = float(_div(self.C - 1.0, self.seC_rand))
        self.p_norm = float(_normal_p(self.z_norm, alternative))
        self.p_rand = float(_normal_p(self.z_rand, alternative))
        block = max(1, _BLOCK_ELEMENTS // max(n, len(fw)))
        self._permutation_inference(
            self.C,
            lambda rng: _global_sims(y, permutations, rng, calc, block),
            seed,
            prefix="C",
        )

    def __repr__(self):
        return (
            f"<Geary's C n={self.n}: C={self.C:.6g}, z_rand={self.z_rand:.4g}, "
            f"p_rand={self.p_rand:.4g}{self._sim_text()}; {self.alternative}>"
        )


def geary(y, w, permutations=999, seed=None, *, alternative="two-sided", transform=None, data=None):
    """Geary's C.

    ``C = (n - 1) * sum_ij w_ij (y_i - y_j)**2 / (2 * s0 * sum_i (y_i - mean)**2)``;
    ``E[C] = 1``; ``C < 1`` means positive spatial autocorrelation. Parameters,
    errors and p-value conventions as in :func:`moran`.

    Returns
    -------
    Geary
    """
    return Geary(y, w, permutations, seed, alternative=alternative, transform=transform, data=data)


# --------------------------------------------------------------------------- #
# Bivariate global Moran
# --------------------------------------------------------------------------- #
class MoranBV(_GlobalResult):
    """Bivariate Moran's I of ``x`` against the spatial lag of ``y``; see :func:`moran_bv`.

    Attributes
    ----------
    I : float
        ``(n / s0) * zx' W zy / (n - 1)`` with ``zx``, ``zy`` standardised with
        ``ddof=1``; with row-standardised weights (``s0 = n``) this is esda's
        ``Moran_BV.I``.
    sim, EI_sim, VI_sim, seI_sim, z_sim, p_z_sim, p_sim
        Permutation inference: ``y`` is permuted over the units, ``x`` stays.
    """

    _stat_name = "moran_bv"
    _frame_cols = ("n", "I", "permutations", "EI_sim", "VI_sim", "z_sim", "p_z_sim", "p_sim")

    def __init__(
        self,
        x,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        x = _values(x, wts, data, "x", what="bivariate Moran's I")
        y = _values(y, wts, data, "y", what="bivariate Moran's I")
        n = wts.n
        self.ids, self.n, self.x, self.y = wts.ids, n, x, y
        self.alternative, self.permutations = alternative, permutations
        zx = (x - x.mean()) / x.std(ddof=1)
        zy = (y - y.mean()) / y.std(ddof=1)
        self.zx, self.zy = zx, zy
        scale = n / wts.s0 / (n - 1)
        self.I = float(scale * (zx @ wts.lag(zy)))
        stat = _lagged(lambda zp, lag: scale * (lag @ zx), wts)
        self._permutation_inference(
            self.I,
            lambda rng: _global_sims(zy, permutations, rng, stat, max(1, _BLOCK_ELEMENTS // n)),
            seed,
        )

    def __repr__(self):
        return (
            f"<bivariate Moran's I n={self.n}: I={self.I:.6g}{self._sim_text()}; "
            f"{self.alternative}>"
        )


def moran_bv(
    x, y, w, permutations=999, seed=None, *, alternative="two-sided", transform=None, data=None
):
    """Bivariate Moran's I: ``x`` of each unit against the spatial lag of ``y``.

    For example a unit's financial entropy (``x``) against its neighbours' GDP
    growth (``y``). Parameters, errors and p-value conventions as in :func:`moran`
    (``x`` and ``y`` each an array, Series or column name).

    Returns
    -------
    MoranBV
    """
    return MoranBV(
        x, y, w, permutations, seed, alternative=alternative, transform=transform, data=data
    )


# --------------------------------------------------------------------------- #
# Conditional permutation (local statistics)
# --------------------------------------------------------------------------- #
def _ordered_samples(rng, pool, k, size):
    """``size`` ordered uniform samples of ``k`` distinct integers from ``range(pool)``."""
    if k == 0:
        return np.empty((size, 0), dtype=np.int64)
    if k * k <= pool:
        # draw with replacement and redraw the (few) rows with a repeat: conditional
        # on no repeat, a row is a uniform ordered sample without replacement
        out = rng.integers(0, pool, size=(size, k))
        while True:
            srt = np.sort(out, axis=1)
            dup = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
            if len(dup) == 0:
                return out
            out[dup] = rng.integers(0, pool, size=(len(dup), k))
    # small pool: the k smallest of iid uniform keys, in increasing key order
    keys = rng.random((size, pool))
    idx = np.argpartition(keys, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(keys, idx, axis=1), axis=1)
    return np.take_along_axis(idx, order, axis=1)


def _conditional_sims(wts, focal, values, observed, scaling, permutations, rng, keep):
    """Conditional-permutation local statistics.

    For unit ``i`` the simulated statistic is
    ``scaling * focal_i * (sum_j w_ij values[draw_j] + w_ii values_i)``, where the
    ``k_i`` draws are distinct units other than ``i``. Returns
    ``(greater, less, sims)``: counts of draws >= / <= ``observed`` per unit and, if
    ``keep``, the ``(permutations, n)`` simulated values (a transposed view of a
    unit-major array).

    Each permutation draws one ordered sample without replacement that all units
    share (as esda does); unit ``i`` uses it with ``i`` itself skipped, so its
    neighbours are a uniform ordered sample of the other ``n - 1`` units.
    """
    n = wts.n
    off = wts.off
    indptr, wv = off.indptr, off.data
    card = np.diff(indptr)
    starts = indptr[:-1]
    # rows whose weights are all equal (binary or row-standardised contiguity,
    # knn, distance bands) take the fast path, all others the per-edge path
    row_w = wv[starts]
    equal = bool(np.all(wv == np.repeat(row_w, card)))
    fz = scaling * focal
    self_part = wts.diag * values
    sims = np.empty((n, permutations)) if keep else None
    greater = np.zeros(n, dtype=np.int64)
    less = np.zeros(n, dtype=np.int64)
    obs = observed[:, None]
    done = 0
    if equal:
        block = max(1, _LOCAL_BLOCK_ELEMENTS // (4 * n))
        sampler = _equal_weight_lags(values, card, row_w, rng)
    else:
        block = max(1, _LOCAL_BLOCK_ELEMENTS // max(len(wv), 1))
        sampler = _edge_lags(values, off, card, rng)
    while done < permutations:
        c = min(block, permutations - done)
        sim = sampler(c)  # (n, c) spatial lags
        sim += self_part[:, None]
        sim *= fz[:, None]
        greater += np.sum(sim >= obs, axis=1)
        less += np.sum(sim <= obs, axis=1)
        if keep:
            sims[:, done : done + c] = sim
        done += c
    return greater, less, (sims.T if keep else None)


def _equal_weight_lags(values, card, row_w, rng):
    """Sampler of conditional lags when each unit's neighbour weights are all equal.

    One ordered sample of ``kmax + 1`` distinct units per permutation; unit ``i``
    takes its first ``k_i`` units other than itself: the sum of the first ``k_i``
    drawn values (a prefix sum shared by all units), with ``i``'s own value swapped
    for the next draw when ``i`` is among them. O(n) work per permutation.
    """
    n = len(values)
    kmax = int(card.max())
    m = kmax + 1

    def lags(c):
        draws = _ordered_samples(rng, n, m, c)  # (c, m)
        drawn = values[draws]
        prefix = np.zeros((c, m + 1))
        np.cumsum(drawn, axis=1, out=prefix[:, 1:])
        where = np.full((c, n), m, dtype=np.int32)
        where[np.arange(c)[:, None], draws] = np.arange(m, dtype=np.int32)
        lag = prefix[:, card]  # (c, n) sum of the first k_i draws
        hit = where < card  # unit i is among its own first k_i draws
        fix = drawn[:, card] - values  # swap i's value for draw k_i
        lag += np.where(hit, fix, 0.0)
        lag *= row_w
        return lag.T.copy()

    return lags


def _edge_lags(values, off, card, rng):
    """Sampler of conditional lags for general weights: O(edges) per permutation."""
    n = len(values)
    indptr, nbr, wv = off.indptr, off.indices, off.data
    kmax = int(card.max())
    rows = np.repeat(np.arange(n), card)[:, None]
    slot = np.arange(len(nbr)) - indptr[:-1].repeat(card)
    starts = indptr[:-1]
    wcol = wv[:, None]

    def lags(c):
        draws = _ordered_samples(rng, n - 1, kmax, c)
        d = draws.T[slot]  # (edges, c): the draw for each neighbour slot
        d += d >= rows  # skip unit i itself: draws index the other n - 1 units
        vals = values[d]
        vals *= wcol
        return np.add.reduceat(vals, starts, axis=0)

    return lags


def _adjust(p, method):
    """Multiple-testing adjustment of p-values (NaN-aware)."""
    p = np.asarray(p, dtype=float)
    if method in (None, "none"):
        return p.copy()
    ok = np.isfinite(p)
    m = int(ok.sum())
    out = np.full_like(p, np.nan)
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, p[ok] * m)
        return out
    # Benjamini–Hochberg: p_(k) * m / k, made monotone from the largest down
    pv = p[ok]
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(1.0, ranked)
    out[ok] = adj
    return out


# --------------------------------------------------------------------------- #
# Local Moran
# --------------------------------------------------------------------------- #
class _LocalBase(_Result):
    """A local statistic ``focal_i * lag(values)_i`` with conditional-permutation inference.

    :class:`LocalMoran` uses it with ``focal = values = z``; :class:`LocalMoranBV`
    with ``focal = zx`` and ``values = zy``.
    """

    _stat_attr = "Is"

    def _start(self, w, transform, alternative, permutations, alpha, adjust, scaling):
        """Check the options, keep them on the result and return the weights."""
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        _check_local_options(scaling, alpha, adjust)
        self.alternative, self.permutations = alternative, permutations
        self.alpha, self.adjust, self.scaling = alpha, adjust, scaling
        return wts

    def _local(self, wts, focal, values, seed, keep):
        """Statistic, analytic moments (:meth:`_moments`), permutations and classes."""
        n = wts.n
        lag = wts.lag(values)
        factor = (n - 1) / n if self.scaling == "esda" else 1.0
        self.Is = factor * focal * lag
        self._moments(wts, focal, factor)
        if self.permutations:
            greater, less, sims = _conditional_sims(
                wts, focal, values, self.Is, factor, self.permutations, _rng(seed), keep
            )
            self.p_sim = _perm_p(greater, less, self.permutations, self.alternative)
            self._sims_moments(sims, keep)
        else:
            _no_sims(self)
        self._finish(focal, lag)

    def _moments(self, wts, z, factor):
        """Analytic moments of ``Is``; none in general."""

    def _sims_moments(self, sims, keep):
        self.sim = sims
        if keep:
            self.EI_sim = sims.mean(axis=0)
            self.seI_sim = sims.std(axis=0)
            self.VI_sim = self.seI_sim**2
            self.z_sim = _div(self.Is - self.EI_sim, self.seI_sim)
            self.p_z_sim = _normal_p(self.z_sim, self.alternative)
        else:
            self.EI_sim = self.VI_sim = self.seI_sim = self.z_sim = self.p_z_sim = np.nan

    def _finish(self, z_focal, lag):
        # quadrants (esda codes): value above/below mean x lag above/below zero
        hi = z_focal > 0
        lh = lag > 0
        q = np.where(hi & lh, 1, np.where(~hi & lh, 2, np.where(~hi & ~lh, 3, 4)))
        self.q = q
        self.quadrant = np.array([QUADRANTS[v] for v in q], dtype=object)
        self.p_value = self.p_sim if self.permutations else self.p_c
        self.p_adjusted = _adjust(self.p_value, self.adjust)
        self.significant = self.p_adjusted <= self.alpha
        self.labels = np.where(
            self.significant,
            np.array([LISA_CLASSES[v] for v in self.quadrant], dtype=object),
            NOT_SIGNIFICANT,
        ).astype(object)

    def to_frame(self):
        """Tidy frame indexed by unit id: local statistic, quadrant, p-values, class."""
        df = pd.DataFrame(
            {
                "Is": self.Is,
                "q": self.q,
                "quadrant": self.quadrant,
                "EIc": self.EIc if hasattr(self, "EIc") else np.nan,
                "VIc": self.VIc if hasattr(self, "VIc") else np.nan,
                "z_c": self.z_c if hasattr(self, "z_c") else np.nan,
                "p_c": self.p_c if hasattr(self, "p_c") else np.nan,
                "p_sim": self.p_sim if self.permutations else np.nan,
                "z_sim": self.z_sim if self.permutations else np.nan,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
                "significant": self.significant,
                "label": self.labels,
            },
            index=self.ids,
        )
        df.index.name = self.ids.name or "unit"
        return df

    def counts(self):
        """Number of units per class label (all five labels, zeros included)."""
        order = [*LISA_CLASSES.values(), NOT_SIGNIFICANT]
        return pd.Series(self.labels).value_counts().reindex(order, fill_value=0)

    def units(self, label):
        """Unit ids of one class, e.g. ``units('siphoning core')``."""
        valid = [*LISA_CLASSES.values(), NOT_SIGNIFICANT]
        if label not in valid:
            raise InputError(f"label must be one of {valid}, got {label!r}.")
        return list(self.ids[self.labels == label])

    def __repr__(self):
        c = self.counts()
        parts = ", ".join(f"{k}: {v}" for k, v in c.items() if v)
        how = f"{self.permutations} permutations" if self.permutations else "analytic"
        adj = f", {self.adjust} adjusted" if self.adjust not in (None, "none") else ""
        return (
            f"<{self._title} n={self.n} ({how}, {self.alternative}, alpha={self.alpha}"
            f"{adj}, scaling={self.scaling!r}): {parts}>"
        )


def _check_local_options(scaling, alpha, adjust):
    if scaling not in ("esda", "spdep"):
        raise InputError(f"scaling must be 'esda' or 'spdep', got {scaling!r}.")
    if not (0 < alpha < 1):
        raise InputError(f"alpha must be between 0 and 1, got {alpha!r}.")
    if adjust not in _ADJUST:
        raise InputError(f"adjust must be None, 'fdr' or 'bonferroni', got {adjust!r}.")


class LocalMoran(_LocalBase):
    """Local Moran's I (LISA); build it with :func:`local_moran`.

    Attributes
    ----------
    ids : pandas.Index
        Unit ids (graph order); every array below is aligned with them.
    Is : numpy.ndarray
        Local statistics, in the chosen ``scaling`` (see module notes).
    q : numpy.ndarray of int
        esda quadrant codes: 1 HH, 2 LH, 3 LL, 4 HL (unit value vs mean, lag vs mean).
    quadrant : numpy.ndarray of str
        'HH', 'LH', 'LL', 'HL'.
    EI, VI : numpy.ndarray
        Expectation and variance under total randomisation (Sokal et al. 1998).
    EIc, VIc, z_c, p_c : numpy.ndarray
        Expectation and variance under conditional randomisation (exact moments of
        the conditional permutation distribution; spdep's ``E.Ii``/``Var.Ii``),
        the z-value and its normal p-value (spdep's ``Z.Ii`` and ``Pr()``).
    sim : numpy.ndarray, shape (permutations, n), or None
    p_sim, EI_sim, VI_sim, seI_sim, z_sim, p_z_sim : numpy.ndarray
        Conditional-permutation inference.
    p_value : numpy.ndarray
        The p-values used for significance: ``p_sim`` with permutations, else ``p_c``.
    p_adjusted : numpy.ndarray
        ``p_value`` after the multiple-testing ``adjust``-ment (or a copy).
    significant : numpy.ndarray of bool
        ``p_adjusted <= alpha``.
    labels : numpy.ndarray of str
        'spillover cluster' (HH), 'siphoning core' (HL), 'lagging cluster' (LL),
        'shadow' (LH) when significant, else 'not significant'.
    """

    _title = "local Moran"

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        alpha=0.05,
        adjust=None,
        scaling="esda",
        keep_simulations=True,
        transform=None,
        data=None,
    ):
        wts = self._start(w, transform, alternative, permutations, alpha, adjust, scaling)
        y = _values(y, wts, data, "y", what="local Moran's I")
        self.ids, self.n, self.y = wts.ids, wts.n, y
        self.z = _standardise(y)  # m2 = sum(z**2)/n = 1
        self._local(wts, self.z, self.z, seed, keep_simulations)

    def _moments(self, wts, z, factor):
        n = wts.n
        wi, wi2 = wts.rowsum, wts.rowsum2
        # conditional randomisation (z_i fixed), spdep scale, then rescaled
        eic = -(z**2) * wi / (n - 1)
        vic = z**2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (1.0 - z**2 / (n - 1))
        b2 = np.mean(z**4)
        ei = -wi / (n - 1)
        vi = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - ei**2
        self.EIc, self.VIc = factor * eic, factor**2 * vic
        self.EI, self.VI = factor * ei, factor**2 * vi
        self.z_c = _div(self.Is - self.EIc, _sqrt(self.VIc))
        self.p_c = _normal_p(self.z_c, self.alternative)


def local_moran(
    y,
    w,
    permutations=999,
    seed=None,
    *,
    alternative="two-sided",
    alpha=0.05,
    adjust=None,
    scaling="esda",
    keep_simulations=True,
    transform=None,
    data=None,
):
    """Local Moran's I (LISA) with conditional permutation and cluster classes.

    Parameters
    ----------
    y, w, permutations, seed, alternative, transform, data
        As in :func:`moran`. Permutations are conditional: each unit keeps its
        value and its neighbours are drawn from the other units.
    alpha : float, default 0.05
        Significance level for ``significant`` and the class labels.
    adjust : {None, 'fdr', 'bonferroni'}, default None
        Multiple-testing adjustment over the units: Benjamini–Hochberg false
        discovery rate, or Bonferroni (family-wise error).
    scaling : {'esda', 'spdep'}, default 'esda'
        ``'esda'``: ``Is = (n - 1) z_i lag(z)_i / sum(z**2)`` (esda ``Moran_Local``,
        GeoDa); ``'spdep'``: ``Is = z_i lag(z)_i / m2`` (R spdep ``localmoran``),
        ``n / (n - 1)`` times larger. p-values and classes do not depend on it.
    keep_simulations : bool, default True
        Keep the ``(permutations, n)`` simulated values (``sim``) and their moments.

    Returns
    -------
    LocalMoran
        With ``labels``: 'spillover cluster' (HH significant), 'siphoning core'
        (HL significant), 'lagging cluster' (LL), 'shadow' (LH), 'not significant'.
    """
    return LocalMoran(
        y,
        w,
        permutations,
        seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
        keep_simulations=keep_simulations,
        transform=transform,
        data=data,
    )


class LocalMoranBV(LocalMoran):
    """Bivariate local Moran: ``x_i`` against the spatial lag of ``y``; see :func:`local_moran_bv`.

    Same attributes as :class:`LocalMoran` without the analytic moments (``EIc``,
    ``VIc``, ``z_c``, ``p_c``, ``EI``, ``VI`` are not defined for it); quadrants are
    (``x`` high/low, lag of ``y`` high/low).
    """

    _title = "bivariate local Moran"
    _moments = _LocalBase._moments  # no analytic moments for the bivariate statistic

    def __init__(
        self,
        x,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        alpha=0.05,
        adjust=None,
        scaling="esda",
        keep_simulations=True,
        transform=None,
        data=None,
    ):
        wts = self._start(w, transform, alternative, permutations, alpha, adjust, scaling)
        if not self.permutations:
            raise InputError(
                "the bivariate local Moran has no analytic inference here: use permutations>0."
            )
        x = _values(x, wts, data, "x", what="bivariate local Moran's I")
        y = _values(y, wts, data, "y", what="bivariate local Moran's I")
        self.ids, self.n, self.x, self.y = wts.ids, wts.n, x, y
        self.zx, self.zy = _standardise(x), _standardise(y)
        self._local(wts, self.zx, self.zy, seed, keep_simulations)


def local_moran_bv(
    x,
    y,
    w,
    permutations=999,
    seed=None,
    *,
    alternative="two-sided",
    alpha=0.05,
    adjust=None,
    scaling="esda",
    keep_simulations=True,
    transform=None,
    data=None,
):
    """Bivariate local Moran: each unit's ``x`` against its neighbours' ``y``.

    ``Is_i = (n - 1)/n * zx_i * lag(zy)_i`` (``scaling='esda'``, as esda's
    ``Moran_Local_BV``) or ``zx_i * lag(zy)_i`` (``'spdep'``), with ``zx``, ``zy``
    standardised (``ddof=0``). Inference by conditional permutation of ``y``
    (unit ``i``'s own ``y`` is excluded from its neighbours' draws). Parameters as
    in :func:`local_moran`.

    Returns
    -------
    LocalMoranBV
    """
    return LocalMoranBV(
        x,
        y,
        w,
        permutations,
        seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
        keep_simulations=keep_simulations,
        transform=transform,
        data=data,
    )
