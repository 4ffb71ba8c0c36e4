"""Exact and saddlepoint Moran inference against spdep (lm.morantest.exact/.sad,
localmoran.exact/.sad), run through Rscript; skipped with the reason where R/spdep is
missing. Also identities: exact vs saddlepoint agreement, the method rule, bad input.
"""

import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from r_helpers import r_unavailable, run_r
from spatial_data import gal_graph, layer

import geoagglom as ga
from geoagglom.spatial.exact import local_moran_exact, moran_exact, moran_inference

TOL = 1e-8

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
    models <- list(null = lm(y ~ 1, d), reg = lm(y ~ x1 + x2, d))
    g <- list(); l <- list()
    for (m in names(models)) {
      for (alt in c("greater", "less", "two.sided")) {
        ex <- lm.morantest.exact(models[[m]], lw, alternative = alt)
        sa <- lm.morantest.sad(models[[m]], lw, alternative = alt)
        g[[length(g) + 1]] <- data.frame(model = m, alternative = alt, method = "exact",
          I = ex$estimate[[1]], z = ex$statistic[[1]], p = ex$p.value[[1]])
        g[[length(g) + 1]] <- data.frame(model = m, alternative = alt, method = "saddlepoint",
          I = sa$estimate[[1]], z = sa$statistic[[1]], p = sa$p.value[[1]])
      }
      for (alt in c("two.sided", "greater")) {
        le <- suppressWarnings(localmoran.exact(models[[m]], nb = nb, alternative = alt))
        ls <- localmoran.sad(models[[m]], nb = nb, alternative = alt)
        l[[length(l) + 1]] <- data.frame(model = m, alternative = alt, method = "exact",
          unit = seq_len(n), I = sapply(le, function(r) r$estimate[[1]]),
          z = sapply(le, function(r) r$statistic[[1]]), p = sapply(le, function(r) r$p.value[[1]]),
          approx = sapply(le, function(r) r$oType))
        l[[length(l) + 1]] <- data.frame(model = m, alternative = alt, method = "saddlepoint",
          unit = seq_len(n), I = sapply(ls, function(r) r$estimate[[1]]),
          z = sapply(ls, function(r) r$statistic[[1]]), p = sapply(ls, function(r) r$p.value[[1]]),
          approx = "S")
      }
    }
    write.csv(format(do.call(rbind, g), digits = 17), file.path(args[1], "global.csv"),
              row.names = FALSE)
    write.csv(format(do.call(rbind, l), digits = 17), file.path(args[1], "local.csv"),
              row.names = FALSE)
    """
)


def _run(frame, graph, folder):
    run_r(R_SCRIPT, folder, frame.loc[list(graph.unique_ids), ["y", "x1", "x2"]], graph)
    return (
        pd.read_csv(folder / "global.csv", keep_default_na=False),
        pd.read_csv(folder / "local.csv", keep_default_na=False),
    )


def _columbus():
    g = gal_graph("columbus")
    c = layer("columbus")
    frame = pd.DataFrame(
        {"y": c["CRIME"].to_numpy(float), "x1": c["INC"].to_numpy(float),
         "x2": c["HOVAL"].to_numpy(float)},
        index=g.unique_ids,
    )  # fmt: skip
    return frame, g


def _shandong():
    cities = ga.load_layer("shandong-2004-2016")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.SpatialWeightsWarning)
        g = ga.spatial_weights(cities, "queen", transform="r")
    rng = np.random.default_rng(20161231)  # synthetic but seeded regressors
    x1 = np.log(cities["area_km2"].to_numpy(float))
    x2 = rng.normal(size=len(cities))
    y = 0.5 * x1 + x2 + rng.normal(size=len(cities))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2}, index=cities.index), g


CASES = {"columbus": _columbus, "shandong": _shandong}
ALT = {"greater": "greater", "less": "less", "two.sided": "two-sided"}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, tmp_path_factory):
    reason = r_unavailable("spdep")
    if reason:
        pytest.skip(reason)
    frame, g = CASES[request.param]()
    glob, loc = _run(frame, g, tmp_path_factory.mktemp("exact"))
    return frame, g, glob, loc


def _x(model):
    return None if model == "null" else ["x1", "x2"]


def test_global_matches_spdep(case):
    frame, g, glob, _ = case
    for row in glob.itertuples():
        r = moran_exact("y", g, _x(row.model), data=frame, method=row.method,
                        alternative=ALT[row.alternative])  # fmt: skip
        assert abs(r.I - row.I) < TOL
        assert abs(r.statistic - row.z) < TOL, (row, r.statistic)
        assert abs(r.p_value - row.p) < TOL, (row, r.p_value)


def test_local_matches_spdep(case):
    frame, g, _, loc = case
    for (model, alt, method), ref in loc.groupby(["model", "alternative", "method"]):
        r = local_moran_exact("y", g, _x(model), data=frame, method=method, alternative=ALT[alt])
        np.testing.assert_allclose(r.Is, ref["I"].to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(r.statistic, ref["z"].to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(r.p_values, ref["p"].to_numpy(), rtol=0, atol=TOL)
        assert list(r.approx) == list(ref["approx"])


def test_global_I_matches_moran():
    frame, g = _columbus()
    r = moran_exact("y", g, data=frame)
    m = ga.moran("y", g, data=frame, permutations=0)
    assert abs(r.I - m.I) < 1e-12


def test_exact_and_saddlepoint_agree():
    frame, g = _columbus()
    e = moran_exact("y", g, ["x1", "x2"], data=frame)
    s = moran_exact("y", g, ["x1", "x2"], data=frame, method="saddlepoint")
    # Tiefelsdorf (2002): the saddlepoint is accurate to a few 1e-3 in p
    assert abs(e.p_value - s.p_value) < 5e-3
    # gamma: n - p non-zero eigenvalues of M U M, summing to tr(M U)
    assert len(e.gamma) == 49 - 3


def test_moran_inference_rule():
    assert moran_inference(17) == "exact"
    assert moran_inference(1000) == "exact"
    assert moran_inference(1001) == "saddlepoint"
    assert moran_inference(3001) == "normal"


def test_bad_input():
    frame, g = _columbus()
    with pytest.raises(ga.InputError, match="method"):
        moran_exact("y", g, data=frame, method="imhof")
    with pytest.raises(ga.InputError, match="alternative"):
        moran_exact("y", g, data=frame, alternative="directed")
    bad = frame.copy()
    bad.iloc[3, 0] = np.nan
    with pytest.raises(ga.InputError, match="missing"):
        local_moran_exact("y", g, data=bad)
    frame["x3"] = 2 * frame["x1"]
    with pytest.raises(ga.InputError, match="collinear"):
        moran_exact("y", g, ["x1", "x3"], data=frame)
    # eigenvalues of other regressors: one more column, one fewer eigenvalue
    gamma = moran_exact("y", g, data=frame).gamma
    with pytest.raises(ga.InputError, match=r"gamma: 48 eigenvalues given, but .* have 47"):
        moran_exact("y", g, "x1", data=frame, gamma=gamma)


def test_given_eigenvalues_give_the_same_test():
    frame, g = _columbus()
    for method in ("exact", "saddlepoint"):
        first = moran_exact("y", g, "x1", data=frame, method=method)
        again = moran_exact("x2", g, "x1", data=frame, method=method)
        reused = moran_exact("x2", g, "x1", data=frame, method=method, gamma=first.gamma)
        np.testing.assert_array_equal(reused.gamma, again.gamma)
        assert (reused.I, reused.statistic, reused.p_value) == (
            again.I,
            again.statistic,
            again.p_value,
        )


def test_reference_covers_every_case(case):
    _, _, glob, loc = case
    assert set(glob["model"]) == {"null", "reg"} and len(glob) == 12
    assert set(loc["model"]) == {"null", "reg"}
