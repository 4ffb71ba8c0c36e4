"""The permutation engine's random permutations (spatial/permutation.py)."""

import itertools

import numpy as np
import pytest
from scipy import stats

from geoagglom.spatial.permutation import _permutations


@pytest.mark.parametrize("key_bits", [1, 2, None])
def test_permutations_are_uniform_even_when_keys_tie(key_bits):
    """Every ordering of 4 items equally likely (chi-square over the 24 orderings).

    With 1 or 2 random key bits nearly every row has tied keys, so the result is
    uniform only if the ties are put in uniformly random order: sorting alone
    (ties in index order) would make the identity many times too frequent.
    """
    p = _permutations(np.random.default_rng(5), 4, 120_000, key_bits=key_bits).astype(int)
    assert (np.sort(p, axis=1) == np.arange(4)).all()
    code = p @ np.array([64, 16, 4, 1])
    orderings = [np.dot(q, [64, 16, 4, 1]) for q in itertools.permutations(range(4))]
    counts = np.bincount(code, minlength=256)[orderings]
    assert counts.sum() == 120_000
    assert stats.chisquare(counts).pvalue > 1e-6


@pytest.mark.parametrize("n,key_bits", [(37, 1), (37, 3), (300, None), (5000, None)])
def test_permutations_every_item_everywhere(n, key_bits):
    """Each row is a permutation; each item is uniform over the positions (1e-6 level)."""
    size = 20_000 if n < 100 else 400
    p = _permutations(np.random.default_rng(n), n, size, key_bits=key_bits).astype(int)
    assert p.shape == (size, n)
    assert (np.sort(p, axis=1) == np.arange(n)).all()
    if n < 100:
        table = np.array([np.bincount(p[:, j], minlength=n) for j in range(n)])
        assert stats.chisquare(table.ravel()).pvalue > 1e-6
    else:
        assert stats.chisquare(np.bincount(p[:, 0], minlength=n)).pvalue > 1e-6


def test_permutations_repeat_with_the_seed():
    a = _permutations(np.random.default_rng(1), 50, 30)
    b = _permutations(np.random.default_rng(1), 50, 30)
    c = _permutations(np.random.default_rng(2), 50, 30)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def _asymmetric_graph(n, seed):
    """A random directed graph with unequal weights (no self-loops, every unit linked)."""
    from libpysal.graph import Graph

    rng = np.random.default_rng(seed)
    heads = np.repeat(np.arange(n), 3)
    offsets = [rng.choice(np.arange(1, n), 3, replace=False) for _ in range(n)]
    tails = (heads + np.concatenate(offsets)) % n
    return Graph.from_arrays(heads, tails, rng.uniform(0.1, 2.0, size=len(heads)))


@pytest.mark.parametrize("statistic", ["moran", "geary"])
def test_global_sims_are_the_statistic_of_each_permutation(statistic):
    """Each simulated value is the statistic computed directly on one permutation drawn
    by _permutations from the seed (the unit values moved, the weights kept)."""
    import geoagglom as ga

    graph = _asymmetric_graph(45, 3)
    y = np.random.default_rng(4).lognormal(size=45)
    result = getattr(ga, statistic)(y, graph, 199, seed=11)
    orders = _orders_of(11, 45, 199)
    direct = [getattr(ga, statistic)(y[order], graph, 0).statistic for order in orders]
    np.testing.assert_allclose(result.sim, direct, rtol=1e-12)


@pytest.mark.parametrize("key_bits", [2, 4, None])
def test_permutations_in_blocks_equal_one_block(key_bits):
    """Rows drawn in blocks (the keys from one stream, tied keys ordered from another)
    are the rows of one block, even when nearly every row has runs of tied keys."""
    whole = _permutations(
        np.random.default_rng(3), 37, 60, key_bits=key_bits, ties=np.random.default_rng(4)
    )
    rng, ties = np.random.default_rng(3), np.random.default_rng(4)
    parts = [_permutations(rng, 37, 20, key_bits=key_bits, ties=ties) for _ in range(3)]
    np.testing.assert_array_equal(np.vstack(parts), whole)


def test_geary_ties_of_integer_data_are_exact():
    """0/1 data on a binary lattice: a permutation that gives the observed C gives it
    exactly (a tie, counted as such), never to within rounding only."""
    from libpysal.weights import lat2W

    import geoagglom as ga

    y = np.zeros(25)
    y[[3, 11, 17]] = 1.0
    c = ga.geary(y, lat2W(5, 5), 9999, seed=3)
    close = np.isclose(c.sim, c.C, rtol=1e-12, atol=0)
    assert close.sum() > 10
    np.testing.assert_array_equal(c.sim[close], c.C)


def _orders_of(seed, n, size):
    """The permutations _global_sims draws for ``seed`` (one block)."""
    from geoagglom.seeding import check_random_state

    rng = check_random_state(seed)
    ties = np.random.default_rng(rng.bit_generator.random_raw())
    return _permutations(rng, n, size, ties=ties).astype(int)
