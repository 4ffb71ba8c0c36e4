"""Reading user boundary files: every format, and an error for every bad input."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Polygon

import geoagglom
from geoagglom import GeometryRepairWarning, InputError, read_boundaries


@pytest.fixture
def cities(shandong):
    """Three real Shandong cities as a user would have them: id and name columns."""
    gdf = shandong.loc[[370100, 370200, 370300], ["name_en", "geometry"]].reset_index()
    return gdf.rename(columns={"adcode": "code"})


@pytest.mark.parametrize(
    "suffix, driver",
    [(".shp", "ESRI Shapefile"), (".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".parquet", None)],
)
def test_formats_round_trip(tmp_path, cities, shandong, suffix, driver):
    path = tmp_path / f"cities{suffix}"
    if driver is None:
        cities.to_parquet(path)
    else:
        cities.to_file(path, driver=driver, engine="pyogrio")
    units = read_boundaries(path, id="code")
    assert list(units.index) == [370100, 370200, 370300]
    assert units.crs.equals("EPSG:4326")
    np.testing.assert_allclose(units["area_km2"], shandong.loc[units.index, "area_km2"], rtol=1e-9)


def test_projected_file_is_brought_to_lonlat(tmp_path, cities, shandong):
    path = tmp_path / "utm.gpkg"
    cities.to_crs("EPSG:32650").to_file(path)
    units = read_boundaries(path, id="name_en")
    assert units.crs.equals("EPSG:4326")
    np.testing.assert_allclose(
        units["area_km2"].to_numpy(), shandong.loc[[370100, 370200, 370300], "area_km2"], rtol=1e-6
    )


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_says_how_to_supply_one(tmp_path, cities):
    path = tmp_path / "nocrs.shp"
    cities.set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(InputError, match=r"no CRS.*crs='EPSG:4326'"):
        read_boundaries(path, id="code")
    units = read_boundaries(path, id="code", crs="EPSG:4326")
    assert len(units) == 3


def test_conflicting_crs_is_an_error(tmp_path, cities):
    path = tmp_path / "c.gpkg"
    cities.to_file(path)
    with pytest.raises(InputError, match="records CRS"):
        read_boundaries(path, id="code", crs="EPSG:32650")


def test_invalid_geometry_is_repaired_and_reported(tmp_path, cities):
    bowtie = Polygon([(116, 36), (117, 37), (117, 36), (116, 37)])
    frame = cities.copy()
    frame.loc[1, "geometry"] = bowtie
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path)
    with pytest.warns(GeometryRepairWarning, match="370200"):
        units = read_boundaries(path, id="code")
    assert units.attrs["repaired_ids"] == [370200]
    assert units.geometry.is_valid.all()
    assert units.loc[370200].geometry.geom_type == "MultiPolygon"  # the two triangles
    assert units.loc[370200, "area_km2"] > 0


def test_valid_file_is_read_as_it_is(tmp_path, cities):
    path = tmp_path / "ok.gpkg"
    cities.to_file(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        units = read_boundaries(path, id="code")
    assert not [w for w in caught if issubclass(w.category, GeometryRepairWarning)]
    # not repaired: the very geometries of the file, unit by unit
    expected = cities.set_index("code").geometry
    assert units.geometry.geom_equals_exact(expected.reindex(units.index), 0).all()


def test_empty_geometry_lists_the_ids(tmp_path, cities):
    frame = cities.copy()
    frame.loc[2, "geometry"] = Polygon()
    path = tmp_path / "empty.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match="empty or missing geometry: 370300"):
        read_boundaries(path, id="code")


def test_duplicate_ids_are_listed(tmp_path, cities):
    frame = cities.copy()
    frame.loc[2, "code"] = 370100
    path = tmp_path / "dup.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match="duplicate unit ids 370100"):
        read_boundaries(path, id="code")


def test_missing_ids_are_listed(tmp_path, cities):
    frame = cities.copy()
    frame["name_en"] = frame["name_en"].astype(object)
    frame.loc[1, "name_en"] = None
    path = tmp_path / "noid.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match=r"no 'name_en', at feature positions 1"):
        read_boundaries(path, id="name_en")


def test_unknown_id_column_lists_the_columns(tmp_path, cities):
    path = tmp_path / "c.geojson"
    cities.to_file(path)
    with pytest.raises(InputError, match=r"no column 'adcode'.*code, name_en"):
        read_boundaries(path, id="adcode")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_boundaries(tmp_path / "nope.shp", id="x")


def test_an_input_area_column_is_kept_aside(tmp_path, cities):
    frame = cities.assign(area_km2=1.0)
    path = tmp_path / "typed.gpkg"
    frame.to_file(path)
    units = read_boundaries(path, id="code")
    assert (units["area_km2_input"] == 1.0).all()
    assert (units["area_km2"] > 1000).all()


def test_non_polygon_file_is_an_error(tmp_path, cities):
    points = gpd.GeoDataFrame(
        cities.drop(columns="geometry"), geometry=cities.representative_point()
    )
    path = tmp_path / "points.gpkg"
    points.to_file(path)
    with pytest.raises(InputError, match="not a polygon"):
        read_boundaries(path, id="code")


def test_read_boundaries_areas_are_pyproj_geodesic_areas(tmp_path, cities):
    """The public function reads a user's file and measures it like pyproj's Geod."""
    from pyproj import Geod

    path = tmp_path / "cities.gpkg"
    cities.to_file(path)
    units = geoagglom.read_boundaries(path, id="code")
    assert list(units.index) == list(cities["code"])
    geod = Geod(ellps="WGS84")
    expected = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in cities.geometry]
    np.testing.assert_allclose(units["area_km2"].to_numpy(), expected, rtol=1e-9)
