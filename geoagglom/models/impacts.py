"""Impacts of the spatial lag models (LeSage & Pace 2009, ch. 2 and 4).

For ``y = rho W y + X beta + W X theta + e`` a change in regressor k moves y by
``S_k(W) = (I - rho W)^-1 (I beta_k + W theta_k)``: the *direct* impact is the
mean of its diagonal, the *total* impact the mean row sum and the *indirect*
impact their difference. ``theta = 0`` for the lag model.

Exact (eigenvalues ``lambda_i`` of W, small n)
    ``direct_k = (1/n) sum_i (beta_k + theta_k lambda_i) / (1 - rho lambda_i)``.
Trace (power series, as spatialreg's ``impacts(tr = trW(W))``)
    ``direct_k = sum_{p<q} rho^p (beta_k tr(W^p) + theta_k tr(W^(p+1))) / n``.
Total (row-standardised W)
    ``(beta_k + theta_k) / (1 - rho)`` (exact); the trace method uses the same
    truncated series ``(beta_k + theta_k) sum_{p<q} rho^p`` as spatialreg.

Simulation inference draws the parameters from their estimated asymptotic
normal distribution, drops draws whose rho leaves the admissible interval (as
spatialreg) and reports the mean, standard deviation, ``z = mean / sd``, its
two-sided normal p-value and percentile intervals of the impacts over the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

KINDS = ("direct", "indirect", "total")


def exact_impacts(rho, P, eig, row_standardised=True):
    """Exact impacts from the eigenvalues of W.

    Parameters
    ----------
    rho : float or (d,) array
    P : (k, 2) or (d, k, 2) array
        ``[beta_k, theta_k]`` per regressor (theta 0 for the lag model).
    eig : (n,) array
        Eigenvalues of W.
    row_standardised : bool

    Returns
    -------
    direct, indirect, total : arrays of shape (k,) or (d, k)
    """
    rho = np.asarray(rho, dtype=float)
    P = np.asarray(P, dtype=float)
    single = rho.ndim == 0
    rho = np.atleast_1d(rho)
    if P.ndim == 2:
        P = np.broadcast_to(P, (len(rho), *P.shape))
    inv = 1.0 / (1.0 - rho[:, None] * eig[None, :])  # (d, n)
    a0 = np.real(inv.mean(axis=1))  # tr(A)/n
    a1 = np.real((inv * eig[None, :]).mean(axis=1))  # tr(AW)/n
    direct = P[..., 0] * a0[:, None] + P[..., 1] * a1[:, None]
    if not row_standardised:
        raise NotImplementedError("exact totals need row-standardised weights")
    total = (P[..., 0] + P[..., 1]) / (1.0 - rho[:, None])
    out = direct, total - direct, total
    return tuple(o[0] for o in out) if single else out


def trace_impacts(rho, P, traces, n):
    """Impacts from the power series with the traces of ``W^1 .. W^q`` (spatialreg's method).

    ``q = len(traces)``; the series of the direct impact uses ``W^0 .. W^(q-1)``
    for beta and ``W^1 .. W^q`` for theta, and the total ``sum_{p<q} rho^p``.
    """
    rho = np.asarray(rho, dtype=float)
    P = np.asarray(P, dtype=float)
    single = rho.ndim == 0
    rho = np.atleast_1d(rho)
    if P.ndim == 2:
        P = np.broadcast_to(P, (len(rho), *P.shape))
    q = len(traces)
    g = rho[:, None] ** np.arange(q)[None, :]  # (d, q)
    t0 = np.concatenate([[1.0], np.asarray(traces[:-1]) / n])
    t1 = np.asarray(traces) / n
    direct = P[..., 0] * (g @ t0)[:, None] + P[..., 1] * (g @ t1)[:, None]
    total = (P[..., 0] + P[..., 1]) * g.sum(axis=1)[:, None]
    out = direct, total - direct, total
    return tuple(o[0] for o in out) if single else out


def summarise_draws(names, point, sims, level):
    """Tidy frame: one row per (regressor, kind) with the point impact and simulation summary."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for kind in KINDS:
        est = point[kind]
        s = None if sims is None else sims[kind]
        for j, name in enumerate(names):
            row = {"variable": name, "impact": kind, "estimate": float(est[j])}
            if s is not None:
                col = s[:, j]
                mean = float(col.mean())
                sd = float(col.std(ddof=1))
                z = mean / sd if sd > 0 else np.nan
                row.update(
                    sim_mean=mean,
                    sim_sd=sd,
                    z=z,
                    p=float(2 * stats.norm.sf(abs(z))),
                    ci_lower=float(np.quantile(col, lo)),
                    ci_upper=float(np.quantile(col, hi)),
                )
            rows.append(row)
    return pd.DataFrame(rows)


def linear_impacts(names, beta, theta, cov_bb, cov_tt, cov_bt, level):
    """SLX / SDEM impacts: direct = beta, indirect = theta, total = beta + theta, normal SEs."""
    zq = stats.norm.ppf(1 - (1 - level) / 2)
    rows = []
    for kind in KINDS:
        for j, name in enumerate(names):
            if kind == "direct":
                est, var = beta[j], cov_bb[j, j]
            elif kind == "indirect":
                est, var = theta[j], cov_tt[j, j]
            else:
                est = beta[j] + theta[j]
                var = cov_bb[j, j] + cov_tt[j, j] + 2 * cov_bt[j, j]
            se = float(np.sqrt(var))
            z = est / se
            rows.append(
                {
                    "variable": name,
                    "impact": kind,
                    "estimate": float(est),
                    "se": se,
                    "z": float(z),
                    "p": float(2 * stats.norm.sf(abs(z))),
                    "ci_lower": float(est - zq * se),
                    "ci_upper": float(est + zq * se),
                }
            )
    return pd.DataFrame(rows)
