"""Generalised entropy GE(α), the Atkinson index and the coefficient of variation.

Formulas (see ``shared/DESIGN.md``), with the notation of
:mod:`geoagglom.measures.inequality`: weights ``w_i > 0`` (all ones when
unweighted), ``p_i = w_i / W`` and ``μ = Σ p_i y_i``, ``r_i = y_i / μ``:

* GE(α) = 1/(α(α−1)) · Σ p_i (r_i^α − 1) for α ≠ 0, 1; GE(0) = Theil L,
  GE(1) = Theil T, GE(2) = CV²/2 (Shorrocks 1980, *Econometrica* 48(3)).
  It is evaluated as ``Σ p_i g_α(r_i)`` with
  ``g_α(r) = (r^α − 1 − α(r − 1)) / (α(α−1)) ≥ 0`` (the added term sums to
  zero), which is continuous in α (``g_0 = ψ``, ``g_1 = φ`` of the Theil
  kernels) and has no cancellation between terms.
* Additive decomposition over groups k with weight shares ``p_k``, means
  ``μ_k`` and ``r_k = μ_k / μ`` (Shorrocks 1980):
  ``within = Σ_k p_k r_k^α GE_k`` (= ``Σ p_k^(1−α) s_k^α GE_k``) and
  ``between = Σ_k p_k g_α(r_k)``, the GE(α) of the distribution in which
  every unit has its group's mean.
* Atkinson A(ε) = 1 − EDE/μ with the equally distributed equivalent
  ``EDE = (Σ p_i y_i^(1−ε))^(1/(1−ε))`` (ε ≠ 1) and ``EDE = exp(Σ p_i ln y_i)``
  (ε = 1) (Atkinson 1970, *J. Economic Theory* 2). With ``α = 1 − ε`` it is
  ``A = 1 − (1 + α(α−1) GE(α))^(1/α)``, evaluated with ``log1p``/``expm1``.
* Atkinson within/between (Blackorby, Donaldson & Auersperg 1981, *Canadian
  J. Economics* 14(4)): with the groups' EDEs ``ξ_k`` and their mean
  ``ξ̄ = Σ p_k ξ_k``, ``within = 1 − ξ̄/μ = Σ_k s_k A_k`` and
  ``between = (ξ̄ − EDE)/μ = (ξ̄/μ) · A(ξ)``, the Atkinson index of the
  distribution in which every unit has its group's EDE; ``A = within + between``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoagglom import validation
from geoagglom.errors import InputError
from geoagglom.measures.inequality import (
    _THEIL_ATOL,
    _check_identity,
    _Decomposition,
    _fmt,
    _group_codes,
    _group_summary,
    _phi,
    _prepare,
    _psi,
    _wmean,
)

__all__ = [
    "AtkinsonIndex",
    "GEIndex",
    "atkinson",
    "coefficient_of_variation",
    "generalized_entropy",
]

# Series of g_α in d = r − 1 near r = 1: g_α(1 + d) = Σ_{k>=2} c_k d^k with
# c_2 = 1/2, c_{k+1} = c_k (α − k)/(k + 1). Used for |d| < _SERIES_CUTOFF and
# |α| <= _SERIES_MAX_ALPHA, where 40 terms reach full double precision.
_SERIES_CUTOFF = 0.1
_SERIES_MAX_ALPHA = 10.0
_SERIES_TERMS = 40
#: |α| (or |1 − ε|) below this is taken as 0: the limit, exactly (Theil L / geometric mean).
_ALPHA_AT_ZERO = 1e-150


def _check_alpha(alpha, what="alpha"):
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise InputError(f"{what} = {alpha!r} is not a number; pass a real number.") from None
    if not math.isfinite(value):
        raise InputError(f"{what} = {alpha!r} must be finite.")
    if abs(value) < _ALPHA_AT_ZERO:
        # GE(α) differs from GE(0) by O(α): below this it is GE(0) to every digit, and
        # products with a subnormal α would lose the digits the formulas need
        return 0.0
    return value


def _ge_kernel(d, r, alpha):
    """g_α(r) = (r^α − 1 − α(r − 1)) / (α(α−1)), given d = r − 1 and r (arrays of any shape).

    ``g_0 = ψ`` and ``g_1 = φ`` (the Theil kernels). Elsewhere the form whose
    division is well conditioned is used: near α = 0,
    ``(expm1(α ln r)/α − d)/(α − 1)``, else ``(r expm1((α−1) ln r)/(α−1) − d)/α``.
    ``g_α(0) = 1/α`` for α > 0.
    """
    if alpha == 0.0:
        return _psi(d, r).reshape(np.shape(d))
    if alpha == 1.0:
        return _phi(d, r).reshape(np.shape(d))
    d, r = np.broadcast_arrays(np.asarray(d, dtype=float), np.asarray(r, dtype=float))
    # The closed form everywhere, then the exceptions (zeros, the series near r = 1)
    # overwritten: the bulk of the values is never indexed.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lr = np.log(r)
        if abs(alpha) <= 0.5:
            out = (np.expm1(alpha * lr) / alpha - d) / (alpha - 1.0)
        else:
            out = (r * np.expm1((alpha - 1.0) * lr) / (alpha - 1.0) - d) / alpha
    zero = r <= 0.0
    if zero.any():
        out[zero] = 1.0 / alpha if alpha > 0 else math.inf
    if abs(alpha) <= _SERIES_MAX_ALPHA:
        small = np.flatnonzero(np.abs(d) < _SERIES_CUTOFF)
        if len(small):
            ds = d.flat[small]
            coef = [0.5]
            for k in range(2, _SERIES_TERMS + 1):
                coef.append(coef[-1] * (alpha - k) / (k + 1))
            acc = np.zeros_like(ds)
            for c in reversed(coef):
                acc = acc * ds + c
            out.flat[small] = acc * ds * ds
    return out


def _ge_terms(y, w, mu, alpha):
    """Σ (w_i/W) g_α(y_i/mu), with r − 1 formed from y_i − mu."""
    g = _ge_kernel((y - mu) / mu, y / mu, alpha)
    return float(np.sum(w * g) / math.fsum(w))


def _ge_to_atkinson(ge, alpha):
    """A = 1 − (1 + α(α−1) GE)^(1/α), A = 1 − exp(−GE) at α = 0 (α = 1 − ε)."""
    if alpha == 0.0:
        return -math.expm1(-ge) + 0.0
    return -math.expm1(math.log1p(alpha * (alpha - 1.0) * ge) / alpha) + 0.0


def _check_units(n, what):
    if n < 2:
        raise InputError(f"{what} needs at least 2 units; {n} {'was' if n == 1 else 'were'} given.")


def _singletons(groups, codes):
    """Labels of the groups with exactly one member, and the note about them."""
    counts = np.bincount(codes, minlength=len(groups))
    single = [groups[k] for k in np.flatnonzero(counts == 1)]
    if not single:
        return single, ""
    shown = ", ".join(repr(s) if isinstance(s, str) else str(s) for s in single)
    return single, (
        f"Groups with a single unit ({shown}): their own inequality is 0, so their within "
        "part is 0 (they still count in the between part)."
    )


def _alpha_label(alpha):
    return f"{alpha:g}"


# --------------------------------------------------------------------------- GE


class GEIndex(_Decomposition):
    """Generalised entropy index GE(α), with Shorrocks' additive decomposition.

    Build it with :func:`generalized_entropy`; every attribute is computed at
    construction.

    Parameters
    ----------
    y, w, groups, ids :
        Checked values, weights, group labels and unit ids.
    alpha : float
        As in :func:`generalized_entropy`, which checks its input and builds it.

    Attributes
    ----------
    alpha : float
    statistic, GE : float
        The index.
    n : int
    weighted : bool
    ids : pandas.Index
    mean : float
        Weighted mean ``μ``.
    within, between : float
        Directly computed parts (only with groups), ``within + between ==
        statistic`` to 1e-12 relative; ``wg`` and ``bg`` are the PySAL names.
    within_share, between_share : float
    groups : list
        Group labels, sorted (only with groups).
    group_table : pandas.DataFrame
        Per group: ``n``, ``share_weight`` (p_k), ``share_quantity`` (s_k),
        ``mean``, ``index`` (GE_k; NaN for an all-zero group), ``within_weight``
        (p_k r_k^α), ``within_contribution``, ``within_rate``,
        ``between_contribution`` (p_k g_α(r_k)), ``between_rate``.
    single_member_groups : list
        Groups with one unit (their within part is 0).
    note : str
        Explains ``single_member_groups`` ("" when there are none).
    """

    _name = "generalised entropy index"
    _parts = (("within", "within"), ("between", "between"))

    def __init__(self, y, w, groups, ids, alpha):
        self.alpha = alpha
        self.n = len(y)
        self.weighted = not np.all(w == w[0])
        self.ids = validation.unit_labels(ids, self.n)
        self.y = y
        self.weights = w
        W = math.fsum(w)
        mu = _wmean(y, w)
        self.mean = mu
        self.statistic = _ge_terms(y, w, mu, alpha)
        self.GE = self.statistic
        self.groups = None
        self.single_member_groups = []
        self.note = ""
        if groups is not None:
            self._decompose(y, w, groups, mu, W)

    def _decompose(self, y, w, g, mu, W):
        alpha = self.alpha
        keys, codes = _group_codes(g)
        members, _, p, means, dev = _group_summary(y, w, codes, len(keys), mu, W)
        rows, within_parts, between_parts = [], [], []
        for k, key in enumerate(keys):
            m = members[k]
            rk = means[k] / mu
            if means[k] > 0:
                index = _ge_terms(y[m], w[m], means[k], alpha)
                weight = p[k] * rk**alpha
                within_k = weight * index
            else:  # all zero (alpha > 0 only): weight 0^alpha = 0
                index, weight, within_k = math.nan, 0.0, 0.0
            between_k = p[k] * float(_ge_kernel(np.array([dev[k] / mu]), np.array([rk]), alpha)[0])
            within_parts.append(within_k)
            between_parts.append(between_k)
            rows.append(
                {
                    "group": key,
                    "n": int(m.sum()),
                    "share_weight": p[k],
                    "share_quantity": p[k] * rk,
                    "mean": means[k],
                    "index": index,
                    "within_weight": weight,
                    "within_contribution": within_k,
                    "between_contribution": between_k,
                }
            )
        self.within = math.fsum(within_parts)
        self.between = math.fsum(between_parts)
        _check_identity(
            self.statistic, [self.within, self.between], _THEIL_ATOL, f"GE({_fmt(alpha)})"
        )
        self.wg, self.bg = self.within, self.between
        self._set_shares()
        total = self.statistic
        table = pd.DataFrame(rows).set_index("group")
        table["within_rate"] = table["within_contribution"] / total if total > 0 else math.nan
        table["between_rate"] = table["between_contribution"] / total if total > 0 else math.nan
        cols = ["n", "share_weight", "share_quantity", "mean", "index", "within_weight"]
        cols += ["within_contribution", "within_rate", "between_contribution", "between_rate"]
        self.group_table = table[cols]
        self.groups = keys
        self._codes = codes
        self.single_member_groups, self.note = _singletons(keys, codes)

    def to_frame(self):
        """One tidy row: index name, alpha, n, total and (with groups) the parts."""
        row = {
            "index": f"ge_{_alpha_label(self.alpha)}",
            "alpha": self.alpha,
            "weighted": self.weighted,
            "n": self.n,
            "total": self.statistic,
        }
        if self.groups is not None:
            row |= self._parts_row()
        return pd.DataFrame([row])

    def __repr__(self):
        w = ", weighted" if self.weighted else ""
        text = f"GEIndex(alpha={_fmt(self.alpha)}, n={self.n}{w}, GE={_fmt(self.statistic)})"
        if self.groups is not None:
            text += self._parts_repr()
        return text


def generalized_entropy(
    y, alpha: float = 1.0, weights=None, groups=None, *, data=None, ids=None
) -> GEIndex:
    """Generalised entropy index GE(α), weighted, with its additive group decomposition.

    ``GE(α) = 1/(α(α−1)) · Σ p_i [(y_i/μ)^α − 1]``; GE(0) is Theil L (mean log
    deviation), GE(1) Theil T, GE(2) half the squared coefficient of variation.
    Small α weighs the bottom of the distribution, large α the top.

    Parameters
    ----------
    y : str or array-like
        Values (``y_i >= 0``; ``> 0`` when ``alpha <= 0``).
    alpha : float, default 1.0
        Any real number.
    weights : str or array-like, optional
        Positive unit weights (population, area, ...); ``y`` is then the
        per-weight value. Unweighted by default.
    groups : str or array-like, optional
        Group of every unit; gives ``within`` and ``between`` (Shorrocks 1980),
        each computed directly and checked to add up to the total.
    data : pandas.DataFrame, optional
        Table holding the named columns.
    ids : str or array-like, optional
        Unit labels for messages.

    Returns
    -------
    GEIndex

    Raises
    ------
    InputError
        NaN or negative values, zeros when ``alpha <= 0`` (naming the units),
        bad weights, missing group labels, fewer than 2 units.

    Examples
    --------
    >>> round(generalized_entropy([10, 10, 10, 20, 50], alpha=2).GE, 6)
    0.3
    >>> r = generalized_entropy([1, 2, 3, 6], alpha=0.5, groups=["a", "a", "b", "b"])
    >>> round(r.within + r.between - r.GE, 12)
    0.0
    """
    alpha = _check_alpha(alpha)
    y, w, g, ids = _prepare(
        y,
        weights,
        groups,
        data,
        ids,
        what="value",
        allow_zero=alpha > 0,
        zero_reason=f" and GE(α) with α = {alpha:g} <= 0 takes its power or logarithm "
        "(use α > 0, which allows zeros)",
    )
    _check_units(len(y), "The generalised entropy index")
    return GEIndex(y, w, g, ids, alpha)


def coefficient_of_variation(y, weights=None, *, data=None, ids=None) -> float:
    """Coefficient of variation ``sqrt(Σ p_i (y_i − μ)²) / μ`` (population form).

    Parameters
    ----------
    y : str or array-like
        Values (``y_i >= 0``).
    weights : str or array-like, optional
        Positive unit weights.
    data : pandas.DataFrame, optional
    ids : str or array-like, optional

    Returns
    -------
    float
        Equal to ``sqrt(2 · GE(2))``.

    Examples
    --------
    >>> coefficient_of_variation([1, 3])
    0.5
    """
    y, w, _, _ = _prepare(y, weights, None, data, ids, what="value", allow_zero=True)
    _check_units(len(y), "The coefficient of variation")
    mu = _wmean(y, w)
    return math.sqrt(math.fsum(w * (y - mu) ** 2) / math.fsum(w)) / mu


# --------------------------------------------------------------------------- Atkinson


def _atkinson_of(y, w, mu, alpha):
    return _ge_to_atkinson(_ge_terms(y, w, mu, alpha), alpha)


class AtkinsonIndex(_Decomposition):
    """Atkinson index A(ε), with the Blackorby–Donaldson–Auersperg within/between form.

    Build it with :func:`atkinson`.

    Parameters
    ----------
    y, w, groups, ids :
        Checked values, weights, group labels and unit ids.
    epsilon : float
        As in :func:`atkinson`, which checks its input and builds it.

    Attributes
    ----------
    epsilon : float
        Inequality aversion ε >= 0.
    statistic, A : float
        The index (``A`` is PySAL's name).
    EDE : float
        Equally distributed equivalent ``μ (1 − A)``.
    n, weighted, ids, mean
        As in :class:`GEIndex`.
    within, between : float
        ``within = Σ_k s_k A_k`` (``1 − ξ̄/μ``) and ``between = (ξ̄/μ) A(ξ)``,
        both computed directly and checked to add up to ``A`` (only with groups).
    within_share, between_share : float
    groups, group_table
        Per group: ``n``, ``share_weight``, ``share_quantity``, ``mean``,
        ``index`` (A_k), ``ede`` (ξ_k), ``within_contribution`` (s_k A_k).
    single_member_groups, note
        As in :class:`GEIndex`.
    """

    _name = "Atkinson index"
    _parts = (("within", "within"), ("between", "between"))

    def __init__(self, y, w, groups, ids, epsilon):
        self.epsilon = epsilon
        alpha = 1.0 - epsilon
        self._alpha = alpha
        self.n = len(y)
        self.weighted = not np.all(w == w[0])
        self.ids = validation.unit_labels(ids, self.n)
        W = math.fsum(w)
        mu = _wmean(y, w)
        self.mean = mu
        self.statistic = _atkinson_of(y, w, mu, alpha)
        self.A = self.statistic
        self.EDE = mu * (1.0 - self.statistic)
        self.groups = None
        self.single_member_groups = []
        self.note = ""
        if groups is not None:
            self._decompose(y, w, groups, mu, W)

    def _decompose(self, y, w, g, mu, W):
        alpha = self._alpha
        keys, codes = _group_codes(g)
        members, _, p, means, _ = _group_summary(y, w, codes, len(keys), mu, W)
        rows, within_parts, ede = [], [], np.empty(len(keys))
        for k, key in enumerate(keys):
            m = members[k]
            sk = p[k] * means[k] / mu
            if means[k] > 0:
                ak = _atkinson_of(y[m], w[m], means[k], alpha)
                ede[k] = means[k] * (1.0 - ak)
                within_k = sk * ak
            else:  # all zero (0 < ε < 1 only)
                ak, ede[k], within_k = math.nan, 0.0, 0.0
            within_parts.append(within_k)
            rows.append(
                {
                    "group": key,
                    "n": int(m.sum()),
                    "share_weight": p[k],
                    "share_quantity": sk,
                    "mean": means[k],
                    "index": ak,
                    "ede": ede[k],
                    "within_contribution": within_k,
                }
            )
        self.within = math.fsum(within_parts)
        xi_mean = math.fsum(p * ede)
        if xi_mean > 0:
            a_xi = _atkinson_of(ede, p, xi_mean, alpha) if len(keys) > 1 else 0.0
            self.between = xi_mean / mu * a_xi
        else:
            self.between = 0.0
        _check_identity(
            self.statistic, [self.within, self.between], 1e-15, f"Atkinson({_fmt(self.epsilon)})"
        )
        self.wg, self.bg = self.within, self.between
        self._set_shares()
        self.groups = keys
        self._codes = codes
        self.group_table = pd.DataFrame(rows).set_index("group")
        self.single_member_groups, self.note = _singletons(keys, codes)

    def to_frame(self):
        """One tidy row: index name, epsilon, n, total, EDE and (with groups) the parts."""
        row = {
            "index": f"atkinson_{_alpha_label(self.epsilon)}",
            "epsilon": self.epsilon,
            "weighted": self.weighted,
            "n": self.n,
            "total": self.statistic,
            "ede": self.EDE,
        }
        if self.groups is not None:
            row |= self._parts_row()
        return pd.DataFrame([row])

    def __repr__(self):
        w = ", weighted" if self.weighted else ""
        text = (
            f"AtkinsonIndex(epsilon={_fmt(self.epsilon)}, n={self.n}{w}, A={_fmt(self.statistic)})"
        )
        if self.groups is not None:
            text += self._parts_repr()
        return text


def atkinson(
    y, epsilon: float = 1.0, weights=None, groups=None, *, data=None, ids=None
) -> AtkinsonIndex:
    """Atkinson index ``A(ε) = 1 − EDE/μ``, weighted, with its within/between form.

    Parameters
    ----------
    y : str or array-like
        Values (``y_i >= 0``; ``> 0`` when ``epsilon >= 1``).
    epsilon : float, default 1.0
        Inequality aversion, ``>= 0``; ``A(0) = 0``, ``A(1) = 1 − geometric mean/μ``.
    weights, groups, data, ids
        As in :func:`generalized_entropy`.

    Returns
    -------
    AtkinsonIndex

    Raises
    ------
    InputError
        Negative epsilon; NaN or negative values; zeros when ``epsilon >= 1``
        (naming the units); bad weights or group labels; fewer than 2 units.

    Examples
    --------
    >>> round(atkinson([10, 20, 30, 40, 50], epsilon=0.5).A, 5)
    0.06315
    """
    epsilon = _check_alpha(epsilon, "epsilon")
    if epsilon < 0:
        raise InputError(
            f"epsilon = {epsilon:g}: the Atkinson index needs an inequality aversion >= 0."
        )
    y, w, g, ids = _prepare(
        y,
        weights,
        groups,
        data,
        ids,
        what="value",
        allow_zero=epsilon < 1,
        zero_reason=f" and the Atkinson index with epsilon = {epsilon:g} >= 1 takes its "
        "power or logarithm (use epsilon < 1, which allows zeros)",
    )
    _check_units(len(y), "The Atkinson index")
    return AtkinsonIndex(y, w, g, ids, epsilon)
