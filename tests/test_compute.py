"""The dask path: dask-geopandas inputs give the in-memory results, partitions and a cluster."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geoagglom as ga
from geoagglom import InputError
from geoagglom.compute import compute_client

dask_geopandas = pytest.importorskip(
    "dask_geopandas", reason="dask-geopandas not installed (pip install 'geoagglom[dask]')"
)


@pytest.fixture(scope="module")
def prefectures():
    return ga.load_layer("china-prefectures")


def grid(rows, cols, seed=0):
    """A lattice of squares in shuffled order with text ids."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    order = np.random.default_rng(seed).permutation(rows * cols)
    r, c = r[order], c[order]
    return gpd.GeoDataFrame(
        {"v": np.arange(rows * cols, dtype=float)},
        geometry=shapely.box(c, r, c + 1, r + 1),
        index=pd.Index([f"{a}-{b}" for a, b in zip(r, c, strict=True)], name="cell"),
        crs=3857,
    )


def parted(frame, npartitions):
    """A dask-geopandas frame in the same row order (no sorting by index)."""
    return dask_geopandas.from_geopandas(frame, npartitions=npartitions, sort=False)


def same_graph(a, b):
    pd.testing.assert_series_equal(a.adjacency, b.adjacency)
    pd.testing.assert_index_equal(a.unique_ids, b.unique_ids)


@pytest.mark.parametrize("nparts", [2, 4])
@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_contiguity_with_halo_equals_in_memory_on_a_grid(nparts, kind):
    g = grid(17, 23)
    ref = ga.spatial_weights(g, kind)
    same_graph(ga.spatial_weights(parted(g, npartitions=nparts), kind), ref)
    # spatially coherent partitions (Hilbert order), compared with the same row order
    sd = parted(g, npartitions=nparts).spatial_shuffle()
    same_graph(ga.spatial_weights(sd, kind), ga.spatial_weights(sd.compute(), kind))


@pytest.mark.parametrize("nparts", [2, 4])
def test_prefectures_weights_areas_dissolve_equal_in_memory(prefectures, nparts):
    ddf = parted(prefectures, npartitions=nparts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands attached, components: same either way
        same_graph(
            ga.spatial_weights(ddf, "queen", islands="nearest"),
            ga.spatial_weights(prefectures, "queen", islands="nearest"),
        )
    pd.testing.assert_series_equal(ga.land_area(ddf), ga.land_area(prefectures))
    pd.testing.assert_series_equal(
        ga.land_area(ddf, method="equal-area"), ga.land_area(prefectures, method="equal-area")
    )
    bare = prefectures.drop(columns="area_km2")
    for units in (prefectures, bare):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Macao's statistical area: same either way
            ref = ga.dissolve_regions(units, units["province_adcode"])
            ours = ga.dissolve_regions(parted(units, npartitions=nparts), units["province_adcode"])
        assert list(ours.index) == list(ref.index)
        np.testing.assert_array_equal(ours["n_units"], ref["n_units"])
        np.testing.assert_allclose(ours["area_km2"], ref["area_km2"], rtol=1e-12)
        np.testing.assert_allclose(ours["area_geometry_km2"], ref["area_geometry_km2"], rtol=1e-12)
        assert shapely.equals(ours.geometry.to_numpy(), ref.geometry.to_numpy()).all()
        assert ours.attrs["members"] == ref.attrs["members"]
        assert ours.attrs["union_method"] == ref.attrs["union_method"] == "coverage"


@pytest.mark.parametrize("nparts", [2, 4])
def test_points_to_units_by_partition_equals_in_memory(prefectures, nparts):
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = prefectures.total_bounds
    frame = pd.DataFrame(
        {
            "x": rng.uniform(minx, maxx, 3000),
            "y": rng.uniform(miny, maxy, 3000),
            "staff": rng.integers(1, 50, 3000).astype(float),
        }
    )
    pts = gpd.GeoDataFrame(frame, geometry=shapely.points(frame["x"], frame["y"]), crs=4326)
    with pytest.warns(ga.errors.PointsOutsideWarning):
        ref = ga.points_to_units(pts, prefectures, "staff", outside="drop")
    with pytest.warns(ga.errors.PointsOutsideWarning):
        ours = ga.points_to_units(
            parted(pts, npartitions=nparts),
            prefectures,
            "staff",
            outside="drop",
        )
    np.testing.assert_array_equal(ours["n_points"], ref["n_points"])
    np.testing.assert_allclose(ours["staff"], ref["staff"], rtol=1e-12)
    assert sorted(ours.attrs["outside_rows"]) == sorted(ref.attrs["outside_rows"])
    import dask.dataframe as dd

    with pytest.warns(ga.errors.PointsOutsideWarning):
        lonlat = ga.points_to_units(
            dd.from_pandas(frame, npartitions=nparts, sort=False),
            prefectures,
            "staff",
            lon="x",
            lat="y",
            outside="drop",
        )
    np.testing.assert_array_equal(lonlat["n_points"], ref["n_points"])


def test_local_cluster_of_two_workers(prefectures):
    pytest.importorskip("distributed", reason="dask.distributed not installed")
    g = grid(12, 9)
    with compute_client(workers=2, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        ddf = parted(g, npartitions=4)
        same_graph(ga.spatial_weights(ddf, "queen"), ga.spatial_weights(g, "queen"))
        pd.testing.assert_series_equal(
            ga.land_area(parted(prefectures, npartitions=3)),
            ga.land_area(prefectures),
        )
        groups = pd.Series(g.index.str.split("-").str[0].astype(int) // 4, index=g.index)
        ours = ga.dissolve_regions(ddf, groups, sum_columns=["v"])
        ref = ga.dissolve_regions(g, groups, sum_columns=["v"])
        np.testing.assert_allclose(ours["v"], ref["v"], rtol=1e-12)
        assert shapely.equals(ours.geometry.to_numpy(), ref.geometry.to_numpy()).all()


def test_compute_client_starts_nothing_unless_asked():
    assert compute_client() is None
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="workers must be a positive integer"):
            compute_client(workers=bad)


@pytest.mark.parametrize("nparts", [2, 4])
def test_dissolve_of_a_bundled_layer_sums_its_stored_outline_areas(
    prefectures, nparts, monkeypatch
):
    """On dask's threads the partitions hold the loaded geometries: the dissolve knows the
    coverage and sums the units' area_outline_km2 instead of measuring the outlines, the
    in-memory numbers exactly."""
    from geoagglom.data import regions

    measured = []
    land_area = regions.land_area

    def counting(geoms, *args, **kwargs):
        measured.append(len(geoms))
        return land_area(geoms, *args, **kwargs)

    monkeypatch.setattr(regions, "land_area", counting)
    by = prefectures["province_adcode"]
    for units in (prefectures, prefectures.drop(columns="area_km2")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Macao's statistical area: same either way
            ref = ga.dissolve_regions(units, by)
            ours = ga.dissolve_regions(parted(units, npartitions=nparts), by)
        assert measured == []  # no outline (or unit) measured, in memory or on dask
        assert ours.attrs["known_coverage"] is ref.attrs["known_coverage"] is True
        np.testing.assert_array_equal(ours["area_geometry_km2"], ref["area_geometry_km2"])
        # the same sums as the outline areas by province
        sums = units["area_outline_km2"].groupby(by).sum()
        np.testing.assert_allclose(ours["area_geometry_km2"], sums.loc[ours.index], rtol=1e-12)
        np.testing.assert_allclose(ours["area_km2"], ref["area_km2"], rtol=1e-12)
        assert shapely.equals(ours.geometry.to_numpy(), ref.geometry.to_numpy()).all()
    # an edited geometry in one partition: not the loaded coverage, checked and measured
    edited = prefectures.copy()
    edited.loc[edited.index[-1], "geometry"] = shapely.affinity.translate(
        edited.geometry.iloc[-1], 1e-9
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ga.dissolve_regions(parted(edited, npartitions=nparts), by)
    assert out.attrs["known_coverage"] is False
    assert measured  # the outlines measured
