"""Start-up: the command line's quick paths and ``import geoagglom(.spatial)`` load no
heavy library (checked in sys.modules of a fresh interpreter, never by timing)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))

#: Libraries that each take from 0.1 s to 2 s to import.
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "shapely",
    "pyproj",
    "geopandas",
    "pyogrio",
    "libpysal",
    "sklearn",
    "numba",
    "matplotlib",
    "mapclassify",
    "esda",
)

PROBE = r"""
import json, sys
code = sys.argv[1]
try:
    exec(code)
except SystemExit:
    pass
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"loaded": loaded, "scipy.stats": "scipy.stats" in sys.modules}))
"""


def imported_by(code):
    """Heavy top-level packages imported by running ``code`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, code, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
        cwd=REPO,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import geoagglom",
        "from geoagglom.cli import main; main(['--help'])",
        "from geoagglom.cli import main; main(['--version'])",
        "from geoagglom.cli import main; main(['layers'])",
        "import geoagglom.spatial, geoagglom.data, geoagglom.data.catalog",
    ],
)
def test_quick_paths_import_no_heavy_library(code):
    assert imported_by(code)["loaded"] == []


def test_the_help_really_ran():
    done = subprocess.run(
        [sys.executable, "-m", "geoagglom", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    assert "layers" in done.stdout and "run" in done.stdout


def test_statistics_do_not_load_libpysal_or_scipy_stats():
    """A statistic's module needs numpy/pandas/scipy.sparse, not libpysal (the caller who
    passes a Graph has loaded it) nor scipy.stats (normal tails come from scipy.special)."""
    got = imported_by(
        "from geoagglom.spatial import moran, local_moran, geary, spatial_weights, spatial_gini"
    )
    assert "libpysal" not in got["loaded"]
    assert "sklearn" not in got["loaded"] and "numba" not in got["loaded"]
    assert not got["scipy.stats"]


def test_a_statistic_on_a_graph_still_works_after_the_lazy_import():
    got = imported_by(
        "import numpy as np\n"
        "from libpysal.graph import Graph\n"
        "from geoagglom.spatial import moran\n"
        "g = Graph.from_dicts({0: [1], 1: [0, 2], 2: [1, 3], 3: [2]})\n"
        "assert np.isfinite(moran(np.array([1.0, 2.0, 4.0, 3.0]), g, permutations=0).I)\n"
    )
    assert "libpysal" in got["loaded"]
