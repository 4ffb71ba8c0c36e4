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
