"""One seed scheme for every random number geoagglom draws.

A user gives ``seed`` as ``None`` (fresh entropy: results differ between runs),
a non-negative int (repeatable) or a :class:`numpy.random.Generator` (used as
it is, one stream shared by everything it is passed to).

Per-(statistic, year) streams
    Where one call computes a statistic for many years (the study, the
    per-year drivers), an int seed is turned into one independent stream per
    statistic and year: ``SeedSequence(seed, spawn_key=(code(statistic),
    year))``, with ``code`` a fixed checksum of the statistic's name. A
    statistic's p-values therefore do not change when another statistic or
    another year is switched on or off, and the same seed gives the same
    numbers on every machine.

Examples
--------
>>> from geoagglom.seeding import check_random_state, stream
>>> check_random_state(1).integers(10, size=3).tolist() == (
...     check_random_state(1).integers(10, size=3).tolist())
True
>>> a = stream(2016, "moran", 2004).random()
>>> a == stream(2016, "moran", 2004).random() != stream(2016, "lisa", 2004).random()
True
"""

from __future__ import annotations

import numbers
import zlib

import numpy as np

from geoagglom.errors import InputError

#: What a ``seed`` argument accepts (a legacy RandomState only where documented).
SeedLike = None | int | np.random.Generator | np.random.RandomState

__all__ = ["check_random_state", "check_seed", "stream"]


def check_seed(seed: SeedLike, what: str = "seed", *, legacy: bool = False) -> SeedLike:
    """``seed`` if it is None, a non-negative int or a Generator; else an :class:`InputError`.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
    what : str, default "seed"
        How the caller names the option (``"[measures] seed"`` in a study file).
    legacy : bool, default False
        Also accept a legacy ``numpy.random.RandomState``. Only statistics whose
        draws are plain permutations allow it (Theil's between-group test), so
        that their draws can repeat PySAL's, which use NumPy's global legacy state.
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if legacy and isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise InputError(f"{what} = {seed}: must be a whole number ≥ 0, e.g. 12345.")
        return int(seed)
    if isinstance(seed, np.random.RandomState):
        raise InputError(
            f"{what}: the legacy numpy RandomState is not supported; pass an int "
            "(e.g. 12345), a numpy.random.Generator or None."
        )
    raise InputError(
        f"{what} = {seed!r}: must be None, a whole number ≥ 0 or a numpy.random.Generator."
    )


def check_random_state(
    seed: SeedLike, what: str = "seed", *, legacy: bool = False
) -> np.random.Generator | np.random.RandomState:
    """A :class:`numpy.random.Generator` from ``seed`` (see the module notes).

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
    what : str, default "seed"
    legacy : bool, default False
        Pass a ``numpy.random.RandomState`` through (see :func:`check_seed`).

    Returns
    -------
    numpy.random.Generator
        ``seed`` itself if it is a Generator (or an allowed RandomState).
    """
    seed = check_seed(seed, what, legacy=legacy)
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    return np.random.default_rng(seed)


def _code(statistic):
    return zlib.crc32(str(statistic).encode("utf-8"))


def stream(
    seed: SeedLike, statistic: str, year: int = 0, what: str = "seed"
) -> np.random.Generator | np.random.RandomState:
    """The random stream of one statistic in one year.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        An int gives the independent stream ``SeedSequence(seed, spawn_key=(code,
        year))``; a Generator is returned as it is (one shared stream); None
        gives fresh entropy.
    statistic : str
        The statistic's name ("moran", "lisa", "theil_T", ...).
    year : int, default 0
        The year (a non-negative int; other labels are checksummed).

    Returns
    -------
    numpy.random.Generator
    """
    seed = check_seed(seed, what)
    if seed is None or isinstance(seed, np.random.Generator | np.random.RandomState):
        return check_random_state(seed, what)
    if isinstance(year, numbers.Integral) and year >= 0:
        tag = int(year)
    else:
        tag = _code(year)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_code(statistic), tag)))
