"""geoagglom: spatial analysis of financial agglomeration.

From a boundary layer and a yearbook table, compute land areas, financial
entropy and location quotients, Gini and Theil indices with their group
decompositions, and spatial autocorrelation (Moran's I, LISA) to probe
spillover and siphoning.
"""

from geoagglom.errors import GeoagglomError, InputError

__version__ = "0.1.0"

__all__ = ["GeoagglomError", "InputError", "__version__"]

# Agglomeration and inequality measures (issue 3).
from geoagglom.concentration import (
    FinancialEntropy,
    LocationQuotient,
    financial_entropy,
    location_quotient,
)
from geoagglom.inequality import GiniIndex, TheilIndex, gini, theil
from geoagglom.panel import (
    by_year,
    region_entropy,
    table_decomposition,
    table_regions,
    unit_entropy,
)
from geoagglom.regions import dissolve_regions

__all__ += [
    "FinancialEntropy",
    "GiniIndex",
    "LocationQuotient",
    "TheilIndex",
    "by_year",
    "dissolve_regions",
    "financial_entropy",
    "gini",
    "location_quotient",
    "region_entropy",
    "table_decomposition",
    "table_regions",
    "theil",
    "unit_entropy",
]
