"""LISA Markov: parity with giddy's LISA_Markov, move codes, spillover rule, seeding."""

import numpy as np
import pandas as pd
import pytest
from giddy.markov import MOVE_TYPES, LISA_Markov, Markov, chi2
from libpysal.weights import lag_spatial

import geoagglom as ga
from geoagglom.errors import InputError

TOL = 1e-10
# esda quadrant order from the (own high/low x lag high/low) Kronecker order
A = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]])


@pytest.fixture(scope="module")
def pair(usjoin):
    pci, _years, w = usjoin
    g = LISA_Markov(pci, w)
    ours = ga.lisa_markov(pci, w, permutations=199, seed=11, years=None)
    return g, ours


def test_quadrants_transitions_probabilities_match_giddy(pair):
    g, ours = pair
    assert (g.q == ours.q).all()
    np.testing.assert_array_equal(g.transitions, ours.transitions)
    np.testing.assert_allclose(g.p, ours.p, rtol=0, atol=TOL)
    np.testing.assert_allclose(g.steady_state, ours.steady_state, rtol=0, atol=TOL)
    assert (g.move_types == ours.move_types).all()


def test_independence_chi2_matches_giddy_functions(usjoin, pair):
    """giddy's own chi2 and Markov on the (unit x year) high/low chains of y and its lag."""
    pci, _, w = usjoin
    g, ours = pair
    ybar = pci.mean(axis=0)
    own_low = pci / ybar < 1
    lag_low = lag_spatial(w, pci) / ybar < 1
    kp = A @ np.kron(Markov(own_low, summary=False).p, Markov(lag_low, summary=False).p) @ A.T
    expected = np.diag(g.transitions.sum(axis=1)) @ kp
    np.testing.assert_allclose(ours.expected_t, expected, rtol=0, atol=TOL)
    x, p, dof = chi2(g.transitions, expected)
    np.testing.assert_allclose(ours.chi_2[:2], (x, p), rtol=0, atol=TOL)
    assert ours.chi_2[2] == dof == 9


def test_giddy_chi_2_builds_the_chains_on_the_transposed_panel(usjoin, pair):
    """Why giddy's LISA_Markov.chi_2 differs from ours (1058.2 against 60.3).

    giddy transposes y to years x units before forming the 2-state chains, so
    its "transitions" run from one state to the next within a year, and the
    values are relative to each state's mean over time. Rebuilding it that way
    gives giddy's number exactly; the rest of the test is unchanged.
    """
    pci, _, w = usjoin
    g, ours = pair
    y = pci.T
    ybar = y.mean(axis=0)
    own = y / ybar < 1
    lag = np.array([lag_spatial(w, yt) for yt in y]) / ybar < 1
    kp = A @ np.kron(Markov(own, summary=False).p, Markov(lag, summary=False).p) @ A.T
    transposed = chi2(g.transitions, np.diag(g.transitions.sum(axis=1)) @ kp)
    np.testing.assert_allclose(g.chi_2[0], transposed[0], rtol=0, atol=TOL)
    assert abs(ours.chi_2[0] - g.chi_2[0]) > 900


def test_significant_move_codes_are_giddys(pair):
    _, ours = pair
    q0, q1 = ours.q[:, :-1], ours.q[:, 1:]
    s0, s1 = ours.significant[:, :-1], ours.significant[:, 1:]
    expected = np.vectorize(lambda a, b, c, d: MOVE_TYPES[(a, b, bool(c), bool(d))])(q0, q1, s0, s1)
    assert (ours.significant_moves == expected).all()
    assert set(np.unique(ours.significant_moves)) <= set(range(1, 65))


@pytest.mark.parametrize("second_order", [False, True])
def test_spillover_rule_matches_giddy_on_the_same_significance(usjoin, second_order):
    pci, _, w = usjoin
    ours = ga.lisa_markov(pci, w, permutations=199, seed=5, second_order=second_order)
    g = LISA_Markov(pci, w)
    # give giddy our significance: its rule reads q, p_values and the level
    g.p_values, g.permutations, g.significance_level = ours.p_values, 199, ours.alpha
    res = g.spillover(quadrant=1, neighbors_on=second_order)
    assert (res["spill_over"].astype(bool) == ours.spill_over).all()
    assert ours.spill_over.sum() > 0
    members_g = res["components"][:, :-1] > 0
    assert (members_g == (ours.components[:, :-1] > 0)).all()


def test_identities_and_frames(pair):
    _, lm = pair
    n, t = lm.q.shape
    assert lm.transitions.sum() == n * (t - 1)
    np.testing.assert_allclose(lm.p.sum(axis=1), 1, rtol=0, atol=TOL)
    np.testing.assert_allclose(lm.steady_state @ lm.p, lm.steady_state, rtol=0, atol=TOL)
    np.testing.assert_allclose(lm.expected_t.sum(axis=1), lm.transitions.sum(axis=1), atol=1e-9)
    f = lm.to_frame()
    assert len(f) == n * (t - 1)
    assert (f["spillover"].sum()) == lm.spill_over.sum()
    assert lm.matrix().to_numpy().sum() == n * (t - 1)
    # a spillover unit is a cluster member at the end of its move and not at the start
    s, e = np.nonzero(lm.spill_over.T)[1], np.nonzero(lm.spill_over.T)[0]
    assert (lm.components[s, e + 1] > 0).all() and (lm.components[s, e] == 0).all()


def test_seeded_and_consistent_with_lisa_by_year(usjoin, us_wide):
    _pci, years, w = usjoin
    sub = us_wide[years[:5]]
    a = ga.lisa_markov(sub, w, permutations=99, seed=3)
    b = ga.lisa_markov(sub, w, permutations=99, seed=3)
    assert (a.p_values == b.p_values).all()
    long = sub.rename_axis("unit").reset_index().melt(id_vars="unit", var_name="year")
    tab = ga.lisa_by_year(long, w, "value", permutations=99, seed=3)
    for j, yr in enumerate(years[:5]):
        labels = tab[tab["year"] == yr].set_index("unit")["label"].reindex(a.ids)
        assert (labels.to_numpy() == a.labels[:, j]).all()


def test_bad_input(usjoin):
    pci, _, w = usjoin
    with pytest.raises(InputError, match="quadrant"):
        ga.lisa_markov(pci, w, quadrant="high")
    with pytest.raises(InputError, match="at least 3 years"):
        ga.lisa_markov(pci[:, :2], w)
    with pytest.raises(InputError, match="seed"):
        ga.lisa_markov(pci, w, seed=-1)
    frame = pd.DataFrame(pci[:, :4])
    with pytest.raises(InputError, match="units not in the weights"):
        ga.lisa_markov(frame, w)


def test_precomputed_local_morans_are_reused_as_they_are(us_wide, usjoin):
    """``local=`` (e.g. a study's LISA step) gives the chain computed afresh, unchanged."""
    _, _, w = usjoin
    wide = us_wide.iloc[:, :6]
    long = wide.stack().rename("v").rename_axis(["unit", "year"]).reset_index()
    graph = ga.spatial.weights.as_graph(w)
    _, local = ga.lisa_by_year(long, graph, "v", permutations=49, seed=3, return_results=True)
    fresh = ga.lisa_markov(wide, w, 49, 3)
    reused = ga.lisa_markov(wide, w, 49, 3, local=local)
    np.testing.assert_array_equal(reused.q, fresh.q)
    np.testing.assert_array_equal(reused.significant, fresh.significant)
    np.testing.assert_array_equal(reused.transitions, fresh.transitions)
    assert all(reused.local[y] is local[y] for y in wide.columns)
    with pytest.raises(InputError, match="no local Moran for year 1934"):
        ga.lisa_markov(wide, w, 49, 3, local={y: local[y] for y in list(local)[:5]})
    cities = ga.spatial_weights(ga.load_layer("shandong"), "queen")
    bad = {**local, 1929: ga.local_moran(np.arange(16.0), cities, permutations=0)}
    with pytest.raises(InputError, match="year 1929: the given local Moran covers other units"):
        ga.lisa_markov(wide, w, 49, 3, local=bad)
