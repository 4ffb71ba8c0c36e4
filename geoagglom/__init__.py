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
    "compute_client": "geoagglom.compute",
    "points_to_units": "geoagglom.data.points",
    "list_layers": "geoagglom.data.boundaries",
    "load_grouping": "geoagglom.data.boundaries",
    "load_layer": "geoagglom.data.boundaries",
    "read_boundaries": "geoagglom.data.boundaries",
    "MatchResult": "geoagglom.data.matching",
    "match_units": "geoagglom.data.matching",
    "dissolve_regions": "geoagglom.data.regions",
    "EllisonGlaeser": "geoagglom.measures.agglomeration",
    "coagglomeration": "geoagglom.measures.agglomeration",
    "ellison_glaeser": "geoagglom.measures.agglomeration",
    "herfindahl": "geoagglom.measures.agglomeration",
    "hoover": "geoagglom.measures.agglomeration",
    "krugman": "geoagglom.measures.agglomeration",
    "krugman_bilateral": "geoagglom.measures.agglomeration",
    "plant_herfindahl": "geoagglom.measures.agglomeration",
    "FinancialEntropy": "geoagglom.measures.concentration",
    "LocationQuotient": "geoagglom.measures.concentration",
    "financial_entropy": "geoagglom.measures.concentration",
    "location_quotient": "geoagglom.measures.concentration",
    "AtkinsonIndex": "geoagglom.measures.entropy_family",
    "GEIndex": "geoagglom.measures.entropy_family",
    "atkinson": "geoagglom.measures.entropy_family",
    "coefficient_of_variation": "geoagglom.measures.entropy_family",
    "generalized_entropy": "geoagglom.measures.entropy_family",
    "BootstrapChange": "geoagglom.measures.bootstrap",
    "BootstrapResult": "geoagglom.measures.bootstrap",
    "bootstrap": "geoagglom.measures.bootstrap",
    "bootstrap_change": "geoagglom.measures.bootstrap",
    "GiniIndex": "geoagglom.measures.inequality",
    "TheilIndex": "geoagglom.measures.inequality",
    "gini": "geoagglom.measures.inequality",
    "theil": "geoagglom.measures.inequality",
    "by_year": "geoagglom.measures.panel",
    "region_entropy": "geoagglom.measures.panel",
    "table_change": "geoagglom.measures.panel",
    "table_decomposition": "geoagglom.measures.panel",
    "table_regions": "geoagglom.measures.panel",
    "unit_entropy": "geoagglom.measures.panel",
    "spatial_weights": "geoagglom.spatial.weights",
    "SpatialGini": "geoagglom.spatial.spatial_gini",
    "spatial_gini": "geoagglom.spatial.spatial_gini",
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
    "MoranExact": "geoagglom.spatial.exact",
    "LocalMoranExact": "geoagglom.spatial.exact",
    "moran_exact": "geoagglom.spatial.exact",
    "local_moran_exact": "geoagglom.spatial.exact",
    "moran_inference": "geoagglom.spatial.exact",
    "lisa_by_year": "geoagglom.spatial.panel",
    "lisa_transitions": "geoagglom.spatial.panel",
    "moran_trend": "geoagglom.spatial.panel",
    "SpatialModel": "geoagglom.models.regression",
    "spatial_model": "geoagglom.models.regression",
    "SpatialPanelModel": "geoagglom.models.panel",
    "spatial_panel_model": "geoagglom.models.panel",
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
    "StudyConfig": "geoagglom.study.config",
    "GeoagglomError": "geoagglom.errors",
    "InputError": "geoagglom.errors",
    "GeometryRepairWarning": "geoagglom.errors",
    "MatchError": "geoagglom.errors",
    "SpatialWeightsWarning": "geoagglom.errors",
    "StudyConfigError": "geoagglom.errors",
    "ModelInputError": "geoagglom.errors",
    "CollinearityError": "geoagglom.errors",
    "IslandError": "geoagglom.errors",
    "MissingValuesError": "geoagglom.errors",
    "TooFewUnitsError": "geoagglom.errors",
    "SingularFilterError": "geoagglom.errors",
    "BoundaryEstimateError": "geoagglom.errors",
    "EmptyTransitionsWarning": "geoagglom.errors",
    "PanelDropWarning": "geoagglom.errors",
    "PermutationCostWarning": "geoagglom.errors",
}

__all__ = sorted([*_PUBLIC, "__version__"])


#: Subpackages reachable as attributes (``geoagglom.plot.choropleth``), imported on use.
_SUBPACKAGES = ("data", "measures", "spatial", "dynamics", "models", "plot", "study")


def __getattr__(name):
    if name in _SUBPACKAGES:
        return import_module(f"geoagglom.{name}")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'geoagglom' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
