"""Spatial Markov: parity with giddy's Spatial_Markov, chain identities, bad input."""

import warnings

import mapclassify
import numpy as np
import pandas as pd
import pytest
from giddy.ergodic import mfpt as giddy_mfpt
from giddy.ergodic import steady_state as giddy_steady_state
from giddy.markov import Spatial_Markov
from libpysal.weights import W, lat2W

import geoagglom as ga
from geoagglom.dynamics.chain import (
    communication_classes,
    mean_first_passage,
    steady_state,
    steady_states,
)
from geoagglom.dynamics.markov import homogeneity
from geoagglom.errors import EmptyTransitionsWarning, InputError, PanelDropWarning
from geoagglom.measures.classify import quantile_cutoffs

TOL = 1e-10


def _close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=tol)


@pytest.fixture(scope="module")
def pair(usjoin):
    pci, years, w = usjoin
    rpci = pci / pci.mean(axis=0)
    g = Spatial_Markov(rpci, w, k=5, m=5, fixed=True)
    ours = ga.spatial_markov(pci, w, k=5, m=5, years=years)
    return g, ours


def test_classes_and_counts_match_giddy(pair):
    g, ours = pair
    assert (g.class_ids == ours.class_ids).all()
    assert (g.lclass_ids == ours.lclass_ids).all()
    _close(g.cutoffs, ours.cutoffs)
    _close(g.lag_cutoffs, ours.lag_cutoffs)
    _close(g.transitions, ours.transitions, 0)
    _close(g.T, ours.T, 0)


def test_matrices_steady_states_passage_times_match_giddy(pair):
    g, ours = pair
    _close(g.p, ours.p)
    _close(g.P, ours.P)
    _close(g.s, ours.s)
    _close(np.array(list(g.S), dtype=float), ours.S)
    _close(g.f, ours.f)
    _close(g.F, ours.F)


def test_homogeneity_tests_match_giddy(pair):
    g, ours = pair
    for a in ("LR", "Q", "LR_p_value", "Q_p_value"):
        _close(getattr(g, a), getattr(ours, a))
    assert g.dof_hom == ours.dof_hom == 60
    _close(g.ht.LR_table, ours.LR_table)
    _close(g.ht.Q_table, ours.Q_table)
    _close(np.array(g.chi2, dtype=float), np.array(ours.chi2, dtype=float))
    _close(g.x2, ours.x2)
    assert g.x2_dof == ours.x2_dof  # k = m and no empty row: giddy's k (k-1)^2 is the sum
    _close(g.x2_pvalue, ours.x2_pvalue)
    _close(np.array(g.shtest, dtype=float), np.array(ours.shtest, dtype=float))


def test_per_year_quantiles_match_giddy(usjoin):
    pci, _years, w = usjoin
    g = Spatial_Markov(pci / pci.mean(axis=0), w, k=5, m=5, fixed=False)
    ours = ga.spatial_markov(pci, w, classify="per_year")
    assert (g.class_ids == ours.class_ids).all() and (g.lclass_ids == ours.lclass_ids).all()
    _close(g.T, ours.T, 0)
    _close(g.P, ours.P)
    for a in ("LR", "Q", "LR_p_value", "Q_p_value"):
        _close(getattr(g, a), getattr(ours, a))
    assert g.dof_hom == ours.dof_hom
    # lag class 4 has two recurrent classes: giddy lists both distributions
    _close(np.asarray(g.S[4], dtype=float), ours.steady_states[4])
    assert np.isnan(ours.S[4]).all()
    for lc in range(4):
        _close(np.asarray(g.S[lc], dtype=float), ours.S[lc])


def test_user_cutoffs_match_giddy(usjoin):
    pci, _years, w = usjoin
    cut, lcut = [0.8, 0.95, 1.05, 1.2], [0.85, 1.0, 1.15]
    g = Spatial_Markov(pci / pci.mean(axis=0), w, cutoffs=cut, lag_cutoffs=lcut)
    with pytest.warns(EmptyTransitionsWarning, match="'lag 0: class 4', 'lag 3: class 0'"):
        ours = ga.spatial_markov(pci, w, classify="cutoffs", cutoffs=cut, lag_cutoffs=lcut)
    assert (ours.k, ours.m) == (5, 4)
    assert (g.class_ids == ours.class_ids).all() and (g.lclass_ids == ours.lclass_ids).all()
    assert ours.empty_rows == [(0, 4), (3, 0)]
    # giddy zero-fills the rows without moves; ours are NaN, the rest equal
    empty = np.isnan(ours.P).all(axis=2)
    assert empty.sum() == 2 and (g.P[empty] == 0).all()
    _close(g.P[~empty], ours.P[~empty])
    for a in ("LR", "Q", "LR_p_value", "Q_p_value"):
        _close(getattr(g, a), getattr(ours, a))
    assert g.dof_hom == ours.dof_hom


def test_panel_forms_agree(usjoin, us_wide):
    pci, years, w = usjoin
    a = ga.spatial_markov(pci, w)
    b = ga.spatial_markov(us_wide, w)
    long = (
        us_wide.rename_axis("state")
        .reset_index()
        .melt(id_vars="state", var_name="yr", value_name="income")
    )
    c = ga.spatial_markov(long.sample(frac=1, random_state=1), w, unit="state", year="yr")
    for other in (b, c):
        assert (other.class_ids == a.class_ids).all()
        _close(other.P, a.P, 0)
        assert other.LR == a.LR
    assert c.years == years


def test_raw_scale_differs_and_zscore_is_mean_free(usjoin):
    pci, years, w = usjoin
    with pytest.warns(EmptyTransitionsWarning):  # incomes grow: low classes die out
        raw = ga.spatial_markov(pci, w, scale="raw")
    _close(raw.y, pci)
    with pytest.warns(EmptyTransitionsWarning, match="'lag 4: class 0'"):
        z = ga.spatial_markov(pci, w, scale="zscore")
    _close(z.y.mean(axis=0), np.zeros(len(years)))


# --------------------------------------------------------------------------- #
# Identities
# --------------------------------------------------------------------------- #
def test_identities(pair):
    _, sm = pair
    n, t = sm.class_ids.shape
    assert sm.transitions.sum() == n * (t - 1) == sm.T.sum()
    _close(sm.T.sum(axis=0), sm.transitions, 0)
    _close(sm.p.sum(axis=1), np.ones(sm.k))
    _close(sm.P.sum(axis=2), np.ones((sm.m, sm.k)))
    _close(sm.s @ sm.p, sm.s)
    for lc in range(sm.m):
        _close(sm.S[lc] @ sm.P[lc], sm.S[lc])
        # ergodic chain: mean recurrence time = 1 / stationary probability
        _close(np.diag(sm.F[lc]), 1 / sm.S[lc], 1e-8)
    # the first passage times solve M = 1 + P (M - diag M)
    f = sm.f
    _close(f, 1 + sm.p @ (f - np.diag(np.diag(f))), 1e-9)
    frame = sm.to_frame()
    assert len(frame) == (sm.m + 1) * sm.k**2
    assert frame["count"].sum() == 2 * n * (t - 1)
    tests = sm.tests()
    assert tests.loc[0, "statistic"] == sm.LR and tests.loc[1, "statistic"] == sm.Q


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # giddy multiplies 0 * inf
def test_chain_functions_against_giddy_on_reducible_chains():
    p = np.array([[0.5, 0.5, 0.0, 0.0], [0.3, 0.7, 0.0, 0.0], [0.2, 0.0, 0.5, 0.3], [0, 0, 0, 1.0]])
    _close(steady_states(p), giddy_steady_state(p))
    classes, rec = communication_classes(p)
    assert [c.tolist() for c in classes] == [[0, 1], [2], [3]] and rec == [True, False, True]
    assert np.isnan(steady_state(p)).all()
    _close(mean_first_passage(p), giddy_mfpt(p))
    oz = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])
    _close(mean_first_passage(oz), giddy_mfpt(oz))
    _close(steady_state(oz), giddy_steady_state(oz))


def test_homogeneity_of_identical_regimes_is_zero():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 20, size=(3, 3))
    h = homogeneity(np.stack([t, 2 * t, 3 * t]))
    assert abs(h.LR) < 1e-12 and abs(h.Q) < 1e-12 and h.dof == 3 * 2 * 2
    assert h.LR_p_value == pytest.approx(1.0)


def test_no_spatial_structure_rejects_at_about_alpha(usjoin):
    """Shuffling the units each year destroys the link with the neighbours' class."""
    rng = np.random.default_rng(20261130)
    g = lat2W(8, 8)
    runs, rejected = 60, 0
    for _ in range(runs):
        y = rng.lognormal(size=(64, 12))
        y = np.array([rng.permutation(col) for col in y.T]).T
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EmptyTransitionsWarning)
            sm = ga.spatial_markov(y, g, k=3, m=3)
        rejected += sm.LR_p_value < 0.05
    # binomial(60, 0.05): P(X >= 9) < 0.01
    assert rejected <= 8


# --------------------------------------------------------------------------- #
# Bad input and reported policies
# --------------------------------------------------------------------------- #
def test_empty_rows_are_reported_not_zero_filled():
    g = lat2W(4, 4)
    y = np.tile(np.arange(16, dtype=float)[:, None] + 1, (1, 4))  # nobody ever moves
    y[:, 1] = y[:, 1][::-1]
    with pytest.warns(EmptyTransitionsWarning, match="without any observed move"):
        sm = ga.spatial_markov(y, g, k=4, m=4)
    assert sm.empty_rows
    for lc, cls in sm.empty_rows:
        row = sm.p[cls] if lc is None else sm.P[lc, cls]
        assert np.isnan(row).all()
    with pytest.warns(EmptyTransitionsWarning):
        ab = ga.spatial_markov(y, g, k=4, m=4, empty="absorbing")
    lc, cls = ab.empty_rows[-1]
    assert ab.P[lc, cls, cls] == 1.0 and ab.P[lc, cls].sum() == 1.0


def test_fewer_than_three_years():
    with pytest.raises(InputError, match="at least 3 years"):
        ga.spatial_markov(np.random.default_rng(0).random((16, 2)), lat2W(4, 4), k=2, m=2)


def test_k_larger_than_distinct_values():
    y = np.repeat(np.array([1.0, 2.0, 3.0, 4.0]), 4)[:, None] * np.array([1, 1.1, 1.2, 1.3])
    with pytest.raises(InputError, match=r"distinct values|quantile cut-offs equal"):
        ga.spatial_markov(y, lat2W(4, 4), k=5, m=2, scale="raw", classify="per_year")


def test_tied_quantiles_are_an_error():
    y = np.ones((16, 4))
    y[0] = 2.0
    y[1, 2] = 3.0
    with pytest.raises(InputError, match="ties"):
        ga.spatial_markov(y, lat2W(4, 4), k=3, m=2, scale="raw")


def test_unbalanced_panel_raise_and_drop(us_wide, usjoin):
    _, _, w = usjoin
    long = (
        us_wide.iloc[:, :6].rename_axis("unit").reset_index().melt(id_vars="unit", var_name="year")
    )
    gap = long[~((long["unit"] == "3") & (long["year"] == 1931))]
    with pytest.raises(InputError, match=r"'?3'? \(lacks 1931\)"):
        ga.spatial_markov(gap, w, k=3, m=3)
    with pytest.warns(PanelDropWarning, match="dropped 1 unit"):
        du = ga.spatial_markov(gap, w, k=3, m=3, unbalanced="drop_units")
    assert du.dropped == {"units": ["3"], "years": []} and "3" not in du.ids and du.n == 47
    with pytest.warns(PanelDropWarning, match="1 year"):
        dy = ga.spatial_markov(gap, w, k=3, m=3, unbalanced="drop_years")
    assert dy.dropped == {"units": [], "years": [1931]} and 1931 not in dy.years


def test_islands_are_named():
    neighbors = {0: [1], 1: [0, 2], 2: [1], 3: []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbors)
    with pytest.raises(InputError, match=r"islands.*3"):
        ga.spatial_markov(np.random.default_rng(1).random((4, 5)), w, k=2, m=2)


def test_constant_year_is_named(usjoin, us_wide):
    _, _, w = usjoin
    wide = us_wide.copy()
    wide[1950] = 7.0
    with pytest.raises(InputError, match=r"constant.*1950"):
        ga.spatial_markov(wide, w)


def test_bad_options():
    g = lat2W(4, 4)
    y = np.random.default_rng(2).random((16, 4))
    with pytest.raises(InputError, match="classify"):
        ga.spatial_markov(y, g, classify="jenks")
    with pytest.raises(InputError, match="cutoffs"):
        ga.spatial_markov(y, g, cutoffs=[0.5])
    with pytest.raises(InputError, match="strictly increasing"):
        ga.spatial_markov(y, g, classify="cutoffs", cutoffs=[2, 1], lag_cutoffs=[1])
    with pytest.raises(InputError, match="units not in the weights"):
        ga.spatial_markov(pd.DataFrame(y, index=range(1, 17)), g, k=2, m=2)


@pytest.mark.parametrize("k", range(2, 12))
def test_quantile_cutoffs_are_mapclassify_s_to_the_last_bit(k):
    rng = np.random.default_rng(k)
    for n in (7, 48, 1001, 3888):
        v = rng.normal(size=n)
        expected = mapclassify.Quantiles(v, k=k).bins[:-1]
        assert (quantile_cutoffs(v, k) == expected).all()
