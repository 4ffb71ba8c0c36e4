"""Space-time bivariate LISA against esda's Moran_Local_BV on the shifted years."""

import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran_Local_BV

import geoagglom as ga
from geoagglom.errors import InputError
from geoagglom.seeding import stream

TOL = 1e-10


@pytest.fixture(scope="module")
def panels(usjoin):
    pci, years, w = usjoin
    sub = pci[:, 40:46]  # 1969-1974
    growth = np.diff(pci[:, 39:46], axis=1)  # another variable on the same years
    return sub, growth, years[40:46], w


@pytest.mark.parametrize("lag", [0, 1, 2])
def test_statistic_and_quadrants_match_esda(panels, lag):
    x, y, _years, w = panels
    st = ga.space_time_lisa(x, y, w, lag=lag, permutations=99, seed=1, years=None)
    assert len(st.pairs) == x.shape[1] - lag
    for j in range(x.shape[1] - lag):
        ref = Moran_Local_BV(x[:, j], y[:, j + lag], w, permutations=0)
        np.testing.assert_allclose(st.Is[:, j], ref.Is, rtol=0, atol=TOL)
        assert (st.q[:, j] == ref.q).all()


def test_change_option_matches_esda_on_the_difference(panels):
    x, _y, _, w = panels
    st = ga.space_time_lisa(x, x, w, lag=2, change=True, permutations=99, seed=2)
    for j in range(x.shape[1] - 2):
        ref = Moran_Local_BV(x[:, j], x[:, j + 2] - x[:, j], w, permutations=0)
        np.testing.assert_allclose(st.Is[:, j], ref.Is, rtol=0, atol=TOL)


def test_same_numbers_as_local_moran_bv_with_the_year_stream(panels):
    x, y, _, w = panels
    st = ga.space_time_lisa(x, y, w, permutations=199, seed=9, adjust="fdr")
    t0 = st.pairs[1][0]
    one = ga.local_moran_bv(
        x[:, 1], y[:, 2], w, 199, stream(9, "space_time_lisa", t0), adjust="fdr"
    )
    assert (st.p_value[:, 1] == one.p_value).all()
    assert (st.p_adjusted[:, 1] == one.p_adjusted).all()
    again = ga.space_time_lisa(x, y, w, permutations=199, seed=9, adjust="fdr")
    assert (again.p_value == st.p_value).all()
    frame = st.to_frame()
    assert len(frame) == x.shape[0] * len(st.pairs)
    assert (st.counts().sum(axis=1) == x.shape[0]).all()


def test_bad_input(panels):
    x, y, _, w = panels
    with pytest.raises(InputError, match="lag"):
        ga.space_time_lisa(x, y, w, lag=-1)
    with pytest.raises(InputError, match="change=True needs lag"):
        ga.space_time_lisa(x, y, w, lag=0, change=True)
    with pytest.raises(InputError, match="at least 7 years"):
        ga.space_time_lisa(x, y, w, lag=6)
    with pytest.raises(InputError, match="permutations>0"):
        ga.space_time_lisa(x, y, w, permutations=0)


def test_two_columns_of_one_long_table(panels):
    x, y, years, w = panels
    ids = w.id_order
    long = pd.DataFrame(
        {
            "unit": np.repeat(ids, len(years)),
            "year": np.tile(years, len(ids)),
            "loans": x.ravel(),
            "gdp": y.ravel(),
        }
    )
    st = ga.space_time_lisa(long, long, w, x_value="loans", y_value="gdp", permutations=9, seed=1)
    ref = Moran_Local_BV(x[:, 0], y[:, 1], w, permutations=0)
    np.testing.assert_allclose(st.Is[:, 0], ref.Is, rtol=0, atol=TOL)
    assert st.pairs[0] == (years[0], years[1])
