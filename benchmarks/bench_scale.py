"""Scale benchmarks (issue 13): geoagglom against its peers on the same input, alternating.

1. Queen contiguity: ``geoagglom.spatial_weights(grid, "queen")`` vs libpysal
   ``Graph.build_contiguity(grid, rook=False)`` on a 100k- and a 1M-cell grid
   (same neighbour sets checked), plus the peak memory of ``contiguity_pairs`` at 10k
   cells (tracemalloc).
2. Dissolve: the bundled china-prefectures (370 units) and china-counties (2,875) into
   34 provinces, and a 1M-cell grid into 1,000 blocks: ``geoagglom.dissolve_regions``
   (default area check, and ``check_area=False``) vs geopandas
   ``dissolve(method="coverage", aggfunc="sum")`` (same geometries, checked with
   ``shapely.equals``, and sums; the area check's summed outline areas against the
   measured dissolved outlines).
3. Geodesic land area: ``geoagglom.land_area`` vs a ``pyproj.Geod.geometry_area_perimeter``
   loop on the prefectures and a 100k-cell lon/lat grid (and the largest relative
   difference from the loop on oriented rings).
4. Start-up: ``import geoagglom``, ``import geoagglom.spatial``, ``geoagglom --help`` and
   ``geoagglom layers`` in fresh processes (``--only startup``).
5. Local Moran, 99 permutations, 100k and 1M grid cells (rook, row-standardised), each in
   a FRESH process, with peak resident memory (tracemalloc during the
   timed call; and the process's peak RSS (VmHWM)): geoagglom keeping
   the simulations (``keep_simulations=True``) and not keeping them (the default and
   the study's path), and esda's
   ``Moran_Local`` (numba when installed, ``n_jobs=1``) at 100k.

No 10M-cell case: a 10M grid needs ~10 GB for the geometries alone on this machine.

Usage::

    python benchmarks/bench_scale.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


def grid(side, lonlat=False):
    import geopandas as gpd
    import pandas as pd
    import shapely

    r, c = np.divmod(np.arange(side * side), side)
    if lonlat:  # ~1 km cells over eastern China
        d = 0.01
        geoms = shapely.box(110 + c * d, 30 + r * d, 110 + (c + 1) * d, 30 + (r + 1) * d)
        crs = 4326
    else:
        geoms = shapely.box(c, r, c + 1, r + 1)
        crs = 3857
    return gpd.GeoDataFrame(geometry=geoms, index=pd.RangeIndex(side * side), crs=crs)


def alternate(pairs, repeat):
    """Run each (name, fn) in turn, ``repeat`` rounds; return {name: [times]}, last outputs."""
    times = {name: [] for name, _ in pairs}
    outs = {}
    for _ in range(repeat):
        for name, fn in pairs:
            t = time.perf_counter()
            outs[name] = fn()
            times[name].append(time.perf_counter() - t)
    return times, outs


def report(title, times, peer, ours):
    print(f"\n{title}")
    for name, ts in times.items():
        print(f"  {name:38s} min {min(ts):8.3f} s   median {statistics.median(ts):8.3f} s")
    for o in ours:
        print(
            f"  ratio {peer} / {o}: min {min(times[peer]) / min(times[o]):.2f}x, "
            f"median {statistics.median(times[peer]) / statistics.median(times[o]):.2f}x"
        )


def bench_contiguity(repeat, sides):
    import tracemalloc

    import shapely
    from libpysal.graph import Graph

    import geoagglom as ga
    from geoagglom.spatial.weights import contiguity_pairs

    r, c = np.divmod(np.arange(100 * 100), 100)
    tracemalloc.start()
    contiguity_pairs(shapely.box(c, r, c + 1, r + 1))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\ncontiguity_pairs peak traced memory at 10k cells: {peak / 1e6:.1f} MB")
    for side in sides:
        g = grid(side)
        times, outs = alternate(
            [
                ("libpysal Graph.build_contiguity", lambda g=g: Graph.build_contiguity(g, False)),
                ("geoagglom spatial_weights queen", lambda g=g: ga.spatial_weights(g, "queen")),
            ],
            repeat,
        )
        a = outs["libpysal Graph.build_contiguity"].adjacency
        b = outs["geoagglom spatial_weights queen"].adjacency
        assert a.index.equals(b.index), "different neighbour sets"
        report(
            f"Queen contiguity, {side}x{side} = {side * side:,} cells",
            times,
            "libpysal Graph.build_contiguity",
            ["geoagglom spatial_weights queen"],
        )


def bench_dissolve(repeat, side):
    import shapely

    import geoagglom as ga

    for layer_name, n_units in (("china-prefectures", 370), ("china-counties", 2875)):
        layer = ga.load_layer(layer_name)
        by = layer["province_adcode"]
        sub = layer[["area_km2", "geometry"]]

        def ours(check, coverage=True, layer=layer, by=by):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # statistical areas (Macao, ...)
                return ga.dissolve_regions(layer, by, check_area=check, verify_coverage=coverage)

        times, outs = alternate(
            [
                (
                    "geopandas dissolve(method='coverage')",
                    # aggfunc="sum": the same result (summed areas; the default is "first")
                    lambda sub=sub, by=by: sub.dissolve(by, method="coverage", aggfunc="sum"),
                ),
                ("geoagglom dissolve_regions", lambda: ours(True)),
                ("geoagglom dissolve_regions, no area check", lambda: ours(False)),
                ("geoagglom dissolve_regions, no checks", lambda: ours(False, False)),
            ],
            repeat,
        )
        ref = outs["geopandas dissolve(method='coverage')"]
        got = outs["geoagglom dissolve_regions"]
        ref_geoms = ref.geometry.loc[got.index].to_numpy()
        assert shapely.equals(got.geometry.to_numpy(), ref_geoms).all()
        np.testing.assert_allclose(ref["area_km2"].loc[got.index], got["area_km2"], rtol=1e-12)
        # the area check's summed outline areas are the measured dissolved outlines'
        measured = ga.land_area(ref.geometry.loc[got.index]).to_numpy()
        rel = np.max(np.abs(got["area_geometry_km2"].to_numpy() / measured - 1))
        print(
            f"\n({layer_name}: recognised as a valid coverage: {got.attrs.get('known_coverage')}; "
            f"area_geometry_km2 vs the measured outlines: max relative difference {rel:.1e})"
        )
        report(
            f"Dissolve {layer_name} ({n_units:,}) -> provinces ({len(got)})",
            times,
            "geopandas dissolve(method='coverage')",
            [
                "geoagglom dissolve_regions",
                "geoagglom dissolve_regions, no area check",
                "geoagglom dissolve_regions, no checks",
            ],
        )
    g = grid(side)
    r, c = np.divmod(np.arange(side * side), side)
    k = side // 32 + 1
    g["block"] = (r // k) * 1000 + (c // k)
    g["area_km2"] = 1e-6  # 1 m2 cells in EPSG:3857 units; only summed here
    times, outs = alternate(
        [
            (
                "geopandas dissolve(method='coverage')",
                lambda: g.dissolve("block", method="coverage", aggfunc="sum"),
            ),
            (
                "geoagglom dissolve_regions, no area check",
                lambda: ga.dissolve_regions(g, g["block"], check_area=False),
            ),
            (
                "geoagglom dissolve_regions, no checks",
                lambda: ga.dissolve_regions(g, g["block"], check_area=False, verify_coverage=False),
            ),
        ],
        max(1, repeat - 1),
    )
    report(
        f"Dissolve {side * side:,} grid cells -> {g['block'].nunique()} blocks",
        times,
        "geopandas dissolve(method='coverage')",
        ["geoagglom dissolve_regions, no area check", "geoagglom dissolve_regions, no checks"],
    )


def bench_area(repeat, side):
    import shapely
    from pyproj import Geod

    import geoagglom as ga

    geod = Geod(ellps="WGS84")
    for name, layer in (
        ("china-prefectures (370 units, 206k vertices)", ga.load_layer("china-prefectures")),
        (f"{side * side:,}-cell lon/lat grid", grid(side, lonlat=True)),
    ):
        geoms = layer.geometry.to_numpy()

        def peer(geoms=geoms):
            return np.array([abs(geod.geometry_area_perimeter(x)[0]) for x in geoms]) / 1e6

        times, outs = alternate(
            [
                ("pyproj Geod loop", peer),
                ("geoagglom land_area", lambda layer=layer: ga.land_area(layer).to_numpy()),
            ],
            repeat,
        )
        report(f"Geodesic area, {name}", times, "pyproj Geod loop", ["geoagglom land_area"])
        # the loop's signed areas need consistently oriented rings (the bundled layers mix
        # orientations between parts): the reference is the loop on oriented polygons
        oriented = shapely.orient_polygons(geoms, exterior_cw=False)
        ref = np.array([geod.geometry_area_perimeter(x)[0] for x in oriented]) / 1e6
        rel = np.max(np.abs(outs["geoagglom land_area"] / ref - 1))
        print(f"  max relative difference vs the loop on oriented rings: {rel:.2e}")


STARTUP = [
    ("python -c pass (the interpreter alone)", ["-c", "pass"]),
    ("import geoagglom", ["-c", "import geoagglom"]),
    ("import geoagglom.spatial", ["-c", "import geoagglom.spatial"]),
    ("from geoagglom.spatial import moran", ["-c", "from geoagglom.spatial import moran"]),
    ("geoagglom --help", ["-m", "geoagglom", "--help"]),
    ("geoagglom layers", ["-m", "geoagglom", "layers"]),
]


def bench_startup(repeat):
    """Fresh interpreters, wall time of the whole process (min and median of the rounds)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    times = {name: [] for name, _ in STARTUP}
    for _ in range(max(repeat, 5)):
        for name, args in STARTUP:
            t = time.perf_counter()
            subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t)
    print("\nStart-up (fresh process, wall time)")
    for name, ts in times.items():
        print(f"  {name:40s} min {min(ts):6.3f} s   median {statistics.median(ts):6.3f} s")


CHILD = r"""
import json, sys, time
import numpy as np
side, who, repo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, repo)
from geoagglom.spatial.weights import _graph_from_pairs
n = side * side
r, c = np.divmod(np.arange(n), side)
h, t = [], []
for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0)):
    ok = (r + dr >= 0) & (r + dr < side) & (c + dc >= 0) & (c + dc < side)
    h.append(np.flatnonzero(ok)); t.append(((r + dr) * side + c + dc)[ok])
h, t = np.concatenate(h), np.concatenate(t)
w = _graph_from_pairs(np.arange(n), h, t).transform("r")
y = np.random.default_rng(0).normal(size=n) + 0.3 * (r / side)
def hwm_mb():
    # VmHWM: this process's peak resident set (ru_maxrss survives exec from the parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
base = hwm_mb()
if who == "esda":
    import warnings; warnings.simplefilter("ignore")
    import esda
    call = lambda s: esda.Moran_Local(y, w, permutations=99, seed=s, n_jobs=1).p_sim
else:
    import geoagglom as ga
    keep = who == "geoagglom-keep"
    call = lambda s: ga.local_moran(y, w, 99, seed=s, keep_simulations=keep).p_sim
import tracemalloc
t0 = time.perf_counter(); call(1); first = time.perf_counter() - t0
tracemalloc.start()
t0 = time.perf_counter(); call(2); warm = time.perf_counter() - t0
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"first_s": first, "warm_s": warm, "peak_mb": hwm_mb(),
                  "base_mb": base, "traced_mb": traced / 1e6}))
"""


def bench_lisa(sides, esda_max):
    for side in sides:
        print(f"\nLocal Moran, 99 permutations, {side * side:,} cells (fresh process each)")
        whos = ["geoagglom-keep", "geoagglom-lean"]
        if side * side <= esda_max:
            whos.insert(0, "esda")
        for who in whos:
            env = dict(os.environ, PYTHONPATH=str(REPO))
            r = subprocess.run(
                [sys.executable, "-c", CHILD, str(side), who, str(REPO)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if r.returncode:
                print(f"  {who}: failed\n{r.stderr[-2000:]}")
                continue
            out = json.loads(r.stdout.strip().splitlines()[-1])
            print(
                f"  {who:16s} first call {out['first_s']:7.2f} s  warm {out['warm_s']:7.2f} s  "
                f"call peak (tracemalloc) {out['traced_mb']:7.0f} MB  process peak RSS "
                f"{out['peak_mb']:6.0f} MB (before the calls {out['base_mb']:.0f} MB)"
            )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="100k cells only (no 1M cases)")
    ap.add_argument(
        "--only",
        choices=["contiguity", "dissolve", "area", "lisa", "startup"],
        help="one benchmark",
    )
    args = ap.parse_args()
    big = 316 if args.quick else 1000
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    run = {args.only} if args.only else {"contiguity", "dissolve", "area", "lisa", "startup"}
    if "startup" in run:
        bench_startup(args.repeat)
    if "contiguity" in run:
        bench_contiguity(args.repeat, [316] if args.quick else [316, 1000])
    if "dissolve" in run:
        bench_dissolve(args.repeat, big)
    if "area" in run:
        bench_area(args.repeat, 316)
    if "lisa" in run:
        bench_lisa([316] if args.quick else [316, 1000], esda_max=200_000)


if __name__ == "__main__":
    main()
