"""geoagglom: spatial analysis of financial agglomeration.

From a boundary layer and a yearbook table, compute land areas, financial
entropy and location quotients, Gini and Theil indices with their group
decompositions, and spatial autocorrelation (Moran's I, LISA) to probe
spillover and siphoning.

The public names below are imported on first use, so that ``import geoagglom``
and the command line start fast.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "land_area": "geoagglom.data.area",
    "list_layers": "geoagglom.data.boundaries",
    "load_grouping": "geoagglom.data.boundaries",
    "load_layer": "geoagglom.data.boundaries",
    "read_boundaries": "geoagglom.data.boundaries",
    "MatchResult": "geoagglom.data.matching",
    "match_units": "geoagglom.data.matching",
    "dissolve_regions": "geoagglom.data.regions",
    "FinancialEntropy": "geoagglom.measures.concentration",
    "LocationQuotient": "geoagglom.measures.concentration",
    "financial_entropy": "geoagglom.measures.concentration",
    "location_quotient": "geoagglom.measures.concentration",
    "GiniIndex": "geoagglom.measures.inequality",
    "TheilIndex": "geoagglom.measures.inequality",
    "gini": "geoagglom.measures.inequality",
    "theil": "geoagglom.measures.inequality",
    "by_year": "geoagglom.measures.panel",
    "region_entropy": "geoagglom.measures.panel",
    "table_decomposition": "geoagglom.measures.panel",
    "table_regions": "geoagglom.measures.panel",
    "unit_entropy": "geoagglom.measures.panel",
    "spatial_weights": "geoagglom.spatial.weights",
    "Geary": "geoagglom.spatial.global_stats",
    "Moran": "geoagglom.spatial.global_stats",
    "MoranBV": "geoagglom.spatial.global_stats",
    "geary": "geoagglom.spatial.global_stats",
    "moran": "geoagglom.spatial.global_stats",
    "moran_bv": "geoagglom.spatial.global_stats",
    "LocalMoran": "geoagglom.spatial.local_stats",
    "LocalMoranBV": "geoagglom.spatial.local_stats",
    "local_moran": "geoagglom.spatial.local_stats",
    "local_moran_bv": "geoagglom.spatial.local_stats",
    "lisa_by_year": "geoagglom.spatial.panel",
    "lisa_transitions": "geoagglom.spatial.panel",
    "moran_trend": "geoagglom.spatial.panel",
    "SpatialMarkov": "geoagglom.dynamics.markov",
    "spatial_markov": "geoagglom.dynamics.markov",
    "LISAMarkov": "geoagglom.dynamics.lisa_markov",
    "lisa_markov": "geoagglom.dynamics.lisa_markov",
    "DirectionalLISA": "geoagglom.dynamics.directional",
    "directional_lisa": "geoagglom.dynamics.directional",
    "SpaceTimeLISA": "geoagglom.dynamics.space_time",
    "space_time_lisa": "geoagglom.dynamics.space_time",
    "spillover_verdict": "geoagglom.dynamics.verdict",
    "SpilloverCheck": "geoagglom.study.spillover",
    "spillover_check": "geoagglom.study.spillover",
    "Study": "geoagglom.study.config",
    "StudyResults": "geoagglom.study.results",
    "GeoagglomError": "geoagglom.errors",
    "InputError": "geoagglom.errors",
    "GeometryRepairWarning": "geoagglom.errors",
    "MatchError": "geoagglom.errors",
    "SpatialWeightsWarning": "geoagglom.errors",
    "StudyConfigError": "geoagglom.errors",
    "EmptyTransitionsWarning": "geoagglom.errors",
    "PanelDropWarning": "geoagglom.errors",
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'geoagglom' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
