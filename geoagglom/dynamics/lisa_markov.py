"""LISA Markov (Rey & Janikas 2006): moves of units between Moran-scatterplot quadrants.

Each year every unit sits in a quadrant of the Moran scatterplot: 1 HH, 2 LH,
3 LL, 4 HL (its value above/below the mean, its neighbours' lag above/below;
esda's codes), from geoagglom's local Moran (:class:`geoagglom.LocalMoran`),
which also says whether the unit's local statistic is significant. The
``4 x 4`` transition matrix counts the moves between consecutive years.

Independence of own and neighbours' moves
    If a unit's moves (high/low) were independent of its neighbours' moves, the
    quadrant transition probabilities would be the products of the two 2-state
    chains' probabilities; ``chi_2`` compares the observed counts with those
    expected ones (giddy's ``LISA_Markov.chi_2``, 9 degrees of freedom).

Move types
    ``move_types``: 1-16, ``4 (q_start - 1) + q_end``; ``significant_moves``: 1-64,
    the move type plus 0 (both end points significant), 16 (only the start), 32
    (only the end) or 48 (neither) — giddy's coding.

Spillover
    A unit *joins or extends* a significant cluster when, from one year to the
    next, it becomes a member of a cluster (a significant core of the chosen
    quadrant, HH by default, and its neighbours) whose connected component
    contains a member of the previous year's clusters, while it was not itself a
    member then (giddy's ``LISA_Markov.spillover``).

References
----------
Rey, S. J. & Janikas, M. V. (2006). STARS: Space-Time Analysis of Regional
Systems. *Geographical Analysis* 38(1), 67-86.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csgraph

from geoagglom._repr import FrameReprMixin
from geoagglom.dynamics._panel import _check_panel
from geoagglom.dynamics.chain import _probabilities, steady_state, transition_counts
from geoagglom.dynamics.markov import _chi2_vs
from geoagglom.errors import EmptyTransitionsWarning, InputError, format_ids
from geoagglom.seeding import check_seed, stream
from geoagglom.spatial.local_stats import QUADRANTS, LocalMoran

__all__ = ["LISAMarkov", "lisa_markov"]

_QUADS = ("HH", "LH", "LL", "HL")
# kron order of (own, lag) high/low: 0 HH, 1 HL, 2 LH, 3 LL -> esda quadrant order
_KRON_TO_Q = np.array([0, 2, 3, 1])


def _move_types(q0, q1):
    return 4 * (q0 - 1) + q1


def _significant_moves(q0, q1, s0, s1):
    offset = np.where(s0, np.where(s1, 0, 16), np.where(s1, 32, 48))
    return _move_types(q0, q1) + offset


def _cluster_members(cores, nbr, second_order):
    """Edges core -> neighbour (and neighbour -> its neighbours): members and components."""
    n = nbr.shape[0]
    sub = nbr[cores]
    heads = np.repeat(np.flatnonzero(cores), np.diff(sub.indptr))
    tails = sub.indices
    if second_order:
        first = np.unique(tails)
        sub2 = nbr[first]
        heads = np.concatenate([heads, np.repeat(first, np.diff(sub2.indptr))])
        tails = np.concatenate([tails, sub2.indices])
    member = np.zeros(n, dtype=bool)
    member[heads] = True
    member[tails] = True
    g = coo_array((np.ones(len(heads)), (heads, tails)), shape=(n, n)).tocsr()
    _, lab = csgraph.connected_components(g, directed=True, connection="weak")
    return member, lab


def _spillover(q, significant, nbr, quadrant=1, second_order=False):
    """``(spill, components)``: giddy's spillover rule on our classes (see module notes)."""
    n, t = q.shape
    spill = np.zeros((n, t - 1), dtype=bool)
    components = np.zeros((n, t), dtype=np.int64)
    prev = None
    for s in range(t):
        cores = (q[:, s] == quadrant) & significant[:, s]
        member, lab = _cluster_members(cores, nbr, second_order)
        # number the components 1.. by their first member (0: not in a cluster)
        roots = np.unique(lab[member])
        first = np.array([np.flatnonzero(member & (lab == r))[0] for r in roots], dtype=int)
        rank = {r: i + 1 for i, r in enumerate(roots[np.argsort(first)])}
        components[member, s] = [rank[v] for v in lab[member]]
        if prev is not None:
            new = member & ~prev
            old_comps = np.unique(lab[member & prev])
            spill[:, s - 1] = new & np.isin(lab, old_comps)
        prev = member
    return spill, components


class LISAMarkov(FrameReprMixin):
    """Markov chain of LISA quadrants; build it with :func:`lisa_markov`.

    Attribute names follow giddy's ``LISA_Markov``.

    Parameters
    ----------
    panel, w, permutations, seed, alpha, alternative, adjust, quadrant :
        As in :func:`lisa_markov`.
    second_order, unit, year, value, years, transform, unbalanced :
        As in :func:`lisa_markov`.

    Attributes
    ----------
    ids : pandas.Index
    years : list
    classes : numpy.ndarray
        ``[1, 2, 3, 4]``: HH, LH, LL, HL.
    q : numpy.ndarray of int, shape (n, t)
        Quadrant of each unit and year.
    p_values : numpy.ndarray, shape (n, t)
        The local Moran p-values used (after ``adjust``).
    significant : numpy.ndarray of bool, shape (n, t)
    labels : numpy.ndarray of str, shape (n, t)
        Quadrant where significant, else ``'ns'``.
    transitions : numpy.ndarray, shape (4, 4)
        Counts of moves between quadrants.
    p : numpy.ndarray, shape (4, 4)
        Transition probabilities (rows without moves NaN, reported in ``empty_rows``).
    steady_state : numpy.ndarray, shape (4,)
    expected_t : numpy.ndarray, shape (4, 4)
        Expected counts if own and neighbours' moves are independent.
    chi_2 : tuple
        ``(statistic, p-value, dof)`` of that independence test.
    move_types : numpy.ndarray of int, shape (n, t - 1)
    significant_moves : numpy.ndarray of int, shape (n, t - 1)
    spill_over : numpy.ndarray of bool, shape (n, t - 1)
        Units that joined or extended a significant cluster (``quadrant``) between
        years ``s`` and ``s + 1``.
    components : numpy.ndarray of int, shape (n, t)
        Cluster (1, 2, ...) of each member unit each year, 0 outside clusters.
    local : dict
        ``{year: LocalMoran}`` (without simulations).
    neighbours : scipy.sparse.csr_array
        Binary neighbour structure (row ``i``: the neighbours of ``ids[i]``).
    """

    def __init__(
        self,
        panel,
        w,
        permutations=999,
        seed=None,
        *,
        alpha=0.05,
        alternative="two-sided",
        adjust=None,
        quadrant="HH",
        second_order=False,
        unit="unit",
        year="year",
        value=None,
        years=None,
        transform="r",
        unbalanced="raise",
        local=None,
    ):
        check_seed(seed)
        if quadrant not in _QUADS:
            raise InputError(f"quadrant must be one of {list(_QUADS)}; got {quadrant!r}.")
        pan = _check_panel(
            panel,
            w,
            unit=unit,
            year=year,
            value=value,
            years=years,
            transform=transform,
            unbalanced=unbalanced,
            what="a LISA Markov chain",
        )
        self.ids, self.years, self.dropped = pan.ids, pan.years, pan.dropped()
        self.n, self.t = pan.values.shape
        self.permutations, self.alpha, self.alternative = permutations, alpha, alternative
        self.adjust, self.quadrant, self.second_order = adjust, quadrant, second_order
        self.local = {}
        for j, yr in enumerate(pan.years):
            if local is not None:
                self.local[yr] = _given_local(local, yr, pan.ids)
                continue
            try:
                self.local[yr] = LocalMoran(
                    pan.values[:, j],
                    pan.wts,
                    permutations,
                    stream(seed, "lisa", yr),
                    alternative=alternative,
                    alpha=alpha,
                    adjust=adjust,
                    keep_simulations=False,
                )
            except InputError as exc:
                raise InputError(f"year {yr}: {exc}") from None
        lms = [self.local[yr] for yr in pan.years]
        self.q = np.column_stack([lm.q for lm in lms])
        self.p_values = np.column_stack([lm.p_adjusted for lm in lms])
        self.significant = np.column_stack([lm.significant for lm in lms])
        self.labels = np.column_stack([lm.labels for lm in lms])
        self.classes = np.arange(1, 5)
        self.k = 4
        self.transitions = transition_counts(self.q - 1, 4)
        self.p = _probabilities(self.transitions)
        empty = np.flatnonzero(self.transitions.sum(axis=1) == 0)
        self.empty_rows = [_QUADS[i] for i in empty]
        if len(empty):
            warnings.warn(
                f"LISA Markov: no unit ever left quadrant(s) {format_ids(self.empty_rows)}; "
                "their rows of p are NaN.",
                EmptyTransitionsWarning,
                stacklevel=3,
            )
            self.steady_state = np.full(4, np.nan)
        else:
            self.steady_state = steady_state(self.p)
        # independence of own and neighbours' moves
        own_low = np.isin(self.q, (2, 3)).astype(np.int64)
        lag_low = np.isin(self.q, (3, 4)).astype(np.int64)
        p_own = _probabilities(transition_counts(own_low, 2))
        p_lag = _probabilities(transition_counts(lag_low, 2))
        kp = np.kron(np.nan_to_num(p_own), np.nan_to_num(p_lag))[np.ix_(_KRON_TO_Q, _KRON_TO_Q)]
        self.expected_t = self.transitions.sum(axis=1)[:, None] * kp
        self.chi_2 = _chi2_vs(self.transitions, self.expected_t)
        q0, q1 = self.q[:, :-1], self.q[:, 1:]
        self.move_types = _move_types(q0, q1)
        self.significant_moves = _significant_moves(
            q0, q1, self.significant[:, :-1], self.significant[:, 1:]
        )
        nbr = pan.wts.off.copy()
        nbr.data[:] = 1.0
        self.neighbours = nbr
        self.spill_over, self.components = _spillover(
            self.q, self.significant, nbr, _QUADS.index(quadrant) + 1, second_order
        )

    @property
    def statistic(self):
        """The chi-square statistic of independence of own and neighbours' moves."""
        return self.chi_2[0]

    def matrix(self, probabilities=False):
        """The 4 x 4 transition counts (or probabilities) labelled HH, LH, LL, HL."""
        m = self.p if probabilities else self.transitions
        return pd.DataFrame(
            m,
            index=pd.Index(_QUADS, name="from"),
            columns=pd.Index(_QUADS, name="to"),
        )

    def to_frame(self):
        """One row per unit and move (year ``s`` to the next): classes, types, spillover."""
        n, t = self.n, self.t
        idx = np.repeat(np.arange(n), t - 1)
        s = np.tile(np.arange(t - 1), n)
        years = np.asarray(self.years, dtype=object)
        quad = np.array([QUADRANTS[v] for v in range(1, 5)], dtype=object)
        lab = self.labels
        df = pd.DataFrame(
            {
                "unit": self.ids[idx],
                "from_year": years[s],
                "to_year": years[s + 1],
                "from_quadrant": quad[self.q[idx, s] - 1],
                "to_quadrant": quad[self.q[idx, s + 1] - 1],
                "from_label": lab[idx, s],
                "to_label": lab[idx, s + 1],
                "move_type": self.move_types[idx, s],
                "significant_move": self.significant_moves[idx, s],
                "spillover": self.spill_over[idx, s],
            }
        )
        return df

    def __repr__(self):
        x, p, d = self.chi_2
        return (
            f"<LISA Markov n={self.n}, years={self.years[0]}–{self.years[-1]}: "
            f"chi2={x:.4g} (dof {d}, p={p:.3g}), spillovers={int(self.spill_over.sum())}, "
            f"alpha={self.alpha}{'' if self.adjust in (None, 'none') else ', ' + self.adjust}>"
        )


def lisa_markov(
    panel,
    w,
    permutations=999,
    seed=None,
    *,
    alpha=0.05,
    alternative="two-sided",
    adjust=None,
    quadrant="HH",
    second_order=False,
    unit="unit",
    year="year",
    value=None,
    years=None,
    transform="r",
    unbalanced="raise",
    local=None,
):
    """LISA Markov chain: quadrant moves, independence test, move types and spillovers.

    Parameters
    ----------
    panel, w, unit, year, value, years, transform, unbalanced
        As in :func:`geoagglom.spatial_markov`. Quadrants do not depend on scaling
        the years (the local Moran standardises each year).
    permutations : int, default 999
        Conditional permutations of each year's local Moran (0: analytic ``p_c``).
    seed : None, int or numpy.random.Generator
        An int gives year ``y`` the stream ``stream(seed, "lisa", y)``, the same as
        :func:`geoagglom.lisa_by_year`, so both give the same classes.
    alpha, alternative, adjust
        Significance of the local Moran (as :func:`geoagglom.local_moran`).
    local : dict, optional
        ``{year: LocalMoran}`` already computed on the same values and weights (as
        :func:`geoagglom.lisa_by_year` returns with ``return_results=True``): used
        as they are instead of computing the local Moran again.
    quadrant : {'HH', 'LH', 'LL', 'HL'}, default 'HH'
        Quadrant of the cluster cores for the spillover detection.
    second_order : bool, default False
        Clusters also include the neighbours of the cores' neighbours (giddy's
        ``neighbors_on``).

    Returns
    -------
    LISAMarkov

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import lisa_markov
    >>> y = np.random.default_rng(0).lognormal(size=(100, 5)).cumsum(axis=1)
    >>> lm = lisa_markov(y, lat2W(10, 10), permutations=99, seed=1)
    >>> int(lm.transitions.sum())
    400
    >>> lm.matrix().index.tolist()
    ['HH', 'LH', 'LL', 'HL']
    """
    return LISAMarkov(
        panel,
        w,
        permutations,
        seed,
        alpha=alpha,
        alternative=alternative,
        adjust=adjust,
        quadrant=quadrant,
        second_order=second_order,
        unit=unit,
        year=year,
        value=value,
        years=years,
        transform=transform,
        unbalanced=unbalanced,
        local=local,
    )


def _given_local(local, yr, ids):
    """The precomputed local Moran of one year, checked against the panel's units."""
    if yr not in local:
        raise InputError(f"local has no local Moran for year {yr}; give one for every year.")
    result = local[yr]
    if not pd.Index(result.ids).equals(pd.Index(ids)):
        raise InputError(
            f"year {yr}: the given local Moran covers other units (or another order) than "
            "the panel and weights; compute it on the same weights."
        )
    return result
