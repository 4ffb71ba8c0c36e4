"""Provenance of a run: the Python and package versions it ran with."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

#: The packages whose versions a report lists.
PACKAGES = (
    "geoagglom",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "libpysal",
    "esda",
    "matplotlib",
)


def versions():
    """Python and package versions, for the report's reproducibility section.

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> sorted(versions())[:2]
    ['esda', 'geoagglom']
    """
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
