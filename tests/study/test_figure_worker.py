"""Figures drawn by two processes: the same files, shared without overlap, errors and
warnings passed back, a fallback when the worker cannot run, and nothing left behind."""

import copy
import pickle
import shutil
import sys
import time

import pytest
from study_files import BASE, write_study

from geoagglom import Study
from geoagglom.errors import InputError
from geoagglom.study import figure_worker
from geoagglom.study.figures import draw_study_figures, figure_plan

STUDY = BASE + "[maps]\nyears = [2004, 2016]\n"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worker")
    return Study.from_toml(write_study(folder, STUDY)).run(folder / "out")


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _shared_draw(results, figures, near):
    """Draw with a worker as a run does; returns (drawn here, drawn by the worker)."""
    worker = figure_worker.FigureWorker.start(near)
    assert worker.draw(results, figures)
    here = draw_study_figures(results, figures, worker.claim)
    return here, worker.finish()


def test_run_figures_are_in_plan_order(results):
    names = [name for name, _ in figure_plan(results)]
    assert list(results.figures) == names
    assert names[:3] == ["entropy_map", "lisa_map_2004", "lisa_map_2016"]
    assert sorted(p.name for p in next(iter(results.figures.values()))[0].parent.iterdir()) == (
        sorted(f"{name}.{ext}" for name in names for ext in ("png", "svg"))
    )


def test_two_processes_write_the_same_files_as_one(results, tmp_path):
    one, two = tmp_path / "one", tmp_path / "图表 two"  # a non-ASCII folder, as users have
    one.mkdir()
    two.mkdir()
    alone = draw_study_figures(results, one)
    here, there = _shared_draw(results, two, tmp_path)
    assert not set(here) & set(there)  # each figure drawn once
    assert set(here) | set(there) == set(alone)
    assert there  # the worker drew its share
    assert _files(two) == _files(one)  # byte for byte, PNG and SVG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "图表 two"]  # no scratch left


def test_worker_error_is_raised_here(results, tmp_path, monkeypatch):
    broken = results.units.copy()
    broken["geometry"] = None  # a map cannot draw units without geometry
    monkeypatch.setattr(results, "units", broken)
    worker = figure_worker.FigureWorker.start(tmp_path)
    assert worker.draw(results, tmp_path)  # it claims the first figure, a map, and fails
    with pytest.raises(InputError, match="missing or empty geometries"):
        worker.finish()
    assert list(tmp_path.iterdir()) == []


def test_worker_that_cannot_run_returns_nothing(results, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    worker = figure_worker.FigureWorker.start(tmp_path)
    worker.draw(results, tmp_path)  # may find it ended already
    assert worker.finish() == {}
    assert list(tmp_path.iterdir()) == []


def test_results_that_do_not_pickle_are_drawn_here(results, tmp_path, monkeypatch):
    monkeypatch.setattr(results, "extra", lambda: None, raising=False)  # a local function
    worker = figure_worker.FigureWorker.start(tmp_path)
    assert not worker.draw(results, tmp_path / "figures")
    assert worker._process.poll() is not None
    assert list(tmp_path.iterdir()) == []


def test_worker_ended_before_the_figures_leaves_nothing(tmp_path):
    worker = figure_worker.FigureWorker.start(tmp_path)
    worker.stop()
    assert worker._process.poll() is not None
    assert list(tmp_path.iterdir()) == []


def test_run_draws_every_figure_when_the_worker_cannot_run(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    monkeypatch.setattr(figure_worker, "available_cores", lambda: 2)
    results = Study.from_toml(write_study(tmp_path, STUDY)).run(tmp_path / "out")
    names = [name for name, _ in figure_plan(results)]
    assert list(results.figures) == names
    assert sorted(p.name for p in (tmp_path / "out" / "figures").iterdir()) == sorted(
        f"{name}.{ext}" for name in names for ext in ("png", "svg")
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == []


def test_figures_of_the_results_so_far_are_the_final_figures(tmp_path):
    """What the worker draws while the run computes (from the results handed over at
    each stage) is byte for byte what the complete results give."""
    from geoagglom.study.results import StudyResults
    from geoagglom.study.run import compute

    config = Study.from_toml(write_study(tmp_path, STUDY)).config
    results = StudyResults(out_dir=tmp_path, config=config)
    stages = []
    compute(config, results, lambda message: None, ready=lambda r: stages.append(pickle.dumps(r)))
    assert len(stages) == 2  # after the regions, after the LISA
    final = tmp_path / "final"
    final.mkdir()
    complete = draw_study_figures(results, final)
    drawn = []
    for k, stage in enumerate(stages):
        folder = tmp_path / f"stage{k}"
        folder.mkdir()
        early = draw_study_figures(pickle.loads(stage), folder)
        drawn.append(list(early))
        assert set(early) < set(complete)
        for name in early:
            for path in early[name]:
                assert path.read_bytes() == (final / path.name).read_bytes(), path.name
    assert drawn[0] == ["entropy_map", "entropy_by_region", "gini_theil", "decomposition"]
    assert drawn[1][:3] == ["entropy_map", "lisa_map_2004", "lisa_map_2016"]
    assert "moran_scatter_2016" in drawn[1]


def test_worker_draws_partial_results_then_the_rest(results, tmp_path):
    """Handed the results in two steps, the worker and this process still draw every
    figure once, and the files equal one process's."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    alone = draw_study_figures(results, one)
    partial = copy.copy(results)
    partial.spatial, partial.dynamics, partial.models = None, {}, {}
    worker = figure_worker.FigureWorker.start(tmp_path)
    assert worker.draw(partial, two, final=False)
    assert worker.draw(results, two)
    here = draw_study_figures(results, two, worker.claim)
    there = worker.finish()
    assert not set(here) & set(there) and set(here) | set(there) == set(alone)
    assert _files(two) == _files(one)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]


def _recording_launch(monkeypatch):
    """Study.run's early launch, with the launched workers kept for the test to check."""
    launched = []
    launch = figure_worker.FigureWorker.launch

    def recording():
        worker = launch()
        launched.append(worker)
        return worker

    monkeypatch.setattr(figure_worker.FigureWorker, "launch", staticmethod(recording))
    monkeypatch.setattr(figure_worker, "available_cores", lambda: 2)
    return launched


def test_study_run_launches_the_worker_first_and_it_draws(tmp_path, monkeypatch):
    """Study.run launches the worker before importing the run; the run attaches it, it
    draws figures and ends, and no scratch folder is left."""
    launched = _recording_launch(monkeypatch)
    results = Study.from_toml(write_study(tmp_path, STUDY)).run(tmp_path / "out")
    assert len(launched) == 1 and launched[0]._process.poll() == 0
    assert list(results.figures) == [name for name, _ in figure_plan(results)]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_launched_worker_is_stopped_when_the_run_stops_before_its_figures(tmp_path, monkeypatch):
    launched = _recording_launch(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(InputError, match="exists and is not empty"):
        Study.from_toml(write_study(tmp_path, STUDY)).run(out)
    assert len(launched) == 1 and launched[0]._process.poll() is not None
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]


def test_worker_stopped_while_saving_leaves_no_temporary_file(results, tmp_path, monkeypatch):
    """A hand-over that fails after an earlier one stops the worker, possibly while it
    saves a figure: its temporary file is removed (the run then draws every figure)."""
    figures = tmp_path / "figures"
    figures.mkdir()
    worker = figure_worker.FigureWorker.start(tmp_path)
    assert worker.draw(results, figures, final=False)
    deadline = time.monotonic() + 60
    while not list(figures.glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.002)  # until it is saving its first figure
    monkeypatch.setattr(results, "extra", lambda: None, raising=False)  # does not pickle
    assert not worker.draw(results, figures)
    assert not list(figures.glob(".*.tmp"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]
