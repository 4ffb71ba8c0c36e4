"""Every enumerated option of geoagglom, declared once.

The API checks its arguments against these, the study-file schema takes its
allowed values from them, and the documentation lists them from here, so an
option cannot be allowed in one place and unknown in another.

Examples
--------
>>> from geoagglom.options import WEIGHTS
>>> WEIGHTS.values
('queen', 'rook', 'knn', 'distance')
>>> WEIGHTS.check("queen", "kind")
'queen'
"""

from __future__ import annotations

from dataclasses import dataclass

from geoagglom.errors import InputError

__all__ = [
    "ADJUSTMENTS",
    "ALTERNATIVES",
    "AREA_METHODS",
    "CI_METHODS",
    "CLASSIFY",
    "EMPTY_ROWS",
    "INDEX_WEIGHTS",
    "ISLANDS",
    "LANGUAGES",
    "LAYOUTS",
    "MORAN_METHODS",
    "OPTIONS",
    "OUTSIDE_POINTS",
    "PANEL_SCALES",
    "ROSE_ALTERNATIVES",
    "SCALINGS",
    "SCHEMES",
    "SPATIAL_MODELS",
    "THEIL_KINDS",
    "TRANSFORMS",
    "UNBALANCED",
    "VARIABLES",
    "WEIGHTS",
    "Option",
]


@dataclass(frozen=True)
class Option:
    """An enumerated option: its allowed values, each with a one-line meaning.

    Parameters
    ----------
    name : str
        What the option is, in words ("weights kind").
    choices : dict of str to str
        Allowed value → its meaning, in the order shown to users.
    """

    name: str
    choices: dict

    @property
    def values(self):
        """The allowed values, in order."""
        return tuple(self.choices)

    def describe(self):
        """``value: meaning`` lines, for documentation."""
        return "\n".join(f"{value}: {meaning}" for value, meaning in self.choices.items())

    def check(self, value, what):
        """``value`` if it is allowed, else an :class:`InputError` naming ``what``.

        Parameters
        ----------
        value : object
        what : str
            How the caller calls the option: a keyword (``"kind"``) or a study
            file key (``"[measures] weights"``).
        """
        if isinstance(value, str) and value in self.choices:
            return value
        allowed = ", ".join(repr(v) for v in self.values)
        article = "an" if self.name[:1] in "aeiou" else "a"
        raise InputError(f"{what} = {value!r} is not {article} {self.name}; use one of {allowed}.")


WEIGHTS = Option(
    "weights kind",
    {
        "queen": "units sharing a boundary point are neighbours",
        "rook": "units sharing a boundary edge are neighbours",
        "knn": "each unit's k nearest units (great-circle distance between centroids)",
        "distance": "units whose centroids are within threshold_km of each other",
    },
)
ISLANDS = Option(
    "island policy",
    {
        "raise": "an error naming the units without neighbours",
        "drop": "leave them out of the spatial statistics (reported)",
        "nearest": "attach each to its nearest unit (reported)",
    },
)
TRANSFORMS = Option(
    "weights transform",
    {"r": "row-standardised (each unit's weights sum to 1)", "b": "binary (1 per neighbour)"},
)
SCHEMES = Option(
    "classification scheme",
    {
        "quantiles": "classes with equal numbers of units",
        "natural_breaks": "Jenks natural breaks",
        "equal_interval": "classes of equal width",
        "user_defined": "the upper bounds given in bins",
    },
)
ADJUSTMENTS = Option(
    "multiple-testing adjustment",
    {
        "none": "no adjustment",
        "fdr": "Benjamini–Hochberg false discovery rate",
        "bonferroni": "Bonferroni family-wise error rate",
    },
)
THEIL_KINDS = Option(
    "Theil index kind",
    {"T": "Theil T, GE(1)", "L": "Theil L (mean log deviation), GE(0)"},
)
LANGUAGES = Option("label language", {"en": "English", "zh": "Simplified Chinese"})
LAYOUTS = Option(
    "table layout",
    {
        "long": "one row per unit and year",
        "wide": "one row per unit, one column per year (one quantity)",
    },
)
VARIABLES = Option(
    "variable to analyse",
    {
        "entropy": "financial entropy β: density over the study area's density (as published)",
        "density": "the quantity per km² of land area",
        "value": "the quantity itself (the summed balances)",
        "per_capita": "the quantity per person ([data] population: the population column)",
    },
)
ALTERNATIVES = Option(
    "alternative hypothesis",
    {
        "two-sided": "either direction",
        "greater": "statistic larger than under the null",
        "less": "statistic smaller than under the null",
        "directed": "one-sided in the observed direction (esda's and GeoDa's p_sim)",
    },
)
AREA_METHODS = Option(
    "land-area method",
    {
        "geodesic": "geodesic area on the WGS84 ellipsoid",
        "equal-area": "planar area in an Albers equal-area projection fitted to the layer",
    },
)
SCALINGS = Option(
    "local Moran scaling",
    {"esda": "(n - 1) z_i lag(z)_i / sum(z²), as esda", "spdep": "z_i lag(z)_i / m2, as spdep"},
)
PANEL_SCALES = Option(
    "panel scaling",
    {
        "mean": "each value divided by its year's mean (relative values, as giddy's examples)",
        "zscore": "each year standardised: (value - year mean) / year sd (ddof=0)",
        "raw": "the values as given",
    },
)
CLASSIFY = Option(
    "Markov discretisation",
    {
        "pooled": "quantile classes of all unit-years pooled (cut-offs fixed over time)",
        "per_year": "quantile classes computed year by year",
        "cutoffs": "the upper bounds given in cutoffs= and lag_cutoffs=",
    },
)
EMPTY_ROWS = Option(
    "empty-row policy",
    {
        "nan": "rows of a transition matrix without observed transitions are NaN (reported); "
        "steady state and passage times of that matrix are NaN",
        "absorbing": "such rows are made absorbing (1 on the diagonal, reported), as giddy's "
        "fill_empty_classes=True",
    },
)
UNBALANCED = Option(
    "unbalanced-panel policy",
    {
        "raise": "an error naming the units and the years they lack",
        "drop_units": "drop units lacking any year from the panel and the weights (reported)",
        "drop_years": "drop years lacking any unit (reported)",
    },
)
ROSE_ALTERNATIVES = Option(
    "rose alternative hypothesis",
    {
        "two-sided": "each sector's count differs from the permutation distribution",
        "positive": "co-movement: more vectors in the sectors where unit and neighbours move "
        "the same way, fewer elsewhere",
        "negative": "opposite movement: more vectors where unit and neighbours move in "
        "opposite directions",
    },
)

CI_METHODS = Option(
    "bootstrap interval method",
    {
        "percentile": "quantiles of the bootstrap replicates (Efron & Tibshirani 1993, ch. 13)",
        "bca": "bias-corrected and accelerated quantiles (Efron & Tibshirani 1993, ch. 14)",
    },
)
INDEX_WEIGHTS = Option(
    "inequality weighting",
    {
        "equal": "every unit counts once (unweighted)",
        "area": "units weighted by land area (km²); or give a column of the values "
        "(e.g. population), summed over a region's units",
    },
)
SPATIAL_MODELS = Option(
    "spatial regression model",
    {
        "sdm": "spatial Durbin: y = rho W y + X beta + W X theta + e",
        "slx": "spatial lag of X: y = X beta + W X theta + e (least squares)",
        "lag": "spatial lag (SAR): y = rho W y + X beta + e",
        "error": "spatial error (SEM): y = X beta + u, u = lambda W u + e",
        "sdem": "spatial Durbin error: y = X beta + W X theta + u, u = lambda W u + e",
    },
)
OUTSIDE_POINTS = Option(
    "outside-points policy",
    {
        "raise": "an error giving the number and rows of points outside every unit",
        "drop": "leave them out of the counts (reported with a warning and in attrs)",
    },
)
MORAN_METHODS = Option(
    "Moran inference method",
    {
        "exact": "exact distribution under normality (Tiefelsdorf-Boots, Imhof integration)",
        "saddlepoint": "saddlepoint approximation (Tiefelsdorf 2002; Barndorff-Nielsen formula)",
    },
)

#: Every option by the name the study file and the docs use.
OPTIONS = {
    "weights": WEIGHTS,
    "islands": ISLANDS,
    "transform": TRANSFORMS,
    "scheme": SCHEMES,
    "adjust": ADJUSTMENTS,
    "theil": THEIL_KINDS,
    "lang": LANGUAGES,
    "layout": LAYOUTS,
    "variable": VARIABLES,
    "alternative": ALTERNATIVES,
    "area_method": AREA_METHODS,
    "scaling": SCALINGS,
    "ci": CI_METHODS,
    "index_weights": INDEX_WEIGHTS,
    "model": SPATIAL_MODELS,
    "moran_method": MORAN_METHODS,
    "scale": PANEL_SCALES,
    "classify": CLASSIFY,
    "empty": EMPTY_ROWS,
    "unbalanced": UNBALANCED,
    "rose_alternative": ROSE_ALTERNATIVES,
    "outside_points": OUTSIDE_POINTS,
}
