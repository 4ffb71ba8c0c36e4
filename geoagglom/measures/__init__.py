"""Measures: financial entropy and location quotients, Gini and Theil, per year."""

from geoagglom.measures.concentration import (
    FinancialEntropy,
    LocationQuotient,
    financial_entropy,
    location_quotient,
)
from geoagglom.measures.inequality import GiniIndex, TheilIndex, gini, theil
from geoagglom.measures.panel import (
    by_year,
    region_entropy,
    table_decomposition,
    table_regions,
    unit_entropy,
)

__all__ = [
    "FinancialEntropy",
    "GiniIndex",
    "LocationQuotient",
    "TheilIndex",
    "by_year",
    "financial_entropy",
    "gini",
    "location_quotient",
    "region_entropy",
    "table_decomposition",
    "table_regions",
    "theil",
    "unit_entropy",
]
