"""The geoagglom command."""

import subprocess
import sys

import pandas as pd
import pytest

import geoagglom
from geoagglom.cli import main


def test_areas_of_a_bundled_layer_to_csv(tmp_path, shandong):
    out = tmp_path / "out" / "areas.csv"
    assert main(["areas", "shandong", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["adcode", "name_zh", "name_en", "area_km2"]
    assert len(table) == 16
    assert table.set_index("adcode")["area_km2"].to_dict() == pytest.approx(
        shandong["area_km2"].to_dict(), rel=1e-9
    )
    assert [p.name for p in out.parent.iterdir()] == ["areas.csv"]  # no temporary left


def test_areas_printed_with_equal_area_method(capsys):
    assert main(["areas", "shandong-2004-2016", "--method", "equal-area"]) == 0
    out = capsys.readouterr().out
    assert "Laiwu" in out
    assert "17 units" in out
    assert "equal-area" in out


def test_areas_of_a_file_needs_its_id(tmp_path, shandong, capsys):
    path = tmp_path / "cities.gpkg"
    shandong.reset_index().to_file(path)
    assert main(["areas", str(path)]) == 2
    assert "--id" in capsys.readouterr().err
    assert main(["areas", str(path), "--id", "name_en", "-o", str(tmp_path / "a.csv")]) == 0
    assert pd.read_csv(tmp_path / "a.csv")["name_en"].tolist() == shandong["name_en"].tolist()


def test_unknown_layer_exits_with_a_message(capsys):
    assert main(["areas", "shandon"]) == 2
    assert "Did you mean 'shandong'" in capsys.readouterr().err


def test_layers_lists_everything(capsys):
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    for name in ("china-prefectures", "shandong-2004-2016", "shandong-two-circles-four-areas"):
        assert name in out


def test_module_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "geoagglom", "layers"], capture_output=True, text=True, check=True
    )
    assert "china-prefectures" in done.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"geoagglom {geoagglom.__version__}"
