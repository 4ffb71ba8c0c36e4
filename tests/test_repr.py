"""Notebook display: ``_repr_html_`` of the result objects and of StudyResults."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import geoagglom
from geoagglom._repr import FrameReprMixin, frame_html
from geoagglom.study.results import StudyResults


class _Cells(HTMLParser):
    """The rows of cell texts of the first table, read with the standard HTML parser."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _cells(html_text):
    parser = _Cells()
    parser.feed(html_text)
    return parser.rows


def test_frame_html_short_frame_round_trips():
    frame = pd.DataFrame({"statistic": ["I"], "value": [0.25], "p": [0.01]})
    header, row = _cells(frame_html(frame))
    assert header == frame.columns.tolist()
    assert row == ["I", "0.25", "0.01"]


def test_frame_html_long_frame_is_cut_to_head_and_tail():
    frame = pd.DataFrame({"a": np.arange(100)})
    text = frame_html(frame, max_rows=10)
    assert "100 rows × 1 columns" in text
    assert ">0<" in text and ">99<" in text and ">50<" not in text


def _panel(y):
    """Five years of values growing from ``y`` (units x years)."""
    return np.cumsum(np.column_stack([y * (1 + 0.1 * t) for t in range(5)]), axis=1)


@pytest.mark.parametrize(
    "build",
    [
        lambda y, w: geoagglom.moran(y, w, permutations=9, seed=1),
        lambda y, w: geoagglom.local_moran(y, w, permutations=9, seed=1),
        lambda y, w: geoagglom.geary(y, w, permutations=9, seed=1),
        lambda y, w: geoagglom.theil(y),
        lambda y, w: geoagglom.gini(y),
        lambda y, w: geoagglom.generalized_entropy(y, alpha=2),
        lambda y, w: geoagglom.atkinson(y, epsilon=0.5),
        lambda y, w: geoagglom.spatial_gini(y, w, permutations=9, seed=1),
        lambda y, w: geoagglom.moran_exact(y, w),
        lambda y, w: geoagglom.bootstrap(geoagglom.theil, y, replicates=19, seed=1),
        lambda y, w: geoagglom.spatial_markov(_panel(y), w, k=3, m=3),
        lambda y, w: geoagglom.lisa_markov(_panel(y), w, permutations=9, seed=1),
        lambda y, w: geoagglom.directional_lisa(_panel(y), w, k=4, permutations=9, seed=1),
    ],
)
def test_result_objects_show_their_frame(build):
    from libpysal.graph import Graph

    rng = np.random.default_rng(0)
    coords = rng.uniform(size=(20, 2))
    w = Graph.build_knn(coords, k=3).transform("r")
    result = build(rng.lognormal(size=20), w)
    assert isinstance(result, FrameReprMixin)
    text = result._repr_html_()
    frame = result.to_frame()
    rows = _cells(text)
    # the header names every column of to_frame(); short frames show every row
    assert [c for c in rows[0] if c] == [str(c) for c in frame.columns]
    body_rows = text.split("<tbody>")[1].count("<tr")
    # short frames show every row; long ones 6 head rows, a "..." row and 6 tail rows
    assert body_rows == (len(frame) if len(frame) <= 12 else 13)
    assert html.escape(repr(result)) in text


def test_study_results_summary_links_figures(tmp_path):
    png, svg = tmp_path / "a.png", tmp_path / "a.svg"
    png.write_bytes(b""), svg.write_bytes(b"")
    results = StudyResults(
        out_dir=tmp_path,
        tables={"table_I": pd.DataFrame({"year": [2004, 2005]})},
        figures={"entropy_map": (png, svg)},
        report=tmp_path / "report.html",
        years=[2004, 2005],
        notes=["island <attached>"],
    )
    text = results._repr_html_()
    assert png.as_uri() in text and svg.as_uri() in text
    assert "table_I (2)" in text and "2004–2005" in text
    assert "island &lt;attached&gt;" in text
