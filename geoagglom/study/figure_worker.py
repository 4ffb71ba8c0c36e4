"""The maps of a run, drawn in a second Python process while this one draws the charts.

Drawing and saving a study's figures is single-threaded matplotlib work, and it was
the largest part of a run; with two or more cores the maps (the costly figures: many
outlines) are drawn by ``python -m geoagglom.study.figure_worker`` from a pickle of
the results while the calling process draws the charts and writes the tables, the
GeoPackage and the interactive map. The files are the same as when drawn in one
process. The worker is a plain subprocess in its own session: it does not re-import
the caller's ``__main__`` (as ``multiprocessing`` would), a Ctrl-C reaches only the
caller, which stops the worker before it removes its unfinished output.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

#: Draw the maps in a second process only with at least this many cores available.
MIN_CORES = 2


def available_cores():
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


class MapWorker:
    """A second process drawing a run's maps into ``folder``.

    Start it with :meth:`start`; :meth:`finish` waits for it and returns what
    :func:`~geoagglom.study.figures.draw_study_figures` would (the maps it saved),
    re-raising its error or warnings here; :meth:`stop` ends it early. When it
    cannot run (Python not found, an import failing there), :meth:`finish` draws
    the maps in this process instead.
    """

    def __init__(self, results, folder, scratch, process):
        self.results, self.folder, self._scratch, self._process = results, folder, scratch, process

    @classmethod
    def start(cls, results, folder):
        """Start drawing the maps of ``results`` into ``folder`` in another process.

        Parameters
        ----------
        results : geoagglom.study.results.StudyResults
        folder : pathlib.Path
            The run's figures folder; the worker's scratch files go next to it and
            are removed by :meth:`finish` or :meth:`stop`.

        Returns
        -------
        MapWorker or None
            None when the maps cannot be drawn elsewhere (results that do not
            pickle, no Python executable to start): draw them here.
        """
        folder = Path(folder)
        scratch = Path(tempfile.mkdtemp(prefix=".maps.", dir=folder.parent))
        try:
            with open(scratch / "results.pickle", "wb") as f:
                pickle.dump(results, f, protocol=pickle.HIGHEST_PROTOCOL)
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(scratch), str(folder)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # its errors come back in the answer
                env={**os.environ, "MPLBACKEND": "Agg"},
                start_new_session=True,  # a Ctrl-C is for the caller, who stops it
            )
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            # results that do not pickle (a user's object in them), no Python to start
            shutil.rmtree(scratch, ignore_errors=True)
            return None
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return cls(results, folder, scratch, process)

    def finish(self):
        """Wait for the maps; returns {name: (png, svg)} of the maps saved.

        Raises
        ------
        Exception
            The error the worker met drawing the maps (the same as drawing them here).
        """
        from geoagglom.study.figures import draw_study_figures

        try:
            self._process.wait()
            answer = None
            if (self._scratch / "answer.pickle").exists():
                with open(self._scratch / "answer.pickle", "rb") as f:
                    answer = pickle.load(f)
        finally:
            self.stop()
        if answer is None:  # the worker could not run: draw the maps here
            return draw_study_figures(self.results, self.folder, kinds=("maps",))
        for category, message in answer["warnings"]:
            warnings.warn(message, category, stacklevel=2)
        if "error" in answer:
            raise answer["error"]
        return answer["saved"]

    def stop(self):
        """End the worker if it still runs, and remove its scratch files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _main(scratch, folder):
    """The worker: draw the maps of the pickled results and pickle the answer."""
    from geoagglom.study.figures import draw_study_figures

    scratch = Path(scratch)
    with open(scratch / "results.pickle", "rb") as f:
        results = pickle.load(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            answer = {"saved": draw_study_figures(results, Path(folder), kinds=("maps",))}
        except Exception as err:  # passed to the caller, raised there
            try:
                pickle.dumps(err)
            except Exception:
                err = RuntimeError(f"{type(err).__name__}: {err}")
            answer = {"error": err}
    answer["warnings"] = [(w.category, str(w.message)) for w in caught]
    partial = scratch / "answer.pickle.partial"
    with open(partial, "wb") as f:
        pickle.dump(answer, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, scratch / "answer.pickle")


if __name__ == "__main__":
    _main(*sys.argv[1:])
