"""Spatial Gini: the Gini split into neighbour and non-neighbour pairs (Rey & Smith 2013).

Rey, S. J. and Smith, R. J. (2013), "A spatial decomposition of the Gini
coefficient", *Letters in Spatial and Resource Sciences* 6(2), 55–70. With
``w_ij = 1`` for neighbours (any non-zero weight of the graph; the diagonal is
ignored) and ``0`` otherwise::

    G = Σ_i Σ_j |y_i − y_j| / (2 n² μ)
      = Σ_i Σ_j w_ij |y_i − y_j| / (2 n² μ) + Σ_i Σ_j (1 − w_ij) |y_i − y_j| / (2 n² μ)

The first sum (``wg``, over ordered neighbour pairs) is the neighbours' part, the
second (``wcg``) the non-neighbours'. Under spatial randomness ``wcg`` is
compared with its values over random permutations of the values over the units;
``wcg`` larger than expected means neighbours are more alike than random pairs.
``polarization = (wcg / wg) · (neighbour pairs / non-neighbour pairs)`` has
expectation about 1 under randomness.

Names follow PySAL inequality's ``Gini_Spatial`` (``g, wg, wcg, wcg_share,
polarization, p_sim, e_wcg, s_wcg, z_wcg, p_z_sim``). Random numbers: the
permutations come from geoagglom's one permutation engine with a
:class:`numpy.random.Generator` (``seed``), not from numpy's global legacy
stream that ``Gini_Spatial`` shuffles; given the same permutations both compute
identical null values and p-values (the tests feed ``Gini_Spatial``'s own
sequence of shuffles to :meth:`SpatialGini.wcg_of`).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd

from geoagglom.errors import InputError, format_ids
from geoagglom.measures.inequality import _abs_diff_sum
from geoagglom.spatial._base import _check_alternative, _check_permutations, _GlobalResult, _values
from geoagglom.spatial.permutation import _BLOCK_ELEMENTS, _global_sims
from geoagglom.spatial.significance import _perm_p
from geoagglom.spatial.weights import _graph_positions, as_graph

__all__ = ["SpatialGini", "spatial_gini"]


class SpatialGini(_GlobalResult):
    """Spatial Gini (Rey & Smith 2013) with permutation inference.

    Build it with :func:`spatial_gini`.

    Parameters
    ----------
    y, w, permutations, seed, alternative, data :
        As in :func:`spatial_gini`.

    Attributes
    ----------
    g : float
        The Gini coefficient (``statistic``).
    wg, wcg : float
        Sums of ``|y_i − y_j|`` over ordered neighbour and non-neighbour pairs.
    dtotal : float
        ``wg + wcg = Σ_i Σ_j |y_i − y_j|``.
    den : float
        ``2 n² μ``.
    gini_neighbors, gini_non_neighbors : float
        ``wg / den`` and ``wcg / den``; they add up to ``g``.
    wcg_share : float
        ``wcg / den`` (PySAL's name for ``gini_non_neighbors``).
    polarization : float
    n, n_neighbor_pairs : int
        Units and unordered neighbour pairs.
    permutations : int
    sim, wcgp : numpy.ndarray or None
        ``wcg`` of every permutation.
    e_wcg, s_wcg, z_wcg : float
        Mean and (population) standard deviation of ``sim``, and the z of ``wcg``.
    p_sim : float
        Pseudo p-value of ``wcg`` (``alternative``; the default ``"directed"`` is
        ``Gini_Spatial``'s folded one-sided p-value).
    p_z_sim : float
        Normal p-value of ``z_wcg`` under ``alternative``.
    polarization_sim : numpy.ndarray or None
    polarization_p_sim : float
        Upper-tail pseudo p-value of the polarization.
    ids : pandas.Index
    """

    _stat_name = "spatial_gini"
    _stat_attr = "g"
    _frame_cols = (
        "n",
        "g",
        "gini_neighbors",
        "gini_non_neighbors",
        "wg",
        "wcg",
        "polarization",
        "permutations",
        "e_wcg",
        "s_wcg",
        "z_wcg",
        "p_sim",
        "polarization_p_sim",
    )

    def __init__(self, y, w, permutations=99, seed=None, *, alternative="directed", data=None):
        graph = as_graph(w)
        ids = pd.Index(graph.unique_ids)
        ids = ids.rename(None) if ids.name == "focal" else ids
        n = len(ids)
        self.alternative = _check_alternative(alternative)
        self.permutations = _check_permutations(permutations)
        y = _values(y, SimpleNamespace(ids=ids, n=n), data, "y", what="The spatial Gini")
        neg = y < 0
        if neg.any():
            raise InputError(
                f"y is negative for units {format_ids(ids[neg])}; the Gini needs values >= 0."
            )
        h, t, v = _graph_positions(graph)
        keep = (v != 0) & (h != t)
        pairs = np.unique(np.sort(np.stack([h[keep], t[keep]], axis=1), axis=1), axis=0)
        self._heads, self._tails = pairs[:, 0], pairs[:, 1]  # each unordered pair once
        self.ids, self.n, self.y = ids, n, y
        self.n_neighbor_pairs = len(pairs)
        mu = float(y.mean())
        self.den = 2.0 * n * n * mu
        self.dtotal = _abs_diff_sum(y, np.ones(n))
        self.g = self.dtotal / self.den
        self.wg = float(self._wg(y[None, :])[0])
        self.wcg = self.dtotal - self.wg
        self.gini_neighbors = self.wg / self.den
        self.gini_non_neighbors = self.wcg / self.den
        self.wcg_share = self.gini_non_neighbors
        n_pairs = n * (n - 1) / 2.0
        self._scale = self.n_neighbor_pairs / (n_pairs - self.n_neighbor_pairs)
        self.polarization = _polar(self.wcg, self.wg, self._scale)
        block = max(1, _BLOCK_ELEMENTS // max(n, 1))
        self._permutation_inference(
            self.wcg,
            lambda rng: _global_sims(y, self.permutations, rng, self._wcg_rows, block),
            seed,
            prefix="wcg",
        )
        self.wcgp = self.sim
        self.e_wcg, self.s_wcg, self.z_wcg = self.Ewcg_sim, self.sewcg_sim, self.z_sim
        if self.permutations:
            self.polarization_sim = _polar(self.sim, self.dtotal - self.sim, self._scale)
            greater = np.sum(self.polarization_sim >= self.polarization)
            self.polarization_p_sim = float(_perm_p(greater, 0, self.permutations, "greater"))
        else:
            self.polarization_sim, self.polarization_p_sim = None, math.nan

    def _wg(self, rows):
        """Σ over ordered neighbour pairs of |y_i − y_j| for every row of values."""
        return 2.0 * np.sum(np.abs(rows[:, self._heads] - rows[:, self._tails]), axis=1)

    def _wcg_rows(self, rows):
        return self.dtotal - self._wg(rows)

    def wcg_of(self, permutations):
        """``wcg`` for given permutations of the units (rows of unit positions).

        Parameters
        ----------
        permutations : array-like of int, shape (P, n)

        Returns
        -------
        numpy.ndarray
            One value per row.
        """
        perms = np.asarray(permutations, dtype=np.int64)
        return self._wcg_rows(self.y[perms])

    def __repr__(self):
        return (
            f"<Spatial Gini n={self.n}: g={self.g:.6g} = neighbours {self.gini_neighbors:.6g} "
            f"+ non-neighbours {self.gini_non_neighbors:.6g}{self._sim_text()}>"
        )


def _polar(wcg, wg, scale):
    with np.errstate(divide="ignore", invalid="ignore"):
        return wcg / wg * scale


def spatial_gini(y, w, permutations=99, seed=None, *, alternative="directed", data=None):
    """Spatial Gini: the Gini of ``y`` split into neighbour and non-neighbour pairs.

    Parameters
    ----------
    y : str, pandas.Series or array-like
        Values ``>= 0`` (a column of ``data``, a Series indexed by unit id, or
        values in the graph's unit order).
    w : libpysal.graph.Graph or libpysal.weights.W
        Neighbours: any non-zero weight makes a pair neighbours (binary use);
        units without neighbours are allowed.
    permutations : int, default 99
    seed : None, int or numpy.random.Generator
    alternative : {"directed", "greater", "less", "two-sided"}, default "directed"
    data : pandas.DataFrame, optional

    Returns
    -------
    SpatialGini

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.graph import Graph
    >>> g = Graph.from_dicts({0: [1], 1: [0, 2], 2: [1, 3], 3: [2]})
    >>> s = spatial_gini(np.array([1.0, 2.0, 3.0, 4.0]), g, permutations=0)
    >>> round(s.g, 6), round(s.gini_neighbors, 6)
    (0.25, 0.075)
    """
    return SpatialGini(y, w, permutations, seed, alternative=alternative, data=data)
