"""The bundled layers: what they hold, how they fit together, what simplification kept."""

import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

import geoagglom
from geoagglom import InputError, land_area
from geoagglom.data.boundaries import bundled_dir, neighbor_pairs

COLUMNS = [
    "name_zh",
    "name_en",
    "name_pinyin",
    "province_adcode",
    "province_zh",
    "province_en",
    "area_km2",
    "area_outline_km2",
]


@pytest.mark.parametrize(
    "name, count", [("china-prefectures", 370), ("shandong", 16), ("shandong-2004-2016", 17)]
)
def test_layer_contents(name, count):
    layer = geoagglom.load_layer(name)
    assert len(layer) == count
    assert layer.index.name == "adcode"
    assert layer.index.dtype == np.int64
    assert layer.index.is_unique
    assert layer.crs.equals("EPSG:4326")
    assert list(layer.columns.drop("geometry")) == COLUMNS
    assert layer[COLUMNS].notna().all().all()
    assert shapely.is_valid(layer.geometry.values).all()
    assert (layer["area_km2"] > 0).all()


def test_known_names_and_codes(china, shandong_old):
    assert china.loc[370100, "name_zh"] == "济南市"
    assert china.loc[370100, "name_en"] == "Jinan"
    assert china.loc[610100, "name_en"] == "Xi'an"
    assert china.loc[650100, ["name_en", "name_pinyin"]].tolist() == ["Urumqi", "Wulumuqi"]
    assert china.loc[370100, "province_en"] == "Shandong"
    assert shandong_old.loc[371200, ["name_zh", "name_en"]].tolist() == ["莱芜市", "Laiwu"]
    assert (
        china.loc[china["province_zh"] == "山东省"].index.sort_values()
        == geoagglom.load_layer("shandong").index.sort_values()
    ).all()


def test_laiwu_and_old_jinan_add_up_to_todays_jinan(shandong, shandong_old):
    parts = shandong_old.loc[[370100, 371200], "area_km2"].sum()
    assert parts == pytest.approx(shandong.loc[370100, "area_km2"], rel=1e-9)
    # and the rest of the province is untouched
    others = shandong.index.drop(370100)
    np.testing.assert_allclose(
        shandong_old.loc[others, "area_km2"], shandong.loc[others, "area_km2"], rtol=1e-12
    )


def test_seventeen_cities_cover_the_same_ground_as_sixteen(shandong, shandong_old):
    new = shapely.coverage_union_all(shandong.geometry.values)
    old = shapely.coverage_union_all(shandong_old.geometry.values)
    total = land_area(shandong).sum()
    parts = shapely.get_parts(shapely.symmetric_difference(new, old))
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    polygons = gpd.GeoSeries(parts, crs="EPSG:4326")
    diff_km2 = land_area(polygons).sum() if len(polygons) else 0.0
    assert diff_km2 < 1e-6 * total
    assert shapely.coverage_is_valid(shandong_old.geometry.values)


def _pairs(graph):
    adj = graph.adjacency.reset_index()
    adj = adj[adj["focal"] != adj["neighbor"]]
    return set(zip(adj["focal"], adj["neighbor"], strict=True))


def test_simplified_contiguity_equals_full_resolution_source(china):
    """Queen and rook neighbours survive coverage simplification, but for the listed pairs."""
    source = neighbor_pairs("china-prefectures")
    with open(bundled_dir() / "catalog.toml", "rb") as f:
        lost = {tuple(p) for p in tomllib.load(f)["layers"]["china-prefectures"]["lost_contacts"]}
    lost |= {(b, a) for a, b in lost}
    source_queen = set(zip(source["focal"], source["neighbor"], strict=True))
    rook_rows = source[source["rook"]]
    source_rook = set(zip(rook_rows["focal"], rook_rows["neighbor"], strict=True))
    queen = _pairs(Graph.build_contiguity(china, rook=False))
    rook = _pairs(Graph.build_contiguity(china, rook=True))
    assert source_queen - queen == lost
    assert queen - source_queen == set()
    assert rook == source_rook - lost
    assert len(source_queen) > 1900  # about 969 borders, both directions
    # every stored pair refers to a unit of the layer, and each pair is symmetric
    assert set(source["focal"]) <= set(china.index)
    assert {(b, a) for a, b in source_queen} == source_queen


def test_grouping_two_circles_four_areas(shandong_old):
    grouping = geoagglom.load_grouping("shandong-two-circles-four-areas")
    assert grouping.attrs["layer"] == "shandong-2004-2016"
    assert "whole city" in grouping.attrs["note"]
    assert sorted(grouping.index) == sorted(shandong_old.index)
    assert grouping["region"].nunique() == 6
    assert grouping.groupby("region").size().to_dict() == {
        "Dongying-Binzhou area": 2,
        "Jinan circle": 6,
        "Jining-Zaozhuang-Heze area": 3,
        "Linyi-Rizhao area": 2,
        "Qingdao circle": 2,
        "Yantai-Weihai area": 2,
    }
    assert set(grouping.loc[grouping["region"] == "Jinan circle", "name_en"]) == {
        "Jinan", "Zibo", "Tai'an", "Laiwu", "Dezhou", "Liaocheng",
    }  # fmt: skip
    assert (grouping["name_zh"] == shandong_old.loc[grouping.index, "name_zh"]).all()


def test_grouping_china_economic_regions(china):
    grouping = geoagglom.load_grouping("china-economic-regions")
    assert grouping.attrs["layer"] == "china-prefectures"
    assert "left out" in grouping.attrs["note"]
    # Every mainland unit once; Hong Kong, Macao and Taiwan left out.
    assert set(china.index) - set(grouping.index) == {710000, 810000, 820000}
    assert set(grouping.index) <= set(china.index)
    assert grouping.index.is_unique
    # The NBS division, by province (written out independently of the build script).
    provinces = {
        "East": {"Beijing", "Tianjin", "Hebei", "Shanghai", "Jiangsu", "Zhejiang", "Fujian",
                 "Shandong", "Guangdong", "Hainan"},
        "Central": {"Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"},
        "West": {"Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan",
                 "Tibet", "Shaanxi", "Gansu", "Qinghai", "Ningxia", "Xinjiang"},
        "Northeast": {"Liaoning", "Jilin", "Heilongjiang"},
    }  # fmt: skip
    got = grouping.groupby("region")["province_en"].agg(set).to_dict()
    assert got == provinces
    # Each unit is in its own province's region, as in the layer.
    layer_province = china.loc[grouping.index, "province_en"]
    assert (grouping["province_en"] == layer_province).all()
    assert dict(zip(grouping["region"], grouping["region_zh"], strict=False)) == {
        "East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北",
    }  # fmt: skip
    assert grouping.loc[370100, "region"] == "East"  # Jinan
    assert grouping.loc[230100, "region"] == "Northeast"  # Harbin


def test_bundled_folder_is_small():
    files = [p for p in bundled_dir().rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 15 * 1000 * 1000  # 15 MB (issue 13)


def test_list_layers():
    table = geoagglom.list_layers()
    assert set(table["name"]) == {
        "china-prefectures",
        "china-counties",
        "shandong",
        "shandong-2004-2016",
        "shandong-two-circles-four-areas",
        "china-economic-regions",
    }
    assert isinstance(table, pd.DataFrame)


def test_unknown_layer_suggests_close_names():
    with pytest.raises(InputError, match="Did you mean 'shandong'"):
        geoagglom.load_layer("shandon")
    with pytest.raises(InputError, match="No bundled grouping"):
        geoagglom.load_grouping("shandong")


@pytest.mark.parametrize("name", ["china-prefectures", "shandong", "shandong-2004-2016"])
def test_catalog_records_the_valid_coverages(name):
    """What dissolve_regions trusts without a check: the layer is a valid coverage."""
    from geoagglom.data.catalog import known_coverage, known_valid_coverage

    layer = geoagglom.load_layer(name)
    assert known_valid_coverage(name)
    assert shapely.coverage_is_valid(layer.geometry.to_numpy())
    assert known_coverage(layer.geometry.to_numpy())


@pytest.mark.parametrize("name", ["china-prefectures", "shandong", "shandong-2004-2016"])
def test_outline_areas_are_the_geodesic_areas_of_the_geometries_as_shipped(name):
    """area_outline_km2: each geometry's geodesic area as loaded (land_area, and a
    pyproj Geod loop independently), registered with the geometries at load time."""
    from pyproj import Geod

    from geoagglom.data.catalog import known_outline_areas

    layer = geoagglom.load_layer(name)
    outline = layer["area_outline_km2"].to_numpy()
    np.testing.assert_allclose(outline, land_area(layer), rtol=1e-9)
    geod = Geod(ellps="WGS84")
    oriented = shapely.orient_polygons(layer.geometry.to_numpy(), exterior_cw=False)
    loop = np.array([geod.geometry_area_perimeter(g)[0] / 1e6 for g in oriented])
    np.testing.assert_allclose(outline, loop, rtol=1e-9)
    geoms = layer.geometry.to_numpy()
    np.testing.assert_array_equal(known_outline_areas(geoms), outline)
    np.testing.assert_array_equal(known_outline_areas(geoms[::-3]), outline[::-3])
    assert known_outline_areas(shapely.from_wkb(shapely.to_wkb(geoms))) is None
    rel = np.abs(outline / layer["area_km2"].to_numpy() - 1)
    if name.startswith("china"):  # simplified: close to the source's areas, not equal
        assert 0 < np.median(rel) < 1e-3
    else:  # full resolution: area_km2 was measured on these geometries
        assert rel.max() < 1e-9
