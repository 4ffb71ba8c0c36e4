"""The national county example (examples/china_counties): the data regenerate
identically, and the whole study runs (fewer permutations here) with results
checked against hand computations and the PySAL packages."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran
from inequality.theil import Theil, TheilD

import geoagglom
from geoagglom.study.config import Study

FOLDER = Path(__file__).resolve().parents[1] / "examples" / "china_counties"

pytestmark = pytest.mark.slow


def _generator():
    spec = importlib.util.spec_from_file_location(
        "china_counties_data", FOLDER / "generate_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_data_are_the_seeded_generators_and_say_illustrative():
    generator = _generator()
    text = (FOLDER / "illustrative_counties.csv").read_text(encoding="utf-8")
    assert text.startswith("# ILLUSTRATIVE DATA")
    stored = pd.read_csv(FOLDER / "illustrative_counties.csv", comment="#")
    pd.testing.assert_frame_equal(stored, generator.generate(), check_dtype=False)
    assert stored["year"].nunique() == 13 and stored["adcode"].nunique() == 2848
    regions = pd.read_csv(FOLDER / "county_regions.csv")
    pd.testing.assert_frame_equal(regions, generator.regions(), check_dtype=False)


@pytest.fixture(scope="module")
def county_run(tmp_path_factory):
    study = Study.from_toml(FOLDER / "study.toml")
    assert study.permutations == 999 and study.layer == "china-counties"
    study.permutations = 99  # the inference is tested elsewhere; keep the run short
    return study.run(tmp_path_factory.mktemp("counties") / "out")


def test_the_study_runs_and_every_output_says_illustrative(county_run):
    out = county_run.out_dir
    report = county_run.report.read_text(encoding="utf-8")
    assert "(illustrative data)</title>" in report
    for name in ("report.html", "map.html", "results.gpkg", "study.toml"):
        assert (out / name).stat().st_size > 0
    for name in ("entropy_units", "lisa", "moran_trend", "table_I", "table_II"):
        text = (out / "tables" / f"{name}.csv").read_text(encoding="utf-8")
        assert text.startswith("# ILLUSTRATIVE DATA"), name
    for _png, svg in county_run.figures.values():
        assert "llustrative data" in svg.read_text(encoding="utf-8"), svg.name
    assert len(county_run.units) == 2848
    index = geoagglom.load_layer("china-counties").index
    left_out = index[np.isin(index // 10000, [71, 81, 82])]  # Taiwan, Hong Kong, Macao
    assert set(county_run.tables["units_without_data"]["unit"]) == set(left_out)


def test_entropy_moran_and_gini_are_the_hand_and_pysal_values(county_run):
    layer = geoagglom.load_layer("china-counties")
    raw = pd.read_csv(FOLDER / "illustrative_counties.csv", comment="#")
    year = 2014
    rows = raw[raw["year"] == year].set_index("adcode")
    q = rows["deposits_10k_yuan"] + rows["loans_10k_yuan"]
    area = layer.loc[q.index, "area_km2"]
    beta = (q / area) / (q.sum() / area.sum())  # DESIGN.md: (D_i/S_i)/(D/S)
    entropy = county_run.tables["entropy_units"]
    ours = entropy[entropy["year"] == year].set_index("unit")["beta"]
    np.testing.assert_allclose(ours.reindex(beta.index), beta, rtol=1e-12)

    w = county_run.spatial.weights
    ids = list(w.unique_ids)
    trend = county_run.tables["moran_trend"].set_index("year")
    reference = Moran(beta.reindex(ids).to_numpy(), w.to_W(), permutations=0)
    assert trend.loc[year, "I"] == pytest.approx(reference.I, rel=1e-12)

    # Table II: Theil T of the counties' entropies, decomposed by economic region
    table = county_run.tables["table_II"].set_index("year")
    assert table.loc[year, "total"] == pytest.approx(Theil(beta.to_numpy()).T, rel=1e-10)
    regions = pd.read_csv(FOLDER / "county_regions.csv").set_index("adcode")["region"]
    between = TheilD(beta.to_numpy(), regions.reindex(beta.index).to_numpy()).bg[0]
    assert table.loc[year, "between"] == pytest.approx(between, rel=1e-10)
