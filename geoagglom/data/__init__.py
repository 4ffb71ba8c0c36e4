"""Data in: bundled layers, boundary files, land areas, names, matching, regions.

The names below are imported on first use, so that ``import geoagglom.data.catalog``
(the command line's ``geoagglom layers``) does not load pandas and geopandas.
"""

from geoagglom._lazy import lazy_names

# public name -> the module that defines it
_PUBLIC = {
    "MatchResult": "geoagglom.data.matching",
    "dissolve_regions": "geoagglom.data.regions",
    "land_area": "geoagglom.data.area",
    "list_layers": "geoagglom.data.boundaries",
    "load_grouping": "geoagglom.data.boundaries",
    "load_layer": "geoagglom.data.boundaries",
    "match_units": "geoagglom.data.matching",
    "points_to_units": "geoagglom.data.points",
    "read_boundaries": "geoagglom.data.boundaries",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
