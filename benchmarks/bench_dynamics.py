"""Benchmark geoagglom's dynamics against giddy, side by side, in one run.

Input: a regular 54 x 54 grid (2,916 cells, rook contiguity from
``libpysal.weights.lat2W``, row-standardised) and a synthetic 13-year panel with
spatial structure (a smooth surface plus noise that drifts year to year).

1. Spatial Markov, k = m = 5, pooled quantiles: ``geoagglom.spatial_markov`` vs
   ``giddy.markov.Spatial_Markov`` (whose steady states, passage times and
   homogeneity tests are lazy properties: they are read inside the timing, since
   geoagglom computes them on construction).
2. LISA Markov with 999 permutations: ``geoagglom.lisa_markov`` vs
   ``giddy.markov.LISA_Markov`` (esda's ``Moran_Local`` per year; with numba when
   it is importable, its JIT compilation done before timing).
3. Directional LISA (rose, k = 8) with 999 permutations:
   ``geoagglom.directional_lisa`` vs ``giddy.directional.Rose(...).permute(999)``.

The two sides alternate within each round; best and median of ``--repeat`` rounds
and the ratios giddy / geoagglom are printed. Results are checked to agree
(transition counts, quadrants, sector counts) before timing.

Usage::

    python benchmarks/bench_dynamics.py [--repeat 5] [--side 54] [--years 13]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def panel(side, years, seed=20261130):
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:side, 0:side] / side
    surface = np.exp(np.sin(3 * r) + np.cos(4 * c)).ravel()
    y = np.empty((side * side, years))
    level = surface * rng.lognormal(0, 0.2, side * side)
    for t in range(years):
        level = level * rng.lognormal(0.02, 0.05, side * side)
        y[:, t] = level
    return y


def best_median(times):
    return min(times), float(np.median(times))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="rounds (each side once per round)")
    ap.add_argument("--side", type=int, default=54, help="grid side (side**2 units)")
    ap.add_argument("--years", type=int, default=13)
    ap.add_argument("--permutations", type=int, default=999)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")

    import esda
    import giddy
    from giddy.directional import Rose
    from giddy.markov import LISA_Markov, Spatial_Markov
    from libpysal.graph import Graph
    from libpysal.weights import lat2W

    import geoagglom as ga

    try:
        import numba

        numba_version = numba.__version__
    except ImportError:  # pragma: no cover
        numba_version = "absent"
    y = panel(args.side, args.years)
    rel = y / y.mean(axis=0)
    w = lat2W(args.side, args.side)
    w.transform = "r"
    # each side on its native weights: giddy a libpysal W, geoagglom a Graph (converted
    # once, outside the timing; geoagglom.spatial_weights builds Graphs directly)
    graph = Graph.from_W(w)
    perms = args.permutations
    n = y.shape[0]
    print(
        f"grid {args.side}x{args.side} = {n} units, {args.years} years, {perms} permutations; "
        f"numpy {np.__version__}, giddy {giddy.__version__}, esda {esda.__version__}, "
        f"numba {numba_version}"
    )

    def giddy_markov():
        sm = Spatial_Markov(rel, w, k=5, m=5, fixed=True, fill_empty_classes=True)
        _ = (sm.s, sm.S, sm.F, sm.LR, sm.Q, sm.chi2, sm.shtest)
        return sm

    def ours_markov():
        return ga.spatial_markov(y, graph, k=5, m=5, empty="absorbing")

    def giddy_lisa():
        return LISA_Markov(y, w, permutations=perms)

    def ours_lisa():
        return ga.lisa_markov(y, graph, permutations=perms, seed=1)

    def giddy_rose():
        r = Rose(rel[:, [0, -1]], w, k=8)
        r.permute(perms)
        return r

    def ours_rose():
        return ga.directional_lisa(y, graph, k=8, permutations=perms, seed=1)

    # agreement first (and the JIT compilation of esda's numba kernels, if any)
    t0 = time.perf_counter()
    gl = giddy_lisa()
    first_lisa = time.perf_counter() - t0
    g, o = giddy_markov(), ours_markov()
    assert (g.T == o.T).all() and abs(g.LR - o.LR) < 1e-8, "spatial Markov disagrees"
    ol = ours_lisa()
    assert (gl.q == ol.q).all() and (gl.transitions == ol.transitions).all(), "LISA Markov"
    gr, orr = giddy_rose(), ours_rose()
    assert (gr.counts == orr.counts).all(), "rose counts disagree"
    print(f"giddy LISA_Markov first call (includes esda/numba start-up): {first_lisa:.2f} s")

    pairs = {
        "spatial Markov k=m=5": (giddy_markov, ours_markov),
        f"LISA Markov, {perms} permutations": (giddy_lisa, ours_lisa),
        f"rose k=8, {perms} permutations": (giddy_rose, ours_rose),
    }
    rows = []
    for name, (peer, ours) in pairs.items():
        tp, to = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            peer()
            tp.append(time.perf_counter() - t)
            t = time.perf_counter()
            ours()
            to.append(time.perf_counter() - t)
        (pb, pm), (ob, om) = best_median(tp), best_median(to)
        rows.append((name, pb, pm, ob, om))
    head = f"{'':36s} {'giddy best':>11s} {'median':>8s} {'ours best':>10s} {'median':>8s}"
    print(head + f" {'ratio best':>11s} {'median':>7s}")
    for name, pb, pm, ob, om in rows:
        print(
            f"{name:36s} {pb:10.3f}s {pm:7.3f}s {ob:9.3f}s {om:7.3f}s {pb / ob:10.1f}x "
            f"{pm / om:6.1f}x"
        )


if __name__ == "__main__":
    main()
