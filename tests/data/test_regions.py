"""Tests of geoagglom.data.regions: grouping tables and the dissolve of units into regions."""

import math
import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geoagglom import InputError, dissolve_regions

PARTITIONS = ["HANSON03", "HANSON98", "ESQUIVEL99", "INEGI", "INEGI2"]
GEOD = Geod(ellps="WGS84")


def geodesic_km2(geoms):
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6 for g in geoms])


@pytest.fixture(scope="module")
def mexico_layer():
    """The 32 Mexican states (lon/lat degrees; the shapefile carries no CRS)."""
    gdf = gpd.read_file(libpysal.examples.get_path("mexicojoin.shp"))
    gdf = gdf.set_crs("EPSG:4326").set_index("POLY_ID")
    gdf["area_km2"] = geodesic_km2(gdf.geometry)
    return gdf


@pytest.fixture
def mexico(mexico_layer):
    return mexico_layer.copy()


@pytest.mark.parametrize("partition", PARTITIONS)
def test_dissolve_areas_equal_sums_and_no_unit_lost(mexico, partition):
    grouping = mexico[partition].astype(int)
    regions = dissolve_regions(mexico, grouping, sum_columns=["PCGDP2000"])
    expected = mexico.groupby(grouping)["area_km2"].sum()
    # Region area = sum of its units' areas (computed here with pyproj) ...
    np.testing.assert_allclose(regions["area_km2"], expected.loc[regions.index], rtol=1e-9)
    # ... and equals the geodesic area of the dissolved geometry: nothing lost or doubled.
    np.testing.assert_allclose(geodesic_km2(regions.geometry), expected, rtol=1e-9)
    np.testing.assert_allclose(regions["area_geometry_km2"], expected, rtol=1e-9)
    # Every unit is kept: counted once, listed once, and inside its region's geometry.
    assert regions["n_units"].sum() == len(mexico)
    members = [u for units in regions.attrs["members"].values() for u in units]
    assert sorted(members) == sorted(mexico.index)
    for region, units in regions.attrs["members"].items():
        inside = shapely.contains(
            regions.geometry.loc[region], mexico.geometry.loc[units].representative_point()
        )
        assert inside.all()
    # Additive columns are summed.
    np.testing.assert_allclose(
        regions["PCGDP2000"], mexico.groupby(grouping)["PCGDP2000"].sum(), rtol=1e-15
    )
    assert regions.attrs["union_method"] == "coverage"
    assert regions.crs == mexico.crs
    assert regions.index.name == "region"


def test_dissolve_grouping_frame_like_bundled_groupings(mexico):
    grouping = pd.DataFrame(
        {"name_en": mexico["NAME"], "region": mexico["HANSON98"].astype(int)}, index=mexico.index
    )
    regions = dissolve_regions(mexico, grouping)
    assert list(regions.index) == [1, 2, 3, 4, 5]
    # A frame with the ids in a column works too.
    regions2 = dissolve_regions(mexico, grouping.reset_index(), unit_col="POLY_ID")
    np.testing.assert_allclose(regions2["area_km2"], regions["area_km2"], rtol=0)


def test_dissolve_robust_fallback_when_not_a_coverage(mexico):
    grouping = mexico["HANSON98"].astype(int)
    # Let state a also cover its neighbour b of the same region: the layer is no
    # longer a valid coverage, and b's area is counted twice in the sum.
    a = mexico.index[0]
    same = mexico.index[(grouping == grouping[a]).to_numpy()]
    b = next(u for u in same if u != a and mexico.geometry[a].touches(mexico.geometry[u]))
    mexico.loc[a, "geometry"] = mexico.geometry[a].union(mexico.geometry[b])
    mexico.loc[a, "area_km2"] = geodesic_km2([mexico.geometry[a]])[0]
    region = grouping[a]
    with pytest.warns(UserWarning, match=rf"regions {region} differ from the area of their"):
        regions = dissolve_regions(mexico, grouping)
    assert regions.attrs["union_method"] == "robust"
    assert regions.geometry.is_valid.all()
    assert regions["n_units"].sum() == 32
    # The summed areas are kept (and reported next to the geometry's).
    np.testing.assert_allclose(
        regions["area_km2"], mexico.groupby(grouping)["area_km2"].sum(), rtol=1e-12
    )
    excess = regions.loc[region, "area_km2"] - regions.loc[region, "area_geometry_km2"]
    assert excess == pytest.approx(mexico.loc[b, "area_km2"], rel=1e-6)


def test_dissolve_without_geometry_sums_only(mexico):
    table = pd.DataFrame(mexico.drop(columns="geometry"))
    out = dissolve_regions(table, mexico["INEGI"].astype(int), sum_columns=["PCGDP1940"])
    assert not hasattr(out, "geometry")
    assert out["n_units"].sum() == 32
    assert math.isclose(out["area_km2"].sum(), mexico["area_km2"].sum(), rel_tol=1e-12)


def test_dissolve_area_from_geometries_when_no_column(mexico):
    regions = dissolve_regions(mexico.drop(columns="area_km2"), mexico["INEGI2"].astype(int))
    expected = mexico.groupby(mexico["INEGI2"].astype(int))["area_km2"].sum()
    np.testing.assert_allclose(regions["area_km2"], expected, rtol=1e-9)


def test_dissolve_clean_coverage_uses_the_coverage_union_and_warns_nothing(mexico):
    grouping = mexico["ESQUIVEL99"].astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        regions = dissolve_regions(mexico, grouping)
    assert [str(w.message) for w in caught if "geoagglom" in w.category.__module__] == []
    assert regions.attrs["union_method"] == "coverage"
    # each region's outline is the union of its members: same area as the parts summed
    np.testing.assert_allclose(
        regions["area_geometry_km2"], mexico.groupby(grouping)["area_km2"].sum(), rtol=1e-3
    )


# --------------------------------------------------------------------------- bad input


def test_error_unit_missing_from_grouping(mexico):
    grouping = mexico["HANSON98"].drop(index=[7, 9])
    with pytest.raises(InputError, match=r"units not in the grouping: 7, 9"):
        dissolve_regions(mexico, grouping)


def test_error_grouping_names_unknown_units(mexico):
    grouping = pd.concat([mexico["HANSON98"], pd.Series({99: 1.0, 100: 2.0})])
    with pytest.raises(InputError, match=r"grouping entries for unknown units: 99, 100"):
        dissolve_regions(mexico, grouping)


def test_error_grouping_id_types_differ(mexico):
    grouping = mexico["HANSON98"].copy()
    grouping.index = grouping.index.astype(str)
    with pytest.raises(InputError, match=r"type int.*type str"):
        dissolve_regions(mexico, grouping)


def test_error_unit_twice_in_grouping(mexico):
    grouping = pd.concat([mexico["HANSON98"], pd.Series({3: 1.0})])
    with pytest.raises(InputError, match=r"Units 3 appear more than once in the grouping"):
        dissolve_regions(mexico, grouping)


def test_error_unit_without_region(mexico):
    grouping = mexico["HANSON98"].copy()
    grouping.loc[5] = np.nan
    with pytest.raises(InputError, match=r"Units 5 have no region"):
        dissolve_regions(mexico, grouping)


def test_error_nan_in_summed_column(mexico):
    mexico.loc[12, "PCGDP1940"] = np.nan
    with pytest.raises(InputError, match=r"'PCGDP1940' is missing \(NaN\) for units 12"):
        dissolve_regions(mexico, mexico["HANSON98"], sum_columns=["PCGDP1940"])


def test_error_missing_sum_column(mexico):
    with pytest.raises(InputError, match="'loans' to sum is not in the units table"):
        dissolve_regions(mexico, mexico["HANSON98"], sum_columns=["loans"])


def test_error_no_crs_for_area_check(mexico):
    layer = mexico.set_crs(None, allow_override=True)
    with pytest.raises(InputError, match=r"no CRS.*check_area=False"):
        dissolve_regions(layer, mexico["HANSON98"])
    out = dissolve_regions(layer, mexico["HANSON98"], check_area=False)
    assert out["n_units"].sum() == 32


def test_error_grouping_without_region_column(mexico):
    with pytest.raises(InputError, match="no column 'region'"):
        dissolve_regions(mexico, pd.DataFrame({"zone": mexico["HANSON98"]}))


def test_error_duplicate_unit_ids_in_layer(mexico):
    layer = pd.concat([mexico, mexico.iloc[[2]]])
    with pytest.raises(InputError, match=r"Unit ids 3 appear more than once in the units table"):
        dissolve_regions(layer, mexico["HANSON98"])


# --------------------------------------------------------------------------- scale


def oriented_geodesic_km2(geoms):
    """pyproj's signed area after orienting every ring (exteriors counter-clockwise):
    the bundled layers mix orientations between the parts of a multipolygon."""
    oriented = shapely.orient_polygons(np.asarray(geoms, dtype=object), exterior_cw=False)
    return geodesic_km2(oriented)


def test_dissolve_prefectures_to_provinces_equals_geopandas_coverage_dissolve():
    import geoagglom

    pref = geoagglom.load_layer("china-prefectures")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = dissolve_regions(pref, pref["province_adcode"])
    ref = pref[["province_adcode", "geometry"]].dissolve("province_adcode", method="coverage")
    assert ours.attrs["union_method"] == "coverage"
    assert ours.attrs["robust_regions"] == []
    assert list(ours.index) == list(ref.index)
    assert shapely.equals(ours.geometry.to_numpy(), ref.geometry.loc[ours.index].to_numpy()).all()
    trusted = dissolve_regions(
        pref, pref["province_adcode"], check_area=False, verify_coverage=False
    )
    assert trusted.geometry.geom_equals_exact(ours.geometry, tolerance=0).all()
    sums = pref.groupby("province_adcode")["area_km2"].sum()
    np.testing.assert_allclose(ours["area_km2"], sums.loc[ours.index], rtol=1e-12)
    # the geometric check is the geodesic area of each dissolved outline
    np.testing.assert_allclose(
        ours["area_geometry_km2"], oriented_geodesic_km2(ref.geometry.loc[ours.index]), rtol=1e-9
    )
    # areas measured here: the outlines' areas are the sums of the units' areas
    noarea = dissolve_regions(pref.drop(columns="area_km2"), pref["province_adcode"])
    np.testing.assert_allclose(
        noarea["area_geometry_km2"], oriented_geodesic_km2(ref.geometry.loc[ours.index]), rtol=1e-9
    )
    np.testing.assert_allclose(
        noarea["area_km2"],
        pd.Series(oriented_geodesic_km2(pref.geometry), index=pref.index)
        .groupby(pref["province_adcode"])
        .sum()
        .loc[ours.index],
        rtol=1e-9,
    )


def test_dissolve_falls_back_only_in_the_broken_region():
    box = shapely.box
    geoms = [
        box(0, 0, 1, 1),
        box(0.9, 0, 2, 1),  # overlaps its region-mate: crossing edges
        box(0, 2, 1, 3),
        box(1, 2, 2, 3),  # clean neighbours
        shapely.Polygon([(0, 4), (1, 4), (1, 4.5), (1, 5), (0, 5)]),
        box(1, 4, 2, 5),  # vertex on the shared edge missing on one side
        box(0, 6, 1, 7),
        box(0.2, 6.2, 0.8, 6.8),  # nested
    ]
    units = gpd.GeoDataFrame(
        {"v": np.arange(8.0)}, geometry=geoms, index=list("abcdefgh"), crs="EPSG:4326"
    )
    grouping = pd.Series([1, 1, 2, 2, 3, 3, 4, 4], index=units.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = dissolve_regions(units, grouping, sum_columns=["v"])
    assert out.attrs["union_method"] == "robust"
    assert out.attrs["robust_regions"] == [1, 3, 4]
    assert out.geometry.is_valid.all()
    for r in (1, 2, 3, 4):
        members = units.geometry[(grouping == r).to_numpy()].to_numpy()
        assert out.geometry.loc[r].equals(shapely.union_all(members))
    assert out.geometry.loc[2].equals(shapely.box(0, 2, 2, 3))
    np.testing.assert_allclose(out["v"], [1, 5, 9, 13])


# --------------------------------------------------------------------------- known coverages


def test_a_bundled_layer_as_loaded_is_a_known_coverage_and_any_edit_is_checked():
    import geoagglom

    pref = geoagglom.load_layer("china-prefectures")
    by = pref["province_adcode"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        known = dissolve_regions(pref, by)
        assert known.attrs["known_coverage"] is True
        # a copy or a subset of the layer is still (part of) the valid coverage
        assert dissolve_regions(pref.copy(), by).attrs["known_coverage"] is True
        subset = pref.iloc[:200]
        assert dissolve_regions(subset, by.iloc[:200]).attrs["known_coverage"] is True
        # an edited geometry, another CRS, or two loads mixed: checked as usual
        edited = pref.copy()
        edited.loc[edited.index[0], "geometry"] = shapely.affinity.translate(
            edited.geometry.iloc[0], 1e-9
        )
        assert dissolve_regions(edited, by).attrs["known_coverage"] is False
        projected = pref.to_crs(3857)
        out = dissolve_regions(projected, by, check_area=False)
        assert out.attrs["known_coverage"] is False
        again = geoagglom.load_layer("china-prefectures")
        mixed = pd.concat([pref.iloc[:100], again.iloc[100:]])
        assert dissolve_regions(mixed, by).attrs["known_coverage"] is False
        assert dissolve_regions(again, by).attrs["known_coverage"] is True
        # without the shortcut, the checks find nothing to repair: the same regions
        checked = dissolve_regions(mixed, by)
    assert shapely.equals(known.geometry.to_numpy(), checked.geometry.to_numpy()).all()
    assert checked.attrs["robust_regions"] == []
    np.testing.assert_allclose(known["area_geometry_km2"], checked["area_geometry_km2"], rtol=1e-12)


def test_a_broken_copy_of_a_bundled_layer_is_not_trusted():
    """Overlapping units in a copy of a bundled layer: the edited geometry is not the
    loaded one, so the per-region checks run and unite the broken region the robust way."""
    import geoagglom

    pref = geoagglom.load_layer("shandong-2004-2016")
    grouping = pd.Series(1, index=pref.index)
    broken = pref.copy()
    a, b = pref.index[:2]
    broken.loc[a, "geometry"] = pref.geometry[a].union(pref.geometry[b].buffer(0.01))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = dissolve_regions(broken, grouping)
    assert out.attrs["known_coverage"] is False
    assert out.attrs["robust_regions"] == [1]


def test_unions_on_threads_equal_the_serial_unions(monkeypatch):
    from geoagglom.data import regions

    pref = __import__("geoagglom").load_layer("china-prefectures")
    by = pref["province_adcode"]
    kwargs = dict(check_area=False, verify_coverage=False)
    monkeypatch.setattr(regions, "_THREADS_FROM", 10**12)
    serial = dissolve_regions(pref, by, **kwargs)
    monkeypatch.setattr(regions, "_THREADS_FROM", 0)
    monkeypatch.setattr(regions.os, "cpu_count", lambda: 3)
    threaded = dissolve_regions(pref, by, **kwargs)
    assert threaded.geometry.geom_equals_exact(serial.geometry, tolerance=0).all()
    # re-read geometries (new objects): checked, on threads too, and nothing to repair
    fresh = pref.set_geometry(
        gpd.GeoSeries(shapely.from_wkb(shapely.to_wkb(pref.geometry.to_numpy())), crs=4326).values
    )
    checked = dissolve_regions(fresh, by, check_area=False)
    assert checked.attrs["known_coverage"] is False and checked.attrs["robust_regions"] == []
    assert checked.geometry.geom_equals_exact(serial.geometry, tolerance=0).all()


# --------------------------------------------------------------------------- stored outline areas


def _fresh(layer):
    """The same layer with new geometry objects (a re-read copy): not a known coverage."""
    geoms = shapely.from_wkb(shapely.to_wkb(layer.geometry.to_numpy()))
    return layer.set_geometry(gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs).values)


def _dissolve_recording(units, grouping, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = dissolve_regions(units, grouping, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


BUNDLED_GROUPINGS = [
    ("china-prefectures", "province_adcode"),
    ("shandong", "province_adcode"),
    ("shandong-2004-2016", "two-circles"),
]


def _grouping(layer, by):
    if by == "two-circles":
        import geoagglom

        return geoagglom.load_grouping("shandong-two-circles-four-areas")["region"]
    return layer[by]


@pytest.mark.parametrize("name, by", BUNDLED_GROUPINGS)
def test_known_coverage_area_check_sums_the_stored_outline_areas(name, by):
    """A region's geometric area is its members' summed area_outline_km2, and that is
    the geodesic area of the dissolved outline (pyproj, independently) to 1e-9."""
    import geoagglom
    from geoagglom import land_area

    layer = geoagglom.load_layer(name)
    grouping = _grouping(layer, by)
    out, _ = _dissolve_recording(layer, grouping)
    assert out.attrs["known_coverage"] is True
    sums = layer["area_outline_km2"].groupby(grouping.reindex(layer.index).to_numpy()).sum()
    np.testing.assert_allclose(out["area_geometry_km2"], sums.loc[out.index], rtol=1e-12)
    np.testing.assert_allclose(out["area_geometry_km2"], land_area(out), rtol=1e-9)
    np.testing.assert_allclose(
        out["area_geometry_km2"], oriented_geodesic_km2(out.geometry), rtol=1e-9
    )


@pytest.mark.parametrize("name, by", BUNDLED_GROUPINGS)
def test_dissolve_is_the_same_with_and_without_the_stored_outline_areas(name, by):
    """New geometry objects take the measured path (the united outlines' areas): the
    same regions, geometries, sums, warnings; the geometric areas agree to 1e-9."""
    import geoagglom

    layer = geoagglom.load_layer(name)
    grouping = _grouping(layer, by)
    for kwargs in ({}, {"area_rtol": 1e-4}):
        fast, fast_warned = _dissolve_recording(layer, grouping, **kwargs)
        slow, slow_warned = _dissolve_recording(_fresh(layer), grouping, **kwargs)
        assert fast.attrs["known_coverage"] is True and slow.attrs["known_coverage"] is False
        assert fast_warned == slow_warned
        assert fast.geometry.geom_equals_exact(slow.geometry, tolerance=0).all()
        pd.testing.assert_frame_equal(
            pd.DataFrame(fast.drop(columns=["geometry", "area_geometry_km2"])),
            pd.DataFrame(slow.drop(columns=["geometry", "area_geometry_km2"])),
        )
        np.testing.assert_allclose(fast["area_geometry_km2"], slow["area_geometry_km2"], rtol=1e-9)
        for key in ("members", "union_method", "robust_regions"):
            assert fast.attrs[key] == slow.attrs[key]
    # without area_km2, the units' areas are the stored outline areas (land_area's)
    bare = layer.drop(columns="area_km2")
    fast, fast_warned = _dissolve_recording(bare, grouping)
    slow, slow_warned = _dissolve_recording(_fresh(bare), grouping)
    assert fast_warned == slow_warned == []
    np.testing.assert_allclose(fast["area_km2"], slow["area_km2"], rtol=1e-9)
    np.testing.assert_allclose(fast["area_geometry_km2"], slow["area_geometry_km2"], rtol=1e-9)


def test_the_stored_outline_areas_warn_where_the_measured_outlines_do():
    """Macao's statistical area (area_km2) is 1.5 % above its outline's: both paths warn,
    naming it and only it."""
    import geoagglom
    from geoagglom.errors import AreaMismatchWarning

    pref = geoagglom.load_layer("china-prefectures")
    for units in (pref, _fresh(pref)):
        with pytest.warns(AreaMismatchWarning, match=r"regions 820000 differ") as caught:
            dissolve_regions(units, pref["province_adcode"])
        assert len([w for w in caught if w.category is AreaMismatchWarning]) == 1


def test_a_bundled_layer_relabelled_to_another_crs_is_measured():
    """The stored areas were measured in EPSG:4326: a layer whose CRS label changed
    (same geometry objects) is measured in its CRS, not given the stored areas."""
    import geoagglom
    from geoagglom import land_area

    layer = geoagglom.load_layer("shandong")
    relabelled = layer.set_crs(3857, allow_override=True)
    assert relabelled.geometry.iloc[0] is layer.geometry.iloc[0]
    grouping = pd.Series(1, index=layer.index)
    out = dissolve_regions(relabelled, grouping, check_area=False)
    out, _ = _dissolve_recording(relabelled, grouping)
    np.testing.assert_allclose(out["area_geometry_km2"], land_area(out), rtol=1e-9)
    assert out["area_geometry_km2"].iloc[0] < 1e-3 * layer["area_outline_km2"].sum()


def test_threaded_coverage_checks_leave_the_warning_filters_alone(monkeypatch):
    """The per-region checks run on threads: they must not leave an 'ignore' filter
    behind (shapely.is_valid's catch_warnings is not thread-safe)."""
    import geoagglom
    from geoagglom.data import regions

    pref = _fresh(geoagglom.load_layer("china-prefectures"))
    monkeypatch.setattr(regions, "_THREADS_FROM", 0)
    monkeypatch.setattr(regions.os, "cpu_count", lambda: 4)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        before = list(warnings.filters)
        for _ in range(5):
            out = dissolve_regions(pref, pref["province_adcode"], check_area=False)
            assert out.attrs["robust_regions"] == []
            assert warnings.filters == before
