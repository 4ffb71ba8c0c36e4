"""The study's exact/saddlepoint Moran p-values per year reuse one eigen-decomposition:
the same numbers as moran_exact called year by year."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geoagglom
from geoagglom.spatial.exact import moran_exact, moran_inference
from geoagglom.study.run import moran_exact_years


def _grid(side):
    r, c = np.divmod(np.arange(side * side), side)
    return gpd.GeoDataFrame(geometry=shapely.box(c, r, c + 1, r + 1), crs=3857)


@pytest.mark.parametrize(
    "layer, method",
    [
        (lambda: geoagglom.load_layer("shandong-2004-2016"), "exact"),
        (lambda: _grid(32), "saddlepoint"),
    ],
    ids=["17 cities, exact", "1024 cells, saddlepoint"],
)
def test_same_p_values_as_moran_exact_year_by_year(layer, method):
    units = layer()
    assert moran_inference(len(units)) == method
    w = geoagglom.spatial_weights(units, "queen", transform="r")
    rng = np.random.default_rng(5)
    smooth = np.asarray(w.lag(rng.normal(size=len(units))))
    ys = [rng.normal(size=len(units)) + k * smooth for k in (0.0, 1.0, 3.0)]
    ours = moran_exact_years(ys, w, method)
    reference = [moran_exact(y, w, method=method, alternative="two-sided").p_value for y in ys]
    assert ours == reference  # the same arithmetic: the same numbers
    assert len(set(ours)) == 3  # three different years


def test_eigenvalues_from_any_values_give_the_same_p_values():
    """The study computes the eigenvalues in a thread from placeholder values (they
    depend on the weights only) while the permutations run."""
    units = _grid(12)
    w = geoagglom.spatial_weights(units, "queen", transform="r")
    rng = np.random.default_rng(9)
    ys = [rng.normal(size=len(units)) for _ in range(2)]
    gamma = moran_exact(np.arange(len(units), dtype=float), w, method="exact").gamma
    assert moran_exact_years(ys, w, "exact", gamma) == moran_exact_years(ys, w, "exact")


def test_study_p_values_equal_moran_exact_year_by_year(tmp_path):
    from study_files import BASE, write_study

    results = geoagglom.Study.from_toml(write_study(tmp_path, BASE)).run(tmp_path / "out")
    trend = results.tables["moran_trend"]
    entropy = results.tables["entropy_units"]
    w = results.spatial.weights
    for year, p in zip(trend["year"], trend["p_exact"], strict=True):
        y = entropy[entropy["year"] == year].set_index("unit")["beta"].reindex(w.unique_ids)
        assert p == moran_exact(y, w, method="exact", alternative="two-sided").p_value
