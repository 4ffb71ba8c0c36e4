"""Every kernel gives the same result for y·10^300 and y·10^-300 as for y."""

import numpy as np
import pytest

import geoagglom as ga


@pytest.fixture(scope="module")
def setup():
    layer = ga.load_layer("shandong-2004-2016")
    w = ga.spatial_weights(layer)
    y = np.random.default_rng(3).lognormal(size=len(layer))
    return w, y


KERNELS = {
    "moran": lambda y, w: [ga.moran(y, w, permutations=0).I, ga.moran(y, w, 0).z_rand],
    "geary": lambda y, w: [ga.geary(y, w, permutations=0).C],
    "moran_bv": lambda y, w: [ga.moran_bv(y, y[::-1].copy(), w, permutations=0).I],
    "local_moran": lambda y, w: ga.local_moran(y, w, permutations=0).Is,
    "gini": lambda y, w: [ga.gini(y).g],
    "theil_T": lambda y, w: [ga.theil(y).statistic],
    "theil_L": lambda y, w: [ga.theil(y, kind="L").statistic],
    "entropy": lambda y, w: ga.financial_entropy(quantity=y, area=np.arange(1, len(y) + 1)).beta,
}


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_same_result_at_extreme_scales(setup, name, scale):
    w, y = setup
    kernel = KERNELS[name]
    reference = np.asarray(kernel(y, w), dtype=float)
    with np.errstate(all="raise"):  # no overflow, underflow to zero or invalid value
        scaled = np.asarray(kernel(y * scale, w), dtype=float)
    assert np.isfinite(scaled).all()
    assert not np.signbit(scaled[scaled == 0]).any()  # no -0
    np.testing.assert_allclose(scaled, reference, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("scale", [2.0**996, 2.0**-996])
def test_permutation_p_values_at_extreme_scales(setup, scale):
    """At a power-of-two scale the standardised values are the same to the bit, so are
    the pseudo p-values. (At 1e±300 the last bit of a value may differ, and a simulated
    statistic that ties the observed one may then fall on the other side: one draw.)"""
    w, y = setup
    reference = ga.local_moran(y, w, permutations=99, seed=1)
    with np.errstate(all="raise"):
        scaled = ga.local_moran(y * scale, w, permutations=99, seed=1)
    np.testing.assert_array_equal(scaled.p_sim, reference.p_sim)
    np.testing.assert_array_equal(scaled.Is, reference.Is)
