"""Agglomeration and specialisation indices over a unit × sector table.

The input is a table ``x`` with one row per unit (city, province) and one column
per sector (industry), holding a non-negative size (employment, loans, output):
``x_is``. Shares used below:

* ``s_is = x_is / x_.s``: unit i's share of sector s (sums to 1 over units);
* ``a_i = x_i. / x_..``: unit i's share of all sectors (the "aggregate" share);
* ``c_is = x_is / x_i.``: sector s's share of unit i's total (sums to 1 over sectors);
* ``c_s = x_.s / x_..``: sector s's share of the whole.

Indices (each function's docstring gives its source):

* Herfindahl–Hirschman ``HHI = Σ s²`` of shares;
* Hoover's coefficient of localisation of sector s: ``½ Σ_i |s_is − a_i|``;
* Krugman's specialisation index of unit i: ``Σ_s |c_is − c_s|`` and its
  bilateral form between units i and k: ``Σ_s |c_is − c_ks|``;
* Ellison–Glaeser γ of sector s:
  ``γ = (G − (1 − Σ a_i²) H) / ((1 − Σ a_i²)(1 − H))`` with
  ``G = Σ_i (s_is − a_i)²`` and ``H`` the sector's plant Herfindahl;
* Ellison–Glaeser–Kerr coagglomeration of sectors s and t:
  ``γᶜ = Σ_i (s_is − a_i)(s_it − a_i) / (1 − Σ a_i²)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoagglom import validation
from geoagglom._repr import FrameReprMixin
from geoagglom.errors import InputError, format_ids

__all__ = [
    "EllisonGlaeser",
    "coagglomeration",
    "ellison_glaeser",
    "herfindahl",
    "hoover",
    "krugman",
    "krugman_bilateral",
    "plant_herfindahl",
]


def _table(table, what="table"):
    """A float DataFrame units × sectors, checked (numbers, finite, >= 0, not empty)."""
    if not isinstance(table, pd.DataFrame):
        try:
            table = pd.DataFrame(np.asarray(table, dtype=float))
        except (TypeError, ValueError):
            raise InputError(
                f"The {what} must be a DataFrame (units as rows, sectors as columns) or a 2-d "
                "array of numbers."
            ) from None
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] < 1:
        raise InputError(
            f"The {what} needs at least 2 units (rows) and 1 sector (column); got shape "
            f"{table.shape}."
        )
    try:
        x = table.astype(float)
    except (TypeError, ValueError):
        raise InputError(
            f"The {what} holds values that are not numbers; convert its columns with "
            "pandas.to_numeric first."
        ) from None
    arr = x.to_numpy()
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        rows, cols = np.nonzero(bad)
        cells = [(x.index[r], x.columns[c]) for r, c in zip(rows, cols, strict=True)]
        raise InputError(
            f"The {what} has missing, infinite or negative values at (unit, sector) "
            f"{format_ids(cells)}; sizes must be finite and >= 0."
        )
    return x


def _check_nonzero(totals, kind):
    zero = totals.index[totals.to_numpy() == 0]
    if len(zero):
        raise InputError(
            f"The {kind} {format_ids(zero)} {'has' if len(zero) == 1 else 'have'} a total of 0, "
            "so their shares are undefined; remove them from the table."
        )


def _unit_shares(x):
    """s_is (unit's share of each sector) and a_i (unit's share of the total)."""
    col = x.sum(axis=0)
    _check_nonzero(col, "sector(s)")
    s = x / col
    a = x.sum(axis=1) / x.to_numpy().sum()
    return s, a


def _sector_shares(x):
    """c_is (sector shares within each unit) and c_s (sector shares of the whole)."""
    row = x.sum(axis=1)
    _check_nonzero(row, "unit(s)")
    c = x.div(row, axis=0)
    cs = x.sum(axis=0) / x.to_numpy().sum()
    return c, cs


def herfindahl(x, *, data=None):
    """Herfindahl–Hirschman index ``Σ_i (x_i / Σ x)²`` of a size distribution.

    Herfindahl (1950), Hirschman (1945): the sum of squared shares, from
    ``1/n`` (equal sizes) to 1 (one unit holds all). For a table, the HHI of
    every column (a sector's concentration over units).

    Parameters
    ----------
    x : str, array-like or pandas.DataFrame
        Non-negative sizes (a column of ``data``), or a units × sectors table.
    data : pandas.DataFrame, optional

    Returns
    -------
    float or pandas.Series
        A Series per sector for a table.

    Examples
    --------
    >>> herfindahl([50, 30, 20])
    0.38
    """
    if isinstance(x, pd.DataFrame):
        s, _ = _unit_shares(_table(x))
        return (s**2).sum(axis=0).rename("hhi")
    values, index = validation.vector(x, data, "size")
    validation.check_values(values, index, "size")
    total = math.fsum(values)
    if total == 0:
        raise InputError("Every size is zero; the Herfindahl index is undefined.")
    return math.fsum((values / total) ** 2)


def plant_herfindahl(plants, sector="sector", size="employment"):
    """Each sector's plant Herfindahl ``H_s = Σ_k z_k²`` from plant sizes.

    ``z_k`` is plant k's share of its sector's total size; this is the ``H`` of
    Ellison & Glaeser (1997).

    Parameters
    ----------
    plants : pandas.DataFrame
        One row per plant (establishment, firm) with its sector and size.
    sector, size : str
        Column names.

    Returns
    -------
    pandas.Series
        ``H`` per sector.

    Examples
    --------
    >>> p = pd.DataFrame({"sector": ["a", "a", "b"], "employment": [3, 1, 5]})
    >>> plant_herfindahl(p).to_dict()
    {'a': 0.625, 'b': 1.0}
    """
    validation.column(plants, sector, "sector")
    validation.column(plants, size, "plant size")
    sizes = plants[size].to_numpy(dtype=float)
    validation.check_values(sizes, pd.Index(plants.index), "plant size")
    total = plants.groupby(sector)[size].transform("sum").to_numpy(dtype=float)
    if (total == 0).any():
        raise InputError(
            f"Sectors {format_ids(sorted(set(plants.loc[total == 0, sector])))} have plants of "
            "total size 0; their Herfindahl index is undefined."
        )
    z2 = pd.Series((sizes / total) ** 2, index=plants.index)
    return z2.groupby(plants[sector].to_numpy()).sum().rename("plant_hhi")


def hoover(table, base=None):
    """Hoover's coefficient of localisation of every sector: ``½ Σ_i |s_is − a_i|``.

    Hoover (1936), "The measurement of industrial localization", *Review of
    Economics and Statistics* 18(4): half the sum over units of the absolute
    difference between a unit's share of the sector and its share of the
    reference total. 0: the sector is spread like the reference; near 1: it
    sits where the reference is not.

    Parameters
    ----------
    table : pandas.DataFrame
        Units × sectors, sizes ``>= 0``.
    base : array-like or pandas.Series, optional
        The reference distribution over units (population, area, ...); by
        default each unit's total over all sectors.

    Returns
    -------
    pandas.Series
        The coefficient per sector.

    Examples
    --------
    >>> t = pd.DataFrame({"bank": [8, 2], "farm": [2, 8]}, index=["A", "B"])
    >>> hoover(t).round(6).to_dict()
    {'bank': 0.3, 'farm': 0.3}
    """
    x = _table(table)
    s, a = _unit_shares(x)
    if base is not None:
        b, b_index = validation.vector(base, None, "base", len(x))
        b = validation.align(b, b_index, pd.Index(x.index), "base")
        validation.check_values(b, pd.Index(x.index), "base")
        if b.sum() == 0:
            raise InputError("The base is zero everywhere; give a reference distribution.")
        a = pd.Series(b / b.sum(), index=x.index)
    return (0.5 * s.sub(a, axis=0).abs().sum(axis=0)).rename("hoover")


def krugman(table):
    """Krugman's specialisation index of every unit: ``Σ_s |c_is − c_s|``.

    Krugman (1991), *Geography and Trade* (MIT Press): the sum over sectors of
    the absolute difference between the sector's share in the unit and its
    share in the whole; 0 for a unit with the whole's structure, at most 2.

    Parameters
    ----------
    table : pandas.DataFrame
        Units × sectors, sizes ``>= 0``; every unit needs a positive total.

    Returns
    -------
    pandas.Series
        The index per unit.

    Examples
    --------
    >>> t = pd.DataFrame({"bank": [8, 2], "farm": [2, 8]}, index=["A", "B"])
    >>> krugman(t).round(6).to_dict()
    {'A': 0.6, 'B': 0.6}
    """
    c, cs = _sector_shares(_table(table))
    return c.sub(cs, axis=1).abs().sum(axis=1).rename("krugman")


def krugman_bilateral(table):
    """Krugman's bilateral specialisation ``K_ik = Σ_s |c_is − c_ks|`` for every pair of units.

    Krugman (1991), *Geography and Trade*: how different two units' sector
    structures are (0: identical, 2: no sector in common).

    Parameters
    ----------
    table : pandas.DataFrame
        Units × sectors.

    Returns
    -------
    pandas.DataFrame
        Units × units, symmetric, zero diagonal.

    Examples
    --------
    >>> t = pd.DataFrame({"bank": [8, 2], "farm": [2, 8]}, index=["A", "B"])
    >>> round(float(krugman_bilateral(t).loc["A", "B"]), 6)
    1.2
    """
    c, _ = _sector_shares(_table(table))
    arr = c.to_numpy()
    k = np.abs(arr[:, None, :] - arr[None, :, :]).sum(axis=2)
    return pd.DataFrame(k, index=c.index, columns=c.index)


class EllisonGlaeser(FrameReprMixin):
    """Ellison–Glaeser γ of every sector, with its ingredients.

    Build it with :func:`ellison_glaeser`.

    Parameters
    ----------
    x : pandas.DataFrame
        Units × sectors table of employment (or any quantity), checked.
    plant_hhi : pandas.Series or None
        Plant Herfindahl per sector, or None. :func:`ellison_glaeser` checks its input and
        builds it.

    Attributes
    ----------
    statistic, gamma : pandas.Series
        γ per sector.
    G : pandas.Series
        Raw geographic concentration ``Σ_i (s_is − a_i)²``.
    H : pandas.Series
        Plant Herfindahl used (0 where none was given).
    sum_a2 : float
        ``Σ a_i²``.
    plant_hhi_given : bool
    note : str
        Says when ``H`` was taken as 0 (no plant data).
    """

    def __init__(self, x, plant_hhi):
        s, a = _unit_shares(x)
        self.sum_a2 = float(np.sum(a.to_numpy() ** 2))
        if self.sum_a2 >= 1:
            raise InputError(
                "All activity is in one unit (Σ a_i² = 1); the Ellison–Glaeser index is undefined."
            )
        self.G = (s.sub(a, axis=0) ** 2).sum(axis=0).rename("G")
        self.plant_hhi_given = plant_hhi is not None
        if plant_hhi is None:
            H = pd.Series(0.0, index=x.columns)
            self.note = (
                "No plant Herfindahl was given: H = 0, so γ = G/(1 − Σa²), with no "
                "correction for the lumpiness of plants (it overstates γ when plants are large)."
            )
        else:
            H = pd.Series(plant_hhi, dtype=float) if isinstance(plant_hhi, dict) else plant_hhi
            if not isinstance(H, pd.Series):
                H = pd.Series(np.asarray(H, dtype=float), index=x.columns)
            missing = x.columns.difference(H.index)
            if len(missing):
                raise InputError(
                    f"plant_hhi has no value for sectors {format_ids(missing)}; give one per "
                    "sector (see plant_herfindahl)."
                )
            H = H.reindex(x.columns).astype(float)
            bad = ~((H >= 0) & (H < 1))
            if bad.any():
                raise InputError(
                    f"plant_hhi must be in [0, 1) (1 means a single plant, where γ is "
                    f"undefined); sectors {format_ids(H.index[bad])} are not."
                )
            self.note = ""
        self.H = H.rename("H")
        one = 1.0 - self.sum_a2
        self.gamma = ((self.G - one * self.H) / (one * (1.0 - self.H))).rename("gamma")
        self.statistic = self.gamma

    def to_frame(self):
        """Tidy: one row per sector with G, H and gamma."""
        out = pd.DataFrame({"G": self.G, "H": self.H, "gamma": self.gamma})
        return out.rename_axis("sector").reset_index()

    def __repr__(self):
        return f"EllisonGlaeser({len(self.gamma)} sectors, mean gamma {self.gamma.mean():.4g})"


def ellison_glaeser(table, plant_hhi=None):
    """Ellison–Glaeser index of geographic concentration γ of every sector.

    Ellison & Glaeser (1997), "Geographic concentration in U.S. manufacturing
    industries: a dartboard approach", *J. Political Economy* 105(5):
    ``γ = (G − (1 − Σ a_i²) H) / ((1 − Σ a_i²)(1 − H))``, ``G = Σ_i (s_is − a_i)²``,
    ``H = Σ_k z_k²`` the sector's plant Herfindahl. ``E[γ] = 0`` when plants
    locate at random in proportion to aggregate activity.

    Parameters
    ----------
    table : pandas.DataFrame
        Units × sectors (e.g. employment).
    plant_hhi : pandas.Series, dict or array-like, optional
        ``H`` per sector (see :func:`plant_herfindahl`). Without it ``H = 0``
        (stated in ``note``).

    Returns
    -------
    EllisonGlaeser

    Examples
    --------
    >>> t = pd.DataFrame({"bank": [8, 1, 1], "farm": [2, 4, 4]}, index=["A", "B", "C"])
    >>> r = ellison_glaeser(t, plant_hhi={"bank": 0.1, "farm": 0.1})
    >>> round(float(r.gamma["bank"]), 6)
    0.128889
    """
    return EllisonGlaeser(_table(table), plant_hhi)


def coagglomeration(table):
    """Ellison–Glaeser–Kerr coagglomeration index of every pair of sectors.

    Ellison, Glaeser & Kerr (2010), "What causes industry agglomeration?
    Evidence from coagglomeration patterns", *American Economic Review* 100(3):
    ``γᶜ_st = Σ_i (s_is − a_i)(s_it − a_i) / (1 − Σ_i a_i²)``; positive when the
    two sectors concentrate in the same units.

    Parameters
    ----------
    table : pandas.DataFrame
        Units × sectors.

    Returns
    -------
    pandas.DataFrame
        Sectors × sectors, symmetric (the diagonal is ``G_s / (1 − Σ a²)``).

    Examples
    --------
    >>> t = pd.DataFrame({"bank": [8, 1, 1], "farm": [2, 4, 4]}, index=["A", "B", "C"])
    >>> round(float(coagglomeration(t).loc["bank", "farm"]), 6)
    -0.216
    """
    x = _table(table)
    s, a = _unit_shares(x)
    d = s.sub(a, axis=0).to_numpy()
    one = 1.0 - float(np.sum(a.to_numpy() ** 2))
    if one <= 0:
        raise InputError("All activity is in one unit; the coagglomeration index is undefined.")
    return pd.DataFrame(d.T @ d / one, index=x.columns, columns=x.columns)
