"""A self-contained HTML report of a study run: tables, embedded figures, provenance."""

from __future__ import annotations

import base64
import html
import json
from datetime import UTC, datetime

from geoagglom.study.provenance import versions

# Table name → (heading, explanation), in the order the report shows them.
SECTIONS = {
    "table_I": (
        "Table I: inequality of the regions' financial entropy",
        "Per year, the Gini and Theil indices of the regions' entropies; each region's "
        "entropy comes from its own summed balances and dissolved land area.",
    ),
    "table_II": (
        "Table II: Theil T of the units' entropy, within and between regions",
        "Within and between parts are computed directly and add up to the total.",
    ),
    "table_II_theil_L": ("Table II (Theil L)", "The same decomposition of Theil L (GE(0))."),
    "table_II_gini": (
        "Table II (Gini, Dagum)",
        "Dagum's decomposition of the Gini: within, net between and transvariation.",
    ),
    "moran_trend": (
        "Global Moran's I per year",
        "Moran's I of the units' entropy with analytic (normal, randomisation) and "
        "permutation inference, and the number of units in each LISA class.",
    ),
    "spillover_siphoning": (
        "Spillover clusters and siphoning cores",
        "Significant local Moran: a spillover cluster is a dense unit among dense "
        "neighbours (HH); a siphoning core a dense unit among sparse ones (HL).",
    ),
    "lisa_transitions": (
        "LISA class transitions, first to last year",
        "Rows: class in the first year; columns: class in the last year.",
    ),
    "bivariate_moran": (
        "Bivariate Moran's I",
        "A unit's entropy against the spatial lag of the second variable.",
    ),
    "inequality_change": (
        "Change of inequality, first to last year",
        "Paired bootstrap of the change of Theil T and its parts: the same units drawn, within "
        "their region, in both years. A change whose interval contains 0 (p_value > 0.05) "
        "is not distinguishable from noise.",
    ),
    "spatial_markov_tests": (
        "Spatial Markov: does the neighbours' class matter?",
        "Spatial homogeneity tests (Bickenbach & Bode 2003): LR and Q over all lag classes, "
        "and per lag class. A small p-value: units' transitions depend on their neighbours'.",
    ),
    "lisa_markov": (
        "LISA Markov: moves between quadrants",
        "Counts of year-to-year moves between the LISA quadrants (rows: from; columns: to).",
    ),
    "spillover_verdict": (
        "Spillover or siphoning, over time: the verdict per centre",
        "One row per unit that was HH or HL in any year.",
    ),
    "model_coefficients": ("Spatial model: coefficients", ""),
    "model_diagnostics": (
        "Spatial model: LM diagnostics of the OLS fit",
        "Lagrange multiplier tests (and their robust forms) guiding the choice of model.",
    ),
    "model_impacts": (
        "Spatial model: impacts",
        "Direct, indirect (spillover) and total impacts with simulated intervals.",
    ),
    "model_reading": ("Spatial model: reading of the indirect impacts", ""),
    "model_unit_effect_summary": (
        "Effect of a change at the centre",
        "The effect of a unit change of the first regressor at the centre, on itself, its "
        "neighbours, the units beyond, and all units, with simulated intervals.",
    ),
    "entropy_regions": ("Financial entropy of the regions", ""),
    "entropy_units": ("Financial entropy of the units", ""),
    "location_quotient": ("Location quotients of the quantities", ""),
    "lisa": ("Local Moran of every unit and year", ""),
    "spatial_markov": ("Spatial Markov: transition counts and probabilities", ""),
    "directional_lisa": ("Directional LISA of every unit", ""),
    "model_unit_effect": ("Effect of a change at the centre, unit by unit", ""),
    "units_without_data": (
        "Layer units without data",
        "Units of the boundary layer that no row of the data table matched; the study "
        "leaves them out.",
    ),
    "units_without_neighbours": (
        "Layer units without neighbours",
        "Units with no neighbour under the weights, left out of Moran's I and LISA "
        '(islands = "drop"); they stay in the entropy, Gini and Theil tables.',
    ),
    "match_report": (
        "Match report",
        "How each distinct unit name or code of the data table was matched to the layer.",
    ),
}
LONG_TABLES = {
    "spatial_markov",
    "directional_lisa",
    "model_unit_effect",
    "entropy_units",
    "location_quotient",
    "lisa",
    "match_report",
    "entropy_regions",
    "units_without_data",
}

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.banner { background: #fff3cd; border: 1px solid #e0b84c; padding: .7em 1em; font-weight: 600; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
pre { background: #f7f7f7; padding: 1em; overflow: auto; }
.note { color: #555; font-size: .9em; } .wide { overflow-x: auto; }
"""


def write_report(results, path):
    """Write ``report.html`` for a finished run and return its path."""
    config = results.config
    title = config.top.title + (" (illustrative data)" if config.illustrative else "")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if config.illustrative:
        parts.append(
            "<p class='banner'>Illustrative data: the numbers in this report were generated "
            "by a seeded script to demonstrate the method. They are not official statistics.</p>"
        )
    parts.append(_summary(config, results))
    notes = results.skipped + results.notes
    if notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        parts.append(f"<h2>Notes from the run</h2><ul>{items}</ul>")
    for name, (heading, text) in SECTIONS.items():
        if name in results.tables and name not in LONG_TABLES:
            rule = results.rules.get(name)
            text = f"{text} Rule: {rule}" if rule else text
            parts.append(_table_section(heading, text.strip(), results.tables[name]))
    parts.append(_map_section(results))
    parts.append("<h2>Figures</h2>")
    for name, (png, _svg) in results.figures.items():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        parts.append(
            f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(name)} (figures/{html.escape(png.name)}, "
            f"and .svg)</figcaption></figure>"
        )
    for name, (heading, text) in SECTIONS.items():
        if name in results.tables and name in LONG_TABLES:
            parts.append(_table_section(heading, text, results.tables[name], collapsed=True))
    parts.append(_provenance(config))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _map_section(results):
    """The interactive map (:mod:`geoagglom.study.interactive`), embedded as a srcdoc frame."""
    from geoagglom.study.interactive import map_html

    page = html.escape(map_html(results), quote=True)
    return (
        "<h2>Interactive map</h2><p class='note'>Hover a unit for its values; the slider "
        "changes the year (also saved as <code>map.html</code> when the run writes it).</p>"
        f"<iframe title='interactive map' srcdoc=\"{page}\" "
        "style='width:100%;height:820px;border:1px solid #ddd'></iframe>"
    )


def _summary(config, results):
    entropy = results.tables["entropy_units"]
    years = sorted(entropy["year"].unique())
    bounds, m = config.boundaries, config.measures
    boundary = bounds.file.name if bounds.file else f"bundled layer {bounds.layer}"
    data = getattr(config.data.file, "name", "a table given in Python")
    if config.data.points is not None:
        source = getattr(config.data.points, "name", "a table given in Python")
        data = f"points of {source}, counted per unit and year"
    group = config.grouping
    regions = (
        group.name
        or getattr(group.file, "name", None)
        or ("a table given in Python" if group.file is not None else "none")
    )
    rows = [
        ("Units", f"{entropy['unit'].nunique()} ({boundary})"),
        ("Years", f"{years[0]}–{years[-1]}"),
        ("Data", html.escape(str(data))),
        ("Quantity", html.escape(" + ".join(config.quantity))),
        ("Regions", html.escape(str(regions))),
        ("Weights", _weights_text(m)),
        ("Permutations / seed", f"{m.permutations} / {m.seed} (one stream per statistic "
         "and year)"),
    ]  # fmt: skip
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        "<h2>Study</h2><table>" + cells + "</table>"
        "<p class='note'>Financial entropy β = (D<sub>i</sub>/S<sub>i</sub>)/(D/S): a unit's "
        "balance per km² of land over the whole study area's. Land areas are geodesic, from "
        "the boundary geometries.</p>"
    )


def _table_section(heading, text, frame, collapsed=False):
    if frame.empty:
        body = f"<p class='note'>{html.escape(text)}</p>" if text else ""
        return f"<h2>{html.escape(heading)}</h2>{body}<p>none</p>"
    table = frame.to_html(
        index=False, float_format=lambda v: f"{v:.6g}", na_rep="", border=0, escape=True
    )
    table = f"<div class='wide'>{table}</div>"  # wide tables scroll, not overflow
    body = f"<p class='note'>{html.escape(text)}</p>" if text else ""
    if collapsed:
        body += f"<details><summary>{len(frame)} rows</summary>{table}</details>"
    else:
        body += table
    return f"<h2>{html.escape(heading)}</h2>{body}"


def _weights_text(m):
    kind = {
        "queen": "queen contiguity",
        "rook": "rook contiguity",
        "knn": f"{m.k} nearest neighbours",
        "distance": f"distance band {m.threshold_km:g} km" if m.threshold_km else "distance",
    }[m.weights]
    form = "row-standardised" if m.transform == "r" else "binary"
    return f"{kind}, {form}; islands: {m.islands}"


def _provenance(config):
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = config.text or "(study built in Python; no TOML)"
    return (
        "<h2>Parameters and versions</h2>"
        f"<p class='note'>Run on {stamp}. Rerun with <code>geoagglom run study.toml</code> "
        "(the study file is copied into this folder).</p>"
        f"<pre>{html.escape(text)}</pre>"
        f"<pre>{html.escape(json.dumps(versions(), indent=2))}</pre>"
    )
