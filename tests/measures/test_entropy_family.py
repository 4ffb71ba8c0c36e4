"""Tests of geoagglom.measures.entropy_family: GE(α), Atkinson, coefficient of variation."""

import math

import libpysal
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.atkinson import Atkinson
from inequality.theil import Theil, TheilD

from geoagglom import (
    InputError,
    atkinson,
    coefficient_of_variation,
    generalized_entropy,
    theil,
)

YEARS = list(range(1940, 2010, 10))
PARTITIONS = ["hanson03", "hanson98", "esquivel99", "inegi", "inegi2"]


@pytest.fixture(scope="module")
def mexico():
    return pd.read_csv(libpysal.examples.get_path("mexico.csv"))


# --------------------------------------------------------------------------- GE vs Theil


def test_ge0_ge1_equal_theil_L_T_with_decompositions(mexico):
    w = mexico["pcgdp1950"].to_numpy(dtype=float)  # any positive weights
    for year in YEARS:
        y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
        for col in PARTITIONS:
            g = mexico[col].to_numpy()
            for alpha, kind in ((0, "L"), (1, "T")):
                for weights in (None, w):
                    ge = generalized_entropy(y, alpha, weights=weights, groups=g)
                    th = theil(y, kind=kind, weights=weights, groups=g)
                    assert abs(ge.GE - th.statistic) <= 1e-12
                    assert abs(ge.within - th.within) <= 1e-12
                    assert abs(ge.between - th.between) <= 1e-12


def test_ge1_parity_with_pysal_theil(mexico):
    worst = 0.0
    for year in YEARS:
        y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
        worst = max(worst, abs(generalized_entropy(y, 1).GE - Theil(y).T))
        for col in PARTITIONS:
            ref = TheilD(y, mexico[col].to_numpy())
            ours = generalized_entropy(y, 1, groups=mexico[col].to_numpy())
            worst = max(worst, abs(ours.between - float(ref.bg[0])))
            worst = max(worst, abs(ours.within - float(ref.wg[0])))
    print("GE(1) max abs error vs PySAL Theil/TheilD:", worst)
    assert worst <= 1e-10


def test_ge2_is_half_squared_cv(mexico):
    for year in YEARS:
        y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
        # Independent CV: numpy's population standard deviation over the mean.
        cv = np.std(y) / np.mean(y)
        assert abs(generalized_entropy(y, 2).GE - cv**2 / 2) <= 1e-12
        assert coefficient_of_variation(y) == pytest.approx(cv, rel=1e-13)
        w = mexico["pcgdp1940"].to_numpy(dtype=float)
        mu = np.average(y, weights=w)
        cvw = math.sqrt(np.average((y - mu) ** 2, weights=w)) / mu
        assert abs(generalized_entropy(y, 2, weights=w).GE - cvw**2 / 2) <= 1e-12


def test_ge_hand_worked():
    # y = 10, 10, 10, 20, 50: μ = 20, r = 1/2, 1/2, 1/2, 1, 5/2.
    # GE(2) = 1/2 · mean(r² − 1) = 1/2 · ((3/4 + 1 + 25/4)/5 − 1) = 1/2 · (8/5 − 1) = 0.3
    # (note (3 · 1/4 + 1 + 25/4) = 8).
    assert generalized_entropy([10, 10, 10, 20, 50], 2).GE == pytest.approx(0.3, rel=1e-14)
    # GE(−1) = 1/2 · mean(1/r − 1) = 1/2 · ((2 + 2 + 2 + 1 + 0.4)/5 − 1) = 1/2 · 0.48 = 0.24
    assert generalized_entropy([10, 10, 10, 20, 50], -1).GE == pytest.approx(0.24, rel=1e-14)


def test_ge_decomposition_hand_worked():
    # Groups a = {1, 3}, b = {6, 6}; μ = 4, p_a = p_b = 1/2, μ_a = 2, μ_b = 6,
    # r_a = 1/2, r_b = 3/2. GE(2) parts (Shorrocks): within = Σ p_k r_k² GE_k,
    # GE_a(2) = 1/2 · ((1/4 + 9/4)/2 − 1) = 1/8, GE_b = 0 → within = 1/2 · 1/4 · 1/8 = 1/64.
    # between = GE(2) of (2, 2, 6, 6) = 1/2 · ((1/4 + 9/4)/2 − 1) = 1/8.
    r = generalized_entropy([1, 3, 6, 6], 2, groups=["a", "a", "b", "b"])
    assert r.within == pytest.approx(1 / 64, rel=1e-14)
    assert r.between == pytest.approx(1 / 8, rel=1e-14)
    assert r.GE == pytest.approx(1 / 64 + 1 / 8, rel=1e-14)
    assert r.group_table.loc["a", "index"] == pytest.approx(1 / 8, rel=1e-14)


@pytest.mark.parametrize("alpha", [-3.0, -1.0, -0.3, 0.5, 1.5, 2.0, 3.0, 7.0, 15.0])
def test_ge_matches_textbook_formula(mexico, alpha):
    # Direct textbook evaluation, weighted, against ours.
    y = mexico["pcgdp1980"].to_numpy(dtype=float)
    w = mexico["pcgdp1940"].to_numpy(dtype=float)
    p = w / w.sum()
    mu = np.sum(p * y)
    textbook = np.sum(p * ((y / mu) ** alpha - 1)) / (alpha * (alpha - 1))
    assert generalized_entropy(y, alpha, weights=w).GE == pytest.approx(textbook, rel=1e-11)


def test_ge_limits_are_continuous(mexico):
    y = mexico["pcgdp1960"].to_numpy(dtype=float)
    g = mexico["inegi"].to_numpy()
    for centre in (0.0, 1.0):
        at = generalized_entropy(y, centre, groups=g)
        for h in (1e-6, -1e-6, 1e-9, -1e-9):
            near = generalized_entropy(y, centre + h, groups=g)
            assert abs(near.GE - at.GE) <= 1e-8 * max(1.0, abs(h) * 1e6)
            assert abs(near.within - at.within) <= 1e-8 * max(1.0, abs(h) * 1e6)
            assert abs(near.between - at.between) <= 1e-8 * max(1.0, abs(h) * 1e6)


# --------------------------------------------------------------------------- Atkinson


def test_atkinson_parity_with_pysal(mexico):
    worst = 0.0
    for year in YEARS:
        y = mexico[f"pcgdp{year}"].to_numpy(dtype=float)
        for eps in (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0):
            ours = atkinson(y, eps)
            ref = Atkinson(y, eps)
            worst = max(worst, abs(ours.A - ref.A), abs(ours.EDE - ref.EDE) / ref.EDE)
    print("Atkinson max abs error vs PySAL:", worst)
    assert worst <= 1e-10


def test_atkinson_is_one_minus_generalised_mean_over_mean(mexico):
    y = mexico["pcgdp1970"].to_numpy(dtype=float)
    w = mexico["pcgdp1940"].to_numpy(dtype=float)
    p = w / w.sum()
    mu = np.sum(p * y)
    for eps in (0.3, 0.7, 2.0, 4.0):
        gm = np.sum(p * y ** (1 - eps)) ** (1 / (1 - eps))
        assert atkinson(y, eps, weights=w).A == pytest.approx(1 - gm / mu, rel=1e-12)
    geo = math.exp(np.sum(p * np.log(y)))
    assert atkinson(y, 1.0, weights=w).A == pytest.approx(1 - geo / mu, rel=1e-12)
    # A(1) = 1 − exp(−Theil L).
    assert atkinson(y, 1.0).A == pytest.approx(-math.expm1(-theil(y, kind="L").L), rel=1e-13)


def test_atkinson_limit_eps_to_one(mexico):
    y = mexico["pcgdp2000"].to_numpy(dtype=float)
    g = mexico["hanson98"].to_numpy()
    at = atkinson(y, 1.0, groups=g)
    for h in (1e-9, -1e-9):
        near = atkinson(y, 1.0 + h, groups=g)
        assert abs(near.A - at.A) <= 1e-8
        assert abs(near.within - at.within) <= 1e-8
        assert abs(near.between - at.between) <= 1e-8


def test_atkinson_decomposition_hand_worked():
    # ε = 1 (geometric means), groups a = {1, 4}, b = {4, 4}: μ = 13/4.
    # ξ_a = 2, ξ_b = 4, ξ̄ = 3; EDE = (1·4·4·4)^(1/4) = 8^(1/2)·... = 64^(1/4) = 2√2.
    # within = 1 − ξ̄/μ = 1 − 12/13 = 1/13; between = (ξ̄ − EDE)/μ = (3 − 2√2)·4/13.
    r = atkinson([1, 4, 4, 4], 1.0, groups=["a", "a", "b", "b"])
    assert r.within == pytest.approx(1 / 13, rel=1e-13)
    assert r.between == pytest.approx((3 - 2 * math.sqrt(2)) * 4 / 13, rel=1e-12)
    assert r.A == pytest.approx(1 - 2 * math.sqrt(2) / (13 / 4), rel=1e-13)
    assert r.group_table.loc["a", "ede"] == pytest.approx(2.0, rel=1e-14)


# --------------------------------------------------------------------------- properties

values = st.lists(st.floats(min_value=0.01, max_value=1e4), min_size=2, max_size=25)
FAST = settings(max_examples=40, deadline=None)


@FAST
@given(values, st.data())
def test_decomposition_identities_every_alpha(y, data):
    n = len(y)
    groups = data.draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n))
    w = data.draw(st.lists(st.floats(0.1, 100), min_size=n, max_size=n))
    alpha = data.draw(st.floats(-4, 6))
    eps = data.draw(st.floats(0, 5))
    for weights in (None, w):
        r = generalized_entropy(y, alpha, weights=weights, groups=groups)
        assert r.within >= 0 and r.between >= 0
        assert math.isclose(r.within + r.between, r.GE, rel_tol=1e-12, abs_tol=1e-30)
        a = atkinson(y, eps, weights=weights, groups=groups)
        assert 0 <= a.A < 1
        assert math.isclose(a.within + a.between, a.A, rel_tol=1e-12, abs_tol=1e-15)


@FAST
@given(values, st.floats(-3, 5), st.floats(1e-3, 1e3))
def test_ge_scale_and_replication_invariance(y, alpha, c):
    y = np.array(y)
    base = generalized_entropy(y, alpha).GE
    assert math.isclose(generalized_entropy(c * y, alpha).GE, base, rel_tol=1e-9, abs_tol=1e-13)
    assert math.isclose(
        generalized_entropy(np.tile(y, 3), alpha).GE, base, rel_tol=1e-9, abs_tol=1e-13
    )


# --------------------------------------------------------------------------- result objects


def test_frames_and_repr(mexico):
    r = generalized_entropy("pcgdp1940", -1, groups="hanson98", data=mexico)
    row = r.to_frame().iloc[0]
    assert row["index"] == "ge_-1" and row["total"] == r.statistic
    assert row["within"] + row["between"] == pytest.approx(row["total"], rel=1e-12)
    assert "GEIndex(alpha=-1" in repr(r)
    assert len(r.group_frame()) == 5
    a = atkinson("pcgdp1940", 0.5, groups="hanson98", data=mexico)
    assert a.to_frame().iloc[0]["index"] == "atkinson_0.5"
    assert a.EDE == pytest.approx(a.mean * (1 - a.A))


def test_single_member_group_note():
    r = generalized_entropy([1.0, 2.0, 5.0], 2, groups=["a", "a", "solo"])
    assert r.single_member_groups == ["solo"]
    assert "'solo'" in r.note and "within part is 0" in r.note
    assert r.group_table.loc["solo", "within_contribution"] == 0.0
    a = atkinson([1.0, 2.0, 5.0], 2, groups=["a", "a", "solo"])
    assert a.single_member_groups == ["solo"] and a.note
    assert generalized_entropy([1.0, 2.0, 5.0], 2, groups=["a", "a", "a"]).note == ""


# --------------------------------------------------------------------------- errors


def test_error_zero_for_nonpositive_alpha_names_unit():
    y = pd.Series([1.0, 0.0, 2.0], index=["Jinan", "Zibo", "Qingdao"])
    for alpha in (0, -1, -0.5):
        with pytest.raises(InputError, match="'Zibo'"):
            generalized_entropy(y, alpha)
    assert generalized_entropy(y, 0.5).GE > 0  # zeros are fine for α > 0


def test_error_zero_for_atkinson_eps_ge_one_names_unit():
    y = pd.Series([1.0, 0.0, 2.0], index=["Jinan", "Zibo", "Qingdao"])
    for eps in (1, 2):
        with pytest.raises(InputError, match="'Zibo'"):
            atkinson(y, eps)
    assert atkinson(y, 0.5).A > 0


def test_error_negative_value_names_unit():
    y = pd.Series([1.0, -2.0, 2.0], index=["Jinan", "Zibo", "Qingdao"])
    with pytest.raises(InputError, match=r"negative.*'Zibo'"):
        generalized_entropy(y, 2)
    with pytest.raises(InputError, match=r"negative.*'Zibo'"):
        atkinson(y, 0.5)


def test_error_fewer_than_two_units():
    with pytest.raises(InputError, match="at least 2 units"):
        generalized_entropy([3.0], 2)
    with pytest.raises(InputError, match="at least 2 units"):
        atkinson([3.0], 0.5)
    with pytest.raises(InputError, match="at least 2 units"):
        coefficient_of_variation([3.0])


def test_error_bad_parameters():
    with pytest.raises(InputError, match="epsilon"):
        atkinson([1.0, 2.0], -0.5)
    with pytest.raises(InputError, match="alpha"):
        generalized_entropy([1.0, 2.0], "two")
    with pytest.raises(InputError, match="alpha"):
        generalized_entropy([1.0, 2.0], math.inf)
