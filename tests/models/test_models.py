"""Spatial models: identities of the impacts, the per-unit effect, the large-n path, bad input.

Parity with R spatialreg is in test_spatialreg.py.
"""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W
from spatial_data import gal_graph, layer

import geoagglom as ga
from geoagglom.models import impacts as imp
from geoagglom.plot import unit_effect_map


@pytest.fixture(scope="module")
def columbus():
    g = gal_graph("columbus")
    c = layer("columbus")
    frame = pd.DataFrame(
        {"y": c["CRIME"].to_numpy(float), "x1": c["INC"].to_numpy(float),
         "x2": c["HOVAL"].to_numpy(float)},
        index=g.unique_ids,
    )  # fmt: skip
    return frame, g


@pytest.fixture(scope="module")
def sdm(columbus):
    frame, g = columbus
    return ga.spatial_model(frame, "y", ["x1", "x2"], g, model="sdm")


def test_impact_identities(sdm):
    fr = sdm.impacts(draws=500, seed=3).set_index(["variable", "impact"])
    rho = sdm.rho
    for v in ("x1", "x2"):
        b, t = sdm.coefficients[v], sdm.coefficients["W_" + v]
        total = fr.loc[(v, "total"), "estimate"]
        assert abs(total - (b + t) / (1 - rho)) < 1e-12
        d, i = fr.loc[(v, "direct"), "estimate"], fr.loc[(v, "indirect"), "estimate"]
        assert abs(d + i - total) < 1e-12


def test_exact_impacts_equal_the_dense_multiplier(sdm):
    """Direct = mean diagonal, total = mean row sum of (I - rho W)^-1 (beta I + theta W)."""
    W = sdm._sw.W.toarray()
    n = sdm.n
    A = np.linalg.inv(np.eye(n) - sdm.rho * W)
    fr = sdm.impacts(draws=0).set_index(["variable", "impact"])
    for v in ("x1", "x2"):
        S = A @ (sdm.coefficients[v] * np.eye(n) + sdm.coefficients["W_" + v] * W)
        assert abs(fr.loc[(v, "direct"), "estimate"] - np.trace(S) / n) < 1e-12
        assert abs(fr.loc[(v, "total"), "estimate"] - S.sum() / n) < 1e-12


@pytest.mark.parametrize("order", [5, 10, 20, 40])
def test_trace_impacts_converge_to_exact_within_the_truncation_error(sdm, order):
    P = sdm._pairs(sdm.coefficients)
    rho = sdm.rho
    ex = imp.exact_impacts(rho, P, sdm._sw.eigenvalues())
    tr = imp.trace_impacts(rho, P, sdm._sw.traces(order), sdm.n)
    # the remainder of the series: |rho|^q / (1 - |rho|) times the coefficients
    bound = abs(rho) ** order / (1 - abs(rho)) * np.abs(P).sum(axis=1) * (1 + 1e-9)
    for e, t in zip(ex, tr, strict=True):
        assert np.all(np.abs(e - t) <= bound + 1e-12)


def test_impact_draws_are_seeded(sdm):
    a = sdm.impacts(draws=200, seed=11)
    b = sdm.impacts(draws=200, seed=11)
    c = sdm.impacts(draws=200, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["sim_sd"], c["sim_sd"])


def test_unit_effect_columns_recover_the_impacts(sdm):
    """Averaging the own effects over all units gives the direct impact; the summed
    columns average to the total."""
    own, tot = [], []
    for u in sdm.ids:
        fr = sdm.unit_effect("x1", u, draws=0)
        own.append(fr.loc[u, "effect"])
        tot.append(fr["effect"].sum())
        summ = fr.attrs["summary"].set_index("part")["effect"]
        assert abs(summ["own"] + summ["neighbours"] + summ["beyond"] - summ["all"]) < 1e-12
    fr_imp = sdm.impacts(draws=0).set_index(["variable", "impact"])
    assert abs(np.mean(own) - fr_imp.loc[("x1", "direct"), "estimate"]) < 1e-10
    assert abs(np.mean(tot) - fr_imp.loc[("x1", "total"), "estimate"]) < 1e-10


def test_unit_effect_draws_and_orders(sdm):
    u = sdm.ids[0]
    fr = sdm.unit_effect("x2", u, draws=400, seed=5)
    assert fr.loc[u, "order"] == 0
    nbrs = set(sdm._sw.ids[sdm._sw.W[[0]].indices])
    assert set(fr.index[fr["order"] == 1]) == nbrs
    assert (fr["ci_lower"] <= fr["ci_upper"]).all()
    # the power series of the draws equals the exact solve at the point estimate
    assert np.all(np.abs(fr["sim_mean"] - fr["effect"]) < 5 * fr["sim_sd"] / np.sqrt(400) + 1e-12)
    summ = fr.attrs["summary"].set_index("part")
    assert summ.loc["all", "units"] == sdm.n


def test_unit_effect_map(columbus):
    frame, g = columbus
    c = layer("columbus").set_crs(3857, allow_override=True)
    c.index = g.unique_ids
    fit = ga.spatial_model(frame, "y", ["x1", "x2"], g, model="sdm")
    u = g.unique_ids[10]
    fr = fit.unit_effect("x1", u, draws=300, seed=1)
    fig = unit_effect_map(c, fr, note="test")
    assert fig.geoagglom_focal == u
    lo, hi = fr["ci_lower"], fr["ci_upper"]
    assert set(fig.geoagglom_insignificant) == set(fr.index[(lo <= 0) & (hi >= 0)])
    ax = fig.axes[0]
    assert any(p.get_gid() == "focal-unit" for p in ax.patches)
    plt.close(fig)


def test_slx_and_sdem_impacts_are_the_coefficients(columbus):
    frame, g = columbus
    for m in ("slx", "sdem"):
        fit = ga.spatial_model(frame, "y", ["x1", "x2"], g, model=m)
        fr = fit.impacts().set_index(["variable", "impact"])
        for v in ("x1", "x2"):
            assert fr.loc[(v, "direct"), "estimate"] == fit.coefficients[v]
            assert fr.loc[(v, "indirect"), "estimate"] == fit.coefficients["W_" + v]


def test_large_n_path_agrees_with_eigen_path():
    """1,600 units (> 1,500): LU log-determinant, observed information, Monte Carlo traces."""
    w = lat2W(40, 40, rook=False)
    w.transform = "r"
    rng = np.random.default_rng(2024)
    n = w.n
    x = rng.normal(size=(n, 2))
    W = np.zeros((n, n))
    for i, nb in w.neighbors.items():
        W[i, nb] = 1 / len(nb)
    A = np.linalg.inv(np.eye(n) - 0.5 * W)
    y = A @ (1 + x @ [1.0, -1.0] + W @ x @ [0.5, 0.3] + rng.normal(size=n))
    df = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1]}, index=w.id_order)
    big = ga.spatial_model(df, "y", ["x1", "x2"], w, model="sdm")
    assert not big._sw.small
    from geoagglom.models import _spatial

    old = _spatial.SMALL_N
    _spatial.SMALL_N = 10_000
    try:
        ref = ga.spatial_model(df, "y", ["x1", "x2"], w, model="sdm")
        assert ref._sw.small
        np.testing.assert_allclose(big._sw.logdet(0.37), ref._sw.logdet(0.37), rtol=1e-10)
        ref_imp = ref.impacts(draws=0).set_index(["variable", "impact"])["estimate"]
    finally:
        _spatial.SMALL_N = old
    assert abs(big.rho - ref.rho) < 1e-6
    np.testing.assert_allclose(big.coefficients, ref.coefficients, atol=1e-6)
    # observed vs expected information: close, not equal
    np.testing.assert_allclose(big.se, ref.se, rtol=0.05)
    big_imp = big.impacts(draws=200, seed=1).set_index(["variable", "impact"])["estimate"]
    # Monte Carlo traces (50 probes) vs exact
    np.testing.assert_allclose(big_imp, ref_imp, rtol=0.02, atol=0.01)


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #
def test_collinear_regressors_are_named(columbus):
    frame, g = columbus
    bad = frame.assign(x3=2 * frame["x1"] - frame["x2"])
    with pytest.raises(ga.CollinearityError, match="x3") as e:
        ga.spatial_model(bad, "y", ["x1", "x2", "x3"], g, model="lag")
    assert "x1" in str(e.value) and "x2" in str(e.value)
    assert isinstance(e.value, ga.InputError)
    const = frame.assign(c=5.0)
    with pytest.raises(ga.CollinearityError, match="const"):
        ga.spatial_model(const, "y", ["x1", "c"], g, model="lag")


def test_island_is_named(columbus):
    from libpysal.weights import W

    frame, g = columbus
    first = g.unique_ids[0]
    nbrs = {u: [v for v in g.neighbors[u] if v != first] for u in g.unique_ids}
    nbrs[first] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(nbrs, silence_warnings=True)
    with pytest.raises(ga.IslandError, match=repr(first)):
        ga.spatial_model(frame, "y", ["x1"], w, model="sdm")


def test_missing_values_name_the_units(columbus):
    frame, g = columbus
    bad = frame.copy()
    u1, u2 = g.unique_ids[3], g.unique_ids[7]
    bad.loc[u1, "x1"] = np.nan
    bad.loc[u2, "y"] = np.inf
    with pytest.raises(ga.MissingValuesError) as e:
        ga.spatial_model(bad, "y", ["x1", "x2"], g)
    msg = str(e.value)
    assert f"x1: {u1!r}" in msg and f"y: {u2!r}" in msg


def test_too_few_units():
    w = lat2W(2, 3)
    w.transform = "r"
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(6, 3)), columns=["y", "a", "b"], index=w.id_order)
    with pytest.raises(ga.TooFewUnitsError, match="7 parameters"):
        ga.spatial_model(df, "y", ["a", "b"], w, model="sdm")


def test_interval_containing_a_singular_point(columbus):
    frame, g = columbus
    with pytest.raises(ga.SingularFilterError, match="singular"):
        ga.spatial_model(frame, "y", ["x1"], g, model="lag", interval=(-0.5, 1.5))


def test_singular_filter_at_rho_one_large_n():
    from geoagglom.models._spatial import _SpatialW

    w = lat2W(40, 40)
    w.transform = "r"
    sw = _SpatialW(w)
    assert not sw.small
    with pytest.raises(ga.SingularFilterError, match="singular"):
        sw.check_invertible(1.0)


def test_rho_at_the_bound(sdm, columbus):
    """An interval that excludes the likelihood's maximum: the estimate sits on its bound."""
    frame, g = columbus
    assert sdm.rho > 0.2
    with pytest.raises(ga.BoundaryEstimateError, match="bound"):
        ga.spatial_model(frame, "y", ["x1", "x2"], g, model="sdm", interval=(-0.1, 0.1))


def test_unknown_model_and_regressor(sdm, columbus):
    frame, g = columbus
    with pytest.raises(ga.InputError, match="model"):
        ga.spatial_model(frame, "y", ["x1"], g, model="sar")
    with pytest.raises(ga.InputError, match="regressor"):
        sdm.unit_effect("x9", sdm.ids[0])
    with pytest.raises(ga.InputError, match="unit"):
        sdm.unit_effect("x1", "nowhere")
    err = ga.spatial_model(frame, "y", ["x1"], g, model="error")
    with pytest.raises(ga.InputError, match="no spillover"):
        err.impacts()
