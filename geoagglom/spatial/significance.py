"""Significance: alternatives, normal and pseudo p-values, multiple-testing adjustment."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr  # the normal CDF; scipy.stats costs ~1 s to import


def _normal_p(z, alternative):
    z = np.asarray(z, dtype=float)
    if alternative == "two-sided":
        p = 2.0 * ndtr(-np.abs(z))
    elif alternative == "greater":
        p = ndtr(-z)
    elif alternative == "less":
        p = ndtr(z)
    else:
        p = ndtr(-np.abs(z))
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


def _sqrt(v):
    with np.errstate(invalid="ignore"):
        return np.sqrt(v)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(a, dtype=float) / b
