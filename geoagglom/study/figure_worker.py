"""A second Python process drawing a run's figures alongside the run's own process.

Drawing and saving a study's figures is single-threaded matplotlib work, and it was
the largest part of a run. With two or more cores, a run starts
``python -m geoagglom.study.figure_worker`` as it begins (the worker imports
matplotlib and the plotting code while the run computes) and hands it pickles of the
results: while computing, the results so far (the worker draws the figures whose
tables are complete, such as the entropy map once the regions are done, while the run
goes on with the permutation tests), then the complete results, whose figures both
processes draw: each takes the next figure of
:func:`~geoagglom.study.figures.figure_plan` not yet claimed by the other (a claim is a
file created exclusively in a scratch folder), so the work balances itself. The files
are the same as when drawn in one process.

The worker is a plain subprocess in its own session: it does not re-import the
caller's ``__main__`` (as ``multiprocessing`` would), and a Ctrl-C reaches only the
caller, which stops the worker before it removes its unfinished output.
"""

from __future__ import annotations

import importlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

#: Start a figure worker only with at least this many cores available.
MIN_CORES = 2


def available_cores():
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def claim(scratch, name):
    """True for the first process to ask for figure ``name`` (it draws it)."""
    try:
        os.close(os.open(Path(scratch) / f"{name}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class FigureWorker:
    """A second process drawing figures of a run.

    :meth:`launch` it early and :meth:`attach` it to the run's folder (or
    :meth:`start` it: both at once); :meth:`draw` hands it results (the partial
    results while computing, then the complete ones); :meth:`claim` is
    what the caller's own :func:`~geoagglom.study.figures.draw_study_figures`
    uses to share the figures with it; :meth:`finish` waits and returns the
    figures it drew, re-raising its error or warnings here; :meth:`stop` ends it.
    A worker that could not run returns nothing: the caller draws what is left.

    Parameters
    ----------
    process : subprocess.Popen
        The worker process, reading its scratch folder, the figures folder and
        the results' pickles on its standard input.

    Attributes
    ----------
    scratch : pathlib.Path or None
        Its scratch folder (the results' pickles, the claims, its answer), once
        attached.
    """

    def __init__(self, process):
        self._process = process
        self.scratch = None
        self._folder = None  # the figures folder, once results are handed over
        self._handed = 0  # results handed over so far

    @classmethod
    def launch(cls):
        """Start a worker process: it imports the plotting code, then waits for :meth:`attach`.

        Returns
        -------
        FigureWorker or None
            None when no Python process can be started.
        """
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # its errors come back in the answer
                env={**os.environ, "MPLBACKEND": "Agg"},
                start_new_session=True,  # a Ctrl-C is for the caller, who stops it
            )
        except OSError:
            return None
        return cls(process)

    def attach(self, near):
        """Give the worker its scratch folder, made in ``near``.

        Parameters
        ----------
        near : pathlib.Path
            The folder in which its scratch folder is made (the run's output
            folder, itself temporary until the run completes).

        Returns
        -------
        FigureWorker
            This worker (one that has ended already is stopped: :meth:`draw` then
            returns False).
        """
        self.scratch = Path(tempfile.mkdtemp(prefix=".figures.", dir=near))
        try:
            self._process.stdin.write(os.fsencode(self.scratch) + b"\n")
            self._process.stdin.flush()
        except OSError:
            self.stop()
        return self

    @classmethod
    def start(cls, near):
        """:meth:`launch` a worker and :meth:`attach` it to ``near`` (None if it cannot start)."""
        worker = cls.launch()
        return worker.attach(near) if worker is not None else None

    def draw(self, results, folder, *, final=True):
        """Hand the worker ``results``: it draws the figures it claims into ``folder``.

        The worker draws the figures that :func:`~geoagglom.study.figures.figure_plan`
        gives for these results (with partial results, those whose tables are
        complete: they are drawn from the same tables as at the end).

        Parameters
        ----------
        results : geoagglom.study.results.StudyResults
        folder : pathlib.Path
            The figures folder (the same in every call).
        final : bool, default True
            False for partial results handed over while the run computes: more follow.

        Returns
        -------
        bool
            False when the results cannot be handed over (they do not pickle, or
            the worker has ended); the worker is then stopped and the caller draws
            every figure.
        """
        if self.scratch is None:  # stopped: the worker had ended
            return False
        self._folder = Path(folder)
        name = f"results{self._handed}.pickle"
        try:
            with open(self.scratch / name, "wb") as f:
                pickle.dump(results, f, protocol=pickle.HIGHEST_PROTOCOL)
            lines = [os.fsencode(folder), name.encode()] if not self._handed else [name.encode()]
            self._process.stdin.write(b"".join(line + b"\n" for line in lines))
            self._process.stdin.flush()
            if final:
                self._process.stdin.close()
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            # a user's object in the results that does not pickle, or a worker gone
            self.stop()
            return False
        self._handed += 1
        return True

    def claim(self, name):
        """True when this process (not the worker) is to draw figure ``name``."""
        return self.scratch is None or claim(self.scratch, name)

    def finish(self):
        """Wait for the worker; returns {name: (png, svg)} of the figures it drew.

        Raises
        ------
        Exception
            The error the worker met drawing a figure (the same as drawing it here).
        """
        try:
            self._process.wait()
            answer = None
            if self.scratch is not None and (self.scratch / "answer.pickle").exists():
                with open(self.scratch / "answer.pickle", "rb") as f:
                    answer = pickle.load(f)
        finally:
            self.stop()
        if answer is None:  # the worker could not run: the caller draws what is left
            return {}
        for category, message in answer["warnings"]:
            warnings.warn(message, category, stacklevel=2)
        if "error" in answer:
            raise answer["error"]
        return answer["saved"]

    def stop(self):
        """End the worker if it still runs, and remove its scratch files (and the
        temporary file of a figure it was saving)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
            if self._folder is not None:  # save_figure's .<name>.<random>.<format>.tmp
                for left in self._folder.glob(".*.tmp"):
                    left.unlink(missing_ok=True)
        if self._process.stdin is not None and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except BrokenPipeError:  # what was left to write: the worker has ended
                pass
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def _main():
    """The worker: import, then draw the figures it claims of each results handed over."""
    import matplotlib.pyplot  # noqa: F401 - imported while the caller computes

    from geoagglom.study.figures import draw_study_figures

    # then what the spatial results unpickle into (the first results have none)
    importlib.import_module("libpysal.graph")

    scratch = sys.stdin.buffer.readline().rstrip(b"\n")
    folder = sys.stdin.buffer.readline().rstrip(b"\n") if scratch else b""
    if not folder:  # the run ended before its figures
        return
    scratch = Path(os.fsdecode(scratch))
    figures = Path(os.fsdecode(folder))
    saved, error = {}, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for line in sys.stdin.buffer:  # the name of each results' pickle, until closed
            if error is not None:
                continue  # read on, so that the caller can hand over the rest
            with open(scratch / os.fsdecode(line.rstrip(b"\n")), "rb") as f:
                results = pickle.load(f)
            try:
                mine = draw_study_figures(results, figures, claim=lambda n: claim(scratch, n))
                saved.update(mine)
            except Exception as err:  # passed to the caller, raised there
                try:
                    pickle.dumps(err)
                except Exception:
                    err = RuntimeError(f"{type(err).__name__}: {err}")
                error = err
    answer = {"saved": saved} if error is None else {"error": error}
    answer["warnings"] = [(w.category, str(w.message)) for w in caught]
    partial = scratch / "answer.pickle.partial"
    with open(partial, "wb") as f:
        pickle.dump(answer, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, scratch / "answer.pickle")


if __name__ == "__main__":
    _main()
    # the answer is written: the caller is waiting for this process to end, and the
    # interpreter's own teardown (freeing the results, matplotlib's exit hooks) would
    # add about half a second for nothing
    os._exit(0)
