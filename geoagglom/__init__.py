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
from geoagglom.concentration import (
    FinancialEntropy,
    LocationQuotient,
    financial_entropy,
    location_quotient,
)
from geoagglom.errors import GeoagglomError, InputError
from geoagglom.inequality import GiniIndex, TheilIndex, gini, theil
from geoagglom.matching import MatchError, MatchResult, match_units
from geoagglom.panel import (
    by_year,
    region_entropy,
    table_decomposition,
    table_regions,
    unit_entropy,
)
from geoagglom.regions import dissolve_regions

__version__ = "0.1.0"

__all__ = [
    "FinancialEntropy",
    "GeoagglomError",
    "GeometryRepairWarning",
    "GiniIndex",
    "InputError",
    "LocationQuotient",
    "MatchError",
    "MatchResult",
    "TheilIndex",
    "__version__",
    "by_year",
    "dissolve_regions",
    "financial_entropy",
    "gini",
    "land_area",
    "list_layers",
    "load_grouping",
    "load_layer",
    "location_quotient",
    "match_units",
    "read_boundaries",
    "region_entropy",
    "table_decomposition",
    "table_regions",
    "theil",
    "unit_entropy",
]
