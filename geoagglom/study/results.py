"""What a study run produced: tables, figures, the report and the notes of the run."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class StudyResults:
    """What :meth:`geoagglom.Study.run` produced.

    Every table is computed once and read by every figure and report section.

    Parameters
    ----------
    out_dir, config, tables, figures, report, map, notes, skipped :
        The attributes below; the run fills them.
    units, regions, values, years, names, column, budget, spatial, dynamics, models, rules, layers :
        The attributes below.

    Attributes
    ----------
    out_dir : pathlib.Path
        The output folder.
    config : geoagglom.study.config.StudyConfig
        The validated study description the run followed.
    tables : dict of str to pandas.DataFrame
        Every table, also written as ``tables/<name>.csv``.
    figures : dict of str to tuple of pathlib.Path
        Every figure's PNG and SVG paths (in ``figures/``).
    report : pathlib.Path
        ``report.html``.
    map : pathlib.Path or None
        ``map.html``, the offline interactive map
        (:func:`geoagglom.study.interactive.write_map`), when the run wrote it.
    notes : list of str
        Warnings raised during the run (islands attached, components, repaired
        geometries, dropped rows), also shown in the report.
    skipped : list of str
        Steps that were skipped, with the reason (also in the report).
    units, regions : geopandas.GeoDataFrame
        The units studied and the regions dissolved from them (None without a
        grouping).
    values : pandas.DataFrame
        The matched long table (``unit``, ``year``, the quantities, ``quantity``).
    years : list of int
    names : list of str
        The units' name columns shown next to their ids.
    column : str
        The column of ``tables["entropy_units"]`` that Moran, LISA, the dynamics and
        the maps analyse (``[data] variable``: ``beta``, ``density``, ``quantity`` or
        ``per_capita``).
    budget : geoagglom.study.budget.Budget or None
        The estimated time and memory of the permutation tests.
    spatial : geoagglom.SpilloverCheck or None
        Moran trend and LISA classes (None when skipped).
    dynamics : dict
        ``markov``, ``lisa_markov``, ``rose`` results (empty when not computed).
    models : dict
        ``fit`` (the spatial model), ``year``, ``centre``, ``unit_effect``.
    rules : dict
        Table name → the rule its plain-language labels follow (shown in the report).
    layers : list of str
        The layers of ``results.gpkg`` (tables with their unit or region geometry).
    """

    out_dir: Path
    config: object = None
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    report: Path | None = None
    map: Path | None = None
    notes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    units: object = None
    regions: object = None
    values: object = None
    years: list = field(default_factory=list)
    names: list = field(default_factory=list)
    column: str = "beta"
    budget: object = None
    spatial: object = None
    dynamics: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)
    layers: list = field(default_factory=list)

    def moved_to(self, old, new):
        """The same results with paths under ``old`` rewritten to ``new``."""

        def move(path):
            return Path(new) / Path(path).relative_to(old)

        self.out_dir = Path(new)
        self.figures = {k: tuple(move(p) for p in v) for k, v in self.figures.items()}
        self.report = move(self.report) if self.report else None
        self.map = move(self.map) if self.map else None
        return self

    def _repr_html_(self):
        """Notebook summary: the study, its tables (sizes) and links to its outputs."""
        config = self.config
        title = getattr(getattr(config, "top", None), "title", None) or "Study results"
        illustrative = bool(getattr(config, "illustrative", False))
        esc = html.escape
        rows = [("Output folder", esc(str(self.out_dir)))]
        if self.years:
            rows.append(("Years", f"{self.years[0]}–{self.years[-1]} ({len(self.years)})"))
        if self.units is not None:
            rows.append(("Units", str(len(self.units))))
        if self.regions is not None:
            rows.append(("Regions", str(len(self.regions))))
        for label, path in (("Report", self.report), ("Interactive map", self.map)):
            if path:
                rows.append((label, _link(path)))
        tables = ", ".join(
            f"{esc(name)} ({len(frame)})" for name, frame in sorted(self.tables.items())
        )
        rows.append(("Tables (rows)", tables or "none"))
        figures = " · ".join(
            f"{esc(name)}: {_link(png, 'PNG')} {_link(svg, 'SVG')}"
            for name, (png, svg) in self.figures.items()
        )
        rows.append(("Figures", figures or "none"))
        if self.notes or self.skipped:
            items = "".join(f"<li>{esc(str(n))}</li>" for n in [*self.skipped, *self.notes])
            rows.append(("Notes", f"<ul style='margin:0'>{items}</ul>"))
        cells = "".join(
            f"<tr><th style='text-align:left;vertical-align:top'>{k}</th>"
            f"<td style='text-align:left'>{v}</td></tr>"
            for k, v in rows
        )
        banner = " <b>(illustrative data)</b>" if illustrative else ""
        return (
            f"<div class='geoagglom-study'><p><b>{esc(title)}</b>{banner}</p>"
            f"<table>{cells}</table></div>"
        )


def _link(path, text=None):
    path = Path(path)
    uri = path.resolve().as_uri() if path.is_absolute() or path.exists() else str(path)
    return f"<a href='{html.escape(uri)}'>{html.escape(text or path.name)}</a>"
