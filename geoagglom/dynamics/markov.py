"""Spatial Markov chains (Rey 2001) and the spatial homogeneity tests (Bickenbach & Bode 2003).

Each unit's value in each year is put into one of ``k`` classes, and the
spatial lag of the values (its neighbours' weighted mean with row-standardised
weights) into one of ``m`` classes. The pooled ``k x k`` transition matrix counts
the moves of the units between consecutive years; the ``m`` conditional
matrices count the same moves by the lag class of the unit at the start of
the move. If the neighbourhood does not matter, every conditional matrix
equals the pooled one: the likelihood-ratio and Q tests of Bickenbach & Bode
(2003) test that spatial homogeneity.

Rows of a matrix without any observed move are reported (``empty_rows`` and an
:class:`~geoagglom.errors.EmptyTransitionsWarning`) and are NaN, or absorbing
with ``empty='absorbing'`` (giddy's ``fill_empty_classes=True``); never zeros.

References
----------
Rey, S. J. (2001). Spatial empirics for economic growth and convergence.
*Geographical Analysis* 33(3), 195-214.

Bickenbach, F. & Bode, E. (2003). Evaluating the Markov property in studies of
economic convergence. *International Regional Science Review* 26(3), 363-392.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from geoagglom._repr import FrameReprMixin
from geoagglom.dynamics._panel import _check_panel, _scale
from geoagglom.dynamics.chain import (
    _probabilities,
    mean_first_passage,
    steady_states,
    transition_counts,
)
from geoagglom.errors import EmptyTransitionsWarning, InputError, format_ids
from geoagglom.measures.classify import quantile_cutoffs
from geoagglom.options import CLASSIFY, EMPTY_ROWS

__all__ = ["SpatialMarkov", "homogeneity", "spatial_markov"]


# --------------------------------------------------------------------------- #
# Discretisation
# --------------------------------------------------------------------------- #
def _quantile_classes(v, k, what):
    s = np.sort(v)
    distinct = 1 + int(np.count_nonzero(s[1:] != s[:-1]))
    if distinct < k:
        raise InputError(
            f"{what}: {k} classes need at least {k} distinct values; there are "
            f"{distinct}. Use fewer classes."
        )
    cut = quantile_cutoffs(s, k, presorted=True)
    if len(np.unique(cut)) < k - 1:
        raise InputError(
            f"{what}: ties in the values make some of the {k} quantile cut-offs equal "
            f"({np.array2string(cut, precision=6)}), so some classes would be empty. Use "
            "fewer classes or give explicit cut-offs (classify='cutoffs')."
        )
    return np.searchsorted(cut, v, side="left"), cut


def _classify(values, k, how, cutoffs, what, years):
    """Classes ``0..k-1`` of a units x years array; returns (classes, cut-offs, k)."""
    if how == "cutoffs":
        cut = np.asarray(cutoffs, dtype=float).ravel()
        if len(cut) == 0 or not np.all(np.isfinite(cut)) or np.any(np.diff(cut) <= 0):
            raise InputError(
                f"{what} cut-offs must be finite and strictly increasing upper class bounds; "
                f"got {cutoffs!r}."
            )
        return np.searchsorted(cut, values, side="left"), cut, len(cut) + 1
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 2:
        raise InputError(f"{what}: the number of classes must be an integer >= 2; got {k!r}.")
    if how == "pooled":
        cls, cut = _quantile_classes(values.ravel(), k, f"{what} (pooled quantiles)")
        return cls.reshape(values.shape), cut, int(k)
    out = np.empty(values.shape, dtype=np.int64)
    cuts = np.empty((values.shape[1], k - 1))
    for j in range(values.shape[1]):
        out[:, j], cuts[j] = _quantile_classes(
            values[:, j], k, f"{what} (quantiles of year {years[j]})"
        )
    return out, cuts, int(k)


# --------------------------------------------------------------------------- #
# Tests
# --------------------------------------------------------------------------- #
def _chi2_sf(x, dof):
    """Upper tail of the chi-square distribution (NaN without degrees of freedom)."""
    return float(special.chdtrc(dof, x)) if dof > 0 else np.nan


class Homogeneity(FrameReprMixin):
    """Bickenbach & Bode (2003) tests that ``m`` regimes share one transition matrix.

    Build it with :func:`homogeneity`.

    Parameters
    ----------
    counts : numpy.ndarray
        Transition counts per regime, as :func:`homogeneity` is given them.

    Attributes
    ----------
    LR, Q : float
        Likelihood-ratio statistic ``2 sum n_ijm ln(p_ijm / p_ij)`` and the Pearson-type
        ``Q = sum_m sum_i n_im sum_j (p_ijm - p_ij)**2 / p_ij``.
    dof : int
        ``sum_i (a_i - 1)(b_i - 1)``: ``a_i`` positive pooled probabilities in row ``i``,
        ``b_i`` regimes with moves out of class ``i`` (rows without moves do not count).
    LR_p_value, Q_p_value : float
        Upper chi-square tail probabilities.
    LR_table, Q_table : numpy.ndarray, shape (m, k, k)
        Each cell's contribution.
    p_h0, p_h1 : numpy.ndarray
        Pooled ``(k, k)`` and regime ``(m, k, k)`` probabilities (NaN rows where empty).
    regime : pandas.DataFrame
        One row per regime: its own LR and Q against the pooled matrix, their dof
        ``sum_i (a_i - 1)`` over the rows the regime has moves in, and p-values.
    """

    def __init__(self, counts):
        M = np.asarray(counts, dtype=float)
        if M.ndim != 3 or M.shape[1] != M.shape[2]:
            raise InputError(f"counts must have shape (m, k, k); got {M.shape}.")
        pooled = M.sum(axis=0)
        n_i = pooled.sum(axis=1)
        p0 = _probabilities(pooled)
        p1 = _probabilities(M)
        n_im = M.sum(axis=2)  # (m, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(
                (p0 > 0)[None] & (n_im > 0)[:, :, None],
                n_im[:, :, None] * (p1 - p0[None]) ** 2 / p0[None],
                0.0,
            )
            lr = np.where(M > 0, 2.0 * M * np.log(p1 / p0[None]), 0.0)
        a = (p0 > 0).sum(axis=1)
        b = (n_im > 0).sum(axis=0)
        rows = n_i > 0
        self.k = M.shape[1]
        self.m = M.shape[0]
        self.t_total = float(pooled.sum())
        self.A = a
        self.b_i = b
        self.dof = int(((a - 1) * (b - 1))[rows].sum())
        self.LR_table, self.Q_table = lr, q
        self.LR, self.Q = float(lr.sum()), float(q.sum())
        self.LR_p_value = _chi2_sf(self.LR, self.dof)
        self.Q_p_value = _chi2_sf(self.Q, self.dof)
        self.p_h0, self.p_h1 = p0, p1
        dof_m = ((n_im > 0) * (a - 1)[None]).sum(axis=1)
        lr_m, q_m = lr.sum(axis=(1, 2)), q.sum(axis=(1, 2))
        self.regime = pd.DataFrame(
            {
                "transitions": M.sum(axis=(1, 2)),
                "LR": lr_m,
                "Q": q_m,
                "dof": dof_m,
                "LR_p_value": [_chi2_sf(x, d) for x, d in zip(lr_m, dof_m, strict=True)],
                "Q_p_value": [_chi2_sf(x, d) for x, d in zip(q_m, dof_m, strict=True)],
            }
        )
        self.regime.index.name = "regime"

    def to_frame(self):
        """Two rows (LR, Q): statistic, dof, p-value."""
        return pd.DataFrame(
            {
                "test": ["LR", "Q"],
                "statistic": [self.LR, self.Q],
                "dof": [self.dof, self.dof],
                "p_value": [self.LR_p_value, self.Q_p_value],
            }
        )

    def __repr__(self):
        return (
            f"<Markov homogeneity m={self.m}, k={self.k}: LR={self.LR:.4g}, "
            f"Q={self.Q:.4g}, dof={self.dof}, p(LR)={self.LR_p_value:.4g}, "
            f"p(Q)={self.Q_p_value:.4g}>"
        )


def homogeneity(counts):
    """Test that several regimes' transition matrices are one (Bickenbach & Bode 2003).

    Parameters
    ----------
    counts : array-like, shape (m, k, k)
        Transition counts of each regime.

    Returns
    -------
    Homogeneity

    Examples
    --------
    >>> import numpy as np
    >>> from geoagglom.dynamics.markov import homogeneity
    >>> same = np.array([[[8, 2], [3, 7]], [[8, 2], [3, 7]]])
    >>> homogeneity(same).Q, homogeneity(same).dof
    (0.0, 2)
    """
    return Homogeneity(counts)


def _chi2_vs(t1, t2):
    """Pearson chi-square of counts ``t1`` against the row probabilities of ``t2``.

    Expected counts are ``t1``'s row sums times ``t2``'s row probabilities; cells with
    zero expectation are left out (``t1`` is zero there when it is a part of ``t2``).
    dof: ``(rows of t1 with moves - 1) * (rows of t2 with moves - 1)``, as giddy's ``chi2``.
    """
    rs1, rs2 = t1.sum(axis=1), t2.sum(axis=1)
    p = np.where(rs2[:, None] > 0, t2 / np.where(rs2 > 0, rs2, 1)[:, None], 0.0)
    e = rs1[:, None] * p
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(e > 0, (t1 - e) ** 2 / e, 0.0).sum()
    dof = int(((rs1 > 0).sum() - 1) * ((rs2 > 0).sum() - 1))
    return float(x), _chi2_sf(x, dof), dof


# --------------------------------------------------------------------------- #
# Spatial Markov
# --------------------------------------------------------------------------- #
class SpatialMarkov(FrameReprMixin):
    """Spatial Markov chain; build it with :func:`spatial_markov`.

    Attribute names follow giddy's ``Spatial_Markov``.

    Parameters
    ----------
    panel, w, k, m, scale, classify, cutoffs, lag_cutoffs :
        As in :func:`spatial_markov`.
    empty, unit, year, value, years, transform, unbalanced :
        As in :func:`spatial_markov`.

    Attributes
    ----------
    ids : pandas.Index
        Unit ids (rows of the arrays below), in the weights' order.
    years : list
        The years (columns), increasing.
    y : numpy.ndarray, shape (n, t)
        The values after ``scale``.
    lag : numpy.ndarray, shape (n, t)
        Their spatial lag, year by year.
    k, m : int
        Numbers of value and lag classes.
    classify : str
        Discretisation (:data:`geoagglom.options.CLASSIFY`).
    cutoffs, lag_cutoffs : numpy.ndarray
        Upper bounds of the classes but the last: ``(k - 1,)``, or ``(t, k - 1)`` for
        ``classify='per_year'``. A value ``v`` is in the first class whose bound is
        ``>= v``.
    class_ids, lclass_ids : numpy.ndarray of int, shape (n, t)
        Class of each value and of its lag, ``0..k-1`` and ``0..m-1``.
    transitions : numpy.ndarray, shape (k, k)
        Pooled counts of moves ``class in year s -> class in year s + 1``.
    p : numpy.ndarray, shape (k, k)
        Pooled transition probabilities.
    T, P : numpy.ndarray, shape (m, k, k)
        Counts and probabilities conditional on the lag class at the start of the move.
    empty_rows : list of tuple
        ``(lag_class, from_class)`` of every row without moves (``lag_class`` None for
        the pooled matrix).
    empty_classes : list of int
        Value classes no unit falls in, in any year.
    s, S : numpy.ndarray
        Steady state of ``p`` ``(k,)`` and of each ``P[l]`` ``(m, k)``; NaN where a
        matrix has empty rows (``empty='nan'``) or several recurrent classes (then
        ``steady_states`` lists them all).
    f, F : numpy.ndarray
        Mean first passage times of ``p`` ``(k, k)`` and each ``P[l]`` ``(m, k, k)``.
    homogeneity : Homogeneity
        The Bickenbach & Bode tests over the ``m`` lag classes.
    LR, LR_p_value, Q, Q_p_value, dof_hom : float, float, float, float, int
        Its statistics.
    LR_table, Q_table : numpy.ndarray, shape (m, k, k)
    chi2 : list of tuple
        Per lag class, ``(statistic, p-value, dof)`` of its counts against the pooled
        probabilities (giddy's ``chi2``); ``x2``, ``x2_dof``, ``x2_pvalue``: their sum.
    shtest : list of tuple
        Per lag class, ``(statistic, p-value, dof)`` comparing its steady state with the
        pooled one (giddy's ``shtest``).
    dropped : dict
        Units and years left out under the ``unbalanced`` policy.
    """

    def __init__(
        self,
        panel,
        w,
        k=5,
        m=5,
        *,
        scale="mean",
        classify="pooled",
        cutoffs=None,
        lag_cutoffs=None,
        empty="nan",
        unit="unit",
        year="year",
        value=None,
        years=None,
        transform="r",
        unbalanced="raise",
    ):
        CLASSIFY.check(classify, "classify")
        EMPTY_ROWS.check(empty, "empty")
        if classify == "cutoffs":
            if cutoffs is None or lag_cutoffs is None:
                raise InputError(
                    "classify='cutoffs' needs both cutoffs= (value classes) and "
                    "lag_cutoffs= (lag classes)."
                )
        elif cutoffs is not None or lag_cutoffs is not None:
            raise InputError(
                "cutoffs= / lag_cutoffs= are used only with classify='cutoffs'; pass it."
            )
        pan = _check_panel(
            panel,
            w,
            unit=unit,
            year=year,
            value=value,
            years=years,
            transform=transform,
            unbalanced=unbalanced,
            what="a spatial Markov chain",
            light=True,
        )
        self.ids, self.years, self.dropped = pan.ids, pan.years, pan.dropped()
        self.scale, self.classify, self.empty = scale, classify, empty
        y = _scale(pan.values, scale, pan.years)
        self.y = y
        self.lag = pan.wts.full @ y
        self.class_ids, self.cutoffs, self.k = _classify(
            y, k, classify, cutoffs, "values", pan.years
        )
        self.lclass_ids, self.lag_cutoffs, self.m = _classify(
            self.lag, m, classify, lag_cutoffs, "spatial lags", pan.years
        )
        self.classes = np.arange(self.k)
        self.lclasses = np.arange(self.m)
        self.n, self.t = y.shape
        k, m = self.k, self.m
        self.transitions = transition_counts(self.class_ids, k)
        self.T = transition_counts(self.class_ids, k, self.lclass_ids, m)
        self.empty_classes = [int(c) for c in np.setdiff1d(np.arange(k), self.class_ids)]
        pooled_empty = np.flatnonzero(self.transitions.sum(axis=1) == 0)
        cond_empty = np.argwhere(self.T.sum(axis=2) == 0)
        self.empty_rows = [(None, int(i)) for i in pooled_empty] + [
            (int(a), int(b)) for a, b in cond_empty
        ]
        if self.empty_rows or self.empty_classes:
            shown = [
                f"{'pooled' if a is None else f'lag {a}'}: class {b}" for a, b in self.empty_rows
            ]
            warnings.warn(
                f"spatial Markov: {len(self.empty_rows)} transition-matrix row(s) without any "
                f"observed move ({format_ids(shown)})"
                + (f"; classes never observed: {self.empty_classes}" if self.empty_classes else "")
                + f". They are {'NaN' if empty == 'nan' else 'absorbing (1 on the diagonal)'}; "
                "see .empty_rows. Fewer classes (k, m) avoid them.",
                EmptyTransitionsWarning,
                stacklevel=3,
            )
        self.p = self._fill(_probabilities(self.transitions))
        self.P = self._fill(_probabilities(self.T))
        self.s, self.f, ss = self._chain(self.p)
        S, F, SS = zip(*(self._chain(pm) for pm in self.P), strict=True)
        self.S, self.F = np.array(S), np.array(F)
        self.steady_states = {"pooled": ss, **{lc: v for lc, v in enumerate(SS)}}
        self.homogeneity = Homogeneity(self.T)
        h = self.homogeneity
        self.LR, self.LR_p_value, self.Q, self.Q_p_value = h.LR, h.LR_p_value, h.Q, h.Q_p_value
        self.dof_hom = h.dof
        self.LR_table, self.Q_table = h.LR_table, h.Q_table
        self.chi2 = [_chi2_vs(self.T[i], self.transitions) for i in range(m)]
        self.x2 = float(sum(c[0] for c in self.chi2))
        self.x2_dof = int(sum(c[2] for c in self.chi2))
        self.x2_pvalue = _chi2_sf(self.x2, self.x2_dof)
        self.shtest = [self._sstest(self.S[i], self.T[i].sum()) for i in range(m)]

    def _fill(self, p):
        if self.empty == "absorbing":
            p = p.copy()
            rows = np.isnan(p).all(axis=-1)
            p[rows] = 0.0
            if p.ndim == 2:
                p[rows, rows] = 1.0
            else:
                a, b = np.nonzero(rows)
                p[a, b, b] = 1.0
        return p

    def _chain(self, p):
        k = p.shape[0]
        if np.isnan(p).any():
            return np.full(k, np.nan), np.full((k, k), np.nan), None
        ss = steady_states(p)
        s = ss[0] if len(ss) == 1 else np.full(k, np.nan)
        return s, mean_first_passage(p), ss

    def _sstest(self, s_l, nt):
        k = self.k
        if np.isnan(s_l).any() or np.isnan(self.s).any():
            return (np.nan, np.nan, k - 1)
        e, o = nt * self.s, nt * s_l
        with np.errstate(divide="ignore", invalid="ignore"):
            x = float(np.where(e > 0, (o - e) ** 2 / e, 0.0).sum())
        return (x, _chi2_sf(x, k - 1), k - 1)

    @property
    def statistic(self):
        """The likelihood-ratio homogeneity statistic (``LR``)."""
        return self.LR

    def to_frame(self):
        """Tidy transitions: one row per (lag class, from, to), the pooled matrix first.

        Columns ``lag_class`` (``<NA>`` for the pooled matrix), ``from_class``,
        ``to_class``, ``count``, ``probability``.
        """
        k, m = self.k, self.m
        fr, to = np.divmod(np.arange(k * k), k)
        parts = [
            pd.DataFrame(
                {
                    "lag_class": pd.array([pd.NA] * (k * k), dtype="Int64"),
                    "from_class": fr,
                    "to_class": to,
                    "count": self.transitions.ravel(),
                    "probability": self.p.ravel(),
                }
            )
        ]
        for lc in range(m):
            parts.append(
                pd.DataFrame(
                    {
                        "lag_class": pd.array([lc] * (k * k), dtype="Int64"),
                        "from_class": fr,
                        "to_class": to,
                        "count": self.T[lc].ravel(),
                        "probability": self.P[lc].ravel(),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def tests(self):
        """Homogeneity tests: LR and Q overall, then per lag class (LR, Q, chi2 vs pooled)."""
        rows = [
            {
                "test": "LR",
                "lag_class": pd.NA,
                "statistic": self.LR,
                "dof": self.dof_hom,
                "p_value": self.LR_p_value,
            },
            {
                "test": "Q",
                "lag_class": pd.NA,
                "statistic": self.Q,
                "dof": self.dof_hom,
                "p_value": self.Q_p_value,
            },
        ]
        reg = self.homogeneity.regime
        for lc in range(self.m):
            r = reg.loc[lc]
            rows.append(
                {
                    "test": "LR",
                    "lag_class": lc,
                    "statistic": r.LR,
                    "dof": int(r.dof),
                    "p_value": r.LR_p_value,
                }
            )
            rows.append(
                {
                    "test": "Q",
                    "lag_class": lc,
                    "statistic": r.Q,
                    "dof": int(r.dof),
                    "p_value": r.Q_p_value,
                }
            )
            x, p, d = self.chi2[lc]
            rows.append({"test": "chi2", "lag_class": lc, "statistic": x, "dof": d, "p_value": p})
        out = pd.DataFrame(rows)
        out["lag_class"] = out["lag_class"].astype("Int64")
        return out

    def __repr__(self):
        return (
            f"<spatial Markov n={self.n}, years={self.years[0]}–{self.years[-1]}, k={self.k}, "
            f"m={self.m} ({self.classify}): LR={self.LR:.4g} (p={self.LR_p_value:.3g}), "
            f"Q={self.Q:.4g} (p={self.Q_p_value:.3g}), dof={self.dof_hom}, "
            f"empty rows={len(self.empty_rows)}>"
        )


def spatial_markov(
    panel,
    w,
    k=5,
    m=5,
    *,
    scale="mean",
    classify="pooled",
    cutoffs=None,
    lag_cutoffs=None,
    empty="nan",
    unit="unit",
    year="year",
    value=None,
    years=None,
    transform="r",
    unbalanced="raise",
):
    """Spatial Markov chain of a unit x year panel and its spatial homogeneity tests.

    Parameters
    ----------
    panel : pandas.DataFrame or numpy.ndarray
        Long (``unit``, ``year``, ``value`` columns), wide (units x years, index =
        unit ids) or a units x years array in the weights' order.
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights over the panel's units (every unit needs a neighbour).
    k, m : int, default 5
        Numbers of classes of the values and of their spatial lag (ignored with
        ``classify='cutoffs'``: ``len(cutoffs) + 1`` classes).
    scale : {'mean', 'zscore', 'raw'}, default 'mean'
        Each year's values relative to the year's mean, standardised, or as given
        (:data:`geoagglom.options.PANEL_SCALES`).
    classify : {'pooled', 'per_year', 'cutoffs'}, default 'pooled'
        Quantiles of all years pooled, quantiles year by year, or the given bounds
        (:data:`geoagglom.options.CLASSIFY`). Ties that make a quantile class empty
        are an error.
    cutoffs, lag_cutoffs : sequence of float, optional
        Increasing upper bounds of all classes but the last (``classify='cutoffs'``).
    empty : {'nan', 'absorbing'}, default 'nan'
        What rows without observed moves become (always reported).
    unit, year, value : str
        Column names of a long panel (``value`` may be omitted when it is the only
        other column).
    years : list, optional
        For a DataFrame: the years to use (default: all). For an array: the labels
        of its columns (default ``0 .. t-1``).
    transform : {'r', 'b', None}, default 'r'
        Weights transformation; ``'r'`` (row-standardised) makes the lag a
        neighbours' mean; None uses the weights as given.
    unbalanced : {'raise', 'drop_units', 'drop_years'}, default 'raise'
        Policy for missing unit-years (:data:`geoagglom.options.UNBALANCED`).

    Returns
    -------
    SpatialMarkov

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import spatial_markov
    >>> rng = np.random.default_rng(0)
    >>> y = rng.lognormal(size=(100, 6)).cumsum(axis=1)
    >>> sm = spatial_markov(y, lat2W(10, 10), k=3, m=3)
    >>> int(sm.T.sum())  # 100 units, 5 moves each
    500
    >>> bool(np.allclose(sm.P.sum(axis=2), 1))
    True
    """
    return SpatialMarkov(
        panel,
        w,
        k,
        m,
        scale=scale,
        classify=classify,
        cutoffs=cutoffs,
        lag_cutoffs=lag_cutoffs,
        empty=empty,
        unit=unit,
        year=year,
        value=value,
        years=years,
        transform=transform,
        unbalanced=unbalanced,
    )
