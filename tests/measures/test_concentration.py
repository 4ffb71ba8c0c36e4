"""Tests of geoagglom.measures.concentration: financial entropy and location quotients."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoagglom import (
    FinancialEntropy,
    InputError,
    LocationQuotient,
    financial_entropy,
    location_quotient,
)


@pytest.fixture
def cities():
    # Deposits + loans (100 million yuan) and land areas (km²) of four made-up units.
    return pd.DataFrame(
        {
            "deposits": [600.0, 150.0, 90.0, 60.0],
            "loans": [400.0, 50.0, 60.0, 40.0],
            "area_km2": [1000.0, 1000.0, 500.0, 2500.0],
        },
        index=pd.Index([370100, 370200, 370300, 370400], name="adcode"),
    )


def test_entropy_hand_worked(cities):
    # D_i = deposits + loans = 1000, 200, 150, 100 (D = 1450); S = 5000 km².
    # Region density D/S = 1450/5000 = 0.29. beta = (D_i/S_i)/0.29:
    #   370100: (1000/1000)/0.29, 370200: (200/1000)/0.29,
    #   370300: (150/500)/0.29,   370400: (100/2500)/0.29.
    e = financial_entropy(cities, ["deposits", "loans"])
    expected = [1.0 / 0.29, 0.2 / 0.29, 0.3 / 0.29, 0.04 / 0.29]
    np.testing.assert_allclose(e.beta.to_numpy(), expected, rtol=1e-14)
    assert e.total_quantity == 1450.0 and e.total_area == 5000.0
    assert list(e.beta.index) == [370100, 370200, 370300, 370400]
    assert isinstance(e, FinancialEntropy)
    assert e.statistic is e.beta


def test_entropy_unit_at_average_density_is_one():
    # Unit "c" has 60/20 = 3 per km², and the whole has (10 + 50 + 60)/(10 + 10 + 20) = 3.
    t = pd.DataFrame({"q": [10.0, 50.0, 60.0], "area_km2": [10.0, 10.0, 20.0]}, index=list("abc"))
    assert financial_entropy(t, "q").beta["c"] == pytest.approx(1.0, rel=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.just(0.0), st.floats(1e-6, 1e6)), st.floats(1e-2, 1e5)),
        min_size=1,
        max_size=30,
    ).filter(lambda rows: sum(q for q, _ in rows) > 0)
)
def test_entropy_area_weighted_mean_is_one(rows):
    q = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows])
    e = financial_entropy(quantity=q, area=s)
    # Σ S_i beta_i / S = Σ D_i / D = 1.
    assert math.fsum(s * e.beta.to_numpy()) / math.fsum(s) == pytest.approx(1.0, rel=1e-12)


def test_entropy_user_totals(cities):
    # A province total that includes units outside the table: D = 2900, S = 10000,
    # so D/S = 0.29 again and the betas are unchanged; with S = 5800 they halve.
    base = financial_entropy(cities, ["deposits", "loans"])
    same = financial_entropy(cities, ["deposits", "loans"], total_quantity=2900, total_area=10000)
    np.testing.assert_allclose(same.beta, base.beta, rtol=1e-14)
    half = financial_entropy(cities, ["deposits", "loans"], total_quantity=2900, total_area=5000)
    np.testing.assert_allclose(half.beta, base.beta / 2, rtol=1e-14)


def test_entropy_arrays_and_series():
    e = financial_entropy(quantity=pd.Series([1.0, 3.0], ["x", "y"]), area=[2.0, 2.0])
    assert e.beta.to_dict() == {"x": 0.5, "y": 1.5}


def test_entropy_frame_and_repr(cities):
    e = financial_entropy(cities, "loans")
    frame = e.to_frame()
    assert list(frame.columns) == ["adcode", "quantity", "area_km2", "density", "beta"]
    assert len(frame) == 4
    assert "FinancialEntropy(n=4" in repr(e) and "370100" in repr(e)


def test_entropy_areas_from_geometries():
    """Without an area column, a GeoDataFrame's areas come from geoagglom.land_area."""
    import geopandas as gpd
    from pyproj import Geod
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame(
        {"q": [1.0, 2.0]}, geometry=[box(116, 36, 117, 37), box(117, 36, 118, 37)], crs=4326
    )
    geod = Geod(ellps="WGS84")
    areas = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in gdf.geometry]
    e = financial_entropy(gdf, "q")
    np.testing.assert_allclose(e.area_km2, areas, rtol=1e-9)


def test_location_quotient_wide_hand_worked():
    # Units a, b; industries fin, man. Q = 100.
    #   a: fin 20, man 30 (Q_a = 50); b: fin 10, man 40 (Q_b = 50).
    #   fin share of the whole: 30/100; LQ(a, fin) = (20/50)/(30/100) = 4/3.
    t = pd.DataFrame({"fin": [20.0, 10.0], "man": [30.0, 40.0]}, index=["a", "b"])
    lq = location_quotient(t)
    assert isinstance(lq, LocationQuotient)
    assert lq.lq.loc["a", "fin"] == pytest.approx((20 / 50) / (30 / 100), rel=1e-14)
    assert lq.lq.loc["b", "man"] == pytest.approx((40 / 50) / (70 / 100), rel=1e-14)
    # The share-weighted mean of an industry's LQ over units is 1: Σ_j (Q_j/Q) LQ_ij = 1.
    weights = lq.unit_total / lq.total
    assert (lq.lq.mul(weights, axis=0).sum()).to_numpy() == pytest.approx([1.0, 1.0])


def test_location_quotient_long_equals_wide():
    wide = pd.DataFrame(
        {"fin": [20.0, 10.0, 5.0], "man": [30.0, 40.0, 1.0], "agr": [1.0, 2.0, 9.0]},
        index=pd.Index(["a", "b", "c"], name="city"),
    )
    long = wide.reset_index().melt(id_vars="city", var_name="sector", value_name="emp")
    a = location_quotient(wide)
    b = location_quotient(long, "emp", unit="city", industry="sector")
    pd.testing.assert_frame_equal(a.lq, b.lq[a.lq.columns], check_names=False)
    tidy = a.to_frame()
    assert list(tidy.columns) == ["city", "industry", "value", "lq"]
    assert len(tidy) == 9
    assert "LocationQuotient(n_units=3" in repr(a)


def test_location_quotient_one_industry_with_unit_total():
    # Finance employment of 3 units with their total employment: LQ = (F_j/E_j)/(F/E).
    t = pd.DataFrame({"fin": [5.0, 1.0, 4.0], "total": [50.0, 40.0, 10.0]}, index=list("xyz"))
    lq = location_quotient(t, industries=["fin"], unit_total="total")
    assert lq.lq.loc["z", "fin"] == pytest.approx((4 / 10) / (10 / 100), rel=1e-14)


# --------------------------------------------------------------------------- bad input


def test_error_negative_quantity(cities):
    cities.loc[370300, "loans"] = -1.0
    with pytest.raises(InputError, match=r"'loans' is negative for units 370300"):
        financial_entropy(cities, ["deposits", "loans"])


def test_error_nan_quantity(cities):
    cities.loc[370200, "deposits"] = np.nan
    with pytest.raises(InputError, match=r"'deposits' is missing \(NaN\).*370200"):
        financial_entropy(cities, ["deposits", "loans"])


def test_error_zero_area(cities):
    cities.loc[370400, "area_km2"] = 0.0
    with pytest.raises(InputError, match=r"land area is zero for units 370400"):
        financial_entropy(cities, "loans")


def test_error_nan_area(cities):
    cities.loc[370100, "area_km2"] = np.nan
    with pytest.raises(InputError, match=r"land area is missing.*370100"):
        financial_entropy(cities, "loans")


def test_error_total_area_zero(cities):
    with pytest.raises(InputError, match="total_area is zero"):
        financial_entropy(cities, "loans", total_area=0)


def test_error_total_quantity_zero(cities):
    cities["loans"] = 0.0
    with pytest.raises(InputError, match="total financial quantity is zero"):
        financial_entropy(cities, "loans")


def test_error_total_below_table_sum(cities):
    with pytest.raises(InputError, match="smaller than the sum over the units"):
        financial_entropy(cities, "loans", total_quantity=100)


def test_error_missing_area_column(cities):
    with pytest.raises(InputError, match="area column 'area' is not in the table"):
        financial_entropy(cities, "loans", area="area")


def test_error_missing_quantity_column(cities):
    with pytest.raises(InputError, match="'credit' is not in the table"):
        financial_entropy(cities, ["deposits", "credit"])


def test_error_lq_long_duplicates():
    t = pd.DataFrame({"u": ["a", "a", "b"], "i": ["f", "f", "f"], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"more than once: \('a', 'f'\)"):
        location_quotient(t, "v", unit="u", industry="i")


def test_error_lq_long_missing_pair():
    t = pd.DataFrame({"u": ["a", "a", "b"], "i": ["f", "m", "f"], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"missing from the long table: \('b', 'm'\)"):
        location_quotient(t, "v", unit="u", industry="i")


def test_error_lq_long_incomplete_arguments():
    t = pd.DataFrame({"u": ["a"], "i": ["f"], "v": [1.0]})
    with pytest.raises(InputError, match="needs all of unit=, industry= and value="):
        location_quotient(t, unit="u", industry="i")


def test_error_lq_nan_and_negative():
    t = pd.DataFrame({"fin": [1.0, np.nan], "man": [1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(InputError, match=r"NaN.*\('b', 'fin'\)"):
        location_quotient(t)
    t = pd.DataFrame({"fin": [1.0, 2.0], "man": [-1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(InputError, match=r"negative.*\('a', 'man'\)"):
        location_quotient(t)


def test_error_lq_zero_unit_and_zero_industry():
    t = pd.DataFrame({"fin": [1.0, 0.0], "man": [1.0, 0.0]}, index=["a", "b"])
    with pytest.raises(InputError, match="Units 'b' have a total of zero"):
        location_quotient(t)
    t = pd.DataFrame({"fin": [0.0, 0.0], "man": [1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(InputError, match="Industries 'fin' are zero in every unit"):
        location_quotient(t)


def test_error_lq_unit_total_below_sum():
    t = pd.DataFrame({"fin": [5.0, 1.0], "total": [4.0, 40.0]}, index=["x", "y"])
    with pytest.raises(
        InputError, match="smaller than the sum of the industries given for units 'x'"
    ):
        location_quotient(t, industries=["fin"], unit_total="total")


def test_entropy_plain_lists():
    # Without a table a list is the values: densities 10 and 30 against 20 overall.
    e = financial_entropy(quantity=[10.0, 30.0], area=[1.0, 1.0])
    assert e.beta.tolist() == [0.5, 1.5]


def test_error_non_numeric_quantity(cities):
    cities["loans"] = ["a", "b", "c", "d"]
    with pytest.raises(InputError, match="not numbers"):
        financial_entropy(cities, "loans")


def test_error_ids_length(cities):
    with pytest.raises(InputError, match="ids has 2 labels but there are 4 units"):
        financial_entropy(cities, "loans", ids=["a", "b"])


def test_error_lq_missing_industry_column():
    t = pd.DataFrame({"fin": [1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(InputError, match="industry column 'man' is not in the table"):
        location_quotient(t, industries=["fin", "man"])
