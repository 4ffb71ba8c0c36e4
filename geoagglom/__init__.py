"""geoagglom: spatial analysis of financial agglomeration.

From a boundary layer and a yearbook table, compute land areas, financial
entropy and location quotients, Gini and Theil indices with their group
decompositions, and spatial autocorrelation (Moran's I, LISA) to probe
spillover and siphoning.
"""

from geoagglom.area import land_area
from geoagglom.boundaries import (
    GeometryRepairWarning,
    list_layers,
    load_grouping,
    load_layer,
    read_boundaries,
)
from geoagglom.errors import GeoagglomError, InputError
from geoagglom.matching import MatchError, MatchResult, match_units

__version__ = "0.1.0"

__all__ = [
    "GeoagglomError",
    "GeometryRepairWarning",
    "InputError",
    "MatchError",
    "MatchResult",
    "__version__",
    "land_area",
    "list_layers",
    "load_grouping",
    "load_layer",
    "match_units",
    "read_boundaries",
]
