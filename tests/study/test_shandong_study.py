"""The Shandong study on the real bundled data: 17 cities (2004-2016 layer), the
"two circles and four areas" grouping, and the illustrative deposit/loan table of
the example, matched to the layer by city name.

The references are computed here, independently of geoagglom's measures: the
entropies by hand with numpy/pandas (beta = (D_i/S_i)/(D/S), region totals by
groupby sums), the indices with PySAL ``inequality`` (Theil, TheilD, Gini).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

import geoagglom

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "examples"
    / "shandong_two_circles_four_areas"
    / "illustrative_data.csv"
)
DEPOSITS = "年末金融机构存款余额(万元)"
LOANS = "年末金融机构各项贷款余额(万元)"
GROWTH = "地区生产总值增长率(%)"
YEARS = list(range(2004, 2017))
REGIONS = {
    "Jinan circle": {370100, 370300, 370900, 371200, 371400, 371500},
    "Qingdao circle": {370200, 370700},
    "Yantai-Weihai area": {370600, 371000},
    "Dongying-Binzhou area": {370500, 371600},
    "Jining-Zaozhuang-Heze area": {370800, 370400, 371700},
    "Linyi-Rizhao area": {371300, 371100},
}


@pytest.fixture(scope="module")
def grouping():
    return geoagglom.load_grouping("shandong-two-circles-four-areas")


@pytest.fixture(scope="module")
def regions(shandong_old, grouping):
    return geoagglom.dissolve_regions(shandong_old, grouping)


@pytest.fixture(scope="module")
def table(shandong_old):
    """The example's yearbook-style table, matched to adcodes; deposits + loans summed."""
    raw = pd.read_csv(EXAMPLE, comment="#")
    matched = geoagglom.match_units(raw, shandong_old, column="城市", year="年份")
    out = matched.table.copy()
    out["balance"] = out[DEPOSITS] + out[LOANS]
    return out


@pytest.fixture(scope="module")
def hand(shandong_old, grouping, table):
    """Per year, the cities' and the regions' entropies computed by hand."""
    area = shandong_old["area_km2"]
    region = grouping["region"].reindex(area.index)
    out = {}
    for year in YEARS:
        d = table[table["年份"] == year].set_index("adcode")["balance"].reindex(area.index)
        d = d.astype(float)
        beta = (d / area) / (d.sum() / area.sum())
        d_k = d.groupby(region).sum()
        s_k = area.groupby(region).sum()
        beta_k = (d_k / s_k) / (d.sum() / area.sum())
        out[year] = {"beta": beta, "region": region, "beta_k": beta_k}
    return out


# --------------------------------------------------------------------------- the data


def test_layer_17_cities(shandong_old):
    assert len(shandong_old) == 17
    assert shandong_old.index.name == "adcode"
    assert pd.api.types.is_integer_dtype(shandong_old.index)
    assert shandong_old.index.is_unique
    assert shandong_old.crs.to_epsg() == 4326
    assert (shandong_old["area_km2"] > 0).all()
    assert 371200 in shandong_old.index  # Laiwu, merged into Jinan in 2019
    assert shandong_old.loc[371200, "name_zh"] == "莱芜市"
    # The areas are the geodesic areas of the layer's own geometries (pyproj's Geod,
    # independent of geoagglom's area code).
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    independent = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in shandong_old.geometry]
    np.testing.assert_allclose(shandong_old["area_km2"].to_numpy(), independent, rtol=1e-6)
    # Shandong's land area is about 155,800 km².
    assert shandong_old["area_km2"].sum() == pytest.approx(155_800, rel=0.03)


def test_grouping_two_circles_four_areas(shandong_old, grouping):
    assert grouping.index.name == "adcode"
    assert {"region", "region_zh"} <= set(grouping.columns)
    assert sorted(grouping.index) == sorted(shandong_old.index)
    assert grouping["region"].nunique() == 6
    assert grouping["region_zh"].nunique() == 6
    members = {r: set(idx) for r, idx in grouping.groupby("region").groups.items()}
    assert members == REGIONS


# --------------------------------------------------------------------------- dissolve


def test_dissolve_six_regions_every_unit_kept(shandong_old, grouping, regions):
    assert len(regions) == 6
    assert regions.index.name == "region"
    assert regions.attrs["union_method"] == "coverage"
    assert regions.crs == shandong_old.crs
    members = regions.attrs["members"]
    assert {r: set(m) for r, m in members.items()} == REGIONS
    listed = [u for m in members.values() for u in m]
    assert sorted(listed) == sorted(shandong_old.index)  # none lost, none twice
    assert regions["n_units"].to_dict() == {r: len(m) for r, m in REGIONS.items()}
    assert regions["n_units"].sum() == 17


def test_dissolve_areas_equal_sums_of_unit_areas(shandong_old, grouping, regions):
    sums = shandong_old["area_km2"].groupby(grouping["region"]).sum()
    sums = sums.reindex(regions.index)
    np.testing.assert_allclose(regions["area_km2"], sums, rtol=0, atol=1e-9)
    # The geodesic area of each dissolved geometry agrees with the sum: the layer
    # is a clean coverage (no gaps, no overlaps between the cities).
    geodesic = geoagglom.land_area(regions.geometry).reindex(regions.index)
    assert float(((geodesic - sums) / sums).abs().max()) <= 1e-9
    np.testing.assert_allclose(regions["area_geometry_km2"], geodesic, rtol=1e-12)
    assert regions["area_km2"].sum() == pytest.approx(shandong_old["area_km2"].sum(), rel=1e-14)


def test_dissolve_geometry_is_the_union_of_members(shandong_old, regions):
    for region, members in regions.attrs["members"].items():
        ours = regions.geometry.loc[region]
        ref = shapely.union_all(shandong_old.geometry.loc[members].to_numpy())
        diff = shapely.area(shapely.symmetric_difference(ours, ref))
        assert diff <= 1e-9 * shapely.area(ref), region


# --------------------------------------------------------------------------- matching


def test_match_city_names_to_adcodes(shandong_old):
    raw = pd.read_csv(EXAMPLE, comment="#")
    assert list(raw.columns) == ["城市", "年份", DEPOSITS, LOANS, GROWTH]
    assert sorted(raw["年份"].unique()) == YEARS
    result = geoagglom.match_units(raw, shandong_old, column="城市", year="年份")
    assert len(result.missing_units) == 0
    assert (result.report["status"] == "matched").all()
    assert len(result.report) == 17
    out = result.table
    assert len(out) == len(raw) == 17 * len(YEARS)
    names = shandong_old["name_zh"].reindex(out["adcode"]).to_numpy()
    assert (names == out["城市"].to_numpy()).all()
    assert not out.duplicated(["adcode", "年份"]).any()


# --------------------------------------------------------------------------- Table I


def test_table_regions_against_hand_and_pysal(shandong_old, grouping, table, hand):
    t1 = geoagglom.table_regions(
        shandong_old, table, grouping, "balance", unit="adcode", year="年份"
    )
    assert list(t1.columns) == ["年份", "n_regions", "gini", "theil_T"]
    assert t1["年份"].tolist() == YEARS
    assert (t1["n_regions"] == 6).all()
    worst = 0.0
    for _, row in t1.iterrows():
        beta_k = hand[row["年份"]]["beta_k"].to_numpy()
        worst = max(
            worst,
            abs(row["gini"] - Gini(beta_k).g),
            abs(row["theil_T"] - float(Theil(beta_k).T)),
        )
    assert worst <= 1e-10


def test_region_entropy_against_hand(shandong_old, grouping, table, hand):
    ent = geoagglom.region_entropy(
        shandong_old, table, grouping, [DEPOSITS, LOANS], unit="adcode", year="年份"
    )
    assert len(ent) == 6 * len(YEARS)
    for year, part in ent.groupby("年份"):
        part = part.set_index("region")
        ref = hand[year]["beta_k"].reindex(part.index)
        np.testing.assert_allclose(part["beta"], ref, rtol=1e-12)
        # The area-weighted mean of the regions' betas is 1.
        mean = (part["beta"] * part["area_km2"]).sum() / part["area_km2"].sum()
        assert mean == pytest.approx(1.0, rel=1e-13)


# --------------------------------------------------------------------------- Table II


def test_table_decomposition_against_hand_and_pysal(shandong_old, grouping, table, hand):
    t2 = geoagglom.table_decomposition(
        shandong_old, table, grouping, "balance", unit="adcode", year="年份"
    )
    first = ["年份", "total", "within", "within_share", "between", "between_share"]
    assert list(t2.columns[:6]) == first
    assert t2["年份"].tolist() == YEARS
    worst = 0.0
    for _, row in t2.iterrows():
        h = hand[row["年份"]]
        beta, region = h["beta"].to_numpy(), h["region"].to_numpy()
        ref = TheilD(beta, region)
        # Within computed directly: sum over regions of s_k * T_k.
        s = beta / beta.sum()
        within = 0.0
        for k in np.unique(region):
            members = region == k
            within += s[members].sum() * float(Theil(beta[members]).T)
        worst = max(
            worst,
            abs(row["total"] - float(Theil(beta).T)),
            abs(row["total"] - float(ref.T)),
            abs(row["between"] - float(ref.bg[0])),
            abs(row["within"] - float(ref.wg[0])),
            abs(row["within"] - within),
        )
        assert abs(row["within"] + row["between"] - row["total"]) <= 1e-12 * row["total"]
        assert row["within_share"] + row["between_share"] == pytest.approx(1.0, abs=1e-12)
        assert row["within_share"] == pytest.approx(row["within"] / row["total"], rel=1e-14)
        assert row["between_share"] == pytest.approx(row["between"] / row["total"], rel=1e-14)
        assert row["n"] == 17
        assert row["n_groups"] == 6
    assert worst <= 1e-10


def test_table_decomposition_theil_l_against_hand(shandong_old, grouping, table, hand):
    """Theil L (GE(0)): within = Σ p_k L_k, between = Σ p_k ln(p_k / s_k), by hand."""
    t2 = geoagglom.table_decomposition(
        shandong_old, table, grouping, "balance", unit="adcode", year="年份", kind="L"
    )
    for _, row in t2.iterrows():
        h = hand[row["年份"]]
        beta, region = h["beta"].to_numpy(), h["region"].to_numpy()
        total = float(np.mean(np.log(beta.mean() / beta)))
        within = between = 0.0
        for k in np.unique(region):
            y = beta[region == k]
            p_k, s_k = len(y) / len(beta), y.sum() / beta.sum()
            within += p_k * float(np.mean(np.log(y.mean() / y)))
            between += p_k * np.log(p_k / s_k)
        assert abs(row["total"] - total) <= 1e-10
        assert abs(row["within"] - within) <= 1e-10
        assert abs(row["between"] - between) <= 1e-10
        assert abs(row["within"] + row["between"] - row["total"]) <= 1e-12 * row["total"]
        assert row["within_share"] + row["between_share"] == pytest.approx(1.0, abs=1e-12)


def test_table_decomposition_gini_on_shandong(shandong_old, grouping, table, hand):
    t2 = geoagglom.table_decomposition(
        shandong_old, table, grouping, "balance", unit="adcode", year="年份", measure="gini"
    )
    for _, row in t2.iterrows():
        beta = hand[row["年份"]]["beta"].to_numpy()
        assert abs(row["total"] - Gini(beta).g) <= 1e-10
        parts = row["within"] + row["net_between"] + row["transvariation"]
        assert abs(parts - row["total"]) <= 1e-12 * row["total"]
        shares = row["within_share"] + row["net_between_share"] + row["transvariation_share"]
        assert shares == pytest.approx(1.0, abs=1e-12)
