"""An offline interactive map of a study run: one self-contained ``map.html``.

The units are drawn as inline SVG paths (simplified as a coverage, projected to a
Lambert azimuthal equal-area plane centred on the study area), coloured by a measure
of the ``entropy_units`` table (financial entropy β by default) with one set of
classes shared by every year, and a year slider. Hovering a unit shows its name,
id, region and that year's values (the measure, LISA class, p-values). The LISA
classes are a second layer switched on by a radio button; the regions' outlines a
third, switched by a checkbox. Nothing is fetched when the page is viewed: no
CDN, no tile server, the data and a small vanilla JavaScript are in the file.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoagglom.plot.style import LISA_COLORS
from geoagglom.study.i18n import map_text, text
from geoagglom.study.vocabulary import LABELS_ZH, LISA_LEGEND, variable_label

#: A sequential palette (ColorBrewer YlOrRd), light to dark, for up to 7 classes.
PALETTE = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
NO_DATA = "#ffffff"
_WIDTH = 800.0  # SVG user units across the map

_CSS = """
.gm { font-family: system-ui, sans-serif; color: #222; margin: .5em; }
.gm h1 { font-size: 1.2em; margin: .3em 0; }
.gm .banner { background: #fff3cd; border: 1px solid #e0b84c; padding: .4em .8em;
  font-weight: 600; margin: .3em 0; }
.gm .controls { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: center;
  margin: .4em 0; font-size: .9em; }
.gm svg { width: 100%; max-width: 900px; height: auto; display: block;
  border: 1px solid #eee; background: #fafafa; }
.gm path.unit { fill-rule: evenodd; stroke: #555; stroke-width: .6;
  vector-effect: non-scaling-stroke; }
.gm path.unit:hover, .gm path.unit.active { stroke: #000; stroke-width: 2; }
.gm path.region { fill: none; stroke: #111; stroke-width: 2.2; pointer-events: none;
  vector-effect: non-scaling-stroke; }
.gm #gm-tip { position: fixed; pointer-events: none; background: rgba(255,255,255,.96);
  border: 1px solid #888; padding: .35em .6em; font-size: .85em; display: none;
  box-shadow: 0 1px 4px rgba(0,0,0,.25); z-index: 10; }
.gm #gm-tip table { border-collapse: collapse; }
.gm #gm-tip th { text-align: left; padding-right: .7em; font-weight: 600; }
.gm .legend { display: flex; flex-wrap: wrap; gap: .2em 1em; font-size: .85em;
  margin: .4em 0; }
.gm .legend span.sw { display: inline-block; width: 1em; height: 1em;
  border: 1px solid #777; vertical-align: middle; margin-right: .3em; }
.gm .note { color: #555; font-size: .8em; }
"""

# The page's behaviour: colour by year and layer, the tooltip, the legend.
_JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("gm-data").textContent);
  var paths = document.querySelectorAll("path.unit");
  var slider = document.getElementById("gm-year");
  var yearLabel = document.getElementById("gm-year-label");
  var tip = document.getElementById("gm-tip");
  var legend = document.getElementById("gm-legend");
  var regions = document.getElementById("gm-regions");
  var regionBox = document.getElementById("gm-show-regions");
  function layer() {
    return document.querySelector("input[name=gm-layer]:checked").value;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined) { return "–"; }
    return Number(v).toPrecision(digits || 4);
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function fill(u, y) {
    var unit = D.units[u];
    if (layer() === "lisa") {
      var c = unit.lisa ? unit.lisa[y] : null;
      return c ? D.lisa_colors[c] : D.no_data;
    }
    var k = unit.cls[y];
    return k === null ? D.no_data : D.palette[k];
  }
  function drawLegend() {
    var items = [];
    if (layer() === "lisa") {
      D.lisa_order.forEach(function (c) {
        items.push([D.lisa_colors[c], D.lisa_names[c]]);
      });
    } else {
      for (var k = 0; k < D.palette.length; k++) {
        items.push([D.palette[k], fmt(D.breaks[k], 3) + " – " + fmt(D.breaks[k + 1], 3)]);
      }
    }
    items.push([D.no_data, D.words.no_data]);
    var note = document.getElementById("gm-classes");
    if (note) { note.style.display = layer() === "lisa" ? "none" : ""; }
    legend.innerHTML = items.map(function (it) {
      return '<span><span class="sw" style="background:' + it[0] + '"></span>' +
        esc(it[1]) + "</span>";
    }).join("");
  }
  function update() {
    var y = Number(slider.value);
    yearLabel.textContent = D.years[y];
    paths.forEach(function (p) { p.setAttribute("fill", fill(p.dataset.unit, y)); });
    drawLegend();
  }
  function show(evt) {
    var u = evt.currentTarget.dataset.unit;
    var unit = D.units[u];
    var y = Number(slider.value);
    var W = D.words;
    var rows = [[W.unit, unit.name ? unit.name + " (" + u + ")" : u]];
    if (unit.region) { rows.push([W.region, unit.region]); }
    rows.push([W.year, D.years[y]]);
    rows.push([D.measure_label, fmt(unit.values[y])]);
    if (unit.lisa) {
      rows.push(["LISA", unit.lisa[y] === null ? "–" :
        unit.lisa[y] + " (" + (unit.label[y] || D.lisa_names[unit.lisa[y]]) + ")"]);
      rows.push([W.p_value, fmt(unit.p[y], 3)]);
      if (unit.p_adj) { rows.push([W.p_adjusted, fmt(unit.p_adj[y], 3)]); }
    }
    tip.innerHTML = "<table>" + rows.map(function (r) {
      return "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>";
    }).join("") + "</table>";
    tip.style.display = "block";
    move(evt);
  }
  function move(evt) {
    if (evt.clientX === undefined) { return; }
    var x = evt.clientX + 14, y = evt.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth) { x = evt.clientX - w - 10; }
    if (y + h > window.innerHeight) { y = evt.clientY - h - 10; }
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  }
  function hide() { tip.style.display = "none"; }
  paths.forEach(function (p) {
    p.addEventListener("mouseenter", show);
    p.addEventListener("mousemove", move);
    p.addEventListener("mouseleave", hide);
    p.addEventListener("focus", show);
    p.addEventListener("blur", hide);
  });
  slider.addEventListener("input", update);
  document.querySelectorAll("input[name=gm-layer]").forEach(function (r) {
    r.addEventListener("change", update);
  });
  if (regionBox && regions) {
    regionBox.addEventListener("change", function () {
      regions.style.display = regionBox.checked ? "" : "none";
    });
  }
  update();
})();
"""


def _measure_label(results, measure, lang):
    """The legend's name of ``measure``: ``[data] label``, the variable's name, or the column."""
    config = getattr(results, "config", None)
    data = getattr(config, "data", None)
    if data is not None and measure == getattr(results, "column", None):
        if measure == "beta" and data.label is None:
            return "entropy β"
        return variable_label(data.variable, config.quantity, lang, data.label)
    return "entropy β" if measure == "beta" else measure


def map_html(
    results: Any, measure: str | None = None, *, k: int = 5, simplify: float | None = None
) -> str:
    """The interactive map of a study run as one self-contained HTML page.

    Parameters
    ----------
    results : geoagglom.StudyResults
        A finished run: ``results.units`` (GeoDataFrame indexed by unit id),
        ``results.tables["entropy_units"]`` (``year``, ``unit``, the name columns and
        the measure), optionally ``results.tables["lisa"]`` (``cluster``, ``label``,
        ``p_value``, ``p_adjusted``), ``results.regions`` and ``results.config``
        (its title; ``illustrative`` marks the page "illustrative data").
    measure : str, optional
        The column of ``entropy_units`` that colours the units (e.g. ``"density"``);
        default: the run's analysed variable (``results.column``, ``"beta"`` for the
        financial entropy).
    k : int, default 5
        Number of classes (quantiles of the measure over every unit and year, so one
        legend serves every year); at most 7.
    simplify : float, optional
        Simplification tolerance in display units (the map is 800 units wide);
        default 0.6, about one pixel on screen.

    Returns
    -------
    str
        The HTML page: SVG paths, the data as JSON and a small script, nothing
        loaded from elsewhere.

    Raises
    ------
    KeyError
        When ``entropy_units`` or the measure column is missing.
    """
    units = results.units
    entropy = results.tables["entropy_units"]
    if measure is None:
        measure = getattr(results, "column", "beta")
    if measure not in entropy.columns:
        raise KeyError(
            f"measure {measure!r} is not a column of entropy_units; its columns: "
            f"{', '.join(map(str, entropy.columns))}"
        )
    if not 2 <= k <= len(PALETTE):
        raise ValueError(f"k must be between 2 and {len(PALETTE)} (got {k})")
    config = getattr(results, "config", None)
    illustrative = bool(getattr(config, "illustrative", False))
    title = getattr(getattr(config, "top", None), "title", None) or "Financial agglomeration"
    lang = getattr(getattr(config, "maps", None), "lang", "en") or "en"
    lang = lang if lang in ("en", "zh") else "en"

    def words(key, **fields):
        return map_text(lang, key, **fields)

    names = list(getattr(results, "names", None) or [])
    names = [c for c in names if c in entropy.columns] or [
        c for c in entropy.columns if str(c).startswith("name")
    ]

    years = sorted(pd.unique(entropy["year"]))
    year_pos = {y: i for i, y in enumerate(years)}
    ids = [str(u) for u in units.index]
    unit_pos = {u: i for i, u in enumerate(ids)}
    projected, regions = _project(units, getattr(results, "regions", None))
    scale, offset, height = _frame(projected.total_bounds)
    tolerance = (0.6 if simplify is None else float(simplify)) / scale
    unit_paths = _paths(_simplify(projected.geometry.to_numpy(), tolerance), scale, offset)
    region_of = _region_of(units, regions)
    region_paths = (
        _paths(_simplify(regions.geometry.to_numpy(), tolerance), scale, offset)
        if regions is not None
        else []
    )

    n, t = len(ids), len(years)
    values = np.full((n, t), np.nan)
    rows = entropy.assign(_u=entropy["unit"].astype(str))
    rows = rows[rows["_u"].isin(unit_pos)]
    ui = rows["_u"].map(unit_pos).to_numpy()
    yi = rows["year"].map(year_pos).to_numpy()
    values[ui, yi] = rows[measure].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    breaks = _breaks(finite, k)
    classes = np.where(
        np.isfinite(values),
        np.clip(np.searchsorted(breaks[1:-1], values, side="left"), 0, len(breaks) - 2),
        -1,
    )
    first = rows.drop_duplicates("_u").set_index("_u").reindex(ids)
    name_parts = [first[c].astype(object).where(first[c].notna(), None) for c in names]
    labels = [
        " ".join(str(v) for v in parts if v is not None) for parts in zip(*name_parts, strict=True)
    ]
    if not names:
        labels = [""] * n

    lisa = results.tables.get("lisa") if hasattr(results, "tables") else None
    lisa_columns = {}
    with_lisa = np.zeros(n, dtype=bool)
    if lisa is not None and len(lisa):
        lrows = lisa.assign(_u=lisa["unit"].astype(str))
        lrows = lrows[lrows["_u"].isin(unit_pos) & lrows["year"].isin(year_pos)]
        li = lrows["_u"].map(unit_pos).to_numpy()
        lj = lrows["year"].map(year_pos).to_numpy()
        with_lisa[li] = True
        if lang == "zh" and "label" in lrows.columns:  # the classes' words in Chinese
            lrows["label"] = lrows["label"].map(lambda v: LABELS_ZH.get(v, v))
        for c in ("cluster", "label", "p_value", "p_adjusted"):
            if c in lrows.columns:
                grid = np.full((n, t), None, dtype=object)
                grid[li, lj] = [_jsonable(v) for v in lrows[c].tolist()]
                lisa_columns[c] = grid
    no_years = [None] * t

    data_units = {}
    for i, u in enumerate(ids):
        entry = {
            "name": labels[i],
            "region": region_of.get(u),
            "values": [_jsonable(v) for v in values[i]],
            "cls": [None if c < 0 else int(c) for c in classes[i]],
        }
        if with_lisa[i]:
            lisa_row = {c: grid[i].tolist() for c, grid in lisa_columns.items()}
            entry["lisa"] = lisa_row.get("cluster", no_years)
            entry["label"] = lisa_row.get("label", no_years)
            entry["p"] = lisa_row.get("p_value", no_years)
            if any(v is not None for v in lisa_row.get("p_adjusted", no_years)):
                entry["p_adj"] = lisa_row["p_adjusted"]
        data_units[u] = entry

    legend_names = LISA_LEGEND.get(lang, LISA_LEGEND["en"])
    payload: dict[str, Any] = {
        "years": [int(y) for y in years],
        "measure": measure,
        "measure_label": _measure_label(results, measure, lang),
        "palette": list(PALETTE[: len(breaks) - 1]),
        "breaks": [float(b) for b in breaks],
        "no_data": NO_DATA,
        "lisa_colors": dict(LISA_COLORS),
        "lisa_names": dict(legend_names),
        "lisa_order": ["HH", "HL", "LH", "LL", "ns"],
        "words": {
            key: words(key)
            for key in ("no_data", "unit", "region", "year", "p_value", "p_adjusted")
        },
        "units": data_units,
    }
    data_json = json.dumps(payload, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")

    svg = [
        f"<svg id='gm-map' viewBox='0 0 {_WIDTH:g} {height:.0f}' role='img' "
        f"aria-label='{html.escape(title)}' xmlns='http://www.w3.org/2000/svg'>",
        "<g id='gm-units'>",
    ]
    for u, d in zip(ids, unit_paths, strict=True):
        name = data_units[u]["name"] or u
        svg.append(
            f"<path class='unit' tabindex='0' data-unit='{html.escape(u)}' d='{d}' "
            f"fill='{NO_DATA}'><title>{html.escape(name)}</title></path>"
        )
    svg.append("</g>")
    if region_paths:
        svg.append("<g id='gm-regions'>")
        svg.extend(f"<path class='region' d='{d}'/>" for d in region_paths)
        svg.append("</g>")
    svg.append("</svg>")

    heading = title + (text(lang, "illustrative_suffix") if illustrative else "")
    banner = f"<p class='banner'>{words('banner')}</p>" if illustrative else ""
    region_control = (
        f"<label><input type='checkbox' id='gm-show-regions' checked> {words('regions')}</label>"
        if region_paths
        else ""
    )
    lisa_control = (
        f"<label><input type='radio' name='gm-layer' value='lisa'> {words('lisa')}</label>"
        if with_lisa.any()
        else ""
    )
    measure_label = html.escape(payload["measure_label"])
    classes = words("classes", k=len(breaks) - 1, measure=measure_label)
    return "\n".join(
        [
            f"<!DOCTYPE html><html lang='{text(lang, 'html_lang')}'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head>",
            "<body class='gm'>",
            f"<h1>{html.escape(heading)}</h1>",
            banner,
            "<div class='controls'>",
            f"<label>{words('year')} <input type='range' id='gm-year' min='0' max='{t - 1}' "
            f"step='1' value='{t - 1}'> <b id='gm-year-label'>{years[-1]}</b></label>",
            f"<label><input type='radio' name='gm-layer' value='measure' checked> "
            f"{measure_label}</label>",
            lisa_control,
            region_control,
            "</div>",
            "".join(svg),
            "<div class='legend' id='gm-legend'></div>",
            f"<p class='note'><span id='gm-classes'>{classes}</span> {words('note')}</p>",
            "<div id='gm-tip'></div>",
            f"<script type='application/json' id='gm-data'>{data_json}</script>",
            f"<script>{_JS}</script>",
            "</body></html>",
        ]
    )


def write_map(
    results: Any, path: str | os.PathLike[str], measure: str | None = None, **kwargs: Any
) -> Path:
    """Write :func:`map_html` of a run to ``path`` (``map.html``) and return the path.

    Parameters
    ----------
    results : geoagglom.StudyResults
        A finished run (see :func:`map_html`).
    path : str or pathlib.Path
        The HTML file to write.
    measure : str, optional
        The column of ``entropy_units`` that colours the units (default: the run's
        analysed variable).
    **kwargs
        Passed to :func:`map_html` (``k``, ``simplify``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.write_text(map_html(results, measure, **kwargs), encoding="utf-8")
    return path


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if pd.isna(value):
        return None
    return str(value)


def _breaks(values, k):
    """Quantile class bounds (k + 1 of them), duplicates removed."""
    if values.size == 0:
        return np.array([0.0, 1.0])
    edges = np.unique(np.quantile(values, np.linspace(0, 1, k + 1)))
    if edges.size < 2:
        edges = np.array([edges[0], edges[0]])
    return edges


def _project(units, regions):
    """Units (and regions) in a Lambert azimuthal equal-area plane at the study's centre."""
    if units.crs is None:  # plain coordinates: draw them as they are
        return units, regions
    if not units.crs.is_geographic:
        return units, (regions.to_crs(units.crs) if regions is not None else None)
    minx, miny, maxx, maxy = units.total_bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    crs = f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs"
    projected = units.to_crs(crs)
    return projected, (regions.to_crs(crs) if regions is not None else None)


def _frame(bounds):
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span_x = max(maxx - minx, 1e-12)
    span_y = max(maxy - miny, 1e-12)
    pad = 0.02
    scale = _WIDTH * (1 - 2 * pad) / span_x
    height = span_y * scale + 2 * pad * _WIDTH
    offset = (minx, maxy, pad * _WIDTH)
    return scale, offset, height


def _simplify(geoms, tolerance):
    """Coverage simplification (shared edges stay shared); plain simplify as a fallback."""
    try:
        out = shapely.coverage_simplify(geoms, tolerance)
    except Exception:  # not a valid coverage: simplify each geometry on its own
        out = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return out


def _paths(geoms, scale, offset):
    minx, maxy, pad = offset

    def ring(coords):
        xy = np.asarray(coords)[:, :2]
        x = (xy[:, 0] - minx) * scale + pad
        y = (maxy - xy[:, 1]) * scale + pad
        pts = [f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True)]
        # consecutive duplicates after rounding add bytes, not shape
        kept = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        return "M" + "L".join(kept) + "Z"

    out = []
    for geom in geoms:
        parts = []
        if geom is None or geom.is_empty:
            out.append("")
            continue
        polygons = getattr(geom, "geoms", [geom])
        for poly in polygons:
            if poly.geom_type != "Polygon":
                continue
            parts.append(ring(poly.exterior.coords))
            parts.extend(ring(r.coords) for r in poly.interiors)
        out.append("".join(parts))
    return out


def _region_of(units, regions):
    """Each unit's region: the region containing the unit's representative point."""
    if regions is None or len(regions) == 0:
        return {}
    points = units.geometry.representative_point()
    if regions.crs is not None and units.crs is not None and regions.crs != units.crs:
        regions = regions.to_crs(units.crs)
    tree = shapely.STRtree(regions.geometry.to_numpy())
    pairs = tree.query(points.to_numpy(), predicate="within")
    out = {}
    labels = [str(r) for r in regions.index]
    for p, r in zip(*pairs, strict=True):
        out.setdefault(str(units.index[p]), labels[r])
    return out
