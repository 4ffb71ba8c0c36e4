"""Tests of geoagglom.measures.panel: measures year by year, Table I and Table II."""

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini
from inequality.theil import Theil, TheilD
from pyproj import Geod

from geoagglom import (
    InputError,
    by_year,
    financial_entropy,
    gini,
    location_quotient,
    region_entropy,
    table_decomposition,
    table_regions,
    theil,
    unit_entropy,
)

YEARS = list(range(1940, 2010, 10))
PARTITIONS = ["HANSON03", "HANSON98", "ESQUIVEL99", "INEGI", "INEGI2"]


@pytest.fixture(scope="module")
def layer():
    gdf = gpd.read_file(libpysal.examples.get_path("mexicojoin.shp")).set_crs("EPSG:4326")
    gdf = gdf.set_index("POLY_ID")
    geod = Geod(ellps="WGS84")
    gdf["area_km2"] = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in gdf.geometry]
    return gdf


@pytest.fixture(scope="module")
def values(layer):
    """Long table (unit, year, gdp): per-capita GDP stands in for a financial balance."""
    wide = layer[[f"PCGDP{y}" for y in YEARS]].copy()
    wide.columns = YEARS
    long = wide.rename_axis("unit").reset_index().melt("unit", var_name="year", value_name="gdp")
    return long.sort_values(["year", "unit"]).reset_index(drop=True)


def manual_unit_beta(layer, values, year):
    gdp = values[values["year"] == year].set_index("unit")["gdp"].reindex(layer.index)
    area = layer["area_km2"]
    return (gdp / area) / (gdp.sum() / area.sum())


@pytest.mark.parametrize("partition", PARTITIONS)
def test_table_regions_matches_manual_and_pysal(layer, values, partition):
    grouping = layer[partition].astype(int)
    table = table_regions(layer, values, grouping, "gdp")
    assert list(table.columns) == ["year", "n_regions", "gini", "theil_T"]
    assert table["year"].tolist() == YEARS
    worst = 0.0
    for year, row in table.set_index("year").iterrows():
        gdp = values[values["year"] == year].set_index("unit")["gdp"].reindex(layer.index)
        d_k = gdp.groupby(grouping).sum()
        s_k = layer["area_km2"].groupby(grouping).sum()
        beta_k = ((d_k / s_k) / (gdp.sum() / layer["area_km2"].sum())).to_numpy()
        worst = max(worst, abs(row["gini"] - Gini(beta_k).g), abs(row["theil_T"] - Theil(beta_k).T))
        assert row["n_regions"] == grouping.nunique()
    assert worst <= 1e-10


@pytest.mark.parametrize("partition", PARTITIONS)
def test_table_decomposition_matches_pysal_theild(layer, values, partition):
    grouping = layer[partition].astype(int)
    table = table_decomposition(layer, values, grouping, "gdp")
    assert list(table.columns[:6]) == [
        "year",
        "total",
        "within",
        "within_share",
        "between",
        "between_share",
    ]
    for year, row in table.set_index("year").iterrows():
        beta = manual_unit_beta(layer, values, year).to_numpy()
        ref = TheilD(beta, grouping.to_numpy())
        assert abs(row["total"] - float(ref.T)) <= 1e-10
        assert abs(row["within"] - float(ref.wg[0])) <= 1e-10
        assert abs(row["between"] - float(ref.bg[0])) <= 1e-10
        assert row["within_share"] == pytest.approx(row["within"] / row["total"], rel=1e-14)
        assert row["between_share"] == pytest.approx(row["between"] / row["total"], rel=1e-14)


def test_table_decomposition_gini_and_inference(layer, values):
    grouping = layer["HANSON98"].astype(int)
    table = table_decomposition(layer, values, grouping, "gdp", measure="gini")
    for year, row in table.set_index("year").iterrows():
        beta = manual_unit_beta(layer, values, year).to_numpy()
        assert abs(row["total"] - Gini(beta).g) <= 1e-10
        parts = row["within"] + row["net_between"] + row["transvariation"]
        assert abs(parts - row["total"]) <= 1e-12 * row["total"]
    a = table_decomposition(layer, values, grouping, "gdp", permutations=99, seed=7)
    b = table_decomposition(layer, values, grouping, "gdp", permutations=99, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["p_sim"] >= 0.01) & (a["p_sim"] <= 1)).all()


def test_per_year_grouping(layer, values):
    # Regions redrawn in 1970: HANSON98 before, INEGI from then on.
    rows = []
    for year in YEARS:
        col = "HANSON98" if year < 1970 else "INEGI"
        rows.append(
            pd.DataFrame({"unit": layer.index, "year": year, "region": layer[col].astype(int)})
        )
    grouping = pd.concat(rows, ignore_index=True)
    table = table_decomposition(layer, values, grouping, "gdp")
    static = {
        col: table_decomposition(layer, values, layer[col].astype(int), "gdp").set_index("year")
        for col in ("HANSON98", "INEGI")
    }
    for year, row in table.set_index("year").iterrows():
        ref = static["HANSON98" if year < 1970 else "INEGI"].loc[year]
        assert row["between"] == ref["between"]
    t1 = table_regions(layer, values, grouping, "gdp").set_index("year")
    assert t1.loc[1960, "n_regions"] == layer["HANSON98"].nunique()
    assert t1.loc[1980, "n_regions"] == layer["INEGI"].nunique()


def test_region_entropy_from_summed_balances_and_areas(layer, values):
    grouping = layer["HANSON03"].astype(int)
    ent = region_entropy(layer, values, grouping, "gdp")
    assert list(ent.columns) == [
        "year",
        "region",
        "n_units",
        "quantity",
        "area_km2",
        "density",
        "beta",
    ]
    for _, part in ent.groupby("year"):
        # Area-weighted mean of the regions' betas is 1 (same totals as the units').
        assert (part["beta"] * part["area_km2"]).sum() / part["area_km2"].sum() == pytest.approx(
            1.0, rel=1e-13
        )
        assert part["n_units"].sum() == 32


def test_unit_entropy_and_by_year(layer, values):
    ent = unit_entropy(layer, values, "gdp")
    assert list(ent.columns) == ["year", "unit", "quantity", "area_km2", "density", "beta"]
    assert len(ent) == 32 * len(YEARS)
    np.testing.assert_allclose(
        ent[ent["year"] == 1980].set_index("unit")["beta"],
        manual_unit_beta(layer, values, 1980),
        rtol=1e-14,
    )
    ent["region"] = ent["unit"].map(layer["HANSON98"].astype(int))
    t = by_year(theil, ent, y="beta", groups="region", ids="unit")
    assert t["year"].tolist() == YEARS
    g = by_year(gini, ent, y="beta")
    e = by_year(financial_entropy, values, quantity="gdp", area=np.ones(32), ids="unit")
    assert len(e) == 32 * len(YEARS) and e["beta"].notna().all()
    for year in YEARS:
        beta = ent[ent["year"] == year]["beta"].to_numpy()
        assert abs(g.set_index("year").loc[year, "total"] - Gini(beta).g) <= 1e-10
    long = pd.concat(
        [
            values.assign(industry="a"),
            values.assign(industry="b", gdp=values["gdp"] / 2),
            values.assign(industry="c", gdp=1.0),
        ]
    )
    lq = by_year(location_quotient, long, value="gdp", unit="unit", industry="industry")
    assert list(lq.columns) == ["year", "unit", "industry", "value", "lq"]
    assert len(lq) == 3 * 32 * len(YEARS)
    one = location_quotient(long[long["year"] == 1990], "gdp", unit="unit", industry="industry")
    np.testing.assert_allclose(lq[lq["year"] == 1990]["lq"], one.to_frame()["lq"], rtol=0)


def test_user_totals_per_year(layer, values):
    totals = values.groupby("year")["gdp"].sum() * 2
    ent = unit_entropy(layer, values, "gdp", total_quantity=totals.to_dict())
    base = unit_entropy(layer, values, "gdp")
    # Twice the total quantity over the same area: every beta halves.
    np.testing.assert_allclose(ent["beta"], base["beta"] / 2, rtol=1e-14)


# --------------------------------------------------------------------------- bad input


def test_error_grouping_misses_units(layer, values):
    grouping = layer["HANSON98"].drop(index=[4, 8])
    with pytest.raises(InputError, match=r"units not in the grouping: 4, 8"):
        table_regions(layer, values, grouping, "gdp")
    with pytest.raises(InputError, match=r"units not in the grouping: 4, 8"):
        table_decomposition(layer, values, grouping, "gdp")


def test_error_grouping_names_unknown_units(layer, values):
    grouping = pd.concat([layer["HANSON98"], pd.Series({77: 1.0})])
    with pytest.raises(InputError, match=r"unknown units: 77"):
        table_decomposition(layer, values, grouping, "gdp")


def test_error_per_year_grouping_misses_units_in_one_year(layer, values):
    grouping = pd.concat(
        [pd.DataFrame({"unit": layer.index, "year": y, "region": 1}) for y in YEARS]
    )
    grouping = grouping[~((grouping["year"] == 1970) & (grouping["unit"] == 3))]
    with pytest.raises(InputError, match=r"Year 1970: .*units not in the grouping: 3"):
        table_decomposition(layer, values, grouping, "gdp")


def test_error_mismatched_years(layer, values):
    grouping = pd.concat(
        [pd.DataFrame({"unit": layer.index, "year": y, "region": 1}) for y in [*YEARS[1:], 2010]]
    )
    with pytest.raises(InputError, match=r"only in the values 1940; only in the grouping 2010"):
        table_regions(layer, values, grouping, "gdp")


def test_error_nan_value_names_unit_and_year(layer, values):
    bad = values.copy()
    bad.loc[(bad["unit"] == 5) & (bad["year"] == 1950), "gdp"] = np.nan
    with pytest.raises(
        InputError, match=r"'gdp' is missing \(NaN\) for \(unit, year\) \(5, 1950\)"
    ):
        table_decomposition(layer, bad, layer["HANSON98"], "gdp")


def test_error_negative_value_names_year_and_unit(layer, values):
    bad = values.copy()
    bad.loc[(bad["unit"] == 6) & (bad["year"] == 1990), "gdp"] = -5.0
    with pytest.raises(InputError, match=r"Year 1990: .*negative for units 6"):
        table_decomposition(layer, bad, layer["HANSON98"], "gdp")


def test_error_duplicate_unit_year(layer, values):
    bad = pd.concat([values, values.iloc[[0]]])
    with pytest.raises(InputError, match=r"more than once in the values: \(1, 1940\)"):
        table_regions(layer, bad, layer["HANSON98"], "gdp")


def test_error_values_name_unknown_units(layer, values):
    bad = pd.concat([values, pd.DataFrame({"unit": [99], "year": [1940], "gdp": [1.0]})])
    with pytest.raises(InputError, match=r"not in the units table: 99"):
        unit_entropy(layer, bad, "gdp")


def test_error_missing_unit_year(layer, values):
    bad = values[~((values["unit"] == 2) & (values["year"] == 2000))]
    with pytest.raises(InputError, match=r"lack \(unit, year\) rows \(2, 2000\)"):
        unit_entropy(layer, bad, "gdp")


def test_error_total_quantity_missing_year(layer, values):
    with pytest.raises(InputError, match=r"no total for years 2000"):
        unit_entropy(layer, values, "gdp", total_quantity={y: 1e9 for y in YEARS[:-1]})


def test_error_missing_year(values):
    bad = values.astype({"year": float})
    bad.loc[3, "year"] = np.nan
    with pytest.raises(InputError, match=r"year is missing for rows 3"):
        by_year(gini, bad, y="gdp")


def test_error_unknown_measure(layer, values):
    with pytest.raises(InputError, match="Unknown measure 'cv'"):
        table_decomposition(layer, values, layer["HANSON98"], "gdp", measure="cv")


# --------------------------------------------------------------------------- intervals, weights


def test_table_regions_intervals_and_weights(layer, values):
    from geoagglom import bootstrap, generalized_entropy
    from geoagglom.seeding import stream

    grouping = layer["INEGI"].astype(int)
    vals = values.assign(pop=values["gdp"] / 10 + 1.0)  # a stand-in population column
    table = table_regions(
        layer,
        vals,
        grouping,
        "gdp",
        weights={"gini": "area", "theil": "pop"},
        alpha=[2, -1],
        bootstrap=99,
        seed=5,
    )
    assert list(table.columns) == [
        "year", "n_regions", "gini", "gini_lo", "gini_hi", "theil_T", "theil_T_lo",
        "theil_T_hi", "ge_2", "ge_2_lo", "ge_2_hi", "ge_-1", "ge_-1_lo", "ge_-1_hi",
    ]  # fmt: skip
    again = table_regions(
        layer,
        vals,
        grouping,
        "gdp",
        weights={"gini": "area", "theil": "pop"},
        alpha=[2, -1],
        bootstrap=99,
        seed=5,
    )
    pd.testing.assert_frame_equal(table, again)
    ent = region_entropy(layer, vals, grouping, "gdp")
    for yr, row in table.set_index("year").iterrows():
        part = ent[ent["year"] == yr].set_index("region")
        area = part["area_km2"].to_numpy()
        yv = vals[vals["year"] == yr].set_index("unit")["pop"].reindex(layer.index)
        pop = yv.groupby(grouping).sum().reindex(part.index).to_numpy()
        beta = part["beta"].to_numpy()
        assert row["gini"] == pytest.approx(gini(beta, weights=area).g, rel=1e-14)
        assert row["theil_T"] == pytest.approx(theil(beta, weights=pop).T, rel=1e-14)
        assert row["ge_2"] == pytest.approx(generalized_entropy(beta, 2).GE, rel=1e-14)
        ref = bootstrap(theil, beta, pop, replicates=99, seed=stream(5, "bootstrap_theil_T", yr))
        assert (row["theil_T_lo"], row["theil_T_hi"]) == (ref.ci_low, ref.ci_high)
        assert row["gini_lo"] <= row["gini"] <= row["gini_hi"]


def test_table_decomposition_intervals_and_weights(layer, values):
    from geoagglom import bootstrap, generalized_entropy
    from geoagglom.seeding import stream

    grouping = layer["HANSON98"].astype(int)
    for measure, parts in (
        ("theil", ["total", "within", "between"]),
        ("ge", ["total", "within", "between"]),
        ("gini", ["total", "within", "net_between", "transvariation"]),
    ):
        table = table_decomposition(
            layer, values, grouping, "gdp", measure=measure, weights="area", bootstrap=49, seed=1
        )
        for p in parts:
            assert (table[f"{p}_lo"] <= table[p] + 1e-12).all()
            assert (table[f"{p}_hi"] >= table[p] - 1e-12).all()
    table = table_decomposition(
        layer,
        values,
        grouping,
        "gdp",
        measure="ge",
        alpha=-1,
        weights="area",
        bootstrap=49,
        seed=1,
        ci="bca",
    )
    area = layer["area_km2"].to_numpy()
    for yr, row in table.set_index("year").iterrows():
        beta = manual_unit_beta(layer, values, yr).to_numpy()
        ref = generalized_entropy(beta, -1, weights=area, groups=grouping.to_numpy())
        assert row["between"] == pytest.approx(ref.between, rel=1e-12)
        b = bootstrap(
            generalized_entropy,
            beta,
            area,
            grouping.to_numpy(),
            alpha=-1,
            replicates=49,
            seed=stream(1, "bootstrap_ge_-1", yr),
            ci="bca",
        )
        assert row["between_lo"] == pytest.approx(b.lo["between"], rel=1e-13)
        assert row["within_hi"] == pytest.approx(b.hi["within"], rel=1e-13)


def test_error_weights_and_bootstrap_arguments(layer, values):
    grouping = layer["HANSON98"].astype(int)
    with pytest.raises(InputError, match="'population'"):
        table_regions(layer, values, grouping, "gdp", weights="population")
    with pytest.raises(InputError, match="unknown index or family 'atkinsn'"):
        table_regions(layer, values, grouping, "gdp", weights={"atkinsn": "area"})
    with pytest.raises(InputError, match="bootstrap = -1"):
        table_regions(layer, values, grouping, "gdp", bootstrap=-1)
    with pytest.raises(InputError, match="ci = 'x'"):
        table_decomposition(layer, values, grouping, "gdp", bootstrap=9, ci="x")


def test_table_change_pairs_the_years(layer, values):
    from geoagglom import bootstrap_change, table_change
    from geoagglom.seeding import stream

    grouping = layer["HANSON98"].astype(int)
    table = table_change(layer, values, grouping, "gdp", 1940, 2000, bootstrap=199, seed=8)
    assert list(table["part"]) == ["total", "within", "between"]
    assert (table["from_year"] == 1940).all() and (table["to_year"] == 2000).all()
    b40 = manual_unit_beta(layer, values, 1940).to_numpy()
    b00 = manual_unit_beta(layer, values, 2000).to_numpy()
    ref40, ref00 = TheilD(b40, grouping.to_numpy()), TheilD(b00, grouping.to_numpy())
    rows = table.set_index("part")
    assert abs(rows.loc["between", "change"] - float(ref00.bg[0] - ref40.bg[0])) <= 1e-10
    assert abs(rows.loc["total", "change"] - float(ref00.T - ref40.T)) <= 1e-10
    ref = bootstrap_change(
        theil,
        b40,
        b00,
        groups=grouping.to_numpy(),
        replicates=199,
        seed=stream(8, "bootstrap_change_theil_T", 2000),
    )
    np.testing.assert_allclose(table["lo"], ref.lo.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(table["p_value"], ref.p_value.to_numpy(), rtol=0)
    gini_change = table_change(
        layer,
        values,
        grouping,
        "gdp",
        1940,
        2000,
        measure="gini",
        weights="area",
        bootstrap=49,
        seed=8,
    )
    assert list(gini_change["part"]) == ["total", "within", "net_between", "transvariation"]


def test_error_table_change(layer, values):
    from geoagglom import table_change

    grouping = layer["HANSON98"].astype(int)
    with pytest.raises(InputError, match="no year 1945"):
        table_change(layer, values, grouping, "gdp", 1945, 2000, bootstrap=9)
    rows = []
    for year in YEARS:
        col = "HANSON98" if year < 1970 else "INEGI"
        rows.append(
            pd.DataFrame({"unit": layer.index, "year": year, "region": layer[col].astype(int)})
        )
    per_year = pd.concat(rows, ignore_index=True)
    with pytest.raises(InputError, match="different regions in 1940 and 2000"):
        table_change(layer, values, per_year, "gdp", 1940, 2000, bootstrap=9)
