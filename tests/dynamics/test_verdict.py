"""The spillover verdict: its rule, and planted spillover and siphoning centres."""

import warnings

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W

import geoagglom as ga
from geoagglom.dynamics.verdict import RULE, VERDICTS, verdict_code
from geoagglom.seeding import stream

SIDE = 20
CORES = [(r, c) for r in (3, 10, 16) for c in (3, 10, 16)]


def planted(kind, seed=0, years=8):
    """A 20 x 20 grid with nine centres growing 15 % a year and their rook rings.

    ``spillover``: the rings start below the mean and grow 30 % a year with them;
    ``siphoning``: the rings start above it and lose 10 % a year. Everything else is
    noise around a fixed level.
    """
    rng = np.random.default_rng(seed)
    grid = np.arange(SIDE * SIDE).reshape(SIDE, SIDE)
    centres = [grid[r, c] for r, c in CORES]
    rings = [
        grid[r + dr, c + dc] for r, c in CORES for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
    ]
    base = rng.lognormal(0, 0.1, SIDE * SIDE) * 10
    y = np.empty((SIDE * SIDE, years))
    for t in range(years):
        y[:, t] = base * rng.lognormal(0, 0.02, SIDE * SIDE)
        y[centres, t] = 40 * (1 + 0.15 * t)
        y[rings, t] = 7 * (1 + 0.3 * t) if kind == "spillover" else 20 * (1 - 0.1 * t)
    return y, lat2W(SIDE, SIDE), centres


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("up_up", 0.01, 0.3, 0.2, 0.0, 0.1), "spillover"),
        (("up_up", 0.05, 0.3, 0.2, 0.0, 0.1), "spillover"),  # p == alpha is significant
        (("up_up", 0.051, 0.3, 0.2, 0.0, 0.1), "no evidence"),
        (("up_up", 0.01, 0.2, 0.2, 0.0, 0.1), "no evidence"),  # not above the baseline
        (("up_up", np.nan, 0.3, 0.2, 0.0, 0.1), "no evidence"),  # no inference
        (("up_down", 0.01, 0.0, 0.1, 0.3, 0.2), "siphoning"),
        (("up_down", 0.01, 0.0, 0.1, 0.2, 0.2), "no evidence"),
        (("down_up", 0.01, 0.9, 0.1, 0.9, 0.1), "no evidence"),
        (("down_down", 0.01, 0.9, 0.1, 0.9, 0.1), "no evidence"),
        (("flat", 0.0, 0.9, 0.1, 0.9, 0.1), "no evidence"),
    ],
)
def test_rule(args, expected):
    assert verdict_code(*args) == expected
    assert expected in VERDICTS


def test_rule_text_states_every_condition():
    for words in (
        "up_up",
        "up_down",
        "sector_p <= alpha",
        "nbr_up > base_up",
        "nbr_down > base_down",
        "no evidence: anything else",
    ):
        assert words in RULE


@pytest.mark.parametrize("kind", ["spillover", "siphoning"])
def test_planted_centres_get_their_verdict(kind):
    y, w, centres = planted(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.EmptyTransitionsWarning)
        table = ga.spillover_verdict(y, w, k=3, m=3, permutations=199, seed=1)
    assert set(centres) <= set(table.index)
    got = table.loc[centres]
    assert (got["verdict"] == kind).all(), got
    assert table.attrs["rule"] == RULE
    other = "siphoning" if kind == "spillover" else "spillover"
    assert (table["verdict"] != other).sum() == len(table)  # never the opposite verdict
    # every row is a centre: HH or HL in some year
    assert ((table["years_HH"] + table["years_HL"]) > 0).all()
    assert table["path"].str.count(">").eq(y.shape[1] - 1).all()


def test_precomputed_results_give_the_same_table():
    y, w, _ = planted("spillover", seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.EmptyTransitionsWarning)
        a = ga.spillover_verdict(y, w, k=3, m=3, permutations=99, seed=4)
        lm = ga.lisa_markov(y, w, permutations=99, seed=4)
        sm = ga.spatial_markov(y, w, k=3, m=3)
        rose = ga.directional_lisa(y, w, permutations=99, seed=stream(4, "directional_lisa", 0))
        b = ga.spillover_verdict(y, w, markov=sm, lisa=lm, rose=rose)
    pd.testing.assert_frame_equal(a, b)


def test_mismatched_results_are_refused():
    y, w, _ = planted("spillover", seed=2)
    rose = ga.directional_lisa(y[:100], lat2W(10, 10), permutations=9, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.EmptyTransitionsWarning)
        with pytest.raises(ga.InputError, match="other units"):
            ga.spillover_verdict(y, w, k=3, m=3, permutations=9, seed=1, rose=rose)


def test_results_on_other_years_are_refused():
    y, w, _ = planted("spillover", seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.EmptyTransitionsWarning)
        sm = ga.spatial_markov(y[:, :5], w, k=3, m=3)
        with pytest.raises(ga.InputError, match="same years"):
            ga.spillover_verdict(y, w, k=3, m=3, permutations=9, seed=1, markov=sm)
