"""The permutation engine: total permutations (global statistics) and conditional
permutations (local statistics), vectorised and processed in blocks of bounded memory.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

import numpy as np

_BLOCK_ELEMENTS = 2_000_000
_LOCAL_BLOCK_ELEMENTS = 500_000

_PROGRESS = contextvars.ContextVar("geoagglom_permutation_progress", default=None)


@contextmanager
def permutation_progress(callback):
    """Within the block, call ``callback(draws)`` after each block of permutations.

    ``draws`` is the block's number of unit-draws (permutations × units). Nothing
    is called outside such a block: the statistics stay silent unless asked.

    Parameters
    ----------
    callback : callable
        Called with an int after every block of every permutation test.

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom.spatial.global_stats import moran
    >>> done = []
    >>> with permutation_progress(done.append):
    ...     _ = moran(np.arange(9.0), lat2W(3, 3), permutations=99, seed=1)
    >>> sum(done)
    891
    """
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def report_draws(draws):
    """Pass ``draws`` unit-draws done to the callback of :func:`permutation_progress`."""
    callback = _PROGRESS.get()
    if callback is not None:
        callback(int(draws))


def _global_sims(values, permutations, rng, stat, block):
    """Global statistics of ``permutations`` random permutations of ``values``.

    ``stat(vp)`` maps a block of at most ``block`` permuted rows to their values.
    """
    out = np.empty(permutations)
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        vp = rng.permuted(np.tile(values, (c, 1)), axis=1)
        out[done : done + c] = stat(vp)
        done += c
        report_draws(c * vp.shape[1])
    return out


def _lagged(stat, wts):
    """Adapt ``stat(zp, lag)`` to :func:`_global_sims`, with the lags of each block."""
    return lambda zp: stat(zp, (wts.full @ zp.T).T)


# --------------------------------------------------------------------------- #
# Conditional permutation (local statistics)
# --------------------------------------------------------------------------- #
def _ordered_samples(rng, pool, k, size):
    """``size`` ordered uniform samples of ``k`` distinct integers from ``range(pool)``."""
    if k == 0:
        return np.empty((size, 0), dtype=np.int64)
    if k * k <= pool:
        # draw with replacement and redraw the (few) rows with a repeat: conditional
        # on no repeat, a row is a uniform ordered sample without replacement
        out = rng.integers(0, pool, size=(size, k))
        while True:
            srt = np.sort(out, axis=1)
            dup = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
            if len(dup) == 0:
                return out
            out[dup] = rng.integers(0, pool, size=(len(dup), k))
    # small pool: the k smallest of iid uniform keys, in increasing key order
    keys = rng.random((size, pool))
    idx = np.argpartition(keys, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(keys, idx, axis=1), axis=1)
    return np.take_along_axis(idx, order, axis=1)


def _conditional_sims(wts, focal, values, observed, scaling, permutations, rng, keep):
    """Conditional-permutation local statistics.

    For unit ``i`` the simulated statistic is
    ``scaling * focal_i * (sum_j w_ij values[draw_j] + w_ii values_i)``, where the
    ``k_i`` draws are distinct units other than ``i``. Returns
    ``(greater, less, sims, moments)``: counts of draws >= / <= ``observed`` per
    unit; if ``keep``, the ``(permutations, n)`` simulated values (a transposed view
    of a unit-major array), else None; and ``moments = (mean, std)`` of each unit's
    simulated values (population std, as ``numpy.std``), accumulated block by block
    (Chan et al.'s pairwise update of count, mean and sum of squared deviations) so
    that memory stays bounded by one block whatever the number of permutations.

    Each permutation draws one ordered sample without replacement that all units
    share (as esda does); unit ``i`` uses it with ``i`` itself skipped, so its
    neighbours are a uniform ordered sample of the other ``n - 1`` units.
    """
    n = wts.n
    off = wts.off
    indptr, wv = off.indptr, off.data
    card = np.diff(indptr)
    starts = indptr[:-1]
    # rows whose weights are all equal (binary or row-standardised contiguity,
    # knn, distance bands) take the fast path, all others the per-edge path
    row_w = wv[starts]
    equal = bool(np.all(wv == np.repeat(row_w, card)))
    fz = scaling * focal
    self_part = wts.diag * values
    sims = np.empty((n, permutations)) if keep else None
    greater = np.zeros(n, dtype=np.int64)
    less = np.zeros(n, dtype=np.int64)
    obs = observed[:, None]
    done = 0
    if equal:
        block = max(1, _LOCAL_BLOCK_ELEMENTS // (4 * n))
        sampler = _equal_weight_lags(values, card, row_w, rng)
    else:
        block = max(1, _LOCAL_BLOCK_ELEMENTS // max(len(wv), 1))
        sampler = _edge_lags(values, off, card, rng)
    while done < permutations:
        c = min(block, permutations - done)
        sim = sampler(c)  # (n, c) spatial lags
        sim += self_part[:, None]
        sim *= fz[:, None]
        greater += np.sum(sim >= obs, axis=1)
        less += np.sum(sim <= obs, axis=1)
        if keep:
            sims[:, done : done + c] = sim
        else:
            b_mean = sim.mean(axis=1)
            sim -= b_mean[:, None]
            b_m2 = np.einsum("ij,ij->i", sim, sim)
            if done == 0:
                mean, m2 = b_mean, b_m2
            else:
                total = done + c
                delta = b_mean - mean
                mean = mean + delta * (c / total)
                m2 = m2 + b_m2 + delta * delta * (done * c / total)
        done += c
        report_draws(c * n)
    if keep:
        return greater, less, sims.T, (sims.mean(axis=1), sims.std(axis=1))
    return greater, less, None, (mean, np.sqrt(np.maximum(m2, 0.0) / permutations))


def _equal_weight_lags(values, card, row_w, rng):
    """Sampler of conditional lags when each unit's neighbour weights are all equal.

    One ordered sample of ``kmax + 1`` distinct units per permutation; unit ``i``
    takes its first ``k_i`` units other than itself: the sum of the first ``k_i``
    drawn values (a prefix sum shared by all units), with ``i``'s own value swapped
    for the next draw when ``i`` is among them. O(n) work per permutation.
    """
    n = len(values)
    kmax = int(card.max())
    m = kmax + 1

    def lags(c):
        draws = _ordered_samples(rng, n, m, c)  # (c, m)
        drawn = values[draws]
        prefix = np.zeros((c, m + 1))
        np.cumsum(drawn, axis=1, out=prefix[:, 1:])
        where = np.full((c, n), m, dtype=np.int32)
        where[np.arange(c)[:, None], draws] = np.arange(m, dtype=np.int32)
        lag = prefix[:, card]  # (c, n) sum of the first k_i draws
        hit = where < card  # unit i is among its own first k_i draws
        fix = drawn[:, card] - values  # swap i's value for draw k_i
        lag += np.where(hit, fix, 0.0)
        lag *= row_w
        return lag.T.copy()

    return lags


def _edge_lags(values, off, card, rng):
    """Sampler of conditional lags for general weights: O(edges) per permutation."""
    n = len(values)
    indptr, nbr, wv = off.indptr, off.indices, off.data
    kmax = int(card.max())
    rows = np.repeat(np.arange(n), card)[:, None]
    slot = np.arange(len(nbr)) - indptr[:-1].repeat(card)
    starts = indptr[:-1]
    wcol = wv[:, None]

    def lags(c):
        draws = _ordered_samples(rng, n - 1, kmax, c)
        d = draws.T[slot]  # (edges, c): the draw for each neighbour slot
        d += d >= rows  # skip unit i itself: draws index the other n - 1 units
        vals = values[d]
        vals *= wcol
        return np.add.reduceat(vals, starts, axis=0)

    return lags
