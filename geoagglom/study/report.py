"""A self-contained HTML report of a study run: tables, embedded figures, provenance."""

from __future__ import annotations

import base64
import html
import json
from datetime import UTC, datetime

from geoagglom.study.i18n import REPORT, model_sentences, text, translate_table
from geoagglom.study.indices import (
    index_label,
    table_one_indices,
    table_two_indices,
    table_two_name,
    weighting_text,
)
from geoagglom.study.provenance import versions
from geoagglom.study.vocabulary import variable_label

#: The tables, in the order the report shows them; each one's heading and explanation
#: are ``section.<name>`` and ``about.<name>`` in :data:`geoagglom.study.i18n.REPORT`.
SECTIONS = (
    "table_I",
    "table_II",  # one section per decomposed index: see _sections
    "moran_trend",
    "spillover_siphoning",
    "lisa_transitions",
    "bivariate_moran",
    "inequality_change",
    "spatial_markov_tests",
    "lisa_markov",
    "spillover_verdict",
    "model_coefficients",
    "model_diagnostics",
    "model_impacts",
    "model_reading",
    "model_unit_effect_summary",
    "entropy_regions",
    "entropy_units",
    "location_quotient",
    "lisa",
    "spatial_markov",
    "directional_lisa",
    "model_unit_effect",
    "units_without_data",
    "units_without_neighbours",
    "match_report",
)
#: Long tables with more rows than this are not embedded; the report names their CSV.
MAX_EMBEDDED_ROWS = 5_000
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
    """Write ``report.html`` for a finished run and return its path.

    Its text and the tables' headings are in ``[maps] lang`` (English or
    Chinese), every string from :mod:`geoagglom.study.i18n`.
    """
    config = results.config
    lang = config.maps.lang

    def t(key, **fields):
        return text(lang, key, **fields)

    def table(name):
        frame = results.tables[name]
        if lang == "zh" and "region" in frame.columns and config.grouping is not None:
            from geoagglom.study.figures import _region_names

            frame = _region_names(frame, config.grouping, lang)  # a bundled grouping's 中文名
        if lang == "zh" and name == "model_reading" and "sentence" in frame.columns:
            frame = frame.assign(sentence=model_sentences(frame, config.model.y, lang))
        return frame

    title = config.top.title + (t("illustrative_suffix") if config.illustrative else "")
    parts = [
        f"<!DOCTYPE html><html lang='{t('html_lang')}'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if config.illustrative:
        parts.append(f"<p class='banner'>{t('banner')}</p>")
    parts.append(_summary(config, results, t))
    notes = results.skipped + results.notes
    if notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        parts.append(f"<h2>{t('notes_heading')}</h2><ul>{items}</ul>")
    sections = _sections(results, t, lang)
    for name, (heading, about) in sections.items():
        if name in results.tables and name not in LONG_TABLES:
            rule = results.rules.get(name)
            if rule:
                rule = t(f"rule.{name}") if f"rule.{name}" in REPORT[lang] else rule
                about = f"{about} {t('rule', rule=rule)}" if about else t("rule", rule=rule)
            parts.append(_table_section(heading, about.strip(), table(name), lang))
    parts.append(_map_section(results, t))
    parts.append(f"<h2>{t('figures_heading')}</h2>")
    for name, (png, _svg) in results.figures.items():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = t("figure_caption", name=html.escape(name), file=html.escape(png.name))
        parts.append(
            f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{caption}</figcaption></figure>"
        )
    for name, (heading, about) in sections.items():
        if name in results.tables and name in LONG_TABLES:
            section = _table_section(heading, about, table(name), lang, collapsed=True, name=name)
            parts.append(section)
    parts.append(_provenance(config, t))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _sections(results, t, lang):
    """Each table's heading and explanation, in the report's order.

    Table I says how each index is weighted and how its intervals were drawn; Table II
    is one section per decomposed index (``[measures] indices``), in the order chosen.
    """
    config = results.config
    m = config.measures
    weights = m.inequality_weights
    named = _variable_name(config, lang)
    out = {}
    for name in SECTIONS:
        if name == "table_II":
            out.update(_decompositions(m, t, lang))
            continue
        heading, about = t(f"section.{name}"), t(f"about.{name}")
        if named is not None and f"of.{name}" in REPORT[lang]:
            # the tables of the analysed variable name it (Tables I and II: the entropy)
            heading = t(f"of.{name}", name=named)
            if f"about_of.{name}" in REPORT[lang]:
                about = t(f"about_of.{name}", name=named)
        if name == "table_I":
            said = "; ".join(
                f"{index_label(c, lang)} ({c.column}): {weighting_text(weights, c, lang)}"
                for c in table_one_indices(m)
            )
            about += " " + t("table_I_weights", said=said)
            if m.bootstrap:
                about += " " + t("table_I_intervals", ci=m.ci, replicates=m.bootstrap)
        out[name] = (heading, about)
    return out


def _variable_name(config, lang):
    """The analysed variable's name, or None for the default (financial entropy, no label)."""
    data = config.data
    if data.variable == "entropy" and data.label is None:
        return None
    return variable_label(data.variable, config.quantity, lang, data.label)


def _decompositions(measures, t, lang):
    """Table II's sections: one per decomposed index, with its weighting in the heading."""
    out = {}
    for choice in table_two_indices(measures):
        table = table_two_name(choice)
        fields = {
            "index": index_label(choice, lang),
            "weighting": weighting_text(measures.inequality_weights, choice, lang),
        }
        key = "table_II_main" if table == "table_II" else "table_II_other"
        body = t("about.table_II_gini" if choice.family == "gini" else "about.table_II")
        if measures.bootstrap:
            body += " " + t("table_II_intervals")
        out[table] = (t(key, **fields), body)
    return out


def _map_section(results, t):
    """The interactive map (:mod:`geoagglom.study.interactive`), embedded as a srcdoc frame."""
    from geoagglom.study.interactive import map_html

    # the map.html the run wrote, not a second rendering of it (seconds on thousands of units)
    written = results.map
    page = written.read_text(encoding="utf-8") if written is not None else map_html(results)
    page = html.escape(page, quote=True)
    return (
        f"<h2>{t('map_heading')}</h2><p class='note'>{t('map_note')}</p>"
        f"<iframe title='{t('map_frame')}' srcdoc=\"{page}\" "
        "style='width:100%;height:820px;border:1px solid #ddd'></iframe>"
    )


def _summary(config, results, t):
    entropy = results.tables["entropy_units"]
    years = sorted(entropy["year"].unique())
    bounds, m = config.boundaries, config.measures
    boundary = bounds.file.name if bounds.file else t("bundled_layer", layer=bounds.layer)
    data = getattr(config.data.file, "name", t("python_table"))
    if config.data.points is not None:
        source = getattr(config.data.points, "name", t("python_table"))
        data = t("points_data", source=source)
    group = config.grouping
    regions = (
        group.name
        or getattr(group.file, "name", None)
        or (t("python_table") if group.file is not None else t("no_regions"))
    )
    rows = [
        (t("row_units"), f"{entropy['unit'].nunique()} ({boundary})"),
        (t("row_years"), f"{years[0]}–{years[-1]}"),
        (t("row_data"), html.escape(str(data))),
        (t("row_quantity"), html.escape(" + ".join(config.quantity))),
        *_variable_row(config, t),
        (t("row_regions"), html.escape(str(regions))),
        (t("row_weights"), _weights_text(m, t)),
        (t("row_permutations"), t("permutations_seed", permutations=m.permutations,
                                  seed=m.seed)),
    ]  # fmt: skip
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f"<h2>{t('study_heading')}</h2><table>" + cells + "</table>"
        f"<p class='note'>{t('entropy_note')}</p>"
    )


def _variable_row(config, t):
    """The summary's row naming the analysed variable, when it is not the default."""
    lang = config.maps.lang
    name = _variable_name(config, lang)
    if name is None:
        return []
    what = t(f"what.{config.data.variable}", population=config.data.population)
    return [(t("row_variable"), html.escape(t("variable_row", name=name, what=what)))]


def _table_section(heading, about, frame, lang, collapsed=False, name=None):
    if frame.empty:
        body = f"<p class='note'>{html.escape(about)}</p>" if about else ""
        return f"<h2>{html.escape(heading)}</h2>{body}<p>{text(lang, 'none')}</p>"
    if collapsed and len(frame) > MAX_EMBEDDED_ROWS:
        # a national study's unit-by-year tables: tens of MB of HTML; the CSV has them
        body = f"<p class='note'>{html.escape(about)}</p>" if about else ""
        where = text(lang, "rows_in_csv", n=len(frame), file=f"tables/{name}.csv")
        return f"<h2>{html.escape(heading)}</h2>{body}<p>{html.escape(where)}</p>"
    table = translate_table(lang, frame).to_html(
        index=False, float_format=lambda v: f"{v:.6g}", na_rep="", border=0, escape=True
    )
    table = f"<div class='wide'>{table}</div>"  # wide tables scroll, not overflow
    body = f"<p class='note'>{html.escape(about)}</p>" if about else ""
    if collapsed:
        body += f"<details><summary>{text(lang, 'rows', n=len(frame))}</summary>{table}</details>"
    else:
        body += table
    return f"<h2>{html.escape(heading)}</h2>{body}"


def _weights_text(m, t):
    kind = {
        "queen": lambda: t("weights_queen"),
        "rook": lambda: t("weights_rook"),
        "knn": lambda: t("weights_knn", k=m.k),
        "distance": lambda: (
            t("weights_band", km=m.threshold_km) if m.threshold_km else t("weights_distance")
        ),
    }[m.weights]()
    form = t("row_standardised") if m.transform == "r" else t("binary")
    return t("weights_text", kind=kind, form=form, islands=m.islands)


def _provenance(config, t):
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    toml = config.text or t("no_toml")
    return (
        f"<h2>{t('provenance_heading')}</h2>"
        f"<p class='note'>{t('provenance_note', stamp=stamp)}</p>"
        f"<pre>{html.escape(toml)}</pre>"
        f"<pre>{html.escape(json.dumps(versions(), indent=2))}</pre>"
    )
