"""geoagglom: spatial analysis of financial agglomeration.

From a boundary layer and a yearbook table, compute land areas, financial
entropy and location quotients, Gini and Theil indices with their group
decompositions, and spatial autocorrelation (Moran's I, LISA) to probe
spillover and siphoning.
"""

from geoagglom.errors import GeoagglomError, InputError

__version__ = "0.1.0"

__all__ = ["GeoagglomError", "InputError", "__version__"]

# spatial autocorrelation (issue 4)
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
from geoagglom.weights import SpatialWeightsWarning, spatial_weights

__all__ += [
    "Geary",
    "LocalMoran",
    "LocalMoranBV",
    "Moran",
    "MoranBV",
    "SpatialWeightsWarning",
    "SpilloverCheck",
    "geary",
    "lisa_by_year",
    "lisa_transitions",
    "local_moran",
    "local_moran_bv",
    "moran",
    "moran_bv",
    "moran_trend",
    "spatial_weights",
    "spillover_check",
]
