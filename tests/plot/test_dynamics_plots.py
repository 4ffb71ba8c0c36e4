"""Figures of the dynamics: what is drawn equals the results' matrices and counts."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from libpysal.weights import lat2W

import geoagglom as ga
from geoagglom.errors import EmptyTransitionsWarning, InputError
from geoagglom.plot import rose_diagram, transition_heatmaps

NOTE = "Illustrative data"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(7)
    return rng.lognormal(size=(100, 6)).cumsum(axis=1), lat2W(10, 10)


def _texts(fig):
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_heatmaps_draw_every_matrix(panel):
    y, w = panel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyTransitionsWarning)
        sm = ga.spatial_markov(y, w, k=3, m=3)
    fig = transition_heatmaps(sm, note=NOTE)
    assert list(fig.geoagglom_matrices) == ["pooled", 0, 1, 2]
    np.testing.assert_array_equal(fig.geoagglom_matrices["pooled"], sm.p)
    for c in range(3):
        np.testing.assert_array_equal(fig.geoagglom_matrices[c], sm.P[c])
        image = fig.geoagglom_axes[c].get_images()[0]
        np.testing.assert_allclose(image.get_array(), np.nan_to_num(sm.P[c]))
    assert NOTE in _texts(fig)
    assert fig.geoagglom_empty == sm.empty_rows
    counts = transition_heatmaps(sm, probabilities=False)
    np.testing.assert_array_equal(counts.geoagglom_matrices[1], sm.T[1])
    assert str(int(sm.T[1][0, 0])) in _texts(counts)


def test_heatmaps_hatch_empty_rows():
    y = np.tile(np.arange(16, dtype=float)[:, None] + 1, (1, 4))
    y[:, 1] = y[:, 1][::-1]
    with pytest.warns(EmptyTransitionsWarning):
        sm = ga.spatial_markov(y, lat2W(4, 4), k=4, m=4)
    fig = transition_heatmaps(sm, lang="en")
    assert fig.geoagglom_empty == sm.empty_rows and sm.empty_rows
    assert "no moves" in _texts(fig)


def test_rose_draws_counts_expected_and_significance(panel):
    y, w = panel
    rose = ga.directional_lisa(y, w, permutations=99, seed=3)
    fig = rose_diagram(rose, note=NOTE)
    np.testing.assert_array_equal(fig.geoagglom_counts, rose.counts)
    heights = [b.get_height() for b in fig.geoagglom_bars]
    np.testing.assert_array_equal(heights, rose.counts)
    np.testing.assert_array_equal(fig.geoagglom_expected, rose.expected_perm)
    np.testing.assert_array_equal(fig.geoagglom_significant, rose.p <= 0.05)
    assert NOTE in _texts(fig)
    assert "unit ↑ neighbours ↓" in _texts(fig)
    bare = ga.directional_lisa(y, w, permutations=0)
    fig2 = rose_diagram(bare)
    assert not fig2.geoagglom_significant.any()


def test_rose_needs_polar_axes_and_a_rose(panel):
    y, w = panel
    rose = ga.directional_lisa(y, w, permutations=0)
    _, ax = plt.subplots()
    with pytest.raises(InputError, match="polar"):
        rose_diagram(rose, ax=ax)
    with pytest.raises(InputError, match="needs a result"):
        rose_diagram(object())
    with pytest.raises(InputError, match="needs a result"):
        transition_heatmaps(rose)


def test_chinese_labels_or_warning(panel):
    y, w = panel
    rose = ga.directional_lisa(y, w, permutations=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.plot.MissingCJKFontWarning)
        fig = rose_diagram(rose, lang="zh")
    texts = _texts(fig)
    assert "本单元↑ 邻域↓" in texts or "unit ↑ neighbours ↓" in texts
