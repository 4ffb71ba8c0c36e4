"""The figure set of a study run (maps, scatterplot, time series), drawn and saved."""

from __future__ import annotations

import matplotlib

from geoagglom import plotting

ILLUSTRATIVE_NOTE = "Illustrative data: not official statistics"


def draw_study_figures(study, units, tables, regions, spatial, work):
    """Draw every figure the study's tables support and save each as PNG and SVG.

    Returns
    -------
    dict of str to tuple of pathlib.Path
        Figure name → (png, svg) inside ``work / "figures"``.
    """
    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    note = ILLUSTRATIVE_NOTE if study.illustrative else None
    suffix = " (illustrative data)" if study.illustrative else ""
    folder = work / "figures"
    saved = {}

    def save(name, fig):
        # Keep SVG text as text: editable in a publication, searchable in tests.
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            saved[name] = plotting.save_figure(fig, folder / name)
        plt.close(fig)

    entropy = tables["entropy_units"]
    years = sorted(entropy["year"].unique())
    map_years = study.map_years or _spread(years, 3)
    save(
        "entropy_map",
        plotting.choropleth(
            units,
            entropy[entropy["year"].isin(map_years)],
            unit="unit",
            year="year",
            value="beta",
            scheme=study.map_scheme,
            k=study.map_k,
            bins=study.map_bins,
            regions=regions,
            title=f"Financial entropy{suffix}",
            note=note,
            lang=study.lang,
            legend_title="entropy β",
        ),
    )
    if spatial is not None:
        lisa = tables["lisa"]
        for yr in _spread(years, 2):
            labels = lisa[lisa["year"] == yr].set_index("unit")["label"]
            save(
                f"lisa_map_{yr}",
                plotting.lisa_cluster_map(
                    units,
                    labels,
                    regions=regions,
                    title=f"LISA clusters of financial entropy, {yr}{suffix}",
                    note=note,
                    lang=study.lang,
                ),
            )
        last = years[-1]
        y = entropy[entropy["year"] == last].set_index("unit")["beta"]
        y = y.reindex(spatial.weights.unique_ids)
        save(
            f"moran_scatter_{last}",
            plotting.moran_scatterplot(
                y,
                spatial.weights.lag(y.to_numpy()),
                title=f"Moran scatterplot of financial entropy, {last}{suffix}",
                note=note,
                lang=study.lang,
            ),
        )
    if "entropy_regions" in tables:
        save(
            "entropy_by_region",
            plotting.entropy_by_region(
                tables["entropy_regions"],
                value="beta",
                title=f"Financial entropy by region{suffix}",
                note=note,
                lang=study.lang,
            ),
        )
        save(
            "gini_theil",
            plotting.gini_theil_series(
                tables["table_I"],
                gini="gini",
                theil="theil_T",
                title=f"Inequality of the regions' entropy{suffix}",
                note=note,
                lang=study.lang,
            ),
        )
        save(
            "decomposition",
            plotting.decomposition_bars(
                tables["table_II"],
                title=f"Theil T of the units' entropy: within and between regions{suffix}",
                note=note,
                lang=study.lang,
            ),
        )
    return saved


def _spread(years, count):
    """Up to ``count`` years spread over the range: first, (middle,) last."""
    if len(years) <= count:
        return list(years)
    picks = {years[round(i * (len(years) - 1) / (count - 1))] for i in range(count)}
    return sorted(picks)
