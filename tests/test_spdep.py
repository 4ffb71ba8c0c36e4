"""Parity with R's spdep (moran.test, localmoran), run through Rscript when installed.

Skipped, with the reason shown, where R or spdep is missing (Debian:
``apt-get install r-cran-spdep``). The data and the neighbour list are written to a
temporary folder; R reads them, builds a row-standardised ``listw`` and writes its
results with 17 significant digits.
"""

import shutil
import subprocess
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from spatial_data import gal_graph, xy

import geoagglom as ga

TOL = 1e-10

R_SCRIPT = textwrap.dedent(
    """
    suppressPackageStartupMessages(library(spdep))
    args <- commandArgs(trailingOnly = TRUE)
    d <- read.csv(file.path(args[1], "values.csv"))
    e <- read.csv(file.path(args[1], "edges.csv"))
    n <- nrow(d)
    nb <- lapply(seq_len(n), function(i) sort(as.integer(e$tail[e$head == i])))
    class(nb) <- "nb"
    attr(nb, "region.id") <- as.character(seq_len(n))
    attr(nb, "sym") <- is.symmetric.nb(nb, verbose = FALSE, force = TRUE)
    lw <- nb2listw(nb, style = "W")
    out <- list()
    for (rand in c(TRUE, FALSE)) {
      mt <- moran.test(d$y, lw, randomisation = rand, alternative = "two.sided")
      out[[length(out) + 1]] <- data.frame(
        test = ifelse(rand, "randomisation", "normality"),
        I = mt$estimate[["Moran I statistic"]],
        EI = mt$estimate[["Expectation"]],
        VI = mt$estimate[["Variance"]],
        z = mt$statistic[[1]], p = mt$p.value)
    }
    g <- do.call(rbind, out)
    write.csv(format(g, digits = 17), file.path(args[1], "global.csv"), row.names = FALSE)
    lm <- localmoran(d$y, lw)
    l <- data.frame(Ii = lm[, 1], E = lm[, 2], V = lm[, 3], Z = lm[, 4], P = lm[, 5])
    write.csv(format(l, digits = 17), file.path(args[1], "local.csv"), row.names = FALSE)
    """
)


def _spdep_available():
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "R/spdep not installed: Rscript not found (apt-get install r-cran-spdep)"
    r = subprocess.run([rscript, "-e", "library(spdep)"], capture_output=True, text=True)
    if r.returncode != 0:
        return (
            "R/spdep not installed: R found but library(spdep) failed "
            "(apt-get install r-cran-spdep)"
        )
    return None


@pytest.fixture(scope="module")
def spdep_run(tmp_path_factory):
    reason = _spdep_available()
    if reason:
        pytest.skip(reason)

    def run(y, graph):
        folder = tmp_path_factory.mktemp("spdep")
        ids = list(graph.unique_ids)
        pos = {u: k + 1 for k, u in enumerate(ids)}
        adj = graph.adjacency
        adj = adj[adj != 0]
        edges = pd.DataFrame(
            {
                "head": [pos[u] for u in adj.index.get_level_values(0)],
                "tail": [pos[u] for u in adj.index.get_level_values(1)],
            }
        )
        edges.to_csv(folder / "edges.csv", index=False)
        pd.DataFrame({"y": y}).to_csv(folder / "values.csv", index=False, float_format="%.17g")
        (folder / "run.R").write_text(R_SCRIPT)
        r = subprocess.run(
            ["Rscript", str(folder / "run.R"), str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        return pd.read_csv(folder / "global.csv"), pd.read_csv(folder / "local.csv")

    return run


def _cases():
    # columbus until the bundled Chinese layer is on this branch
    _, crime = xy("columbus")
    return {"columbus-CRIME": (crime, gal_graph("columbus"))}


@pytest.mark.parametrize("case", sorted(_cases()))
def test_moran_test_and_localmoran_match_spdep(spdep_run, case):
    y, graph = _cases()[case]
    glob, loc = spdep_run(y, graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ga.moran(y, graph, permutations=0)
    rand = glob.set_index("test").loc["randomisation"]
    norm = glob.set_index("test").loc["normality"]
    for ours, theirs in [
        (m.I, rand.I),
        (m.EI, rand.EI),
        (m.VI_rand, rand.VI),
        (m.z_rand, rand.z),
        (m.p_rand, rand.p),
        (m.VI_norm, norm.VI),
        (m.z_norm, norm.z),
        (m.p_norm, norm.p),
    ]:
        assert abs(ours - theirs) <= TOL * max(1.0, abs(theirs)), (ours, theirs)
    lm = ga.local_moran(y, graph, permutations=0, scaling="spdep")
    np.testing.assert_allclose(lm.Is, loc.Ii, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(lm.EIc, loc.E, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(lm.VIc, loc.V, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(lm.z_c, loc.Z, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(lm.p_c, loc.P, rtol=TOL, atol=TOL)
    # esda's scaling is spdep's times (n - 1) / n
    n = graph.n
    esda_scaled = ga.local_moran(y, graph, permutations=0)
    np.testing.assert_allclose(esda_scaled.Is, loc.Ii * (n - 1) / n, rtol=TOL, atol=TOL)
