"""The ``geoagglom`` command.

Heavy modules (pandas, geopandas, the statistics) are imported inside the
subcommands, so ``geoagglom --help`` and ``geoagglom --version`` start at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

from geoagglom import __version__
from geoagglom.errors import GeoagglomError
from geoagglom.options import AREA_METHODS


def _areas(args):
    import pandas as pd

    from geoagglom.data.area import land_area
    from geoagglom.data.boundaries import resolve_layer

    layer = resolve_layer(args.layer, id=args.id, crs=args.crs)
    names = [c for c in ("name_zh", "name_en") if c in layer.columns]
    table = layer[names].copy()
    table["area_km2"] = land_area(layer, method=args.method)
    table = table.reset_index()
    if args.output:
        write_csv_atomic(table, args.output)
        print(f"wrote {len(table)} areas ({args.method}, km²) to {args.output}")
    else:
        with pd.option_context("display.max_rows", None, "display.width", 120):
            print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        print(f"\n{len(table)} units, total {table['area_km2'].sum():,.2f} km² ({args.method})")


def _notes_once():
    """geoagglom's warnings of a run are printed as its notes: don't print them twice."""
    import warnings

    from geoagglom import errors

    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, Warning):
            warnings.filterwarnings("ignore", category=value)


def _run(args):
    from geoagglom.study.config import Study, print_progress

    _notes_once()
    study = Study.from_toml(args.study)
    results = study.run(args.output, overwrite=args.overwrite, progress=print_progress)
    _summarise(results)


def _demo(args):
    from geoagglom.study.config import Study, demo_dir, print_progress

    _notes_once()
    study = Study.from_toml(demo_dir() / "study.toml")
    # An earlier demo output is replaced; a folder holding anything else is not.
    results = study.run(args.output, overwrite="own", progress=print_progress)
    _summarise(results)
    print("The demo's data are ILLUSTRATIVE (generated, not official statistics).")


def _summarise(results):
    import pandas as pd

    tables = ", ".join(sorted(results.tables))
    print(f"wrote {results.out_dir}/")
    print(f"  report:  {results.report}")
    print(f"  tables:  {len(results.tables)} CSV files in tables/ ({tables})")
    print(f"  figures: {len(results.figures)} figures (PNG and SVG) in figures/")
    if "table_I" in results.tables:
        with pd.option_context("display.width", 120):
            print("\nTable I (inequality of the regions' entropy):")
            print(results.tables["table_I"].to_string(index=False))


def _layers(_args):
    # the catalog alone (standard library): listing it needs neither pandas nor geopandas
    from geoagglom.data.catalog import catalog_rows

    rows = [{k: str(v) for k, v in row.items()} for row in catalog_rows()]
    columns = ("name", "kind", "units", "description")
    width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns[:-1]}
    print("  ".join(c.ljust(width[c]) for c in columns[:-1]) + "  description")
    for r in rows:
        print("  ".join(r[c].ljust(width[c]) for c in columns[:-1]) + "  " + r["description"])


def write_csv_atomic(frame, path):
    """Write a CSV through a temporary file in the same folder, so no partial file is left."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            frame.to_csv(f, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_parser():
    parser = argparse.ArgumentParser(
        prog="geoagglom",
        description="Spatial analysis of financial agglomeration.",
    )
    parser.add_argument("--version", action="version", version=f"geoagglom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    areas = sub.add_parser("areas", help="land area (km²) of every unit of a layer or file")
    areas.add_argument("layer", help="a bundled layer name (see 'geoagglom layers') or a file")
    areas.add_argument("--id", help="the id column of a boundary file")
    areas.add_argument(
        "--crs", help="the CRS of a boundary file that has none (no .prj), e.g. EPSG:4490"
    )
    areas.add_argument("--method", choices=AREA_METHODS.values, default="geodesic")
    areas.add_argument("-o", "--output", help="write a CSV here instead of printing")
    areas.set_defaults(run=_areas)

    run = sub.add_parser("run", help="run a study described in a TOML file")
    run.add_argument("study", help="the study file (see examples/)")
    run.add_argument("-o", "--output", help="output folder (default: the study's [output])")
    run.add_argument("--overwrite", action="store_true", help="replace an existing folder")
    run.set_defaults(run=_run)

    demo = sub.add_parser("demo", help="run the bundled Shandong study (illustrative data)")
    demo.add_argument("-o", "--output", default="geoagglom-demo", help="output folder")
    demo.set_defaults(run=_demo)

    layers = sub.add_parser("layers", help="list the bundled layers and groupings")
    layers.set_defaults(run=_layers)
    return parser


class Terminated(BaseException):
    """SIGTERM (e.g. from ``timeout``), raised so that every cleanup runs.

    Parameters
    ----------
    *args
        None: the SIGTERM handler raises it without arguments.
    """


#: The signal that stopped the run, if any: a library may wrap the exception raised
#: for it (numba's compiler does), so the exit status does not rely on its type.
_STOPPED_BY = []


def _on_sigterm(signum, frame):
    _STOPPED_BY.append(signal.SIGTERM)
    raise Terminated


def _on_sigint(signum, frame):
    _STOPPED_BY.append(signal.SIGINT)
    raise KeyboardInterrupt


def _redeliver(unraisable):
    """``sys.unraisablehook`` during a run: a stop that Python swallowed is sent again.

    A signal's exception is raised wherever the main thread is; inside a weakref
    callback or a ``__del__`` (matplotlib's caches have many) Python only prints it
    ("Exception ignored in ...") and goes on, so the run would finish and the traceback
    reach the user. The signal is sent again from a thread instead, to be raised at
    the next step of the run; other unraisable exceptions go to the usual hook.
    """
    if isinstance(unraisable.exc_value, (Terminated, KeyboardInterrupt)) and _STOPPED_BY:
        import threading

        # a moment later: by then this hook has returned (a signal raised inside it
        # would be swallowed again)
        again = threading.Timer(0.05, os.kill, args=(os.getpid(), _STOPPED_BY[-1]))
        again.daemon = True
        again.start()
        return
    sys.__unraisablehook__(unraisable)


def main(argv=None):
    """Entry point of the ``geoagglom`` command; returns the exit status.

    Errors print one line (exit 2). An interruption (Ctrl-C, SIGTERM, ``timeout``)
    removes the unfinished output folder, prints one line and exits 130 / 143; a
    closed pipe (``geoagglom layers | head``) ends quietly.
    """
    args = build_parser().parse_args(argv)
    _STOPPED_BY.clear()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.signal(signal.SIGINT, _on_sigint)
    previous_hook, sys.unraisablehook = sys.unraisablehook, _redeliver
    try:
        args.run(args)
    except GeoagglomError as err:
        if not _STOPPED_BY:
            print(f"geoagglom: error: {err}", file=sys.stderr)
            return 2
        return _stopped()
    except (KeyboardInterrupt, Terminated):
        return _stopped()
    except BrokenPipeError:
        # the reader went away (| head): stop quietly, and keep Python from complaining
        # about the closed stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except BaseException:
        if _STOPPED_BY:  # the interruption came back wrapped in another exception
            return _stopped()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook
    return 0


def _stopped():
    """One line for an interrupted run (the output folder was removed by then)."""
    if _STOPPED_BY and _STOPPED_BY[0] == signal.SIGTERM:
        print("geoagglom: terminated; no output was left behind.", file=sys.stderr)
        return 143
    print("geoagglom: interrupted; no output was left behind.", file=sys.stderr)
    return 130


def entry():
    """The ``geoagglom`` command and ``python -m geoagglom``: :func:`main`, then exit.

    After an interruption the output folder is gone and the one-line message printed;
    the process then leaves at once with 130 / 143. A normal exit is not safe here:
    CPython remembers a Ctrl-C that passed through C code (e.g. inside an extension's
    ``PyRun_String``) even though :func:`main` handled it, and at exit kills itself with
    SIGINT instead of returning the status (seen as -2 in about 1 run in 5).
    """
    status = main()
    if status in (130, 143):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    entry()
