"""Tests of geoagglom.measures.bootstrap: replicates, intervals, paired change, errors."""

import math

import libpysal
import numpy as np
import pandas as pd
import pytest

from geoagglom import (
    InputError,
    atkinson,
    bootstrap,
    bootstrap_change,
    generalized_entropy,
    gini,
    theil,
)
from geoagglom.measures.bootstrap import _draw_counts
from geoagglom.seeding import check_random_state

INDEXES = [
    (gini, {}),
    (gini, {"correction": True}),
    (theil, {"kind": "T"}),
    (theil, {"kind": "L"}),
    (generalized_entropy, {"alpha": -1.0}),
    (generalized_entropy, {"alpha": 0.5}),
    (generalized_entropy, {"alpha": 2.0}),
    (atkinson, {"epsilon": 0.5}),
    (atkinson, {"epsilon": 1.0}),
    (atkinson, {"epsilon": 2.0}),
]
PARAM = {gini: None, theil: "kind", generalized_entropy: "alpha", atkinson: "epsilon"}


@pytest.fixture(scope="module")
def mexico():
    return pd.read_csv(libpysal.examples.get_path("mexico.csv"))


def _direct(index, options, y, w, g):
    """The index computed from scratch on resampled data (the object, not the batch)."""
    key = PARAM[index]
    args = () if key is None else (options[key],)
    extra = {"correction": options["correction"]} if "correction" in options else {}
    return index(y, *args, weights=w, groups=g, **extra)


@pytest.mark.parametrize(("index", "options"), INDEXES)
def test_replicates_equal_index_on_resampled_units(mexico, index, options):
    """Each replicate = the index of the units drawn, computed independently.

    The draws are regenerated from the same seed, each unit is repeated as often
    as it was drawn, and the index is computed by the ordinary function.
    """
    y = mexico["pcgdp1970"].to_numpy(dtype=float)
    w = mexico["pcgdp1940"].to_numpy(dtype=float) / 1000
    g = mexico["hanson98"].to_numpy()
    b = bootstrap(index, y, w, g, replicates=25, seed=7, **options)
    _, codes = np.unique(g, return_inverse=True)
    counts = _draw_counts(check_random_state(7), len(y), 25, codes)
    for r in range(25):
        k = counts[r].astype(int)
        ref = _direct(index, options, np.repeat(y, k), np.repeat(w, k), np.repeat(g, k))
        assert b.replicates.loc[r, "total"] == pytest.approx(ref.statistic, rel=1e-11, abs=1e-15)
        for part in b.parts[1:]:
            assert b.replicates.loc[r, part] == pytest.approx(
                getattr(ref, part), rel=1e-9, abs=1e-13
            )


@pytest.mark.parametrize(("index", "options"), INDEXES)
def test_parts_of_every_replicate_add_up(mexico, index, options):
    for stratify in (True, False):
        b = bootstrap(
            index,
            "pcgdp2000",
            groups="inegi",
            data=mexico,
            replicates=199,
            seed=3,
            stratify=stratify,
            **options,
        )
        parts = b.replicates[list(b.parts[1:])].sum(axis=1)
        np.testing.assert_allclose(parts, b.replicates["total"], rtol=1e-11, atol=1e-15)
        assert b.stratified is stratify


def test_seeded_repeatability(mexico):
    kw = {"groups": "hanson03", "data": mexico, "replicates": 99}
    a = bootstrap(theil, "pcgdp1990", seed=11, ci="bca", **kw)
    b = bootstrap(theil, "pcgdp1990", seed=11, ci="bca", **kw)
    c = bootstrap(theil, "pcgdp1990", seed=12, ci="bca", **kw)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert not a.replicates.equals(c.replicates)
    gen = np.random.default_rng(5)
    d = bootstrap(theil, "pcgdp1990", seed=gen, **kw)
    assert not d.replicates.equals(bootstrap(theil, "pcgdp1990", seed=gen, **kw).replicates)


def test_stratified_draws_keep_group_sizes(mexico):
    g = mexico["hanson98"].to_numpy()
    _, codes = np.unique(g, return_inverse=True)
    counts = _draw_counts(check_random_state(1), len(g), 50, codes)
    for k in range(codes.max() + 1):
        assert (counts[:, codes == k].sum(axis=1) == (codes == k).sum()).all()
    free = _draw_counts(check_random_state(1), len(g), 50, None)
    assert (free.sum(axis=1) == len(g)).all()


def test_percentile_interval_is_quantiles(mexico):
    b = bootstrap(gini, "pcgdp1940", data=mexico, replicates=199, seed=2, level=0.9)
    lo, hi = np.quantile(b.replicates["total"], [0.05, 0.95])
    assert b.ci_low == pytest.approx(lo, rel=1e-14)
    assert b.ci_high == pytest.approx(hi, rel=1e-14)
    assert b.se["total"] == pytest.approx(b.replicates["total"].std(ddof=1))


def test_bca_by_hand(mexico):
    """BCa bounds from E&T (14.9)-(14.15), written out in the test."""
    from scipy.stats import norm

    y = mexico["pcgdp1980"].to_numpy(dtype=float)
    b = bootstrap(theil, y, replicates=499, seed=9, ci="bca")
    reps = b.replicates["total"].to_numpy()
    theta = theil(y).T
    z0 = norm.ppf(np.mean(reps < theta))
    jack = np.array([theil(np.delete(y, i)).T for i in range(len(y))])
    d = jack.mean() - jack
    a = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    q = [norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in norm.ppf([0.025, 0.975])]
    lo, hi = np.quantile(reps, q)
    assert b.ci_low == pytest.approx(lo, rel=1e-12)
    assert b.ci_high == pytest.approx(hi, rel=1e-12)


@pytest.mark.slow
def test_coverage_of_95_percent_intervals():
    """Seeded simulation: y ~ Uniform(1, 3), n = 200, 1000 samples, 199 replicates each.

    Known values: Gini = (b − a)/(3(a + b)) = 1/6; Theil T = E[y ln y]/μ − ln μ
    with E[y ln y] = [y²/2 ln y − y²/4]_a^b / (b − a). The seed was fixed once,
    before looking at the result. Monte Carlo sd of the coverage ~0.007.
    """
    a, b, n, samples = 1.0, 3.0, 200, 1000
    mu = (a + b) / 2

    def prim(y):
        return y * y / 2 * math.log(y) - y * y / 4

    truths = {"theil": ((prim(b) - prim(a)) / (b - a) / mu - math.log(mu), theil, "percentile")}
    truths["gini"] = ((b - a) / (3 * (a + b)), gini, "bca")
    for _name, (truth, index, ci) in truths.items():
        rng = np.random.default_rng(20261130)
        hits = 0
        for _ in range(samples):
            y = rng.uniform(a, b, n)
            r = bootstrap(index, y, replicates=199, seed=rng, ci=ci)
            hits += r.ci_low <= truth <= r.ci_high
        assert 0.93 <= hits / samples <= 0.97, (_name, hits / samples)


def test_single_member_strata_and_degenerate_part():
    # Every group has one unit: the within part is 0 in every replicate, its interval [0, 0].
    y = [1.0, 2.0, 4.0, 8.0]
    r = bootstrap(theil, y, groups=["a", "b", "c", "d"], replicates=50, seed=1)
    assert (r.replicates["within"] == 0).all()
    assert (r.lo["within"], r.hi["within"]) == (0.0, 0.0)
    assert r.estimate.statistic == theil(y).T


# --------------------------------------------------------------------------- paired change


def test_paired_change_uses_the_same_draws(mexico):
    kw = {"groups": "hanson98", "data": mexico, "replicates": 199, "seed": 4}
    c = bootstrap_change(generalized_entropy, "pcgdp1940", "pcgdp2000", alpha=2, **kw)
    a = bootstrap(generalized_entropy, "pcgdp1940", alpha=2, **kw)
    b = bootstrap(generalized_entropy, "pcgdp2000", alpha=2, **kw)
    np.testing.assert_allclose(c.replicates, b.replicates - a.replicates, rtol=0, atol=1e-15)
    assert c.statistic == pytest.approx(b.statistic - a.statistic, abs=1e-15)
    extreme = np.abs(c.replicates["total"] - c.statistic) >= abs(c.statistic)
    assert c.p_sim == (1 + extreme.sum()) / 200
    assert c.ci_low < c.statistic < c.ci_high
    frame = c.to_frame()
    assert list(frame["part"]) == ["total", "within", "between"]


def test_paired_change_no_change_is_not_significant(mexico):
    y = mexico["pcgdp1970"].to_numpy(dtype=float)
    c = bootstrap_change(gini, y, y * 1.5, replicates=99, seed=1)
    assert c.statistic == pytest.approx(0.0, abs=1e-15)
    assert c.p_sim == 1.0
    c = bootstrap_change(gini, y, y**1.5, replicates=199, seed=1, ci="bca")
    assert c.p_sim <= 0.01 and c.ci_low > 0


# --------------------------------------------------------------------------- errors


def test_error_empty_strata():
    groups = pd.Series(pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "empty"]))
    with pytest.raises(InputError, match=r"'empty'.*no units"):
        bootstrap(theil, [1.0, 2, 3, 4], groups=groups, replicates=9)
    strata = pd.Categorical(["x", "x", "y", "y"], categories=["x", "y", "z"])
    with pytest.raises(InputError, match="'z'"):
        bootstrap(theil, [1.0, 2, 3, 4], strata=strata, replicates=9)
    # Without stratification there is nothing to draw from the empty category.
    assert bootstrap(theil, [1.0, 2, 3, 4], groups=groups, stratify=False, replicates=9).parts


def test_error_too_few_units_and_replicates():
    with pytest.raises(InputError, match="at least 2 units"):
        bootstrap(gini, [1.0], replicates=9)
    with pytest.raises(InputError, match="at least 2 replicates"):
        bootstrap(gini, [1.0, 2.0], replicates=1)
    with pytest.raises(InputError, match="replicates"):
        bootstrap(gini, [1.0, 2.0], replicates=9.5)


def test_error_bad_options():
    with pytest.raises(InputError, match="does not know the index"):
        bootstrap(np.mean, [1.0, 2.0])
    with pytest.raises(InputError, match="Unknown option"):
        bootstrap(gini, [1.0, 2.0], alpha=2)
    with pytest.raises(InputError, match="ci = 'normal'"):
        bootstrap(gini, [1.0, 2.0], ci="normal")
    with pytest.raises(InputError, match="level"):
        bootstrap(gini, [1.0, 2.0], level=95)


def test_error_zero_value_names_unit_for_theil_L():
    y = pd.Series([1.0, 0.0, 2.0], index=["Jinan", "Zibo", "Qingdao"])
    with pytest.raises(InputError, match="'Zibo'"):
        bootstrap(theil, y, kind="L", replicates=9)
    with pytest.raises(InputError, match="'Zibo'"):
        bootstrap(atkinson, y, epsilon=1.5, replicates=9)


def test_error_paired_lengths():
    with pytest.raises(InputError, match="same units"):
        bootstrap_change(gini, [1.0, 2, 3], [1.0, 2], replicates=9)


def test_gini_jackknife_from_cumulative_sums_equals_n_leave_one_out_ginis():
    """The O(n log n) jackknife of the Gini (BCa) gives the leave-one-out values of every
    Dagum part, as the n evaluations without each unit (ties, weights, a singleton group)."""
    import geoagglom
    from geoagglom.measures import bootstrap as B

    rng = np.random.default_rng(11)
    for n, k, weighted, correction in ((40, 4, True, False), (25, 3, False, True), (9, 1, 1, 0)):
        y = np.round(rng.lognormal(size=n), 1)  # ties
        w = rng.random(n) + 0.1 if weighted else np.ones(n)
        codes = np.sort(rng.integers(0, k, n))
        codes[-1] = k  # a group of one unit
        onehot = np.eye(k + 1)[codes]
        spec = B._spec("gini", {"correction": bool(correction)})
        fast = B._jackknife(spec, y, w, onehot, codes, True)
        for i in (0, n // 2, n - 1):
            keep = np.arange(n) != i
            ref = geoagglom.gini(y[keep], w[keep], codes[keep], correction=bool(correction))
            if correction:  # the bootstrap keeps n/(n − 1) of the full sample
                factor = (n / (n - 1)) / ((n - 1) / (n - 2))
            else:
                factor = 1.0
            for part, value in (
                ("total", ref.statistic),
                ("within", ref.within),
                ("net_between", ref.net_between),
                ("transvariation", ref.transvariation),
            ):
                assert fast[part][i] == pytest.approx(value * factor, rel=1e-10, abs=1e-14)
