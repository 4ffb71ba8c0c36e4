"""The same input policies in every dynamics function (one panel checker)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W, lat2W

import geoagglom as ga
from geoagglom.errors import InputError, PanelDropWarning

FUNCS = {
    "spatial_markov": lambda y, w, **kw: ga.spatial_markov(y, w, k=2, m=2, **kw),
    "lisa_markov": lambda y, w, **kw: ga.lisa_markov(y, w, permutations=9, seed=1, **kw),
    "directional_lisa": lambda y, w, **kw: ga.directional_lisa(y, w, permutations=9, seed=1, **kw),
    "space_time_lisa": lambda y, w, **kw: ga.space_time_lisa(y, y, w, permutations=9, seed=1, **kw),
    "spillover_verdict": lambda y, w, **kw: ga.spillover_verdict(
        y, w, k=2, m=2, permutations=9, seed=1, **kw
    ),
}


def _panel(n=16, t=5, seed=0):
    rng = np.random.default_rng(seed)
    wide = pd.DataFrame(rng.lognormal(size=(n, t)), columns=range(2001, 2001 + t))
    return wide


@pytest.fixture(autouse=True)
def _no_empty_row_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.EmptyTransitionsWarning)
        yield


@pytest.mark.parametrize("name", FUNCS)
def test_islands_are_named(name):
    neighbors = {i: [j for j in (i - 1, i + 1) if 0 <= j < 9] for i in range(9)}
    neighbors[9] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbors)
    with pytest.raises(InputError, match=r"islands\): 9"):
        FUNCS[name](_panel(10), w)


@pytest.mark.parametrize("name", FUNCS)
def test_constant_year_is_named(name):
    wide = _panel()
    wide[2003] = 1.0
    with pytest.raises(InputError, match=r"constant over all units in year\(s\) 2003"):
        FUNCS[name](wide, lat2W(4, 4))


@pytest.mark.parametrize("name", FUNCS)
def test_unbalanced_panel_names_the_gap_or_drops_it(name):
    wide = _panel()
    wide.loc[5, 2002] = np.nan
    with pytest.raises(InputError, match=r"5 \(lacks 2002\)"):
        FUNCS[name](wide, lat2W(4, 4))
    with pytest.warns(PanelDropWarning, match="dropped 0 unit.*1 year"):
        FUNCS[name](wide, lat2W(4, 4), unbalanced="drop_years")


def test_dropping_units_is_reported_on_the_result():
    wide = _panel()
    wide.loc[5, 2002] = np.nan
    with pytest.warns(PanelDropWarning, match="dropped 1 unit"):
        sm = ga.spatial_markov(wide, lat2W(4, 4), k=2, m=2, unbalanced="drop_units")
    assert sm.dropped == {"units": [5], "years": []} and 5 not in sm.ids
    with pytest.warns(PanelDropWarning):
        lm = ga.lisa_markov(wide, lat2W(4, 4), 9, 1, unbalanced="drop_units")
    assert lm.dropped["units"] == [5] and lm.n == 15


def test_long_panel_needs_its_value_column_named():
    long = _panel().rename_axis("unit").reset_index().melt(id_vars="unit", var_name="year")
    long["other"] = 1.0
    with pytest.raises(InputError, match="name the value column"):
        ga.spatial_markov(long, lat2W(4, 4), k=2, m=2)
    sm = ga.spatial_markov(long, lat2W(4, 4), k=2, m=2, value="value")
    assert sm.years == list(range(2001, 2006))
    dup = pd.concat([long, long.iloc[:1]])
    with pytest.raises(InputError, match="more than one row for unit/year '0/2001'"):
        ga.spatial_markov(dup, lat2W(4, 4), k=2, m=2, value="value")


def test_bad_options_are_named():
    wide = _panel()
    with pytest.raises(InputError, match="scale = 'log'"):
        ga.spatial_markov(wide, lat2W(4, 4), k=2, m=2, scale="log")
    with pytest.raises(InputError, match="unbalanced = 'fill'"):
        ga.spatial_markov(wide, lat2W(4, 4), k=2, m=2, unbalanced="fill")
    with pytest.raises(InputError, match="empty = 'zero'"):
        ga.spatial_markov(wide, lat2W(4, 4), k=2, m=2, empty="zero")
    with pytest.raises(InputError, match="transform"):
        ga.spatial_markov(wide, lat2W(4, 4), k=2, m=2, transform="v")
    with pytest.raises(InputError, match="2-D array"):
        ga.spatial_markov(np.ones(16), lat2W(4, 4))
