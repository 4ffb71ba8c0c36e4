"""Unit outlines as matplotlib paths: holes, multipolygons, and the drawing cache."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.path import Path as MplPath

from geoagglom.errors import InputError
from geoagglom.plot import maps


def _donut_and_islands():
    outer = shapely.box(0, 0, 10, 10)
    hole = shapely.box(4, 4, 6, 6)
    donut = shapely.Polygon(outer.exterior.coords[::-1], [hole.exterior.coords])  # clockwise
    islands = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(22, 0, 23, 1)])
    return [donut, islands, shapely.Point(0, 0), shapely.Polygon()]


def test_paths_keep_holes_islands_and_every_vertex():
    donut, islands, point, empty = _donut_and_islands()
    paths = maps._geometry_paths([donut, islands, point, empty])
    assert paths[2] is None and paths[3] is None
    donut_path, islands_path = paths[0], paths[1]
    # one sub-path per ring, each closed, with every vertex of the ring
    assert (donut_path.codes == MplPath.MOVETO).sum() == 2
    assert (islands_path.codes == MplPath.MOVETO).sum() == 2
    assert (donut_path.codes == MplPath.CLOSEPOLY).sum() == 2
    assert len(donut_path.vertices) == shapely.get_num_coordinates(donut)
    assert len(islands_path.vertices) == shapely.get_num_coordinates(islands)
    # each island is inside its path, the water between them is not
    assert islands_path.contains_point((20.5, 0.5)) and islands_path.contains_point((22.5, 0.5))
    assert not islands_path.contains_point((21.5, 0.5))
    # exteriors counter-clockwise, holes clockwise: the renderer's non-zero fill rule
    # leaves the hole empty
    exterior, interior = np.split(donut_path.vertices, 2)
    assert shapely.LinearRing(exterior).is_ccw and not shapely.LinearRing(interior).is_ccw


def test_a_unit_without_polygon_is_an_error_naming_it():
    layer = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])],
        index=[11, 12],
        crs="EPSG:3857",
    )
    with pytest.raises(InputError, match="12"):
        maps._unit_paths(layer, maps._MapFrame(layer))


def test_drawing_cache_is_reused_only_for_the_same_unchanged_geometries():
    layer = gpd.GeoDataFrame(geometry=_donut_and_islands()[:2], index=[1, 2], crs="EPSG:4326")
    frame = maps._MapFrame(layer)
    first = maps._unit_paths(layer, frame)
    again = maps._unit_paths(layer, maps._MapFrame(layer))
    assert again[1][1] is first[1][1]  # same array, same CRS and tolerance: cached
    moved = layer.copy()
    moved["geometry"] = moved.translate(0.5, 0.0)
    other = maps._unit_paths(moved, maps._MapFrame(moved))
    assert other[1][1] is not first[1][1]
    assert not np.array_equal(other[1][1].vertices, first[1][1].vertices)
    coarse = maps._unit_paths(layer, maps._MapFrame(layer, simplify=1.0))
    assert coarse[1][1] is not first[1][1]
