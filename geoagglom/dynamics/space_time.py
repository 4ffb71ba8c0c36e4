"""Space-time bivariate LISA: a unit's x in year t against its neighbours' y later.

For each year ``t`` with a year ``lag`` periods later, the bivariate local Moran
(:class:`geoagglom.LocalMoranBV`) of ``x`` in ``t`` against the spatial lag of
``y`` in ``t + lag`` — or of the change of ``y`` from ``t`` to ``t + lag``
(``change=True``) — with its conditional-permutation inference and
multiple-testing adjustment. A significant HH unit in year ``t`` is a high-``x``
unit whose neighbours have high ``y`` (or grew) afterwards; an HL unit one whose
neighbours have low ``y`` (or shrank).

``lag`` counts periods: positions in the panel's sorted years, so with yearly
data ``lag=1`` is the next year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoagglom._repr import FrameReprMixin
from geoagglom.dynamics._panel import _check_panel, _scale
from geoagglom.errors import InputError, format_ids
from geoagglom.seeding import check_seed, stream
from geoagglom.spatial.local_stats import CLUSTERS, LocalMoranBV

__all__ = ["SpaceTimeLISA", "space_time_lisa"]


class SpaceTimeLISA(FrameReprMixin):
    """Space-time bivariate LISA, year by year; build it with :func:`space_time_lisa`.

    Parameters
    ----------
    x, y, w, lag, permutations, seed, change, scale, alpha, alternative :
        As in :func:`space_time_lisa`.
    adjust, scaling, unit, year, x_value, y_value, years, transform, unbalanced :
        As in :func:`space_time_lisa`.

    Attributes
    ----------
    ids : pandas.Index
    pairs : list of tuple
        ``(t, t + lag)``: the year of ``x`` and the year of ``y`` (the end of its change).
    lag : int
    change : bool
    local : dict
        ``{t: LocalMoranBV}`` (simulations not kept).
    Is, p_value, p_adjusted, q : numpy.ndarray, shape (n, len(pairs))
    significant : numpy.ndarray of bool
    labels : numpy.ndarray of str
        Quadrant ('HH', 'LH', 'LL', 'HL') where significant, else 'ns'.
    """

    def __init__(
        self,
        x,
        y,
        w,
        lag=1,
        permutations=999,
        seed=None,
        *,
        change=False,
        scale="raw",
        alpha=0.05,
        alternative="two-sided",
        adjust=None,
        scaling="esda",
        unit="unit",
        year="year",
        x_value=None,
        y_value=None,
        years=None,
        transform="r",
        unbalanced="raise",
    ):
        check_seed(seed)
        if not isinstance(lag, int | np.integer) or isinstance(lag, bool) or lag < 0:
            raise InputError(f"lag must be a whole number of periods >= 0; got {lag!r}.")
        if change and lag == 0:
            raise InputError("change=True needs lag >= 1 (the change from t to t + lag).")
        common = dict(
            unit=unit,
            year=year,
            years=years,
            transform=transform,
            unbalanced=unbalanced,
            min_years=lag + 1,
            what=f"a space-time LISA with lag={lag}",
        )
        px = _check_panel(x, w, value=x_value, **common)
        py = _check_panel(y, w, value=y_value, **common)
        if not px.ids.equals(py.ids):
            only = px.ids.symmetric_difference(py.ids)
            raise InputError(
                f"x and y cover different units after the unbalanced policy: "
                f"{format_ids(only)}; give both panels the same units."
            )
        yrs = [t for t in px.years if t in set(py.years)]
        if len(yrs) < lag + 1:
            raise InputError(
                f"x and y share {len(yrs)} year(s) ({format_ids(yrs)}); lag={lag} needs "
                f"at least {lag + 1}."
            )
        xv = px.values[:, [px.years.index(t) for t in yrs]]
        yv = _scale(py.values, scale, py.years)[:, [py.years.index(t) for t in yrs]]
        self.ids, self.n, self.lag, self.change = px.ids, px.n, int(lag), bool(change)
        self.permutations, self.alpha, self.alternative = permutations, alpha, alternative
        self.adjust, self.scaling, self.scale = adjust, scaling, scale
        self.dropped = {"x": px.dropped(), "y": py.dropped()}
        self.pairs = [(yrs[j], yrs[j + lag]) for j in range(len(yrs) - lag)]
        self.local = {}
        for j, (t0, t1) in enumerate(self.pairs):
            target = yv[:, j + lag] - yv[:, j] if change else yv[:, j + lag]
            try:
                self.local[t0] = LocalMoranBV(
                    xv[:, j],
                    target,
                    px.wts,
                    permutations,
                    stream(seed, "space_time_lisa", t0),
                    alternative=alternative,
                    alpha=alpha,
                    adjust=adjust,
                    scaling=scaling,
                    keep_simulations=False,
                )
            except InputError as exc:
                what = f"change of y {t0}->{t1}" if change else f"y {t1}"
                raise InputError(f"x {t0} against {what}: {exc}") from None
        res = list(self.local.values())
        for a in ("Is", "p_value", "p_adjusted", "q", "significant", "labels"):
            setattr(self, a, np.column_stack([getattr(r, a) for r in res]))

    def to_frame(self):
        """One row per unit and year pair: statistic, quadrant, p-values, label."""
        frames = []
        for t0, t1 in self.pairs:
            f = self.local[t0].to_frame()[
                ["Is", "q", "quadrant", "p_value", "p_adjusted", "significant", "label"]
            ]
            f.index.name = "unit"
            f = f.reset_index()
            f.insert(1, "year", t0)
            f.insert(2, "y_year", t1)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def counts(self):
        """Units per class label, one row per year of x."""
        return pd.DataFrame({t0: self.local[t0].counts() for t0, _ in self.pairs}).T.reindex(
            columns=list(CLUSTERS)
        )

    def __repr__(self):
        what = "change of y" if self.change else "y"
        return (
            f"<space-time LISA n={self.n}: x(t) against the lag of {what}(t+{self.lag}), "
            f"{len(self.pairs)} year pairs, {self.permutations} permutations, "
            f"alpha={self.alpha}>"
        )


def space_time_lisa(
    x,
    y,
    w,
    lag=1,
    permutations=999,
    seed=None,
    *,
    change=False,
    scale="raw",
    alpha=0.05,
    alternative="two-sided",
    adjust=None,
    scaling="esda",
    unit="unit",
    year="year",
    x_value=None,
    y_value=None,
    years=None,
    transform="r",
    unbalanced="raise",
):
    """Bivariate local Moran of ``x`` in year t against the lag of ``y`` in year t + lag.

    Parameters
    ----------
    x, y : pandas.DataFrame or numpy.ndarray
        Panels (long, wide or units x years arrays, as in
        :func:`geoagglom.spatial_markov`); pass the same panel twice to relate a
        variable to its neighbours' later values. A long table holding both
        variables is passed twice with ``x_value=`` and ``y_value=``.
    w : libpysal.graph.Graph or libpysal.weights.W
    lag : int, default 1
        Periods between x and y (positions in the sorted years; 0: same year).
    permutations : int, default 999
        Conditional permutations (the bivariate statistic has no analytic inference).
    seed : None, int or numpy.random.Generator
        An int gives the x-year ``t`` the stream ``stream(seed, "space_time_lisa", t)``.
    change : bool, default False
        Use the change of ``y`` from t to t + lag instead of its level.
    scale : {'raw', 'mean', 'zscore'}, default 'raw'
        Scaling of ``y`` year by year before the change is taken (a level is
        standardised by the local Moran anyway).
    alpha, alternative, adjust, scaling
        As in :func:`geoagglom.local_moran_bv`; ``adjust`` ('fdr', 'bonferroni')
        corrects over the units of each year.
    unit, year, years, transform, unbalanced
        As in :func:`geoagglom.spatial_markov`.

    Returns
    -------
    SpaceTimeLISA

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import space_time_lisa
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.lognormal(size=(100, 4)), rng.lognormal(size=(100, 4))
    >>> st = space_time_lisa(x, y, lat2W(10, 10), lag=1, permutations=99, seed=1)
    >>> st.pairs
    [(0, 1), (1, 2), (2, 3)]
    >>> st.Is.shape
    (100, 3)
    """
    return SpaceTimeLISA(
        x,
        y,
        w,
        lag,
        permutations,
        seed,
        change=change,
        scale=scale,
        alpha=alpha,
        alternative=alternative,
        adjust=adjust,
        scaling=scaling,
        unit=unit,
        year=year,
        x_value=x_value,
        y_value=y_value,
        years=years,
        transform=transform,
        unbalanced=unbalanced,
    )
