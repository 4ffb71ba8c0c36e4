"""Spatial panel models with fixed effects (Elhorst 2014, *Spatial Econometrics*, ch. 3).

For a balanced panel of N units over T years, ``y_t = rho W y_t + X_t beta + W X_t
theta + mu + e_t`` (``'sdm'``; ``'lag'`` without ``W X``, ``'slx'`` without
``rho``). The unit effects ``mu`` (and with ``effects='twoway'`` the year effects)
are removed by demeaning every variable, ``W y`` and ``W X`` included, over time
(and over units); the likelihood, concentrated on rho, is

``-NT/2 log(2 pi sigma2) + T log|I - rho W| - e'e / (2 sigma2)``

with ``sigma2 = e'e / NT``. Standard errors come from the asymptotic information
matrix of ``(sigma2, rho, beta)`` (Elhorst 2014, eq. 3.23): the cross-section one
with every trace multiplied by T. ``bias_correction=True`` applies Lee & Yu's
(2010) correction of the variance, ``sigma2 * T / (T - 1)`` (unit effects) or
``sigma2 * NT / ((N - 1)(T - 1))`` (two-way), and recomputes the covariance with
it; rho and beta are left uncorrected (Lee & Yu's further correction of rho for
two-way effects is not implemented). Impacts and per-unit effects are those of the
cross-section model, on the N x N weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoagglom.errors import InputError, MissingValuesError, TooFewUnitsError, format_ids
from geoagglom.models._spatial import _SpatialW
from geoagglom.models.regression import SpatialModel, _check_rank, _ols
from geoagglom.options import SPATIAL_MODELS

__all__ = ["SpatialPanelModel", "spatial_panel_model"]

_EFFECTS = ("unit", "twoway")


def _panel_arrays(data, y, x, unit, year, sw):
    for c in (unit, year, y, *x):
        if c not in data.columns:
            raise InputError(
                f"column {c!r} is not in the data; available: {format_ids(list(data.columns))}."
            )
    dup = data.duplicated([unit, year])
    if dup.any():
        pairs = list(data.loc[dup, [unit, year]].itertuples(index=False, name=None))
        raise InputError(f"duplicated (unit, year) rows: {format_ids(pairs)}; give one per pair.")
    units = pd.Index(data[unit].unique())
    extra = units.difference(sw.ids, sort=False)
    if len(extra):
        raise InputError(
            f"units not in the weights: {format_ids(extra)}; subset the data to the weights' units."
        )
    years = sorted(data[year].unique())
    full = pd.MultiIndex.from_product([years, sw.ids], names=[year, unit])
    frame = data.set_index([year, unit])[[y, *x]]
    absent = full.difference(frame.index, sort=False)
    if len(absent):
        raise InputError(
            f"the panel is not balanced: no row for (year, unit) {format_ids(list(absent))}. "
            "Fill the missing rows, or drop those units or years."
        )
    frame = frame.reindex(full)
    values = frame.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        detail = "; ".join(
            f"{c}: {format_ids(list(full[bad[:, j]]), limit=10)}"
            for j, c in enumerate([y, *x])
            if bad[:, j].any()
        )
        raise MissingValuesError(
            f"missing or non-finite values at (year, unit) ({detail}). Fill them, or drop "
            "those units or years (the panel must stay balanced)."
        )
    T, N = len(years), sw.n
    return values[:, 0].reshape(T, N), values[:, 1:].reshape(T, N, len(x)), years


def _demean(a, effects):
    """Remove unit means (axis 0 = time) and, for two-way effects, year means."""
    out = a - a.mean(axis=0, keepdims=True)
    if effects == "twoway":
        out = out - a.mean(axis=1, keepdims=True) + a.mean(axis=(0, 1), keepdims=True)
    return out


class SpatialPanelModel(SpatialModel):
    """A spatial panel model with fixed effects; build it with :func:`spatial_panel_model`.

    Attributes are those of :class:`SpatialModel` (no constant: the fixed effects
    absorb it), plus ``T``, ``N``, ``years``, ``effects``, ``bias_correction`` and
    ``sigma2_uncorrected``. ``n`` is ``N`` (the impacts are per unit).

    Parameters
    ----------
    data, y, x, w, model, unit, year, effects, bias_correction, transform :
        As in :func:`spatial_panel_model`.
    """

    _offset = 0

    def __init__(self, data, y, x, w, model="sdm", *, unit="unit", year="year",
                 effects="unit", bias_correction=False, transform=None):  # fmt: skip
        model = SPATIAL_MODELS.check(model, "model")
        if model not in ("sdm", "lag", "slx"):
            raise InputError(
                f"model = {model!r}: panels take 'sdm', 'lag' or 'slx' (the error models "
                "are not implemented for panels)."
            )
        if effects not in _EFFECTS:
            raise InputError(f"effects = {effects!r}: use 'unit' or 'twoway'.")
        x = [x] if isinstance(x, str) else list(x)
        sw = w if isinstance(w, _SpatialW) else _SpatialW(w, transform)
        Y, X, years = _panel_arrays(data, y, x, unit, year, sw)
        T, N = Y.shape
        if T < 2:
            raise TooFewUnitsError(f"a fixed-effects panel needs at least 2 years; got {T}.")
        W = sw.W
        WY = np.stack([W @ Y[t] for t in range(T)])
        WX = np.stack([W @ X[t] for t in range(T)])
        names = list(x)
        cols = [X]
        if model in ("sdm", "slx"):
            cols.append(WX)
            names += ["W_" + c for c in x]
        Zp = np.concatenate(cols, axis=2)
        Z = _demean(Zp, effects).reshape(T * N, -1)
        yv = _demean(Y, effects).ravel()
        wy = _demean(WY, effects).ravel()
        k = Z.shape[1]
        n_fe = N + (T - 1 if effects == "twoway" else 0)
        if T * N <= k + n_fe + 2:
            raise TooFewUnitsError(
                f"{T * N} observations for {k + n_fe + 2} parameters (with the fixed effects)."
            )
        _check_rank(Z, names)
        self.model, self.n, self.N, self.T, self.k = model, N, N, T, k
        self.ids, self.years, self.effects = sw.ids, years, effects
        self.y_name, self.x_names, self.names = y, x, names
        self.bias_correction = bias_correction
        self._sw, self._Z, self._y = sw, Z, yv
        self.rho = self.rho_se = self.lam = self.lam_se = None
        self.vcov = None
        self.lm_tests = None
        NT = T * N
        if bias_correction:
            factor = T / (T - 1) if effects == "unit" else NT / ((N - 1) * (T - 1))
        else:
            factor = 1.0
        if model == "slx":
            coef, r = _ols(Z, yv)
            sse = float(r @ r)
            s2 = sse / NT
            self.sigma2_uncorrected = s2
            s2 *= factor
            self._cov_coef = s2 * np.linalg.inv(Z.T @ Z)
            self._cov_coef_lm = self._cov_coef
            self.sigma2 = s2
            self.log_likelihood = float(-NT / 2 * (np.log(2 * np.pi) + np.log(sse / NT) + 1))
            self.aic = -2 * self.log_likelihood + 2 * (k + 1)
            self.coefficients = pd.Series(coef, index=names)
            self.se = pd.Series(np.sqrt(np.diag(self._cov_coef)), index=names)
            self.residuals = r
            self.fitted = yv - r
            return
        self.interval = tuple(float(v) for v in sw.interval())
        b0, e0 = _ols(Z, yv)
        bd, ed = _ols(Z, wy)
        ea, eb, ec = e0 @ e0, ed @ e0, ed @ ed

        def ll(rho):
            sse = ea - 2 * rho * eb + rho * rho * ec
            return T * sw.logdet(rho) - NT / 2 * (np.log(2 * np.pi) + np.log(sse / NT) + 1)

        rho, LL = self._maximise(ll)
        coef = b0 - rho * bd
        r = yv - rho * wy - Z @ coef
        s2 = float(r @ r) / NT
        self.sigma2_uncorrected = s2
        s2 *= factor
        self.rho, self.sigma2, self.log_likelihood = rho, s2, LL
        self.aic = -2 * LL + 2 * (k + 2)
        self.residuals, self.fitted = r, yv - r
        self.coefficients = pd.Series(coef, index=names)
        vc = self._panel_vcov(Z, coef, rho, s2, T, N)
        labels = ["sigma2", "rho", *names]
        self.vcov = pd.DataFrame(vc, index=labels, columns=labels)
        self.rho_se = float(np.sqrt(vc[1, 1]))
        self.se = pd.Series(np.sqrt(np.diag(vc)[2:]), index=names)

    def _panel_vcov(self, Z, coef, rho, s2, T, N):
        sw = self._sw
        W = sw.W
        Zb = (Z @ coef).reshape(T, N)
        if sw.small:
            A = sw.inverse(rho)
            Wt = W.toarray() @ A  # W (I - rho W)^-1
            tr1 = float(np.trace(Wt))
            tr2 = float(np.sum(Wt * Wt.T)) + float(np.sum(Wt * Wt))
            WtZb = Zb @ Wt.T
        else:
            WtZb = np.stack([W @ sw.solve(rho, Zb[t]) for t in range(T)])
            h = 1e-3
            lo, hi = self.interval
            h = min(h, 0.5 * (rho - lo), 0.5 * (hi - rho))
            tr1 = -(sw.logdet(rho + h) - sw.logdet(rho - h)) / (2 * h)
            d2 = (sw.logdet(rho + h) - 2 * sw.logdet(rho) + sw.logdet(rho - h)) / h**2
            # tr(Wt Wt) = -d2; tr(Wt' Wt) approximated by it (exact for symmetric Wt)
            tr2 = -2 * d2
        k = Z.shape[1]
        wz = WtZb.ravel()
        info = np.zeros((k + 2, k + 2))
        info[0, 0] = T * N / (2 * s2**2)
        info[0, 1] = info[1, 0] = T * tr1 / s2
        info[1, 1] = T * tr2 + float(wz @ wz) / s2
        info[1, 2:] = info[2:, 1] = (Z.T @ wz) / s2
        info[2:, 2:] = (Z.T @ Z) / s2
        return np.linalg.inv(info)

    def __repr__(self):
        sp = "" if self.model == "slx" else f", rho={self.rho:.4g}"
        return (
            f"<SpatialPanelModel {self.model} N={self.N}, T={self.T}, {self.effects} effects"
            f"{sp}, logLik={self.log_likelihood:.6g}>"
        )


def spatial_panel_model(data, y, x, w, model="sdm", *, unit="unit", year="year",
                        effects="unit", bias_correction=False, transform=None):  # fmt: skip
    """Fit a spatial panel model (SDM, lag or SLX) with unit or two-way fixed effects.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per (unit, year), balanced.
    y : str
    x : str or list of str
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights over the units (the same in every year).
    model : {'sdm', 'lag', 'slx'}, default 'sdm'
    unit, year : str
        Column names of the unit id and the year.
    effects : {'unit', 'twoway'}, default 'unit'
    bias_correction : bool, default False
        Lee & Yu (2010) correction of sigma2 (see the module notes).
    transform : {None, 'r', 'b'}

    Returns
    -------
    SpatialPanelModel
        With ``impacts()`` and ``unit_effect()`` as :class:`SpatialModel`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from libpysal.weights import lat2W
    >>> from geoagglom.models.panel import spatial_panel_model
    >>> w = lat2W(4, 4); w.transform = "r"
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame([(u, t) for t in range(5) for u in w.id_order],
    ...                   columns=["unit", "year"])
    >>> df["x"] = rng.normal(size=len(df)); df["y"] = df["x"] + rng.normal(size=len(df))
    >>> fit = spatial_panel_model(df, "y", "x", w, model="lag")
    >>> fit.T, fit.N
    (5, 16)
    """
    return SpatialPanelModel(
        data, y, x, w, model, unit=unit, year=year, effects=effects,
        bias_correction=bias_correction, transform=transform,
    )  # fmt: skip
