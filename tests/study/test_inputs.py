"""A study on yearbook files as they really come, and user boundary files."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geoagglom
from geoagglom.errors import InputError, MatchError
from geoagglom.study.config import Study, demo_dir

DEPOSITS = "年末金融机构存款余额(万元)"
LOANS = "年末金融机构各项贷款余额(万元)"


def demo_table():
    return pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")


def study_toml(folder, data_lines, extra=""):
    path = folder / "study.toml"
    path.write_text(
        '[boundaries]\nlayer = "shandong-2004-2016"\n'
        f"[data]\n{data_lines}\n"
        '[grouping]\nname = "shandong-two-circles-four-areas"\n'
        f"[measures]\npermutations = 9\n{extra}",
        encoding="utf-8",
    )
    return path


def test_gbk_yearbook_with_footnotes_year_suffixes_and_separators(tmp_path):
    raw = demo_table()
    raw = raw[raw["年份"] >= 2014].copy()
    raw["年份"] = raw["年份"].astype(str) + "年"
    raw[LOANS] = raw[LOANS].map(lambda v: f"{v:,.1f}")
    text = raw.to_csv(index=False) + "注：存贷款余额为年末数,,,,\n资料来源：示例数据,,,,\n"
    (tmp_path / "yearbook.csv").write_bytes(text.encode("gbk"))
    lines = (
        f'file = "yearbook.csv"\nunit = "城市"\nyear = "年份"\nquantity = ["{DEPOSITS}", "{LOANS}"]'
    )
    results = Study.from_toml(study_toml(tmp_path, lines)).run(tmp_path / "out")
    assert "yearbook.csv: read as GB18030." in results.notes
    assert any("2 footnote or empty row(s) dropped" in n for n in results.notes)
    assert sorted(results.tables["entropy_units"]["year"].unique()) == [2014, 2015, 2016]
    loans = results.values.set_index(["unit", "year"])[LOANS]
    expected = demo_table().set_index(["城市", "年份"])[LOANS]
    assert loans.loc[(370100, 2016)] == pytest.approx(round(expected.loc[("济南市", 2016)], 1))
    report = results.report.read_text(encoding="utf-8")
    assert "read as GB18030" in report and "footnote" in report


def test_wide_table(tmp_path):
    raw = demo_table()
    wide = raw.pivot(index="城市", columns="年份", values=LOANS)
    wide.columns = [f"{c}年" for c in wide.columns]
    wide.reset_index().to_csv(tmp_path / "wide.csv", index=False)
    lines = 'file = "wide.csv"\nlayout = "wide"\nunit = "城市"\nyear = "year"\nquantity = "loans"'
    results = Study.from_toml(study_toml(tmp_path, lines)).run(tmp_path / "out")
    assert len(results.tables["table_I"]) == 13
    assert any("wide table" in n for n in results.notes)


def test_values_errors_name_column_year_and_unit(tmp_path):
    raw = demo_table()
    raw.loc[(raw["城市"] == "淄博市") & (raw["年份"] == 2011), LOANS] = -5
    raw.loc[(raw["城市"] == "青岛市") & (raw["年份"] == 2012), DEPOSITS] = None
    raw.to_csv(tmp_path / "data.csv", index=False)
    lines = f'file = "data.csv"\nunit = "城市"\nyear = "年份"\nquantity = ["{DEPOSITS}", "{LOANS}"]'
    with pytest.raises(InputError) as caught:
        Study.from_toml(study_toml(tmp_path, lines)).run(tmp_path / "out")
    message = str(caught.value)
    assert f"{LOANS}, 2011, 淄博市 (370300): negative" in message
    assert f"{DEPOSITS}, 2012, 青岛市 (370200): missing" in message
    assert not (tmp_path / "out").exists()


def test_fractional_year_is_an_error_not_a_truncation(tmp_path):
    raw = demo_table().astype({"年份": float})
    raw.loc[5, "年份"] = 2012.7
    raw.to_csv(tmp_path / "data.csv", index=False)
    lines = f'file = "data.csv"\nunit = "城市"\nyear = "年份"\nquantity = "{LOANS}"'
    with pytest.raises(InputError, match=r"not whole years \(row 7: '2012.7'\)"):
        Study.from_toml(study_toml(tmp_path, lines)).run(tmp_path / "out")


@pytest.fixture
def zones(tmp_path):
    """A user's boundary file: zones named 'Zone 1' .. 'Zone 12', ids with leading zeros."""
    cells = [shapely.box(x, y, x + 1, y + 1) for y in range(3) for x in range(4)]
    layer = gpd.GeoDataFrame(
        {"zid": [f"{i:04d}" for i in range(1, 13)], "label": [f"Zone {i}" for i in range(1, 13)]},
        geometry=cells,
        crs="EPSG:4326",
    )
    layer.to_file(tmp_path / "zones.gpkg")
    rows = [
        {"zone": f"Zone {i}", "year": y, "loans": 100.0 + 7 * i + (i % 3) * y % 11}
        for i in range(1, 13)
        for y in (2019, 2020, 2021)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "zones.csv", index=False)
    groups = pd.DataFrame({"zid": list(range(1, 13)), "region": ["west", "east"] * 6})
    groups.to_csv(tmp_path / "groups.csv", index=False)
    return tmp_path


def test_boundary_name_column_digits_and_leading_zeros(zones):
    path = zones / "study.toml"
    path.write_text(
        '[boundaries]\nfile = "zones.gpkg"\nid = "zid"\nname = "label"\n'
        '[data]\nfile = "zones.csv"\nunit = "zone"\nyear = "year"\nquantity = "loans"\n'
        '[grouping]\nfile = "groups.csv"\n'  # ids written 1, 2, ... against '0001', ...
        '[measures]\npermutations = 9\nweights = "rook"\n',
        encoding="utf-8",
    )
    results = Study.from_toml(path).run(zones / "out")
    report = results.tables["match_report"].set_index("key")
    assert report.loc["Zone 1", "unit_id"] == "0001"
    assert report.loc["Zone 12", "unit_id"] == "0012"  # not 'Zone 1' with digits stripped
    entropy = results.tables["entropy_units"]
    assert list(entropy.columns[:3]) == ["year", "unit", "name"]
    assert entropy.set_index("unit").loc["0012", "name"].iloc[0] == "Zone 12"
    assert set(results.tables["entropy_regions"]["region"]) == {"west", "east"}
    assert list(results.tables["lisa"].columns[:3]) == ["year", "unit", "name"]


def test_matching_ids_without_leading_zeros_and_blank_names(zones):
    layer = geoagglom.read_boundaries(zones / "zones.gpkg", id="zid")
    table = pd.DataFrame({"code": [1, "0002", 12], "v": [1, 2, 3]})
    matched = geoagglom.match_units(table, layer, column="code")
    assert matched.table["zid"].tolist() == ["0001", "0002", "0012"]
    with pytest.raises(InputError, match=r"'code' is empty in rows 1"):
        geoagglom.match_units(pd.DataFrame({"code": [1, None]}), layer, column="code")
    by_name = pd.DataFrame({"name": ["Zone 2", "Zone 12"]})
    got = geoagglom.match_units(by_name, layer, column="name", names=["label"]).table["zid"]
    assert got.tolist() == ["0002", "0012"]
    with pytest.raises(MatchError, match="Zone 13"):
        geoagglom.match_units(pd.DataFrame({"n": ["Zone 13"]}), layer, column="n", names=["label"])


def test_grouping_that_names_no_unit_shows_the_layers_ids(zones):
    pd.DataFrame({"zid": ["A1"], "region": ["x"]}).to_csv(zones / "bad.csv", index=False)
    path = zones / "study.toml"
    path.write_text(
        '[boundaries]\nfile = "zones.gpkg"\nid = "zid"\nname = "label"\n'
        '[data]\nfile = "zones.csv"\nunit = "zone"\nyear = "year"\nquantity = "loans"\n'
        '[grouping]\nfile = "bad.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"names units that are not in the layer: \['A1'\]"):
        Study.from_toml(path).run(zones / "out")


def test_a_constant_year_skips_only_the_undefined_statistics(tmp_path):
    raw = demo_table()
    raw = raw[raw["年份"] >= 2014].astype({LOANS: float})
    one = raw["年份"] == 2015
    # the same loans per km² everywhere in 2015: every city's entropy is 1
    layer = geoagglom.load_layer("shandong-2004-2016")
    area = raw.loc[one, "城市"].map(dict(zip(layer["name_zh"], layer["area_km2"], strict=True)))
    raw.loc[one, LOANS] = area * 10.0
    raw.to_csv(tmp_path / "data.csv", index=False)
    lines = f'file = "data.csv"\nunit = "城市"\nyear = "年份"\nquantity = "{LOANS}"'
    results = Study.from_toml(study_toml(tmp_path, lines)).run(tmp_path / "out")
    assert list(results.tables["moran_trend"]["year"]) == [2014, 2016]
    table_ii = results.tables["table_II"].set_index("year")
    assert table_ii.loc[2015, "total"] == pytest.approx(0, abs=1e-12)
    assert any("skipped for 2015" in note for note in results.skipped)
    report = results.report.read_text(encoding="utf-8")
    assert "skipped for 2015" in report and "Spillover dynamics skipped" in report


def test_map_years_without_data_are_an_error(tmp_path):
    demo_table().to_csv(tmp_path / "data.csv", index=False)
    lines = f'file = "data.csv"\nunit = "城市"\nyear = "年份"\nquantity = "{LOANS}"'
    path = study_toml(tmp_path, lines, extra="[maps]\nyears = [2004, 1999]\n")
    with pytest.raises(InputError, match=r"\[maps\] years: 1999 not among the study's years"):
        Study.from_toml(path).run(tmp_path / "out")


def test_two_units_skip_the_spatial_statistics_and_say_so(tmp_path):
    raw = demo_table()
    raw = raw[raw["城市"].isin(["济南市", "青岛市"])]
    raw.to_csv(tmp_path / "data.csv", index=False)
    path = tmp_path / "study.toml"
    path.write_text(
        '[boundaries]\nlayer = "shandong-2004-2016"\n'
        f'[data]\nfile = "data.csv"\nunit = "城市"\nyear = "年份"\nquantity = "{LOANS}"\n'
        "[measures]\npermutations = 9\n",
        encoding="utf-8",
    )
    results = Study.from_toml(path).run(tmp_path / "out")
    assert "moran_trend" not in results.tables
    assert any("Spatial statistics skipped: 2 unit(s)" in s for s in results.skipped)
    assert "Spatial statistics skipped" in results.report.read_text(encoding="utf-8")
