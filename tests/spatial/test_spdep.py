"""Parity with R's spdep (moran.test, localmoran), run through Rscript when installed.

Skipped, with the reason shown, where R or spdep is missing (Debian:
``apt-get install r-cran-spdep``). The data and the neighbour list are written to a
temporary folder; R reads them, builds a row-standardised ``listw`` and writes its
results with 17 significant digits.
"""

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from r_helpers import r_unavailable, run_r
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


def run_spdep(y, graph, folder):
    """moran.test (randomisation, normality) and localmoran of ``y`` on ``graph`` in R."""
    run_r(R_SCRIPT, folder, pd.DataFrame({"y": y}), graph, timeout=120)
    return pd.read_csv(folder / "global.csv"), pd.read_csv(folder / "local.csv")


@pytest.fixture(scope="module")
def spdep_run(tmp_path_factory):
    reason = r_unavailable("spdep")
    if reason:
        pytest.skip(reason)
    return lambda y, graph: run_spdep(y, graph, tmp_path_factory.mktemp("spdep"))


DEMO = (
    Path(__file__).resolve().parents[2]
    / "examples"
    / "shandong_two_circles_four_areas"
    / "illustrative_data.csv"
)


def _quiet_weights(layer, **kwargs):
    # the island and component warnings are tested in test_weights.py
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.SpatialWeightsWarning)
        return ga.spatial_weights(layer, "queen", transform="r", **kwargs)


def _shandong_entropy(year):
    """Financial entropy of the 17 cities in one year of the illustrative demo table."""
    cities = ga.load_layer("shandong-2004-2016")
    demo = pd.read_csv(DEMO, comment="#")
    demo = demo[demo["年份"] == year]
    table = (
        cities[["name_zh", "area_km2"]]
        .reset_index()
        .merge(demo, left_on="name_zh", right_on="城市")
    )
    assert len(table) == 17
    beta = ga.financial_entropy(
        table.set_index("adcode"),
        quantity=["年末金融机构存款余额(万元)", "年末金融机构各项贷款余额(万元)"],
    ).beta
    graph = _quiet_weights(cities)
    return beta.loc[graph.unique_ids].to_numpy(), graph


def _shandong_log_area():
    cities = ga.load_layer("shandong-2004-2016")
    graph = _quiet_weights(cities)
    return np.log(cities["area_km2"].loc[graph.unique_ids].to_numpy()), graph


def _prefectures(mainland_only):
    """log(area_km2) of China's prefectures; islands (Sansha, Taiwan) dropped.

    The graph then has two components (the mainland and Hainan); ``mainland_only``
    keeps the 350 units of the mainland's component.
    """
    units = ga.load_layer("china-prefectures")
    graph = _quiet_weights(units, islands="drop")
    if mainland_only:
        labels = pd.Series(graph.component_labels)
        mainland = labels.index[labels == labels.value_counts().idxmax()]
        units = units.loc[mainland]
        graph = _quiet_weights(units)
        assert graph.n == 350 and graph.n_components == 1
    assert graph.n in (350, 368)
    return np.log(units["area_km2"].loc[graph.unique_ids].to_numpy()), graph


def _columbus():
    _, crime = xy("columbus")
    return crime, gal_graph("columbus")


CASES = {
    "columbus-CRIME": _columbus,
    "shandong-2004-2016-entropy-2004": lambda: _shandong_entropy(2004),
    "shandong-2004-2016-entropy-2016": lambda: _shandong_entropy(2016),
    "shandong-2004-2016-log-area": _shandong_log_area,
    "china-prefectures-log-area-islands-dropped": lambda: _prefectures(mainland_only=False),
    "china-prefectures-log-area-mainland": lambda: _prefectures(mainland_only=True),
}


def comparisons(y, graph, glob, loc):
    """(name, geoagglom, spdep) for every compared quantity; local ones are arrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ga.moran(y, graph, permutations=0)
    rand = glob.set_index("test").loc["randomisation"]
    norm = glob.set_index("test").loc["normality"]
    lm = ga.local_moran(y, graph, permutations=0, scaling="spdep")
    # esda's scaling is spdep's times (n - 1) / n
    n = graph.n
    esda_scaled = ga.local_moran(y, graph, permutations=0)
    return [
        ("I", m.I, rand.I),
        ("EI", m.EI, rand.EI),
        ("VI_rand", m.VI_rand, rand.VI),
        ("z_rand", m.z_rand, rand.z),
        ("p_rand", m.p_rand, rand.p),
        ("EI (normality)", m.EI, norm.EI),
        ("VI_norm", m.VI_norm, norm.VI),
        ("z_norm", m.z_norm, norm.z),
        ("p_norm", m.p_norm, norm.p),
        ("local Ii", lm.Is, loc.Ii.to_numpy()),
        ("local E.Ii", lm.EIc, loc.E.to_numpy()),
        ("local Var.Ii", lm.VIc, loc.V.to_numpy()),
        ("local Z.Ii", lm.z_c, loc.Z.to_numpy()),
        ("local Pr(z)", lm.p_c, loc.P.to_numpy()),
        ("local Ii, esda scaling", esda_scaled.Is, loc.Ii.to_numpy() * (n - 1) / n),
    ]


@pytest.mark.parametrize("case", sorted(CASES))
def test_moran_test_and_localmoran_match_spdep(spdep_run, case):
    y, graph = CASES[case]()
    glob, loc = spdep_run(y, graph)
    assert len(loc) == graph.n
    for name, ours, theirs in comparisons(y, graph, glob, loc):
        ours, theirs = np.atleast_1d(ours), np.atleast_1d(theirs)
        assert ours.shape == theirs.shape, name
        np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=name)
