"""The output folder: GIS-ready layers, illustrative marks, and a rerunnable study."""

import filecmp
import os

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from geoagglom.cli import main
from geoagglom.study.config import Study, demo_dir


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("folder")
    text = (demo_dir() / "study.toml").read_text(encoding="utf-8")
    text = text.replace("permutations = 999", "permutations = 49")
    text = text.replace("bootstrap = 199", "bootstrap = 19").replace("draws = 1000", "draws = 50")
    text = text.replace("[output]", "[output]\ngeojson = true")
    (folder / "study.toml").write_text(text, encoding="utf-8")
    (folder / "illustrative_data.csv").write_bytes(
        (demo_dir() / "illustrative_data.csv").read_bytes()
    )
    return Study.from_toml(folder / "study.toml").run(folder / "out")


def test_geopackage_has_a_layer_per_unit_and_region_table(run):
    path = run.out_dir / "results.gpkg"
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert set(names) >= {"entropy_units", "lisa", "entropy_regions", "location_quotient"}
    units = gpd.read_file(path, layer="entropy_units")
    assert units.crs.to_epsg() == 4326
    assert len(units) == len(run.tables["entropy_units"])
    assert units.geometry.notna().all() and units["illustrative"].all()
    jinan = units[(units["unit"] == 370100) & (units["year"] == 2016)]
    assert jinan["beta"].iloc[0] == pytest.approx(
        run.tables["entropy_units"].query("unit == 370100 and year == 2016")["beta"].iloc[0]
    )
    assert jinan.geometry.iloc[0].equals(run.units.geometry.loc[370100])  # same shape
    regions = gpd.read_file(path, layer="entropy_regions")
    assert set(regions["region"]) == set(run.tables["entropy_regions"]["region"])
    # every outline once, with its names
    outlines = gpd.read_file(path, layer="units")
    assert sorted(outlines["unit"]) == sorted(run.units.index)
    assert {"name_zh", "name_en"} <= set(outlines.columns)
    assert len(gpd.read_file(path, layer="regions")) == len(run.regions)
    for name in names:
        assert (run.out_dir / "geojson" / f"{name}.geojson").is_file()


def test_large_repeated_outlines_become_attribute_tables(run, tmp_path, monkeypatch):
    """Tables whose outlines would repeat too many coordinates (a county study: 525 MB)
    are written without geometry, to be joined to the units layer; the notes say so."""
    from geoagglom.study import output

    monkeypatch.setattr(output, "MAX_REPEATED_COORDINATES", 1)
    path = tmp_path / "small.gpkg"
    notes = list(run.notes)
    try:
        layers = output.write_geopackage(run, path)
        kinds = dict(pyogrio.list_layers(path))
        assert kinds["units"] == "MultiPolygon" or kinds["units"] == "Polygon"
        assert kinds["entropy_units"] is None and kinds["lisa"] is None
        table = pyogrio.read_dataframe(path, layer="entropy_units")
        assert len(table) == len(run.tables["entropy_units"])
        np.testing.assert_array_equal(table["beta"], run.tables["entropy_units"]["beta"])
        assert set(layers) >= {"units", "regions", "entropy_units"}
        assert any("attribute tables without geometry" in n for n in run.notes)
    finally:
        run.notes[:] = notes


def test_rerun_inside_the_folder_reproduces_every_table(run):
    out = run.out_dir
    assert (out / "inputs" / "illustrative_data.csv").is_file()
    assert (out / "inputs" / "original_study.toml").is_file()
    cwd = os.getcwd()
    try:
        os.chdir(out)
        assert main(["run", "study.toml"]) == 0
    finally:
        os.chdir(cwd)
    tables = sorted(p.name for p in (out / "tables").iterdir())
    assert tables == sorted(p.name for p in (out / "rerun" / "tables").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(
        out / "tables", out / "rerun" / "tables", tables, shallow=False
    )
    assert mismatch == [] and errors == [], mismatch
    assert len(match) == len(tables) > 20
