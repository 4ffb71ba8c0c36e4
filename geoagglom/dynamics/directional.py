"""Directional LISA (Rey, Murray & Anselin 2011): how units and their neighbours moved.

Between two years each unit moves in the plane of (value, spatial lag of the
value): ``dx`` is its own change, ``dy`` the change of its neighbours' (lag)
value. The angle of the vector ``(dx, dy)`` falls in one of ``k`` equal sectors of
the circle (sector 0 starts at angle 0, counter-clockwise); the rose diagram
counts the vectors per sector. Under the null of no spatial association of the
moves, the units' pairs of values (start, end) are randomly reassigned to the
locations: each permutation recomputes the lags and the sector counts, giving a
pseudo p-value per sector (as giddy's ``Rose.permute``).

Each unit also gets a neutral direction code (the study layer names them):

``up_up``
    unit and neighbours rising (co-growth);
``up_down``
    unit rising while its neighbours fall;
``down_up``
    unit falling while its neighbours rise;
``down_down``
    unit and neighbours falling;
``flat``
    the unit's or its neighbours' value did not change.

References
----------
Rey, S. J., Murray, A. T. & Anselin, L. (2011). Visualizing regional income
distribution dynamics. *Letters in Spatial and Resource Sciences* 4, 81-90.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoagglom._repr import FrameReprMixin
from geoagglom.dynamics._panel import _check_panel, _scale
from geoagglom.errors import InputError, format_ids
from geoagglom.options import ROSE_ALTERNATIVES
from geoagglom.seeding import check_random_state
from geoagglom.spatial._base import _check_permutations
from geoagglom.spatial.permutation import _permutations, report_draws
from geoagglom.spatial.significance import _perm_p

__all__ = ["DIRECTIONS", "DirectionalLISA", "directional_lisa"]

#: Neutral direction codes of a unit's move and its neighbours' move.
DIRECTIONS = {
    "up_up": "unit and neighbours rising (co-growth)",
    "up_down": "unit rising, neighbours falling",
    "down_up": "unit falling, neighbours rising",
    "down_down": "unit and neighbours falling",
    "flat": "no change of the unit's or of its neighbours' value",
}

_BLOCK_ELEMENTS = 96_000


def _sectors(dx, dy, cuts):
    """Sector of each vector: ``cuts[s] <= angle < cuts[s + 1]`` (angle in [0, 2 pi)).

    An angle that rounds to the last cut (a vector just below the positive x axis)
    is in the last sector.
    """
    theta = np.arctan2(dy, dx)
    u = np.where(theta < 0.0, 2 * np.pi + theta, theta)
    s = np.searchsorted(cuts, u, side="right") - 1
    return np.minimum(s, len(cuts) - 2), theta


def _sectors_fast(dx, dy, k):
    """Sectors for ``k`` = 2, 4 or 8 from signs and magnitude comparisons only.

    The quadrant ``q`` (0-3 counter-clockwise, each closed at its start) comes from
    the signs of ``dx`` and ``dy``; with ``k = 8`` each quadrant is split at 45
    degrees: the second half when ``|dy| >= |dx|`` in quadrants 0 and 2 and when
    ``|dx| >= |dy|`` in 1 and 3. The same sectors as the angle (the bound at 45
    degrees is where ``|dx| = |dy|``, which belongs to the next sector), a null
    vector in sector 0 (``arctan2(0, 0) = 0``).
    """
    lower = (dy < 0) | ((dy == 0) & (dx < 0))  # angle in [180, 360)
    second = np.where(lower, dx >= 0, (dx <= 0) & (dy > 0))  # quadrants 1 and 3
    q = lower.astype(np.int8)
    q *= 2
    q += second
    if k == 2:
        return lower.astype(np.int64)
    if k == 4:
        return q.astype(np.int64)
    ax, ay = np.abs(dx), np.abs(dy)
    half = np.where(second, ax >= ay, ay >= ax)
    half &= (ax + ay) > 0
    q *= 2
    q += half
    return q.astype(np.int64)


# octant of the 16 codes 8 [dy < 0] + 4 [dx < 0] + 2 [|dy| >= |dx|] + [|dy| > |dx|]: the
# quadrant from the signs, its half from the magnitudes (the second half when
# |dy| >= |dx| in quadrants 0 and 2, when |dx| >= |dy| in 1 and 3). Right for every
# vector with dx != 0 and dy != 0, diagonals included; the others are redone.
_QUAD = {(0, 0): 0, (0, 1): 1, (1, 1): 2, (1, 0): 3}
_OCTANT_OF_CODE = np.array(
    [
        2 * _QUAD[c >> 3, (c >> 2) & 1]
        + ((c >> 1) & 1 if _QUAD[c >> 3, (c >> 2) & 1] in (0, 2) else 1 - (c & 1))
        for c in range(16)
    ]
)
_CODE_TO_OCTANT = np.zeros((16, 8), dtype=np.int64)
_CODE_TO_OCTANT[np.arange(16), _OCTANT_OF_CODE] = 1


class _OctantCounter:
    """Vectors per octant (as :func:`_sectors_fast` with ``k = 8``) of each column of
    ``(n, c)`` blocks of ``dx`` and ``dy``; returns ``(c, 8)`` counts.

    Four comparisons make a 4-bit code per vector, the column number the higher
    bits, and one ``bincount`` counts them; vectors with ``dx == 0`` or ``dy == 0``
    (axes and the null vector, where the code can be wrong) are recounted with
    :func:`_sectors_fast`. ``zero_dx=False`` says that no ``dx`` is zero. The work
    arrays are allocated once and reused for every block of the same shape.
    """

    def __init__(self, n, c, zero_dx=True):
        self.zero_dx = zero_dx
        self.code = np.empty((n, c), dtype=np.uint16)
        self.bits = np.empty((n, c), dtype=np.uint8)
        self.ay, self.ax = np.empty((n, c)), np.empty((n, c))
        self.column = np.left_shift(np.arange(c, dtype=np.uint16), 4)[None, :]

    def __call__(self, dx, dy):
        c = dx.shape[1]
        code, bits, ay, ax = self.code, self.bits, self.ay, self.ax
        flag = bits.view(bool)
        np.less(dy, 0, out=flag)
        np.left_shift(bits, 3, out=code)
        code |= self.column
        np.less(dx, 0, out=flag)
        bits <<= 2
        code |= bits
        np.abs(dy, out=ay)
        np.abs(dx, out=ax)
        np.greater_equal(ay, ax, out=flag)
        bits <<= 1
        code |= bits
        np.greater(ay, ax, out=flag)
        code |= bits
        counts = np.bincount(code.ravel(), minlength=16 * c).reshape(c, 16) @ _CODE_TO_OCTANT
        if self.zero_dx or ay.min() == 0:
            r, col = np.nonzero((dy == 0) | (dx == 0))
            if len(r):
                np.add.at(counts, (col, _sectors_fast(dx[r, col], dy[r, col], 8)), 1)
                np.add.at(counts, (col, _OCTANT_OF_CODE[code[r, col] & 15]), -1)
        return counts


def _octant_counts(dx, dy, zero_dx=True):
    """:class:`_OctantCounter` of one ``(n, c)`` block."""
    return _OctantCounter(*dx.shape, zero_dx)(dx, dy)


def _directions(dx, dy):
    up_x, up_y = dx > 0, dy > 0
    code = np.where(
        up_x, np.where(up_y, "up_up", "up_down"), np.where(up_y, "down_up", "down_down")
    ).astype(object)
    code[(dx == 0) | (dy == 0)] = "flat"
    return code


class DirectionalLISA(FrameReprMixin):
    """Directional LISA and its rose diagram; build it with :func:`directional_lisa`.

    Attribute names follow giddy's ``Rose``.

    Parameters
    ----------
    panel, w, start, end, k, permutations, seed, alternative :
        As in :func:`directional_lisa`.
    scale, unit, year, value, transform, unbalanced, keep_simulations :
        As in :func:`directional_lisa`.

    Attributes
    ----------
    ids : pandas.Index
    start, end : year labels
    Y : numpy.ndarray, shape (n, 2)
        The (scaled) values in ``start`` and ``end``.
    lag : numpy.ndarray, shape (n, 2)
        Their spatial lags.
    dx, dy : numpy.ndarray
        The unit's move and its neighbours' move (``end - start``).
    r, theta : numpy.ndarray
        Length and signed angle (radians, ``arctan2(dy, dx)``) of each vector.
    k : int
    cuts : numpy.ndarray, shape (k + 1,)
        Sector bounds in radians, ``0 .. 2 pi``.
    sector : numpy.ndarray of int
        Each unit's sector (``0..k-1``).
    counts : numpy.ndarray, shape (k,)
        Vectors per sector.
    direction : numpy.ndarray of str
        Neutral direction codes (:data:`DIRECTIONS`).
    permutations : int
    counts_perm : numpy.ndarray, shape (permutations, k)
    larger_perm, smaller_perm : numpy.ndarray, shape (k,)
        Permutations with a count >= / <= the observed one.
    expected_perm : numpy.ndarray, shape (k,)
    p : numpy.ndarray, shape (k,)
        Pseudo p-values per sector under ``alternative``.
    p_excess : numpy.ndarray, shape (k,)
        One-sided ``(larger_perm + 1) / (permutations + 1)``: evidence that the sector
        holds more vectors than under random reassignment.
    sector_p, sector_p_excess : numpy.ndarray
        Each unit's sector ``p`` and ``p_excess``.
    """

    def __init__(
        self,
        panel,
        w,
        start=None,
        end=None,
        k=8,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        scale="mean",
        unit="unit",
        year="year",
        value=None,
        transform="r",
        unbalanced="raise",
        keep_simulations=True,
    ):
        ROSE_ALTERNATIVES.check(alternative, "alternative")
        permutations = _check_permutations(permutations)
        if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 2:
            raise InputError(f"k (number of sectors) must be an integer >= 2; got {k!r}.")
        if alternative != "two-sided" and k % 4:
            raise InputError(
                f"alternative={alternative!r} needs k a multiple of 4 (each sector in one "
                f"quadrant); got k={k}."
            )
        pan = _check_panel(
            panel,
            w,
            unit=unit,
            year=year,
            value=value,
            transform=transform,
            unbalanced=unbalanced,
            min_years=2,
            what="a directional LISA",
            light=True,
        )
        years = pan.years
        start = years[0] if start is None else start
        end = years[-1] if end is None else end
        for label, y in (("start", start), ("end", end)):
            if y not in years:
                raise InputError(
                    f"{label}={y!r} is not a year of the panel; it has {format_ids(years)}."
                )
        i0, i1 = years.index(start), years.index(end)
        if i0 >= i1:
            raise InputError(f"start ({start!r}) must come before end ({end!r}).")
        y = _scale(pan.values, scale, years)
        self.ids, self.start, self.end, self.scale = pan.ids, start, end, scale
        self.dropped = pan.dropped()
        self.n, self.k = pan.n, int(k)
        self.Y = y[:, [i0, i1]]
        self.lag = pan.wts.full @ self.Y
        self.dx = self.Y[:, 1] - self.Y[:, 0]
        self.dy = self.lag[:, 1] - self.lag[:, 0]
        self.r = np.sqrt(self.dx**2 + self.dy**2)
        self.sw = 2 * np.pi / self.k
        self.cuts = self.sw * np.arange(self.k + 1)
        self.sector, self.theta = _sectors(self.dx, self.dy, self.cuts)
        self.counts = np.bincount(self.sector, minlength=self.k)
        self.direction = _directions(self.dx, self.dy)
        self.permutations, self.alternative = permutations, alternative
        if permutations:
            counts = self._permute(pan.wts, check_random_state(seed))
            self.counts_perm = counts if keep_simulations else None
            self.larger_perm = (counts >= self.counts).sum(axis=0)
            self.smaller_perm = (counts <= self.counts).sum(axis=0)
            self.expected_perm = counts.mean(axis=0)
            self.p = self._p_values()
            self.p_excess = (self.larger_perm + 1.0) / (permutations + 1.0)
        else:
            self.counts_perm = None
            self.larger_perm = self.smaller_perm = None
            self.expected_perm = self.p = self.p_excess = np.full(self.k, np.nan)
        self.sector_p = self.p[self.sector]
        self.sector_p_excess = self.p_excess[self.sector]

    def _permute(self, wts, rng):
        """Sector counts of random reassignments of the units' moves to locations.

        ``c`` permutations at a time (:func:`geoagglom.spatial.permutation._permutations`)
        give the columns of an ``(n, c)`` block of moves, whose lags are one sparse
        product. With ``k`` dividing 8 the
        sectors are counted from sign and magnitude bits (:func:`_octant_counts`),
        else from the angle as for the observed vectors.
        """
        n, k, perms = self.n, self.k, self.permutations
        out = np.empty((perms, k), dtype=np.int64)
        fast = 8 % k == 0
        block = max(1, _BLOCK_ELEMENTS // n)
        zero_moves = bool(np.any(self.dx == 0))
        counters = {}
        done = 0
        while done < perms:
            c = min(block, perms - done)
            dxp = self.dx.take(_permutations(rng, n, c).T)  # (n, c), C-ordered
            dyp = wts.full @ dxp  # their lags' moves (the lag is linear): (n, c)
            if fast:
                if c not in counters:
                    counters[c] = _OctantCounter(n, c, zero_moves)
                octants = counters[c](dxp, dyp)
                out[done : done + c] = octants.reshape(c, k, 8 // k).sum(axis=2)
            else:
                sec = _sectors(dxp, dyp, self.cuts)[0]
                sec += (np.arange(c) * k)[None, :]
                out[done : done + c] = np.bincount(sec.ravel(), minlength=c * k).reshape(c, k)
            done += c
            report_draws(c * n)
        return out

    def _p_values(self):
        perms = self.permutations
        if self.alternative == "two-sided":
            return _perm_p(self.larger_perm, self.smaller_perm, perms, "two-sided")
        mid = self.cuts[:-1] + self.sw / 2
        same = (np.sin(2 * mid) > 0).astype(int)  # quadrants I and III: co-movement
        larger = same if self.alternative == "positive" else 1 - same
        big = (self.larger_perm + 1.0) / (perms + 1.0)
        small = (self.smaller_perm + 1.0) / (perms + 1.0)
        return np.where(larger == 1, big, small)

    @property
    def statistic(self):
        """The sector counts."""
        return self.counts

    def sectors(self):
        """One row per sector: bounds (radians and degrees), count, expected count, p."""
        return pd.DataFrame(
            {
                "lower": self.cuts[:-1],
                "upper": self.cuts[1:],
                "lower_deg": np.degrees(self.cuts[:-1]),
                "upper_deg": np.degrees(self.cuts[1:]),
                "count": self.counts,
                "expected": self.expected_perm,
                "p": self.p,
                "p_excess": self.p_excess,
            },
            index=pd.RangeIndex(self.k, name="sector"),
        )

    def to_frame(self):
        """One row per unit: values, lags, moves, angle, sector, its p-value, direction."""
        df = pd.DataFrame(
            {
                "y_start": self.Y[:, 0],
                "y_end": self.Y[:, 1],
                "lag_start": self.lag[:, 0],
                "lag_end": self.lag[:, 1],
                "dx": self.dx,
                "dy": self.dy,
                "r": self.r,
                "theta": self.theta,
                "sector": self.sector,
                "sector_p": self.sector_p,
                "sector_p_excess": self.sector_p_excess,
                "direction": self.direction,
            },
            index=self.ids,
        )
        df.index.name = self.ids.name or "unit"
        return df

    def __repr__(self):
        how = f"{self.permutations} permutations" if self.permutations else "no inference"
        return (
            f"<directional LISA n={self.n}, {self.start}->{self.end}, k={self.k} ({how}): "
            f"counts={self.counts.tolist()}>"
        )


def directional_lisa(
    panel,
    w,
    start=None,
    end=None,
    k=8,
    permutations=999,
    seed=None,
    *,
    alternative="two-sided",
    scale="mean",
    unit="unit",
    year="year",
    value=None,
    transform="r",
    unbalanced="raise",
    keep_simulations=True,
):
    """Directional LISA between two years: rose-diagram sector counts and their inference.

    Parameters
    ----------
    panel, w, unit, year, value, transform, unbalanced
        As in :func:`geoagglom.spatial_markov` (at least the two years needed).
    start, end : year labels, optional
        The two years (default: the panel's first and last).
    k : int, default 8
        Number of equal sectors of the circle.
    permutations : int, default 999
        Random reassignments of the units' (start, end) values to the locations.
    seed : None, int or numpy.random.Generator
        Same seed, same p-values (:mod:`geoagglom.seeding`).
    alternative : {'two-sided', 'positive', 'negative'}, default 'two-sided'
        Per-sector pseudo p-values (:data:`geoagglom.options.ROSE_ALTERNATIVES`):
        ``'two-sided'`` is ``2 min(larger + 1, smaller + 1) / (permutations + 1)``;
        ``'positive'`` tests co-movement (count larger than expected in the sectors
        of quadrants I and III, smaller in II and IV), ``'negative'`` the reverse,
        as giddy's ``Rose.permute``. They need ``k`` a multiple of 4.
    scale : {'mean', 'zscore', 'raw'}, default 'mean'
        Values relative to each year's mean (as giddy's Rose examples), z-scores or raw.
    keep_simulations : bool, default True
        Keep the ``(permutations, k)`` simulated counts.

    Returns
    -------
    DirectionalLISA

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import directional_lisa
    >>> y = np.random.default_rng(0).lognormal(size=(100, 2))
    >>> rose = directional_lisa(y, lat2W(10, 10), k=4, permutations=99, seed=1)
    >>> int(rose.counts.sum())
    100
    >>> sorted(set(rose.direction)) <= ["down_down", "down_up", "up_down", "up_up"]
    True
    """
    return DirectionalLISA(
        panel,
        w,
        start,
        end,
        k,
        permutations,
        seed,
        alternative=alternative,
        scale=scale,
        unit=unit,
        year=year,
        value=value,
        transform=transform,
        unbalanced=unbalanced,
        keep_simulations=keep_simulations,
    )
