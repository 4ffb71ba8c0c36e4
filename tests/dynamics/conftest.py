"""Shared data of the dynamics tests: libpysal's usjoin.csv incomes on states48.gal."""

import warnings

import libpysal
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


@pytest.fixture(scope="session")
def usjoin():
    """``(pci, years, w)``: per-capita incomes (48 x 81) and row-standardised weights."""
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    years = list(range(1929, 2010))
    pci = np.array([f.by_col[str(y)] for y in years]).transpose()
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    return pci, years, w


@pytest.fixture(scope="session")
def us_wide(usjoin):
    """The incomes as a wide frame: index = the weights' ids, columns = years."""
    pci, years, w = usjoin
    return pd.DataFrame(pci, index=pd.Index(w.id_order), columns=years)
