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
from geoagglom.spatial import (
    Geary,
    LocalMoran,
    LocalMoranBV,
    Moran,
    MoranBV,
    geary,
    local_moran,
    local_moran_bv,
    moran,
    moran_bv,
)
from geoagglom.spillover import (
    SpilloverCheck,
    lisa_by_year,
    lisa_transitions,
    moran_trend,
    spillover_check,
)
from geoagglom.study import Study, StudyConfigError, StudyResults
from geoagglom.weights import SpatialWeightsWarning, spatial_weights

__version__ = "0.1.0"

__all__ = [
    "FinancialEntropy",
    "Geary",
    "GeoagglomError",
    "GeometryRepairWarning",
    "GiniIndex",
    "InputError",
    "LocalMoran",
    "LocalMoranBV",
    "LocationQuotient",
    "MatchError",
    "MatchResult",
    "Moran",
    "MoranBV",
    "SpatialWeightsWarning",
    "SpilloverCheck",
    "Study",
    "StudyConfigError",
    "StudyResults",
    "TheilIndex",
    "__version__",
    "by_year",
    "dissolve_regions",
    "financial_entropy",
    "geary",
    "gini",
    "land_area",
    "lisa_by_year",
    "lisa_transitions",
    "list_layers",
    "load_grouping",
    "load_layer",
    "local_moran",
    "local_moran_bv",
    "location_quotient",
    "match_units",
    "moran",
    "moran_bv",
    "moran_trend",
    "read_boundaries",
    "region_entropy",
    "spatial_weights",
    "spillover_check",
    "table_decomposition",
    "table_regions",
    "theil",
    "unit_entropy",
]
