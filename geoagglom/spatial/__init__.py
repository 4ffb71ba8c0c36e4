"""Spatial weights and spatial autocorrelation.

``weights``
    Contiguity, k-nearest and distance-band weights as a ``libpysal.graph.Graph``.
``global_stats``, ``local_stats``
    Moran's I, Geary's C, bivariate Moran; local Moran (LISA) and its bivariate form.
``permutation``, ``significance``
    The one permutation engine and the one module of p-values and
    multiple-testing adjustments that every statistic uses.
``spatial_gini``
    The Gini split into neighbour and non-neighbour pairs (Rey & Smith 2013).
``panel``
    The same statistics year by year over a long panel.

The conventions (moments, scalings, permutation inference, alternatives) are
documented in :mod:`geoagglom.spatial.global_stats` and
:mod:`geoagglom.spatial.local_stats`.

The names below are imported on first use: ``import geoagglom.spatial`` loads
neither libpysal (with its scipy.stats, scikit-learn and numba) nor pandas.
"""

from geoagglom._lazy import lazy_names

# public name -> the module that defines it
_PUBLIC = {
    "CLUSTERS": "geoagglom.spatial.local_stats",
    "QUADRANTS": "geoagglom.spatial.local_stats",
    "Geary": "geoagglom.spatial.global_stats",
    "LocalMoran": "geoagglom.spatial.local_stats",
    "LocalMoranBV": "geoagglom.spatial.local_stats",
    "Moran": "geoagglom.spatial.global_stats",
    "MoranBV": "geoagglom.spatial.global_stats",
    "SpatialGini": "geoagglom.spatial.spatial_gini",
    "SpatialWeightsWarning": "geoagglom.errors",
    "geary": "geoagglom.spatial.global_stats",
    "lisa_by_year": "geoagglom.spatial.panel",
    "lisa_transitions": "geoagglom.spatial.panel",
    "local_moran": "geoagglom.spatial.local_stats",
    "local_moran_bv": "geoagglom.spatial.local_stats",
    "moran": "geoagglom.spatial.global_stats",
    "moran_bv": "geoagglom.spatial.global_stats",
    "moran_trend": "geoagglom.spatial.panel",
    "spatial_gini": "geoagglom.spatial.spatial_gini",
    "spatial_weights": "geoagglom.spatial.weights",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
