"""Global statistics: Moran's I, Geary's C, bivariate Moran's I."""

from __future__ import annotations

import numpy as np

from geoagglom.spatial._base import _GlobalResult, _prepare, _unit_scale, _values
from geoagglom.spatial.permutation import _BLOCK_ELEMENTS, _global_sims, _lagged
from geoagglom.spatial.significance import _div, _normal_p, _sqrt


# --------------------------------------------------------------------------- #
# Global Moran's I
# --------------------------------------------------------------------------- #
class Moran(_GlobalResult):
    """Global Moran's I with analytic and permutation inference.

    Build it with :func:`moran`. Attributes follow esda's ``Moran``.

    Parameters
    ----------
    y, w, permutations, seed, alternative, transform, data :
        As in :func:`moran`.

    Attributes
    ----------
    n : int
    I : float
        ``(n / s0) * z' W z / z' z`` with ``z`` the centred values.
    EI : float
        ``-1 / (n - 1)``.
    VI_norm, seI_norm, z_norm, p_norm : float
        Variance, standard error, z and p under the normality assumption.
    VI_rand, seI_rand, z_rand, p_rand : float
        The same under randomisation (exact moments of the permutation distribution).
    permutations : int
    sim : numpy.ndarray or None
        The ``permutations`` simulated values of I.
    EI_sim, VI_sim, seI_sim, z_sim, p_z_sim, p_sim : float
        Mean, variance, standard deviation of ``sim``, the z of I against them, its
        normal p-value and the pseudo p-value (see module notes on ``alternative``).
    alternative : str
    ids : pandas.Index
        Unit ids, in the order of the values used.
    s0, s1, s2 : float
        Cliff–Ord weight sums.
    """

    _stat_name = "moran_i"
    _frame_cols = (
        "n",
        "I",
        "EI",
        "VI_norm",
        "z_norm",
        "p_norm",
        "VI_rand",
        "z_rand",
        "p_rand",
        "permutations",
        "EI_sim",
        "VI_sim",
        "z_sim",
        "p_sim",
    )

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        y = _values(y, wts, data, "y")
        n = wts.n
        self.ids = wts.ids
        self.n = n
        self.y = y
        y = _unit_scale(y)  # scale-free statistic: no overflow near 1e±300
        self.alternative = alternative
        self.permutations = permutations
        self.s0, self.s1, self.s2 = wts.s0, wts.s1, wts.s2
        z = y - y.mean()
        zz = float(z @ z)
        self.I = float(n / wts.s0 * (z @ wts.lag(z)) / zz)
        self.EI = -1.0 / (n - 1)
        s0, s1, s2 = wts.s0, wts.s1, wts.s2
        s02 = s0 * s0
        n2 = n * n
        self.VI_norm = (n2 * s1 - n * s2 + 3 * s02) / ((n2 - 1) * s02) - self.EI**2
        k = (np.sum(z**4) / n) / (zz / n) ** 2
        if n > 3:
            a = n * ((n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02)
            b = k * ((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
            self.VI_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s02) - self.EI**2
        else:
            self.VI_rand = np.nan
        self.seI_norm = float(_sqrt(self.VI_norm))
        self.seI_rand = float(_sqrt(self.VI_rand))
        self.z_norm = float(_div(self.I - self.EI, self.seI_norm))
        self.z_rand = float(_div(self.I - self.EI, self.seI_rand))
        self.p_norm = float(_normal_p(self.z_norm, alternative))
        self.p_rand = float(_normal_p(self.z_rand, alternative))
        self.z = z / y.std()
        stat = _lagged(lambda zp, lag: n / s0 * np.einsum("ij,ij->i", zp, lag) / zz, wts)
        self._permutation_inference(
            self.I,
            lambda rng: _global_sims(z, permutations, rng, stat, max(1, _BLOCK_ELEMENTS // n)),
            seed,
        )

    def __repr__(self):
        return (
            f"<Moran's I n={self.n}: I={self.I:.6g}, E[I]={self.EI:.4g}, "
            f"z_rand={self.z_rand:.4g}, p_rand={self.p_rand:.4g}{self._sim_text()}; "
            f"{self.alternative}>"
        )


def moran(
    y,
    w,
    permutations: int = 999,
    seed=None,
    *,
    alternative: str = "two-sided",
    transform: str | None = None,
    data=None,
) -> Moran:
    """Global Moran's I.

    Parameters
    ----------
    y : array-like, pandas.Series or str
        Values: an array in the graph's unit order, a Series indexed by unit id, or
        a column name of ``data``.
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights indexed by unit id (see :func:`geoagglom.spatial_weights`), used as
        given unless ``transform`` is set.
    permutations : int, default 999
        Random permutations for the pseudo p-value (0: none).
    seed : int, numpy.random.Generator or None
        Source of randomness; the same seed gives the same numbers.
    alternative : {'two-sided', 'greater', 'less', 'directed'}, default 'two-sided'
        Alternative hypothesis for all p-values; ``'directed'`` is esda's ``p_sim``
        (one-sided in the direction of the observed value). See the module notes.
    transform : {None, 'r', 'b'}, default None
        Re-transform the weights (row-standardise or binarise) before use.
    data : pandas.DataFrame, optional
        Holds the column when ``y`` is a column name.

    Returns
    -------
    Moran

    Raises
    ------
    InputError
        Missing/non-finite values (naming the units), ids not matching the weights,
        fewer than 3 units, a constant variable, islands in the weights.

    Examples
    --------
    >>> import geoagglom as ga  # doctest: +SKIP
    >>> w = ga.spatial_weights(layer, "queen")  # doctest: +SKIP
    >>> ga.moran("beta", w, data=layer, seed=1).p_sim  # doctest: +SKIP
    """
    return Moran(y, w, permutations, seed, alternative=alternative, transform=transform, data=data)


# --------------------------------------------------------------------------- #
# Geary's C
# --------------------------------------------------------------------------- #
class Geary(_GlobalResult):
    """Geary's C with analytic and permutation inference; build it with :func:`geary`.

    Attributes follow esda's ``Geary``: ``C``, ``EC`` (= 1), ``VC_norm``, ``VC_rand``,
    ``seC_norm``, ``seC_rand``, ``z_norm``, ``z_rand``, ``p_norm``, ``p_rand``, and with
    permutations ``sim``, ``EC_sim``, ``VC_sim``, ``seC_sim``, ``z_sim``, ``p_z_sim``,
    ``p_sim``. ``C < 1`` indicates positive spatial autocorrelation (so the
    one-sided test for it is ``alternative='less'``).

    Parameters
    ----------
    y, w, permutations, seed, alternative, transform, data :
        As in :func:`geary`.
    """

    _stat_name = "geary_c"
    _stat_attr = "C"
    _frame_cols = (
        "n",
        "C",
        "EC",
        "VC_norm",
        "z_norm",
        "p_norm",
        "VC_rand",
        "z_rand",
        "p_rand",
        "permutations",
        "EC_sim",
        "VC_sim",
        "z_sim",
        "p_sim",
    )

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        y = _values(y, wts, data, "y", what="Geary's C")
        n = wts.n
        self.ids, self.n, self.y = wts.ids, n, y
        y = _unit_scale(y)
        self.alternative, self.permutations = alternative, permutations
        s0, s1, s2 = wts.s0, wts.s1, wts.s2
        self.s0, self.s1, self.s2 = s0, s1, s2
        full = wts.full.tocoo()
        fi, fj, fw = full.row, full.col, full.data
        z = y - y.mean()
        zz = float(z @ z)
        den = 2.0 * s0 * zz

        # the same sum over the links for the observed and the permuted values: with
        # integer data and binary weights, a permutation that gives the same C gives
        # it exactly, a tie (the sum through the lag was tried: it is not exact)
        def calc(v):
            return (n - 1) * np.sum(fw * (v[..., fi] - v[..., fj]) ** 2, axis=-1) / den

        self.C = float(calc(y))
        self.EC = 1.0
        s02 = s0 * s0
        n2 = n * n
        k = (np.sum(z**4) / n) / (zz / n) ** 2
        self.VC_norm = ((2 * s1 + s2) * (n - 1) - 4 * s02) / (2 * (n + 1) * s02)
        if n > 3:
            a = (n - 1) * s1 * (n2 - 3 * n + 3 - (n - 1) * k)
            b = 0.25 * (n - 1) * s2 * (n2 + 3 * n - 6 - (n2 - n + 2) * k)
            c = s02 * (n2 - 3 - (n - 1) ** 2 * k)
            self.VC_rand = (a - b + c) / (n * (n - 2) * (n - 3) * s02)
        else:
            self.VC_rand = np.nan
        self.seC_norm = float(_sqrt(self.VC_norm))
        self.seC_rand = float(_sqrt(self.VC_rand))
        self.z_norm = float(_div(self.C - 1.0, self.seC_norm))
        self.z_rand = float(_div(self.C - 1.0, self.seC_rand))
        self.p_norm = float(_normal_p(self.z_norm, alternative))
        self.p_rand = float(_normal_p(self.z_rand, alternative))
        block = max(1, _BLOCK_ELEMENTS // max(n, len(fw)))
        self._permutation_inference(
            self.C,
            lambda rng: _global_sims(y, permutations, rng, calc, block),
            seed,
            prefix="C",
        )

    def __repr__(self):
        return (
            f"<Geary's C n={self.n}: C={self.C:.6g}, z_rand={self.z_rand:.4g}, "
            f"p_rand={self.p_rand:.4g}{self._sim_text()}; {self.alternative}>"
        )


def geary(
    y,
    w,
    permutations: int = 999,
    seed=None,
    *,
    alternative: str = "two-sided",
    transform: str | None = None,
    data=None,
) -> Geary:
    """Geary's C.

    ``C = (n - 1) * sum_ij w_ij (y_i - y_j)**2 / (2 * s0 * sum_i (y_i - mean)**2)``;
    ``E[C] = 1``; ``C < 1`` means positive spatial autocorrelation. Parameters,
    errors and p-value conventions as in :func:`moran`.

    Returns
    -------
    Geary
    """
    return Geary(y, w, permutations, seed, alternative=alternative, transform=transform, data=data)


# --------------------------------------------------------------------------- #
# Bivariate global Moran
# --------------------------------------------------------------------------- #
class MoranBV(_GlobalResult):
    """Bivariate Moran's I of ``x`` against the spatial lag of ``y``; see :func:`moran_bv`.

    Parameters
    ----------
    x, y, w, permutations, seed, alternative, transform, data :
        As in :func:`moran_bv`.

    Attributes
    ----------
    I : float
        ``(n / s0) * zx' W zy / (n - 1)`` with ``zx``, ``zy`` standardised with
        ``ddof=1``; with row-standardised weights (``s0 = n``) this is esda's
        ``Moran_BV.I``.
    sim, EI_sim, VI_sim, seI_sim, z_sim, p_z_sim, p_sim
        Permutation inference: ``y`` is permuted over the units, ``x`` stays.
    """

    _stat_name = "moran_bv"
    _frame_cols = ("n", "I", "permutations", "EI_sim", "VI_sim", "z_sim", "p_z_sim", "p_sim")

    def __init__(
        self,
        x,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        transform=None,
        data=None,
    ):
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        x = _values(x, wts, data, "x", what="bivariate Moran's I")
        y = _values(y, wts, data, "y", what="bivariate Moran's I")
        n = wts.n
        self.ids, self.n, self.x, self.y = wts.ids, n, x, y
        x, y = _unit_scale(x), _unit_scale(y)
        self.alternative, self.permutations = alternative, permutations
        zx = (x - x.mean()) / x.std(ddof=1)
        zy = (y - y.mean()) / y.std(ddof=1)
        self.zx, self.zy = zx, zy
        scale = n / wts.s0 / (n - 1)
        self.I = float(scale * (zx @ wts.lag(zy)))
        stat = _lagged(lambda zp, lag: scale * (lag @ zx), wts)
        self._permutation_inference(
            self.I,
            lambda rng: _global_sims(zy, permutations, rng, stat, max(1, _BLOCK_ELEMENTS // n)),
            seed,
        )

    def __repr__(self):
        return (
            f"<bivariate Moran's I n={self.n}: I={self.I:.6g}{self._sim_text()}; "
            f"{self.alternative}>"
        )


def moran_bv(
    x,
    y,
    w,
    permutations: int = 999,
    seed=None,
    *,
    alternative: str = "two-sided",
    transform: str | None = None,
    data=None,
) -> MoranBV:
    """Bivariate Moran's I: ``x`` of each unit against the spatial lag of ``y``.

    For example a unit's financial entropy (``x``) against its neighbours' GDP
    growth (``y``). Parameters, errors and p-value conventions as in :func:`moran`
    (``x`` and ``y`` each an array, Series or column name).

    Returns
    -------
    MoranBV
    """
    return MoranBV(
        x, y, w, permutations, seed, alternative=alternative, transform=transform, data=data
    )
