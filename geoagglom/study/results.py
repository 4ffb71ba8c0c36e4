"""What a study run produced: tables, figures, the report and the notes of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class StudyResults:
    """What :meth:`geoagglom.Study.run` produced.

    Every table is computed once and read by every figure and report section.

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
    notes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    units: object = None
    regions: object = None
    values: object = None
    years: list = field(default_factory=list)
    names: list = field(default_factory=list)
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
        return self
