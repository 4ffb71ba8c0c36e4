"""Classes of a variable for maps and transition matrices: quantiles, equal intervals,
user-defined bounds and natural breaks.

The cut-offs and the class rule are those of mapclassify (``Quantiles``,
``EqualInterval``, ``UserDefined`` to the last bit; ``FisherJenks``: the same optimal
partition), so a map's legend is the one a PySAL user would get, without importing
mapclassify, which compiles numba code on import (seconds that a map should not pay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geoagglom.errors import InputError
from geoagglom.options import SCHEMES

__all__ = ["Classes", "classify", "natural_breaks", "quantile_cutoffs"]


def quantile_cutoffs(values, k, presorted=False):
    """Linear-interpolation quantiles at ``1/k, ..., (k-1)/k`` (Hyndman & Fan type 7).

    Written as the weighted mean ``(s_lo (hi - h) + s_hi (h - lo)) / (hi - lo)`` of the
    two order statistics around position ``h``, the form of
    ``scipy.stats.scoreatpercentile`` (and so of mapclassify's ``Quantiles``): the same
    cut-offs to the last bit, so that values within rounding of a cut-off fall in the
    same class as there.

    Parameters
    ----------
    values : numpy.ndarray
        One-dimensional, finite.
    k : int
        Number of classes (``k - 1`` cut-offs).
    presorted : bool, default False
        ``values`` is sorted already.

    Returns
    -------
    numpy.ndarray
        The ``k - 1`` cut-offs, non-decreasing.

    Examples
    --------
    >>> quantile_cutoffs(np.arange(1000.0), 4)
    array([249.75, 499.5 , 749.25])
    """
    s = values if presorted else np.sort(values)
    step = 100.0 / k  # percentiles step, 2 step, ... as mapclassify forms them
    h = (step + np.arange(k - 1) * step) / 100.0 * (len(s) - 1)
    lo = np.floor(h)
    hi = lo + 1.0
    exact = h == lo
    ilo = lo.astype(np.int64)
    ihi = np.minimum(ilo + 1, len(s) - 1)
    wlo, whi = hi - h, h - lo
    mixed = (s[ilo] * wlo + s[ihi] * whi) / (wlo + whi)
    return np.where(exact, s[ilo], mixed)


@dataclass(frozen=True, repr=False)
class Classes:
    """A classification of values: upper class bounds and each value's class.

    Built by :func:`classify`. A value ``x`` is in class ``j`` when
    ``bins[j - 1] < x <= bins[j]`` (class 0: ``x <= bins[0]``).

    Parameters
    ----------
    name : str
        The scheme: ``"Quantiles"``, ``"EqualInterval"``, ``"UserDefined"`` or
        ``"FisherJenks"`` (mapclassify's class names).
    bins : numpy.ndarray
        Upper bound of each class; the last is the maximum of the values (or above).
    yb : numpy.ndarray
        Class of each classified value.
    counts : numpy.ndarray
        Number of values in each class.
    """

    name: str
    bins: np.ndarray
    yb: np.ndarray
    counts: np.ndarray

    @property
    def k(self):
        """Number of classes."""
        return len(self.bins)

    def find_bin(self, x):
        """Class of each value of ``x``; values beyond the last bound go to the last class.

        Parameters
        ----------
        x : array_like

        Returns
        -------
        numpy.ndarray of int
        """
        x = np.asarray(x, dtype=float).ravel()
        return np.minimum(np.searchsorted(self.bins, x, side="left"), len(self.bins) - 1)

    def __repr__(self):
        bins = np.array2string(self.bins, precision=6, separator=", ")
        return f"Classes({self.name}, k={self.k}, bins={bins}, counts={self.counts.tolist()})"


def _with_bins(name, values, bins):
    bins = np.asarray(bins, dtype=float)
    yb = np.searchsorted(bins, values, side="left")
    return Classes(name, bins, yb, np.bincount(yb, minlength=len(bins)))


def classify(values, scheme="quantiles", k=5, bins=None):
    """Classify ``values`` by a map scheme.

    Parameters
    ----------
    values : array_like
        Finite numbers (e.g. every unit-year of the years on a map, pooled).
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user_defined"}
        Quantiles (linear interpolation; ties that make two cut-offs equal leave
        fewer classes, as in mapclassify), Fisher–Jenks natural breaks
        (:func:`natural_breaks`), ``k`` classes of equal width, or the upper
        bounds ``bins`` (the maximum is added as a last class when it exceeds the
        last bound).
    k : int, default 5
        Number of classes (not used by ``"user_defined"``).
    bins : sequence of float, optional
        Upper class bounds, for ``scheme="user_defined"`` only.

    Returns
    -------
    Classes

    Raises
    ------
    InputError
        For an unknown scheme, ``k < 2``, fewer than ``k`` distinct values, or bins
        that are missing, given for another scheme or not strictly increasing.

    Examples
    --------
    >>> c = classify(np.arange(10.0), "quantiles", k=2)
    >>> c.bins.tolist(), c.counts.tolist()
    ([4.5, 9.0], [5, 5])
    """
    SCHEMES.check(scheme, "scheme")
    values = np.asarray(values, dtype=float).ravel()
    if scheme == "user_defined":
        if bins is None:
            raise InputError("scheme='user_defined' needs bins=, the upper bounds of the classes.")
        bins = np.asarray(bins, dtype=float)
        if bins.ndim != 1 or len(bins) == 0 or np.any(np.diff(bins) <= 0):
            raise InputError(f"bins={bins.tolist()} must be a non-empty, strictly increasing list.")
        top = values.max()
        return _with_bins("UserDefined", values, np.append(bins, top) if bins[-1] < top else bins)
    if bins is not None:
        raise InputError(
            f"bins= is only used with scheme='user_defined' (scheme is {scheme!r}); "
            "drop bins or change the scheme."
        )
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 2:
        raise InputError(f"k={k!r} must be an integer of at least 2 (the number of classes).")
    s = np.sort(values)
    distinct = 1 + int(np.count_nonzero(s[1:] != s[:-1])) if len(s) else 0
    if distinct < k:
        raise InputError(
            f"k={k} classes asked for but the values take only {distinct} distinct value(s); "
            f"use k={max(distinct, 2)} or fewer, or scheme='user_defined'."
        )
    if scheme == "quantiles":
        cut = np.unique(np.append(quantile_cutoffs(s, k, presorted=True), s[-1]))
        return _with_bins("Quantiles", values, cut)
    if scheme == "equal_interval":
        low, top = s[0], s[-1]
        width = (top - low) / k
        # numpy's arange, as mapclassify forms the cuts (the same floats), then the
        # last cut set to the maximum
        cut = np.arange(low + width, top + width, width)[:k]
        cut[-1] = top
        return _with_bins("EqualInterval", values, cut)
    return _with_bins("FisherJenks", values, natural_breaks(s, k))


def natural_breaks(values, k):
    """Fisher–Jenks natural breaks: the ``k`` classes of least within-class sum of squares.

    The exact optimum (Fisher 1958; Jenks 1977) by dynamic programming over the
    sorted values: ``O(k n**2)`` time, so meant for the few thousand values of a map.
    Among partitions of equal cost the one whose classes start earliest wins.

    Parameters
    ----------
    values : numpy.ndarray
        Sorted, finite, with at least ``k`` distinct values.
    k : int
        Number of classes.

    Returns
    -------
    numpy.ndarray
        The classes' upper bounds (values of the data; the last is the maximum).

    Examples
    --------
    >>> natural_breaks(np.array([1.0, 2.0, 3.0, 10.0, 11.0, 30.0]), 3).tolist()
    [3.0, 11.0, 30.0]
    """
    n = len(values)
    x = values - values.mean()  # centred: the running sums lose less to cancellation
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    index = np.arange(n)
    # cost[i]: least sum of squares of the first i + 1 values in the classes so far
    cost = c2[1:] - c1[1:] ** 2 / (index + 1)
    start = np.zeros((k, n), dtype=np.int64)  # where the last class of that optimum starts
    for j in range(1, k):
        best = np.full(n, np.inf)
        for i in range(j, n):
            m = index[j : i + 1]  # the last class is values[m..i]
            total = c1[i + 1] - c1[m]
            candidates = cost[m - 1] + (c2[i + 1] - c2[m]) - total * total / (i + 1 - m)
            b = int(np.argmin(candidates))
            best[i] = candidates[b]
            start[j, i] = j + b
        cost = best
    bins = [values[-1]]
    i = n - 1
    for j in range(k - 1, 0, -1):
        i = start[j, i] - 1
        bins.append(values[i])
    return np.array(bins[::-1])
