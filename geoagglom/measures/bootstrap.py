"""Bootstrap inference for the inequality indices and every part of their decompositions.

Resampling (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*):
units are drawn with replacement, by default within each group (a stratified
bootstrap: every replicate keeps each group's size), and a replicate is
represented by the number of times each unit was drawn. A replicate's index is
then the index with weights ``count_i · w_i``, so all replicates are computed
at once from a ``replicates × n`` matrix of counts with numpy, with no Python
loop over replicates; the decomposition parts of every replicate are computed
directly and checked to add up to its total.

Intervals, at level ``1 − a``:

* percentile (E&T ch. 13): the ``a/2`` and ``1 − a/2`` quantiles of the replicates;
* BCa (E&T ch. 14.3): the quantiles at
  ``Φ(z0 + (z0 + z_q)/(1 − â (z0 + z_q)))`` for ``z_q = Φ⁻¹(a/2), Φ⁻¹(1 − a/2)``,
  with the bias correction ``z0 = Φ⁻¹(#{θ*_b < θ̂}/B)`` and the acceleration
  ``â = Σ (θ̄₍.₎ − θ₍i₎)³ / (6 [Σ (θ̄₍.₎ − θ₍i₎)²]^(3/2))`` from the
  leave-one-unit-out jackknife values ``θ₍i₎`` (eq. 14.15).

Quantiles are numpy's default (linear interpolation between order statistics).
The change between two years (:func:`bootstrap_change`) is bootstrapped in
pairs: each replicate draws the same units in both years, so the replicates of
the change keep the dependence between the years. Its p-value for "no change"
is ``(1 + #{|Δ*_b − Δ̂| >= |Δ̂|}) / (B + 1)``: the replicates centred on the
estimate stand in for the distribution under the null (E&T ch. 16.4).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from geoagglom import validation
from geoagglom._repr import FrameReprMixin
from geoagglom.errors import DecompositionError, InputError, format_ids
from geoagglom.measures.entropy_family import (
    _ge_kernel,
    atkinson,
    coefficient_of_variation,
    generalized_entropy,
)
from geoagglom.measures.inequality import (
    _group_codes,
    _prepare,
    gini,
    theil,
)
from geoagglom.options import CI_METHODS
from geoagglom.seeding import check_random_state

__all__ = ["BootstrapChange", "BootstrapResult", "bootstrap", "bootstrap_change"]

# Rows of replicates per block: block × n elements per temporary array.
_BLOCK_ELEMENTS = 1_000_000
# Per-replicate identity check (the batch arithmetic sums R × n terms per row
# in a different order than the exact object; 1e-10 relative leaves room for that).
_BATCH_RTOL = 1e-10


# --------------------------------------------------------------------------- the indices


class _Spec:
    """What the bootstrap needs to know about one index: its name, its parts,
    how to build the observed result and how to evaluate a block of replicates."""

    def __init__(self, name, parts, build, batch, options):
        self.name = name
        self.parts = parts
        self.build = build
        self.batch = batch
        self.options = options


def _ge_np_to_atkinson(ge, alpha):
    if alpha == 0.0:
        return -np.expm1(-ge)
    return -np.expm1(np.log1p(alpha * (alpha - 1.0) * ge) / alpha)


def _safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _ge_blocks(y, V, onehot, codes, alpha, groups):
    """GE(α) of every row of weights ``V`` (R × n); with groups also the parts and
    the group quantities needed by Atkinson."""
    Wb = V.sum(axis=1)
    Q = V @ y
    mu = Q / Wb
    dev = y[None, :] - mu[:, None]
    r = y[None, :] / mu[:, None]
    total = np.sum(V * _ge_kernel(dev / mu[:, None], r, alpha), axis=1) / Wb
    out = {"total": total, "_mu": mu, "_W": Wb}
    if not groups:
        return out
    Vk = V @ onehot
    Qk = V @ (onehot * y[:, None])
    muk = _safe_div(Qk, Vk)
    devk = _safe_div((V * dev) @ onehot, Vk)  # μ_k − μ from unit deviations
    rk = muk / mu[:, None]
    between = np.sum(Vk * _ge_kernel(devk / mu[:, None], rk, alpha), axis=1) / Wb
    mu_unit = muk[:, codes]
    present = mu_unit > 0
    safe = np.where(present, mu_unit, 1.0)
    gk = np.where(present, _ge_kernel((y - safe) / safe, y / safe, alpha), 0.0)
    Gk = (V * gk) @ onehot  # Σ_{i∈k} v_i g(y_i/μ_k)
    with np.errstate(divide="ignore", invalid="ignore"):  # absent groups: masked
        rk_alpha = np.where(muk > 0, np.abs(rk) ** alpha if alpha != 0 else 1.0, 0.0)
    within = np.sum(rk_alpha * Gk, axis=1) / Wb
    out |= {"within": within, "between": between, "_Vk": Vk, "_Qk": Qk, "_Gk": Gk, "_muk": muk}
    return out


def _ge_batch(alpha):
    def batch(y, V, onehot, codes, groups):
        res = _ge_blocks(y, V, onehot, codes, alpha, groups)
        return {k: v for k, v in res.items() if not k.startswith("_")}

    return batch


def _atkinson_batch(epsilon):
    alpha = 1.0 - epsilon

    def batch(y, V, onehot, codes, groups):
        res = _ge_blocks(y, V, onehot, codes, alpha, groups)
        out = {"total": _ge_np_to_atkinson(res["total"], alpha) + 0.0}
        if not groups:
            return out
        Vk, Qk, Gk, muk = res["_Vk"], res["_Qk"], res["_Gk"], res["_muk"]
        mu, Wb = res["_mu"], res["_W"]
        Ak = np.where(muk > 0, _ge_np_to_atkinson(_safe_div(Gk, Vk), alpha), 0.0)
        sk = Qk / (mu * Wb)[:, None]
        out["within"] = np.sum(sk * Ak, axis=1)
        pk = Vk / Wb[:, None]
        xi = muk * (1.0 - Ak)
        xi_mean = np.sum(pk * xi, axis=1)
        ratio = _safe_div(xi, xi_mean[:, None])
        has = (pk > 0) & (ratio > 0)
        safe = np.where(has, ratio, 1.0)
        g = np.where(has, _ge_kernel(safe - 1.0, safe, alpha), 0.0)
        a_xi = _ge_np_to_atkinson(np.sum(pk * g, axis=1), alpha)
        out["between"] = _safe_div(xi_mean, mu) * a_xi
        return out

    return batch


def _abs_diff_rows(ys, Vs):
    """Σ_i Σ_j v_i v_j |y_i − y_j| for every row of ``Vs`` (columns sorted by ``ys``)."""
    W = Vs.sum(axis=1, keepdims=True)
    before = np.cumsum(Vs, axis=1) - Vs
    c = _safe_div(Vs @ ys, W[:, 0])[:, None]
    return np.maximum(2.0 * np.sum(Vs * (ys - c) * (2.0 * before + Vs - W), axis=1), 0.0)


def _gini_batch(correction):
    def batch(y, V, onehot, codes, groups):
        n = len(y)
        f = n / (n - 1) if correction else 1.0
        order = np.argsort(y, kind="stable")
        ys, Vs = y[order], V[:, order]
        W = Vs.sum(axis=1)
        mu = (Vs @ ys) / W
        scale = f / (2.0 * W * W * mu)
        pairs = _abs_diff_rows(ys, Vs)
        out = {"total": pairs * scale}
        if not groups:
            return out
        cs = codes[order]
        K = onehot.shape[1]
        members = [np.flatnonzero(cs == k) for k in range(K)]
        own = np.sum([_abs_diff_rows(ys[m], Vs[:, m]) for m in members], axis=0)
        Wk = V @ onehot
        Qk = V @ (onehot * y[:, None])
        out["within"] = own * scale
        # The pairs of units in different groups: all pairs minus the pairs within groups
        # (Σ_{a≠b} Σ_{i∈a, j∈b}), no loop over pairs of groups. Net between part:
        # Σ_{a≠b} |Q_a W_b − Q_b W_a| (each pair of groups twice, as the pairs of units).
        gross = pairs - own
        net = np.abs(Qk[:, :, None] * Wk[:, None, :] - Qk[:, None, :] * Wk[:, :, None])
        net = net.sum(axis=(1, 2))
        out["net_between"] = net * scale
        out["transvariation"] = np.maximum(gross - net, 0.0) * scale
        return out

    return batch


def _cv_batch(y, V, onehot, codes, groups):
    """The coefficient of variation of every row, sqrt(2 GE(2)) (it has no decomposition)."""
    return {"total": np.sqrt(2.0 * _ge_blocks(y, V, onehot, codes, 2.0, False)["total"])}


class _Value:
    """The estimate of an index without a result object (the CV): its ``statistic``."""

    def __init__(self, statistic):
        self.statistic = statistic


_PARTS = {
    "cv": ("total",),
    "ge": ("total", "within", "between"),
    "atkinson": ("total", "within", "between"),
    "gini": ("total", "within", "net_between", "transvariation"),
}


def _spec(index, options):
    """Resolve the index function (or its name) and its options."""
    names = {gini: "gini", theil: "theil", generalized_entropy: "ge", atkinson: "atkinson"}
    names[coefficient_of_variation] = "cv"
    name = names.get(index, index if isinstance(index, str) else None)
    allowed = {"gini": {"correction"}, "theil": {"kind"}, "ge": {"alpha"}, "cv": set()}
    allowed["atkinson"] = {"epsilon"}
    if name not in allowed:
        raise InputError(
            f"The bootstrap does not know the index {index!r}; pass geoagglom's gini, theil, "
            "generalized_entropy, atkinson or coefficient_of_variation (or their names 'gini', "
            "'theil', 'ge', 'atkinson', 'cv')."
        )
    unknown = set(options) - allowed[name]
    if unknown:
        raise InputError(
            f"Unknown option(s) {format_ids(sorted(unknown))} for {name}; it takes "
            f"{format_ids(sorted(allowed[name]))}."
        )
    if name == "cv":
        return _Spec(
            "cv",
            _PARTS["cv"],
            lambda y, w, g, ids: _Value(coefficient_of_variation(y, w)),
            _cv_batch,
            {},
        )
    if name == "gini":
        correction = bool(options.get("correction", False))
        return _Spec(
            "gini",
            _PARTS["gini"],
            lambda y, w, g, ids: gini(y, w, g, correction=correction, ids=ids),
            _gini_batch(correction),
            {"correction": correction},
        )
    if name == "theil":
        kind = options.get("kind", "T")
        if kind not in ("T", "L"):
            raise InputError(f"Unknown Theil kind {kind!r}; use 'T' (GE(1)) or 'L' (GE(0)).")
        alpha = 1.0 if kind == "T" else 0.0
        return _Spec(
            f"theil_{kind}",
            _PARTS["ge"],
            lambda y, w, g, ids: theil(y, kind, w, g, ids=ids),
            _ge_batch(alpha),
            {"kind": kind},
        )
    if name == "ge":
        alpha = options.get("alpha", 1.0)
        obj = generalized_entropy([1.0, 2.0], alpha)  # checks alpha
        alpha = obj.alpha
        return _Spec(
            f"ge_{alpha:g}",
            _PARTS["ge"],
            lambda y, w, g, ids: generalized_entropy(y, alpha, w, g, ids=ids),
            _ge_batch(alpha),
            {"alpha": alpha},
        )
    epsilon = options.get("epsilon", 1.0)
    epsilon = atkinson([1.0, 2.0], epsilon).epsilon  # checks epsilon
    return _Spec(
        f"atkinson_{epsilon:g}",
        _PARTS["atkinson"],
        lambda y, w, g, ids: atkinson(y, epsilon, w, g, ids=ids),
        _atkinson_batch(epsilon),
        {"epsilon": epsilon},
    )


# --------------------------------------------------------------------------- resampling


def _check_replicates(replicates):
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer):
        raise InputError(f"replicates = {replicates!r}: give a whole number >= 2, e.g. 999.")
    if replicates < 2:
        raise InputError(f"replicates = {replicates}: the bootstrap needs at least 2 replicates.")
    return int(replicates)


def _check_level(level):
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise InputError(f"level = {level!r}: give the interval's coverage in (0, 1), e.g. 0.95.")
    return float(level)


def _declared_categories(raw, data):
    """The declared categories of a categorical grouping (to find empty ones), else None."""
    if data is not None and validation._is_column_name(raw) and raw in data.columns:
        raw = data[raw]
    if isinstance(raw, pd.Series) and isinstance(raw.dtype, pd.CategoricalDtype):
        return list(raw.cat.categories)
    if isinstance(raw, pd.Categorical):
        return list(raw.categories)
    return None


def _strata_codes(strata, groups, g, stratify, labels, data, y_index):
    """Stratum labels and integer stratum of every unit (None: unstratified).

    ``strata`` (raw) when given, else the aligned groups ``g`` when ``stratify``;
    a declared stratum without units is an error.
    """
    n = len(labels) if labels is not None else len(g) if g is not None else None
    if strata is not None:
        if not stratify:
            raise InputError("strata= was given with stratify=False; drop one of them.")
        values, s_index = validation.labels(strata, data, "stratum", n)
        values = validation.align(values, s_index, y_index if data is None else None, "stratum")
        validation.check_group_labels(values, labels, "stratum")
        raw = strata
    elif stratify and g is not None:
        values, raw = g, groups
    else:
        return None, None
    keys, codes = _group_codes(values)
    declared = _declared_categories(raw, data)
    if declared is not None:
        empty = [c for c in declared if c not in set(keys)]
        if empty:
            raise InputError(
                f"The strata {format_ids(empty)} have no units, so the stratified bootstrap "
                "cannot draw from them; remove the unused categories "
                "(Series.cat.remove_unused_categories()) or pass stratify=False."
            )
    return keys, codes


def _draw_counts(rng, n, replicates, strata):
    """``replicates × n`` matrix of draw counts (each row sums to n; per stratum to its size).

    Every replicate draws, for each stratum of ``m`` units (or all ``n`` units),
    ``m`` uniform positions with replacement; the counts come from one bincount.
    """
    if strata is None:
        members = [np.arange(n)]
    else:
        order = np.argsort(strata, kind="stable")
        members = np.split(order, np.cumsum(np.bincount(strata))[:-1])
    picks = np.empty((replicates, n), dtype=np.int64)
    col = 0
    for idx in members:
        m = len(idx)
        picks[:, col : col + m] = idx[rng.integers(0, m, size=(replicates, m))]
        col += m
    flat = picks + (np.arange(replicates, dtype=np.int64) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=replicates * n).reshape(replicates, n).astype(float)


def _evaluate(spec, y, w, onehot, codes, groups, counts):
    """The parts of every row of ``counts`` (R × n), in blocks; identity checked per row."""
    R, n = counts.shape
    step = max(1, _BLOCK_ELEMENTS // max(n, 1))
    out = {p: np.empty(R) for p in (spec.parts if groups else spec.parts[:1])}
    for start in range(0, R, step):
        stop = min(R, start + step)
        res = spec.batch(y, counts[start:stop] * w[None, :], onehot, codes, groups)
        for p in out:
            out[p][start:stop] = res[p]
    if groups and len(spec.parts) > 1:
        total = out["total"]
        s = np.sum([out[p] for p in spec.parts[1:]], axis=0)
        bad = np.abs(total - s) > _BATCH_RTOL * np.maximum(np.abs(total), np.abs(s)) + 1e-15
        if bad.any():
            raise DecompositionError(
                f"Internal error: the {spec.name} decomposition of bootstrap replicates "
                f"{format_ids(np.flatnonzero(bad))} does not add up. Please report this."
            )
    return out


def _weighted_abs_dev(ys, ws):
    """``S_i = Σ_j w_j |y_i − y_j|`` for every unit of ``ys`` (sorted), from cumulative sums.

    ``S_i = y_i (2 W_≤i − W) − (2 Q_≤i − Q)``: the units at or below ``y_i``
    contribute ``y_i w_j − w_j y_j``, those above the opposite (ties add 0 either way).
    """
    Wc, Qc = np.cumsum(ws), np.cumsum(ws * ys)
    return np.maximum(ys * (2.0 * Wc - Wc[-1]) - (2.0 * Qc - Qc[-1]), 0.0)


def _gini_jackknife(y, w, codes, groups, K, correction):
    """Leave-one-unit-out Gini and Dagum parts in O(n log n + n K), not n Gini evaluations.

    Leaving unit i out removes its pairs: ``D₍i₎ = D − 2 w_i S_i`` for the sum of
    weighted absolute differences (and the same within i's group), ``W₍i₎ = W − w_i``,
    ``Q₍i₎ = Q − w_i y_i``; the net between part changes only in the pairs of groups
    that hold i's group. The same values as :func:`_evaluate` on the n leave-one-out
    count rows, to rounding.
    """
    n = len(y)
    f = n / (n - 1) if correction else 1.0
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    S = _weighted_abs_dev(ys, ws)
    W, Q = ws.sum(), ws @ ys
    Wi, Qi = W - ws, Q - ws * ys
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = f / (2.0 * Wi * Qi)
    D = np.sum(ws * S) - 2.0 * ws * S
    out = {"total": np.maximum(D, 0.0) * scale}
    if not groups:
        return {p: _unsort(v, order) for p, v in out.items()}
    cs = codes[order]
    own_i = np.empty(n)  # S_i within i's group
    Dk = np.zeros(K)
    for k in range(K):
        m = np.flatnonzero(cs == k)
        own_i[m] = _weighted_abs_dev(ys[m], ws[m])
        Dk[k] = np.sum(ws[m] * own_i[m])
    own = np.maximum(Dk.sum() - 2.0 * ws * own_i, 0.0)
    out["within"] = own * scale
    Wk = np.bincount(cs, ws, minlength=K)
    Qk = np.bincount(cs, ws * ys, minlength=K)
    pairs = np.abs(Qk[:, None] * Wk[None, :] - Qk[None, :] * Wk[:, None])
    net_all = pairs.sum()
    # i's group without i, against every other group
    Wc, Qc = Wk[cs] - ws, Qk[cs] - ws * ys
    new = np.abs(Qc[:, None] * Wk[None, :] - Qk[None, :] * Wc[:, None])
    new[np.arange(n), cs] = 0.0
    net = net_all - 2.0 * pairs[cs].sum(axis=1) + 2.0 * new.sum(axis=1)
    net = np.maximum(net, 0.0)
    out["net_between"] = net * scale
    out["transvariation"] = np.maximum(np.maximum(D, 0.0) - own - net, 0.0) * scale
    return {p: _unsort(v, order) for p, v in out.items()}


def _unsort(values, order):
    out = np.empty_like(values)
    out[order] = values
    return out


def _jackknife(spec, y, w, onehot, codes, groups):
    """Leave-one-unit-out values of every part (for the BCa acceleration)."""
    if spec.name == "gini":
        K = onehot.shape[1]
        return _gini_jackknife(y, w, codes, groups, K, spec.options["correction"])
    n = len(y)
    counts = np.ones((n, n))
    np.fill_diagonal(counts, 0.0)
    return _evaluate(spec, y, w, onehot, codes, groups, counts)


def _interval(reps, theta, jack, ci, level):
    """(lo, hi) of one part."""
    a = 1.0 - level
    if np.all(reps == reps[0]):
        return float(reps[0]), float(reps[0])
    if ci == "percentile":
        lo, hi = np.quantile(reps, [a / 2, 1 - a / 2])
        return float(lo), float(hi)
    prop = np.mean(reps < theta)
    if prop <= 0 or prop >= 1:
        return math.nan, math.nan
    z0 = ndtri(prop)
    d = jack.mean() - jack
    den = 6.0 * np.sum(d * d) ** 1.5
    acc = float(np.sum(d**3) / den) if den > 0 else 0.0
    zq = ndtri(np.array([a / 2, 1 - a / 2]))
    q = ndtr(z0 + (z0 + zq) / (1.0 - acc * (z0 + zq)))
    lo, hi = np.quantile(reps, q)
    return float(lo), float(hi)


class _Prepared:
    """Checked input of one bootstrap: values, weights, groups, strata, one-hot matrix."""

    def __init__(self, y, weights, groups, data, ids, strata, stratify, allow_zero=True):
        self.y, self.w, self.g, self.labels = _prepare(
            y, weights, groups, data, ids, what="value", allow_zero=allow_zero
        )
        n = len(self.y)
        if n < 2:
            raise InputError(f"The bootstrap needs at least 2 units; {n} was given.")
        y_index = validation.vector(y, data, "value")[1]
        labels = self.labels if self.labels is not None else pd.RangeIndex(n)
        self.strata_keys, self.strata = _strata_codes(
            strata, groups, self.g, stratify, labels, data, y_index
        )
        if self.g is not None:
            self.group_keys, self.codes = _group_codes(self.g)
            self.onehot = np.zeros((n, len(self.group_keys)))
            self.onehot[np.arange(n), self.codes] = 1.0
        else:
            self.group_keys, self.codes, self.onehot = None, np.zeros(n, int), np.ones((n, 1))


class BootstrapResult(FrameReprMixin):
    """Bootstrap replicates and intervals of an index and of its decomposition parts.

    Build it with :func:`bootstrap`.

    Parameters
    ----------
    spec, prep :
        The index and its prepared data (internal).
    replicates, seed, stratify, ci, level :
        As in :func:`bootstrap`, which builds it.

    Attributes
    ----------
    index : str
        ``"gini"``, ``"theil_T"``, ``"ge_2"``, ``"atkinson_0.5"``, ...
    estimate : GiniIndex, TheilIndex, GEIndex or AtkinsonIndex
        The index on the data.
    statistic : float
        ``estimate.statistic``.
    parts : tuple of str
        ``"total"`` and (with groups) the decomposition parts.
    replicates : pandas.DataFrame
        One row per replicate, one column per part.
    se, bias, lo, hi : pandas.Series
        Per part: bootstrap standard error, bias (mean of the replicates minus
        the estimate) and interval bounds.
    ci_low, ci_high : float
        The interval of the total.
    ci : {"percentile", "bca"}
    level : float
    n_replicates : int
    stratified : bool
    strata : list or None
        Stratum labels when stratified.
    """

    def __init__(self, spec, prep, replicates, seed, stratify, ci, level):
        self.index = spec.name
        self.estimate = spec.build(prep.y, prep.w, prep.g, prep.labels)
        self.statistic = self.estimate.statistic
        groups = prep.g is not None
        self.parts = spec.parts if groups else spec.parts[:1]
        self.ci = ci
        self.level = level
        self.n_replicates = replicates
        self.seed = seed
        self.stratified = prep.strata is not None
        self.strata = prep.strata_keys
        rng = check_random_state(seed)
        counts = _draw_counts(rng, len(prep.y), replicates, prep.strata)
        reps = _evaluate(spec, prep.y, prep.w, prep.onehot, prep.codes, groups, counts)
        self.replicates = pd.DataFrame(reps, columns=list(self.parts))
        self.observed = pd.Series({p: self._value(p) for p in self.parts})
        jack = (
            _jackknife(spec, prep.y, prep.w, prep.onehot, prep.codes, groups)
            if ci == "bca"
            else None
        )
        lo, hi = {}, {}
        for p in self.parts:
            lo[p], hi[p] = _interval(
                reps[p], self.observed[p], None if jack is None else jack[p], ci, level
            )
        self.lo, self.hi = pd.Series(lo), pd.Series(hi)
        self.se = self.replicates.std(ddof=1)
        self.bias = self.replicates.mean() - self.observed
        self.ci_low, self.ci_high = float(self.lo["total"]), float(self.hi["total"])

    def _value(self, part):
        return self.estimate.statistic if part == "total" else getattr(self.estimate, part)

    def to_frame(self):
        """Tidy: one row per part with estimate, bias, se, lo, hi and the settings."""
        return pd.DataFrame(
            {
                "index": self.index,
                "part": list(self.parts),
                "estimate": self.observed.to_numpy(),
                "bias": self.bias.to_numpy(),
                "se": self.se.to_numpy(),
                "lo": self.lo.to_numpy(),
                "hi": self.hi.to_numpy(),
                "ci": self.ci,
                "level": self.level,
                "replicates": self.n_replicates,
                "stratified": self.stratified,
            }
        )

    def __repr__(self):
        return (
            f"BootstrapResult({self.index}, {self.n_replicates} replicates, {self.ci} "
            f"{self.level:.0%}: {self.statistic:.6g} [{self.ci_low:.6g}, {self.ci_high:.6g}])"
        )


def bootstrap(
    index,
    y,
    weights=None,
    groups=None,
    *,
    data=None,
    ids=None,
    replicates=999,
    seed=None,
    stratify=True,
    strata=None,
    ci="percentile",
    level=0.95,
    **options,
):
    """Bootstrap an inequality index and each part of its group decomposition.

    Parameters
    ----------
    index : callable or str
        :func:`~geoagglom.gini`, :func:`~geoagglom.theil`,
        :func:`~geoagglom.generalized_entropy`, :func:`~geoagglom.atkinson` or
        :func:`~geoagglom.coefficient_of_variation` (or ``"gini"``, ``"theil"``,
        ``"ge"``, ``"atkinson"``, ``"cv"``; the CV has no decomposition: with
        groups it is resampled within them and only its total is reported).
    y, weights, groups, data, ids
        As for the index. A unit keeps its value and weight when drawn.
    replicates : int, default 999
    seed : None, int or numpy.random.Generator
        Same seed, same replicates.
    stratify : bool, default True
        With groups: resample within each group (each keeps its size).
    strata : str or array-like, optional
        Other strata than the groups (needs ``stratify=True``, the default).
    ci : {"percentile", "bca"}, default "percentile"
    level : float, default 0.95
    **options
        The index's own option: ``correction`` (gini), ``kind`` (theil),
        ``alpha`` (ge), ``epsilon`` (atkinson).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    InputError
        The index's own input errors; fewer than 2 units; fewer than 2
        replicates; a stratum without units (an unused category).

    Examples
    --------
    >>> from geoagglom import bootstrap, theil
    >>> b = bootstrap(theil, [1.0, 2, 3, 5, 8, 13], replicates=199, seed=1)
    >>> b.ci_low < b.statistic < b.ci_high
    True
    """
    spec = _spec(index, options)
    replicates = _check_replicates(replicates)
    ci = CI_METHODS.check(ci, "ci")
    level = _check_level(level)
    prep = _Prepared(y, weights, groups, data, ids, strata, stratify)
    return BootstrapResult(spec, prep, replicates, seed, stratify, ci, level)


# --------------------------------------------------------------------------- paired change


class BootstrapChange(FrameReprMixin):
    """Paired bootstrap of the change of an index (and its parts) between two years.

    Build it with :func:`bootstrap_change`.

    Parameters
    ----------
    spec, start, end :
        The index and the prepared data of each year (internal).
    replicates, seed, ci, level :
        As in :func:`bootstrap_change`, which builds it.

    Attributes
    ----------
    index : str
    start, end : result objects
        The index in each year.
    change : pandas.Series
        Per part: end − start.
    replicates : pandas.DataFrame
        The change in every replicate (the same units drawn in both years).
    se, lo, hi, p_value : pandas.Series
        Per part; ``p_value`` two-sided for "no change",
        ``(1 + #{|Δ*_b − Δ̂| >= |Δ̂|}) / (B + 1)``.
    statistic : float
        The change of the total; ``ci_low``, ``ci_high`` its interval and
        ``p_sim`` its p-value.
    """

    def __init__(self, spec, start, end, replicates, seed, ci, level):
        self.index = spec.name
        groups = start.g is not None
        self.parts = spec.parts if groups else spec.parts[:1]
        self.start = spec.build(start.y, start.w, start.g, start.labels)
        self.end = spec.build(end.y, end.w, end.g, end.labels)

        def value(obj, p):
            return obj.statistic if p == "total" else getattr(obj, p)

        self.change = pd.Series({p: value(self.end, p) - value(self.start, p) for p in self.parts})
        rng = check_random_state(seed)
        counts = _draw_counts(rng, len(start.y), replicates, start.strata)
        a = _evaluate(spec, start.y, start.w, start.onehot, start.codes, groups, counts)
        b = _evaluate(spec, end.y, end.w, end.onehot, end.codes, groups, counts)
        reps = {p: b[p] - a[p] for p in self.parts}
        self.replicates = pd.DataFrame(reps, columns=list(self.parts))
        jack = None
        if ci == "bca":
            ja = _jackknife(spec, start.y, start.w, start.onehot, start.codes, groups)
            jb = _jackknife(spec, end.y, end.w, end.onehot, end.codes, groups)
            jack = {p: jb[p] - ja[p] for p in self.parts}
        lo, hi, pv = {}, {}, {}
        for p in self.parts:
            lo[p], hi[p] = _interval(
                reps[p], self.change[p], None if jack is None else jack[p], ci, level
            )
            extreme = np.abs(reps[p] - self.change[p]) >= abs(self.change[p])
            pv[p] = (1.0 + extreme.sum()) / (replicates + 1.0)
        self.lo, self.hi, self.p_value = pd.Series(lo), pd.Series(hi), pd.Series(pv)
        self.se = self.replicates.std(ddof=1)
        self.statistic = float(self.change["total"])
        self.ci_low, self.ci_high = float(self.lo["total"]), float(self.hi["total"])
        self.p_sim = float(self.p_value["total"])
        self.ci, self.level, self.n_replicates = ci, level, replicates
        self.stratified = start.strata is not None

    def to_frame(self):
        """Tidy: one row per part with start, end, change, se, lo, hi, p_value."""
        start = [
            self.start.statistic if p == "total" else getattr(self.start, p) for p in self.parts
        ]
        end = [self.end.statistic if p == "total" else getattr(self.end, p) for p in self.parts]
        return pd.DataFrame(
            {
                "index": self.index,
                "part": list(self.parts),
                "start": start,
                "end": end,
                "change": self.change.to_numpy(),
                "se": self.se.to_numpy(),
                "lo": self.lo.to_numpy(),
                "hi": self.hi.to_numpy(),
                "p_value": self.p_value.to_numpy(),
                "ci": self.ci,
                "level": self.level,
                "replicates": self.n_replicates,
            }
        )

    def __repr__(self):
        return (
            f"BootstrapChange({self.index}: {self.statistic:+.6g} "
            f"[{self.ci_low:.6g}, {self.ci_high:.6g}], p={self.p_sim:.4g})"
        )


def bootstrap_change(
    index,
    y_start,
    y_end,
    weights=None,
    groups=None,
    *,
    weights_end=None,
    data=None,
    ids=None,
    replicates=999,
    seed=None,
    stratify=True,
    strata=None,
    ci="percentile",
    level=0.95,
    **options,
):
    """Paired bootstrap of the change of an index between two years (same units).

    Parameters
    ----------
    index : callable or str
        As in :func:`bootstrap`.
    y_start, y_end : str or array-like
        The values of the same units in the two years (same order or same index).
    weights : str or array-like, optional
        Unit weights of the start year (and of the end year unless ``weights_end``).
    groups : str or array-like, optional
        The (static) grouping.
    weights_end : str or array-like, optional
    data, ids, replicates, seed, stratify, strata, ci, level, **options
        As in :func:`bootstrap`.

    Returns
    -------
    BootstrapChange

    Examples
    --------
    >>> from geoagglom import bootstrap_change, gini
    >>> c = bootstrap_change(gini, [1.0, 2, 3, 4, 9, 12], [2.0, 2, 3, 4, 5, 6],
    ...                      replicates=199, seed=3)
    >>> round(c.statistic, 4)  # 30/132 − 77/186
    -0.1867
    """
    spec = _spec(index, options)
    replicates = _check_replicates(replicates)
    ci = CI_METHODS.check(ci, "ci")
    level = _check_level(level)
    start = _Prepared(y_start, weights, groups, data, ids, strata, stratify)
    end = _Prepared(
        y_end, weights if weights_end is None else weights_end, groups, data, ids, strata, stratify
    )
    if len(start.y) != len(end.y):
        raise InputError(
            f"The two years have {len(start.y)} and {len(end.y)} units; the paired bootstrap "
            "needs the same units in both."
        )
    same = start.labels is None or end.labels is None or start.labels.equals(end.labels)
    if not same:
        raise InputError(
            "The two years' values are indexed by different units; give them the same index "
            "(the same units in the same order)."
        )
    return BootstrapChange(spec, start, end, replicates, seed, ci, level)
