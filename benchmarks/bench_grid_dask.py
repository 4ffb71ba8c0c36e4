"""Grid scale benchmark (issue 13): 100k, 1M and 10M cells, in memory, on dask, and the peers.

Operations on a lon/lat grid of ~1 km cells (0.01 degree boxes over eastern China):

* ``area``: geoagglom ``land_area`` (geodesic, the default) against geopandas
  ``to_crs(<Albers equal-area>).area`` (the usual peer idiom; a planar area after a
  projection, not the same arithmetic as the geodesic one).
* ``contiguity``: geoagglom ``spatial_weights(layer, "queen")`` against libpysal
  ``Graph.build_contiguity(layer, rook=False)``.
* ``lisa``: local Moran, 99 permutations, queen, row-standardised: geoagglom
  ``local_moran`` (default: simulations not kept) against esda ``Moran_Local``
  (numba, ``n_jobs=1``). The weights are built untimed before the call, from the
  grid's arithmetic (the same queen graph in every engine; the contiguity case times
  building them through dask). The dask engine runs ``local_moran(..., chunks=4)``: the
  conditional permutations as 4 tasks over ranges of units on the cluster; after the
  timing it checks that every result array equals the in-memory call's.
* ``lisa-unequal``: the same on the queen pairs weighted 1, 2 or 3 (``1 + (i + j) % 3``,
  not transformed): rows of unequal weights, the permutation engine's per-edge path.

Engines: ``peer``, ``memory`` (geoagglom on a GeoDataFrame built in the process, build
untimed) and ``dask`` (geoagglom on ``dask_geopandas.read_parquet`` of a partitioned
GeoParquet written out of core by this script with ``dask_geopandas.to_parquet``, a
``LocalCluster`` with 2 workers of 1 thread; the time includes reading the files).

Every case runs in a FRESH process. Peak memory: the process's peak resident set
(``ru_maxrss``); for dask, that of the client process PLUS the sum of the two workers'
own ``ru_maxrss`` (asked of each worker with ``client.run`` at the end of the case).
Each case has a timeout; a case predicted from the two smaller sizes to need more than
``--mem-limit`` GB (the straight line through their peaks) or more than its timeout (a
power law, exponent at least 1) is skipped and the table says why.
Growth exponent: the log-log slope of the time between consecutive sizes.

Usage::

    python benchmarks/bench_grid_dask.py [--sizes 100000,1000000,10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
D = 0.01  # cell side in degrees
ROWS_PER_PART = 80  # grid rows per GeoParquet partition


# --------------------------------------------------------------------------- #
# the grid
# --------------------------------------------------------------------------- #
def grid_rows(side, r0, r1):
    """Rows r0..r1-1 of a side x side lon/lat grid, indexed by cell number."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    cells = np.arange(r0 * side, r1 * side)
    r, c = np.divmod(cells, side)
    geoms = shapely.box(110 + c * D, 30 + r * D, 110 + (c + 1) * D, 30 + (r + 1) * D)
    return gpd.GeoDataFrame(geometry=geoms, index=pd.Index(cells, name="cell"), crs=4326)


def queen_pairs(side):
    """Queen contiguity of the grid from its arithmetic (heads, tails)."""
    n = side * side
    r, c = np.divmod(np.arange(n), side)
    h, t = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == dc == 0:
                continue
            ok = (r + dr >= 0) & (r + dr < side) & (c + dc >= 0) & (c + dc < side)
            h.append(np.flatnonzero(ok))
            t.append(((r + dr) * side + c + dc)[ok])
    return np.concatenate(h), np.concatenate(t)


def values(index, side):
    """A variable with a trend and noise, a function of the cell number only."""
    r = np.asarray(index) // side
    rng = np.random.default_rng(0)
    return rng.normal(size=side * side)[np.asarray(index)] + 0.3 * (r / side)


def lisa_weights(op, side):
    """Queen weights of the grid: row-standardised (``lisa``) or weighted 1, 2 or 3 by
    pair (``lisa-unequal``: rows of unequal weights)."""
    from geoagglom.spatial.weights import _graph_from_pairs

    h, t = queen_pairs(side)
    ids = np.arange(side * side)
    if op == "lisa":
        return _graph_from_pairs(ids, h, t).transform("r")
    return _graph_from_pairs(ids, h, t, weights=1.0 + (h + t) % 3)


def write_parquet(side, folder):
    """Partitioned GeoParquet of the grid, written out of core (row blocks as delayed)."""
    import dask
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401  (registers the GeoDataFrame backend)

    starts = list(range(0, side, ROWS_PER_PART))
    parts = [dask.delayed(grid_rows)(side, a, min(a + ROWS_PER_PART, side)) for a in starts]
    meta = grid_rows(side, 0, 1).iloc[:0]
    ddf = dd.from_delayed(parts, meta=meta, verify_meta=False)
    with dask.config.set(scheduler="threads", num_workers=2):
        ddf.to_parquet(folder)
    return len(starts)


# --------------------------------------------------------------------------- #
# one case (child process)
# --------------------------------------------------------------------------- #
def hwm_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm(op, engine):
    """The same call on a 20 x 20 grid (imports, numba compilation)."""
    import geoagglom as ga

    small = grid_rows(20, 0, 20)
    if op == "area":
        small.to_crs(ALBERS).area if engine == "peer" else ga.land_area(small)
    elif op == "contiguity":
        if engine == "peer":
            from libpysal.graph import Graph

            Graph.build_contiguity(small, rook=False)
        else:
            ga.spatial_weights(small, "queen")
    else:
        w = lisa_weights(op, 20)
        y = values(np.arange(400), 20)
        if engine == "peer":
            import esda

            esda.Moran_Local(y, w, permutations=99, seed=1, n_jobs=1)
        else:
            ga.local_moran(y, w, 99, seed=1, chunks=4 if engine == "dask" else None)


def child(op, side, engine, folder):
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(REPO))
    import geoagglom as ga

    out = {}
    client = cluster = None
    if engine == "dask":
        import dask_geopandas
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="8GiB"
        )
        client = Client(cluster)
        client.run(lambda: __import__("geoagglom.spatial.weights"))  # warm the workers
        layer = dask_geopandas.read_parquet(folder)
    elif not op.startswith("lisa"):
        layer = grid_rows(side, 0, side)
    warm(op, engine)  # imports and numba compilation outside the timings
    out["base_mb"] = hwm_mb()

    if op == "area":
        t = time.perf_counter()
        if engine == "peer":
            res = np.asarray(layer.to_crs(ALBERS).area) / 1e6
        else:
            res = ga.land_area(layer).to_numpy()
        out["seconds"] = time.perf_counter() - t
        out["check"] = float(np.sum(res))
    elif op == "contiguity":
        t = time.perf_counter()
        if engine == "peer":
            from libpysal.graph import Graph

            g = Graph.build_contiguity(layer, rook=False)
        else:
            g = ga.spatial_weights(layer, "queen")
        out["seconds"] = time.perf_counter() - t
        out["check"] = int(g.n_edges if hasattr(g, "n_edges") else len(g.adjacency))
    elif op.startswith("lisa"):
        w = lisa_weights(op, side)
        ids = np.arange(side * side)
        y = values(ids, side)
        out["base_mb"] = hwm_mb()
        t = time.perf_counter()
        if engine == "peer":
            import esda

            lm = esda.Moran_Local(y, w, permutations=99, seed=1, n_jobs=1)
        else:
            lm = ga.local_moran(y, w, 99, seed=1, chunks=4 if engine == "dask" else None)
        out["seconds"] = time.perf_counter() - t
        out["check"] = float(np.mean(lm.p_sim < 0.05))
    out["peak_mb"] = hwm_mb()
    if client is not None:
        workers = client.run(hwm_mb)
        out["worker_peak_mb"] = sorted(workers.values())
        out["peak_mb"] += sum(workers.values())
        if op.startswith("lisa"):  # after the peaks: the in-memory call in this process
            ref = ga.local_moran(y, w, 99, seed=1)
            out["identical"] = all(
                np.array_equal(getattr(lm, a), getattr(ref, a))
                for a in ("Is", "p_sim", "EI_sim", "seI_sim", "z_sim", "labels")
            )
        client.close()
        cluster.close()
    print("RESULT " + json.dumps(out), flush=True)


# --------------------------------------------------------------------------- #
# the driver
# --------------------------------------------------------------------------- #
def run_case(op, side, engine, folder, timeout):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONWARNINGS="ignore")
    cmd = [sys.executable, __file__, "--child", op, str(side), engine, str(folder)]
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s"}
    wall = time.perf_counter() - t
    lines = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    if r.returncode or not lines:
        tail = (r.stderr or "").strip().splitlines()[-3:]
        kind = "killed (out of memory?)" if r.returncode in (-9, 137) else f"rc {r.returncode}"
        return {"status": f"failed: {kind}: {' | '.join(tail)[-300:]}"}
    out = json.loads(lines[-1][7:])
    out["status"] = "ok"
    out["wall"] = wall
    return out


def predict(prev, n, key, affine=False):
    """``key`` at ``n`` from the two previous sizes: a power law with an exponent of at
    least 1 (times), or the straight line through them (memory: a fixed part per process,
    the interpreter, libraries and dask workers, plus a part growing with the cells)."""
    pts = [(m, v[key]) for m, v in sorted(prev.items()) if v.get(key)]
    if not pts:
        return None
    if len(pts) == 1:
        m, v = pts[0]
        return v * n / m
    (m1, v1), (m2, v2) = pts[-2:]
    if affine:
        return v2 + (v2 - v1) / (m2 - m1) * (n - m2)
    k = max(1.0, math.log(v2 / v1) / math.log(m2 / m1))
    return v2 * (n / m2) ** k


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000,10000000")
    ap.add_argument("--repeat", type=int, default=3, help="rounds up to 200k cells (1 above)")
    ap.add_argument("--ops", default="area,contiguity,lisa,lisa-unequal")
    ap.add_argument("--engines", default="dask,memory,peer")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per case")
    ap.add_argument("--mem-limit", type=float, default=18, help="GB; skip above")
    ap.add_argument("--child", nargs=4, metavar=("OP", "SIDE", "ENGINE", "FOLDER"))
    args = ap.parse_args()
    if args.child:
        op, side, engine, folder = args.child
        return child(op, int(side), engine, folder)

    sizes = [int(s) for s in args.sizes.split(",")]
    ops, engines = args.ops.split(","), args.engines.split(",")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    tmp = Path(tempfile.mkdtemp(prefix="grid_parquet_"))
    results = {}  # (op, engine) -> {n: summary}
    rows = []
    try:
        for n in sizes:
            side = round(math.sqrt(n))
            n = side * side
            folder = tmp / f"grid_{side}"
            if "dask" in engines:
                t = time.perf_counter()
                nparts = write_parquet(side, folder)
                print(
                    f"\n{n:,} cells: GeoParquet in {nparts} partitions written in "
                    f"{time.perf_counter() - t:.1f} s",
                    flush=True,
                )
            rounds = args.repeat if n <= 200_000 else 1
            for op in ops:
                runs = {e: [] for e in engines}
                skip = {}
                for e in engines:
                    prev = results.get((op, e), {})
                    mem = predict(prev, n, "peak_mb", affine=True)
                    sec = predict(prev, n, "wall")
                    if mem and mem > args.mem_limit * 1024:
                        skip[e] = f"skipped: predicted peak {mem / 1024:.0f} GB"
                    elif sec and sec > args.timeout:
                        skip[e] = f"skipped: predicted {sec:.0f} s > timeout"
                for _ in range(rounds):  # alternate the engines round by round
                    for e in engines:
                        if e in skip:
                            continue
                        out = run_case(op, side, e, folder, args.timeout)
                        if out["status"] != "ok":
                            skip[e] = out["status"]
                            continue
                        runs[e].append(out)
                for e in engines:
                    if not runs[e]:
                        rows.append((op, n, e, None, None, None, None, skip.get(e, "")))
                        continue
                    ts = [r["seconds"] for r in runs[e]]
                    summ = {
                        "min": min(ts),
                        "median": statistics.median(ts),
                        "peak_mb": max(r["peak_mb"] for r in runs[e]),
                        "wall": max(r["wall"] for r in runs[e]),
                        "check": runs[e][-1]["check"],
                        "extra": runs[e][-1],
                    }
                    results.setdefault((op, e), {})[n] = summ
                    note = skip.get(e, "")
                    if e == "dask":
                        note = f"workers {runs[e][-1]['worker_peak_mb']} MB " + note
                        if op.startswith("lisa"):
                            note += f"identical to memory: {runs[e][-1]['identical']} "
                    rows.append(
                        (op, n, e, summ["min"], summ["median"], summ["peak_mb"], summ, note)
                    )
                    print(
                        f"  {op:10s} {n:>11,} {e:7s} min {summ['min']:8.2f} s  median "
                        f"{summ['median']:8.2f} s  peak {summ['peak_mb']:8.0f} MB  "
                        f"check {summ['check']}  {note}",
                        flush=True,
                    )
                for e in engines:
                    if not runs[e]:
                        print(f"  {op:10s} {n:>11,} {e:7s} {skip.get(e, '')}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table(rows, results)


def table(rows, results):
    print(
        "\n| case | cells | engine | min s | median s | peak MB | peer / this (min) "
        "| growth exponent | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for op, n, e, tmin, tmed, peak, _summ, note in rows:
        if tmin is None:
            print(f"| {op} | {n:,} | {e} | | | | | | {note} |")
            continue
        peer = results.get((op, "peer"), {}).get(n)
        ratio = f"{peer['min'] / tmin:.2f}x" if peer and e != "peer" else ""
        mine = results[(op, e)]
        smaller = [m for m in mine if m < n]
        growth = ""
        if smaller:
            m = max(smaller)
            growth = f"{math.log(tmin / mine[m]['min']) / math.log(n / m):.2f}"
        print(
            f"| {op} | {n:,} | {e} | {tmin:.2f} | {tmed:.2f} | {peak:.0f} | {ratio} "
            f"| {growth} | {note.strip()} |"
        )


if __name__ == "__main__":
    main()
