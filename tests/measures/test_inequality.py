"""Tests of geoagglom.measures.inequality: Gini, Theil T/L, decompositions, inference."""

import math

import libpysal
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini
from inequality.theil import Theil, TheilD, TheilDSim

from geoagglom import GiniIndex, InputError, TheilIndex, gini, theil
from geoagglom.measures.inequality import DecompositionError, _check_identity

YEARS = list(range(1940, 2010, 10))
PARTITIONS = ["hanson03", "hanson98", "esquivel99", "inegi", "inegi2"]


@pytest.fixture(scope="module")
def mexico():
    return pd.read_csv(libpysal.examples.get_path("mexico.csv"))


# --------------------------------------------------------------------------- parity with PySAL


def test_parity_theil_gini_all_years_all_partitions(mexico):
    worst = {"T": 0.0, "bg": 0.0, "wg": 0.0, "gini": 0.0}
    for year in YEARS:
        y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
        assert abs(theil(y).T - Theil(y).T) <= 1e-10
        worst["T"] = max(worst["T"], abs(theil(y).T - Theil(y).T))
        g = gini(y).g
        assert abs(g - Gini(y).g) <= 1e-10
        worst["gini"] = max(worst["gini"], abs(g - Gini(y).g))
        for col in PARTITIONS:
            part = mexico[col].to_numpy()
            ours = theil(y, groups=part)
            ref = TheilD(y, part)
            assert abs(ours.T - float(ref.T)) <= 1e-10
            assert abs(ours.bg - float(ref.bg[0])) <= 1e-10
            assert abs(ours.wg - float(ref.wg[0])) <= 1e-10
            worst["bg"] = max(worst["bg"], abs(ours.bg - float(ref.bg[0])))
            worst["wg"] = max(worst["wg"], abs(ours.wg - float(ref.wg[0])))
            # Dagum parts add up to PySAL's Gini as well.
            dg = gini(y, groups=part)
            total = dg.within + dg.net_between + dg.transvariation
            assert abs(total - Gini(y).g) <= 1e-10
    print("max abs error vs PySAL:", worst)


def test_parity_theild_on_whole_panel(mexico):
    """PySAL's TheilD on the (n, t) panel at once, against ours year by year."""
    y = mexico[[f"pcgdp{yr}" for yr in YEARS]].to_numpy(dtype=float)
    for col in PARTITIONS:
        ref = TheilD(y, mexico[col].to_numpy())
        for t, year in enumerate(YEARS):
            ours = theil(f"pcgdp{year}", groups=col, data=mexico)
            assert abs(ours.between - ref.bg[t]) <= 1e-10
            assert abs(ours.within - ref.wg[t]) <= 1e-10


def test_parity_theildsim_same_permutations(mexico):
    """With the same legacy random stream, between_sim and p_sim equal TheilDSim's."""
    for col in PARTITIONS:
        part = mexico[col].to_numpy()
        for year in YEARS:
            y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
            np.random.seed(10)  # noqa: NPY002 - TheilDSim draws from the global legacy stream
            ref = TheilDSim(y, part, 99)
            ours = theil(y, groups=part, permutations=99, seed=np.random.RandomState(10))
            np.testing.assert_allclose(ours.between_sim, ref.bg[1:, 0], rtol=0, atol=1e-10)
            assert ours.p_sim == pytest.approx(float(ref.bg_pvalue[0]), abs=0)


# --------------------------------------------------------------------------- hand-worked


def test_theil_T_hand_worked():
    # y = 10, 10, 10, 20, 50: mean 100/5 = 20, so y/mean = 1/2, 1/2, 1/2, 1, 5/2.
    # T = (1/5) Σ (y/μ) ln(y/μ)
    #   = (1/5) [3 · (1/2) ln(1/2) + 1 · ln 1 + (5/2) ln(5/2)]
    #   = (1/5) [−1.5 · 0.693147 + 2.5 · 0.916291] = (1/5) · 1.251006 = 0.250201
    expected = (3 * 0.5 * math.log(1 / 2) + 1 * math.log(1) + 2.5 * math.log(5 / 2)) / 5
    assert expected == pytest.approx(0.250201, abs=5e-7)
    assert theil([10, 10, 10, 20, 50]).T == pytest.approx(expected, rel=1e-14)
    assert theil([10, 10, 10, 20, 50]).statistic == pytest.approx(expected, rel=1e-14)


def test_theil_L_hand_worked():
    # L = (1/5) Σ ln(μ/y) = (1/5) [3 ln(20/10) + ln(20/20) + ln(20/50)]
    #   = (1/5) [3 · 0.693147 + 0 − 0.916291] = (1/5) · 1.163151 = 0.232630
    expected = (3 * math.log(20 / 10) + math.log(20 / 20) + math.log(20 / 50)) / 5
    assert expected == pytest.approx(0.232630, abs=5e-7)
    assert theil([10, 10, 10, 20, 50], kind="L").L == pytest.approx(expected, rel=1e-14)


def test_theil_decomposition_hand_worked():
    # Groups a = {10, 10, 10}, b = {20, 50}. Totals 30 and 70 of 100.
    # s_a = 30/100, p_a = 3/5; s_b = 70/100, p_b = 2/5.
    # T_a = 0 (all equal). b: mean 35, T_b = (1/2)[(20/35) ln(20/35) + (50/35) ln(50/35)].
    # within = s_a T_a + s_b T_b; between = s_a ln(s_a/p_a) + s_b ln(s_b/p_b).
    t_b = 0.5 * ((20 / 35) * math.log(20 / 35) + (50 / 35) * math.log(50 / 35))
    within = 0.3 * 0 + 0.7 * t_b
    between = 0.3 * math.log(0.3 / 0.6) + 0.7 * math.log(0.7 / 0.4)
    r = theil([10, 10, 10, 20, 50], groups=["a", "a", "a", "b", "b"])
    assert r.within == pytest.approx(within, rel=1e-13)
    assert r.between == pytest.approx(between, rel=1e-13)
    assert r.group_table.loc["b", "index"] == pytest.approx(t_b, rel=1e-13)
    assert r.group_table.loc["a", "index"] == 0.0
    assert r.group_table.loc["b", "between_contribution"] == pytest.approx(
        0.7 * math.log(0.7 / 0.4), rel=1e-13
    )
    assert r.within_share == pytest.approx(within / (within + between), rel=1e-13)
    # L: within = p_a L_a + p_b L_b, L_b = (1/2)[ln(35/20) + ln(35/50)];
    # between = p_a ln(p_a/s_a) + p_b ln(p_b/s_b).
    l_b = 0.5 * (math.log(35 / 20) + math.log(35 / 50))
    r = theil([10, 10, 10, 20, 50], kind="L", groups=["a", "a", "a", "b", "b"])
    assert r.within == pytest.approx(0.4 * l_b, rel=1e-13)
    assert r.between == pytest.approx(0.6 * math.log(0.6 / 0.3) + 0.4 * math.log(0.4 / 0.7))


def test_theil_weighted_hand_worked():
    # y = 1, 3 with weights 3, 1: quantity shares s = 3/6, 3/6; weight shares p = 3/4, 1/4.
    # T = Σ s ln(s/p) = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25)
    # L = Σ p ln(p/s) = 0.75 ln(0.75/0.5) + 0.25 ln(0.25/0.5)
    t = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    ell = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert theil([1, 3], weights=[3, 1]).T == pytest.approx(t, rel=1e-14)
    assert theil([1, 3], kind="L", weights=[3, 1]).L == pytest.approx(ell, rel=1e-14)


def test_theil_T_takes_zero_as_zero_log_zero():
    # y = 0, 1, 1: mean 2/3, y/μ = 0, 3/2, 3/2; T = (1/3)[0 + 2 · (3/2) ln(3/2)] = ln(3/2)
    assert theil([0, 1, 1]).T == pytest.approx(math.log(3 / 2), rel=1e-14)
    # A group whose values are all zero contributes nothing within; its own index is NaN.
    r = theil([0, 0, 1, 3], groups=[1, 1, 2, 2])
    assert math.isnan(r.group_table.loc[1, "index"])
    assert r.group_table.loc[1, "within_contribution"] == 0.0
    assert r.within + r.between == pytest.approx(r.T, rel=1e-12)


def test_gini_hand_worked():
    # y = 1, 2, 3, 4, mean 2.5. DESIGN form: 2 Σ i y_(i) / (n² μ) − (n+1)/n
    #   = 2 (1 + 4 + 9 + 16) / (16 · 2.5) − 5/4 = 60/40 − 5/4 = 0.25
    assert gini([4, 1, 3, 2]).g == pytest.approx(60 / 40 - 5 / 4, rel=1e-14)
    # Small-sample correction n/(n−1) = 4/3.
    assert gini([1, 2, 3, 4], correction=True).g == pytest.approx(0.25 * 4 / 3, rel=1e-14)
    # Weighted: y = 1, 3 with weights 3, 1: Σ Σ w w |Δy| = 2 · (3 · 1 · 2) = 12,
    # W = 4, μ = 6/4 = 1.5, G = 12 / (2 · 16 · 1.5) = 0.25.
    assert gini([1, 3], weights=[3, 1]).g == pytest.approx(12 / 48, rel=1e-14)


def test_dagum_hand_worked_without_overlap():
    # a = {1, 2}, b = {3, 4}: p = 1/2 each, μ_a = 1.5, μ_b = 3.5, μ = 2.5,
    # s_a = 0.5·1.5/2.5 = 0.3, s_b = 0.7.
    # G_aa = Δ_aa/(2 μ_a) with Δ_aa = mean |y_i − y_r| = (0+1+1+0)/4 = 0.5 → 1/6; G_bb = 1/14.
    # G_w = p_a s_a G_aa + p_b s_b G_bb = 0.5·0.3/6 + 0.5·0.7/14 = 0.05.
    # b over a: d = E(y_b − y_a)+ = (2+1+3+2)/4 = 2, transvariation p = 0; G_ba = 2/5,
    # D = 1; G_nb = (p_b s_a + p_a s_b) G_ba D = 0.5 · 0.4 = 0.2; G_t = 0.
    r = gini([1, 2, 3, 4], groups=["a", "a", "b", "b"])
    assert r.within == pytest.approx(0.05, rel=1e-14)
    assert r.net_between == pytest.approx(0.2, rel=1e-14)
    assert r.transvariation == 0.0
    assert r.group_table.loc["a", "gini"] == pytest.approx(1 / 6, rel=1e-14)
    assert r.pair_table.loc[0, "D"] == pytest.approx(1.0, rel=1e-14)


def test_dagum_hand_worked_with_transvariation():
    # a = {1, 3}, b = {2, 4}: μ_a = 2, μ_b = 3, s_a = 0.4, s_b = 0.6.
    # G_aa = 1/(2·2) = 1/4 (Δ_aa = (2+2)/4 = 1), G_bb = 1/6; G_w = 0.5·0.4/4 + 0.5·0.6/6 = 0.1.
    # d = E(y_b − y_a)+ = (1 + 0 + 3 + 1)/4 = 5/4, p = E(y_a − y_b)+ = (0 + 1 + 0 + 0)/4 = 1/4.
    # G_ba = (5/4 + 1/4)/(2 + 3) = 0.3, D = (5/4 − 1/4)/(3/2) = 2/3, weight 0.5·0.4 + 0.5·0.6 = 0.5.
    # G_nb = 0.5 · 0.3 · 2/3 = 0.1, G_t = 0.5 · 0.3 · 1/3 = 0.05; sum 0.25 = G(1, 2, 3, 4).
    r = gini([1, 3, 2, 4], groups=["a", "a", "b", "b"])
    assert r.within == pytest.approx(0.1, rel=1e-14)
    assert r.net_between == pytest.approx(0.1, rel=1e-14)
    assert r.transvariation == pytest.approx(0.05, rel=1e-14)
    assert r.pair_table.loc[0, "gini"] == pytest.approx(0.3, rel=1e-14)
    assert r.pair_table.loc[0, "D"] == pytest.approx(2 / 3, rel=1e-14)
    assert r.g == pytest.approx(0.25, rel=1e-14)


# --------------------------------------------------------------------------- properties

values = st.lists(
    st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=25,
)
FAST = settings(max_examples=40, deadline=None)


def close(a, b, rel=1e-10, abs_=1e-13):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@FAST
@given(values, st.floats(min_value=1e-3, max_value=1e3))
def test_scale_invariance(y, c):
    y = np.array(y)
    assert close(theil(y).T, theil(c * y).T)
    assert close(theil(y, kind="L").L, theil(c * y, kind="L").L)
    assert close(gini(y).g, gini(c * y).g)


@FAST
@given(values, st.randoms(use_true_random=False))
def test_permutation_invariance(y, rnd):
    z = list(y)
    rnd.shuffle(z)
    assert close(theil(y).T, theil(z).T)
    assert close(theil(y, kind="L").L, theil(z, kind="L").L)
    assert close(gini(y).g, gini(z).g)


@FAST
@given(values, st.integers(min_value=2, max_value=4))
def test_population_replication_invariance(y, k):
    yk = np.tile(y, k)
    assert close(theil(y).T, theil(yk).T)
    assert close(theil(y, kind="L").L, theil(yk, kind="L").L)
    assert close(gini(y).g, gini(yk).g)


@FAST
@given(values.filter(lambda v: max(v) > 1.01 * min(v)))
def test_pigou_dalton_transfer_lowers_every_index(y):
    y = np.array(y)
    rich, poor = int(np.argmax(y)), int(np.argmin(y))
    moved = y.copy()
    amount = (y[rich] - y[poor]) / 4  # keeps the rich unit above the poor one
    moved[rich] -= amount
    moved[poor] += amount
    assert theil(moved).T < theil(y).T
    assert theil(moved, kind="L").L < theil(y, kind="L").L
    assert gini(moved).g < gini(y).g


@FAST
@given(values)
def test_bounds(y):
    n = len(y)
    g = gini(y).g
    t = theil(y).T
    assert 0 <= g < 1
    assert 0 <= gini(y, correction=True).g <= 1
    assert 0 <= t <= math.log(n)
    assert theil(y, kind="L").L >= 0


@FAST
@given(values, st.data())
def test_decomposition_identities(y, data):
    n = len(y)
    groups = data.draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n))
    w = data.draw(st.lists(st.floats(0.1, 100), min_size=n, max_size=n))
    for kind in ("T", "L"):
        for weights in (None, w):
            r = theil(y, kind=kind, weights=weights, groups=groups)
            total = r.statistic
            assert math.isclose(r.within + r.between, total, rel_tol=1e-12, abs_tol=1e-30)
            contributions = r.group_table["within_contribution"].sum()
            assert math.isclose(contributions, r.within, rel_tol=1e-12, abs_tol=1e-30)
            between = r.group_table["between_contribution"].sum()
            assert math.isclose(between, r.between, rel_tol=1e-10, abs_tol=1e-15)
    for weights in (None, w):
        d = gini(y, weights=weights, groups=groups)
        parts = d.within + d.net_between + d.transvariation
        assert math.isclose(parts, d.g, rel_tol=1e-12, abs_tol=1e-15)
        assert d.net_between >= 0 and d.transvariation >= 0 and d.within >= 0


@FAST
@given(values, st.floats(min_value=0.1, max_value=100))
def test_equal_weights_equal_unweighted(y, c):
    w = [c] * len(y)
    assert close(theil(y, weights=w).T, theil(y).T)
    assert close(theil(y, kind="L", weights=w).L, theil(y, kind="L").L)
    assert close(gini(y, weights=w).g, gini(y).g)


@FAST
@given(values, st.data())
def test_integer_weights_equal_replicated_units(y, data):
    k = data.draw(st.lists(st.integers(1, 4), min_size=len(y), max_size=len(y)))
    rep = np.repeat(y, k)
    assert close(theil(y, weights=k).T, theil(rep).T)
    assert close(theil(y, kind="L", weights=k).L, theil(rep, kind="L").L)
    assert close(gini(y, weights=k).g, gini(rep).g)


def test_identity_holds_for_nearly_equal_values():
    # Values equal to 6 significant digits: the index is ~1e-12 and its parts
    # must still add up to 1e-12 relative.
    y = 1000.0 + np.array([0.0, 1e-3, 2e-3, 5e-4, 7e-4, 1e-4])
    for kind in ("T", "L"):
        r = theil(y, kind=kind, groups=[0, 0, 1, 1, 2, 2])
        assert 0 < r.statistic < 1e-11
        assert math.isclose(r.within + r.between, r.statistic, rel_tol=1e-12)
    assert theil(np.full(5, 7.0), groups=[0, 0, 1, 1, 1]).T == 0.0


def test_identity_check_raises_internal_error():
    with pytest.raises(DecompositionError, match="does not add up"):
        _check_identity(1.0, [0.5, 0.5 + 1e-9], 0.0, "test")


# --------------------------------------------------------------------------- inference


def test_permutations_reproducible_with_seed(mexico):
    y, part = mexico["pcgdp2000"], mexico["hanson98"]
    a = theil(y, groups=part, permutations=199, seed=0)
    b = theil(y, groups=part, permutations=199, seed=0)
    c = theil(y, groups=part, permutations=199, seed=np.random.default_rng(0))
    np.testing.assert_array_equal(a.between_sim, b.between_sim)
    np.testing.assert_array_equal(a.between_sim, c.between_sim)
    assert a.p_sim == b.p_sim
    d = theil(y, groups=part, permutations=199, seed=1)
    assert not np.array_equal(a.between_sim, d.between_sim)
    # The share is the between part over the (permutation-invariant) total.
    np.testing.assert_allclose(a.between_share_sim, a.between_sim / a.T, rtol=1e-15)
    assert 1 / 200 <= a.p_sim <= 1
    assert a.to_frame().loc[0, "p_sim"] == a.p_sim


def test_weighted_permutations_move_value_and_weight_together():
    # Two groups of one unit each: any permutation just relabels them, so the
    # between part never changes and p_sim is 1.
    r = theil([1.0, 5.0], weights=[2.0, 3.0], groups=["a", "b"], permutations=20, seed=3)
    assert r.p_sim == 1.0
    np.testing.assert_allclose(r.between_sim, r.between, rtol=1e-12)


# --------------------------------------------------------------------------- results


def test_result_objects_repr_and_frames(mexico):
    r = theil("pcgdp1940", groups="hanson98", data=mexico, ids="State")
    assert isinstance(r, TheilIndex)
    assert "TheilIndex(kind='T', n=32" in repr(r) and "between" in repr(r)
    row = r.to_frame()
    assert list(row.columns[:4]) == ["index", "weighted", "n", "total"]
    assert row.loc[0, "between_share"] == pytest.approx(r.between / r.T)
    assert r.group_frame()["n"].sum() == 32
    g = gini("pcgdp1940", groups="hanson98", data=mexico)
    assert isinstance(g, GiniIndex)
    assert "transvariation" in repr(g)
    assert g.to_frame().loc[0, "total"] == g.statistic
    assert len(g.pair_table) == 10
    assert "GiniIndex(n=3" in repr(gini([1, 2, 3]))


# --------------------------------------------------------------------------- bad input


def test_error_nan_value_names_unit():
    with pytest.raises(InputError, match=r"NaN.*'b'"):
        theil(pd.Series([1.0, np.nan, 2.0], index=["a", "b", "c"]))


def test_error_negative_value_names_unit():
    with pytest.raises(InputError, match=r"negative for units 'c'"):
        gini(pd.Series([1.0, 2.0, -2.0], index=["a", "b", "c"]))


def test_error_zero_for_theil_L_names_unit():
    with pytest.raises(InputError, match=r"zero for units 'b'.*logarithm"):
        theil(pd.Series([1.0, 0.0, 2.0], index=["a", "b", "c"]), kind="L")


def test_error_zero_weight():
    with pytest.raises(InputError, match=r"weight is zero.*positions 1"):
        theil([1, 2, 3], weights=[1, 0, 1])


def test_error_negative_weight():
    with pytest.raises(InputError, match=r"weight.*units 'x'"):
        gini(pd.Series([1.0, 2.0], index=["x", "y"]), weights=pd.Series([-1.0, 1.0], ["x", "y"]))


def test_error_nan_weight():
    with pytest.raises(InputError, match="weight"):
        theil([1, 2, 3], weights=[1, np.nan, 1])


def test_error_missing_group_label():
    with pytest.raises(InputError, match=r"group label is missing for units 'b'"):
        theil(pd.Series([1.0, 2.0], index=["a", "b"]), groups=["g", None])


def test_error_length_mismatch():
    with pytest.raises(InputError, match="one label per unit"):
        theil([1, 2, 3], groups=["a", "b"])


def test_error_all_zero():
    with pytest.raises(InputError, match="mean is zero"):
        theil([0, 0, 0])


def test_error_unknown_kind():
    with pytest.raises(InputError, match="is not a Theil index kind"):
        theil([1, 2], kind="X")


def test_error_permutations_without_groups():
    with pytest.raises(InputError, match="needs groups"):
        theil([1, 2], permutations=9)


def test_error_missing_column(mexico):
    with pytest.raises(InputError, match="'pcgdp1945' is not in the table"):
        gini("pcgdp1945", data=mexico)


def test_error_correction_single_unit():
    with pytest.raises(InputError, match="at least 2 units"):
        gini([3.0], correction=True)


def test_error_series_indexes_disagree():
    with pytest.raises(InputError, match=r"missing 'b'; unknown 'z'"):
        theil(pd.Series([1.0, 2.0], ["a", "b"]), weights=pd.Series([1.0, 1.0], ["a", "z"]))
