"""Data in: bundled layers, boundary files, land areas, names, matching, regions."""

from geoagglom.data.area import land_area
from geoagglom.data.boundaries import list_layers, load_grouping, load_layer, read_boundaries
from geoagglom.data.matching import MatchResult, match_units
from geoagglom.data.points import points_to_units
from geoagglom.data.regions import dissolve_regions

__all__ = [
    "MatchResult",
    "dissolve_regions",
    "land_area",
    "list_layers",
    "load_grouping",
    "load_layer",
    "match_units",
    "points_to_units",
    "read_boundaries",
]
