"""Global Moran's I, Geary's C and bivariate Moran: parity with esda, inference, bad input."""

import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from spatial_data import DATASETS, gal_graph, layer, xy

import geoagglom as ga
from geoagglom.errors import InputError

TOL = 1e-10
NAMES = sorted(DATASETS)


def close(a, b, tol=TOL):
    """Absolute difference within ``tol`` (relative for values larger than 1)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))), (a, b)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


# --------------------------------------------------------------------------- #
# Published values
# --------------------------------------------------------------------------- #
def test_columbus_crime_published_values():
    _, crime = xy("columbus")
    m = ga.moran(crime, gal_graph("columbus"), permutations=0)
    assert abs(m.I - 0.500188557) < 5e-10
    assert m.EI == -1 / 48
    assert abs(m.VI_rand - 0.008689289) < 5e-10
    assert round(m.z_rand, 4) == 5.5894


def test_columbus_from_shapefile_geometry_gives_same_i():
    g = layer("columbus")
    w = ga.spatial_weights(g, "queen")
    m = ga.moran("CRIME", w, data=g, permutations=0)
    close(m.I, 0.5001885571828611)


# --------------------------------------------------------------------------- #
# Parity with esda (statistics and analytic moments, 1e-10)
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", NAMES)
def test_moran_matches_esda(name):
    _x, y = xy(name)
    w = gal_graph(name)
    ours = ga.moran(y, w, permutations=0)
    ref = esda.Moran(y, w, permutations=0)
    for a in ("I", "EI", "VI_norm", "VI_rand", "seI_norm", "seI_rand", "z_norm", "z_rand"):
        close(getattr(ours, a), getattr(ref, a))
    # esda's default p-values are two-sided normal p-values, like ours
    close(ours.p_norm, ref.p_norm)
    close(ours.p_rand, ref.p_rand)
    np.testing.assert_allclose(ours.z, ref.z, rtol=0, atol=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_geary_matches_esda(name):
    _, y = xy(name)
    w = gal_graph(name)
    ours = ga.geary(y, w, permutations=0, alternative="directed")
    ref = esda.Geary(y, w, permutations=0)
    for a in ("C", "EC", "VC_norm", "VC_rand", "seC_norm", "seC_rand", "z_norm", "z_rand"):
        close(getattr(ours, a), getattr(ref, a))
    # esda's Geary p-values are one-sided in the direction of the observed value
    close(ours.p_norm, ref.p_norm)
    close(ours.p_rand, ref.p_rand)


@pytest.mark.parametrize("name", NAMES)
def test_moran_bv_matches_esda(name):
    x, y = xy(name)
    w = gal_graph(name)
    close(ga.moran_bv(x, y, w, permutations=0).I, esda.Moran_BV(x, y, w, permutations=0).I)
    close(ga.moran_bv(y, x, w, permutations=0).I, esda.Moran_BV(y, x, w, permutations=0).I)


def test_binary_weights_match_esda():
    _, y = xy("sids2")
    wb = gal_graph("sids2").transform("b")
    ours = ga.moran(y, wb, permutations=0)
    ref = esda.Moran(y, wb, transformation="b", permutations=0)
    for a in ("I", "VI_norm", "VI_rand", "z_rand"):
        close(getattr(ours, a), getattr(ref, a))
    close(
        ga.geary(y, wb, permutations=0).C, esda.Geary(y, wb, transformation="b", permutations=0).C
    )
    # transform= re-transforms the given weights
    close(ga.moran(y, wb, permutations=0, transform="r").I, esda.Moran(y, wb, permutations=0).I)


def test_values_by_id_and_column_name():
    g = layer("columbus").copy()
    g.index = g["POLYID"].astype(str)
    w = gal_graph("columbus")
    shuffled = g["CRIME"].sample(frac=1, random_state=3)  # a Series in another order
    close(ga.moran(shuffled, w, permutations=0).I, 0.5001885571828611)
    close(ga.moran("CRIME", w, data=g, permutations=0).I, 0.5001885571828611)


# --------------------------------------------------------------------------- #
# Permutation inference: reproducible, conventions, consistent with theory
# --------------------------------------------------------------------------- #
def test_same_seed_same_numbers():
    _, y = xy("stl")
    w = gal_graph("stl")
    for f in (ga.moran, ga.geary):
        a, b = f(y, w, 199, seed=11), f(y, w, 199, seed=11)
        np.testing.assert_array_equal(a.sim, b.sim)
        assert a.p_sim == b.p_sim
        c = f(y, w, 199, seed=12)
        assert not np.array_equal(a.sim, c.sim)
    x, _ = xy("stl")
    a, b = ga.moran_bv(x, y, w, 199, seed=5), ga.moran_bv(x, y, w, 199, seed=5)
    np.testing.assert_array_equal(a.sim, b.sim)
    gen = ga.moran(y, w, 199, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(gen.sim, ga.moran(y, w, 199, seed=11).sim)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less", "directed"])
def test_p_sim_conventions(alternative):
    x, _y = xy("columbus")
    w = gal_graph("columbus")
    m = ga.moran(x, w, 499, seed=2, alternative=alternative)
    sims, obs, p = m.sim, m.I, 499
    ge, le = np.sum(sims >= obs), np.sum(sims <= obs)
    expected = {
        "greater": (ge + 1) / (p + 1),
        "less": (le + 1) / (p + 1),
        "two-sided": min(1.0, 2 * min(ge + 1, le + 1) / (p + 1)),
        # esda: one-sided in the direction of the observed value
        "directed": (min(ge, p - ge) + 1) / (p + 1),
    }[alternative]
    assert m.p_sim == expected
    z = {
        "two-sided": 2 * stats.norm.sf(abs(m.z_rand)),
        "greater": stats.norm.sf(m.z_rand),
        "less": stats.norm.cdf(m.z_rand),
        "directed": stats.norm.sf(abs(m.z_rand)),
    }[alternative]
    close(m.p_rand, z)


def test_directed_p_sim_equals_esda_rule_on_the_same_draws():
    _, y = xy("sids2")
    w = gal_graph("sids2")
    m = ga.moran(y, w, 999, seed=3, alternative="directed")
    larger = np.sum(m.sim >= m.I)
    if 999 - larger < larger:
        larger = 999 - larger
    assert m.p_sim == (larger + 1) / 1000


@pytest.mark.parametrize("name", NAMES)
def test_permutation_distribution_matches_randomisation_moments(name):
    """E[I] and Var_rand are the exact mean and variance of the permutation distribution.

    With P draws the sample mean has standard error sqrt(VI_rand / P) and the
    sample variance sqrt((mu4 - VI_rand**2) / P) (mu4 the fourth central moment,
    estimated from the draws); both must be within 4.5 standard errors (a false
    alarm has probability below 1e-5 per check; the seed is fixed anyway).
    """
    x, y = xy(name)
    w = gal_graph(name)
    p = 20_000
    m = ga.moran(y, w, p, seed=2024)
    assert abs(m.EI_sim - m.EI) <= 4.5 * np.sqrt(m.VI_rand / p)
    mu4 = np.mean((m.sim - m.sim.mean()) ** 4)
    assert abs(m.VI_sim - m.VI_rand) <= 4.5 * np.sqrt((mu4 - m.VI_rand**2) / p)
    c = ga.geary(y, w, p, seed=2024)
    assert abs(c.EC_sim - 1.0) <= 4.5 * np.sqrt(c.VC_rand / p)
    mu4 = np.mean((c.sim - c.sim.mean()) ** 4)
    assert abs(c.VC_sim - c.VC_rand) <= 4.5 * np.sqrt((mu4 - c.VC_rand**2) / p)
    # bivariate: permuting y over the units gives E[I_BV] = 0 exactly
    bv = ga.moran_bv(x, y, w, p, seed=2024)
    assert abs(bv.EI_sim) <= 4.5 * bv.seI_sim / np.sqrt(p)


def test_to_frame_and_repr():
    _, y = xy("columbus")
    m = ga.moran(y, gal_graph("columbus"), 99, seed=1)
    f = m.to_frame()
    assert f.shape[0] == 1 and f.loc[0, "I"] == m.I and f.loc[0, "statistic"] == "moran_i"
    assert m.statistic == m.I
    assert "Moran's I n=49" in repr(m) and "p_sim" in repr(m)
    assert "Geary's C" in repr(ga.geary(y, gal_graph("columbus"), 0))
    assert ga.geary(y, gal_graph("columbus"), 0).statistic < 1
    assert "bivariate" in repr(ga.moran_bv(y, y, gal_graph("columbus"), 9, seed=1))


# --------------------------------------------------------------------------- #
# Trend table over a panel
# --------------------------------------------------------------------------- #
def panel_from(name):
    g = layer(name)
    years = {"columbus": ["INC", "CRIME", "HOVAL"], "stl": ["HR7984", "HR8488", "HR8893"]}[name]
    ids = gal_graph(name).unique_ids
    return pd.concat(
        [
            pd.DataFrame({"unit": ids, "year": 2000 + k, "value": g[c].to_numpy()})
            for k, c in enumerate(years)
        ],
        ignore_index=True,
    ), years


def test_moran_trend_table():
    panel, cols = panel_from("stl")
    w = gal_graph("stl")
    t = ga.moran_trend(panel, w, "value", permutations=99, seed=1)
    assert list(t.index) == [2000, 2001, 2002]
    g = layer("stl")
    for k, c in enumerate(cols):
        ref = esda.Moran(g[c].to_numpy(), w, permutations=0)
        close(t.loc[2000 + k, "I"], ref.I)
        close(t.loc[2000 + k, "p_rand"], ref.p_rand)
        close(t.loc[2000 + k, "C"], esda.Geary(g[c].to_numpy(), w, permutations=0).C)
    # reproducible, and a year's numbers do not depend on the other years
    t2 = ga.moran_trend(panel, w, "value", permutations=99, seed=1)
    pd.testing.assert_frame_equal(t, t2)
    t3 = ga.moran_trend(panel, w, "value", permutations=99, seed=1, years=[2002])
    assert t3.loc[2002, "p_sim"] == t.loc[2002, "p_sim"]


def test_trend_bad_panel():
    panel, _ = panel_from("columbus")
    w = gal_graph("columbus")
    bad = panel.copy()
    bad.loc[(bad["unit"] == "7") & (bad["year"] == 2001), "value"] = np.nan
    with pytest.raises(InputError, match=r"year 2001: .*unit\(s\) '7'"):
        ga.moran_trend(bad, w, "value", permutations=0)
    with pytest.raises(InputError, match="lacks column"):
        ga.moran_trend(panel, w, "beta")
    dup = pd.concat([panel, panel.iloc[:1]])
    with pytest.raises(InputError, match="more than one row"):
        ga.moran_trend(dup, w, "value")


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #
def test_bad_input_messages():
    _x, y = xy("columbus")
    w = gal_graph("columbus")
    ids = w.unique_ids
    ynan = y.copy()
    ynan[[3, 10]] = np.nan
    with pytest.raises(InputError, match=r"unit\(s\) '4', '11'"):
        ga.moran(ynan, w)
    s = pd.Series(y, index=ids).drop("5")
    s["99"] = 1.0
    with pytest.raises(InputError, match=r"without a value: '5'.*not in the weights: '99'"):
        ga.moran(s, w)
    with pytest.raises(InputError, match=r"constant.*undefined"):
        ga.moran(np.full(49, 2.5), w)
    with pytest.raises(InputError, match=r"constant.*Geary"):
        ga.geary(np.full(49, 2.5), w)
    with pytest.raises(InputError, match="48 values for 49 units"):
        ga.moran(y[:-1], w)
    with pytest.raises(InputError, match="no data was given"):
        ga.moran("CRIME", w)
    with pytest.raises(InputError, match="alternative"):
        ga.moran(y, w, alternative="two.sided")
    with pytest.raises(InputError, match="permutations"):
        ga.moran(y, w, permutations=-1)
    with pytest.raises(InputError, match="RandomState"):
        ga.moran(y, w, seed=np.random.RandomState(1))


def test_fewer_than_three_units_and_islands():
    import geopandas as gpd
    import shapely

    two = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], index=["a", "b"]
    )
    w2 = ga.spatial_weights(two, "rook")
    with pytest.raises(InputError, match="at least 3 units; got 2"):
        ga.moran([1.0, 2.0], w2)
    three = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)],
        index=["a", "b", "far"],
    )
    # a graph with an island (built outside spatial_weights' island policy)
    from libpysal.graph import Graph

    g = Graph.build_contiguity(three, rook=True)
    with pytest.raises(InputError, match=r"islands.*'far'"):
        ga.moran([1.0, 2.0, 4.0], g)
