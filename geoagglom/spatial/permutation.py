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


def _permutations(rng, n, size, key_bits=None):
    """``size`` independent uniform random permutations of ``range(n)``, as the rows
    of a ``(size, n)`` unsigned integer array.

    Random keys instead of Fisher-Yates swaps (``Generator.permuted``): each element
    gets a word of raw random bits with its index in the low ``b`` bits
    (``2**b >= n``), and one vectorised sort per row orders the elements by key,
    about twice as fast. Elements whose keys tie (about ``n**2 / 2**(w - b + 1)``
    pairs per row with ``w``-bit words, ``w = 32`` up to 4,096 elements and 64 above)
    are then put in uniformly random order, so that every permutation is exactly
    equally likely. ``key_bits`` (tests only) keeps fewer random bits, to make ties
    frequent.
    """
    b = max(1, (n - 1).bit_length())
    dtype, word = (np.uint32, 32) if b <= 12 else (np.uint64, 64)
    count = size * n
    raw = rng.bit_generator.random_raw((count + 1) // 2 if word == 32 else count)
    flat = raw.view(dtype)[:count]
    words = flat.reshape(size, n)
    low = dtype((1 << b) - 1)
    if key_bits is None or key_bits >= word - b:
        words &= ~low
    else:
        words >>= dtype(word - key_bits)
        words <<= dtype(b)
    words |= np.arange(n, dtype=dtype)
    words.sort(axis=1)
    # equal keys of neighbours in the flat order, except across the end of a row
    tie = np.flatnonzero((flat[1:] ^ flat[:-1]) <= low)
    words &= low
    if len(tie):
        row, col = np.divmod(tie, n)
        keep = col < n - 1
        tie, row, col = tie[keep], row[keep], col[keep]
    if len(tie):
        # runs of consecutive tied pairs within a row: pairs are swapped with
        # probability 1/2, longer runs (rare) shuffled one by one
        start = np.ones(len(tie), dtype=bool)
        start[1:] = (np.diff(tie) != 1) | (row[1:] != row[:-1])
        first = np.flatnonzero(start)
        length = np.diff(np.append(first, len(tie)))
        row, col = row[first], col[first]
        pair = length == 1
        swap = rng.random(int(pair.sum())) < 0.5
        r, c = row[pair][swap], col[pair][swap]
        words[r, c], words[r, c + 1] = words[r, c + 1], words[r, c].copy()
        for r, c, m in zip(row[~pair], col[~pair], length[~pair], strict=True):
            seg = words[r, c : c + m + 1]
            seg[:] = seg[rng.permutation(m + 1)]
    return words


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
    simulated values (population std, as ``numpy.std``).

    Each permutation draws one ordered sample without replacement that all units
    share (as esda does); unit ``i`` uses it with ``i`` itself skipped, so its
    neighbours are a uniform ordered sample of the other ``n - 1`` units.
    """
    off = wts.off
    indptr, wv = off.indptr, off.data
    card = np.diff(indptr)
    # rows whose weights are all equal (binary or row-standardised contiguity,
    # knn, distance bands) take the shared-draw path, all others the per-edge path
    row_w = wv[indptr[:-1]]
    fz = scaling * focal
    self_part = wts.diag * values
    if _rows_equal(wv, indptr):
        return _equal_weight_sims(
            values, card, row_w, self_part, fz, observed, permutations, rng, keep
        )
    return _edge_sims(values, off, card, self_part, fz, observed, permutations, rng, keep)


def _rows_equal(wv, indptr):
    """True when the stored weights of each row are all equal: consecutive weights
    differ only where a row starts."""
    change = np.flatnonzero(wv[1:] != wv[:-1]) + 1
    starts = indptr[1:-1]
    pos = np.searchsorted(starts, change)
    return bool((starts[np.minimum(pos, len(starts) - 1)] == change).all()) if len(change) else True


def _equal_weight_sims(values, card, row_w, self_part, fz, observed, permutations, rng, keep):
    """Conditional permutation when each unit's neighbour weights are all equal.

    Permutation ``p`` draws one ordered sample of ``kmax + 1`` distinct units; unit
    ``i`` takes its first ``k_i`` units other than itself. Its lag is the prefix sum
    ``S[p, k_i]`` of the first ``k_i`` drawn values (shared by all units of
    cardinality ``k_i``), with ``i``'s own value swapped for draw ``k_i`` when ``i``
    is among them (a *hit*: at most ``kmax`` units per permutation). The simulated
    statistic ``g_i(x) = (x w_i + w_ii values_i) fz_i`` is monotone in ``x``, so the
    number of permutations with ``g_i(S[p, k_i]) >= observed_i`` is found by a
    binary search in the sorted ``S[:, k_i]``, evaluating ``g_i`` with the same
    floating-point operations as the simulated values themselves (identical
    counts); the hits are then corrected one by one. Without kept simulations this
    is O(n log(permutations) + permutations kmax) work and O(n + permutations kmax)
    memory; the moments come from the per-cardinality sums with the hits' changes.
    """
    n = len(values)
    perms = permutations
    m = int(card.max()) + 1
    # the draws, in the blocks the random stream has always been drawn in
    block = max(1, _LOCAL_BLOCK_ELEMENTS // (4 * n))
    draws = np.empty((perms, m), dtype=np.int64)
    done = 0
    while done < perms:
        c = min(block, perms - done)
        draws[done : done + c] = _ordered_samples(rng, n, m, c)
        done += c
        report_draws(c * n)  # c simulated values for each of the n units
    drawn = values[draws]
    prefix = np.zeros((perms, m + 1))
    np.cumsum(drawn, axis=1, out=prefix[:, 1:])
    # hits: unit u drawn at position j < k_u of permutation p
    hp, hj = np.nonzero(np.arange(m) < card[draws])
    hu = draws[hp, hj]
    hk = card[hu]
    h_s = prefix[hp, hk]  # the prefix sum the unit's count starts from
    h_l = h_s + (drawn[hp, hk] - values[hu])  # its true lag (own value swapped)

    def g(x, u=slice(None)):
        return (x * row_w[u] + self_part[u]) * fz[u]

    # non-hit counts by binary search over each cardinality's sorted prefix sums,
    # ascending where g increases (w_i fz_i > 0), descending where it decreases;
    # the search starts from where the threshold x = g^-1(observed) falls, which is
    # right for nearly every unit (then checked, with the exact float operations)
    ks = np.flatnonzero(np.bincount(card))
    kpos = np.zeros(ks[-1] + 1, dtype=np.intp)
    kpos[ks] = np.arange(len(ks))
    kpos = kpos[card]
    asc = np.sort(prefix[:, ks].T, axis=1)  # (len(ks), perms)
    srt = np.concatenate([asc, asc[:, ::-1]])
    down = row_w * fz < 0
    row = kpos + len(ks) * down
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = (observed / fz - self_part) / row_w
    t[~np.isfinite(t)] = 0.0
    below = np.empty(n, dtype=np.int64)  # number of x < t
    for j in range(len(ks)):
        units = kpos == j
        below[units] = np.searchsorted(asc[j], t[units], side="left")
    upto = below.copy()  # number of x <= t: more only where x = t exactly
    tie = np.flatnonzero(asc.ravel()[kpos * perms + np.minimum(below, perms - 1)] == t)
    for i in tie:
        upto[i] = np.searchsorted(asc[kpos[i]], t[i], side="right")
    # first position where g >= observed (x >= t ascending, x <= t descending) and
    # where g > observed (x > t ascending, x < t descending)
    guess_ge = np.where(down, perms - upto, below)
    guess_gt = np.where(down, perms - below, upto)
    greater = perms - _first_true(srt, row, lambda x, u: g(x, u) >= observed[u], guess_ge)
    less = _first_true(srt, row, lambda x, u: g(x, u) > observed[u], guess_gt)
    ob = observed[hu]
    g_s, g_l = g(h_s, hu), g(h_l, hu)
    np.add.at(greater, hu, (g_l >= ob).astype(np.int64) - (g_s >= ob))
    np.add.at(less, hu, (g_l <= ob).astype(np.int64) - (g_s <= ob))
    if keep:
        sims = np.ascontiguousarray(prefix.T)[card]  # (n, perms)
        sims[hu, hp] = h_l
        sims *= row_w[:, None]
        sims += self_part[:, None]
        sims *= fz[:, None]
        return greater, less, sims.T, (sims.mean(axis=1), sims.std(axis=1))
    # moments of the lags L: those of S[:, k] with the hits' changes
    s = prefix[:, ks]
    s_mean = s.mean(axis=0)
    s_m2 = ((s - s_mean) ** 2).sum(axis=0)
    d = np.bincount(hu, weights=h_l - h_s, minlength=n)
    mean = s_mean[kpos] + d / perms
    mh = mean[hu]
    corr = np.bincount(hu, weights=(h_l - mh) ** 2 - (h_s - mh) ** 2, minlength=n)
    m2 = s_m2[kpos] + d * d / perms + corr
    std = np.sqrt(np.maximum(m2, 0.0) / perms) * np.abs(row_w * fz)
    return greater, less, None, (g(mean), std)


def _first_true(srt, row, test, guess):
    """Per unit ``i``: the first position ``j`` of row ``row[i]`` of ``srt`` where
    ``test(x, units)`` holds for unit ``i`` (``srt.shape[1]`` if nowhere), for tests
    that are false then true along each row; ``guess`` is checked first, and a
    binary search finds the answer of the units where it is wrong."""
    size = srt.shape[1]
    flat = srt.ravel()
    base = row * size
    every = slice(None)
    at = test(flat[base + np.minimum(guess, size - 1)], every)
    at |= guess == size
    ok = test(flat[base + np.maximum(guess - 1, 0)], every)  # the test before the guess
    ok &= guess > 0
    np.logical_not(ok, out=ok)
    ok &= at
    out = guess.copy()
    units = np.flatnonzero(~ok)
    if len(units):
        # the guess bounds the search from one side
        lo = np.where(at[units], 0, guess[units] + 1)
        hi = np.where(at[units], guess[units], size)
        b = base[units]
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) >> 1
            ok = test(flat[b + np.minimum(mid, size - 1)], units)
            hi = np.where(active & ok, mid, hi)
            lo = np.where(active & ~ok, mid + 1, lo)
        out[units] = lo
    return out


def _edge_sims(values, off, card, self_part, fz, observed, permutations, rng, keep):
    """Conditional permutation for general weights: O(edges) per permutation.

    Processed in blocks of permutations; without ``keep`` the moments are
    accumulated block by block (Chan et al.'s pairwise update of count, mean and
    sum of squared deviations), in memory bounded by one block.
    """
    n = len(values)
    indptr, nbr, wv = off.indptr, off.indices, off.data
    kmax = int(card.max())
    rows = np.repeat(np.arange(n), card)[:, None]
    slot = np.arange(len(nbr)) - indptr[:-1].repeat(card)
    starts = indptr[:-1]
    wcol = wv[:, None]
    sims = np.empty((n, permutations)) if keep else None
    greater = np.zeros(n, dtype=np.int64)
    less = np.zeros(n, dtype=np.int64)
    obs = observed[:, None]
    block = max(1, _LOCAL_BLOCK_ELEMENTS // max(len(wv), 1))
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        draws = _ordered_samples(rng, n - 1, kmax, c)
        d = draws.T[slot]  # (edges, c): the draw for each neighbour slot
        d += d >= rows  # skip unit i itself: draws index the other n - 1 units
        vals = values[d]
        vals *= wcol
        sim = np.add.reduceat(vals, starts, axis=0)  # (n, c) spatial lags
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
