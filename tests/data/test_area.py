"""Land areas: geodesic against pyproj's own polygon routine, equal-area against geodesic."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, Polygon

import geoagglom
from geoagglom import InputError, land_area

WGS84 = Geod(ellps="WGS84")
LAYERS = ["china-prefectures", "shandong", "shandong-2004-2016"]


def reference_km2(geometry):
    """pyproj's area of a (multi)polygon, rings oriented as it expects (exterior CCW)."""
    area, _ = WGS84.geometry_area_perimeter(shapely.orient_polygons(geometry))
    return area / 1e6


@pytest.mark.parametrize("name", LAYERS)
def test_geodesic_matches_pyproj_on_every_bundled_unit(name):
    layer = geoagglom.load_layer(name)
    ours = land_area(layer)
    expected = np.array([reference_km2(g) for g in layer.geometry])
    assert ours.name == "area_km2"
    assert ours.index.equals(layer.index)
    assert (expected > 0).all()
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", LAYERS)
def test_equal_area_agrees_with_geodesic(name):
    layer = geoagglom.load_layer(name)
    np.testing.assert_allclose(
        land_area(layer, method="equal-area"), land_area(layer), rtol=1e-4, atol=0
    )


@pytest.mark.parametrize("name", ["shandong", "shandong-2004-2016"])
def test_full_resolution_layers_carry_their_own_geodesic_area(name):
    layer = geoagglom.load_layer(name)
    np.testing.assert_allclose(layer["area_km2"], land_area(layer), rtol=1e-12)


def test_simplification_changes_areas_only_slightly(china):
    # area_km2 comes from the full-resolution source; the simplified outline is close to it.
    rel = (land_area(china) - china["area_km2"]).abs() / china["area_km2"]
    assert rel.median() < 1e-3
    assert rel.max() < 0.05


def test_orientation_and_holes():
    outer = [(116.0, 36.0), (117.0, 36.0), (117.0, 37.0), (116.0, 37.0)]
    hole = [(116.2, 36.2), (116.4, 36.2), (116.4, 36.4), (116.2, 36.4)]
    ccw = Polygon(outer, [hole[::-1]])
    cw = Polygon(outer[::-1], [hole])  # the opposite orientation of both rings
    whole = Polygon(outer)
    gdf = gpd.GeoDataFrame(
        {"geometry": [ccw, cw, whole, shapely.MultiPolygon([whole, Polygon(hole)])]},
        index=["ccw", "cw", "whole", "multi"],
        crs="EPSG:4326",
    )
    a = land_area(gdf)
    hole_km2 = reference_km2(Polygon(hole))
    assert a["ccw"] == pytest.approx(a["cw"], rel=1e-12)
    assert a["whole"] - a["ccw"] == pytest.approx(hole_km2, rel=1e-9)
    # the hole square lies inside the outer square, so as a second part it adds
    assert a["multi"] == pytest.approx(a["whole"] + hole_km2, rel=1e-12)
    # a 1-degree cell near 36.5°N is about 111.0 km × 89.4 km
    assert 9_800 < a["whole"] < 10_000


def test_projected_input_is_measured_on_the_ellipsoid(shandong):
    projected = shandong.to_crs("EPSG:32650")  # UTM 50N, metres
    np.testing.assert_allclose(land_area(projected), land_area(shandong), rtol=1e-6)


def test_equal_area_with_a_named_projection(shandong):
    albers_china = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m"
    np.testing.assert_allclose(
        land_area(shandong, method="equal-area", crs=albers_china),
        land_area(shandong),
        rtol=1e-4,
    )


def test_no_planar_area_in_a_geographic_crs(shandong):
    with pytest.raises(InputError, match="not a projected CRS"):
        land_area(shandong, method="equal-area", crs="EPSG:4326")


def test_missing_crs_is_an_error(shandong):
    with pytest.raises(InputError, match="no CRS"):
        land_area(shandong.set_crs(None, allow_override=True))


def test_unknown_method(shandong):
    with pytest.raises(InputError, match="is not a land-area method"):
        land_area(shandong, method="planar")


def test_points_and_empty_geometries_name_the_units():
    gdf = gpd.GeoDataFrame(
        {"geometry": [Point(116, 36), Polygon()]}, index=["pt", "empty"], crs="EPSG:4326"
    )
    with pytest.raises(InputError, match="'empty'"):
        land_area(gdf)
    with pytest.raises(InputError, match="not a polygon: 'pt'"):
        land_area(gdf.iloc[:1])


def test_geodesic_area_threads_and_batches_equal_a_pyproj_ring_loop():
    """Flat-array, batched and threaded areas equal pyproj ring by ring (to 1e-12)."""
    from pyproj import Geod

    from geoagglom.data.area import _geodesic_areas_m2

    geod = Geod(ellps="WGS84")
    china = geoagglom.load_layer("china-prefectures")
    geoms = china.geometry.to_numpy()
    expected = np.zeros(len(geoms))
    for g, geom in enumerate(geoms):
        for part in shapely.get_parts(geom):
            rings = [part.exterior, *part.interiors]
            for k, ring in enumerate(rings):
                lon, lat = np.asarray(ring.coords).T
                a = abs(geod.polygon_area_perimeter(lon, lat)[0])
                expected[g] += a if k == 0 else -a
    for threads in (1, 2, 3):
        np.testing.assert_allclose(_geodesic_areas_m2(geoms, threads=threads), expected, rtol=1e-12)
    # the default (threads chosen by size) is the same
    np.testing.assert_allclose(land_area(china).to_numpy() * 1e6, expected, rtol=1e-12)
