"""Gini and Theil inequality indices, their group decompositions and inference.

Formulas (see ``shared/DESIGN.md``), for values ``y_i >= 0`` with weights
``w_i > 0`` (all ones when unweighted), ``W = Σ w_i``, ``μ = Σ w_i y_i / W``,
``p_i = w_i / W`` (weight share) and ``s_i = w_i y_i / Σ w_j y_j`` (quantity share):

* Theil T (GE(1)): ``T = Σ s_i ln(s_i / p_i)``; unweighted ``(1/N) Σ (y_i/μ) ln(y_i/μ)``.
* Theil L (GE(0), mean log deviation): ``L = Σ p_i ln(p_i / s_i)``;
  unweighted ``(1/N) Σ ln(μ / y_i)``.
* Gini: ``G = Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ)``; unweighted this is
  ``2 Σ i·y_(i) / (n² μ) − (n+1)/n`` for ``y`` sorted ascending.

Group decompositions compute every part directly and then check that the parts
add up to the separately computed total:

* T: ``within = Σ_k s_k T_k``, ``between = Σ_k s_k ln(s_k / p_k)``;
* L: ``within = Σ_k p_k L_k``, ``between = Σ_k p_k ln(p_k / s_k)``;
* Gini (Dagum 1997): within ``Σ_j p_j s_j G_jj``, net between
  ``Σ_{j,h} (p_j s_h + p_h s_j) G_jh D_jh`` and transvariation
  ``Σ_{j,h} (p_j s_h + p_h s_j) G_jh (1 − D_jh)``.

Numerics: the Theil sums are evaluated in the equivalent forms
``T = Σ p_i φ(y_i/μ)`` with ``φ(r) = r ln r − r + 1 ≥ 0`` and
``L = Σ p_i ψ(y_i/μ)`` with ``ψ(r) = r − 1 − ln r ≥ 0`` (they differ from the
textbook sums by ``Σ p_i (r_i − 1) = 0``). Every term is non-negative, and
``r − 1`` is formed from the deviation ``y_i − μ``, so nearly equal values do
not lose their precision to cancellation and the decomposition identity can
be checked to 1e-12 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoagglom import validation
from geoagglom._repr import FrameReprMixin
from geoagglom.errors import DecompositionError, InputError
from geoagglom.options import THEIL_KINDS
from geoagglom.seeding import check_random_state

__all__ = ["GiniIndex", "TheilIndex", "gini", "theil"]

#: Relative tolerance of the decomposition identity total = sum of parts.
IDENTITY_RTOL = 1e-12
# Absolute floor of that check. A Theil index of 1e-30 corresponds to a
# coefficient of variation of ~1.4e-15, i.e. values equal to a few ulps, where
# rounding of the means alone decides the digits; for the Gini (first order in
# the spread rather than second) the same few ulps give ~1e-15.
_THEIL_ATOL = 1e-30
_GINI_ATOL = 1e-15
#: Unit-draws (permutations × units) per block of the between-group permutations.
_BLOCK_ELEMENTS = 500_000
# Below this |r − 1| the series expansions of φ and ψ are used (17 terms give
# full double precision there).
#: Below this total (Gini, Theil: dimensionless), the parts' shares are undefined (NaN).
SHARE_MIN_TOTAL = 1e-14
_SERIES_CUTOFF = 0.1
_SERIES_TERMS = 17


# --------------------------------------------------------------------------- kernels


def _phi(d, r):
    """φ(r) = r ln r − r + 1 (φ(0) = 1), given both d = r − 1 and r.

    Near r = 1 the series in ``d`` (formed from deviations, so exact to the
    last digit) avoids cancellation; elsewhere ``r`` itself is used, so that a
    value far below the mean keeps its digits in the logarithm. (The closed
    form is evaluated everywhere and then replaced where the series applies,
    which avoids indexing the bulk of the values.)
    """
    d, r = np.broadcast_arrays(np.atleast_1d(np.asarray(d, float)), np.asarray(r, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = r * np.log(r) - r + 1.0  # NaN at r = 0 (0 · −inf), replaced by the limit
    out = np.where(r <= 0.0, 1.0, out)
    small = np.flatnonzero(np.abs(d) < _SERIES_CUTOFF)
    if len(small):
        # (1+d)ln(1+d) − d = Σ_{k>=2} (−1)^k d^k / (k(k−1)); Horner in d from k = 2.
        ds = d.flat[small]
        acc = np.zeros_like(ds)
        for k in range(_SERIES_TERMS + 1, 1, -1):
            acc = acc * ds + (-1.0) ** k / (k * (k - 1))
        out.flat[small] = acc * ds * ds
    return out


def _psi(d, r):
    """ψ(r) = r − 1 − ln r for r > 0, given both d = r − 1 and r (see :func:`_phi`)."""
    d, r = np.broadcast_arrays(np.atleast_1d(np.asarray(d, float)), np.asarray(r, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = r - 1.0 - np.log(r)
    small = np.flatnonzero(np.abs(d) < _SERIES_CUTOFF)
    if len(small):
        # d − ln(1+d) = Σ_{k>=2} (−1)^k d^k / k.
        ds = d.flat[small]
        acc = np.zeros_like(ds)
        for k in range(_SERIES_TERMS + 1, 1, -1):
            acc = acc * ds + (-1.0) ** k / k
        out.flat[small] = acc * ds * ds
    return out


def _wmean(y, w):
    return math.fsum(w * y) / math.fsum(w)


def _theil_terms(y, w, mu, kind):
    """Σ (w_i/W) φ or ψ of y_i/mu, with r − 1 formed from y_i − mu."""
    d = (y - mu) / mu
    f = _phi(d, y / mu) if kind == "T" else _psi(d, y / mu)
    return float(np.sum(w * f) / math.fsum(w))


def _check_identity(total, parts, atol, what):
    """Raise DecompositionError unless total == sum(parts) to IDENTITY_RTOL."""
    s = math.fsum(parts)
    if not abs(total - s) <= IDENTITY_RTOL * max(abs(total), abs(s)) + atol:
        raise DecompositionError(
            f"Internal error: the {what} decomposition does not add up "
            f"(total {total!r}, sum of parts {s!r}, relative difference "
            f"{abs(total - s) / max(abs(total), 1e-300):.3g}). Please report this with the data."
        )


def _abs_diff_sum(y, w):
    """Σ_i Σ_j w_i w_j |y_i − y_j| in O(n log n).

    Over the ascending order, each pair counted once gives
    Σ_i w_i y_i (2 B_i + w_i − W) with B_i the weight strictly before i; the
    bracket sums to zero, so centring y on its mean changes nothing except
    avoiding cancellation between large equal terms.
    """
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    before = np.cumsum(ws) - ws
    c = _wmean(ys, ws)
    total = 2.0 * float(np.sum(ws * (ys - c) * (2.0 * before + ws - ws.sum())))
    # Non-negative by construction; with equal values rounding can leave ±1e-30.
    return max(total, 0.0)


def _positive_cross_sum(a, wa, b, wb, chunk_cells=1_000_000):
    """Σ_i Σ_r wa_i wb_r max(b_r − a_i, 0), evaluated in row blocks."""
    step = max(1, chunk_cells // max(1, len(b)))
    total = 0.0
    for start in range(0, len(a), step):
        stop = start + step
        diff = np.maximum(b[None, :] - a[start:stop, None], 0.0)
        total += float(np.sum(wa[start:stop, None] * diff * wb[None, :]))
    return total


# --------------------------------------------------------------------------- input


def _prepare(y, weights, groups, data, ids, *, what, allow_zero, zero_reason=""):
    values, y_index = validation.vector(y, data, what)
    n = len(values)
    if n == 0:
        raise InputError(f"No {what} values were given; pass at least one unit.")
    labels = validation.resolve_ids(data, ids, n)
    if labels is None:
        labels = y_index
    validation.check_values(values, labels, what, allow_zero=allow_zero, zero_reason=zero_reason)
    if weights is None:
        w = np.ones(n)
    else:
        w, w_index = validation.vector(weights, data, "weight", n)
        w = validation.align(w, w_index, y_index if data is None else None, "weight")
        validation.check_weights(w, labels)
    g = None
    if groups is not None:
        g, g_index = validation.labels(groups, data, "group", n)
        g = validation.align(g, g_index, y_index if data is None else None, "group")
        validation.check_group_labels(g, labels)
    if math.fsum(w * values) == 0:
        raise InputError(
            f"Every {what} value is zero, so the mean is zero and the index is undefined."
        )
    return values, w, g, labels


def _group_codes(g):
    """Integer codes and the group labels, sorted when the labels can be ordered."""
    try:
        codes, keys = pd.factorize(pd.Series(g, dtype=object), sort=True)
    except TypeError:  # labels of mixed types: keep first-seen order
        codes, keys = pd.factorize(pd.Series(g, dtype=object), sort=False)
    return list(keys), codes


def _fmt(x):
    return f"{x:.6g}"


def _group_summary(y, w, codes, n_groups, mu, W):
    """Per group: member masks, weight ``W_k``, weight share ``p_k``, mean ``μ_k``
    and the deviation ``μ_k − μ`` formed from the unit deviations (so that
    nearly equal group means keep their digits)."""
    members = [codes == k for k in range(n_groups)]
    Wk = np.array([math.fsum(w[m]) for m in members])
    dev = np.array([math.fsum(w[m] * (y[m] - mu)) / Wk[k] for k, m in enumerate(members)])
    muk = np.array([_wmean(y[m], w[m]) for m in members])
    return members, Wk, Wk / W, muk, dev


class _Decomposition(FrameReprMixin):
    """What the Theil and Gini results share: the parts of a group decomposition
    (``_parts``: attribute and label, in order), each with its share of the
    total, in ``to_frame``, ``group_frame`` and ``repr``."""

    _name = ""
    _parts: tuple[tuple[str, str], ...] = ()

    def _set_shares(self):
        total = self.statistic
        for attr, _ in self._parts:
            value = getattr(self, attr)
            # an index of (nearly) equal values is rounding noise: its parts have no shares
            share = value / total if total > SHARE_MIN_TOTAL else math.nan
            setattr(self, f"{attr}_share", share)

    def _parts_row(self):
        row = {}
        for attr, _ in self._parts:
            row[attr] = getattr(self, attr)
            row[f"{attr}_share"] = getattr(self, f"{attr}_share")
        row["n_groups"] = len(self.groups)
        return row

    def _parts_repr(self):
        width = max(len(label) for _, label in self._parts)
        lines = [
            f"\n  {label.ljust(width)} {_fmt(getattr(self, attr))} "
            f"({getattr(self, f'{attr}_share'):.1%})"
            for attr, label in self._parts
        ]
        return "".join(lines) + f"  over {len(self.groups)} groups"

    def group_frame(self):
        """Per-group table (tidy: one row per group); needs groups."""
        if self.groups is None:
            raise InputError(f"This {self._name} was computed without groups; pass groups=.")
        return self.group_table.reset_index()


# --------------------------------------------------------------------------- Theil


class TheilIndex(_Decomposition):
    """Theil T (GE(1)) or Theil L (GE(0)) index, with its group decomposition.

    Build it with :func:`theil`; every attribute is computed at construction.

    Parameters
    ----------
    y, w, groups, ids :
        Checked values, weights, group labels and unit ids.
    kind, permutations, seed :
        As in :func:`theil`, which checks its input and builds it.

    Attributes
    ----------
    kind : {"T", "L"}
    statistic : float
        The index. Also available as ``T`` (kind T) or ``L`` (kind L), PySAL style.
    n : int
        Number of units.
    weighted : bool
    ids : pandas.Index
        Unit labels (positions when plain arrays were given).
    share_quantity, share_weight : numpy.ndarray
        ``s_i`` and ``p_i`` of every unit.
    within, between : float
        Directly computed parts (only with ``groups``); ``wg`` and ``bg`` are
        the PySAL names of the same numbers.
    within_share, between_share : float
        Contribution rates ``within / total`` and ``between / total`` (NaN when
        the total is zero).
    groups : list
        Group labels in sorted order (only with ``groups``).
    group_table : pandas.DataFrame
        One row per group: ``n``, ``share_weight`` (p_k), ``share_quantity``
        (s_k), ``mean``, ``index`` (the group's own T_k or L_k; NaN for a group
        whose values are all zero), ``within_contribution`` (s_k·T_k or
        p_k·L_k), ``within_rate``, ``between_contribution`` (s_k ln(s_k/p_k) or
        p_k ln(p_k/s_k)) and ``between_rate`` (both rates relative to the total).
    permutations : int
        Number of random permutations (0 when no inference was asked for).
    between_sim, between_share_sim : numpy.ndarray
        The between part and between share for every permutation of the units
        over the groups.
    p_sim : float
        ``(1 + #{between_sim >= between}) / (permutations + 1)``, one-sided.
    z_sim : float
        ``(between − mean(between_sim)) / std(between_sim)``.
    """

    _name = "Theil index"
    _parts = (("within", "within"), ("between", "between"))

    def __init__(self, y, w, groups, ids, kind, permutations, seed):
        self.kind = kind
        self.n = len(y)
        self.weighted = not np.all(w == w[0])
        self.ids = validation.unit_labels(ids, self.n)
        self.y = y
        self.weights = w
        W = math.fsum(w)
        mu = _wmean(y, w)
        self.mean = mu
        self.share_weight = w / W
        self.share_quantity = w * y / math.fsum(w * y)
        self.statistic = _theil_terms(y, w, mu, kind)
        setattr(self, kind, self.statistic)
        self.permutations = 0
        self.groups = None
        if groups is None:
            if permutations:
                raise InputError("Permutation inference needs groups=; pass the grouping.")
            return
        self._decompose(y, w, groups, mu, W)
        if permutations:
            self._simulate(int(permutations), seed)

    def _decompose(self, y, w, g, mu, W):
        kind = self.kind
        keys, codes = _group_codes(g)
        members, _, p, means, dev = _group_summary(y, w, codes, len(keys), mu, W)
        rows = []
        within_parts, between_parts = [], []
        for k, key in enumerate(keys):
            member = members[k]
            yk, wk = y[member], w[member]
            pk, muk = p[k], means[k]
            dk = dev[k] / mu
            rk = muk / mu
            sk = pk * rk
            index = _theil_terms(yk, wk, muk, kind) if muk > 0 else math.nan
            if kind == "T":
                within_k = sk * index if sk > 0 else 0.0
                between_k = sk * math.log(rk) if sk > 0 else 0.0
                between_parts.append(pk * float(_phi(dk, rk)[0]))
            else:
                within_k = pk * index
                between_k = -pk * math.log(rk)
                between_parts.append(pk * float(_psi(dk, rk)[0]))
            within_parts.append(within_k)
            rows.append(
                {
                    "group": key,
                    "n": int(member.sum()),
                    "share_weight": pk,
                    "share_quantity": sk,
                    "mean": muk,
                    "index": index,
                    "within_contribution": within_k,
                    "between_contribution": between_k,
                }
            )
        self.within = math.fsum(within_parts)
        self.between = math.fsum(between_parts)
        _check_identity(self.statistic, [self.within, self.between], _THEIL_ATOL, f"Theil {kind}")
        self.wg, self.bg = self.within, self.between
        self._set_shares()
        total = self.statistic
        table = pd.DataFrame(rows).set_index("group")
        table["within_rate"] = table["within_contribution"] / total if total > 0 else math.nan
        table["between_rate"] = table["between_contribution"] / total if total > 0 else math.nan
        self.group_table = table[
            [
                "n",
                "share_weight",
                "share_quantity",
                "mean",
                "index",
                "within_contribution",
                "within_rate",
                "between_contribution",
                "between_rate",
            ]
        ]
        self.groups = keys
        self._codes = codes

    def _between_batch(self, perms):
        """Between part for each row of unit orders ``perms`` (shape P × n)."""
        y, w, codes = self.y[perms], self.weights[perms], self._codes
        K = len(self.groups)
        Wk = np.stack([w[:, codes == k].sum(axis=1) for k in range(K)], axis=1)
        Qk = np.stack([(w * y)[:, codes == k].sum(axis=1) for k in range(K)], axis=1)
        W = Wk.sum(axis=1, keepdims=True)
        mu = Qk.sum(axis=1, keepdims=True) / W
        r = Qk / Wk / mu
        f = _phi(r - 1.0, r) if self.kind == "T" else _psi(r - 1.0, r)
        return np.sum(Wk / W * f, axis=1)

    def _simulate(self, permutations, seed):
        if permutations < 0:
            raise InputError(f"permutations must be >= 0, got {permutations}.")
        rng = check_random_state(seed, legacy=True)
        # One permutation of the units per draw, drawn in sequence, so that the
        # same seed (or generator state) gives the same numbers; processed in blocks
        # of at most _BLOCK_ELEMENTS unit-draws, so that memory stays bounded (the
        # draws, and so the numbers, do not depend on the block size).
        sim = np.empty(permutations)
        block = max(1, _BLOCK_ELEMENTS // self.n)
        done = 0
        while done < permutations:
            c = min(block, permutations - done)
            perms = np.stack([rng.permutation(self.n) for _ in range(c)])
            sim[done : done + c] = self._between_batch(perms)
            done += c
        # The observed value through the same arithmetic, so that a permutation
        # that keeps every group's members is counted as a tie, not by rounding.
        observed = self._between_batch(np.arange(self.n)[None, :])[0]
        self.permutations = permutations
        self.seed = seed
        self.between_sim = sim
        total = self.statistic
        self.between_share_sim = sim / total if total > 0 else np.full(permutations, math.nan)
        self.p_sim = (1.0 + np.sum(sim >= observed)) / (permutations + 1.0)
        sd = sim.std()
        self.z_sim = (observed - sim.mean()) / sd if sd > 0 else math.nan

    def to_frame(self):
        """One tidy row: index, kind, n, total and (with groups) the decomposition."""
        row = {
            "index": f"theil_{self.kind}",
            "weighted": self.weighted,
            "n": self.n,
            "total": self.statistic,
        }
        if self.groups is not None:
            row |= self._parts_row()
        if self.permutations:
            row |= {"permutations": self.permutations, "p_sim": self.p_sim, "z_sim": self.z_sim}
        return pd.DataFrame([row])

    def __repr__(self):
        w = ", weighted" if self.weighted else ""
        text = f"TheilIndex(kind={self.kind!r}, n={self.n}{w}, {self.kind}={_fmt(self.statistic)})"
        if self.groups is not None:
            text += self._parts_repr()
            if self.permutations:
                text += f", p_sim={self.p_sim:.4g} ({self.permutations} permutations)"
        return text


def theil(
    y,
    kind: str = "T",
    weights=None,
    groups=None,
    *,
    data=None,
    ids=None,
    permutations: int = 0,
    seed=None,
) -> TheilIndex:
    """Theil T or Theil L index, optionally weighted and decomposed by groups.

    Parameters
    ----------
    y : str or array-like
        Values (``y_i >= 0``): a column of ``data`` or a Series/array.
    kind : {"T", "L"}, default "T"
        ``"T"``: Theil T, GE(1), ``Σ s_i ln(s_i/p_i)``; zeros are allowed
        (``0 · ln 0 = 0``). ``"L"``: Theil L, GE(0), the mean log deviation
        ``Σ p_i ln(p_i/s_i)``; zeros are an error (their log is taken).
    weights : str or array-like, optional
        Unit weights (population, area, ...), all positive. ``p_i`` is the
        weight share and ``s_i = w_i y_i / Σ w_j y_j`` the quantity share, so
        ``y`` is the per-weight value (per-capita, per-km²). Unweighted by default.
    groups : str or array-like, optional
        Group of every unit; gives the within/between decomposition.
    data : pandas.DataFrame, optional
        Table holding the columns named by ``y``, ``weights``, ``groups``, ``ids``.
    ids : str or array-like, optional
        Unit labels for messages and results (default: the index of ``data``
        or of the ``y`` Series).
    permutations : int, default 0
        Random permutations of the units over the groups for inference on the
        between part (and share), as PySAL's ``TheilDSim``. Each unit keeps
        its value and weight together.
    seed : int, numpy.random.Generator or None
        Source of randomness for the permutations: the same seed gives the
        same ``between_sim`` and ``p_sim``. A legacy ``numpy.random.RandomState``
        is accepted too.

    Returns
    -------
    TheilIndex

    Raises
    ------
    InputError
        For NaN, negative values (any kind) or zeros (kind L), naming the
        units; for zero, negative or NaN weights; for units without a group.

    Examples
    --------
    >>> round(theil([10, 10, 10, 20, 50]).T, 6)
    0.250201
    """
    THEIL_KINDS.check(kind, "kind")
    y, w, g, ids = _prepare(
        y,
        weights,
        groups,
        data,
        ids,
        what="value",
        allow_zero=kind == "T",
        zero_reason=" and Theil L takes its logarithm (use kind='T', which allows zeros)",
    )
    return TheilIndex(y, w, g, ids, kind, permutations, seed)


# --------------------------------------------------------------------------- Gini


class GiniIndex(_Decomposition):
    """Gini coefficient, optionally weighted, with Dagum's decomposition by groups.

    Build it with :func:`gini`; every attribute is computed at construction.

    Parameters
    ----------
    y, w, groups, ids :
        Checked values, weights, group labels and unit ids.
    correction : bool
        As in :func:`gini`, which checks its input and builds it.

    Attributes
    ----------
    statistic, g : float
        The Gini coefficient (``g`` is the PySAL name).
    n : int
    weighted : bool
    correction : bool
        Whether the small-sample factor ``n/(n−1)`` was applied (to the total
        and to the three parts alike, so they still add up).
    within, net_between, transvariation : float
        Dagum's parts ``G_w``, ``G_nb`` and ``G_t`` (only with groups).
    gross_between : float
        ``G_nb + G_t``.
    within_share, net_between_share, transvariation_share : float
        Each part over the total.
    group_table : pandas.DataFrame
        Per group: ``n``, ``share_weight`` (p_j), ``share_quantity`` (s_j),
        ``mean``, ``gini`` (the group's own G_jj, uncorrected; NaN if its
        values are all zero) and ``within_contribution`` (p_j s_j G_jj).
    pair_table : pandas.DataFrame
        Per pair of groups, the richer one first: ``gini`` (G_jh), ``D``
        (relative economic affluence D_jh), ``net_between_contribution`` and
        ``transvariation_contribution``.
    """

    _name = "Gini"
    _parts = (
        ("within", "within"),
        ("net_between", "net between"),
        ("transvariation", "transvariation"),
    )

    def __init__(self, y, w, groups, ids, correction):
        n = len(y)
        if correction and n < 2:
            raise InputError("The small-sample correction n/(n−1) needs at least 2 units.")
        self.n = n
        self.ids = validation.unit_labels(ids, n)
        self.weighted = not np.all(w == w[0])
        self.correction = bool(correction)
        factor = n / (n - 1) if correction else 1.0
        self._factor = factor
        W = math.fsum(w)
        mu = _wmean(y, w)
        self.mean = mu
        self.statistic = factor * _abs_diff_sum(y, w) / (2.0 * W * W * mu)
        self.g = self.statistic
        self.groups = None
        if groups is not None:
            self._decompose(y, w, groups, mu, W)

    def _decompose(self, y, w, g, mu, W):
        keys, codes = _group_codes(g)
        K = len(keys)
        f = self._factor
        members, Wk, pk, muk, dev = _group_summary(y, w, codes, K, mu, W)
        sk = pk * muk / mu
        rows = []
        within_parts = []
        for k, m in enumerate(members):
            delta = _abs_diff_sum(y[m], w[m]) / (Wk[k] * Wk[k])
            gjj = delta / (2.0 * muk[k]) if muk[k] > 0 else math.nan
            # p_j s_j G_jj = p_j² Δ_jj / (2μ), defined even for an all-zero group.
            contrib = f * pk[k] * pk[k] * delta / (2.0 * mu)
            within_parts.append(contrib)
            rows.append(
                {
                    "group": keys[k],
                    "n": int(m.sum()),
                    "share_weight": pk[k],
                    "share_quantity": sk[k],
                    "mean": muk[k],
                    "gini": gjj,
                    "within_contribution": contrib,
                }
            )
        pairs, nb_parts, t_parts = [], [], []
        for a in range(K):
            for b in range(a + 1, K):
                j, h = (a, b) if dev[a] >= dev[b] else (b, a)  # j: the richer group
                yj, wj, yh, wh = y[members[j]], w[members[j]], y[members[h]], w[members[h]]
                norm = Wk[j] * Wk[h]
                d_jh = _positive_cross_sum(yh, wh, yj, wj) / norm  # E(y_j − y_h)_+
                p_jh = _positive_cross_sum(yj, wj, yh, wh) / norm  # transvariation E(y_h − y_j)_+
                delta = d_jh + p_jh
                gap = dev[j] - dev[h]  # μ_j − μ_h, from deviations
                nb = f * pk[j] * pk[h] * gap / mu
                t = f * pk[j] * pk[h] * 2.0 * p_jh / mu
                nb_parts.append(nb)
                t_parts.append(t)
                pairs.append(
                    {
                        "group_j": keys[j],
                        "group_h": keys[h],
                        "gini": delta / (muk[j] + muk[h]),
                        "D": gap / delta if delta > 0 else 0.0,
                        "net_between_contribution": nb,
                        "transvariation_contribution": t,
                    }
                )
        self.within = math.fsum(within_parts)
        self.net_between = math.fsum(nb_parts)
        self.transvariation = math.fsum(t_parts)
        self.gross_between = self.net_between + self.transvariation
        _check_identity(
            self.statistic,
            [self.within, self.net_between, self.transvariation],
            _GINI_ATOL,
            "Dagum Gini",
        )
        self._set_shares()
        self.groups = keys
        self.group_table = pd.DataFrame(rows).set_index("group")
        self.pair_table = pd.DataFrame(
            pairs,
            columns=[
                "group_j",
                "group_h",
                "gini",
                "D",
                "net_between_contribution",
                "transvariation_contribution",
            ],
        )

    def to_frame(self):
        """One tidy row: n, the Gini and (with groups) Dagum's three parts and shares."""
        row = {
            "index": "gini",
            "weighted": self.weighted,
            "correction": self.correction,
            "n": self.n,
            "total": self.statistic,
        }
        if self.groups is not None:
            row |= self._parts_row()
        return pd.DataFrame([row])

    def __repr__(self):
        w = ", weighted" if self.weighted else ""
        c = ", corrected" if self.correction else ""
        text = f"GiniIndex(n={self.n}{w}{c}, g={_fmt(self.statistic)})"
        if self.groups is not None:
            text += self._parts_repr()
        return text


def gini(
    y, weights=None, groups=None, *, correction: bool = False, data=None, ids=None
) -> GiniIndex:
    """Gini coefficient, optionally weighted, with Dagum's decomposition by groups.

    Parameters
    ----------
    y : str or array-like
        Values (``y_i >= 0``): a column of ``data`` or a Series/array.
    weights : str or array-like, optional
        Positive unit weights; ``G = Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ)``
        with ``μ`` the weighted mean.
    groups : str or array-like, optional
        Group of every unit; gives Dagum's (1997) decomposition into within,
        net between and transvariation parts (``G = G_w + G_nb + G_t``).
    correction : bool, default False
        Multiply by ``n/(n−1)`` (``n`` = number of units), the small-sample
        correction that makes the maximum 1.
    data : pandas.DataFrame, optional
        Table holding the named columns.
    ids : str or array-like, optional
        Unit labels for messages (default: the index of ``data`` or ``y``).

    Returns
    -------
    GiniIndex

    Raises
    ------
    InputError
        For NaN or negative values, bad weights or missing group labels,
        naming the units.

    Examples
    --------
    >>> round(gini([1, 2, 3, 4]).g, 6)
    0.25
    """
    y, w, g, ids = _prepare(y, weights, groups, data, ids, what="value", allow_zero=True)
    return GiniIndex(y, w, g, ids, correction)
