"""How close is a study's permutation estimate to the time the permutations take?

For a few sizes (units × permutations × years), runs the permutation tests a study
runs (Moran's I, Geary's C and the local Moran each year, the Theil T between part,
the directional LISA) on random data over a ring of four neighbours, and prints the
estimate of ``geoagglom.study.budget`` (documented costs, and costs measured at run
time by ``calibrate``) next to the measured time (min and median of ``--repeat``).

    python benchmarks/bench_budget.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from geoagglom.dynamics.directional import directional_lisa
from geoagglom.measures.inequality import theil
from geoagglom.spatial.global_stats import geary, moran
from geoagglom.spatial.local_stats import local_moran
from geoagglom.study.budget import calibrate, estimate

TESTS = ("global", "global", "local", "theil")


def ring(n):
    ids = np.arange(n)
    focal = np.repeat(ids, 4)
    neighbour = (focal + np.tile([-2, -1, 1, 2], n)) % n
    return Graph.from_arrays(focal, neighbour, np.ones(len(focal))).transform("r")


def work(n, permutations, years):
    rng = np.random.default_rng(1)
    g = ring(n)
    panel = pd.DataFrame(
        {"unit": np.tile(np.arange(n), years), "year": np.repeat(np.arange(years), n)}
    )
    panel["v"] = rng.random(n * years) + 0.5
    start = time.perf_counter()
    for year in range(years):
        y = panel.loc[panel["year"] == year, "v"].to_numpy()
        moran(y, g, permutations=permutations, seed=year)
        geary(y, g, permutations=permutations, seed=year)
        local_moran(y, g, permutations=permutations, seed=year, keep_simulations=False)
        theil(y, groups=np.arange(n) % 4, permutations=permutations, seed=year)
    directional_lisa(panel, g, permutations=permutations, seed=0, value="v")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("units perms years | estimate documented | estimate calibrated | measured min/median")
    for n, permutations, years in ((17, 20_000, 13), (300, 9_999, 10), (2_000, 999, 5)):
        tests = [
            ("Moran's I", "global", years),
            ("Geary's C", "global", years),
            ("local Moran", "local", years),
            ("Theil T between regions", "theil", years),
            ("directional LISA", "rose", 1),
        ]
        documented = estimate(n, permutations, tests).seconds
        start = time.perf_counter()
        costs = calibrate(n, ["global", "local", "theil", "rose"])
        took = time.perf_counter() - start
        calibrated = estimate(n, permutations, tests, costs=costs).seconds
        times = [work(n, permutations, years) for _ in range(args.repeat)]
        best, median = min(times), statistics.median(times)
        print(
            f"{n:5d} {permutations:6d} {years:3d} | {documented:8.1f} s "
            f"({documented / median:4.2f}x) | {calibrated:8.1f} s ({calibrated / median:4.2f}x; "
            f"calibration {took:.2f} s) | {best:.1f} s / {median:.1f} s"
        )


if __name__ == "__main__":
    main()
