"""End-to-end runs of the examples under examples/, checked against independent
computations: the published loan figures, hand-computed areas, entropies and
shares, and PySAL ``inequality`` for the Gini and Theil indices.
"""

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran
from inequality.atkinson import Atkinson
from inequality.gini import Gini
from inequality.theil import Theil, TheilD
from libpysal.graph import Graph

import geoagglom
from geoagglom import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# DESIGN.md, "Data sources": loan balances, 100 million yuan, 2011 and 2020.
PUBLISHED_LOANS = {
    "Yangtze River Delta": (103432.04, 292941.17),
    "Beijing-Tianjin-Hebei": (56643.02, 153226.78),
    "Pearl River Delta": (46142.18, 151571.47),
    "Middle reaches of the Yangtze": (27180.83, 96401.77),
    "Chengdu-Chongqing": (27536.52, 52108.55),
    "Central Plains": (8672.70, 36842.08),
    "Guanzhong Plain": (9169.92, 31974.31),
    "Harbin-Changchun": (11362.93, 31387.61),
    "Beibu Gulf": (9037.09, 28254.56),
    "Lanzhou-Xining": (4068.65, 15246.30),
    "Hohhot-Baotou-Ordos-Yulin": (6075.41, 14163.85),
}
OVERLAPS = {140800: 2, 130400: 2, 130500: 2}  # 运城, 邯郸, 邢台: in two agglomerations each


def load_example(name):
    """The example's run.py as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / name / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_files(result, out_dir, expected):
    names = sorted(p.name for p in result["files"])
    assert names == sorted(expected)
    assert sorted(os.listdir(out_dir)) == names
    for path in result["files"]:
        assert path.parent == Path(out_dir).resolve()
        assert path.stat().st_size > 0, path
    # Nothing is left beside the output folder (temporary or set-aside folders).
    assert os.listdir(Path(out_dir).parent) == [Path(out_dir).name]


# --------------------------------------------------------------------------- #
# Urban agglomerations
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def urban_module():
    return load_example("urban_agglomerations")


@pytest.fixture(scope="module")
def urban_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("urban") / "out"


@pytest.fixture(scope="module")
def urban(urban_module, urban_dir):
    return urban_module.run(urban_dir)


@pytest.fixture(scope="module")
def urban_entropy(urban):
    return urban["entropy"].pivot(index="agglomeration", columns="year")


def test_urban_files(urban, urban_dir):
    expected = [
        f"{name}.csv"
        for name in (
            "members",
            "agglomerations",
            "entropy",
            "inequality",
            "growth",
            "published_table",
            "top_shares",
            "region_decomposition",
        )
    ]
    expected += ["agglomerations.geojson", "map_entropy_2020.png", "map_entropy_2020.svg"]
    check_files(urban, urban_dir, expected)
    written = pd.read_csv(urban_dir / "entropy.csv")
    pd.testing.assert_frame_equal(written, urban["entropy"], check_dtype=False)


def test_urban_loans_are_the_published_ones(urban, urban_entropy):
    loans = pd.read_csv(EXAMPLES / "urban_agglomerations" / "loans.csv", comment="#")
    assert len(loans) == 22
    for name, (l2011, l2020) in PUBLISHED_LOANS.items():
        assert urban_entropy.loc[name, ("loans_100m_yuan", 2011)] == l2011
        assert urban_entropy.loc[name, ("loans_100m_yuan", 2020)] == l2020
    assert set(urban_entropy.index) == set(PUBLISHED_LOANS)


def test_urban_membership(urban):
    members = urban["members"]
    counts = members.groupby("agglomeration").size()
    assert counts.sum() == 175
    assert counts["Yangtze River Delta"] == 26
    assert counts["Beijing-Tianjin-Hebei"] == 13
    assert counts["Pearl River Delta"] == 9
    shared = members["adcode"].value_counts()
    assert shared[shared > 1].to_dict() == OVERLAPS


def test_urban_areas(urban, china):
    regions = urban["regions"]
    members = urban["members"]
    # Independently: the sum of the members' areas as bundled in the layer.
    sums = members.groupby("agglomeration")["adcode"].agg(
        lambda ids: math.fsum(china.loc[ids, "area_km2"])
    )
    assert (regions["area_km2"] > 0).all()
    np.testing.assert_allclose(regions["area_km2"], sums.loc[regions.index], rtol=1e-12)
    # No unit appears twice within one agglomeration, so the dissolved outline has
    # exactly the summed geodesic area of its (simplified) member outlines ...
    assert not members.duplicated(["agglomeration", "adcode"]).any()
    outline_sums = members.groupby("agglomeration")["adcode"].agg(
        lambda ids: geoagglom.land_area(china.loc[ids]).sum()
    )
    np.testing.assert_allclose(
        regions["area_geometry_km2"], outline_sums.loc[regions.index], rtol=1e-9
    )
    # ... and the simplification changes the areas by less than 0.1 %.
    np.testing.assert_allclose(regions["area_geometry_km2"], regions["area_km2"], rtol=1e-3)


def test_urban_entropy(urban, urban_entropy):
    areas = urban["regions"]["area_km2"]
    for year in (2011, 2020):
        loans = urban_entropy[("loans_100m_yuan", year)]
        s = areas.loc[loans.index]
        beta = urban_entropy[("beta", year)]
        hand = (loans / s) / (loans.sum() / s.sum())
        np.testing.assert_allclose(beta, hand, rtol=1e-12)
        # The area-weighted mean of the entropies is 1.
        assert math.isclose(np.sum(s * beta) / s.sum(), 1.0, rel_tol=1e-12)
    # The Pearl River Delta is the densest, above the mean, both years.
    assert (urban_entropy["beta"].idxmax() == "Pearl River Delta").all()


def test_urban_inequality_matches_pysal(urban, urban_entropy):
    table = urban["inequality"].set_index("year")
    for year in (2011, 2020):
        beta = urban_entropy[("beta", year)].to_numpy()
        assert abs(table.loc[year, "gini"] - Gini(beta).g) <= 1e-10
        assert abs(table.loc[year, "theil_t"] - Theil(beta).T) <= 1e-10
        # Theil L is the log of Atkinson's index with epsilon = 1: L = -ln(1 - A).
        assert abs(table.loc[year, "theil_l"] + math.log1p(-Atkinson(beta, 1).A)) <= 1e-10
        assert abs(table.loc[year, "theil_l"] - np.mean(np.log(beta.mean() / beta))) <= 1e-10


def test_urban_economic_regions(urban):
    table = urban["agglomerations"].set_index("agglomeration")
    # Wholly inside one region (by the NBS division of their provinces):
    assert table.loc["Beijing-Tianjin-Hebei", "economic_region"] == "East"
    assert table.loc["Pearl River Delta", "economic_region"] == "East"
    assert table.loc["Harbin-Changchun", "economic_region"] == "Northeast"
    assert table.loc["Chengdu-Chongqing", "economic_region"] == "West"
    assert table.loc["Middle reaches of the Yangtze", "economic_region"] == "Central"
    assert table.loc["Harbin-Changchun", "region_area_share"] == 1.0
    # The Yangtze River Delta reaches into Anhui (Central), but most of it is East.
    assert 0.5 < table.loc["Yangtze River Delta", "region_area_share"] < 1.0
    assert table["economic_region"].nunique() == 4


def test_urban_region_decomposition_matches_pysal(urban, urban_entropy):
    dec = urban["region_decomposition"]
    regions = urban["agglomerations"].set_index("agglomeration")["economic_region"]
    groups = regions.loc[urban_entropy.index].to_numpy()
    assert set(dec["period"]) == {"2011", "2020", "2011-2020"}
    levels = {}
    for year in (2011, 2020):
        beta = urban_entropy[("beta", year)].to_numpy()
        ref = TheilD(beta, groups)
        rows = dec[(dec["period"] == str(year)) & (dec["index"] == "theil_T")].set_index("part")
        assert abs(rows.loc["total", "estimate"] - float(ref.T)) <= 1e-10
        assert abs(rows.loc["within", "estimate"] - float(ref.wg[0])) <= 1e-10
        assert abs(rows.loc["between", "estimate"] - float(ref.bg[0])) <= 1e-10
        # Theil L: total = mean log deviation, written out.
        rows_l = dec[(dec["period"] == str(year)) & (dec["index"] == "theil_L")].set_index("part")
        mld = np.mean(np.log(beta.mean() / beta))
        assert abs(rows_l.loc["total", "estimate"] - mld) <= 1e-10
        levels[year] = (rows, rows_l)
    for (index, period), part in dec.groupby(["index", "period"]):
        part = part.set_index("part")
        assert part.loc["within", "estimate"] + part.loc["between", "estimate"] == pytest.approx(
            part.loc["total", "estimate"], rel=1e-12
        )
        assert (part["lo"] <= part["hi"]).all()
        assert (part["replicates"] == 999).all()
        if period == "2011-2020":
            assert part["p_value"].between(1 / 1000, 1).all()
            before, after = (levels[y][0 if index == "theil_T" else 1] for y in (2011, 2020))
            np.testing.assert_allclose(
                part["estimate"],
                (after["estimate"] - before["estimate"]).loc[part.index],
                rtol=0,
                atol=1e-15,
            )
        else:
            assert part["p_value"].isna().all()
            assert part.loc["total", "share"] == 1.0


def test_urban_growth_and_top_shares(urban):
    growth = urban["growth"].set_index("agglomeration")
    assert growth.loc["Yangtze River Delta", "growth_multiple"] == 292941.17 / 103432.04
    for name, (l2011, l2020) in PUBLISHED_LOANS.items():
        assert math.isclose(growth.loc[name, "growth_multiple"], l2020 / l2011, rel_tol=1e-15)
    assert growth.index[0] == "Central Plains"  # the fastest growth, x4.25

    shares = urban["top_shares"].set_index("year")
    for i, year in enumerate((2011, 2020)):
        values = sorted((v[i] for v in PUBLISHED_LOANS.values()), reverse=True)
        total = sum(values)
        assert math.isclose(shares.loc[year, "top3_share"], sum(values[:3]) / total)
        assert math.isclose(shares.loc[year, "top5_share"], sum(values[:5]) / total)
    assert shares.loc[2020, "top3"] == (
        "Yangtze River Delta; Beijing-Tianjin-Hebei; Pearl River Delta"
    )
    assert math.isclose(shares.loc[2011, "top3_share"], 206217.24 / 309321.29)


# The published table's "Multiple of growth" column (2020/2011 - 1, two decimals), its
# total row and the text's two statements, as printed (../shared/DESIGN.md).
PRINTED_GROWTH = [1.83, 1.71, 2.28, 2.55, 0.89, 3.25, 2.49, 1.76, 2.13, 2.75, 1.33]
PRINTED_TOTAL = (309321.29, 904118.45, 1.92)


def test_urban_published_table_as_printed(urban):
    table = urban["published_table"].set_index("agglomeration")
    body = table.drop(index="Total")
    assert list(body.index) == list(PUBLISHED_LOANS)  # the published order
    for name, (l2011, l2020) in PUBLISHED_LOANS.items():
        assert body.loc[name, "loans_2011_100m_yuan"] == l2011
        assert body.loc[name, "loans_2020_100m_yuan"] == l2020
    printed = body["growth_as_printed (2020/2011 - 1)"].tolist()
    assert printed == PRINTED_GROWTH
    total = table.loc["Total"]
    assert (
        total["loans_2011_100m_yuan"],
        total["loans_2020_100m_yuan"],
        total["growth_as_printed (2020/2011 - 1)"],
    ) == PRINTED_TOTAL
    assert body.loc["Yangtze River Delta", "ratio_2020_to_2011"] == pytest.approx(2.832, abs=5e-4)
    shares = urban["top_shares"].set_index("year").loc[2020]
    assert round(shares["top3_share"] * 3) == 2  # "the top three hold two-thirds"
    assert shares["top5_share"] > 0.80  # "the top five over 80 %"


def test_urban_map_classes(urban_dir):
    svg = (urban_dir / "map_entropy_2020.svg").read_text()
    assert 'id="classes"' in svg  # the choropleth's legend
    assert "Loan density entropy, 2020" in svg
    # All of China underneath, and the scale bar and north arrow kept.
    assert 'id="basemap"' in svg
    assert 'id="scalebar' in svg
    assert 'id="north-arrow' in svg


def test_urban_interrupted_run_leaves_nothing(urban_module, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(urban_module.plotting, "save_figure", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        urban_module.run(tmp_path / "out")
    assert os.listdir(tmp_path) == []


def test_write_files_replaces_only_earlier_output(urban_module, tmp_path):
    out = tmp_path / "out"

    def write(text):
        def writer(folder):
            (folder / "a.csv").write_text(text)
            return [folder / "a.csv"]

        return writer

    urban_module.write_files(out, write("first"))
    urban_module.write_files(out, write("second"))
    assert (out / "a.csv").read_text() == "second"
    assert os.listdir(tmp_path) == ["out"]
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"notes\.txt"):
        urban_module.write_files(out, write("third"))
    assert sorted(os.listdir(out)) == ["a.csv", "notes.txt"]
    assert (out / "a.csv").read_text() == "second"
    assert os.listdir(tmp_path) == ["out"]


# --------------------------------------------------------------------------- #
# US income
# --------------------------------------------------------------------------- #

DECADES = list(range(1929, 2010, 10))


@pytest.fixture(scope="module")
def us_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("us") / "out"


@pytest.fixture(scope="module")
def us(us_dir):
    return load_example("us_income").run(us_dir)


@pytest.fixture(scope="module")
def usjoin():
    """The income table and the BEA regions, read independently of the example."""
    income = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    regions = pd.read_csv(EXAMPLES / "us_income" / "bea_regions.csv", comment="#")
    return income.merge(regions, left_on="STATE_FIPS", right_on="state_fips", validate="1:1")


def test_us_files(us, us_dir):
    expected = ["states.csv", "theil.csv", "theil_regions.csv", "gini.csv", "moran.csv"]
    for stem in ("moran_scatter", "gini_theil", "theil_decomposition", "relative_income_map"):
        expected += [f"{stem}.png", f"{stem}.svg"]
    check_files(us, us_dir, expected)


def test_us_regions(us, usjoin):
    assert len(usjoin) == 48
    sizes = usjoin["bea_region"].value_counts().to_dict()
    assert sizes == {
        "Southeast": 12,
        "Plains": 7,
        "New England": 6,
        "Mideast": 5,
        "Great Lakes": 5,
        "Rocky Mountain": 5,
        "Southwest": 4,
        "Far West": 4,
    }
    states = us["states"].set_index("state")
    assert states.loc["CA", "bea_region"] == "Far West"
    assert states.loc["TX", "area_km2"] > states.loc["CA", "area_km2"] > 0


def test_us_theil_matches_pysal(us, usjoin):
    theil = us["theil"].set_index("year")
    assert list(theil.index) == DECADES
    for year in DECADES:
        ref = TheilD(usjoin[str(year)].to_numpy(dtype=float), usjoin["bea_region"].to_numpy())
        row = theil.loc[year]
        assert abs(row["total"] - ref.T) <= 1e-10
        assert abs(row["within"] - ref.wg) <= 1e-10
        assert abs(row["between"] - ref.bg) <= 1e-10
        assert math.isclose(row["within_share"] + row["between_share"], 1.0, abs_tol=1e-12)
    # Most of the inequality in 1929 was between regions; about half in 2009.
    assert theil.loc[1929, "between_share"] > 0.75
    assert 0.45 < theil.loc[2009, "between_share"] < 0.55


def test_us_regions_table_adds_up(us):
    regions = us["theil_regions"]
    theil = us["theil"].set_index("year")
    sums = regions.groupby("year")[["within_contribution", "between_contribution"]].sum()
    np.testing.assert_allclose(sums["within_contribution"], theil["within"], atol=1e-12)
    np.testing.assert_allclose(sums["between_contribution"], theil["between"], atol=1e-12)
    assert (regions.groupby("year")["n"].sum() == 48).all()


def test_us_gini_matches_pysal(us, usjoin):
    gini = us["gini"].set_index("year")
    for year in DECADES:
        assert abs(gini.loc[year, "total"] - Gini(usjoin[str(year)].to_numpy()).g) <= 1e-10
    parts = gini[["within", "net_between", "transvariation"]].sum(axis=1)
    np.testing.assert_allclose(parts, gini["total"], atol=1e-12)


def test_us_moran_matches_esda(us, usjoin):
    """Moran's I per decade against esda on libpysal's own queen contiguity."""
    shapes = gpd.read_file(libpysal.examples.get_path("us48.shp"))
    w = Graph.build_contiguity(shapes.set_index("STATE_FIPS"), rook=False).transform("r")
    income = usjoin.assign(fips=usjoin["state_fips"].map("{:02d}".format)).set_index("fips")
    moran = us["moran"].set_index("year")
    assert list(moran.index) == DECADES
    for year in DECADES:
        ref = Moran(income.loc[w.unique_ids, str(year)].to_numpy(dtype=float), w, permutations=0)
        row = moran.loc[year]
        for attr in ("I", "EI", "z_norm", "p_norm", "z_rand", "p_rand"):
            assert abs(row[attr] - getattr(ref, attr)) <= 1e-10, (year, attr)
        assert 1 / 1000 <= row["p_sim"] <= 1
    # Income clusters in space throughout: I > 0.3, significant, every decade.
    assert (moran["I"] > 0.3).all()
    assert (moran["p_sim"] < 0.01).all()


def test_us_moran_is_reproducible(us):
    again = load_example("us_income")
    states, income = again.read_inputs()
    w = geoagglom.spatial_weights(states, kind="queen")
    pd.testing.assert_frame_equal(again.moran_by_decade(income, w), us["moran"])


def test_us_command_line(tmp_path):
    """The one command of the README, run as a script."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "us_income" / "run.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Wrote 13 files" in done.stdout
    assert (tmp_path / "us_income_output" / "theil.csv").stat().st_size > 0
