"""The study runner: the demo end to end, config errors, atomic output folders."""

from pathlib import Path

import pandas as pd
import pytest
from study_files import BASE, write_study

import geoagglom
from geoagglom import InputError, SpatialWeightsWarning, Study, StudyConfigError
from geoagglom.cli import main
from geoagglom.study.config import demo_dir

EXPECTED_TABLES = {
    "match_report",
    "entropy_units",
    "location_quotient",
    "entropy_regions",
    "table_I",
    "table_II",
    "table_II_theil_L",
    "table_II_gini",
    "moran_trend",
    "lisa",
    "spillover_siphoning",
    "lisa_transitions",
    "bivariate_moran",
    "inequality_change",
    "spatial_markov",
    "spatial_markov_tests",
    "lisa_markov",
    "directional_lisa",
    "spillover_verdict",
    "model_coefficients",
    "model_diagnostics",
    "model_impacts",
    "model_reading",
    "model_unit_effect",
    "model_unit_effect_summary",
}
EXPECTED_FIGURES = {
    "entropy_map",
    "lisa_map_2004",
    "lisa_map_2010",
    "lisa_map_2016",
    "moran_scatter_2016",
    "bivariate_moran_2016",
    "entropy_by_region",
    "gini_theil",
    "decomposition",
    "transition_heatmaps",
    "rose",
    "model_unit_effect",
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    study = Study.from_toml(demo_dir() / "study.toml")
    study.permutations = 99  # the inference is tested elsewhere; keep the run quick
    return study.run(out)


def test_demo_writes_every_table_figure_and_the_report(demo_run):
    out = demo_run.out_dir
    assert set(demo_run.tables) == EXPECTED_TABLES
    assert set(demo_run.figures) == EXPECTED_FIGURES
    for name in EXPECTED_TABLES:
        path = out / "tables" / f"{name}.csv"
        assert path.stat().st_size > 0, name
        assert path.read_text(encoding="utf-8").startswith("# ILLUSTRATIVE DATA")
        assert len(pd.read_csv(path, comment="#")) == len(demo_run.tables[name]) > 0, name
    for png, svg in demo_run.figures.values():
        assert png.parent == out / "figures"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg.stat().st_size > 0
    for name in ("report.html", "study.toml", "versions.json", "results.gpkg"):
        assert (out / name).stat().st_size > 0
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_every_output_says_illustrative(demo_run):
    report = demo_run.report.read_text(encoding="utf-8")
    assert "<title>Financial agglomeration in Shandong" in report
    assert "(illustrative data)</title>" in report
    assert "not official statistics" in report
    assert report.count("data:image/png;base64,") == len(EXPECTED_FIGURES)
    for _png, svg in demo_run.figures.values():
        assert "llustrative data" in svg.read_text(encoding="utf-8"), svg.name
    header = (demo_dir() / "illustrative_data.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# ILLUSTRATIVE DATA")


def test_demo_tables_are_the_library_results(demo_run):
    """The runner's Table I and II are what the measures give on the same inputs."""
    layer = geoagglom.load_layer("shandong-2004-2016")
    grouping = geoagglom.load_grouping("shandong-two-circles-four-areas")["region"]
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    matched = geoagglom.match_units(raw, layer, column="城市", year="年份").table
    values = pd.DataFrame(
        {
            "unit": matched["adcode"],
            "year": matched["年份"],
            "q": matched["年末金融机构存款余额(万元)"] + matched["年末金融机构各项贷款余额(万元)"],
        }
    )
    table_i = geoagglom.table_regions(layer, values, grouping, "q", bootstrap=199, seed=2016)
    pd.testing.assert_frame_equal(demo_run.tables["table_I"], table_i)
    table_ii = demo_run.tables["table_II"]
    assert (table_ii["within"] + table_ii["between"] - table_ii["total"]).abs().max() < 1e-12
    assert len(demo_run.tables["moran_trend"]) == 13
    assert set(demo_run.tables["lisa"]["label"]) <= {
        "spillover cluster", "siphoning core", "lagging cluster", "shadow", "not significant",
    }  # fmt: skip


def test_demo_bivariate_figure_draws_the_tables_statistic(demo_run):
    """The bivariate Moran figure: entropy against the lag of the second variable, whose
    slope is the table's bivariate I of that year, with its p-value; in the report."""
    import matplotlib.pyplot as plt

    from geoagglom import plot
    from geoagglom.study.figures import bivariate_inputs

    x, y, lag, row = bivariate_inputs(demo_run)
    table = demo_run.tables["bivariate_moran"]
    assert row["year"] == table["year"].max() == 2016
    fig = plot.bivariate_moran_scatterplot(x, y, lag, p_value=row["p_sim"])
    assert fig.geoagglom_slope == pytest.approx(row["I"], rel=1e-10)
    # and the statistic itself, recomputed from the study's inputs
    weights = demo_run.spatial.weights
    again = geoagglom.moran_bv(x, y, weights, permutations=0)
    assert again.I == pytest.approx(row["I"], rel=1e-12)
    plt.close(fig)
    _png, svg = demo_run.figures["bivariate_moran_2016"]
    text = svg.read_text(encoding="utf-8")
    assert f"permutation p = {row['p_sim']:.3g}" in text
    assert f"bivariate Moran&#39;s I = {row['I']:.3f}" in text or (
        f"bivariate Moran's I = {row['I']:.3f}" in text
    )
    report = demo_run.report.read_text(encoding="utf-8")
    assert "figures/bivariate_moran_2016.png" in report


def test_demo_command(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ILLUSTRATIVE" in printed and "Table I" in printed
    assert (out / "report.html").is_file()
    # running it again replaces its own previous output
    assert main(["demo", "-o", str(out)]) == 0
    # but never a folder that is not a demo output
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    assert main(["demo", "-o", str(other)]) == 2
    assert (other / "keep.txt").read_text() == "precious"


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    "change, message",
    [
        (('unit = "城市"', 'unit = "city"'), r"\[data\] unit: column 'city' is not in data.csv"),
        (('layer = "shandong-2004-2016"', 'layer = "shandong-2004"'), r"\[boundaries\] layer"),
        (("permutations = 9", "permutations = 9\nyears = [1990, 2016]"), r"unknown key 'years'"),
        (
            ("[measures]", '[measures]\nalpha = "0.05"'),
            r'\[measures\] alpha = "0.05": expected a number\.$',
        ),
        (("[grouping]", "[groupings]"), r"unknown table \[groupings\]"),
        (('file = "data.csv"', 'file = "nope.csv"'), r"\[data\] file: file not found"),
    ],
)
def test_config_errors_name_the_key(tmp_path, change, message):
    path = write_study(tmp_path, BASE.replace(*change))
    with pytest.raises(StudyConfigError, match=message):
        Study.from_toml(path).run(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_year_range(tmp_path):
    text = BASE.replace('year = "年份"', 'year = "年份"\nyears = [1990, 2016]')
    with pytest.raises(StudyConfigError, match=r"years = \[1990, 2016\] is outside .*2004-2016"):
        Study.from_toml(write_study(tmp_path, text)).run(tmp_path / "out")


def test_grouping_naming_unknown_units(tmp_path):
    grouping = pd.DataFrame({"adcode": [370100, 999999], "region": ["a", "b"]})
    grouping.to_csv(tmp_path / "groups.csv", index=False)
    text = BASE.replace('name = "shandong-two-circles-four-areas"', 'file = "groups.csv"')
    with pytest.raises(StudyConfigError, match=r"\[grouping\] names units .*999999"):
        Study.from_toml(write_study(tmp_path, text)).run(tmp_path / "out")


def test_full_width_yearbook_headers_are_accepted(tmp_path):
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    raw.columns = [c.replace("(", "（").replace(")", "）") for c in raw.columns]
    path = write_study(tmp_path, BASE, data=raw)
    results = Study.from_toml(path).run(tmp_path / "out")
    assert len(results.tables["table_I"]) == 13


def test_interrupted_run_leaves_no_partial_folder(tmp_path, monkeypatch):
    import geoagglom.study.figures

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(geoagglom.study.figures, "draw_study_figures", interrupted)
    path = write_study(tmp_path / "study", BASE)
    with pytest.raises(KeyboardInterrupt):
        Study.from_toml(path).run(tmp_path / "out" / "run1")
    assert list((tmp_path / "out").iterdir()) == []


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    path = write_study(tmp_path / "study", BASE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(InputError, match="exists and is not empty"):
        Study.from_toml(path).run(out)
    assert (out / "old.txt").exists()
    Study.from_toml(path).run(out, overwrite=True)
    assert not (out / "old.txt").exists()
    assert (out / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study"]


def test_study_from_python(tmp_path):
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    study = Study(
        raw,
        unit="城市",
        year="年份",
        quantity="年末金融机构各项贷款余额(万元)",
        layer="shandong-2004-2016",
        permutations=9,
        years=[2010, 2012],
    )
    results = study.run(tmp_path / "py")
    assert sorted(results.tables["entropy_units"]["year"].unique()) == [2010, 2011, 2012]
    assert "table_I" not in results.tables  # no grouping, no regional tables
    assert "Illustrative" not in results.report.read_text(encoding="utf-8")


def test_unmatched_rows_stop_the_run(tmp_path):
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    raw.loc[0, "城市"] = "Atlantis"
    path = write_study(tmp_path, BASE, data=raw)
    with pytest.raises(geoagglom.MatchError, match="Atlantis"):
        Study.from_toml(path).run(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_demo_folder_ships_with_the_study():
    assert (demo_dir() / "study.toml").is_file()
    assert Path(demo_dir() / "generate_data.py").is_file()


def test_national_layer_with_a_provincial_table(tmp_path):
    """Units without data are left out, said so, and listed; the study runs on the rest."""
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    raw = raw[raw["城市"] != "莱芜市"]  # today's layer has no Laiwu
    messages = []
    study = Study(
        raw,
        unit="城市",
        year="年份",
        quantity=["年末金融机构存款余额(万元)", "年末金融机构各项贷款余额(万元)"],
        layer="china-prefectures",
        permutations=9,
        years=[2015, 2016],
    )
    results = study.run(tmp_path / "national", progress=messages.append)
    left_out = results.tables["units_without_data"]
    assert len(left_out) == 370 - 16
    assert 370100 not in set(left_out["unit"])
    assert any("354 of the layer's 370 units have no data" in m for m in messages)
    assert results.tables["entropy_units"].groupby("year")["unit"].nunique().tolist() == [16, 16]
    assert "Layer units without data" in results.report.read_text(encoding="utf-8")


def test_islands_policy_of_a_national_study(tmp_path, china):
    """Sansha and Taiwan have no contiguity neighbour: an error by default, or a policy."""
    rng = pd.Series(range(len(china)), index=china.index)
    table = pd.concat(
        [
            pd.DataFrame({"code": china.index, "year": yr, "loans": 100.0 + rng.to_numpy() * yr})
            for yr in (2019, 2020)
        ]
    )
    common = dict(unit="code", year="year", quantity="loans", permutations=9)
    with pytest.raises(InputError, match=r"460300.*710000"):
        Study(table, **common).run(tmp_path / "raise")
    assert not (tmp_path / "raise").exists()
    with pytest.warns(SpatialWeightsWarning) as caught:
        results = Study(table, islands="nearest", **common).run(tmp_path / "nearest")
    assert len(caught) == 2
    assert any("attached" in note and "460300" in note for note in results.notes)
    assert any("2 disconnected components" in note for note in results.notes)
    assert "Notes from the run" in results.report.read_text(encoding="utf-8")
    assert len(results.tables["moran_trend"]) == 2
    assert set(results.tables["lisa"]["unit"]) == set(china.index)


def test_demo_dynamics_model_and_small_sample_inference_are_the_library_results(demo_run):
    """The study's dynamics, model and exact p-values equal the API's on the same inputs."""
    from geoagglom.dynamics.verdict import RULE
    from geoagglom.study.vocabulary import IMPACT_RULE

    tables = demo_run.tables
    layer = geoagglom.load_layer("shandong-2004-2016")
    w = geoagglom.spatial_weights(layer)
    entropy = tables["entropy_units"][["unit", "year", "beta"]]
    markov = geoagglom.spatial_markov(entropy, w, 3, 3, value="beta")
    pd.testing.assert_frame_equal(tables["spatial_markov_tests"], markov.tests())
    # the LISA Markov chain reuses the study's LISA classes: the same as computed afresh
    chain = geoagglom.lisa_markov(entropy, w, 99, 2016, value="beta")
    pd.testing.assert_frame_equal(tables["lisa_markov"], chain.matrix().reset_index())
    last = entropy[entropy["year"] == 2016].set_index("unit")["beta"].reindex(w.unique_ids)
    exact = geoagglom.moran_exact(last, w, alternative="two-sided")
    assert tables["moran_trend"].set_index("year").loc[2016, "p_exact"] == exact.p_value
    data = demo_run.values[demo_run.values["year"] == 2016].set_index("unit").reindex(w.unique_ids)
    data = data.assign(entropy=last)
    fit = geoagglom.spatial_model(data, "地区生产总值增长率(%)", ["entropy"], w, model="sdm")
    pd.testing.assert_frame_equal(tables["model_coefficients"], fit.to_frame())
    reading = tables["model_reading"].iloc[0]
    assert reading["reading"] in ("spillover", "siphoning", "no evidence")
    assert reading["sentence"].startswith("indirect impact of entropy on neighbours'")
    report = demo_run.report.read_text(encoding="utf-8")
    for rule in (RULE, IMPACT_RULE):
        assert html_escape(rule) in report
    assert "false discovery rate" in report
    assert "exact two-sided p-value" in report


def html_escape(text):
    import html

    return html.escape(text)


def test_geopackage_through_arrow_has_the_layers_of_the_classic_writer(demo_run, monkeypatch):
    """The GeoPackage is written through Arrow where GDAL allows it; each layer reads
    back the same (values, types, geometries) as through GDAL's row-by-row writer."""
    import pyogrio

    from geoagglom.study.output import write_geopackage

    assert pyogrio.__gdal_version__ >= (3, 8, 0)  # the wheels' GDAL: the Arrow path is tested
    arrow = demo_run.out_dir / "results.gpkg"
    classic = demo_run.out_dir.parent / "classic.gpkg"
    monkeypatch.setattr(pyogrio, "__gdal_version__", (3, 7, 0))
    assert write_geopackage(demo_run, classic) == demo_run.layers
    assert [name for name, _ in pyogrio.list_layers(arrow)] == demo_run.layers
    for name in demo_run.layers:
        ours = pyogrio.read_dataframe(arrow, layer=name)
        pd.testing.assert_frame_equal(ours, pyogrio.read_dataframe(classic, layer=name))
    classic.unlink()
