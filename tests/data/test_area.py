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
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-9, atol=0)


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


def pyproj_ring_loop_m2(geoms):
    """GeographicLib's area of every (multi)polygon, ring by ring, holes subtracted."""
    out = np.zeros(len(geoms))
    for g, geom in enumerate(geoms):
        for part in shapely.get_parts(geom):
            for k, ring in enumerate([part.exterior, *part.interiors]):
                lon, lat = np.asarray(ring.coords).T
                a = abs(WGS84.polygon_area_perimeter(lon, lat)[0])
                out[g] += a if k == 0 else -a
    return out


def test_geodesic_area_blocks_and_threads_equal_a_pyproj_ring_loop():
    """Vectorised, in blocks, on threads: GeographicLib's areas to 1e-10 (measured 2e-12),
    and the same numbers whatever the threads and blocks."""
    from geoagglom.data import area

    china = geoagglom.load_layer("china-prefectures")
    geoms = china.geometry.to_numpy()
    expected = pyproj_ring_loop_m2(geoms)
    one = area._geodesic_areas_m2(geoms, threads=1)
    np.testing.assert_allclose(one, expected, rtol=1e-10)
    for threads in (2, 3):
        np.testing.assert_array_equal(area._geodesic_areas_m2(geoms, threads=threads), one)
    np.testing.assert_array_equal(land_area(china).to_numpy() * 1e6, one / 1e6 * 1e6)


def test_geodesic_area_of_a_million_cell_grid_matches_pyproj():
    """1M cells of 0.01 degree (~1 km) over eastern China: every cell within 1e-9 of
    GeographicLib's area (cells of one row have the same area: the row's first cell is
    measured by pyproj for all of them, and a random sample of cells one by one)."""
    side = 1000
    r, c = np.divmod(np.arange(side * side), side)
    d = 0.01
    cells = gpd.GeoSeries(
        shapely.box(110 + c * d, 20 + r * d, 110 + (c + 1) * d, 20 + (r + 1) * d), crs=4326
    )
    ours = land_area(cells).to_numpy() * 1e6
    first = cells.to_numpy()[::side]
    by_row = np.array([abs(WGS84.geometry_area_perimeter(g)[0]) for g in first])
    np.testing.assert_allclose(ours, by_row[r], rtol=1e-9)
    sample = np.random.default_rng(0).choice(side * side, 2000, replace=False)
    direct = np.array([abs(WGS84.geometry_area_perimeter(g)[0]) for g in cells.to_numpy()[sample]])
    np.testing.assert_allclose(ours[sample], direct, rtol=1e-9)


def random_polygons(rng, n, size, lon=(-180, 180), lat=(-80, 80)):
    """Star-shaped polygons of 3-12 vertices at random places, some with a hole."""
    out = []
    for _ in range(n):
        k = rng.integers(3, 13)
        cx, cy = rng.uniform(*lon), rng.uniform(*lat)
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = size * rng.uniform(0.4, 1.0, k)
        shell = np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)]
        holes = []
        if rng.random() < 0.3:
            holes = [np.c_[cx + 0.2 * size * np.cos(ang), cy + 0.2 * size * np.sin(ang)]]
        out.append(shapely.Polygon(shell, holes))
    return out


@pytest.mark.parametrize("size", [0.001, 0.01, 0.1, 0.4, 2.0])
def test_geodesic_area_of_random_polygons_matches_pyproj(size):
    """Any shape, place, orientation and edge length (from ~100 m to over 100 km, where
    pyproj takes over): GeographicLib's area to 1e-9, or to 1e-3 m² for tiny rings (its
    own rounding is ~1e-4 m² per ring)."""
    from geoagglom.data.area import _geodesic_areas_m2

    rng = np.random.default_rng(int(size * 1000))
    polys = random_polygons(rng, 400, size)
    polys += [shapely.MultiPolygon(polys[i : i + 3]) for i in range(0, 30, 3)]
    geoms = np.array(polys, dtype=object)
    ours = _geodesic_areas_m2(geoms)
    expected = pyproj_ring_loop_m2(geoms)
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-3)


def test_geodesic_area_across_the_antimeridian_near_the_poles_and_around_a_pole():
    from geoagglom.data.area import _geodesic_areas_m2

    geoms = np.array(
        [
            shapely.box(179.99, 10, 180.01, 10.02),  # across the antimeridian, as drawn
            shapely.Polygon([(179.995, 50), (-179.995, 50), (-179.995, 50.01), (179.995, 50.01)]),
            shapely.box(10, 89.2, 10.5, 89.6),  # within a degree of the pole: pyproj
            shapely.box(-50, -89.99, -49.9, -89.9),
            # around the north pole (crosses the antimeridian once): pyproj
            shapely.Polygon([(-180, 85), (-90, 85), (0, 85), (90, 85), (180, 85)]),
            shapely.box(0, 0, 1, 1),  # long edges (~111 km): pyproj
            shapely.box(-0.001, -0.001, 0.001, 0.001),  # around (0, 0)
        ],
        dtype=object,
    )
    ours = _geodesic_areas_m2(geoms)
    np.testing.assert_allclose(ours, pyproj_ring_loop_m2(geoms), rtol=1e-9, atol=1e-3)


def test_the_geodesic_bend_term_matters_and_is_right():
    """Without the geodesics' bend on the authalic sphere, random ~1 km polygons are off
    by ~1e-5; with it, within 1e-9 (the term is derived, not fitted: this checks it)."""
    from geoagglom.data import _geodesic

    rng = np.random.default_rng(7)
    geoms = np.array(random_polygons(rng, 300, 0.01, lat=(20, 60)), dtype=object)
    geoms = shapely.get_exterior_ring(geoms)
    coords = [np.asarray(g.coords) for g in geoms]
    lon = np.concatenate([c[:, 0] for c in coords])
    lat = np.concatenate([c[:, 1] for c in coords])
    bounds = np.r_[0, np.cumsum([len(c) for c in coords])]
    expected = np.array([abs(WGS84.polygon_area_perimeter(*c.T)[0]) for c in coords])
    with_bend = _geodesic.ring_areas(lon, lat, bounds)
    np.testing.assert_allclose(with_bend, expected, rtol=1e-9, atol=1e-3)
    _, _, t, _, _ = _geodesic._vertex_terms(lat)
    nxt = np.r_[np.arange(1, len(lon)), 0]
    nxt[bounds[1:] - 1] = bounds[:-1]
    dlon = np.radians(_geodesic._lon_diff(lon, lon[nxt]))
    trapezoid = 2 * np.arctan(np.tan(dlon / 2) * (t + t[nxt]) / (1 + t * t[nxt]))
    ring = np.repeat(np.arange(len(coords)), np.diff(bounds))
    without = np.abs(np.bincount(ring, weights=trapezoid)) * _geodesic._C2
    assert np.max(np.abs(without / expected - 1)) > 1e-6
