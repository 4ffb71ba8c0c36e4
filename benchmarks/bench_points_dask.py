"""Points into counties (issue 13): N points into the bundled 2,875 counties.

geoagglom ``points_to_units`` in memory (a lon/lat DataFrame) and on dask (a dask
DataFrame read from a partitioned Parquet written out of core by this script, a
``LocalCluster`` with 2 workers of 1 thread; the time includes reading the files)
against ``geopandas.sjoin(predicate="within")`` + ``groupby().size()``.

The points: a pool of 200k points uniform over China's bounding box, kept where they
fall in a county (found once, untimed), then N draws from the pool with a 1e-5 degree
jitter (points all over the country, ~all inside a county; ``outside="drop"``).

Every case runs in a fresh process; peak memory as in ``bench_grid_dask.py`` (the
process's ``ru_maxrss``, plus the two workers' for dask). The per-county counts of every
engine are checked equal to the peer's (a point on a shared border may be counted by
geopandas in both counties: the number of differing counties is printed).

Usage::

    python benchmarks/bench_points_dask.py [--sizes 1000000,10000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, str(REPO))
PART = 500_000  # points per Parquet partition


def pool():
    import geopandas as gpd

    import geoagglom as ga

    counties = ga.load_layer("china-counties")
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = counties.total_bounds
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, 200_000), rng.uniform(y0, y1, 200_000)),
        crs=counties.crs,
    )
    inside = gpd.sjoin(pts, counties[["geometry"]], predicate="within").index.unique()
    g = pts.geometry.loc[inside]
    return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])


def points_part(xy, seed, size):
    import pandas as pd

    rng = np.random.default_rng(seed)
    pick = xy[rng.integers(0, len(xy), size)] + rng.uniform(-1e-5, 1e-5, (size, 2))
    start = seed * PART
    return pd.DataFrame(
        {"lon": pick[:, 0], "lat": pick[:, 1]}, index=pd.RangeIndex(start, start + size)
    )


def write(n, folder, xy):
    import dask
    import dask.dataframe as dd

    sizes = [min(PART, n - a) for a in range(0, n, PART)]
    parts = [dask.delayed(points_part)(xy, i, s) for i, s in enumerate(sizes)]
    ddf = dd.from_delayed(parts, meta=points_part(xy, 0, 1).iloc[:0], verify_meta=False)
    with dask.config.set(scheduler="threads", num_workers=2):
        ddf.to_parquet(folder)
    return len(sizes)


def hwm_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine, folder):
    import warnings

    warnings.simplefilter("ignore")
    import dask.dataframe as dd
    import geopandas as gpd
    import pandas as pd

    import geoagglom as ga

    counties = ga.load_layer("china-counties")
    client = cluster = None
    if engine == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="8GiB"
        )
        client = Client(cluster)
        client.run(lambda: __import__("geoagglom.data.points"))
        pts = dd.read_parquet(folder)
    else:
        pts = pd.read_parquet(folder)
    # warm-up (imports, tree building code paths) on 1,000 points
    small = pd.DataFrame({"lon": [110.0] * 1000, "lat": [30.0] * 1000})
    if engine == "peer":
        gpd.sjoin(
            gpd.GeoDataFrame(geometry=gpd.points_from_xy(small.lon, small.lat), crs=4326),
            counties[["geometry"]],
            predicate="within",
        )
    else:
        ga.points_to_units(small, counties, lon="lon", lat="lat", outside="drop")
    base = hwm_mb()
    t = time.perf_counter()
    if engine == "peer":
        g = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts.lon, pts.lat), crs=4326)
        right = counties[["geometry"]].reset_index(drop=True)
        j = gpd.sjoin(g, right, predicate="within")
        counts = j.groupby("index_right").size().reindex(right.index, fill_value=0)
    else:
        out = ga.points_to_units(pts, counties, lon="lon", lat="lat", outside="drop")
        counts = out["n_points"]
    seconds = time.perf_counter() - t
    res = {"seconds": seconds, "base_mb": base, "peak_mb": hwm_mb(), "counts": counts.tolist()}
    if client is not None:
        workers = client.run(hwm_mb)
        res["worker_peak_mb"] = sorted(workers.values())
        res["peak_mb"] += sum(workers.values())
        client.close()
        cluster.close()
    print("RESULT " + json.dumps(res), flush=True)


def run_case(engine, folder, timeout):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONWARNINGS="ignore")
    cmd = [sys.executable, __file__, "--child", engine, str(folder)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s"}
    lines = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    if r.returncode or not lines:
        tail = " | ".join((r.stderr or "").strip().splitlines()[-3:])[-300:]
        return {"status": f"failed: rc {r.returncode}: {tail}"}
    out = json.loads(lines[-1][7:])
    out["status"] = "ok"
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=2, help="rounds below 5M points (1 above)")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "FOLDER"))
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    xy = pool()
    tmp = Path(tempfile.mkdtemp(prefix="points_parquet_"))
    engines = ["dask", "memory", "peer"]
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            folder = tmp / f"p{n}"
            t = time.perf_counter()
            nparts = write(n, folder, xy)
            print(
                f"\n{n:,} points: Parquet in {nparts} partitions, {time.perf_counter() - t:.1f} s"
            )
            runs = {e: [] for e in engines}
            fail = {}
            for _ in range(args.repeat if n < 5_000_000 else 1):
                for e in engines:
                    if e in fail:
                        continue
                    out = run_case(e, folder, args.timeout)
                    if out["status"] != "ok":
                        fail[e] = out["status"]
                    else:
                        runs[e].append(out)
            peer = runs["peer"]
            ref = np.asarray(peer[-1]["counts"]) if peer else None
            for e in engines:
                if not runs[e]:
                    rows.append(f"| {n:,} | {e} | | | | | {fail.get(e, '')} |")
                    continue
                ts = [r["seconds"] for r in runs[e]]
                peak = max(r["peak_mb"] for r in runs[e])
                ratio = (
                    f"{min(peer_t['seconds'] for peer_t in peer) / min(ts):.2f}x"
                    if (peer and e != "peer")
                    else ""
                )
                note = ""
                if ref is not None and e != "peer":
                    got = np.asarray(runs[e][-1]["counts"])
                    note = (
                        f"{int(np.sum(got != ref))} counties differ from sjoin, "
                        f"{int(ref.sum() - got.sum())} points fewer"
                    )
                if e == "dask":
                    note += f"; workers {[round(x) for x in runs[e][-1]['worker_peak_mb']]} MB"
                rows.append(
                    f"| {n:,} | {e} | {min(ts):.2f} | {statistics.median(ts):.2f} | "
                    f"{peak:.0f} | {ratio} | {note} |"
                )
                print(rows[-1], flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| points | engine | min s | median s | peak MB | sjoin / this (min) | note |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
