"""Every documented option of a study runs end to end, from a study file.

One small study (the demo's cities and data, three years, few permutations) is
run once for every value of every enumerated option of the study file, so that
no documented option can be dead. The same runs check that the seed scheme
keeps a statistic's numbers when another statistic is switched on or off, and
that a study computes each table once.
"""

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
)
from geoagglom.options import WEIGHTS as WEIGHT_KINDS
from geoagglom.study.config import Study, demo_dir
from geoagglom.study.schema import KEYS

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
):
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "data.csv").exists():
        shutil.copy(demo_dir() / "illustrative_data.csv", folder / "data.csv")
    for default in ("permutations = 19", "seed = 7"):
        if default.split()[0] not in measures:
            measures = f"{default}\n{measures}"
    text = BASE.format(
        boundaries=boundaries,
        grouping=grouping,
        measures=measures,
        maps=maps,
        unit=unit,
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
)


def test_every_enumerated_key_is_covered():
    """The cases above, the islands/Theil tests below and the layouts (long: every study
    here; wide: test_inputs.py) cover every enumerated key of the schema."""
    covered = {(s, k) for s, k, _ in CASES} | {("measures", "islands"), ("measures", "theil")}
    covered |= {("data", "layout"), ("data", "points_outside")}  # points tests below
    enumerated = {(key.section, key.name) for key in KEYS if key.option is not None}
    assert enumerated == covered


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
        assert any(n.startswith("Computed with") for n in other.notes)
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
