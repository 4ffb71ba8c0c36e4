"""points_to_units: counts and sums per unit against geopandas.sjoin + groupby."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geoagglom
from geoagglom import InputError, points_to_units
from geoagglom.errors import PointsOutsideWarning


@pytest.fixture(scope="module")
def prefectures():
    return geoagglom.load_layer("china-prefectures")


def random_points(layer, n, seed):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = layer.total_bounds
    return gpd.GeoDataFrame(
        {"deposits": rng.gamma(2.0, 10.0, n), "lon": 0.0, "lat": 0.0},
        geometry=shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)),
        index=pd.Index([f"p{i}" for i in range(n)], name="branch"),
        crs=4326,
    ).assign(
        lon=lambda d: d.geometry.x,
        lat=lambda d: d.geometry.y,
    )


def sjoin_reference(points, units, weight):
    joined = gpd.sjoin(points, units[["geometry"]], predicate="within", how="inner")
    assert not joined.index.duplicated().any()  # random points: never on a border
    key = joined[units.index.name or "index_right"]
    counts = joined.groupby(key).size().reindex(units.index, fill_value=0)
    sums = joined.groupby(key)[weight].sum().reindex(units.index, fill_value=0.0)
    return counts, sums, points.index.difference(joined.index)


def test_counts_and_sums_equal_sjoin_groupby(prefectures):
    pts = random_points(prefectures, 5000, seed=1)
    counts, sums, outside = sjoin_reference(pts, prefectures, "deposits")
    assert len(outside) > 0  # the bounding box reaches beyond China
    with pytest.warns(PointsOutsideWarning, match=f"dropped {len(outside)} point"):
        out = points_to_units(pts, prefectures, "deposits", outside="drop")
    np.testing.assert_array_equal(out["n_points"], counts.to_numpy())
    np.testing.assert_allclose(out["deposits"], sums.to_numpy(), rtol=1e-12)
    assert out.attrs["outside"] == len(outside)
    assert sorted(out.attrs["outside_rows"]) == sorted(outside)
    area = prefectures["area_km2"].to_numpy()
    np.testing.assert_allclose(out["points_per_km2"], counts.to_numpy() / area, rtol=1e-15)
    np.testing.assert_allclose(out["deposits_per_km2"], sums.to_numpy() / area, rtol=1e-12)
    # identities: every point counted once, inside or outside
    assert out["n_points"].sum() + out.attrs["outside"] == len(pts)
    # the same from a lon/lat DataFrame, and from points and units in other CRSs
    frame = pd.DataFrame(pts.drop(columns="geometry"))
    with pytest.warns(PointsOutsideWarning):
        from_frame = points_to_units(
            frame, prefectures, "deposits", lon="lon", lat="lat", outside="drop"
        )
    pd.testing.assert_frame_equal(from_frame, out)
    with pytest.warns(PointsOutsideWarning):
        projected = points_to_units(
            pts.to_crs(3857), prefectures.to_crs(3857), "deposits", outside="drop"
        )
    # reprojection can move a point across a border by rounding: at most a handful
    assert (projected["n_points"] - out["n_points"]).abs().sum() <= 2


def test_shared_borders_assign_each_point_once_to_the_first_unit():
    cells = gpd.GeoDataFrame(
        geometry=[shapely.box(c, r, c + 1, r + 1) for r in range(2) for c in range(2)],
        index=["a", "b", "c", "d"],
        crs=3857,
    )
    # a shared edge (a|b), the corner of all four, an edge (b|d), an interior point
    pts = gpd.GeoDataFrame(
        geometry=shapely.points([(1.0, 0.5), (1.0, 1.0), (1.5, 1.0), (0.5, 1.5)]), crs=3857
    )
    joined = gpd.sjoin(pts, cells, predicate="intersects")
    assert len(joined) == 2 + 4 + 2 + 1  # sjoin counts border points several times
    first = joined.groupby(level=0)["index_right"].agg(
        lambda ids: min(ids, key=list(cells.index).index)
    )
    out = points_to_units(pts, cells, area_col="none")
    expected = first.value_counts().reindex(cells.index, fill_value=0)
    np.testing.assert_array_equal(out["n_points"], expected.to_numpy())
    assert out["n_points"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 0}
    # the rule follows the layer's order
    rev = points_to_units(pts, cells.iloc[::-1], area_col="none")
    assert rev["n_points"].to_dict() == {"d": 2, "c": 1, "b": 1, "a": 0}


def test_outside_points_raise_by_default(prefectures):
    pts = pd.DataFrame({"x": [117.0, 0.0, 1.0], "y": [36.6, 0.0, 1.0]}, index=[10, 11, 12])
    with pytest.raises(InputError, match=r"2 point\(s\) lie outside every unit \(rows 11, 12"):
        points_to_units(pts, prefectures, lon="x", lat="y")
    with pytest.raises(InputError, match="outside = 'keep' is not an outside-points policy"):
        points_to_units(pts, prefectures, lon="x", lat="y", outside="keep")


def test_bad_point_input(prefectures):
    frame = pd.DataFrame({"x": [117.0, np.nan], "y": [36.6, 36.0], "w": [1.0, np.nan]})
    with pytest.raises(InputError, match="name its longitude and latitude columns"):
        points_to_units(frame, prefectures)
    with pytest.raises(InputError, match="points has no column 'lng'"):
        points_to_units(frame, prefectures, lon="lng", lat="y")
    with pytest.raises(InputError, match=r"Missing or non-numeric coordinates .* rows 1"):
        points_to_units(frame, prefectures, lon="x", lat="y")
    ok = frame.iloc[:1].copy()
    ok.loc[0, "w"] = np.nan
    with pytest.raises(InputError, match="'w' is missing"):
        points_to_units(ok, prefectures, "w", lon="x", lat="y")
    with pytest.raises(InputError, match="out of range"):
        points_to_units(pd.DataFrame({"x": [4e6], "y": [3e6]}), prefectures, lon="x", lat="y")
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(117, 36), (118, 37)])], crs=4326)
    with pytest.raises(InputError, match="are not points"):
        points_to_units(lines, prefectures)
    with pytest.raises(InputError, match="no CRS"):
        points_to_units(gpd.GeoDataFrame(geometry=shapely.points([(117, 36)])), prefectures)
