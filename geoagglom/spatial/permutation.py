"""The permutation engine: total permutations (global statistics) and conditional
permutations (local statistics), vectorised and processed in blocks of bounded memory.
"""

from __future__ import annotations

import contextvars
import itertools
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
    """Global statistics of ``permutations`` uniform random permutations of ``values``.

    ``stat(vp)`` maps a block of at most ``block`` permuted rows to their values. The
    permutations, and so the values, do not depend on the block size.
    """
    # the keys come from rng block after block, the order of tied keys from a second
    # stream: both are then consumed in the same sequence as by a single block
    ties = np.random.default_rng(rng.bit_generator.random_raw())
    block = max(2, block - block % 2)  # whole 64-bit words of 32-bit keys per block
    out = np.empty(permutations)
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        vp = values.take(_permutations(rng, len(values), c, ties=ties))  # (c, n)
        out[done : done + c] = stat(vp)
        done += c
        report_draws(c * vp.shape[1])
    return out


def _permutations(rng, n, size, key_bits=None, ties=None):
    """``size`` independent uniform random permutations of ``range(n)``, as the rows
    of a ``(size, n)`` unsigned integer array.

    Random keys instead of Fisher-Yates swaps (``Generator.permuted``): each element
    gets a word of raw random bits with its index in the low ``b`` bits
    (``2**b >= n``), and one vectorised sort per row orders the elements by key,
    about twice as fast. Elements whose keys tie (about ``n**2 / 2**(w - b + 1)``
    pairs per row with ``w``-bit words, ``w = 32`` up to 4,096 elements and 64 above)
    are then put in uniformly random order (Fisher-Yates within each run of tied
    keys, drawn from ``ties``, default ``rng``, run after run in row order), so that
    every permutation is exactly equally likely. ``key_bits`` (tests only) keeps
    fewer random bits, to make ties frequent.
    """
    ties = rng if ties is None else ties
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
        # runs of consecutive tied pairs within a row: a run of m pairs is m + 1 tied
        # elements, shuffled by Fisher-Yates with m draws from 0..m, 0..m-1, ..., 0..1
        start = np.ones(len(tie), dtype=bool)
        start[1:] = (np.diff(tie) != 1) | (row[1:] != row[:-1])
        first = np.flatnonzero(start)
        length = np.diff(np.append(first, len(tie)))
        row, col = row[first], col[first]
        step = np.arange(len(tie)) - np.repeat(first, length)
        draws = ties.integers(0, np.repeat(length, length) + 1 - step)
        pair = length == 1
        # a tied pair: swapped when the draw from 0..1 is 0
        swap = draws[first[pair]] == 0
        r, c = row[pair][swap], col[pair][swap]
        words[r, c], words[r, c + 1] = words[r, c + 1], words[r, c].copy()
        for r, c, m, at in zip(row[~pair], col[~pair], length[~pair], first[~pair], strict=True):
            seg = words[r, c : c + m + 1]
            for i, j in zip(range(m, 0, -1), draws[at : at + m], strict=True):
                seg[i], seg[j] = seg[j], seg[i]
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


def _conditional_sims(wts, focal, values, observed, scaling, permutations, rng, keep, chunks=None):
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

    The draws (``permutations`` rows of at most ``kmax + 1`` unit indices) are made
    here, from ``rng``; every unit's counts and moments are then a function of the
    draws, the full ``values`` and that unit's own row of weights only. So the units
    are processed as ranges (:func:`_equal_weight_chunk`, :func:`_edge_chunk`): one
    range holding every unit in this process (``chunks=None``), or ``chunks`` ranges
    computed as dask tasks (:func:`_dask_chunks`) with the same arithmetic per unit,
    hence the same numbers whatever the number of chunks.
    """
    off = wts.off
    indptr, nbr, wv = off.indptr, off.indices, off.data
    card = np.diff(indptr)
    n = len(values)
    fz = scaling * focal
    self_part = wts.diag * values
    # rows whose weights are all equal (binary or row-standardised contiguity,
    # knn, distance bands) take the shared-draw path, all others the per-edge path
    if _rows_equal(wv, indptr):
        row_w = wv[indptr[:-1]]
        draws = _equal_draws(rng, n, int(card.max()) + 1, permutations, chunks is None)
        shared = (values, draws, np.flatnonzero(np.bincount(card)))
        engine = _equal_weight_chunk

        def rows(lo, hi):
            return card[lo:hi], row_w[lo:hi]

    else:
        block = max(1, _LOCAL_BLOCK_ELEMENTS // max(len(wv), 1))
        draws = _edge_draws(rng, n, int(card.max()), permutations, block)
        shared = (values, draws, block)
        engine = _edge_chunk

        def rows(lo, hi):
            a, b = indptr[lo], indptr[hi]
            return indptr[lo : hi + 1] - a, nbr[a:b], wv[a:b]

    def chunk(lo, hi):
        """The arguments of ``engine`` after the shared ones, for units ``lo:hi``."""
        return (lo, *rows(lo, hi), self_part[lo:hi], fz[lo:hi], observed[lo:hi], keep)

    if chunks is None:
        parts = [engine(*shared, *chunk(0, n), report=True)]
    else:
        parts = _dask_chunks(engine, shared, chunk, n, chunks, permutations)
    greater, less, sims, mean, std = (_joined(list(a)) for a in zip(*parts, strict=True))
    return greater, less, None if sims is None else sims.T, (mean, std)


def _dask_chunks(engine, shared, chunk, n, chunks, permutations):
    """``engine`` on ``chunks`` ranges of units as dask tasks, results in unit order.

    Runs on the active scheduler, nothing is started here. With a current
    ``dask.distributed.Client``: the shared arguments (the values and the draws) are
    scattered to every worker once (``broadcast``), each range's rows scattered
    straight to the workers (not through the scheduler), and the progress is
    reported as each range is done. Without one: dask's local threads, the shared
    arguments one graph key each.
    """
    bounds = np.unique((np.arange(chunks + 1) * n) // chunks)  # at most one range a unit
    ranges = list(itertools.pairwise(bounds.tolist()))
    sizes = [(hi - lo) * permutations for lo, hi in ranges]
    client = _current_client()
    if client is None:
        import dask

        common = [dask.delayed(a, pure=True) for a in shared]
        run = dask.delayed(engine, pure=True)
        parts = dask.compute(*[run(*common, *chunk(lo, hi), report=False) for lo, hi in ranges])
        report_draws(sum(sizes))
        return list(parts)
    from distributed import as_completed

    common = client.scatter(list(shared), broadcast=True, hash=False)
    args = [chunk(lo, hi) for lo, hi in ranges]
    arrays = iter(client.scatter([a for c in args for a in c if _is_array(a)], hash=False))
    futures = [
        client.submit(
            engine,
            *common,
            *[next(arrays) if _is_array(a) else a for a in c],
            report=False,
            pure=False,
        )
        for c in args
    ]
    where = {f.key: i for i, f in enumerate(futures)}
    for done in as_completed(futures):
        report_draws(sizes[where[done.key]])
    return client.gather(futures)


def _is_array(a):
    return isinstance(a, np.ndarray)


def _joined(arrays):
    """The ranges' arrays in unit order (None when not kept; no copy for one range)."""
    if arrays[0] is None:
        return None
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _current_client():
    """The current dask.distributed Client (set by ``as_current`` or the default), or None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client
        return None


def _rows_equal(wv, indptr):
    """True when the stored weights of each row are all equal: consecutive weights
    differ only where a row starts."""
    change = np.flatnonzero(wv[1:] != wv[:-1]) + 1
    starts = indptr[1:-1]
    pos = np.searchsorted(starts, change)
    return bool((starts[np.minimum(pos, len(starts) - 1)] == change).all()) if len(change) else True


def _equal_draws(rng, n, m, permutations, report):
    """The draws of the equal-weight path: ``(permutations, m)`` ordered samples of
    ``m`` distinct units, drawn in the blocks the random stream has always been
    drawn in (``report``: pass the progress on, as ``c`` simulated values for each of
    the ``n`` units per block of ``c`` permutations)."""
    block = max(1, _LOCAL_BLOCK_ELEMENTS // (4 * n))
    draws = np.empty((permutations, m), dtype=np.int64)
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        draws[done : done + c] = _ordered_samples(rng, n, m, c)
        done += c
        if report:
            report_draws(c * n)
    return draws


def _equal_weight_chunk(
    values, draws, ks, lo, card, row_w, self_part, fz, observed, keep, report=False
):
    """Conditional permutation of units ``lo:lo + len(card)`` when each unit's
    neighbour weights are all equal.

    ``values`` and ``draws`` (:func:`_equal_draws`) cover all units, ``ks`` is the
    sorted set of all units' cardinalities; the other arrays are those of the range.
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
    Every per-unit quantity is computed elementwise or from the shared sums, so a
    unit's numbers do not depend on the range it is processed in. Returns
    ``(greater, less, sims, mean, std)`` of the range, ``sims`` unit-major or None
    (``report`` is unused: the progress is reported as the draws are made).
    """
    n = len(card)
    perms = len(draws)
    m = draws.shape[1]
    drawn = values[draws]
    prefix = np.zeros((perms, m + 1))
    np.cumsum(drawn, axis=1, out=prefix[:, 1:])
    # hits: unit lo + u drawn at position j < k_u of permutation p
    hp, hj = np.nonzero((draws >= lo) & (draws < lo + n))
    hu = draws[hp, hj] - lo
    hit = hj < card[hu]
    hp, hj, hu = hp[hit], hj[hit], hu[hit]
    hk = card[hu]
    h_s = prefix[hp, hk]  # the prefix sum the unit's count starts from
    h_l = h_s + (drawn[hp, hk] - values[hu + lo])  # its true lag (own value swapped)

    def g(x, u=slice(None)):
        return (x * row_w[u] + self_part[u]) * fz[u]

    # non-hit counts by binary search over each cardinality's sorted prefix sums,
    # ascending where g increases (w_i fz_i > 0), descending where it decreases;
    # the search starts from where the threshold x = g^-1(observed) falls, which is
    # right for nearly every unit (then checked, with the exact float operations)
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
        return greater, less, sims, sims.mean(axis=1), sims.std(axis=1)
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
    return greater, less, None, g(mean), std


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


def _edge_draws(rng, n, kmax, permutations, block):
    """The draws of the per-edge path: ``(permutations, kmax)`` ordered samples of
    ``kmax`` distinct integers of ``range(n - 1)`` (the other units), drawn in blocks
    of ``block`` permutations, the blocks :func:`_edge_chunk` processes."""
    draws = np.empty((permutations, kmax), dtype=np.int64)
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        draws[done : done + c] = _ordered_samples(rng, n - 1, kmax, c)
        done += c
    return draws


def _edge_chunk(
    values, draws, block, lo, indptr, nbr, wv, self_part, fz, observed, keep, report=False
):
    """Conditional permutation for general weights, units ``lo:lo + len(indptr) - 1``:
    O(edges) per permutation.

    ``values`` and ``draws`` (:func:`_edge_draws`) cover all units; ``indptr``,
    ``nbr``, ``wv`` are the range's rows of the off-diagonal weights (``indptr``
    starting at 0). Processed in blocks of ``block`` permutations (the same blocks
    for every range); without ``keep`` the moments are accumulated block by block
    (Chan et al.'s pairwise update of count, mean and sum of squared deviations), in
    memory bounded by one block. ``report``: pass the progress on after each block.
    Returns ``(greater, less, sims, mean, std)`` of the range, ``sims`` unit-major
    or None.
    """
    n = len(indptr) - 1
    permutations = len(draws)
    card = np.diff(indptr)
    rows = np.repeat(np.arange(lo, lo + n), card)[:, None]
    slot = np.arange(len(nbr)) - indptr[:-1].repeat(card)
    starts = indptr[:-1]
    wcol = wv[:, None]
    sims = np.empty((n, permutations)) if keep else None
    greater = np.zeros(n, dtype=np.int64)
    less = np.zeros(n, dtype=np.int64)
    obs = observed[:, None]
    # the blocks' arrays reuse buffers: allocating them afresh for every block costs
    # a page fault per page wherever freed memory goes back to the system at once
    # (dask workers set MALLOC_TRIM_THRESHOLD_): twice the time there. The
    # arithmetic is the same as with fresh arrays (same operations, same order).
    size = min(block, permutations)
    edges = len(nbr)
    d_buf = np.empty(edges * size, dtype=np.int64)
    skip_buf = np.empty(edges * size, dtype=bool)
    vals_buf = np.empty(edges * size)
    sim_buf = np.empty(n * size)
    cmp_buf = np.empty(n * size, dtype=bool)
    count = np.empty(n, dtype=np.int64)
    b_mean, b_m2, delta, step = (np.empty(n) for _ in range(4))
    mean = m2 = None
    done = 0
    while done < permutations:
        c = min(block, permutations - done)
        d = d_buf[: edges * c].reshape(-1, c)  # (edges, c): the draw for each neighbour slot
        np.take(draws[done : done + c].T, slot, axis=0, out=d, mode="clip")
        skip = np.greater_equal(d, rows, out=skip_buf[: edges * c].reshape(-1, c))
        d += skip  # skip unit i itself: draws index the other n - 1 units
        vals = vals_buf[: edges * c].reshape(-1, c)
        np.take(values, d, out=vals, mode="clip")
        vals *= wcol
        # (n, c) spatial lags
        sim = np.add.reduceat(vals, starts, axis=0, out=sim_buf[: n * c].reshape(-1, c))
        sim += self_part[:, None]
        sim *= fz[:, None]
        cmp = cmp_buf[: n * c].reshape(-1, c)
        greater += np.sum(np.greater_equal(sim, obs, out=cmp), axis=1, out=count)
        less += np.sum(np.less_equal(sim, obs, out=cmp), axis=1, out=count)
        if keep:
            sims[:, done : done + c] = sim
        else:
            np.mean(sim, axis=1, out=b_mean)
            sim -= b_mean[:, None]
            np.einsum("ij,ij->i", sim, sim, out=b_m2)
            if done == 0:
                mean, m2 = b_mean.copy(), b_m2.copy()
            else:
                # mean + delta c / total and m2 + b_m2 + delta**2 done c / total
                total = done + c
                np.subtract(b_mean, mean, out=delta)
                mean += np.multiply(delta, c / total, out=step)
                m2 += b_m2
                np.multiply(delta, delta, out=step)
                step *= done * c / total
                m2 += step
        done += c
        if report:
            report_draws(c * n)
    if keep:
        return greater, less, sims, sims.mean(axis=1), sims.std(axis=1)
    return greater, less, None, mean, np.sqrt(np.maximum(m2, 0.0) / permutations)
