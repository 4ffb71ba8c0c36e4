"""Directional LISA: parity with giddy's Rose, seeded repeatability, direction codes."""

import numpy as np
import pandas as pd
import pytest
from giddy.directional import Rose
from libpysal.weights import lat2W

import geoagglom as ga
from geoagglom.dynamics.directional import _sectors, _sectors_fast
from geoagglom.errors import InputError
from geoagglom.spatial.significance import _perm_p

TOL = 1e-10
PERMS = 9999
# two independent estimates of a p-value from PERMS permutations each: the standard
# deviation of their difference is at most sqrt(2 * 0.25 / PERMS) = 0.0071; 0.03 is 4.2 sd
MC_TOL = 0.03


@pytest.fixture(scope="module")
def roses(usjoin):
    pci, _years, w = usjoin
    rel = pci / pci.mean(axis=0)
    out = {}
    for k in (4, 8):
        np.random.seed(20261130)  # noqa: NPY002 (giddy draws from the global state)
        g = Rose(rel[:, [0, -1]], w, k=k)
        g.permute(PERMS, alternative="positive")
        p_pos = g.p.copy()
        g.permute(PERMS, alternative="negative")
        out[k] = (g, p_pos)
    return out


@pytest.mark.parametrize("k", [4, 8])
def test_vectors_and_sector_counts_match_giddy(usjoin, roses, k):
    pci, years, w = usjoin
    g, _ = roses[k]
    ours = ga.directional_lisa(pd_wide(pci, years, w), w, 1929, 2009, k=k, permutations=0)
    np.testing.assert_allclose(ours.cuts, g.cuts, rtol=0, atol=0)
    np.testing.assert_allclose(ours.theta, g.theta, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.r, g.r, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.lag, g.lag, rtol=0, atol=TOL)
    assert ours.counts.tolist() == g.counts.tolist()
    assert ours.counts.sum() == len(pci)


def pd_wide(pci, years, w):
    return pd.DataFrame(pci, index=w.id_order, columns=years)


@pytest.mark.parametrize("k", [4, 8])
def test_permutation_p_values_within_monte_carlo_tolerance(usjoin, roses, k):
    pci, years, w = usjoin
    g, g_pos = roses[k]
    wide = pd_wide(pci, years, w)
    pos = ga.directional_lisa(wide, w, k=k, permutations=PERMS, seed=1, alternative="positive")
    neg = ga.directional_lisa(wide, w, k=k, permutations=PERMS, seed=2, alternative="negative")
    np.testing.assert_allclose(pos.p, g_pos, rtol=0, atol=MC_TOL)
    np.testing.assert_allclose(neg.p, g.p, rtol=0, atol=MC_TOL)
    # expected counts: mean of PERMS draws of a count bounded by 48 units
    np.testing.assert_allclose(pos.expected_perm, g.expected_perm, rtol=0, atol=0.1)
    two = ga.directional_lisa(wide, w, k=k, permutations=PERMS, seed=3)
    g_two = _perm_p(g.larger_perm, g.smaller_perm, PERMS, "two-sided")
    np.testing.assert_allclose(two.p, g_two, rtol=0, atol=2 * MC_TOL)
    assert (two.sector_p == two.p[two.sector]).all()


def test_same_seed_same_numbers(usjoin):
    pci, _, w = usjoin
    a = ga.directional_lisa(pci, w, permutations=199, seed=7)
    b = ga.directional_lisa(pci, w, permutations=199, seed=7)
    c = ga.directional_lisa(pci, w, permutations=199, seed=8)
    assert (a.counts_perm == b.counts_perm).all() and (a.p == b.p).all()
    assert not (a.counts_perm == c.counts_perm).all()
    gen = ga.directional_lisa(pci, w, permutations=199, seed=np.random.default_rng(7))
    assert gen.counts_perm.shape == (199, 8)


def test_permuted_counts_are_complete(usjoin):
    pci, _, w = usjoin
    r = ga.directional_lisa(pci, w, permutations=99, seed=0)
    assert (r.counts_perm.sum(axis=1) == 48).all()
    assert ((r.larger_perm + r.smaller_perm) >= 99).all()
    assert ((0 < r.p) & (r.p <= 1)).all()


def test_direction_codes():
    g = lat2W(3, 3)  # rook: the centre 4 has neighbours 1, 3, 5, 7
    y0 = np.arange(1.0, 10.0)
    delta = np.zeros(9)
    delta[4] = 4.0  # the centre rises ...
    delta[[1, 3, 5, 7]] = -1.0  # ... while its neighbours fall
    r = ga.directional_lisa(np.column_stack([y0, y0 + delta]), g, permutations=0, scale="raw")
    d = r.to_frame()["direction"]
    assert d[4] == "up_down"
    # 1's neighbours are 0, 2 (no change) and 4 (+4): the lag rises by 4/3
    assert d[1] == d[3] == d[5] == d[7] == "down_up"
    assert d[0] == d[2] == d[6] == d[8] == "flat"  # corners did not move
    np.testing.assert_allclose(r.dy[1], 4 / 3, rtol=0, atol=TOL)
    up = ga.directional_lisa(np.column_stack([y0, 2 * y0]), g, permutations=0, scale="raw")
    assert set(up.direction) == {"up_up"} and up.counts[0] + up.counts[1] == 9
    down = ga.directional_lisa(np.column_stack([y0, y0 / 2]), g, permutations=0, scale="raw")
    assert set(down.direction) == {"down_down"} and down.sectors()["count"].sum() == 9


def test_bad_input(usjoin):
    pci, _, w = usjoin
    with pytest.raises(InputError, match="start"):
        ga.directional_lisa(pci, w, start=5, end=5)
    with pytest.raises(InputError, match="not a year"):
        ga.directional_lisa(pci, w, start=0, end=500)
    with pytest.raises(InputError, match="multiple of 4"):
        ga.directional_lisa(pci, w, k=6, alternative="positive")
    with pytest.raises(InputError, match="alternative"):
        ga.directional_lisa(pci, w, alternative="greater")


@pytest.mark.parametrize("k", [2, 4, 8])
def test_fast_sectors_of_the_permutations_equal_the_angle_sectors(k):
    """The permutations sector vectors without trigonometry: same sectors as the angle."""
    rng = np.random.default_rng(k)
    dx, dy = rng.normal(size=(2, 20000))
    # vectors on the axes, on the diagonals and null
    dx[:10] = 0
    dy[10:20] = 0
    dx[20:30] = dy[20:30]
    dx[30:40] = -dy[30:40]
    dx[40:50] = dy[40:50] = 0
    cuts = 2 * np.pi / k * np.arange(k + 1)
    assert (_sectors_fast(dx, dy, k) == _sectors(dx, dy, cuts)[0]).all()


def test_octant_counts_equal_the_angle_sectors():
    """Counting octants from sign and magnitude bits gives the angle's sectors, axes,
    diagonals and null vectors included, column by column."""
    from geoagglom.dynamics.directional import _OctantCounter

    rng = np.random.default_rng(3)
    n, c = 500, 7
    dx, dy = rng.normal(size=(2, n, c))
    dx[:20] = 0
    dy[20:40] = 0
    dx[40:60] = dy[40:60]
    dx[60:80] = -dy[60:80]
    dx[80:90] = dy[80:90] = 0
    dy[90:100] = -0.0
    rng.shuffle(dx, axis=0)
    cuts = 2 * np.pi / 8 * np.arange(9)
    want = np.array(
        [np.bincount(_sectors(dx[:, j], dy[:, j], cuts)[0], minlength=8) for j in range(c)]
    )
    np.testing.assert_array_equal(_OctantCounter(n, c)(dx, dy), want)
    # without zero moves (dx != 0 everywhere) the zero-dx check is skipped
    dx[dx == 0] = 1.0
    want = np.array(
        [np.bincount(_sectors(dx[:, j], dy[:, j], cuts)[0], minlength=8) for j in range(c)]
    )
    np.testing.assert_array_equal(_OctantCounter(n, c, zero_dx=False)(dx, dy), want)


@pytest.mark.parametrize("k", [2, 4, 6, 8])
def test_permuted_counts_equal_a_direct_count_of_the_same_permutations(k):
    """Integer data (many axis and diagonal vectors): each permutation's counts equal
    the angle sectors of the permuted moves, from the same draws."""
    from geoagglom.dynamics import directional
    from geoagglom.spatial._base import _Weights
    from geoagglom.spatial.permutation import _permutations

    rng = np.random.default_rng(k)
    y = rng.integers(1, 4, size=(100, 2)).astype(float)
    w = lat2W(10, 10)
    rose = ga.directional_lisa(y, w, k=k, permutations=150, seed=9, scale="raw", transform="b")
    wts = _Weights(w, "b")
    draws = np.random.default_rng(9)
    block = max(1, directional._BLOCK_ELEMENTS // 100)
    want, done = [], 0
    while done < 150:
        c = min(block, 150 - done)
        for row in _permutations(draws, 100, c).astype(np.intp):
            dxp = rose.dx[row]
            want.append(np.bincount(_sectors(dxp, wts.full @ dxp, rose.cuts)[0], minlength=k))
        done += c
    np.testing.assert_array_equal(rose.counts_perm, np.array(want))
