"""Which inequality indices a study reports, and how it names and weights them.

Table I shows the indices of ``[measures] indices`` (by default the Gini and
Theil T, plus GE(α) for every ``ge_alpha``, its older alias); Table II
decomposes every one of them that has a within/between decomposition. The
run, the figures and the report read the same choices from here.
"""

from __future__ import annotations

from geoagglom.measures.panel import _weight_choice, index_choices

__all__ = [
    "decomposition_options",
    "index_label",
    "table_one_indices",
    "table_two_indices",
    "table_two_name",
    "weighting_text",
]


def table_one_indices(measures):
    """The indices of Table I (:class:`~geoagglom.measures.panel.IndexChoice`), in order.

    ``[measures] indices``, or by default the Gini and Theil T, plus GE(α) for
    every ``ge_alpha`` (its older alias).
    """
    if measures.indices is not None:
        return index_choices(measures.indices)
    names = ["gini", "theil_t"] + [f"ge({a:g})" for a in measures.ge_alpha or []]
    return index_choices(names)


def table_two_indices(measures):
    """The indices decomposed in Table II: the decomposable ones of Table I, in order.

    Without ``[measures] indices``: the Theil indices of ``[measures] theil``,
    the Gini and GE(α) for every ``ge_alpha``.
    """
    if measures.indices is not None:
        return [c for c in index_choices(measures.indices) if c.decomposable]
    names = [f"theil_{kind.lower()}" for kind in measures.theil] + ["gini"]
    names += [f"ge({a:g})" for a in measures.ge_alpha or []]
    return index_choices(names)


def table_two_name(choice):
    """The Table II of an index: ``table_II`` (Theil T), ``table_II_theil_L``, ``table_II_gini``,
    ``table_II_ge_2``, ``table_II_atkinson_0.5``."""
    return "table_II" if choice.name == "theil_t" else f"table_II_{choice.column}"


def index_label(choice, lang="en"):
    """An index as the report writes it: ``Gini``, ``Theil T``, ``GE(2)``, ``Atkinson(0.5)``;
    in Chinese with ``lang = "zh"`` (``泰尔 T 指数``, ``广义熵 GE(2)``, ...)."""
    if lang == "zh" and choice.family in ("theil", "ge", "atkinson"):
        if choice.family == "theil":
            return f"泰尔 {choice.options['kind']} 指数"
        if choice.family == "ge":
            return f"广义熵 GE({choice.options['alpha']:g})"
        return f"阿特金森指数 A({choice.options['epsilon']:g})"
    if choice.family == "theil":
        return f"Theil {choice.options['kind']}"
    if choice.family == "ge":
        return f"GE({choice.options['alpha']:g})"
    if choice.family == "atkinson":
        return f"Atkinson({choice.options['epsilon']:g})"
    if lang == "zh":
        return {"gini": "基尼系数", "cv": "变异系数"}[choice.family]
    return {"gini": "Gini", "cv": "CV"}[choice.family]


def weighting_text(weights, choice, lang="en"):
    """How an index is weighted, in words: ``equal weights``, ``weighted by population``."""
    picked = _weight_choice(weights, choice)
    if lang == "zh":
        if picked is None:
            return "等权"
        return "以土地面积加权" if picked == "area" else f"以 {picked} 加权"
    if picked is None:
        return "equal weights"
    return "weighted by land area" if picked == "area" else f"weighted by {picked}"


def decomposition_options(choice):
    """The keywords of :func:`~geoagglom.table_decomposition` for an index."""
    if choice.family == "theil":
        return {"measure": "theil", "kind": choice.options["kind"]}
    if choice.family == "ge":
        return {"measure": "ge", "alpha": choice.options["alpha"]}
    if choice.family == "atkinson":
        return {"measure": "atkinson", "epsilon": choice.options["epsilon"]}
    return {"measure": "gini"}
