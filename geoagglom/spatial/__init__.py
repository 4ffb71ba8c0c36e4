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
"""

from geoagglom.errors import SpatialWeightsWarning
from geoagglom.spatial.global_stats import Geary, Moran, MoranBV, geary, moran, moran_bv
from geoagglom.spatial.local_stats import (
    CLUSTERS,
    QUADRANTS,
    LocalMoran,
    LocalMoranBV,
    local_moran,
    local_moran_bv,
)
from geoagglom.spatial.panel import lisa_by_year, lisa_transitions, moran_trend
from geoagglom.spatial.spatial_gini import SpatialGini, spatial_gini
from geoagglom.spatial.weights import spatial_weights

__all__ = [
    "CLUSTERS",
    "QUADRANTS",
    "Geary",
    "LocalMoran",
    "LocalMoranBV",
    "Moran",
    "MoranBV",
    "SpatialGini",
    "SpatialWeightsWarning",
    "geary",
    "lisa_by_year",
    "lisa_transitions",
    "local_moran",
    "local_moran_bv",
    "moran",
    "moran_bv",
    "moran_trend",
    "spatial_gini",
    "spatial_weights",
]
