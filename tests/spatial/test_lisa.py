"""Local Moran (LISA), bivariate local Moran, classes, per-year tables and spillover_check."""

import warnings
import zlib

import esda
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from spatial_data import DATASETS, gal_graph, layer, xy

import geoagglom as ga
from geoagglom.errors import InputError
from geoagglom.spatial.permutation import _ordered_samples
from geoagglom.spatial.significance import _adjust

TOL = 1e-10
NAMES = sorted(DATASETS)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def allclose(a, b):
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


# --------------------------------------------------------------------------- #
# Parity with esda
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", NAMES)
def test_local_moran_matches_esda(name):
    _, y = xy(name)
    w = gal_graph(name)
    n = w.n
    ours = ga.local_moran(y, w, permutations=0)
    ref = esda.Moran_Local(y, w, permutations=0)
    allclose(ours.Is, ref.Is)
    np.testing.assert_array_equal(ours.q, ref.q)
    # esda reports its analytic moments on spdep's scale: ours on spdep's scale match
    sp = ga.local_moran(y, w, permutations=0, scaling="spdep")
    for a in ("EI", "VI", "EIc", "VIc"):
        allclose(getattr(sp, a), getattr(ref, a))
    # ... and ours on esda's scale are (n-1)/n (variances its square) times them
    f = (n - 1) / n
    allclose(ours.EIc, f * ref.EIc)
    allclose(ours.VIc, f**2 * ref.VIc)
    allclose(ours.EI, f * ref.EI)
    allclose(ours.VI, f**2 * ref.VI)
    # the two scalings differ by (n-1)/n and give the same z and p
    allclose(ours.Is, f * sp.Is)
    allclose(ours.z_c, sp.z_c)


@pytest.mark.parametrize("name", NAMES)
def test_local_moran_bv_matches_esda(name):
    x, y = xy(name)
    w = gal_graph(name)
    ours = ga.local_moran_bv(x, y, w, permutations=9, seed=1)
    ref = esda.Moran_Local_BV(x, y, w, permutations=0)
    allclose(ours.Is, ref.Is)
    np.testing.assert_array_equal(ours.q, ref.q)


# --------------------------------------------------------------------------- #
# Conditional permutation
# --------------------------------------------------------------------------- #
def test_same_seed_same_p_values():
    x, y = xy("sids2")
    w = gal_graph("sids2")
    a = ga.local_moran(y, w, 199, seed=8, keep_simulations=True)
    b = ga.local_moran(y, w, 199, seed=8, keep_simulations=True)
    np.testing.assert_array_equal(a.sim, b.sim)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert not np.array_equal(a.sim, ga.local_moran(y, w, 199, seed=9, keep_simulations=True).sim)
    c = ga.local_moran_bv(x, y, w, 199, seed=8)
    d = ga.local_moran_bv(x, y, w, 199, seed=8)
    np.testing.assert_array_equal(c.p_sim, d.p_sim)
    # keep_simulations=False gives the same p-values from the same draws
    e = ga.local_moran(y, w, 199, seed=8, keep_simulations=False)
    np.testing.assert_array_equal(a.p_sim, e.p_sim)
    assert e.sim is None


@pytest.mark.parametrize("name", ["columbus", "stl"])
def test_conditional_permutation_matches_exact_conditional_moments(name):
    """EIc and VIc are the exact mean and variance of the conditional permutation null.

    With P draws, unit i's sample mean has standard error sqrt(VIc_i / P) and its
    sample variance sqrt((mu4_i - VIc_i**2) / P); each unit must be within 4.5
    standard errors (false alarm below 1e-5 per check, about 1e-3 over all units
    of both data sets; the seed is fixed, so the test is deterministic). Drawing
    from all n units, or letting unit i be its own neighbour, would shift the
    mean by far more than that.
    """
    _, y = xy(name)
    w = gal_graph(name)
    p = 20_000
    lm = ga.local_moran(y, w, p, seed=77, keep_simulations=True)
    se_mean = np.sqrt(lm.VIc / p)
    assert np.all(np.abs(lm.EI_sim - lm.EIc) <= 4.5 * se_mean)
    mu4 = np.mean((lm.sim - lm.sim.mean(axis=0)) ** 4, axis=0)
    se_var = np.sqrt((mu4 - lm.VIc**2) / p)
    assert np.all(np.abs(lm.VI_sim - lm.VIc) <= 4.5 * se_var)


def test_conditional_permutation_general_weights():
    """Unequal weights take the per-edge path: the same exact-moment check (see above)."""
    from libpysal.graph import Graph

    _, y = xy("columbus")
    base = gal_graph("columbus")
    adj = base.adjacency
    rng = np.random.default_rng(3)
    w = Graph.from_arrays(
        adj.index.get_level_values(0),
        adj.index.get_level_values(1),
        rng.uniform(0.2, 2.0, len(adj)),
    )
    p = 20_000
    lm = ga.local_moran(y, w, p, seed=5, keep_simulations=True)
    ref = esda.Moran_Local(y, w, permutations=0, transformation="o")
    allclose(lm.Is, ref.Is)
    assert np.all(np.abs(lm.EI_sim - lm.EIc) <= 4.5 * np.sqrt(lm.VIc / p))
    mu4 = np.mean((lm.sim - lm.sim.mean(axis=0)) ** 4, axis=0)
    assert np.all(np.abs(lm.VI_sim - lm.VIc) <= 4.5 * np.sqrt((mu4 - lm.VIc**2) / p))


@pytest.mark.parametrize("pool,k", [(48, 9), (2000, 12), (5, 5), (3, 1)])
def test_ordered_samples_are_distinct_and_uniform(pool, k):
    rng = np.random.default_rng(0)
    size = 40_000
    s = _ordered_samples(rng, pool, k, size)
    assert s.shape == (size, k)
    assert s.min() >= 0 and s.max() < pool
    srt = np.sort(s, axis=1)
    assert not (srt[:, 1:] == srt[:, :-1]).any()
    # every slot is uniform over the pool (chi-square test at 1e-6)
    for col in (0, k - 1):
        counts = np.bincount(s[:, col], minlength=pool)
        assert stats.chisquare(counts).pvalue > 1e-6


def test_p_sim_alternatives_and_esda_rule():
    _, y = xy("columbus")
    w = gal_graph("columbus")
    p = 499
    res = {
        a: ga.local_moran(y, w, p, seed=4, alternative=a, keep_simulations=True)
        for a in ("two-sided", "greater", "less", "directed")
    }
    sims, obs = res["greater"].sim, res["greater"].Is
    ge = np.sum(sims >= obs, axis=0)
    le = np.sum(sims <= obs, axis=0)
    allclose(res["greater"].p_sim, (ge + 1) / (p + 1))
    allclose(res["less"].p_sim, (le + 1) / (p + 1))
    allclose(res["two-sided"].p_sim, np.minimum(1, 2 * np.minimum(ge + 1, le + 1) / (p + 1)))
    larger = np.where(p - ge < ge, p - ge, ge)
    allclose(res["directed"].p_sim, (larger + 1) / (p + 1))
    # the p-value does not depend on the scaling of Is
    sp = ga.local_moran(y, w, p, seed=4, scaling="spdep")
    np.testing.assert_array_equal(sp.p_sim, res["two-sided"].p_sim)


@pytest.mark.parametrize("transform", ["r", "b"])
def test_counts_with_ties_signs_and_zero_values_equal_counts_over_the_simulations(transform):
    """The equal-weight path counts by binary search in sorted prefix sums: it must give
    the counts of the kept simulations exactly, also with many tied values (integer
    data), units at the mean (a zero focal value) and negative focal values."""
    from libpysal.graph import Graph
    from libpysal.weights import lat2W

    w = Graph.from_W(lat2W(12, 12, rook=False)).transform(transform)
    rng = np.random.default_rng(11)
    a = rng.integers(0, 4, 68)
    # mean exactly 1.5: the eight units at 1.5 have z = 0 exactly
    y = rng.permutation(np.concatenate([a, 3 - a, np.full(8, 1.5)]))
    x = rng.normal(size=144)
    p = 299
    runs = {
        "lisa greater": lambda keep: ga.local_moran(
            y, w, p, seed=6, alternative="greater", keep_simulations=keep
        ),
        "lisa less": lambda keep: ga.local_moran(
            y, w, p, seed=6, alternative="less", keep_simulations=keep
        ),
        "bv greater": lambda keep: ga.local_moran_bv(
            x, y, w, p, seed=6, alternative="greater", keep_simulations=keep
        ),
        "bv less, negative x": lambda keep: ga.local_moran_bv(
            -x, y, w, p, seed=6, alternative="less", keep_simulations=keep
        ),
    }
    for run in runs.values():
        res, lean = run(True), run(False)
        ge = np.sum(res.sim >= res.Is, axis=0)
        le = np.sum(res.sim <= res.Is, axis=0)
        want = (ge + 1.0) / (p + 1) if res.alternative == "greater" else (le + 1.0) / (p + 1)
        np.testing.assert_array_equal(res.p_sim, want)
        # the ties are there: few distinct simulated values per unit
        assert np.mean([len(np.unique(col)) for col in res.sim.T]) < p / 5
        np.testing.assert_array_equal(lean.p_sim, res.p_sim)
        np.testing.assert_allclose(lean.EI_sim, res.sim.mean(axis=0), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(lean.seI_sim, res.sim.std(axis=0), rtol=1e-12, atol=1e-14)
    zero = ga.local_moran(y, w, p, seed=6).z == 0
    assert zero.sum() == 8


# --------------------------------------------------------------------------- #
# Multiple testing and classes
# --------------------------------------------------------------------------- #
def test_fdr_and_bonferroni():
    p = np.random.default_rng(1).uniform(0, 0.2, 57)
    allclose(_adjust(p, "fdr"), stats.false_discovery_control(p, method="bh"))
    allclose(_adjust(p, "bonferroni"), np.minimum(1, p * 57))
    allclose(_adjust(p, None), p)


def test_classes_follow_quadrants_and_significance():
    _, y = xy("columbus")
    w = gal_graph("columbus")
    lm = ga.local_moran(y, w, 999, seed=1, alpha=0.05)
    quad = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    for i in range(w.n):
        assert lm.quadrant[i] == quad[lm.q[i]]
        want = lm.quadrant[i] if lm.p_sim[i] <= 0.05 else "ns"
        assert lm.labels[i] == want
    assert lm.counts().sum() == 49
    assert list(lm.counts().index) == ["HH", "LH", "LL", "HL", "ns"]
    assert set(lm.units("HH")) == set(w.unique_ids[lm.labels == "HH"])
    fdr = ga.local_moran(y, w, 999, seed=1, adjust="fdr")
    bon = ga.local_moran(y, w, 999, seed=1, adjust="bonferroni")
    assert bon.significant.sum() <= fdr.significant.sum() <= lm.significant.sum()
    allclose(fdr.p_adjusted, stats.false_discovery_control(lm.p_sim))
    f = lm.to_frame()
    assert list(f.index) == list(w.unique_ids)
    assert {"Is", "q", "quadrant", "p_sim", "p_adjusted", "label"} <= set(f.columns)
    assert "local Moran n=49" in repr(lm)
    # analytic inference (no permutations) uses the conditional normal p-values
    an = ga.local_moran(y, w, permutations=0)
    allclose(an.p_value, an.p_c)
    with pytest.raises(InputError, match="label"):
        lm.units("hot spot")


def test_local_bad_input():
    _, y = xy("columbus")
    w = gal_graph("columbus")
    with pytest.raises(InputError, match="scaling"):
        ga.local_moran(y, w, scaling="geoda")
    with pytest.raises(InputError, match="adjust"):
        ga.local_moran(y, w, adjust="holm")
    with pytest.raises(InputError, match="alpha"):
        ga.local_moran(y, w, alpha=5)
    with pytest.raises(InputError, match="constant"):
        ga.local_moran(np.ones(49), w)
    with pytest.raises(InputError, match="permutations>0"):
        ga.local_moran_bv(y, y, w, permutations=0)
    yn = y.copy()
    yn[0] = np.inf
    with pytest.raises(InputError, match="unit\\(s\\) '1'"):
        ga.local_moran(yn, w)


def test_chunks_without_dask_name_the_optional_extra(monkeypatch):
    """chunks= runs on dask: without it (simulated here), an error naming the extra."""
    import sys

    _, y = xy("columbus")
    w = gal_graph("columbus")
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(InputError, match=r"local Moran with chunks needs dask.*geoagglom\[dask\]"):
        ga.local_moran(y, w, 99, seed=1, chunks=2)
    # the in-memory path does not need it
    assert ga.local_moran(y, w, 99, seed=1).p_sim.shape == (49,)


# --------------------------------------------------------------------------- #
# Per year, transitions, spillover_check
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def columbus_panel():
    g = layer("columbus").copy()
    g.index = pd.Index(g["POLYID"].astype(int), name="unit")
    rng = np.random.default_rng(5)
    frames = [
        pd.DataFrame(
            {
                "unit": g.index,
                "year": yr,
                "beta": g["CRIME"].to_numpy() * np.exp(0.3 * rng.standard_normal(49)),
            }
        )
        for yr in (2004, 2010, 2016)
    ]
    return g, pd.concat(frames, ignore_index=True)


def test_lisa_by_year_and_transitions(columbus_panel):
    g, panel = columbus_panel
    w = ga.spatial_weights(g, "queen")
    lisa = ga.lisa_by_year(panel, w, "beta", permutations=199, seed=3)
    assert len(lisa) == 3 * 49
    one = ga.local_moran(
        panel[panel.year == 2010].set_index("unit")["beta"],
        w,
        199,
        seed=np.random.default_rng(
            np.random.SeedSequence(3, spawn_key=(zlib.crc32(b"lisa"), 2010))
        ),
    )
    sel = lisa[lisa.year == 2010].set_index("unit")
    np.testing.assert_array_equal(sel["label"].to_numpy(), one.labels)
    tab = ga.lisa_transitions(lisa, 2004, 2016)
    assert tab.loc["total", "total"] == 49
    assert tab.shape == (6, 6)
    per_unit = ga.lisa_transitions(lisa, 2004, 2016, units=True)
    want = pd.crosstab(per_unit["from"], per_unit["to"])
    for a in want.index:
        for b in want.columns:
            assert tab.loc[a, b] == want.loc[a, b]
    with pytest.raises(InputError, match="year 1999"):
        ga.lisa_transitions(lisa, 1999, 2016)


def test_spillover_check(columbus_panel):
    g, panel = columbus_panel
    sc = ga.spillover_check(g, panel, "beta", permutations=199, seed=42, adjust="fdr")
    assert list(sc.trend.index) == [2004, 2010, 2016]
    assert sc.classes.shape == (49, 3)
    for y in sc.years:
        sel = sc.lisa[sc.lisa.year == y]
        assert sc.siphoning_cores[y] == list(sel.loc[sel.label == "siphoning core", "unit"])
        assert sc.spillover_clusters[y] == list(sel.loc[sel.label == "spillover cluster", "unit"])
    assert sc.transitions.loc["total", "total"] == 49
    again = ga.spillover_check(g, panel, "beta", permutations=199, seed=42, adjust="fdr")
    pd.testing.assert_frame_equal(sc.lisa, again.lisa)
    pd.testing.assert_frame_equal(sc.trend, again.trend)
    f = sc.to_frame()
    assert {"I", "p_sim", "spillover_cluster", "siphoning_core"} <= set(f.columns)
    assert "spillover check of 'beta'" in repr(sc)
    bad = panel.copy()
    bad.loc[0, "unit"] = 999
    with pytest.raises(InputError, match="not in the layer/weights: 999"):
        ga.spillover_check(g, bad, "beta")


@pytest.mark.parametrize("name", ["columbus", "sids2"])
def test_unkept_simulations_give_the_same_moments_in_bounded_memory(name, monkeypatch):
    """keep_simulations=False: same p-values and classes, moments accumulated per block."""
    import geoagglom.spatial.permutation as perm

    x, y = xy(name)
    w = gal_graph(name)
    kept = ga.local_moran(y, w, 199, seed=3, keep_simulations=True)
    # small blocks so that the moments are combined over many blocks
    monkeypatch.setattr(perm, "_LOCAL_BLOCK_ELEMENTS", 4 * len(y) * 7)
    lean = ga.local_moran(y, w, 199, seed=3, keep_simulations=False)
    assert lean.sim is None
    np.testing.assert_array_equal(lean.p_sim, kept.p_sim)
    np.testing.assert_array_equal(lean.labels, kept.labels)
    np.testing.assert_allclose(lean.EI_sim, kept.sim.mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lean.seI_sim, kept.sim.std(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lean.z_sim, kept.z_sim, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lean.p_z_sim, kept.p_z_sim, rtol=1e-9, atol=1e-12)
    bv_kept = ga.local_moran_bv(x, y, w, 99, seed=4, keep_simulations=True)
    bv_lean = ga.local_moran_bv(x, y, w, 99, seed=4, keep_simulations=False)
    np.testing.assert_array_equal(bv_lean.p_sim, bv_kept.p_sim)
    np.testing.assert_allclose(bv_lean.seI_sim, bv_kept.sim.std(axis=0), rtol=1e-12)


def test_lisa_memory_does_not_grow_with_permutations():
    import tracemalloc

    rng = np.random.default_rng(0)
    side = 60
    r, c = np.divmod(np.arange(side * side), side)
    heads, tails = [], []
    for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        ok = (0 <= r + dr) & (r + dr < side) & (0 <= c + dc) & (c + dc < side)
        heads.append(np.flatnonzero(ok))
        tails.append(((r + dr) * side + c + dc)[ok])
    h, t = np.concatenate(heads), np.concatenate(tails)
    o = np.lexsort((t, h))
    from libpysal.graph import Graph

    w = Graph.from_arrays(h[o], t[o], np.ones(len(h))).transform("r")
    y = rng.normal(size=side * side)
    peaks = []
    for p in (99, 999):
        tracemalloc.start()
        ga.local_moran(y, w, p, seed=1, keep_simulations=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # 999 kept simulations alone would be 29 MB; the lean path stays flat
    assert peaks[1] < 1.5 * peaks[0]
    assert peaks[1] < 20_000_000
