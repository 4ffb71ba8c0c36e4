"""Local statistics: local Moran's I (LISA) and its bivariate form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoagglom.compute import require_dask
from geoagglom.errors import InputError
from geoagglom.options import ADJUSTMENTS, SCALINGS
from geoagglom.seeding import check_random_state
from geoagglom.spatial._base import _prepare, _Result, _standardise, _unit_scale, _values
from geoagglom.spatial.permutation import _conditional_sims
from geoagglom.spatial.significance import _adjust, _div, _no_sims, _normal_p, _perm_p, _sqrt

#: esda's quadrant codes: 1 HH, 2 LH, 3 LL, 4 HL (value, spatial lag).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Label of a unit whose local statistic is not significant.
NOT_SIGNIFICANT = "ns"
#: Every label of a local statistic: the significant quadrants, then ``"ns"``.
CLUSTERS = ("HH", "LH", "LL", "HL", NOT_SIGNIFICANT)
#: Study-facing names of significant local clusters, by quadrant.
_QUADRANT_NAMES = np.array([QUADRANTS[v] for v in range(1, 5)], dtype=object)


# --------------------------------------------------------------------------- #
# Local Moran
# --------------------------------------------------------------------------- #
class _LocalBase(_Result):
    """A local statistic ``focal_i * lag(values)_i`` with conditional-permutation inference.

    :class:`LocalMoran` uses it with ``focal = values = z``; :class:`LocalMoranBV`
    with ``focal = zx`` and ``values = zy``.
    """

    _stat_attr = "Is"

    def _start(self, w, transform, alternative, permutations, alpha, adjust, scaling, chunks):
        """Check the options, keep them on the result and return the weights."""
        wts, alternative, permutations = _prepare(w, transform, alternative, permutations)
        _check_local_options(scaling, alpha, adjust)
        self._chunks = _check_chunks(chunks)
        self.alternative, self.permutations = alternative, permutations
        self.alpha, self.adjust, self.scaling = alpha, adjust, scaling
        return wts

    def _local(self, wts, focal, values, seed, keep):
        """Statistic, analytic moments (:meth:`_moments`), permutations and classes."""
        n = wts.n
        lag = wts.lag(values)
        factor = (n - 1) / n if self.scaling == "esda" else 1.0
        self.Is = factor * focal * lag
        self._moments(wts, focal, factor)
        if self.permutations:
            greater, less, sims, moments = _conditional_sims(
                wts,
                focal,
                values,
                self.Is,
                factor,
                self.permutations,
                check_random_state(seed),
                keep,
                self._chunks,
            )
            self.p_sim = _perm_p(greater, less, self.permutations, self.alternative)
            self._sims_moments(sims, moments)
        else:
            _no_sims(self)
        self._finish(focal, lag)

    def _moments(self, wts, z, factor):
        """Analytic moments of ``Is``; none in general."""

    def _sims_moments(self, sims, moments):
        # the moments come from the permutation engine: from the kept simulations,
        # or accumulated block by block when they are not kept
        self.sim = sims
        self.EI_sim, self.seI_sim = moments
        self.VI_sim = self.seI_sim**2
        self.z_sim = _div(self.Is - self.EI_sim, self.seI_sim)
        self.p_z_sim = _normal_p(self.z_sim, self.alternative)

    def _finish(self, z_focal, lag):
        # quadrants (esda codes): value above/below mean x lag above/below zero
        hi = z_focal > 0
        lh = lag > 0
        q = np.where(lh, np.where(hi, 1, 2), np.where(hi, 4, 3))
        self.q = q
        self.quadrant = _QUADRANT_NAMES[q - 1]
        self.p_value = self.p_sim if self.permutations else self.p_c
        self.p_adjusted = _adjust(self.p_value, self.adjust)
        self.significant = self.p_adjusted <= self.alpha
        self.labels = self.quadrant.copy()
        self.labels[~self.significant] = NOT_SIGNIFICANT

    def to_frame(self):
        """Tidy frame indexed by unit id: local statistic, quadrant, p-values, class."""
        df = pd.DataFrame(
            {
                "Is": self.Is,
                "q": self.q,
                "quadrant": self.quadrant,
                "EIc": self.EIc if hasattr(self, "EIc") else np.nan,
                "VIc": self.VIc if hasattr(self, "VIc") else np.nan,
                "z_c": self.z_c if hasattr(self, "z_c") else np.nan,
                "p_c": self.p_c if hasattr(self, "p_c") else np.nan,
                "p_sim": self.p_sim if self.permutations else np.nan,
                "z_sim": self.z_sim if self.permutations else np.nan,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
                "significant": self.significant,
                "label": self.labels,
            },
            index=self.ids,
        )
        df.index.name = self.ids.name or "unit"
        return df

    def counts(self):
        """Number of units per class label (all five labels, zeros included)."""
        return pd.Series(self.labels).value_counts().reindex(CLUSTERS, fill_value=0)

    def units(self, label):
        """Unit ids of one class, e.g. ``units('HL')``."""
        if label not in CLUSTERS:
            raise InputError(f"label must be one of {list(CLUSTERS)}, got {label!r}.")
        return list(self.ids[self.labels == label])

    def __repr__(self):
        c = self.counts()
        parts = ", ".join(f"{k}: {v}" for k, v in c.items() if v)
        how = f"{self.permutations} permutations" if self.permutations else "analytic"
        adj = f", {self.adjust} adjusted" if self.adjust not in (None, "none") else ""
        return (
            f"<{self._title} n={self.n} ({how}, {self.alternative}, alpha={self.alpha}"
            f"{adj}, scaling={self.scaling!r}): {parts}>"
        )


def _check_chunks(chunks):
    """``chunks`` of :func:`local_moran`: None, or a positive integer with dask installed."""
    if chunks is None:
        return None
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
        raise InputError(
            f"chunks must be None (all units in this process) or a positive integer, "
            f"got {chunks!r}."
        )
    require_dask("local Moran with chunks")
    return int(chunks)


def _check_local_options(scaling, alpha, adjust):
    SCALINGS.check(scaling, "scaling")
    if not (0 < alpha < 1):
        raise InputError(f"alpha must be between 0 and 1, got {alpha!r}.")
    if adjust is not None:
        ADJUSTMENTS.check(adjust, "adjust")


class LocalMoran(_LocalBase):
    """Local Moran's I (LISA); build it with :func:`local_moran`.

    Parameters
    ----------
    y, w, permutations, seed, alternative, alpha, adjust :
        As in :func:`local_moran`.
    scaling, keep_simulations, transform, data, chunks :
        As in :func:`local_moran`.

    Attributes
    ----------
    ids : pandas.Index
        Unit ids (graph order); every array below is aligned with them.
    Is : numpy.ndarray
        Local statistics, in the chosen ``scaling`` (see module notes).
    q : numpy.ndarray of int
        esda quadrant codes: 1 HH, 2 LH, 3 LL, 4 HL (unit value vs mean, lag vs mean).
    quadrant : numpy.ndarray of str
        'HH', 'LH', 'LL', 'HL'.
    EI, VI : numpy.ndarray
        Expectation and variance under total randomisation (Sokal et al. 1998).
    EIc, VIc, z_c, p_c : numpy.ndarray
        Expectation and variance under conditional randomisation (exact moments of
        the conditional permutation distribution; spdep's ``E.Ii``/``Var.Ii``),
        the z-value and its normal p-value (spdep's ``Z.Ii`` and ``Pr()``).
    sim : numpy.ndarray, shape (permutations, n), or None
    p_sim, EI_sim, VI_sim, seI_sim, z_sim, p_z_sim : numpy.ndarray
        Conditional-permutation inference.
    p_value : numpy.ndarray
        The p-values used for significance: ``p_sim`` with permutations, else ``p_c``.
    p_adjusted : numpy.ndarray
        ``p_value`` after the multiple-testing ``adjust``-ment (or a copy).
    significant : numpy.ndarray of bool
        ``p_adjusted <= alpha``.
    labels : numpy.ndarray of str
        The quadrant ('HH', 'LH', 'LL', 'HL') where significant, else 'ns'.
    """

    _title = "local Moran"

    def __init__(
        self,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        alpha=0.05,
        adjust=None,
        scaling="esda",
        keep_simulations=False,
        transform=None,
        data=None,
        chunks=None,
    ):
        wts = self._start(w, transform, alternative, permutations, alpha, adjust, scaling, chunks)
        y = _values(y, wts, data, "y", what="local Moran's I")
        self.ids, self.n, self.y = wts.ids, wts.n, y
        self.z = _standardise(_unit_scale(y))  # m2 = sum(z**2)/n = 1
        self._local(wts, self.z, self.z, seed, keep_simulations)

    def _moments(self, wts, z, factor):
        n = wts.n
        wi, wi2 = wts.rowsum, wts.rowsum2
        # conditional randomisation (z_i fixed), spdep scale, then rescaled
        eic = -(z**2) * wi / (n - 1)
        vic = z**2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (1.0 - z**2 / (n - 1))
        b2 = np.mean(z**4)
        ei = -wi / (n - 1)
        vi = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - ei**2
        self.EIc, self.VIc = factor * eic, factor**2 * vic
        self.EI, self.VI = factor * ei, factor**2 * vi
        self.z_c = _div(self.Is - self.EIc, _sqrt(self.VIc))
        self.p_c = _normal_p(self.z_c, self.alternative)


def local_moran(
    y,
    w,
    permutations: int = 999,
    seed=None,
    *,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    adjust: str | None = None,
    scaling: str = "esda",
    keep_simulations: bool = False,
    transform: str | None = None,
    data=None,
    chunks: int | None = None,
) -> LocalMoran:
    """Local Moran's I (LISA) with conditional permutation and cluster classes.

    Parameters
    ----------
    y, w, permutations, seed, alternative, transform, data
        As in :func:`moran`. Permutations are conditional: each unit keeps its
        value and its neighbours are drawn from the other units.
    alpha : float, default 0.05
        Significance level for ``significant`` and the class labels.
    adjust : {None, 'fdr', 'bonferroni'}, default None
        Multiple-testing adjustment over the units: Benjamini–Hochberg false
        discovery rate, or Bonferroni (family-wise error).
    scaling : {'esda', 'spdep'}, default 'esda'
        ``'esda'``: ``Is = (n - 1) z_i lag(z)_i / sum(z**2)`` (esda ``Moran_Local``,
        GeoDa); ``'spdep'``: ``Is = z_i lag(z)_i / m2`` (R spdep ``localmoran``),
        ``n / (n - 1)`` times larger. p-values and classes do not depend on it.
    keep_simulations : bool, default False
        Keep the ``(permutations, n)`` simulated values as ``sim`` (8 bytes per unit
        and permutation: 8 GB for 999 permutations of a million units). By default
        ``sim`` is None and the simulated moments (``EI_sim``, ``seI_sim``,
        ``z_sim``, ...) are computed without them, in memory that does not grow with
        the permutations; p-values are identical either way and the moments
        agree to rounding (relative 1e-12). The year-by-year drivers
        (:func:`lisa_by_year`) never keep them.
    chunks : int, optional
        Run the conditional permutations as this many dask tasks, each for one
        range of units (for large layers, on a cluster): on the cluster of the
        current ``dask.distributed.Client`` (e.g. made with
        :func:`geoagglom.compute.compute_client`), else on dask's local threads;
        nothing is started here. The standardised variable and the permutations'
        shared draws enter the task graph once. The results are identical to
        ``chunks=None`` (all units in this process) for the same ``seed``, whatever
        the number of chunks, kept simulations included. Needs the optional extra
        ``geoagglom[dask]``.

    Returns
    -------
    LocalMoran
        With ``labels``: the quadrant ('HH', 'LH', 'LL', 'HL') of each
        significant unit, 'ns' for the others.
    """
    return LocalMoran(
        y,
        w,
        permutations,
        seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
        keep_simulations=keep_simulations,
        transform=transform,
        data=data,
        chunks=chunks,
    )


class LocalMoranBV(LocalMoran):
    """Bivariate local Moran: ``x_i`` against the spatial lag of ``y``; see :func:`local_moran_bv`.

    Same attributes as :class:`LocalMoran` without the analytic moments (``EIc``,
    ``VIc``, ``z_c``, ``p_c``, ``EI``, ``VI`` are not defined for it); quadrants are
    (``x`` high/low, lag of ``y`` high/low).

    Parameters
    ----------
    x, y, w, permutations, seed, alternative, alpha, adjust :
        As in :func:`local_moran_bv`.
    scaling, keep_simulations, transform, data, chunks :
        As in :func:`local_moran_bv`.
    """

    _title = "bivariate local Moran"
    _moments = _LocalBase._moments  # no analytic moments for the bivariate statistic

    def __init__(
        self,
        x,
        y,
        w,
        permutations=999,
        seed=None,
        *,
        alternative="two-sided",
        alpha=0.05,
        adjust=None,
        scaling="esda",
        keep_simulations=False,
        transform=None,
        data=None,
        chunks=None,
    ):
        wts = self._start(w, transform, alternative, permutations, alpha, adjust, scaling, chunks)
        if not self.permutations:
            raise InputError(
                "the bivariate local Moran has no analytic inference here: use permutations>0."
            )
        x = _values(x, wts, data, "x", what="bivariate local Moran's I")
        y = _values(y, wts, data, "y", what="bivariate local Moran's I")
        self.ids, self.n, self.x, self.y = wts.ids, wts.n, x, y
        self.zx, self.zy = _standardise(_unit_scale(x)), _standardise(_unit_scale(y))
        self._local(wts, self.zx, self.zy, seed, keep_simulations)


def local_moran_bv(
    x,
    y,
    w,
    permutations: int = 999,
    seed=None,
    *,
    alternative: str = "two-sided",
    alpha: float = 0.05,
    adjust: str | None = None,
    scaling: str = "esda",
    keep_simulations: bool = False,
    transform: str | None = None,
    data=None,
    chunks: int | None = None,
) -> LocalMoranBV:
    """Bivariate local Moran: each unit's ``x`` against its neighbours' ``y``.

    ``Is_i = (n - 1)/n * zx_i * lag(zy)_i`` (``scaling='esda'``, as esda's
    ``Moran_Local_BV``) or ``zx_i * lag(zy)_i`` (``'spdep'``), with ``zx``, ``zy``
    standardised (``ddof=0``). Inference by conditional permutation of ``y``
    (unit ``i``'s own ``y`` is excluded from its neighbours' draws). Parameters as
    in :func:`local_moran`.

    Returns
    -------
    LocalMoranBV
    """
    return LocalMoranBV(
        x,
        y,
        w,
        permutations,
        seed,
        alternative=alternative,
        alpha=alpha,
        adjust=adjust,
        scaling=scaling,
        keep_simulations=keep_simulations,
        transform=transform,
        data=data,
        chunks=chunks,
    )
