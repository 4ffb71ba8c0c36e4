"""Running R (spdep, spatialreg) from the parity tests: availability and one script run.

Every R parity test writes the same two inputs, the graph's edges (1-based positions in the
graph's id order) and the values, runs one script with ``Rscript`` and reads what it wrote.
"""

import shutil
import subprocess

import pandas as pd


def r_unavailable(*packages):
    """Why the R packages cannot be used here, or None when they can.

    Parameters
    ----------
    *packages : str
        R package names, e.g. ``"spdep"``, ``"spatialreg"``.

    Returns
    -------
    str or None
        A reason to show in ``pytest.skip``, naming the Debian packages that provide them.
    """
    debs = " ".join(f"r-cran-{p}" for p in packages)
    label = "R/" + "/".join(packages)
    if shutil.which("Rscript") is None:
        return f"{label} not installed: Rscript not found (apt-get install {debs})"
    libraries = "; ".join(f"library({p})" for p in packages)
    r = subprocess.run(["Rscript", "-e", libraries], capture_output=True, text=True)
    if r.returncode != 0:
        return f"{label} not installed: R found but {libraries} failed (apt-get install {debs})"
    return None


def run_r(script, folder, values, graph, *args, timeout=600):
    """Write ``edges.csv`` and ``values.csv`` to ``folder`` and run ``script`` there.

    Parameters
    ----------
    script : str
        The R script; it reads ``commandArgs(trailingOnly = TRUE)``: the folder first, then
        ``args``.
    folder : pathlib.Path
        An empty folder for the inputs, the script and what it writes.
    values : pandas.DataFrame
        One row per unit in the graph's id order, written with 17 significant digits.
    graph : libpysal.graph.Graph
        Its non-zero links are written as 1-based ``head``, ``tail`` positions.
    *args
        Further command-line arguments for the script.
    timeout : float
        Seconds before the run is abandoned.
    """
    ids = list(graph.unique_ids)
    pos = {u: k + 1 for k, u in enumerate(ids)}
    adj = graph.adjacency
    adj = adj[adj != 0]
    pd.DataFrame(
        {
            "head": [pos[u] for u in adj.index.get_level_values(0)],
            "tail": [pos[u] for u in adj.index.get_level_values(1)],
        }
    ).to_csv(folder / "edges.csv", index=False)
    values.to_csv(folder / "values.csv", index=False, float_format="%.17g")
    (folder / "run.R").write_text(script)
    r = subprocess.run(
        ["Rscript", str(folder / "run.R"), str(folder), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert r.returncode == 0, r.stderr
