"""The bundled national county layer: ids, validity, coverage, contiguity kept."""

import tomllib

import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

import geoagglom
from geoagglom.data.boundaries import bundled_dir, neighbor_pairs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def counties():
    return geoagglom.load_layer("china-counties")


@pytest.fixture(scope="module")
def prefectures():
    return geoagglom.load_layer("china-prefectures")


def _pairs(graph):
    adj = graph.adjacency.reset_index()
    adj = adj[adj["focal"] != adj["neighbor"]]
    return set(zip(adj["focal"].tolist(), adj["neighbor"].tolist(), strict=True))


def test_ids_unique_and_columns(counties):
    assert len(counties) == 2875
    assert counties.index.name == "adcode"
    assert counties.index.dtype == np.int64
    assert counties.index.is_unique
    assert counties.crs.equals("EPSG:4326")
    columns = ["name_zh", "name_en", "name_pinyin", "province_adcode", "province_zh",
               "province_en", "prefecture_adcode", "prefecture_zh", "area_km2",
               "area_outline_km2"]  # fmt: skip
    assert list(counties.columns.drop("geometry")) == columns
    assert counties[columns].notna().all().all()
    # six-digit adcodes, each county inside its province's code range
    assert ((counties.index >= 110000) & (counties.index < 830000)).all()
    assert (counties.index // 10000 == counties["province_adcode"] // 10000).all()
    assert (counties["area_km2"] > 0).all()
    assert counties.loc[110105, ["name_zh", "name_en"]].tolist() == ["朝阳区", "Chaoyang"]
    assert counties.loc[371722, "name_en"] == "Shanxian"  # 单县, not "Dan"


def test_geometries_valid_and_a_coverage(counties):
    geoms = counties.geometry.values
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # polygons, multipolygons
    assert shapely.coverage_is_valid(geoms)


def test_counties_tile_their_prefectures(counties, prefectures):
    """Every county's prefecture exists, and the counties' areas add up to it."""
    assert set(counties["prefecture_adcode"]) == set(prefectures.index)
    summed = counties.groupby("prefecture_adcode")["area_km2"].sum()
    # both measured at full resolution from the same source: equal up to the source's
    # own slivers between the two levels
    np.testing.assert_allclose(summed, prefectures.loc[summed.index, "area_km2"], rtol=1e-3)
    total = counties["area_km2"].sum()
    assert total == pytest.approx(prefectures["area_km2"].sum(), rel=1e-6)


def test_stored_neighbours_equal_queen_contiguity_of_the_layer(counties):
    """The stored pairs (full-resolution source) are the layer's own queen/rook pairs:
    simplification lost no contact but the catalog's list (empty)."""
    stored = neighbor_pairs("china-counties")
    with open(bundled_dir() / "catalog.toml", "rb") as f:
        entry = tomllib.load(f)["layers"]["china-counties"]
    lost = {tuple(p) for p in entry["lost_contacts"]}
    lost |= {(b, a) for a, b in lost}
    assert lost == set()
    source_queen = set(zip(stored["focal"].tolist(), stored["neighbor"].tolist(), strict=True))
    rook_rows = stored[stored["rook"]]
    source_rook = set(zip(rook_rows["focal"].tolist(), rook_rows["neighbor"].tolist(), strict=True))
    queen = _pairs(Graph.build_contiguity(counties, rook=False))
    rook = _pairs(Graph.build_contiguity(counties, rook=True))
    assert queen == source_queen - lost
    assert rook == source_rook - lost
    assert {(b, a) for a, b in source_queen} == source_queen
    assert set(stored["focal"]) <= set(counties.index)
    assert len(source_queen) > 16000
    # geoagglom's own contiguity gives the same pairs
    # seven island counties (and Taiwan) have no queen neighbour: dropped, and said
    with pytest.warns(geoagglom.SpatialWeightsWarning, match="710000"):
        ours = geoagglom.spatial_weights(counties, "queen", islands="drop", transform="b")
    assert _pairs(ours) == queen


def test_catalog_entry(counties):
    table = geoagglom.list_layers().set_index("name")
    assert table.loc["china-counties", "units"] == len(counties)
    assert table.loc["china-counties", "kind"] == "layer"
    assert isinstance(counties.attrs["layer"], str)
    assert pd.api.types.is_integer_dtype(counties["prefecture_adcode"])


def test_outline_areas_sum_to_the_dissolved_outlines(counties):
    """area_outline_km2 is each county's geodesic area as shipped, and a prefecture's
    dissolved outline has its counties' summed outline area (the dissolve's area check
    uses that sum instead of measuring the outline)."""
    import warnings

    from geoagglom import dissolve_regions, land_area

    outline = counties["area_outline_km2"].to_numpy()
    np.testing.assert_allclose(outline, land_area(counties), rtol=1e-9)
    assert 0 < np.median(np.abs(outline / counties["area_km2"].to_numpy() - 1)) < 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few statistical areas differ from the outlines
        regions = dissolve_regions(counties, counties["prefecture_adcode"])
    assert regions.attrs["known_coverage"] is True
    sums = counties["area_outline_km2"].groupby(counties["prefecture_adcode"]).sum()
    np.testing.assert_allclose(regions["area_geometry_km2"], sums.loc[regions.index], rtol=1e-12)
    np.testing.assert_allclose(regions["area_geometry_km2"], land_area(regions), rtol=1e-9)
