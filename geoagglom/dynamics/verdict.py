"""Spillover or siphoning? One verdict per significant centre, by an explicit rule.

A *centre* is a unit whose local Moran is significant in the HH or HL quadrant
in at least one year. For each centre the table gathers three pieces of
evidence, computed once from the panel:

1. its LISA class path over the years (:class:`~geoagglom.dynamics.lisa_markov.LISAMarkov`);
2. its neighbours' moves between the spatial-Markov classes
   (:class:`~geoagglom.dynamics.markov.SpatialMarkov`) over all consecutive years:
   the observed share of moves up (to a higher class) and down, against the
   baseline share expected from the pooled transition matrix for moves that
   start in the same classes (``sum_j>i p[i, j]`` averaged over the moves);
3. its directional-LISA vector between the first and last year
   (:class:`~geoagglom.dynamics.directional.DirectionalLISA`): direction code,
   sector, and the sector's one-sided permutation p-value (more vectors in the
   sector than under random reassignment of the moves to the locations).

The verdict codes and the rule are in :data:`VERDICTS` and :data:`RULE`; the
study layer maps the codes to its own words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoagglom.dynamics.directional import DirectionalLISA
from geoagglom.dynamics.lisa_markov import LISAMarkov
from geoagglom.dynamics.markov import SpatialMarkov
from geoagglom.errors import InputError, format_ids
from geoagglom.seeding import check_seed, stream

__all__ = ["RULE", "VERDICTS", "spillover_verdict", "verdict_code"]

#: The verdict codes.
VERDICTS = ("spillover", "siphoning", "no evidence")

#: The rule, word for word what :func:`verdict_code` does.
RULE = (
    "spillover: the centre and its neighbours both rose between the first and the last "
    "year (direction up_up), its directional-LISA sector holds significantly more vectors "
    "than under random reassignment (sector_p <= alpha), and its neighbours moved up "
    "between Markov classes more often than the baseline (nbr_up > base_up). "
    "siphoning: the centre rose while its neighbours fell (direction up_down), its sector "
    "is significant (sector_p <= alpha), and its neighbours moved down more often than "
    "the baseline (nbr_down > base_down). "
    "no evidence: anything else."
)


def verdict_code(direction, sector_p, nbr_up, base_up, nbr_down, base_down, alpha=0.05):
    """The verdict of one centre under :data:`RULE`.

    Parameters
    ----------
    direction : str
        The directional-LISA code (``'up_up'``, ``'up_down'``, ...).
    sector_p : float
        One-sided p-value of the centre's sector (NaN: no inference, no verdict).
    nbr_up, base_up, nbr_down, base_down : float
        Observed and baseline shares of the neighbours' moves up and down.
    alpha : float, default 0.05

    Returns
    -------
    str
        One of :data:`VERDICTS`.

    Examples
    --------
    >>> verdict_code("up_up", 0.01, 0.30, 0.20, 0.05, 0.10)
    'spillover'
    >>> verdict_code("up_down", 0.01, 0.10, 0.20, 0.25, 0.10)
    'siphoning'
    >>> verdict_code("up_up", 0.40, 0.30, 0.20, 0.05, 0.10)
    'no evidence'
    """
    significant = bool(np.isfinite(sector_p) and sector_p <= alpha)
    if direction == "up_up" and significant and nbr_up > base_up:
        return "spillover"
    if direction == "up_down" and significant and nbr_down > base_down:
        return "siphoning"
    return "no evidence"


def _neighbour_moves(classes, p, nbr, centres):
    """Per centre: neighbour moves, observed and baseline up/down shares."""
    k = p.shape[0]
    a, b = classes[:, :-1], classes[:, 1:]
    up_p = np.array([np.nansum(p[i, i + 1 :]) for i in range(k)])
    down_p = np.array([np.nansum(p[i, :i]) for i in range(k)])
    rows = []
    for c in centres:
        nb = nbr.indices[nbr.indptr[c] : nbr.indptr[c + 1]]
        fa, fb = a[nb].ravel(), b[nb].ravel()
        moves = len(fa)
        rows.append(
            {
                "n_neighbours": len(nb),
                "neighbour_moves": moves,
                "nbr_up": float(np.mean(fb > fa)) if moves else np.nan,
                "base_up": float(up_p[fa].mean()) if moves else np.nan,
                "nbr_down": float(np.mean(fb < fa)) if moves else np.nan,
                "base_down": float(down_p[fa].mean()) if moves else np.nan,
            }
        )
    return rows


def spillover_verdict(
    panel,
    w,
    *,
    k=5,
    m=5,
    rose_k=8,
    permutations=999,
    seed=None,
    alpha=0.05,
    adjust=None,
    start=None,
    end=None,
    unit="unit",
    year="year",
    value=None,
    years=None,
    transform="r",
    unbalanced="raise",
    markov=None,
    lisa=None,
    rose=None,
):
    """One row per significant HH/HL centre: its evidence and a verdict under :data:`RULE`.

    Parameters
    ----------
    panel, w, unit, year, value, years, transform, unbalanced
        As in :func:`geoagglom.spatial_markov`.
    k, m : int, default 5
        Classes of the spatial Markov chain (neighbours' moves).
    rose_k : int, default 8
        Sectors of the directional LISA.
    permutations : int, default 999
        For the yearly local Moran and the directional LISA.
    seed : None, int or numpy.random.Generator
        An int gives the local Moran of year ``y`` ``stream(seed, "lisa", y)`` and the
        directional LISA ``stream(seed, "directional_lisa", 0)``.
    alpha : float, default 0.05
        Significance of the local Moran (centres) and of the sector test.
    adjust : {None, 'fdr', 'bonferroni'}
        Multiple-testing adjustment of the local Moran p-values.
    start, end : year labels, optional
        Years of the directional LISA (default: first and last).
    markov, lisa, rose : SpatialMarkov, LISAMarkov, DirectionalLISA, optional
        Results already computed on the same panel (then not recomputed; their
        own options apply).

    Returns
    -------
    pandas.DataFrame
        Indexed by centre id: ``path`` (LISA labels over the years, ``>``-joined),
        ``years_HH``, ``years_HL``, ``n_neighbours``, ``neighbour_moves``,
        ``nbr_up``, ``base_up``, ``nbr_down``, ``base_down``, ``direction``,
        ``sector``, ``sector_p``, ``verdict``. ``attrs["rule"]`` is :data:`RULE`,
        ``attrs["alpha"]`` the level used.

    Examples
    --------
    >>> import numpy as np
    >>> from libpysal.weights import lat2W
    >>> from geoagglom import spillover_verdict
    >>> rng = np.random.default_rng(0)
    >>> y = rng.lognormal(size=(100, 5)).cumsum(axis=1)
    >>> table = spillover_verdict(y, lat2W(10, 10), k=3, m=3, permutations=99, seed=1)
    >>> set(table["verdict"]) <= {"spillover", "siphoning", "no evidence"}
    True
    """
    check_seed(seed)
    common = dict(unit=unit, year=year, value=value, transform=transform, unbalanced=unbalanced)
    if lisa is None:
        lisa = LISAMarkov(
            panel, w, permutations, seed, alpha=alpha, adjust=adjust, years=years, **common
        )
    if markov is None:
        markov = SpatialMarkov(panel, w, k, m, years=years, **common)
    if rose is None:
        rose = DirectionalLISA(
            panel,
            w,
            start if start is not None else lisa.years[0],
            end if end is not None else lisa.years[-1],
            rose_k,
            permutations,
            stream(seed, "directional_lisa", 0),
            **common,
        )
    for name, res in (("markov", markov), ("rose", rose)):
        if not res.ids.equals(lisa.ids):
            raise InputError(
                f"the {name} result covers other units than the LISA Markov result "
                f"({format_ids(res.ids.symmetric_difference(lisa.ids))}); compute them on "
                "the same panel and weights."
            )
    if list(markov.years) != list(lisa.years):
        raise InputError(
            f"the markov result covers years {format_ids(list(markov.years))} but the LISA "
            f"Markov result {format_ids(list(lisa.years))}; compute them on the same years."
        )
    for label, y in (("start", rose.start), ("end", rose.end)):
        if y not in set(lisa.years):
            raise InputError(f"the rose's {label} year {y!r} is not a year of the LISA result.")
    centres_mask = np.isin(lisa.labels, ("HH", "HL")).any(axis=1)
    centres = np.flatnonzero(centres_mask)
    moves = _neighbour_moves(markov.class_ids, markov.p, lisa.neighbours, centres)
    rows = []
    for c, mv in zip(centres, moves, strict=True):
        path = lisa.labels[c]
        sector = int(rose.sector[c])
        sp = float(rose.p_excess[sector])
        row = {
            "path": ">".join(path),
            "years_HH": int((path == "HH").sum()),
            "years_HL": int((path == "HL").sum()),
            **mv,
            "direction": rose.direction[c],
            "sector": sector,
            "sector_p": sp,
        }
        row["verdict"] = verdict_code(
            row["direction"],
            sp,
            mv["nbr_up"],
            mv["base_up"],
            mv["nbr_down"],
            mv["base_down"],
            alpha,
        )
        rows.append(row)
    cols = [
        "path",
        "years_HH",
        "years_HL",
        "n_neighbours",
        "neighbour_moves",
        "nbr_up",
        "base_up",
        "nbr_down",
        "base_down",
        "direction",
        "sector",
        "sector_p",
        "verdict",
    ]
    out = pd.DataFrame(rows, columns=cols, index=lisa.ids[centres])
    out.index.name = unit
    out.attrs["rule"] = RULE
    out.attrs["alpha"] = alpha
    out.attrs["years"] = list(lisa.years)
    return out
