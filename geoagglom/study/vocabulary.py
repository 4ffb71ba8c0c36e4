"""The study's vocabulary: how it reads the statistics' neutral codes.

The spatial statistics label units by quadrant (``HH``, ``LH``, ``LL``, ``HL``,
``ns``); a financial-agglomeration study reads a significant HH unit as a
*spillover cluster* (a dense unit among dense neighbours) and a significant HL
unit as a *siphoning core* (a dense unit among sparse neighbours). Those words,
in English and Chinese, live here and nowhere else.
"""

from __future__ import annotations

import numpy as np

#: The study's name of each significant LISA quadrant.
LISA_CLASSES = {
    "HH": "spillover cluster",
    "HL": "siphoning core",
    "LL": "lagging cluster",
    "LH": "shadow",
}
NOT_SIGNIFICANT = "not significant"
#: Every class, in the order of tables and legends.
LABELS = (*LISA_CLASSES.values(), NOT_SIGNIFICANT)

#: Legend text of the LISA classes on the study's maps.
LISA_LEGEND = {
    "en": {
        "HH": "High-High (spillover cluster)",
        "LH": "Low-High (shadow)",
        "LL": "Low-Low (lagging cluster)",
        "HL": "High-Low (siphoning core)",
        "ns": "Not significant",
    },
    "zh": {
        "HH": "高-高（溢出集聚）",
        "LH": "低-高（集聚阴影）",
        "LL": "低-低（滞后集聚）",
        "HL": "高-低（虹吸核心）",
        "ns": "不显著",
    },
}

#: The study's words in Chinese, for the report's tables (class names, verdicts, readings).
LABELS_ZH = {
    "spillover cluster": "溢出集聚",
    "siphoning core": "虹吸核心",
    "lagging cluster": "滞后集聚",
    "shadow": "集聚阴影",
    "not significant": "不显著",
    "spillover": "溢出",
    "siphoning": "虹吸",
    "no evidence": "无证据",
    "total": "合计",
}


def study_labels(codes):
    """The study's class names of quadrant codes (``"ns"`` → ``"not significant"``).

    Parameters
    ----------
    codes : array-like of str
        ``HH``, ``LH``, ``LL``, ``HL`` or ``ns``.

    Returns
    -------
    numpy.ndarray of object

    Examples
    --------
    >>> study_labels(["HH", "ns", "HL"]).tolist()
    ['spillover cluster', 'not significant', 'siphoning core']
    """
    return np.array([LISA_CLASSES.get(c, NOT_SIGNIFICANT) for c in codes], dtype=object)


#: How the study reads a regressor's indirect impact and its interval.
IMPACT_RULE = (
    "spillover: the interval of the indirect impact lies above 0 (a rise at a unit lifts "
    "its neighbours); siphoning: it lies below 0 (a rise drains them); no evidence: the "
    "interval contains 0."
)


def impact_reading(lower, upper):
    """The study's reading of an indirect impact's interval (see :data:`IMPACT_RULE`).

    Examples
    --------
    >>> impact_reading(-0.20, -0.04), impact_reading(0.01, 0.3), impact_reading(-0.1, 0.2)
    ('siphoning', 'spillover', 'no evidence')
    """
    if lower > 0:
        return "spillover"
    if upper < 0:
        return "siphoning"
    return "no evidence"


#: ``[data] variable`` → the column of the ``entropy_units`` table it analyses.
VARIABLE_COLUMNS = {
    "entropy": "beta",
    "density": "density",
    "value": "quantity",
    "per_capita": "per_capita",
}

_VARIABLE_WORDS = {
    "en": {
        "entropy": "financial entropy",
        "density": "financial density (per km²)",
        "value": "{quantity}",
        "per_capita": "{quantity} per capita",
    },
    "zh": {
        "entropy": "金融熵",
        "density": "金融密度（每平方公里）",
        "value": "{quantity}",
        "per_capita": "人均{quantity}",
    },
}


def variable_label(variable, quantity, lang="en", label=None):
    """The analysed variable's name in titles, legends and headings.

    Parameters
    ----------
    variable : str
        ``[data] variable`` (``"entropy"``, ``"density"``, ``"value"``, ``"per_capita"``).
    quantity : list of str
        The quantity columns (named for ``"value"`` and ``"per_capita"``).
    lang : {"en", "zh"}
    label : str, optional
        ``[data] label``: used as given when set.

    Returns
    -------
    str

    Examples
    --------
    >>> variable_label("entropy", ["loans"]), variable_label("per_capita", ["loans"])
    ('financial entropy', 'loans per capita')
    >>> variable_label("density", ["loans"], "zh"), variable_label("value", ["a"], label="贷款")
    ('金融密度（每平方公里）', '贷款')
    """
    if label is not None:
        return label
    words = _VARIABLE_WORDS.get(lang, _VARIABLE_WORDS["en"])[variable]
    return words.format(quantity=" + ".join(quantity))


def capitalised(text):
    """``text`` with its first letter upper-case (for the start of a title).

    Examples
    --------
    >>> capitalised("financial entropy"), capitalised("贷款密度")
    ('Financial entropy', '贷款密度')
    """
    return text[:1].upper() + text[1:]
