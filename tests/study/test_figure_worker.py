"""The maps drawn in a second process: the same files, errors and warnings passed back,
a fallback when the process cannot run, and nothing left behind."""

import shutil
import sys
import warnings

import pytest

from geoagglom import Study
from geoagglom.errors import InputError
from geoagglom.study import figure_worker
from geoagglom.study.config import demo_dir
from geoagglom.study.figures import draw_study_figures, figure_plan

STUDY = """
[boundaries]
layer = "shandong-2004-2016"
[data]
file = "data.csv"
unit = "城市"
year = "年份"
quantity = ["年末金融机构存款余额(万元)", "年末金融机构各项贷款余额(万元)"]
[grouping]
name = "shandong-two-circles-four-areas"
[measures]
permutations = 9
[maps]
years = [2004, 2016]
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worker")
    shutil.copy(demo_dir() / "illustrative_data.csv", folder / "data.csv")
    (folder / "study.toml").write_text(STUDY, encoding="utf-8")
    return Study.from_toml(folder / "study.toml").run(folder / "out")


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_run_figures_are_in_plan_order_with_maps_and_charts(results):
    plan = [(name, kind) for name, kind, _ in figure_plan(results)]
    assert list(results.figures) == [name for name, _ in plan]
    assert {kind for _, kind in plan} == {"maps", "charts"}
    assert [n for n, k in plan if k == "maps"] == ["entropy_map", "lisa_map_2004", "lisa_map_2016"]
    for png, svg in results.figures.values():
        assert png.exists() and svg.exists()


def test_worker_writes_the_same_files_as_this_process(results, tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    drawn_here = draw_study_figures(results, here, kinds=("maps",))
    drawn_there = figure_worker.MapWorker.start(results, there).finish()
    assert list(drawn_there) == list(drawn_here)
    assert _files(there) == _files(here)  # byte for byte, PNG and SVG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here", "there"]  # no scratch left


def test_worker_error_is_raised_here(results, tmp_path, monkeypatch):
    broken = results.units.copy()
    broken["geometry"] = None  # a map cannot draw units without geometry
    monkeypatch.setattr(results, "units", broken)
    worker = figure_worker.MapWorker.start(results, tmp_path)
    with pytest.raises(InputError, match="missing or empty geometries"):
        worker.finish()
    assert list(tmp_path.iterdir()) == []


def test_worker_that_cannot_run_falls_back_to_this_process(results, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = figure_worker.MapWorker.start(results, tmp_path).finish()
    assert list(drawn) == ["entropy_map", "lisa_map_2004", "lisa_map_2016"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.{ext}" for name in drawn for ext in ("png", "svg")
    )


def test_stopped_worker_leaves_nothing(results, tmp_path):
    worker = figure_worker.MapWorker.start(results, tmp_path / "figures")
    worker.stop()
    assert worker._process.poll() is not None
    assert list(tmp_path.iterdir()) == []


def test_results_that_do_not_pickle_are_drawn_here(results, tmp_path, monkeypatch):
    monkeypatch.setattr(results, "extra", lambda: None, raising=False)  # a local function
    assert figure_worker.MapWorker.start(results, tmp_path / "figures") is None
    assert list(tmp_path.iterdir()) == []
