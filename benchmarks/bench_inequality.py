"""Benchmark geoagglom's bootstrap of the Theil decomposition against a loop over PySAL.

Input: n = 2,875 units (the number of China's county-level units) in 31 groups
(the number of mainland provinces), values drawn from a lognormal distribution
(seeded), group sizes uneven. Task: 999 bootstrap replicates of Theil T with its
within/between decomposition, units resampled within their group.

* peer: the same 999 resamples (the same count matrix), each one expanded into
  its drawn units and passed to ``inequality.theil.TheilD`` in a Python loop;
* geoagglom: ``geoagglom.bootstrap(theil, y, groups=g, replicates=999)``, which
  computes every replicate at once from the count matrix (and the observed
  index, the percentile intervals and the identity check of every replicate).

Both sides run alternately, ``--repeat`` rounds; best and median are printed with
their ratio, after a check that both give the same replicates.

Second case, the Gini with Dagum's decomposition and BCa intervals on the same
input (999 replicates, stratified): BCa needs the n = 2,875 leave-one-out values
of every part. ``geoagglom`` computes them from sorted cumulative sums
(O(n log n + n·groups)); the reference is the same bootstrap with the generic
jackknife (the n leave-one-out count rows evaluated like replicates, as before
this change). PySAL's ``inequality`` has no Dagum decomposition to compare with.

Usage::

    python benchmarks/bench_inequality.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

N, GROUPS, REPLICATES, SEED = 2875, 31, 999, 2024


def data():
    rng = np.random.default_rng(SEED)
    sizes = rng.dirichlet(np.full(GROUPS, 2.0)) * (N - 2 * GROUPS)
    sizes = np.floor(sizes).astype(int) + 2
    sizes[-1] += N - sizes.sum()
    g = np.repeat(np.arange(GROUPS), sizes)
    y = rng.lognormal(mean=g / 10.0, sigma=0.8)
    return y, g


def peer(y, g, counts):
    from inequality.theil import TheilD

    out = np.empty((len(counts), 3))
    for r, c in enumerate(counts):
        idx = np.repeat(np.arange(len(y)), c.astype(int))
        t = TheilD(y[idx], g[idx])
        out[r] = float(t.T), float(t.wg[0]), float(t.bg[0])
    return out


def ours(y, g):
    from geoagglom import bootstrap, theil

    b = bootstrap(theil, y, groups=g, replicates=REPLICATES, seed=SEED)
    return b.replicates[["total", "within", "between"]].to_numpy()


def gini_bca(y, g, generic):
    """Gini BCa bootstrap with groups; ``generic``: the jackknife as n count rows."""
    from unittest import mock

    from geoagglom import bootstrap, gini
    from geoagglom.measures import bootstrap as module

    def n_rows(spec, y, w, onehot, codes, groups):
        counts = np.ones((len(y), len(y)))
        np.fill_diagonal(counts, 0.0)
        return module._evaluate(spec, y, w, onehot, codes, groups, counts)

    patch = mock.patch.object(module, "_jackknife", n_rows) if generic else _nothing()
    with patch:
        b = bootstrap(gini, y, groups=g, replicates=REPLICATES, seed=SEED, ci="bca")
    return np.concatenate([b.lo.to_numpy(), b.hi.to_numpy()])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import inequality
    import numpy

    import geoagglom
    from geoagglom.measures.bootstrap import _draw_counts
    from geoagglom.seeding import check_random_state

    y, g = data()
    counts = _draw_counts(check_random_state(SEED), N, REPLICATES, g)
    ref = peer(y, g, counts)
    mine = ours(y, g)
    err = np.max(np.abs(ref - mine))
    print(f"n={N}, groups={GROUPS}, replicates={REPLICATES}; max |difference| of the "
          f"replicates (total, within, between): {err:.3g}")  # fmt: skip
    assert err <= 1e-10
    times = {"peer (TheilD loop)": [], "geoagglom bootstrap": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        peer(y, g, counts)
        times["peer (TheilD loop)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ours(y, g)
        times["geoagglom bootstrap"].append(time.perf_counter() - t)
    print(f"numpy {numpy.__version__}, inequality {inequality.__version__}, "
          f"geoagglom {geoagglom.__version__}; {args.repeat} alternating rounds")  # fmt: skip
    for name, ts in times.items():
        print(f"{name:22s} best {min(ts):.3f} s   median {statistics.median(ts):.3f} s")
    p, o = times["peer (TheilD loop)"], times["geoagglom bootstrap"]
    print(f"ratio peer/geoagglom: best {min(p) / min(o):.1f}x, "
          f"median {statistics.median(p) / statistics.median(o):.1f}x")  # fmt: skip

    err = np.max(np.abs(gini_bca(y, g, True) - gini_bca(y, g, False)))
    print(f"\nGini (Dagum parts) BCa, {REPLICATES} replicates: max |difference| of the "
          f"intervals, generic vs cumulative-sum jackknife: {err:.3g}")  # fmt: skip
    assert err <= 1e-10
    times = {"generic jackknife": [], "geoagglom (cumsums)": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        gini_bca(y, g, True)
        times["generic jackknife"].append(time.perf_counter() - t)
        t = time.perf_counter()
        gini_bca(y, g, False)
        times["geoagglom (cumsums)"].append(time.perf_counter() - t)
    for name, ts in times.items():
        print(f"{name:22s} best {min(ts):.3f} s   median {statistics.median(ts):.3f} s")
    p, o = times["generic jackknife"], times["geoagglom (cumsums)"]
    print(f"ratio generic/geoagglom: best {min(p) / min(o):.1f}x, "
          f"median {statistics.median(p) / statistics.median(o):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
