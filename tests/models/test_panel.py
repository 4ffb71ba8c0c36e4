"""Spatial panel models with fixed effects.

Reference: the fixed-effects panel model equals the cross-section model on the
stacked panel with a block-diagonal W (I_T kron W) and unit (and year) dummies
(Frisch–Waugh): same rho, same slopes, same log-likelihood.
"""

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W, lat2W

import geoagglom as ga
from geoagglom.models.panel import spatial_panel_model


@pytest.fixture(scope="module")
def panel():
    w = lat2W(4, 4, rook=False)
    w.transform = "r"
    rng = np.random.default_rng(20261130)
    N, T = w.n, 6
    Wd = np.zeros((N, N))
    for i, nb in w.neighbors.items():
        Wd[i, nb] = 1 / len(nb)
    mu = rng.normal(size=N)
    rows = []
    for t in range(T):
        x = rng.normal(size=(N, 2))
        rhs = mu + 0.3 * t + x @ [1.0, -0.5] + Wd @ x @ [0.4, 0.1] + rng.normal(size=N)
        y = np.linalg.solve(np.eye(N) - 0.4 * Wd, rhs)
        for i in range(N):
            rows.append((i, 2000 + t, y[i], x[i, 0], x[i, 1]))
    df = pd.DataFrame(rows, columns=["unit", "year", "y", "x1", "x2"])
    return df, w, Wd


def _stacked(df, w, Wd, effects):
    N = w.n
    years = sorted(df["year"].unique())
    nb = {}
    for t in range(len(years)):
        for i, js in w.neighbors.items():
            nb[f"{t}-{i}"] = [f"{t}-{j}" for j in js]
    big = W(nb, silence_warnings=True)
    big.transform = "r"
    d = df.sort_values(["year", "unit"]).reset_index(drop=True)
    d.index = [f"{years.index(yr)}-{u}" for yr, u in zip(d["year"], d["unit"], strict=True)]
    for c in ("x1", "x2"):
        d["W" + c] = np.concatenate([Wd @ d.loc[d["year"] == yr, c].to_numpy() for yr in years])
    dummies = []
    for i in range(1, N):
        d[f"u{i}"] = (d["unit"] == i).astype(float)
        dummies.append(f"u{i}")
    if effects == "twoway":
        for yr in years[1:]:
            d[f"t{yr}"] = (d["year"] == yr).astype(float)
            dummies.append(f"t{yr}")
    return d, big, dummies


@pytest.mark.parametrize("effects", ["unit", "twoway"])
@pytest.mark.parametrize("model", ["sdm", "lag"])
def test_panel_equals_stacked_cross_section_with_dummies(panel, effects, model):
    df, w, Wd = panel
    fit = spatial_panel_model(df, "y", ["x1", "x2"], w, model=model, effects=effects)
    d, big, dummies = _stacked(df, w, Wd, effects)
    xs = ["x1", "x2"] + (["Wx1", "Wx2"] if model == "sdm" else [])
    ref = ga.spatial_model(d, "y", xs + dummies, big, model="lag")
    assert abs(fit.rho - ref.rho) < 1e-7
    np.testing.assert_allclose(fit.coefficients.to_numpy(), ref.coefficients[xs], atol=1e-6)
    assert abs(fit.log_likelihood - ref.log_likelihood) < 1e-7
    assert abs(fit.sigma2 - ref.sigma2) < 1e-9
    # SEs: the dummies enter the reference's information matrix; close, not identical
    np.testing.assert_allclose(fit.se.to_numpy(), ref.se[xs], rtol=0.1)


def test_panel_slx_equals_stacked_least_squares(panel):
    df, w, Wd = panel
    fit = spatial_panel_model(df, "y", ["x1", "x2"], w, model="slx")
    d, _big, dummies = _stacked(df, w, Wd, "unit")
    Z = np.column_stack([np.ones(len(d)), d[["x1", "x2", "Wx1", "Wx2", *dummies]].to_numpy()])
    coef = np.linalg.lstsq(Z, d["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.coefficients.to_numpy(), coef[1:5], atol=1e-10)


def test_panel_impacts_identities_and_bias_correction(panel):
    df, w, _ = panel
    fit = spatial_panel_model(df, "y", ["x1", "x2"], w, model="sdm")
    fr = fit.impacts(draws=300, seed=2).set_index(["variable", "impact"])
    for v in ("x1", "x2"):
        b, t = fit.coefficients[v], fit.coefficients["W_" + v]
        assert abs(fr.loc[(v, "total"), "estimate"] - (b + t) / (1 - fit.rho)) < 1e-12
    corr = spatial_panel_model(df, "y", ["x1", "x2"], w, model="sdm", bias_correction=True)
    assert abs(corr.sigma2 - fit.sigma2 * fit.T / (fit.T - 1)) < 1e-12
    assert corr.rho == fit.rho
    assert (corr.se > fit.se).all()
    eff = fit.unit_effect("x1", 5, draws=0)
    assert eff.loc[5, "order"] == 0


def test_panel_bad_input(panel):
    df, w, _ = panel
    with pytest.raises(ga.InputError, match="not balanced"):
        spatial_panel_model(df.iloc[1:], "y", ["x1"], w)
    bad = df.copy()
    bad.loc[3, "x1"] = np.nan
    with pytest.raises(ga.MissingValuesError, match=r"\(2000, 3\)"):
        spatial_panel_model(bad, "y", ["x1"], w)
    const = df.assign(z=df["unit"] * 1.0)  # time-invariant: absorbed by the unit effects
    with pytest.raises(ga.CollinearityError, match="z"):
        spatial_panel_model(const, "y", ["x1", "z"], w, model="lag")
    with pytest.raises(ga.InputError, match="error"):
        spatial_panel_model(df, "y", ["x1"], w, model="error")
    with pytest.raises(ga.InputError, match="effects"):
        spatial_panel_model(df, "y", ["x1"], w, effects="time")
