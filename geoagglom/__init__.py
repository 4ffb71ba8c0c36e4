"""geoagglom: spatial analysis of financial agglomeration.

From a boundary layer and a yearbook table, compute land areas, financial
entropy and location quotients, Gini and Theil indices with their group
decompositions, and spatial autocorrelation (Moran's I, LISA) to probe
spillover and siphoning.
"""

from geoagglom.errors import GeoagglomError, InputError

__version__ = "0.1.0"

__all__ = ["GeoagglomError", "InputError", "__version__"]
