"""Every documented option of a study runs end to end, from a study file.

One small study (the demo's cities and data, three years, few permutations) is
run once for every value of every enumerated option of the study file, so that
no documented option can be dead. The same runs check that the seed scheme
keeps a statistic's numbers when another statistic is switched on or off, and
that a study computes each table once.
"""

import re
import shutil
import sys
from contextlib import nullcontext
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geoagglom
from geoagglom.errors import MissingCJKFontWarning, PointsOutsideWarning, StudyConfigError
from geoagglom.options import (
    ADJUSTMENTS,
    CI_METHODS,
    ISLANDS,
    LANGUAGES,
    OUTSIDE_POINTS,
    SCHEMES,
    SPATIAL_MODELS,
    THEIL_KINDS,
    TRANSFORMS,
    VARIABLES,
)
from geoagglom.options import WEIGHTS as WEIGHT_KINDS
from geoagglom.study.config import Study, demo_dir
from geoagglom.study.schema import KEYS
from geoagglom.study.vocabulary import VARIABLE_COLUMNS

BASE = """
title = "Options"
illustrative = true
[boundaries]
{boundaries}
[data]
file = "data.csv"
unit = "{unit}"
year = "年份"
quantity = ["年末金融机构存款余额(万元)", "年末金融机构各项贷款余额(万元)"]
years = [2014, 2016]
{data}
[grouping]
{grouping}
[measures]
{measures}
[maps]
{maps}
{model}
"""
SHANDONG = 'layer = "shandong-2004-2016"'
GROUPING = 'name = "shandong-two-circles-four-areas"'


def study_file(
    folder,
    *,
    boundaries=SHANDONG,
    grouping=GROUPING,
    measures="",
    maps="",
    unit="城市",
    model="",
    data="",
):
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "data.csv").exists():
        shutil.copy(demo_dir() / "illustrative_data.csv", folder / "data.csv")
    if "population" in data:  # a population column (人口) for variable = "per_capita"
        raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
        raw["人口"] = 300.0 + 25 * (raw.index % 11)
        raw.to_csv(folder / "data.csv", index=False)
    for default in ("permutations = 19", "seed = 7"):
        if default.split()[0] not in measures:
            measures = f"{default}\n{measures}"
    text = BASE.format(
        boundaries=boundaries,
        grouping=grouping,
        measures=measures,
        maps=maps,
        unit=unit,
        data=data,
        model=f"[model]\n{model}" if model else "",
    )
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(path, out):
    return Study.from_toml(path).run(out)


# The extra keys each enumerated value needs to run.
NEEDS = {
    ("weights", "knn"): "k = 3",
    ("weights", "distance"): "threshold_km = 250",
    ("scheme", "user_defined"): "bins = [0.5, 1, 2, 100]",
    ("ci", "percentile"): "bootstrap = 19",
    ("ci", "bca"): "bootstrap = 19",
    ("variable", "per_capita"): 'population = "人口"',
}
MODEL = 'y = "地区生产总值增长率(%)"\nx = ["entropy"]\ndraws = 50\n'
CASES = (
    [("measures", "weights", v) for v in WEIGHT_KINDS.values]
    + [("measures", "transform", v) for v in TRANSFORMS.values]
    + [("measures", "adjust", v) for v in ADJUSTMENTS.values]
    + [("maps", "scheme", v) for v in SCHEMES.values]
    + [("maps", "lang", v) for v in LANGUAGES.values]
    + [("measures", "ci", v) for v in CI_METHODS.values]
    + [("model", "model", v) for v in SPATIAL_MODELS.values]
    + [("data", "variable", v) for v in VARIABLES.values]
)


# --------------------------------------------------------------------------- inequality indices


def _region_beta(results, yr):
    regions = results.tables["entropy_regions"]
    return regions[regions["year"] == yr].reset_index(drop=True)


INDICES = ["gini", "theil_l", "ge(2)", "ge(-1)", "atkinson(0.5)", "atkinson(1)", "cv"]


@pytest.mark.slow
def test_indices_choose_table_i_and_ii_with_intervals(tmp_path):
    from geoagglom.measures.panel import index_choice
    from geoagglom.seeding import stream

    listed = ", ".join(f'"{i}"' for i in INDICES)
    measures = f'indices = [{listed}]\nbootstrap = 19\nci = "bca"'
    results = run(study_file(tmp_path, measures=measures), tmp_path / "out")
    table = results.tables["table_I"]
    columns = ["gini", "theil_L", "ge_2", "ge_-1", "atkinson_0.5", "atkinson_1", "cv"]
    expected = ["year", "n_regions"]
    for column in columns:
        expected += [column, f"{column}_lo", f"{column}_hi"]
    assert list(table.columns) == expected
    for _, row in table.iterrows():
        yr = int(row["year"])
        beta = _region_beta(results, yr)["beta"].to_numpy()
        for name, column in zip(INDICES, columns, strict=True):
            choice = index_choice(name)
            # parity with the measures API, and the interval from the documented stream
            if name == "cv":
                value = geoagglom.coefficient_of_variation(beta)
            else:
                value = choice.function(beta, **choice.options).statistic
            assert row[column] == pytest.approx(value, rel=1e-12, abs=1e-15)
            b = geoagglom.bootstrap(
                choice.family,
                beta,
                replicates=19,
                ci="bca",
                seed=stream(7, f"bootstrap_{column}", yr),
                **choice.options,
            )
            assert (row[f"{column}_lo"], row[f"{column}_hi"]) == (b.ci_low, b.ci_high)
    # Table II for every decomposable index chosen, none for the CV nor the Theil T not chosen
    names = {n for n in results.tables if n.startswith("table_II")}
    assert names == {
        "table_II_gini",
        "table_II_theil_L",
        "table_II_ge_2",
        "table_II_ge_-1",
        "table_II_atkinson_0.5",
        "table_II_atkinson_1",
    }
    units = results.tables["entropy_units"]
    grouping = geoagglom.load_grouping("shandong-two-circles-four-areas")["region"]
    for name, reference in (
        ("table_II_ge_-1", lambda y, g: geoagglom.generalized_entropy(y, -1, groups=g)),
        ("table_II_atkinson_0.5", lambda y, g: geoagglom.atkinson(y, 0.5, groups=g)),
    ):
        part = results.tables[name]
        np.testing.assert_allclose(part["within"] + part["between"], part["total"], rtol=1e-12)
        for _, row in part.iterrows():
            year_units = units[units["year"] == row["year"]]
            ref = reference(year_units["beta"].to_numpy(), grouping.reindex(year_units["unit"]))
            assert row["total"] == pytest.approx(ref.statistic, rel=1e-12)
            assert row["within"] == pytest.approx(ref.within, rel=1e-12, abs=1e-15)
            assert {"total_lo", "within_hi", "between_lo"} <= set(part.columns)
    # the figures: Gini with the Theil chosen (L); the decomposition and the change of the
    # first decomposed index with within/between parts (Theil L)
    assert {"decomposition", "gini_theil"} <= set(results.figures)
    assert set(results.tables["inequality_change"]["index"]) == {"theil_L"}
    report = results.report.read_text(encoding="utf-8")
    assert "Table II (Atkinson(0.5)): within and between regions, equal weights" in report
    assert "Atkinson(1) (atkinson_1): equal weights" in report
    # the same seed, the same intervals
    again = run(study_file(tmp_path / "again", measures=measures), tmp_path / "again" / "out")
    pd.testing.assert_frame_equal(again.tables["table_I"], table)
    pd.testing.assert_frame_equal(again.tables["table_II_ge_2"], results.tables["table_II_ge_2"])


@pytest.mark.slow
def test_ge_alpha_is_an_alias_of_indices(tmp_path):
    alias = run(study_file(tmp_path / "a", measures="ge_alpha = [2]"), tmp_path / "a" / "out")
    spelled = 'indices = ["gini", "theil_t", "ge(2)"]'
    indices = run(study_file(tmp_path / "b", measures=spelled), tmp_path / "b" / "out")
    default = run(study_file(tmp_path / "c"), tmp_path / "c" / "out")
    for name in ("table_I", "table_II", "table_II_gini", "table_II_ge_2"):
        pd.testing.assert_frame_equal(alias.tables[name], indices.tables[name])
    assert list(alias.tables["table_I"].columns) == ["year", "n_regions", "gini", "theil_T", "ge_2"]
    # the default is today's output: Gini and Theil T in Table I, Theil T and Gini in Table II
    assert list(default.tables["table_I"].columns) == ["year", "n_regions", "gini", "theil_T"]
    assert {n for n in default.tables if n.startswith("table_II")} == {"table_II", "table_II_gini"}
    pd.testing.assert_frame_equal(
        default.tables["table_I"], alias.tables["table_I"].drop(columns="ge_2")
    )


def _with_population(folder):
    """The demo data with a population column (10 000 per unit × its row number)."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    codes = {name: i + 1 for i, name in enumerate(sorted(raw["城市"].unique()))}
    raw["population"] = raw["城市"].map(codes) * 1.0e4 + (raw["年份"] - 2000) * 100.0
    raw.to_csv(folder / "data.csv", index=False)
    return raw


def _theil_t(y, w):
    p = w / w.sum()
    mu = np.sum(p * y)
    return float(np.sum(p * (y / mu) * np.log(y / mu)))


def _ge2(y, w):
    p = w / w.sum()
    mu = np.sum(p * y)
    return float(0.5 * np.sum(p * ((y / mu) ** 2 - 1.0)))


@pytest.mark.slow
def test_inequality_weights_per_index(tmp_path):
    raw = _with_population(tmp_path)
    measures = (
        'indices = ["gini", "theil_t", "ge(2)"]\n'
        'inequality_weights = { gini = "equal", theil = "population", "ge(2)" = "area" }'
    )
    results = run(study_file(tmp_path, measures=measures), tmp_path / "out")
    assert results.config.measures.inequality_weights == {
        "gini": "equal",
        "theil": "population",
        "ge(2)": "area",
    }
    grouping = geoagglom.load_grouping("shandong-two-circles-four-areas")["region"]
    table = results.tables["table_I"]
    units = results.tables["entropy_units"]
    names = dict(zip(units["name_zh"], units["unit"], strict=False))
    raw = raw.assign(unit=raw["城市"].map(names))
    for _, row in table.iterrows():
        yr = int(row["year"])
        regions = _region_beta(results, yr)
        beta = regions["beta"].to_numpy()
        # hand check: a region's population is the sum over its units
        people = raw[raw["年份"] == yr].set_index("unit")["population"]
        people = people.groupby(grouping.reindex(people.index)).sum()
        pop = people.reindex(regions["region"]).to_numpy()
        area = regions["area_km2"].to_numpy()
        assert row["gini"] == pytest.approx(geoagglom.gini(beta).statistic, rel=1e-12)
        assert row["theil_T"] == pytest.approx(_theil_t(beta, pop), rel=1e-10)
        assert row["ge_2"] == pytest.approx(_ge2(beta, area), rel=1e-10)
        assert row["theil_T"] != pytest.approx(geoagglom.theil(beta).statistic, rel=1e-6)
    # Table II: the units' Theil T weighted by their own population
    part = results.tables["table_II"]
    for _, row in part.iterrows():
        year_units = units[units["year"] == row["year"]]
        pop = raw[raw["年份"] == row["year"]].set_index("unit")["population"]
        w = pop.reindex(year_units["unit"]).to_numpy()
        assert row["total"] == pytest.approx(_theil_t(year_units["beta"].to_numpy(), w), rel=1e-10)
    report = results.report.read_text(encoding="utf-8")
    assert "Theil T (theil_T): weighted by population" in report
    assert "GE(2) (ge_2): weighted by land area" in report
    assert "Table II: Theil T of the units&#x27;" in report and "weighted by population" in report


def test_a_missing_weight_column_names_the_key(tmp_path):
    path = study_file(tmp_path, measures='inequality_weights = "population"')
    with pytest.raises(StudyConfigError, match=r"\[measures\] inequality_weights: column "):
        run(path, tmp_path / "out")


def test_every_enumerated_key_is_covered():
    """The cases above, the islands/Theil tests below and the layouts (long: every study
    here; wide: test_inputs.py) cover every enumerated key of the schema."""
    covered = {(s, k) for s, k, _ in CASES} | {("measures", "islands"), ("measures", "theil")}
    covered |= {("data", "layout"), ("data", "points_outside")}  # points tests below
    enumerated = {(key.section, key.name) for key in KEYS if key.option is not None}
    assert enumerated == covered
    # the inequality keys that take index names run end to end in their own tests here
    own = {
        ("measures", "indices"): test_indices_choose_table_i_and_ii_with_intervals,
        ("measures", "inequality_weights"): test_inequality_weights_per_index,
        ("measures", "ge_alpha"): test_ge_alpha_is_an_alias_of_indices,
    }
    named = {(key.section, key.name) for key in KEYS if key.kind in ("indices", "weights")}
    assert named | {("measures", "ge_alpha")} == set(own)
    assert all(callable(test) for test in own.values())


@pytest.mark.slow
@pytest.mark.parametrize("section, key, value", CASES, ids=[f"{k}={v}" for _, k, v in CASES])
def test_each_option_value_runs_end_to_end(tmp_path, section, key, value):
    lines = f'{key} = "{value}"'
    extra = NEEDS.get((key, value))
    if extra:
        lines += "\n" + extra
    if section == "model":
        lines = MODEL + lines
    path = study_file(tmp_path, **{section: lines})
    no_font = value == "zh" and geoagglom.plot.find_cjk_font() is None
    with pytest.warns(MissingCJKFontWarning) if no_font else nullcontext():
        results = run(path, tmp_path / "out")
    assert results.config.values[section][key] == value
    trend = results.tables["moran_trend"]
    assert list(trend["year"]) == [2014, 2015, 2016]
    assert np.isfinite(trend["I"]).all()
    assert (results.out_dir / "report.html").is_file()
    expected = {
        "entropy_map",
        "moran_scatter_2016",
        "entropy_by_region",
        "gini_theil",
        "decomposition",
        "transition_heatmaps",
        "rose",
    } | {f"lisa_map_{year}" for year in (2014, 2015, 2016)}
    # the unit-effect map with a model whose impacts exist (the error model has none)
    if section == "model" and value != "error":
        expected.add("model_unit_effect")
    assert set(results.figures) == expected
    lisa = results.tables["lisa"]
    if key == "adjust":
        p = lisa["p_value"].to_numpy()
        adjusted = lisa["p_adjusted"].to_numpy()
        if value == "none":
            np.testing.assert_array_equal(adjusted, p)
        else:
            assert (adjusted >= p - 1e-15).all() and (adjusted > p).any()
    if key == "weights":
        w = results.spatial.weights
        if value == "knn":
            assert set(w.cardinalities) == {3}
        if value == "distance":
            assert results.spatial.weights.n == 17
    if key == "transform":
        sums = results.spatial.weights.adjacency.groupby(level=0).sum()
        if value == "r":
            np.testing.assert_allclose(sums, 1.0)
        else:
            assert set(results.spatial.weights.adjacency) == {1.0}
    svg = (results.out_dir / "figures" / "gini_theil.svg").read_text(encoding="utf-8")
    if key == "ci":
        # the Gini/Theil figure shades the intervals and says what they are
        assert 'id="gini_band"' in svg and 'id="theil_band"' in svg
        method = {"percentile": "percentile", "bca": "BCa"}[value]
        assert f"Gini: 95 % {method} bootstrap interval" in svg
    else:
        assert "gini_band" not in svg and "bootstrap interval" not in svg
    if key == "ci":
        table = results.tables["table_I"]
        assert (table["gini_lo"] <= table["gini"]).all() and (
            table["gini"] <= table["gini_hi"]
        ).all()
        assert results.config.measures.bootstrap == 19
    if section == "model":
        coefficients = results.tables["model_coefficients"]
        assert "entropy" in set(coefficients["term"])
        assert ("model_impacts" in results.tables) == (value != "error")
    if key == "lang":  # the report's text and tables in that language
        report = results.report.read_text(encoding="utf-8")
        html_lang, heading = {"en": ("en", "<h2>Study</h2>"), "zh": ("zh-CN", "<h2>研究概况</h2>")}[
            value
        ]
        assert f"<html lang='{html_lang}'>" in report and heading in report
    if key == "variable":
        column = VARIABLE_COLUMNS[value]
        assert results.column == column
        units = results.tables["entropy_units"]
        last = units[units["year"] == 2016].set_index("unit")[column]
        w = results.spatial.weights
        expected_i = geoagglom.moran(last.reindex(w.unique_ids), w, permutations=0).I
        assert trend["I"].iloc[-1] == pytest.approx(expected_i, rel=1e-12)
        if value == "per_capita":
            np.testing.assert_allclose(
                units["per_capita"], units["quantity"] / units["population"], rtol=1e-15
            )
        # English figures name the Chinese quantity columns in English (no CJK glyphs)
        for _png, svg in results.figures.values():
            text = svg.read_text(encoding="utf-8")
            assert not re.search(r"[\u4e00-\u9fff]", text), svg.name
    if key == "scheme" and value == "user_defined":
        report = results.report.read_text(encoding="utf-8")
        assert "Illustrative data" in report


@pytest.mark.slow
@pytest.mark.parametrize("kinds", [["T"], ["L"], ["T", "L"]])
def test_theil_kinds(tmp_path, kinds):
    measures = "theil = [" + ", ".join(f'"{k}"' for k in kinds) + "]"
    results = run(study_file(tmp_path, measures=measures), tmp_path / "out")
    names = {"T": "table_II", "L": "table_II_theil_L"}
    for kind in THEIL_KINDS.values:
        assert (names[kind] in results.tables) == (kind in kinds)
    assert "decomposition" in results.figures
    for kind in kinds:
        table = results.tables[names[kind]]
        np.testing.assert_allclose(table["within"] + table["between"], table["total"], rtol=1e-12)


# --------------------------------------------------------------------------- islands


@pytest.fixture(scope="module")
def island_study(tmp_path_factory):
    """The demo's 17 cities plus an offshore island city, as a user's boundary file."""
    folder = tmp_path_factory.mktemp("islands")
    cities = geoagglom.load_layer("shandong-2004-2016")[["name_zh", "geometry"]].copy()
    island = gpd.GeoDataFrame(
        {"name_zh": ["海岛市"]},
        geometry=[shapely.box(124.0, 38.0, 124.3, 38.2)],
        index=pd.Index([379900], name="adcode"),
        crs=cities.crs,
    )
    layer = pd.concat([cities, island]).reset_index()
    layer.to_file(folder / "cities.gpkg")
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    raw = raw.assign(code=raw["城市"].map(_codes(cities)))
    extra = raw[raw["code"] == 370200].assign(code=379900, 城市="海岛市")
    pd.concat([raw, extra]).to_csv(folder / "data.csv", index=False)
    grouping = geoagglom.load_grouping("shandong-two-circles-four-areas").reset_index()
    grouping = pd.concat(
        [grouping, pd.DataFrame({"adcode": [379900], "region": ["Qingdao circle"]})]
    )
    grouping[["adcode", "region"]].to_csv(folder / "groups.csv", index=False)
    return folder


def _codes(cities):
    names = cities["name_zh"]
    return dict(zip(names, names.index, strict=True))


def island_file(folder, islands):
    return study_file(
        folder,
        boundaries='file = "cities.gpkg"\nid = "adcode"',
        grouping='file = "groups.csv"\nunit = "adcode"',
        measures=f'islands = "{islands}"',
        unit="code",
    )


@pytest.mark.slow
@pytest.mark.parametrize("islands", ISLANDS.values)
def test_island_policies_end_to_end(tmp_path, island_study, islands):
    path = island_file(island_study, islands)
    if islands == "raise":
        with pytest.raises(geoagglom.InputError, match="379900"):
            run(path, tmp_path / "out")
        assert not (tmp_path / "out").exists()
        return
    with pytest.warns(geoagglom.SpatialWeightsWarning, match="379900"):
        results = run(path, tmp_path / "out")
    entropy_units = set(results.tables["entropy_units"]["unit"])
    lisa_units = set(results.tables["lisa"]["unit"])
    assert 379900 in entropy_units  # kept in the non-spatial statistics
    assert results.tables["table_II"]["total"].notna().all()
    if islands == "drop":
        assert lisa_units == entropy_units - {379900}
        assert list(results.tables["units_without_neighbours"]["unit"]) == [379900]
        assert "Layer units without neighbours" in results.report.read_text(encoding="utf-8")
    else:
        assert lisa_units == entropy_units
    assert any("379900" in note for note in results.notes)


# --------------------------------------------------------------------------- seeds and once


def test_a_statistic_keeps_its_numbers_when_another_is_switched_on(tmp_path):
    alone = run(study_file(tmp_path / "a", measures='theil = ["T"]'), tmp_path / "a" / "out")
    both = run(
        study_file(tmp_path / "b", measures='theil = ["L", "T"]'),
        tmp_path / "b" / "out",
    )
    for name in ("moran_trend", "lisa", "table_II"):
        pd.testing.assert_frame_equal(alone.tables[name], both.tables[name])
    again = run(study_file(tmp_path / "c", measures='theil = ["T"]'), tmp_path / "c" / "out")
    pd.testing.assert_frame_equal(alone.tables["moran_trend"], again.tables["moran_trend"])


def test_each_entropy_is_computed_once_per_year_and_regions_dissolved_once(tmp_path):
    from geoagglom.measures import concentration, panel

    path = study_file(tmp_path)
    entropy = mock.Mock(wraps=concentration.financial_entropy)
    dissolve = mock.Mock(wraps=panel.dissolve_regions)
    import geoagglom.study.run as runner

    run_dissolve = mock.Mock(wraps=runner.dissolve_regions)
    with (
        mock.patch.object(panel, "financial_entropy", entropy),
        mock.patch.object(panel, "dissolve_regions", dissolve),
        mock.patch.object(runner, "dissolve_regions", run_dissolve),
    ):
        results = run(path, tmp_path / "out")
    years = len(results.years)
    assert years == 3
    assert entropy.call_count == 2 * years  # units and regions, once per year each
    assert dissolve.call_count + run_dissolve.call_count == 1


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "measures, message",
    [
        ('weights = "distance"\nthreshold_km = -1', r"^study\.toml: \[measures\] threshold_km: "
         r"must be > 0 \(got -1\)\.$"),
        ('weights = "distance"', r"\[measures\] threshold_km is required with weights"),
        ("seed = -3", r"\[measures\] seed: must be ≥ 0 \(got -3\)"),
        ("permutations = 9.5", r"\[measures\] permutations = 9\.5: expected a whole number"),
        ('weights = "queens"', r"\[measures\] weights = 'queens' is not a weights kind; use one "
         r"of 'queen', 'rook', 'knn', 'distance'"),
        ('adjust = "holm"', r"\[measures\] adjust = 'holm'"),
        ('theil = ["T", "X"]', r"\[measures\] theil = 'X' is not a Theil index kind"),
        ("k = 0", r"\[measures\] k: must be ≥ 1 \(got 0\)"),
        ("alpha = 1", r"\[measures\] alpha: must be > 0 and < 1 \(got 1\)"),
        ('indices = ["gini", "ge(x)"]', r"\[measures\] indices: unknown index 'ge\(x\)'; valid "
         r'forms: "gini", "theil_t", "theil_l", "ge\(α\)" .*"atkinson\(ε\)" .*"cv"\.$'),
        ('indices = ["atkinson(-1)"]', r"\[measures\] indices: 'atkinson\(-1\)': the Atkinson "
         r"index needs an inequality aversion ε ≥ 0"),
        ('indices = ["gini", "GE(2)", "ge(2.0)"]', r"\[measures\] indices: 'ge\(2\.0\)' repeats "
         r"'GE\(2\)'"),
        ("indices = []", r"\[measures\] indices = \[\]: expected a list of index names"),
        ('indices = ["gini"]\nge_alpha = [2]', r"\[measures\] ge_alpha and \[measures\] indices"),
        ('indices = ["gini"]\ntheil = ["L"]', r"\[measures\] theil and \[measures\] indices"),
        ('inequality_weights = { gini = "equal", theel = "area" }', r"\[measures\] "
         r"inequality_weights: 'theel' is neither an index family \(gini, theil, ge, atkinson, "
         r"cv\) nor an index name"),
        ('inequality_weights = { gini = 3 }', r"\[measures\] inequality_weights: gini = 3: "
         r'expected "equal", "area" or a column'),
        ("inequality_weights = 2", r"\[measures\] inequality_weights = 2: expected"),
    ],
)  # fmt: skip
def test_errors_name_the_toml_key_once(tmp_path, measures, message):
    path = study_file(tmp_path, measures=measures)
    with pytest.raises(StudyConfigError, match=message) as caught:
        Study.from_toml(path)
    assert str(caught.value).count("study.toml") == 1


def test_python_keywords_are_checked_like_the_file(tmp_path):
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    common = dict(unit="城市", year="年份", quantity="年末金融机构各项贷款余额(万元)")
    with pytest.raises(StudyConfigError, match=r"\[measures\] threshold_km is required"):
        Study(raw, weights="distance", **common)
    with pytest.raises(StudyConfigError, match=r"\[maps\] scheme = 'jenks'"):
        Study(raw, map_scheme="jenks", **common)
    with pytest.raises(TypeError, match="colour"):
        Study(raw, colour="red", **common)
    study = Study(raw, layer="shandong-2004-2016", **common)
    assert study.k == 4 and study.weights == "queen"
    with pytest.raises(StudyConfigError, match=r"\[measures\] seed: must be ≥ 0"):
        study.seed = -1
    study.permutations = 9
    assert study.config.measures.permutations == 9


def test_seed_helper_rejects_what_it_cannot_use():
    from geoagglom.seeding import check_random_state, stream

    with pytest.raises(geoagglom.InputError, match="≥ 0"):
        check_random_state(-1)
    with pytest.raises(geoagglom.InputError, match="RandomState"):
        check_random_state(np.random.RandomState(1))
    with pytest.raises(geoagglom.InputError, match=r"1\.5"):
        check_random_state(1.5)
    rng = np.random.default_rng(3)
    assert check_random_state(rng) is rng
    assert stream(rng, "moran", 2004) is rng
    a = stream(5, "moran", 2004).random(3)
    np.testing.assert_array_equal(a, stream(5, "moran", 2004).random(3))
    assert not np.array_equal(a, stream(5, "moran", 2005).random(3))
    assert not np.array_equal(a, stream(5, "lisa", 2004).random(3))


# --------------------------------------------------------------------------- variable and label


@pytest.mark.slow
def test_density_gives_the_entropys_moran_and_lisa(tmp_path):
    """β is the density over the year's study-wide density: a constant factor per year,
    so Moran's I and the local Morans are the same (Moran's I is scale-free)."""
    entropy = run(study_file(tmp_path / "e"), tmp_path / "e" / "out")
    density = run(study_file(tmp_path / "d", data='variable = "density"'), tmp_path / "d" / "out")
    for column in ("I", "p_norm", "p_rand", "C"):
        np.testing.assert_allclose(
            density.tables["moran_trend"][column],
            entropy.tables["moran_trend"][column],
            rtol=1e-10,
        )
    np.testing.assert_allclose(density.tables["lisa"]["Is"], entropy.tables["lisa"]["Is"],
                               rtol=1e-9, atol=1e-12)  # fmt: skip
    # Gini and Theil stay on the entropy whatever the variable
    pd.testing.assert_frame_equal(density.tables["table_I"], entropy.tables["table_I"])


@pytest.mark.slow
def test_label_names_the_variable_in_figures_legends_and_headings(tmp_path):
    path = study_file(tmp_path, data='variable = "density"\nlabel = "Loan density"')
    results = run(path, tmp_path / "out")
    svg = {name: paths[1].read_text(encoding="utf-8") for name, paths in results.figures.items()}
    assert "Loan density" in svg["entropy_map"]  # title and legend
    assert "LISA clusters of Loan density, 2016" in svg["lisa_map_2016"]
    assert "Moran scatterplot of Loan density, 2016" in svg["moran_scatter_2016"]
    assert "Transitions of Loan density" in svg["transition_heatmaps"]
    report = results.report.read_text(encoding="utf-8")
    assert "Global Moran&#x27;s I of Loan density, per year" in report or (
        "Global Moran's I of Loan density, per year" in report
    )
    assert "Analysed variable" in report
    assert '"measure_label": "Loan density"' in results.map.read_text(encoding="utf-8")
    # the map colours the density, not β
    assert results.column == "density"


@pytest.mark.slow
def test_default_labels_stay_as_before(tmp_path):
    results = run(study_file(tmp_path), tmp_path / "out")
    svg = results.figures["lisa_map_2016"][1].read_text(encoding="utf-8")
    assert "LISA clusters of financial entropy, 2016" in svg
    assert "Financial entropy" in results.figures["entropy_map"][1].read_text(encoding="utf-8")
    report = results.report.read_text(encoding="utf-8")
    assert "Analysed variable" not in report
    assert "Global Moran" in report and "Moran&#x27;s I per year" in report


# --------------------------------------------------------------------------- points


POINTS_STUDY = """
title = "Branches"
illustrative = true
[boundaries]
layer = "shandong-2004-2016"
[data]
points = "branches.csv"
year = "year"
{quantity}
points_x = "x"
points_y = "y"
{extra}
[grouping]
name = "shandong-two-circles-four-areas"
[measures]
permutations = 19
seed = 7
{compute}
"""


@pytest.fixture(scope="module")
def branches(tmp_path_factory):
    """Illustrative branch points: a known number per city and year, inside each city."""
    folder = tmp_path_factory.mktemp("points")
    cities = geoagglom.load_layer("shandong-2004-2016")
    rng = np.random.default_rng(3)
    frames, expected = [], {}
    for year in (2014, 2015, 2016):
        n = rng.integers(1, 12, size=len(cities))
        points = cities.geometry.sample_points(size=n, rng=rng).explode(index_parts=False)
        frame = pd.DataFrame(
            {
                "year": year,
                "x": points.x.to_numpy(),
                "y": points.y.to_numpy(),
                "deposits": rng.uniform(1, 100, size=len(points)).round(2),
            }
        )
        frames.append(frame)
        expected[year] = pd.Series(n, index=cities.index)
    table = pd.concat(frames, ignore_index=True)
    table.to_csv(folder / "branches.csv", index=False)
    return folder, table, expected


def points_file(folder, quantity="", extra="", compute=""):
    path = folder / "study.toml"
    text = POINTS_STUDY.format(quantity=quantity, extra=extra, compute=compute)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_points_are_counted_per_unit_and_year_end_to_end(tmp_path, branches):
    folder, table, expected = branches
    results = run(points_file(folder), tmp_path / "count")
    values = results.values.set_index(["year", "unit"])["quantity"]
    for year, n in expected.items():
        np.testing.assert_array_equal(values.loc[year].reindex(n.index), n)
    assert list(results.tables["moran_trend"]["year"]) == [2014, 2015, 2016]
    assert "points of branches.csv" in results.report.read_text(encoding="utf-8")
    # a column of the points summed per unit and year: the same as a groupby of the
    # points' own units (each point drawn inside its city)
    summed = run(points_file(folder, 'quantity = "deposits"'), tmp_path / "sum")
    cities = geoagglom.load_layer("shandong-2004-2016")
    assigned = gpd.sjoin(
        gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.x, table.y), crs=4326),
        cities[["geometry"]],
        predicate="within",
    )
    reference = assigned.groupby(["year", "adcode"])["deposits"].sum()
    ours = summed.values.set_index(["year", "unit"])["deposits"]
    np.testing.assert_allclose(ours.reindex(reference.index), reference, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("outside", OUTSIDE_POINTS.values)
def test_points_outside_every_unit(tmp_path, branches, outside):
    _, table, expected = branches
    sea = pd.DataFrame({"year": [2015], "x": [124.5], "y": [38.0], "deposits": [1.0]})
    where = tmp_path / "sea"
    where.mkdir()
    pd.concat([table, sea], ignore_index=True).to_csv(where / "branches.csv", index=False)
    path = points_file(where, extra=f'points_outside = "{outside}"')
    if outside == "raise":
        with pytest.raises(
            StudyConfigError, match=r"\[data\] points \(branches.csv, 2015\).*1 point"
        ):
            run(path, tmp_path / "out")
        return
    with pytest.warns(PointsOutsideWarning):
        results = run(path, tmp_path / "out")
    counts = results.values.set_index(["year", "unit"])["quantity"]
    assert counts.loc[2015].sum() == expected[2015].sum()
    assert any("outside every unit" in note for note in results.notes)


@pytest.mark.parametrize(
    "data, message",
    [
        ('variable = "per_capita"', r'\[data\] variable = "per_capita" needs \[data\] population'),
        ('variable = "percapita"', r"\[data\] variable = 'percapita' is not a variable to analyse"),
        ('label = " "', r"\[data\] label = \"\": give the variable's name"),
        ("label = 3", r"\[data\] label = 3: expected a string"),
        ("population = 5", r"\[data\] population = 5: expected a string"),
    ],
)  # fmt: skip
def test_variable_errors_name_the_key(tmp_path, data, message):
    with pytest.raises(StudyConfigError, match=message):
        Study.from_toml(study_file(tmp_path, data=data))


def test_per_capita_population_column_problems_name_key_unit_and_year(tmp_path):
    path = study_file(tmp_path, data='variable = "per_capita"\npopulation = "人口"')
    raw = pd.read_csv(tmp_path / "data.csv")
    raw.loc[(raw["城市"] == "淄博市") & (raw["年份"] == 2015), "人口"] = 0
    raw.to_csv(tmp_path / "data.csv", index=False)
    with pytest.raises(geoagglom.InputError, match=r"人口, 2015, 淄博市 \(370300\): not positive"):
        run(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    raw.drop(columns="人口").to_csv(tmp_path / "data.csv", index=False)
    with pytest.raises(StudyConfigError, match=r"\[data\] population: column '人口' is not in"):
        run(path, tmp_path / "out")


@pytest.mark.slow
def test_inequality_weights_may_name_a_column_and_chinese_labels_get_a_note(tmp_path):
    path = study_file(
        tmp_path,
        data='population = "人口"\nlabel = "贷款密度"',
        measures='inequality_weights = "人口"',
    )
    weighted = run(path, tmp_path / "out")
    equal = run(study_file(tmp_path / "e"), tmp_path / "e" / "out")
    assert not np.allclose(weighted.tables["table_I"]["gini"], equal.tables["table_I"]["gini"])
    assert sum('[data] label = "贷款密度" is Chinese' in n for n in weighted.notes) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ('points = "branches.csv"\nfile = "branches.csv"', r"either file .* or points"),
        ('points = "branches.csv"\nunit = "city"', r"\[data\] unit: not used with points"),
        ('points = "branches.csv"\nsecond_variable = "x"', r"\[data\] second_variable: needs"),
        ('file = "branches.csv"\nunit = "x"\nquantity = "x"\npoints_x = "lon2"',
         r"\[data\] points_x: only used with \[data\] points"),
        ('file = "branches.csv"\nquantity = "x"', r"\[data\] unit is required with \[data\] file"),
        ('unit = "x"', r"\[data\] file is required"),
        ('points = "nowhere.csv"', r"\[data\] points: file not found"),
        ('points = "branches.csv"\npoints_outside = "keep"', r"\[data\] points_outside = 'keep'"),
        ('points = "branches.csv"\npoints_x = "lon"', r"\[data\] points_x: column 'lon' is not"),
    ],
)  # fmt: skip
def test_point_keys_are_checked_and_named(tmp_path, branches, data, message):
    folder = branches[0]
    path = folder / "bad.toml"
    path.write_text(f'[data]\nyear = "year"\n{data}\n', encoding="utf-8")
    with pytest.raises(StudyConfigError, match=message):
        Study.from_toml(path).run(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- compute


@pytest.mark.slow
def test_compute_workers_and_address_give_the_in_memory_results(tmp_path, branches):
    pytest.importorskip("distributed", reason="the [compute] keys need geoagglom[dask]")
    from distributed import LocalCluster

    folder = branches[0]
    plain = run(points_file(folder), tmp_path / "plain")
    assert plain.compute_workers is None
    local = run(points_file(folder, compute="[compute]\nworkers = 2"), tmp_path / "local")
    assert local.compute_workers == 2
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        compute = f'[compute]\naddress = "{cluster.scheduler_address}"'
        remote = run(points_file(folder, compute=compute), tmp_path / "remote")
        assert remote.compute_workers == 1
        assert len(cluster.workers) == 1  # the user's cluster is left running
    for other in (local, remote):
        note = next(n for n in other.notes if n.startswith("Computed with"))
        assert "LISA's conditional permutations in chunks" in note
        for name in ("entropy_units", "moran_trend", "lisa"):
            pd.testing.assert_frame_equal(plain.tables[name], other.tables[name])
        assert plain.spatial.weights.adjacency.equals(other.spatial.weights.adjacency)


@pytest.mark.parametrize(
    "compute, message",
    [
        ("workers = 0", r"\[compute\] workers: must be ≥ 1 \(got 0\)"),
        ('workers = 2\naddress = "tcp://h:8786"', r"\[compute\]: give either workers"),
        ('address = "h:8786"', r"\[compute\] address = \"h:8786\": expected a scheduler"),
        ("cores = 2", r"\[compute\] unknown key 'cores'"),
    ],
)
def test_compute_keys_are_checked(tmp_path, compute, message):
    path = study_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + f"[compute]\n{compute}\n", "utf-8")
    with pytest.raises(StudyConfigError, match=message):
        Study.from_toml(path)


def test_compute_without_dask_names_the_extra(tmp_path, monkeypatch):
    path = study_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "[compute]\nworkers = 2\n", "utf-8")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(StudyConfigError, match=r"\[compute\] workers: .*geoagglom\[dask\]"):
        Study.from_toml(path)
