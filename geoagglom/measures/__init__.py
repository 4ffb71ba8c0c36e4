"""Measures: financial entropy and location quotients, Gini and Theil, per year."""

from geoagglom.measures.concentration import (
    FinancialEntropy,
    LocationQuotient,
    financial_entropy,
    location_quotient,
)
from geoagglom.measures.entropy_family import (
    AtkinsonIndex,
    GEIndex,
    atkinson,
    coefficient_of_variation,
    generalized_entropy,
)
from geoagglom.measures.inequality import GiniIndex, TheilIndex, gini, theil
from geoagglom.measures.panel import (
    by_year,
    region_entropy,
    table_change,
    table_decomposition,
    table_regions,
    unit_entropy,
)

__all__ = [
    "AtkinsonIndex",
    "FinancialEntropy",
    "GEIndex",
    "GiniIndex",
    "LocationQuotient",
    "TheilIndex",
    "atkinson",
    "by_year",
    "coefficient_of_variation",
    "financial_entropy",
    "generalized_entropy",
    "gini",
    "location_quotient",
    "region_entropy",
    "table_change",
    "table_decomposition",
    "table_regions",
    "theil",
    "unit_entropy",
]
