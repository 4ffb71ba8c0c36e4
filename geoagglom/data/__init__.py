"""Data in: bundled layers, boundary files, land areas, names, matching, regions.

The names below are imported on first use, so that ``import geoagglom.data.catalog``
(the command line's ``geoagglom layers``) does not load pandas and geopandas.
"""

from importlib import import_module

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


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'geoagglom.data' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(__all__) | set(globals()))
