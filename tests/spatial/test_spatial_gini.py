"""Tests of geoagglom.spatial.spatial_gini against PySAL inequality's Gini_Spatial."""

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini_Spatial
from libpysal.graph import Graph

from geoagglom import InputError
from geoagglom.spatial.significance import _perm_p
from geoagglom.spatial.spatial_gini import spatial_gini

YEARS = list(range(1940, 2010, 10))
PARTITIONS = ["hanson03", "hanson98", "esquivel99", "inegi", "inegi2"]


@pytest.fixture(scope="module")
def mexico():
    return pd.read_csv(libpysal.examples.get_path("mexico.csv"))


def _legacy_shuffles(seed, n, permutations):
    """The permutations Gini_Spatial draws: numpy.random.shuffle of one id array, repeated."""
    np.random.seed(seed)  # noqa: NPY002 - reproducing the peer's global legacy stream
    ids = np.arange(n)
    out = []
    for _ in range(permutations):
        np.random.shuffle(ids)  # noqa: NPY002
        out.append(ids.copy())
    return np.array(out)


def test_parity_gini_spatial_regional_weights_same_permutations(mexico):
    worst = {"g": 0.0, "share": 0.0, "wg_rel": 0.0, "wcgp_rel": 0.0}
    for col in PARTITIONS:
        w = libpysal.weights.block_weights(mexico[col].to_numpy(), silence_warnings=True)
        for year in YEARS:
            y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
            np.random.seed(12345)  # noqa: NPY002
            ref = Gini_Spatial(y, w, permutations=99)
            ours = spatial_gini(y, w, permutations=0)
            worst["g"] = max(worst["g"], abs(ours.g - ref.g))
            worst["share"] = max(worst["share"], abs(ours.wcg_share - ref.wcg_share))
            worst["wg_rel"] = max(
                worst["wg_rel"], abs(ours.wg - ref.wg) / ref.wg, abs(ours.wcg - ref.wcg) / ref.wcg
            )
            assert ours.polarization == pytest.approx(ref.polarization, rel=1e-12)
            assert ours.gini_neighbors + ours.gini_non_neighbors == pytest.approx(ours.g, rel=1e-13)
            # The same permutations give the same null values and the same p-value.
            perms = _legacy_shuffles(12345, len(y), 99)
            sims = ours.wcg_of(perms)
            worst["wcgp_rel"] = max(worst["wcgp_rel"], np.max(np.abs(sims - ref.wcgp) / ref.wcgp))
            greater = np.sum(sims >= ours.wcg)
            assert _perm_p(greater, 0, 99, "directed") == ref.p_sim
            assert sims.mean() == pytest.approx(ref.e_wcg, rel=1e-12)
    print("max errors vs Gini_Spatial:", worst)
    assert worst["g"] <= 1e-10 and worst["share"] <= 1e-10
    assert worst["wg_rel"] <= 1e-12 and worst["wcgp_rel"] <= 1e-12


def test_published_peer_values_hanson98_1940(mexico):
    """The values in inequality's own test of Gini_Spatial (mexico, hanson98, 1940)."""
    w = libpysal.weights.block_weights(mexico["hanson98"].to_numpy(), silence_warnings=True)
    ours = spatial_gini(mexico["pcgdp1940"].to_numpy(dtype=float), w, permutations=0)
    assert ours.g == pytest.approx(0.35372371173452849, abs=1e-12)
    assert ours.wg == 884130.0 and ours.wcg == 4353856.0


def test_contiguity_weights_and_monte_carlo_p(mexico):
    """Queen contiguity of mexicojoin: levels equal; p_sim within Monte Carlo error."""
    gdf = gpd.read_file(libpysal.examples.get_path("mexicojoin.shp"))
    w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False)
    graph = Graph.from_W(w)
    y = gdf["PCGDP1940"].to_numpy(dtype=float)
    np.random.seed(1)  # noqa: NPY002
    ref = Gini_Spatial(y, w, permutations=999)
    ours = spatial_gini(y, graph, permutations=999, seed=1)
    assert ours.wg == pytest.approx(ref.wg, rel=1e-12)
    assert ours.g == pytest.approx(ref.g, abs=1e-12)
    # Different random streams: the two p-values are independent estimates of the
    # same probability; 4 standard errors of their difference.
    p = (ours.p_sim + ref.p_sim) / 2
    assert abs(ours.p_sim - ref.p_sim) <= 4 * np.sqrt(2 * p * (1 - p) / 999) + 2 / 1000
    assert abs(ours.e_wcg - ref.e_wcg) <= 4 * np.sqrt(2 / 999) * ref.s_wcg


def test_seeded_repeatability_and_frame(mexico):
    w = libpysal.weights.block_weights(mexico["inegi"].to_numpy(), silence_warnings=True)
    a = spatial_gini("pcgdp1980", w, permutations=199, seed=3, data=mexico)
    b = spatial_gini("pcgdp1980", w, permutations=199, seed=3, data=mexico)
    np.testing.assert_array_equal(a.sim, b.sim)
    assert a.p_sim == b.p_sim and 0 < a.p_sim <= 1
    row = a.to_frame().iloc[0]
    assert row["statistic"] == "spatial_gini" and row["g"] == a.statistic


def test_hand_worked_path():
    # y = 1, 2, 3, 4 on a path 0-1-2-3. All ordered pairs: Σ|y_i − y_j| = 2 · (1+2+3+1+2+1) = 20,
    # μ = 2.5, den = 2 · 16 · 2.5 = 80, g = 20/80 = 0.25. Neighbour pairs (0,1), (1,2), (2,3),
    # each |Δ| = 1, both orders: wg = 6, wcg = 14.
    g = Graph.from_dicts({0: [1], 1: [0, 2], 2: [1, 3], 3: [2]})
    s = spatial_gini(np.array([1.0, 2.0, 3.0, 4.0]), g, permutations=0)
    assert (s.wg, s.wcg, s.den) == (6.0, 14.0, 80.0)
    assert s.gini_neighbors == 6 / 80 and s.gini_non_neighbors == 14 / 80
    # polarization = (14/6) · (3 neighbour pairs / 3 non-neighbour pairs)
    assert s.polarization == pytest.approx(14 / 6, rel=1e-15)


def test_errors():
    g = Graph.from_dicts({0: [1], 1: [0, 2], 2: [1, 3], 3: [2]})
    with pytest.raises(InputError, match="negative"):
        spatial_gini(pd.Series([1.0, -2.0, 3.0, 4.0], index=[0, 1, 2, 3]), g)
    with pytest.raises(InputError, match="4 units"):
        spatial_gini(np.array([1.0, 2.0, 3.0]), g)
    with pytest.raises(InputError, match="permutations"):
        spatial_gini(np.array([1.0, 2.0, 3.0, 4.0]), g, permutations=-1)
