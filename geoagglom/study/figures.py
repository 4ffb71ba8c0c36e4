"""The figure set of a study run (maps, scatterplot, time series), drawn and saved."""

from __future__ import annotations

from functools import partial

import matplotlib
import pandas as pd

from geoagglom import plot
from geoagglom.data.boundaries import load_grouping
from geoagglom.study.indices import index_label, table_two_indices, table_two_name
from geoagglom.study.vocabulary import LISA_LEGEND, capitalised, variable_label

ILLUSTRATIVE_NOTE = "Illustrative data: not official statistics"
#: Moran scatterplots name their points up to this many units.
MAX_LABELLED_UNITS = 40

#: The figures' own words, by language; lang="zh" falls back to English (with a
#: warning from :mod:`geoagglom.plot`) when no CJK font is installed.
TEXT = {
    "en": {
        "note": ILLUSTRATIVE_NOTE,
        "suffix": " (illustrative data)",
        "entropy_map": "{Name}{suffix}",
        "entropy_legend": "entropy β",
        "lisa": "LISA clusters of {name}, {year}{suffix}",
        "inference": "α = {alpha:g}, {permutations} conditional permutations",
        "adjusted": ", {adjust}-adjusted",
        "moran_p": "permutation p = {p:.3g}",
        "moran": "Moran scatterplot of {name}, {year}{suffix}",
        "bivariate": "{Name} against the neighbours' {second}, {year}{suffix}",
        "second_name": "second variable",
        "quantity_name": "the quantity",
        "entropy_regions": "Financial entropy by region{suffix}",
        "gini_theil": "Inequality of the regions' entropy{suffix}",
        "decomposition": "{index} of the units' entropy: within and between regions{suffix}",
        "band": "95 % {ci} bootstrap interval",
        "markov": "Transitions of {name}, by the neighbours' class{suffix}",
        "rose": "Directional LISA: units' and neighbours' moves{suffix}",
        "unit_effect": "Effect of the centre's change on every unit, {year}{suffix}",
    },
    "zh": {
        "note": "示例数据，非官方统计",
        "suffix": "（示例数据）",
        "entropy_map": "{Name}{suffix}",
        "entropy_legend": "金融熵 β",
        "lisa": "{year}年{name} LISA 聚类图{suffix}",
        "inference": "α = {alpha:g}，{permutations} 次条件置换",
        "adjusted": "，{adjust} 校正",
        "moran_p": "置换检验 p = {p:.3g}",
        "moran": "{year}年{name} Moran 散点图{suffix}",
        "bivariate": "{year}年{name}与邻域{second}的双变量 Moran 散点图{suffix}",
        "second_name": "第二变量",
        "quantity_name": "金融数量",
        "entropy_regions": "各区域金融熵{suffix}",
        "gini_theil": "区域金融熵的差异{suffix}",
        "decomposition": "城市金融熵的{index}：区域内与区域间{suffix}",
        "band": "95% {ci} 自助法区间",
        "markov": "按邻域类别的{name}转移概率{suffix}",
        "rose": "方向性 LISA：单元与邻域的变动{suffix}",
        "unit_effect": "{year}年中心城市变动对各单元的效应{suffix}",
    },
}


def draw_study_figures(results, folder, claim=None):
    """Draw every figure the study's tables support and save each as PNG and SVG.

    Parameters
    ----------
    results : geoagglom.study.results.StudyResults
        The computed tables (and units, regions, weights) of a run.
    folder : pathlib.Path
        Where the figures are written.
    claim : callable, optional
        ``claim(name)`` is True for the figures this call is to draw (the others
        are drawn by another process, see :mod:`geoagglom.study.figure_worker`);
        default all.

    Returns
    -------
    dict of str to tuple of pathlib.Path
        Figure name → (png, svg) inside ``folder``, in the order of
        :func:`figure_plan`.
    """
    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    saved = {}
    for name, draw in figure_plan(results):
        if claim is None or claim(name):
            fig = draw()
            with matplotlib.rc_context({"svg.fonttype": "none"}):
                # SVG text stays text: editable in a publication, searchable in tests
                saved[name] = plot.save_figure(fig, folder / name)
            plt.close(fig)
    return saved


def figure_plan(results):
    """The study's figures, in the report's order: ``(name, draw)`` pairs.

    ``draw()`` returns the figure.
    """
    config, tables = results.config, results.tables
    units, regions, spatial = results.units, results.regions, results.spatial
    maps = config.maps
    lang = maps.lang
    if lang == "zh" and plot.find_cjk_font() is None:
        lang = "en"  # plotting warns and draws English labels
    words = TEXT[lang]
    note = words["note"] if config.illustrative else None
    suffix = words["suffix"] if config.illustrative else ""

    data = config.data
    quantity = config.quantity
    if lang == "en" and data.label is None and not "".join(quantity).isascii():
        quantity = [words["quantity_name"]]  # a Chinese column name needs a CJK font
    name = variable_label(data.variable, quantity, lang, data.label)
    column = results.column
    # the legend: "entropy β" by default, else the variable's name
    legend = words["entropy_legend"] if column == "beta" and data.label is None else name

    def t(key, **fields):
        return words[key].format(suffix=suffix, name=name, Name=capitalised(name), **fields)

    plan = []

    entropy = tables["entropy_units"]
    years = sorted(entropy["year"].unique())
    map_years = maps.years or _spread(years, 3)
    plan.append(
        (
            "entropy_map",
            partial(
                plot.choropleth,
                units,
                entropy[entropy["year"].isin(map_years)],
                unit="unit",
                year="year",
                value=column,
                scheme=maps.scheme,
                k=maps.k,
                bins=maps.bins,
                regions=regions,
                title=t("entropy_map"),
                note=note,
                lang=maps.lang,
                legend_title=legend,
            ),
        )
    )
    if spatial is not None:
        lisa = tables["lisa"]
        m = config.measures
        how = t("inference", alpha=m.alpha, permutations=m.permutations)
        if m.adjust != "none":
            how += t("adjusted", adjust={"fdr": "FDR", "bonferroni": "Bonferroni"}[m.adjust])
        # every map year with LISA classes (a year without variation has none)
        for yr in [y for y in map_years if y in set(lisa["year"])]:
            labels = lisa[lisa["year"] == yr].set_index("unit")["cluster"]
            plan.append(
                (
                    f"lisa_map_{yr}",
                    partial(
                        plot.lisa_cluster_map,
                        units,
                        labels,
                        regions=regions,
                        title=t("lisa", year=yr) + "\n" + how,
                        note=note,
                        lang=maps.lang,
                        class_names=LISA_LEGEND[lang],
                    ),
                )
            )
        last = spatial.years[-1]
        y = entropy[entropy["year"] == last].set_index("unit")[column]
        y = y.reindex(spatial.weights.unique_ids)
        p_sim = spatial.trend.loc[last, "p_sim"]
        shown = "name_en" if lang == "en" and "name_en" in results.names else None
        shown = shown or (results.names[0] if results.names else None)
        names = units[shown].reindex(y.index) if shown else None
        plan.append(
            (
                f"moran_scatter_{last}",
                partial(
                    plot.moran_scatterplot,
                    y,
                    spatial.weights.lag(y.to_numpy()),
                    title=t("moran", year=last) + "\n" + t("moran_p", p=p_sim),
                    # unit names where they can be read
                    labels=names if len(y) <= MAX_LABELLED_UNITS else None,
                    name=name,
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
    if spatial is not None and "bivariate_moran" in tables:
        x, y, lag, row = bivariate_inputs(results)
        second = config.data.second_variable
        if lang == "en" and not second.isascii():
            second = words["second_name"]  # a Chinese column name needs a CJK font
        plan.append(
            (
                f"bivariate_moran_{int(row['year'])}",
                partial(
                    plot.bivariate_moran_scatterplot,
                    x,
                    y,
                    lag,
                    p_value=row["p_sim"],
                    x_name=name,
                    y_name=second,
                    title=t("bivariate", year=int(row["year"]), second=second),
                    labels=names.reindex(x.index)
                    if names is not None and len(x) <= MAX_LABELLED_UNITS
                    else None,
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
    if "entropy_regions" in tables:
        plan.append(
            (
                "entropy_by_region",
                partial(
                    plot.entropy_by_region,
                    _region_names(tables["entropy_regions"], config.grouping, lang),
                    value="beta",
                    title=t("entropy_regions"),
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
        table_i = tables["table_I"]
        theil = next((c for c in ("theil_T", "theil_L") if c in table_i.columns), None)
        if "gini" in table_i.columns and theil is not None:
            m = config.measures
            band = None
            if m.bootstrap:
                words_ci = {"percentile": "百分位" if lang == "zh" else "percentile"}
                band = t("band", ci=words_ci.get(m.ci, "BCa"))
            plan.append(
                (
                    "gini_theil",
                    partial(
                        plot.gini_theil_series,
                        table_i,
                        gini="gini",
                        theil=theil,
                        twin=False,  # one axis: the two indices on the same scale
                        bands=bool(m.bootstrap),  # intervals only with the bootstrap
                        band_label=band,
                        title=t("gini_theil"),
                        note=note,
                        lang=maps.lang,
                    ),
                )
            )
        # the first decomposed index with within and between parts (Theil T by default)
        shown = [c for c in table_two_indices(config.measures) if c.family != "gini"]
        shown = [c for c in shown if table_two_name(c) in tables]
        if shown:
            plan.append(
                (
                    "decomposition",
                    partial(
                        plot.decomposition_bars,
                        # years of equal entropies have no shares to draw
                        tables[table_two_name(shown[0])].dropna(
                            subset=["within_share", "between_share"]
                        ),
                        title=t("decomposition", index=index_label(shown[0], lang)),
                        note=note,
                        lang=maps.lang,
                    ),
                )
            )
    if results.dynamics:
        plan.append(
            (
                "transition_heatmaps",
                partial(
                    plot.transition_heatmaps,
                    results.dynamics["markov"],
                    title=t("markov"),
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
        plan.append(
            (
                "rose",
                partial(
                    plot.rose_diagram,
                    results.dynamics["rose"],
                    alpha=config.measures.alpha,
                    title=t("rose"),
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
    if "unit_effect" in results.models:
        effect = results.models["unit_effect"]
        plan.append(
            (
                "model_unit_effect",
                partial(
                    plot.unit_effect_map,
                    units.loc[effect.index],
                    effect,
                    title=t("unit_effect", year=results.models["year"]),
                    note=note,
                    lang=maps.lang,
                ),
            )
        )
    return plan


def bivariate_inputs(results):
    """What the bivariate Moran figure draws, for the last year of the study's table.

    Returns
    -------
    x, y, lag : pandas.Series
        The analysed variable (``results.column``), the second variable and its lag under the
        study's weights, indexed by the weights' units. With weights that are not
        row-standardised the lag is scaled by n / S0, so that the fitted slope
        is the table's bivariate Moran's I in every case.
    row : pandas.Series
        The table's row of that year (``year``, ``I``, ``EI_sim``, ``p_sim``).
    """
    row = results.tables["bivariate_moran"].iloc[-1]
    weights = results.spatial.weights
    ids = list(weights.unique_ids)
    entropy, values = results.tables["entropy_units"], results.values
    second = results.config.data.second_variable
    x = entropy[entropy["year"] == row["year"]].set_index("unit")[results.column].reindex(ids)
    y = values[values["year"] == row["year"]].set_index("unit")[second].reindex(ids)
    sparse = weights.sparse
    scale = len(ids) / sparse.sum()
    lag = pd.Series(scale * (sparse @ y.to_numpy()), index=y.index)
    return x, y, lag, row


def _spread(years, count):
    """Up to ``count`` years spread over the range: first, (middle,) last."""
    if len(years) <= count:
        return list(years)
    picks = {years[round(i * (len(years) - 1) / (count - 1))] for i in range(count)}
    return sorted(picks)


def _region_names(frame, grouping, lang):
    """The regions' Chinese names for ``lang="zh"`` when the grouping has them.

    A bundled grouping names its regions in English (``region``) and in
    Chinese (``region_zh``); other groupings are used as they are.
    """
    if lang != "zh" or grouping.name is None:
        return frame
    table = load_grouping(grouping.name)
    column = f"{grouping.region}_zh"
    if column not in table.columns:
        return frame
    names = dict(zip(table[grouping.region], table[column], strict=True))
    return frame.assign(region=frame["region"].map(lambda r: names.get(r, r)))
