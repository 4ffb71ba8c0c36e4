"""Benchmark geoagglom's spatial Durbin model against spreg, side by side, in one run.

1. SDM with impacts on a regular 54 x 54 grid (2,916 units, queen, row-standardised),
   synthetic seeded data: ``geoagglom.spatial_model(..., model="sdm")`` followed by
   ``.impacts(draws=1000)`` (trace impacts with simulated inference) against
   ``spreg.ML_Lag(..., slx_lags=1, spat_impacts="full")`` (point impacts from the full
   inverse, no simulation). The two take turns ``--repeat`` times; min and median.
2. The SDM fit on a 316 x 316 grid (99,856 units): geoagglom's sparse LU
   log-determinant path, timed once (spreg is not run: its information matrix
   inverts a dense n x n matrix).

Usage::

    python benchmarks/bench_models.py [--repeat 3] [--spreg-method ord] [--skip-large]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd


def grid_data(side, seed=20261130):
    """A side x side queen grid (row-standardised W) and seeded SDM data on it."""
    from libpysal.weights import lat2W

    w = lat2W(side, side, rook=False)
    w.transform = "r"
    rng = np.random.default_rng(seed)
    n = w.n
    x = rng.normal(size=(n, 2))
    W = w.sparse.tocsr()
    from scipy.sparse import identity
    from scipy.sparse.linalg import spsolve

    rhs = 1.0 + x @ [1.0, -0.5] + (W @ x) @ [0.4, 0.2] + rng.normal(size=n)
    y = spsolve((identity(n, format="csc") - 0.45 * W.tocsc()), rhs)
    df = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1]}, index=w.id_order)
    return w, df


def run_geoagglom(w, df, draws=1000):
    import geoagglom as ga

    fit = ga.spatial_model(df, "y", ["x1", "x2"], w, model="sdm")
    imp = fit.impacts(draws=draws, seed=1)
    return fit, imp


def run_spreg(w, df, method):
    from spreg import ML_Lag

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ML_Lag(
            df[["y"]].to_numpy(),
            df[["x1", "x2"]].to_numpy(),
            w,
            slx_lags=1,
            method=method,
            spat_impacts="full",
            spat_diag=False,
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spreg-method", default="ord")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()

    w, df = grid_data(54)
    print(f"grid: {w.n} units, queen, row-standardised; SDM y ~ x1 + x2 + W x1 + W x2")
    times = {"geoagglom": [], "spreg": []}
    out = {}
    for _ in range(args.repeat):
        t = time.perf_counter()
        out["geoagglom"] = run_geoagglom(w, df)
        times["geoagglom"].append(time.perf_counter() - t)
        t = time.perf_counter()
        out["spreg"] = run_spreg(w, df, args.spreg_method)
        times["spreg"].append(time.perf_counter() - t)
    fit, imp = out["geoagglom"]
    sp = out["spreg"]
    print(f"rho: geoagglom {fit.rho:.8f}  spreg {float(sp.rho):.8f}")
    print(imp.to_string(index=False, float_format=lambda v: f"{v:.5f}"))
    for name, ts in times.items():
        print(f"{name:>10}: min {min(ts):8.3f} s  median {statistics.median(ts):8.3f} s  {ts}")
    print(
        f"ratio spreg/geoagglom: min {min(times['spreg']) / min(times['geoagglom']):.1f}x, "
        f"median {statistics.median(times['spreg']) / statistics.median(times['geoagglom']):.1f}x"
    )
    if not args.skip_large:
        t = time.perf_counter()
        wl, dfl = grid_data(316)
        t_build = time.perf_counter() - t
        t = time.perf_counter()
        import geoagglom as ga

        big = ga.spatial_model(dfl, "y", ["x1", "x2"], wl, model="sdm")
        t_fit = time.perf_counter() - t
        t = time.perf_counter()
        imp = big.impacts(draws=1000, seed=1)
        t_imp = time.perf_counter() - t
        print(
            f"100k grid ({wl.n} units): data+weights {t_build:.1f} s, SDM fit {t_fit:.1f} s "
            f"(rho = {big.rho:.6f}), impacts with 1,000 draws {t_imp:.1f} s"
        )
        print(imp[["variable", "impact", "estimate", "sim_sd"]].to_string(index=False))


if __name__ == "__main__":
    main()
