"""Tests of geoagglom.measures.agglomeration.

Where no published worked example is cited, the example is hand-computed in the
test from the definition (and says so).
"""

import numpy as np
import pandas as pd
import pytest

from geoagglom import (
    InputError,
    coagglomeration,
    ellison_glaeser,
    herfindahl,
    hoover,
    krugman,
    krugman_bilateral,
    plant_herfindahl,
)


@pytest.fixture
def table():
    # Hand-made: 3 units, 2 sectors. Unit totals A 10, B 5, C 5 of 20.
    return pd.DataFrame({"bank": [8, 1, 1], "farm": [2, 4, 4]}, index=["A", "B", "C"])


def test_hhi_published_example():
    # U.S. Department of Justice, "Herfindahl-Hirschman Index": four firms with shares
    # 30, 30, 20 and 20 percent have HHI 30² + 30² + 20² + 20² = 2,600 (shares in percent).
    assert herfindahl([30, 30, 20, 20]) * 100**2 == pytest.approx(2600, rel=1e-14)
    assert herfindahl([1, 1, 1, 1]) == 0.25
    t = pd.DataFrame({"s": [30, 30, 20, 20], "t": [0, 0, 0, 5]})
    np.testing.assert_allclose(herfindahl(t).to_numpy(), [0.26, 1.0])


def test_hoover_hand_worked(table):
    # Hand-computed from the definition (no published example used):
    # a = (10, 5, 5)/20 = (.5, .25, .25); bank shares s = (8, 1, 1)/10 = (.8, .1, .1)
    # Hoover = ½(|.8−.5| + |.1−.25| + |.1−.25|) = ½(.3 + .15 + .15) = .3;
    # farm s = (.2, .4, .4): ½(.3 + .15 + .15) = .3.
    h = hoover(table)
    assert h["bank"] == pytest.approx(0.3, rel=1e-14)
    assert h["farm"] == pytest.approx(0.3, rel=1e-14)
    # With an area base (2, 1, 1): a = (.5, .25, .25) again -> same; base (1, 1, 2):
    # a = (.25, .25, .5), bank ½(.55 + .15 + .4) = .55.
    assert hoover(table, base=[1, 1, 2])["bank"] == pytest.approx(0.55, rel=1e-14)
    # Equal to the reference distribution -> 0.
    assert hoover(pd.DataFrame({"x": [1, 2, 3], "y": [2, 4, 6]}))["x"] == pytest.approx(
        0, abs=1e-16
    )


def test_hoover_and_krugman_published_example():
    # G. Krumme, "Coefficients of Localization (or Dispersion) and Specialization (or
    # Diversification)", University of Washington course notes
    # (http://faculty.washington.edu/krumme/systems/localiz.html), after Hoover &
    # Giarratani, An Introduction to Regional Economics, ch. 9: regions A-D hold 15, 35,
    # 30 and 20 % of the focal industry's employment and 35, 30, 20 and 15 % of all
    # manufacturing; "the focal industry has a coefficient of localization of .2".
    focal = pd.DataFrame({"focal": [15.0, 35, 30, 20]}, index=list("ABCD"))
    assert hoover(focal, base=[35, 30, 20, 15])["focal"] == pytest.approx(0.2, rel=1e-14)
    # The same page's region: industries A-D hold 15, 35, 30, 20 % of its employment and
    # 35, 30, 20, 15 % of the nation's; its coefficient of specialization ½ Σ |·| is .2,
    # so Krugman's index (the sum without the ½) is .4. A nation of 1,000 workers with
    # the region's 100 gives those national shares.
    region = [15.0, 35, 30, 20]
    rest = [350.0 - 15, 300 - 35, 200 - 30, 150 - 20]
    table = pd.DataFrame([region, rest], index=["region", "rest"], columns=list("ABCD"))
    assert krugman(table)["region"] == pytest.approx(0.4, rel=1e-14)


def test_krugman_hand_worked(table):
    # Hand-computed: whole structure c = (10, 10)/20 = (.5, .5); unit A (.8, .2) -> .6;
    # B and C (.2, .8) -> .6. Bilateral A–B: |.8−.2| + |.2−.8| = 1.2, B–C: 0.
    k = krugman(table)
    np.testing.assert_allclose(k.to_numpy(), [0.6, 0.6, 0.6], rtol=1e-14)
    kb = krugman_bilateral(table)
    assert kb.loc["A", "B"] == pytest.approx(1.2, rel=1e-14)
    assert kb.loc["B", "C"] == 0.0
    np.testing.assert_array_equal(kb.to_numpy(), kb.to_numpy().T)
    # Two units with no sector in common: the maximum, 2.
    assert krugman_bilateral(pd.DataFrame({"x": [1, 0], "y": [0, 3]})).iloc[0, 1] == 2.0


def test_ellison_glaeser_hand_worked(table):
    # Hand-computed from EG (1997)'s definition: Σa² = .25 + .0625 + .0625 = .375;
    # bank G = .3² + .15² + .15² = .135; with H = .1:
    # γ = (.135 − .625 · .1) / (.625 · .9) = .0725 / .5625.
    r = ellison_glaeser(table, plant_hhi={"bank": 0.1, "farm": 0.2})
    assert r.sum_a2 == pytest.approx(0.375, rel=1e-14)
    assert r.G["bank"] == pytest.approx(0.135, rel=1e-14)
    assert r.gamma["bank"] == pytest.approx(0.0725 / 0.5625, rel=1e-13)
    # farm: G = .135 too, H = .2: (.135 − .125) / (.625 · .8) = .02
    assert r.gamma["farm"] == pytest.approx(0.02, rel=1e-12)
    assert r.note == ""
    bare = ellison_glaeser(table)
    assert "H = 0" in bare.note
    assert bare.gamma["bank"] == pytest.approx(0.135 / 0.625, rel=1e-14)
    assert list(r.to_frame().columns) == ["sector", "G", "H", "gamma"]


def test_plant_herfindahl_hand_worked():
    # Sector a: plants 3 and 1 -> (3/4)² + (1/4)² = .625; b: one plant -> 1.
    p = pd.DataFrame({"sector": ["a", "a", "b"], "employment": [3, 1, 5]})
    assert plant_herfindahl(p).to_dict() == {"a": 0.625, "b": 1.0}


def test_ellison_glaeser_dartboard_expectation_is_zero():
    """EG (1997)'s defining property: with plants thrown at units with probabilities a_i
    (no spillovers, no natural advantage), E[γ] = 0. Seeded simulation."""
    rng = np.random.default_rng(1997)
    a = np.array([0.4, 0.3, 0.2, 0.1])
    plants = np.array([5.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    H = np.sum((plants / plants.sum()) ** 2)
    sims = 4000
    loc = rng.choice(len(a), size=(sims, len(plants)), p=a)
    s = np.zeros((sims, len(a)))
    for k, size in enumerate(plants):
        s[np.arange(sims), loc[:, k]] += size
    s /= plants.sum()
    # One table: every draw is a sector; a last sector so large that it fixes the
    # aggregate shares at a (a large economy).
    t = pd.DataFrame(s.T, columns=[f"draw{k}" for k in range(sims)])
    t["rest"] = a * 1e12
    hhi = dict.fromkeys(t.columns, H) | {"rest": 0.0}
    gammas = ellison_glaeser(t, plant_hhi=hhi).gamma.drop("rest")
    gammas = gammas.to_numpy()
    se = gammas.std(ddof=1) / np.sqrt(sims)
    assert abs(gammas.mean()) <= 4 * se, (gammas.mean(), se)
    assert gammas.std() > 0.05  # the draws do vary


def test_ellison_glaeser_recovers_the_spillover_parameter():
    """EG (1997, Proposition 1 and its all-or-nothing spillover model): when any two
    plants' location indicators have correlation γ0, E[G] = (1 − Σa²)(γ0 + (1 − γ0)H),
    so E[γ] = γ0. Seeded simulation: with probability γ0 the whole sector goes to one
    unit drawn with the probabilities a_i, otherwise every plant draws its own unit."""
    rng = np.random.default_rng(1998)
    gamma0 = 0.05
    a = np.array([0.4, 0.3, 0.2, 0.1])
    plants = np.array([5.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    H = np.sum((plants / plants.sum()) ** 2)
    sims = 6000
    loc = rng.choice(len(a), size=(sims, len(plants)), p=a)
    together = rng.random(sims) < gamma0
    loc[together] = rng.choice(len(a), size=together.sum(), p=a)[:, None]
    s = np.zeros((sims, len(a)))
    for k, size in enumerate(plants):
        s[np.arange(sims), loc[:, k]] += size
    s /= plants.sum()
    t = pd.DataFrame(s.T, columns=[f"draw{k}" for k in range(sims)])
    t["rest"] = a * 1e12  # a large economy: the aggregate shares are a
    hhi = dict.fromkeys(t.columns, H) | {"rest": 0.0}
    gammas = ellison_glaeser(t, plant_hhi=hhi).gamma.drop("rest").to_numpy()
    se = gammas.std(ddof=1) / np.sqrt(sims)
    assert abs(gammas.mean() - gamma0) <= 4 * se, (gammas.mean(), se)
    assert se < gamma0 / 4  # the simulation can tell γ0 from 0


def test_coagglomeration_hand_worked(table):
    # Hand-computed from EGK (2010)'s definition: deviations s − a: bank (.3, −.15, −.15),
    # farm (−.3, .15, .15); Σ product = −.09 − .0225 − .0225 = −.135; / .625 = −.216.
    c = coagglomeration(table)
    assert c.loc["bank", "farm"] == pytest.approx(-0.216, rel=1e-13)
    assert c.loc["farm", "bank"] == c.loc["bank", "farm"]
    # Diagonal: G / (1 − Σa²), = γ without plant data.
    assert c.loc["bank", "bank"] == pytest.approx(ellison_glaeser(table).gamma["bank"], rel=1e-14)


def test_errors(table):
    with pytest.raises(InputError, match=r"\('B', 'farm'\)"):
        hoover(table.assign(farm=[2, -1, 4]))
    with pytest.raises(InputError, match="'farm'"):
        hoover(table.assign(farm=0))
    with pytest.raises(InputError, match="'B'"):
        krugman(table.assign(bank=[8, 0, 1], farm=[2, 0, 4]))
    with pytest.raises(InputError, match="'farm'"):
        ellison_glaeser(table, plant_hhi={"bank": 0.1})
    with pytest.raises(InputError, match="'bank'"):
        ellison_glaeser(table, plant_hhi={"bank": 1.0, "farm": 0.1})
    with pytest.raises(InputError, match="at least 2 units"):
        krugman(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(InputError, match="one unit"):
        ellison_glaeser(pd.DataFrame({"x": [1.0, 0.0], "y": [2.0, 0.0]}))
