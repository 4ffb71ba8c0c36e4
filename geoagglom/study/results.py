"""What a study run produced: tables, figures, the report and the notes of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class StudyResults:
    """What :meth:`Study.run` produced.

    Attributes
    ----------
    out_dir : pathlib.Path
        The output folder.
    tables : dict of str to pandas.DataFrame
        Every table, also written as ``tables/<name>.csv``.
    figures : dict of str to tuple of pathlib.Path
        Every figure's PNG and SVG paths (in ``figures/``).
    report : pathlib.Path
        ``report.html``.
    notes : list of str
        Warnings raised during the run (islands attached, components, repaired
        geometries, dropped rows), also shown in the report.
    """

    out_dir: Path
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    report: Path | None = None
    notes: list = field(default_factory=list)

    def moved_to(self, old, new):
        """The same results with paths under ``old`` rewritten to ``new``."""

        def move(path):
            return Path(new) / Path(path).relative_to(old)

        self.out_dir = Path(new)
        self.figures = {k: tuple(move(p) for p in v) for k, v in self.figures.items()}
        self.report = move(self.report) if self.report else None
        return self
