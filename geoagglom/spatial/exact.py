"""Exact and saddlepoint inference for global and local Moran's I under normality.

For the residuals ``u = M y`` of a least-squares fit (``M = I - X (X'X)^-1 X'``;
``X`` a constant alone tests the variable itself), Moran's ``I = u'Uu / u'u``
with ``U = (W + W')/2`` is a ratio of quadratic forms in normal variables. Its
distribution is that of ``sum gamma_i z_i^2 / sum z_i^2``, ``gamma`` the non-zero
eigenvalues of ``M U M`` (Tiefelsdorf & Boots 1995).

Exact (``method='exact'``)
    ``P(I > I_obs)`` by Imhof's (1961) integral, evaluated with QUADPACK over
    ``(0, inf)`` (``scipy.integrate.quad``, spdep's tolerances ``eps^(1/4)``); the
    statistic is the *exact standard deviate* ``Phi^-1(P(I <= I_obs))``.
Saddlepoint (``method='saddlepoint'``)
    Barndorff-Nielsen's formula ``r - log(r/u)/r`` at the saddlepoint (Tiefelsdorf
    2002), solved by Brent's method with spdep's tolerance ``eps^(1/2)``.
Local (Bivand, Müller & Reder 2009)
    ``I_i = u' V_i u / u'u`` with the star matrix ``V_i`` of unit i (its binary
    symmetric neighbours, weighted ``n / (2 c_i)``, ``c_i`` its number of
    neighbours: style ``W``). ``M V_i M`` has two non-zero eigenvalues, obtained from
    ``tr(M V_i)`` and ``tr((M V_i)^2)``; the exact p-value integrates Imhof's formula
    with them (where the integral exceeds pi/2 spdep's normal approximation is
    substituted: ``approx = 'N'``), the saddlepoint has a closed form.

These reproduce spdep's ``lm.morantest.exact``, ``lm.morantest.sad``,
``localmoran.exact`` and ``localmoran.sad``.

Which method (:func:`moran_inference`)
    Every method needs the ``n x n`` eigen-decomposition of ``M U M`` (global) or
    per-unit traces (local). The rule for a study: ``'exact'`` up to
    :data:`EXACT_MAX_N` = 1,000 units, ``'saddlepoint'`` up to
    :data:`SADDLEPOINT_MAX_N` = 3,000 (its accuracy is within about 1e-3 of the exact
    p-value at such n, Tiefelsdorf 2002), and the normal approximation (``moran``'s
    ``p_norm``) beyond, where the distribution of I is close to normal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import integrate, stats

from geoagglom._repr import FrameReprMixin
from geoagglom.errors import InputError
from geoagglom.options import MORAN_METHODS
from geoagglom.spatial._base import _values, _Weights

__all__ = [
    "EXACT_MAX_N",
    "SADDLEPOINT_MAX_N",
    "LocalMoranExact",
    "MoranExact",
    "local_moran_exact",
    "moran_exact",
    "moran_inference",
]

#: Largest n for which :func:`moran_inference` recommends the exact (Imhof) method.
EXACT_MAX_N = 1000
#: Largest n for which it recommends the saddlepoint approximation.
SADDLEPOINT_MAX_N = 3000

_EPS = np.finfo(float).eps
_QUAD_TOL = _EPS**0.25  # R integrate(): rel.tol = abs.tol = eps^0.25
_ROOT_TOL = _EPS**0.5  # R uniroot() in spdep: tol = eps^0.5
_ZERO_TOL = 1e-7
_TOL_BOUNDS = 1e-4


def moran_inference(n):
    """The Moran inference method a study should use for ``n`` units.

    Parameters
    ----------
    n : int

    Returns
    -------
    str
        ``'exact'`` (n <= 1,000), ``'saddlepoint'`` (n <= 3,000) or ``'normal'``.

    Examples
    --------
    >>> from geoagglom.spatial.exact import moran_inference
    >>> moran_inference(17), moran_inference(2000), moran_inference(100_000)
    ('exact', 'saddlepoint', 'normal')
    """
    if n <= EXACT_MAX_N:
        return "exact"
    if n <= SADDLEPOINT_MAX_N:
        return "saddlepoint"
    return "normal"


def _alt(alternative):
    if alternative not in ("two-sided", "greater", "less"):
        raise InputError(
            f"alternative = {alternative!r}: exact and saddlepoint Moran tests take "
            "'two-sided', 'greater' or 'less'."
        )
    return alternative


def _p(z, alternative):
    if alternative == "two-sided":
        return float(2 * stats.norm.sf(abs(z)))
    if alternative == "greater":
        return float(stats.norm.sf(z))
    return float(stats.norm.cdf(z))


def _design(x, wts, data, n):
    """The regressors with a constant, in the weights' unit order."""
    cols = [np.ones(n)]
    if x is not None:
        if isinstance(x, (str, pd.Series)) or (isinstance(x, np.ndarray) and x.ndim == 1):
            x = [x]
        if isinstance(x, pd.DataFrame):
            x = [x[c] for c in x.columns]
        for j, col in enumerate(x):
            cols.append(_values(col, wts, data, f"x[{j}]", what="the regression"))
    X = np.column_stack(cols)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError("x: the regressors (with the constant) are collinear; drop one.")
    return X


def _residuals(y, X):
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return y - X @ coef


def _imhof_global(i_obs, gamma):
    a = gamma - i_obs

    def f(x):
        # far out on the tail the product overflows to inf: the integrand is 0 there
        with np.errstate(over="ignore"):
            return np.sin(0.5 * np.sum(np.arctan(a * x))) / (
                x * np.prod((1 + a * a * x * x) ** 0.25)
            )

    val, _ = integrate.quad(f, 0, np.inf, epsabs=_QUAD_TOL, epsrel=_QUAD_TOL, limit=100)
    return val


def _clip01(q):
    """``q`` in [0, 1]: beyond Imhof's integration accuracy spdep's qnorm gives NaN;
    here the standard deviate becomes +-inf (p-value 0 or 1)."""
    return min(max(q, 0.0), 1.0)


def _saddle(taumi, alternative):
    """spdep's moranSad: (sad.p, p, omega, r, u)."""
    low = 1 / (2 * taumi[-1]) + _TOL_BOUNDS
    high = 1 / (2 * taumi[0]) - _TOL_BOUNDS
    if not low < high:
        return (np.nan,) * 5

    def f(w):
        return np.sum(taumi / (1 - 2 * w * taumi))

    omega = _zeroin(f, low, high, _ROOT_TOL, 1000)
    return _barndorff(omega, taumi, alternative)


def _zeroin(f, a, b, tol, maxiter):
    """Brent's (1973) root finder in its classic ``zeroin`` form (R's ``uniroot`` core).

    Used instead of ``scipy.optimize.brentq`` so that, at spdep's tolerance, the
    saddlepoint lands on the same iterate as spdep's ``uniroot``.
    """
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        step = (c - b) / 2
        if abs(step) <= tol_act or fb == 0:
            return b
        if abs(prev) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # secant
                t1 = fb / fa
                p, q = cb * t1, 1 - t1
            else:  # inverse quadratic interpolation
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1))
                q = (q - 1) * (t1 - 1) * (t2 - 1)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tol_act * q) / 2 and p < abs(prev * q / 2):
                step = p / q
        if abs(step) < tol_act:
            step = tol_act if step > 0 else -tol_act
        a, fa = b, fb
        b += step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _barndorff(omega, taumi, alternative):
    r = np.sqrt(np.sum(np.log(1 - 2 * omega * taumi)))
    r = -r if omega < 0 else r
    u = omega * np.sqrt(2 * np.sum(taumi**2 / (1 - 2 * omega * taumi) ** 2))
    z = r - np.log(r / u) / r
    return float(z), _p(z, alternative), float(omega), float(r), float(u)


class MoranExact(FrameReprMixin):
    """Global Moran's I of a variable or of regression residuals, exact or saddlepoint.

    Build it with :func:`moran_exact`.

    Parameters
    ----------
    y, w, x, data, method, alternative, transform :
        As in :func:`moran_exact`.

    Attributes
    ----------
    n, df : int
        Units and residual degrees of freedom ``n - p``.
    I : float
        ``(n / S0) u'Uu / u'u``.
    statistic : float
        Exact standard deviate (exact) or Barndorff-Nielsen saddlepoint statistic.
    p_value : float
    method, alternative : str
    gamma : numpy.ndarray
        The non-zero eigenvalues of ``M U M`` (decreasing).
    omega, sad_r, sad_u : float
        Saddlepoint internals (saddlepoint method only; NaN otherwise).
    """

    def __init__(self, y, w, x=None, *, data=None, method="exact", alternative="greater",
                 transform=None, gamma=None):  # fmt: skip
        method = MORAN_METHODS.check(method, "method")
        alternative = _alt(alternative)
        wts = w if isinstance(w, _Weights) else _Weights(w, transform)
        yv = _values(y, wts, data, "y")
        n = wts.n
        X = _design(x, wts, data, n)
        p = X.shape[1]
        u = _residuals(yv, X)
        full = wts.full.toarray()
        U = 0.5 * (full + full.T)
        s0 = U.sum()
        I_raw = float(u @ U @ u / (u @ u))
        self.I = float(n / s0 * I_raw)
        i_obs = self.I if abs(n / s0 - 1) < 1.5e-8 else I_raw
        if gamma is None:
            Q, _ = np.linalg.qr(X)
            MUM = U - Q @ (Q.T @ U)
            MUM = MUM - (MUM @ Q) @ Q.T
            ev = np.linalg.eigvalsh(0.5 * (MUM + MUM.T))[::-1]
            zero = np.flatnonzero(np.abs(ev) < _ZERO_TOL)
            start = zero[0] if len(zero) else len(ev)
            gamma = np.concatenate([ev[:start], ev[start + p :]])
        elif len(gamma) != n - p:
            raise InputError(
                f"gamma: {len(gamma)} eigenvalues given, but these weights and regressors "
                f"have {n - p}; pass the .gamma of a result with the same weights and x."
            )
        self.gamma = np.asarray(gamma, dtype=float)
        self.n, self.df, self.method, self.alternative = n, n - p, method, alternative
        self.omega = self.sad_r = self.sad_u = np.nan
        if method == "exact":
            II = _imhof_global(i_obs, self.gamma)
            self.statistic = float(stats.norm.ppf(_clip01(0.5 - II / np.pi)))
            self.p_value = _p(self.statistic, alternative)
        else:
            z, pv, om, r, uu = _saddle(self.gamma - i_obs, alternative)
            self.statistic, self.p_value = z, pv
            self.omega, self.sad_r, self.sad_u = om, r, uu

    def to_frame(self):
        """One-row tidy frame."""
        return pd.DataFrame(
            [
                {
                    "statistic": "moran_i",
                    "method": self.method,
                    "n": self.n,
                    "I": self.I,
                    "z": self.statistic,
                    "p": self.p_value,
                    "alternative": self.alternative,
                }
            ]
        )

    def __repr__(self):
        return (
            f"<MoranExact {self.method} n={self.n}: I={self.I:.6g}, "
            f"z={self.statistic:.4g}, p={self.p_value:.4g}; {self.alternative}>"
        )


def moran_exact(y, w, x=None, *, data=None, method="exact", alternative="greater",
                transform=None, gamma=None):  # fmt: skip
    """Global Moran's I with exact (Imhof) or saddlepoint inference under normality.

    Parameters
    ----------
    y : array-like, pandas.Series or str
        The variable (a column of ``data``, a Series by unit id or an array in the
        weights' order).
    w : libpysal.graph.Graph or libpysal.weights.W
    x : None, str, array-like or list of them
        Regressors: Moran's I of the residuals of ``y ~ 1 + x`` (spdep's
        ``lm.morantest.exact``); ``None`` tests ``y`` itself (``y ~ 1``).
    data : pandas.DataFrame, optional
    method : {'exact', 'saddlepoint'}, default 'exact'
    alternative : {'greater', 'less', 'two-sided'}, default 'greater' (spdep's)
    transform : {None, 'r', 'b'}
    gamma : numpy.ndarray, optional
        The eigenvalues of ``M U M`` (``.gamma`` of an earlier result with the same
        weights and regressors): they depend on those alone, so a panel tested year by
        year needs the dense eigen-decomposition once. Default: computed here.

    Returns
    -------
    MoranExact

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom.spatial.exact import moran_exact
    >>> w = lat2W(5, 5); w.transform = "r"
    >>> y = np.arange(25.0)
    >>> r = moran_exact(y, w)
    >>> r.p_value < 0.01
    True
    """
    return MoranExact(
        y, w, x, data=data, method=method, alternative=alternative, transform=transform,
        gamma=gamma,
    )  # fmt: skip


class LocalMoranExact(FrameReprMixin):
    """Local Moran's I_i with exact or saddlepoint p-values (Bivand, Müller & Reder 2009).

    Build it with :func:`local_moran_exact`.

    Parameters
    ----------
    y, w, x, data, method, alternative, transform :
        As in :func:`local_moran_exact`.

    Attributes
    ----------
    ids : pandas.Index
    Is : numpy.ndarray
        ``I_i = u' V_i u / u'u``.
    statistic : numpy.ndarray
        Exact standard deviates or saddlepoint statistics.
    p_values : numpy.ndarray
    approx : numpy.ndarray of str
        ``'E'`` exact, ``'N'`` normal approximation substituted (exact method only),
        ``'S'`` saddlepoint.
    gamma : numpy.ndarray, shape (n, 2)
        The two non-zero eigenvalues of ``M V_i M`` (smallest, largest).
    method, alternative : str
    """

    def __init__(self, y, w, x=None, *, data=None, method="exact", alternative="two-sided",
                 transform=None):  # fmt: skip
        method = MORAN_METHODS.check(method, "method")
        alternative = _alt(alternative)
        wts = w if isinstance(w, _Weights) else _Weights(w, transform)
        yv = _values(y, wts, data, "y")
        n = wts.n
        X = _design(x, wts, data, n)
        p = X.shape[1]
        u = _residuals(yv, X)
        utu = float(u @ u)
        full = wts.full.toarray()
        binary = (full != 0).astype(float)
        B = 0.5 * (binary + binary.T)
        card = B.sum(axis=1)
        XtXinv = np.linalg.inv(X.T @ X)
        Is = np.empty(n)
        stat = np.empty(n)
        pv = np.empty(n)
        approx = np.empty(n, dtype=object)
        gam = np.empty((n, 2))
        m = n - p - 2
        for i in range(n):
            b = B[i] * (n / card[i]) / 2  # V_i = e_i b' + b e_i'
            Is[i] = 2 * u[i] * (b @ u) / utu
            bX = b @ X
            ViX = np.outer(b, X[i])
            ViX[i] += bX
            MViM = X.T @ ViX @ XtXinv
            t1 = -np.trace(MViM)
            trVi2 = 2 * float(b @ b)
            t2a = np.trace(ViX.T @ ViX @ XtXinv)
            t2b = np.trace(MViM @ MViM)
            t2 = trVi2 - 2 * t2a + t2b
            root = np.sqrt(2 * t2 - t1**2)
            e1, en = 0.5 * (t1 + root), 0.5 * (t1 - root)
            gam[i] = en, e1
            Ii = Is[i]
            if method == "exact":
                stat[i], approx[i] = _local_exact(Ii, en, e1, n - (2 + p))
                pv[i] = _p(stat[i], alternative)
            else:
                stat[i], pv[i] = _local_saddle(Ii, e1, en, m, alternative)
                approx[i] = "S"
        self.ids = wts.ids
        self.n = n
        self.Is = Is
        self.statistic = stat
        self.p_values = pv
        self.approx = approx.astype(str)
        self.gamma = gam
        self.method = method
        self.alternative = alternative

    def to_frame(self):
        """Tidy frame, one row per unit: id, Ii, z, p, approx."""
        return pd.DataFrame(
            {
                "id": self.ids,
                "Ii": self.Is,
                "z": self.statistic,
                "p": self.p_values,
                "approx": self.approx,
                "method": self.method,
            }
        )

    def __repr__(self):
        return f"<LocalMoranExact {self.method} n={self.n}; {self.alternative}>"


def _local_exact(i_obs, lo, hi, np2):
    a, b = lo - i_obs, hi - i_obs

    def f(x):
        num = np.sin(0.5 * (np.arctan(a * x) + np2 * np.arctan(-i_obs * x) + np.arctan(b * x)))
        with np.errstate(over="ignore"):  # inf far out on the tail: the integrand is 0
            lag = (1 + i_obs * i_obs * x * x) ** np2
            den = x * ((1 + a * a * x * x) * lag * (1 + b * b * x * x)) ** 0.25
        return num / den

    II, _ = integrate.quad(f, 0, np.inf, epsabs=_QUAD_TOL, epsrel=_QUAD_TOL, limit=100)
    if II > np.pi / 2:
        df = np2 + 2
        tau = np.concatenate([[lo], np.zeros(df - 2), [hi]])
        e = tau.sum() / df
        v = 2 * np.sum((tau - e) ** 2) / (df * (df + 2))
        return float((i_obs - e) / np.sqrt(v)), "N"
    return float(stats.norm.ppf(_clip01(0.5 - II / np.pi))), "E"


def _local_saddle(mi, h, l, m, alternative):  # noqa: E741
    aroot = m * mi * (l + h - 2 * mi) + mi * (3 * l + 3 * h - 4 * mi) - 2 * l * h
    broot = (m + 2) * mi * (l - mi) * (h - mi)
    c1 = l**2 * mi**2 * (m + 1) ** 2 + h**2 * mi**2 * (m + 1) ** 2
    c2 = 2 * l * h * (2 * l * h - 2 * l * mi - 2 * h * mi - 2 * m * mi**2 - m**2 * mi**2 + mi**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        omega = 0.25 * ((aroot - np.sqrt(c1 + c2)) / broot)
    if not np.isfinite(omega):
        return np.nan, np.nan
    taumi = np.concatenate([[h], np.zeros(m), [l]]) - mi
    z, pv, *_ = _barndorff(omega, taumi, alternative)
    return z, pv


def local_moran_exact(y, w, x=None, *, data=None, method="exact", alternative="two-sided",
                      transform=None):  # fmt: skip
    """Local Moran's I with exact or saddlepoint p-values (spdep localmoran.exact / .sad).

    Parameters
    ----------
    y : array-like, pandas.Series or str
    w : libpysal.graph.Graph or libpysal.weights.W
        Its neighbour sets are used, binary and symmetrised, with spdep's style ``W``
        star weights (the weights' own values are not used).
    x : None, str, array-like or list of them
        Regressors (residuals of ``y ~ 1 + x``); ``None``: ``y ~ 1``.
    data : pandas.DataFrame, optional
    method : {'exact', 'saddlepoint'}, default 'exact'
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided' (spdep's)
    transform : {None, 'r', 'b'}

    Returns
    -------
    LocalMoranExact

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom.spatial.exact import local_moran_exact
    >>> w = lat2W(4, 4)
    >>> r = local_moran_exact(np.arange(16.0), w, method="saddlepoint")
    >>> r.p_values.shape
    (16,)
    """
    return LocalMoranExact(
        y, w, x, data=data, method=method, alternative=alternative, transform=transform
    )
