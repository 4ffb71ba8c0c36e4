"""Local Moran on dask: units in chunks as dask tasks give the in-memory results exactly.

Each permutation draws one ordered sample shared by all units, so the units can be
processed in ranges on different workers; the results must be equal (==, not
close) to the in-memory path for the same seed, whatever the number of chunks.
"""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.graph import Graph

import geoagglom as ga
from geoagglom.compute import compute_client
from geoagglom.spatial.permutation import permutation_progress

pytest.importorskip("dask", reason="dask not installed (pip install 'geoagglom[dask]')")
pytest.importorskip(
    "dask_geopandas", reason="dask-geopandas not installed (pip install 'geoagglom[dask]')"
)

#: Every array of a local Moran result that the permutations or the classes touch.
ATTRS = (
    "Is",
    "q",
    "p_sim",
    "EI_sim",
    "VI_sim",
    "seI_sim",
    "z_sim",
    "p_z_sim",
    "p_value",
    "p_adjusted",
    "significant",
    "labels",
)


def assert_identical(ours, ref):
    """Every attribute equal, bit for bit; the kept simulations too."""
    for name in ATTRS:
        np.testing.assert_array_equal(getattr(ours, name), getattr(ref, name), err_msg=name)
    pd.testing.assert_series_equal(ours.counts(), ref.counts())
    if ref.sim is None:
        assert ours.sim is None
    else:
        assert ours.sim.shape == ref.sim.shape == (ref.permutations, ref.n)
        np.testing.assert_array_equal(ours.sim, ref.sim)


def grid(rows, cols, seed=0):
    """A lattice of squares in shuffled order with text ids."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    order = np.random.default_rng(seed).permutation(rows * cols)
    r, c = r[order], c[order]
    return gpd.GeoDataFrame(
        geometry=shapely.box(c, r, c + 1, r + 1),
        index=pd.Index([f"{a}-{b}" for a, b in zip(r, c, strict=True)], name="cell"),
        crs=3857,
    )


def inverse_distance(graph, layer):
    """The graph's neighbour pairs weighted by inverse centroid distance: unequal rows,
    so the per-edge path of the permutation engine."""
    adj = graph.adjacency
    focal = adj.index.get_level_values(0)
    neighbor = adj.index.get_level_values(1)
    pts = layer.geometry.representative_point()
    d = shapely.distance(pts.loc[focal].to_numpy(), pts.loc[neighbor].to_numpy())
    return Graph.from_arrays(focal, neighbor, 1.0 / d)


@pytest.fixture(scope="module")
def small_grid():
    g = grid(13, 11)
    queen = ga.spatial_weights(g, "queen", transform="r")
    y = pd.Series(np.random.default_rng(1).lognormal(size=len(g)), index=g.index)
    return g, queen, inverse_distance(queen, g), y


@pytest.fixture(scope="module")
def prefectures():
    layer = ga.load_layer("china-prefectures")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands attached to their nearest unit
        queen = ga.spatial_weights(layer, "queen", islands="nearest", transform="r")
    y = np.log(layer["area_km2"])
    return layer, queen, inverse_distance(queen, layer), y


def test_the_two_weights_take_the_two_engine_paths(small_grid, prefectures):
    from geoagglom.spatial._base import _Weights
    from geoagglom.spatial.permutation import _rows_equal

    for _, equal, unequal, _ in (small_grid, prefectures):
        off = _Weights(equal).off
        assert _rows_equal(off.data, off.indptr)
        off = _Weights(unequal).off
        assert not _rows_equal(off.data, off.indptr)


@pytest.mark.parametrize("kind", ["queen", "inverse distance"])
@pytest.mark.parametrize("keep", [False, True])
def test_chunks_equal_in_memory_on_a_small_grid(small_grid, kind, keep):
    _, queen, idw, y = small_grid
    w = queen if kind == "queen" else idw
    ref = ga.local_moran(y, w, 199, seed=11, keep_simulations=keep, adjust="fdr")
    # 2 and 4 chunks, uneven ranges, one unit a chunk and more chunks than units
    for chunks in (1, 2, 3, 4, 7, len(y), len(y) + 3):
        ours = ga.local_moran(
            y, w, 199, seed=11, keep_simulations=keep, adjust="fdr", chunks=chunks
        )
        assert_identical(ours, ref)
    x = pd.Series(np.random.default_rng(2).normal(size=len(y)), index=y.index)
    ref = ga.local_moran_bv(x, y, w, 99, seed=4, keep_simulations=keep)
    for chunks in (2, 4):
        assert_identical(
            ga.local_moran_bv(x, y, w, 99, seed=4, keep_simulations=keep, chunks=chunks), ref
        )


def test_chunks_on_a_local_cluster_of_two_workers_equal_in_memory(prefectures, small_grid):
    pytest.importorskip("distributed", reason="dask.distributed not installed")
    _, queen, idw, y = prefectures
    refs = {
        (kind, keep): ga.local_moran(y, w, 299, seed=2026, keep_simulations=keep)
        for kind, w in (("queen", queen), ("idw", idw))
        for keep in (False, True)
    }
    _, grid_queen, grid_idw, grid_y = small_grid
    grid_refs = [ga.local_moran(grid_y, w, 99, seed=5) for w in (grid_queen, grid_idw)]
    with compute_client(workers=2, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        for (kind, keep), ref in refs.items():
            w = queen if kind == "queen" else idw
            for chunks in (2, 4):
                ours = ga.local_moran(y, w, 299, seed=2026, keep_simulations=keep, chunks=chunks)
                assert_identical(ours, ref)
        for w, ref in zip((grid_queen, grid_idw), grid_refs, strict=True):
            assert_identical(ga.local_moran(grid_y, w, 99, seed=5, chunks=4), ref)
        # the chunks ran as tasks of this cluster
        assert any("_chunk" in str(key) for key in client.run_on_scheduler(_task_prefixes))


def _task_prefixes(dask_scheduler=None):
    return list(dask_scheduler.task_prefixes)


@pytest.mark.parametrize("kind", ["queen", "inverse distance"])
def test_prefectures_in_two_and_four_chunks_on_local_threads(prefectures, kind):
    _, queen, idw, y = prefectures
    w = queen if kind == "queen" else idw
    ref = ga.local_moran(y, w, 199, seed=8, scaling="spdep", alternative="directed")
    for chunks in (2, 4):
        ours = ga.local_moran(
            y, w, 199, seed=8, scaling="spdep", alternative="directed", chunks=chunks
        )
        assert_identical(ours, ref)


@pytest.mark.parametrize("kind", ["queen", "inverse distance"])
def test_progress_counts_every_draw_and_a_generator_advances_the_same(small_grid, kind):
    _, queen, idw, y = small_grid
    w = queen if kind == "queen" else idw
    totals, after = [], []
    for chunks in (None, 3):
        done = []
        rng = np.random.default_rng(9)
        with permutation_progress(done.append):
            ga.local_moran(y, w, 99, seed=rng, chunks=chunks)
        totals.append(sum(done))
        after.append(rng.integers(0, 2**62, size=4))  # the stream continues alike
    assert totals == [99 * len(y)] * 2
    np.testing.assert_array_equal(after[0], after[1])


def test_lisa_by_year_with_chunks_equals_in_memory(small_grid):
    g, queen, _, y = small_grid
    rng = np.random.default_rng(4)
    panel = pd.concat(
        [
            pd.DataFrame(
                {"unit": g.index, "year": yr, "beta": y.to_numpy() * rng.lognormal(size=len(y))}
            )
            for yr in (2010, 2016)
        ],
        ignore_index=True,
    )
    ref = ga.lisa_by_year(panel, queen, "beta", permutations=99, seed=3)
    pd.testing.assert_frame_equal(
        ga.lisa_by_year(panel, queen, "beta", permutations=99, seed=3, chunks=2), ref
    )


def test_bad_chunks_are_named(small_grid):
    _, queen, _, y = small_grid
    for bad in (0, -2, 1.5, True, "4"):
        with pytest.raises(ga.InputError, match=r"chunks must be None .* or a positive integer"):
            ga.local_moran(y, queen, 9, seed=1, chunks=bad)
