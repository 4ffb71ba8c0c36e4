"""Map classes: mapclassify's cut-offs and class rule, to the last bit."""

import warnings

import mapclassify
import numpy as np
import pytest

from geoagglom.errors import InputError
from geoagglom.measures.classify import classify, quantile_cutoffs


def _mapclassify(values, scheme, k, bins):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        if scheme == "quantiles":
            return mapclassify.Quantiles(values, k=k)
        if scheme == "equal_interval":
            return mapclassify.EqualInterval(values, k=k)
        if scheme == "natural_breaks":
            return mapclassify.FisherJenks(values, k=k)
        return mapclassify.UserDefined(values, bins)


def _samples():
    rng = np.random.default_rng(7)
    yield rng.normal(size=11)
    yield rng.lognormal(size=48)
    yield rng.uniform(-1e6, 1e6, size=1001)
    yield np.round(rng.gamma(0.5, size=3888), 2)  # many ties
    yield rng.normal(size=2875) * 1e-9 + 0.42  # values close together


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
@pytest.mark.parametrize("k", [2, 3, 5, 7, 9])
def test_classes_equal_mapclassify(scheme, k):
    for values in _samples():
        if scheme == "natural_breaks" and len(values) > 1001:
            continue  # the pure-Python Fisher-Jenks is quadratic; the wrapper is the same
        ours = classify(values, scheme, k)
        ref = _mapclassify(values, scheme, k, None)
        assert np.array_equal(ours.bins, ref.bins)
        assert np.array_equal(ours.yb, ref.yb)
        assert np.array_equal(ours.counts, ref.counts)
        assert ours.counts.sum() == len(values)
        probe = np.concatenate([values[:50], [values.min() - 1, values.max() + 1], ref.bins])
        assert np.array_equal(ours.find_bin(probe), ref.find_bin(probe))


@pytest.mark.parametrize("bins", [[0.5, 1.0, 2.0], [0.5, 1.0, 100.0], [-5.0]])
def test_user_defined_equals_mapclassify(bins):
    values = np.random.default_rng(3).lognormal(size=500)
    ours = classify(values, "user_defined", bins=bins)
    ref = _mapclassify(values, "user_defined", None, bins)
    assert np.array_equal(ours.bins, ref.bins)
    assert np.array_equal(ours.yb, ref.yb)
    assert np.array_equal(ours.counts, ref.counts)


def test_every_value_is_within_its_class_bounds():
    values = np.random.default_rng(5).normal(size=999)
    for scheme in ("quantiles", "equal_interval"):
        c = classify(values, scheme, 6)
        lower = np.concatenate([[-np.inf], c.bins[:-1]])[c.yb]
        assert (values > lower).all() and (values <= c.bins[c.yb]).all()
        assert c.bins[-1] == values.max()


def test_quantile_cutoffs_split_the_sorted_values_evenly():
    values = np.arange(1.0, 101.0)
    assert quantile_cutoffs(values, 4).tolist() == [25.75, 50.5, 75.25]
    assert quantile_cutoffs(values[::-1].copy(), 2).tolist() == [50.5]


def test_bad_arguments_name_the_keyword():
    values = np.arange(10.0)
    with pytest.raises(InputError, match="scheme"):
        classify(values, "jenks")
    with pytest.raises(InputError, match="k=1"):
        classify(values, "quantiles", 1)
    with pytest.raises(InputError, match="2 distinct"):
        classify(np.array([1.0, 2.0, 1.0]), "quantiles", 3)
    with pytest.raises(InputError, match="needs bins"):
        classify(values, "user_defined")
    with pytest.raises(InputError, match="strictly increasing"):
        classify(values, "user_defined", bins=[2.0, 1.0])
    with pytest.raises(InputError, match="only used with"):
        classify(values, "quantiles", bins=[1.0])


def test_natural_breaks_is_the_least_squares_partition():
    """Against every partition of a small sample into contiguous classes."""
    from itertools import combinations

    rng = np.random.default_rng(11)
    for k in (2, 3, 4):
        values = np.sort(rng.lognormal(size=13))
        best = None
        for cuts in combinations(range(1, len(values)), k - 1):
            parts = np.split(values, cuts)
            cost = sum(((p - p.mean()) ** 2).sum() for p in parts)
            if best is None or cost < best[0] - 1e-12:
                best = (cost, [p[-1] for p in parts])
        assert classify(values, "natural_breaks", k).bins.tolist() == best[1]
