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
    "CLASSIFY",
    "EMPTY_ROWS",
    "ISLANDS",
    "LANGUAGES",
    "OPTIONS",
    "PANEL_SCALES",
    "ROSE_ALTERNATIVES",
    "SCALINGS",
    "SCHEMES",
    "THEIL_KINDS",
    "TRANSFORMS",
    "UNBALANCED",
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
        raise InputError(f"{what} = {value!r} is not a {self.name}; use one of {allowed}.")


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

#: Every option by the name the study file and the docs use.
OPTIONS = {
    "weights": WEIGHTS,
    "islands": ISLANDS,
    "transform": TRANSFORMS,
    "scheme": SCHEMES,
    "adjust": ADJUSTMENTS,
    "theil": THEIL_KINDS,
    "lang": LANGUAGES,
    "alternative": ALTERNATIVES,
    "area_method": AREA_METHODS,
    "scaling": SCALINGS,
    "scale": PANEL_SCALES,
    "classify": CLASSIFY,
    "empty": EMPTY_ROWS,
    "unbalanced": UNBALANCED,
    "rose_alternative": ROSE_ALTERNATIVES,
}
