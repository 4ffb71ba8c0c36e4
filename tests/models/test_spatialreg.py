"""Parity with R spatialreg (lagsarlm, errorsarlm, lmSLX, impacts) and spdep (lm.LMtests).

Run through Rscript; skipped, with the reason shown, where R or spatialreg is missing
(Debian: ``apt-get install r-cran-spatialreg``). The data and the neighbour list are
written to a temporary folder; R builds a row-standardised ``listw`` from the same
neighbours and writes every number with 17 significant digits.
"""

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from r_helpers import r_unavailable, run_r
from spatial_data import gal_graph, layer

import geoagglom as ga
from geoagglom.options import SPATIAL_MODELS

R_SCRIPT = textwrap.dedent(
    """
    suppressPackageStartupMessages({library(spdep); library(spatialreg)})
    args <- commandArgs(trailingOnly = TRUE)
    d <- read.csv(file.path(args[1], "values.csv"))
    e <- read.csv(file.path(args[1], "edges.csv"))
    R <- as.integer(args[2])
    n <- nrow(d)
    nb <- lapply(seq_len(n), function(i) sort(as.integer(e$tail[e$head == i])))
    class(nb) <- "nb"
    attr(nb, "region.id") <- as.character(seq_len(n))
    attr(nb, "sym") <- is.symmetric.nb(nb, verbose = FALSE, force = TRUE)
    lw <- nb2listw(nb, style = "W")
    W <- as(lw, "CsparseMatrix")
    tr <- trW(W, type = "mult")
    f <- y ~ x1 + x2
    out <- list()
    put <- function(key, value) {
      out[[length(out) + 1]] <<- data.frame(key = paste(key, names(value), sep = "|"),
                                            value = unname(value))
    }
    add_fit <- function(name, fit, sp) {
      put(paste(name, "coef"), coef(fit)[!(names(coef(fit)) %in% c("rho", "lambda"))])
      se <- fit$rest.se; names(se) <- names(fit$coefficients)
      put(paste(name, "se"), se)
      put(paste(name, "sp"), c(value = unname(fit[[sp]]), se = unname(fit[[paste0(sp, ".se")]])))
      put(paste(name, "fit"), c(LL = as.numeric(logLik(fit)), AIC = AIC(fit), s2 = fit$s2))
    }
    sdm <- lagsarlm(f, d, lw, Durbin = TRUE)
    lag <- lagsarlm(f, d, lw)
    err <- errorsarlm(f, d, lw)
    sdem <- errorsarlm(f, d, lw, Durbin = TRUE)
    add_fit("sdm", sdm, "rho"); add_fit("lag", lag, "rho")
    add_fit("error", err, "lambda"); add_fit("sdem", sdem, "lambda")
    v <- c(sdm$resvar); names(v) <- seq_along(v); put("sdm vcov", v)
    v <- c(lag$resvar); names(v) <- seq_along(v); put("lag vcov", v)
    slx <- lmSLX(f, d, lw)
    put("slx coef", coef(slx)); put("slx se", summary(slx)$coefficients[, 2])
    put("slx fit", c(LL = as.numeric(logLik(slx)), AIC = AIC(slx)))
    for (m in c("sdm", "lag")) {
      fit <- get(m)
      set.seed(1)
      it <- impacts(fit, tr = tr, R = R)
      st <- summary(it, zstats = TRUE)
      for (k in c("direct", "indirect", "total")) {
        v <- it$res[[k]]; names(v) <- attr(it, "bnames"); put(paste(m, "trace", k), v)
        put(paste(m, "simsd", k), st$semat[, tools::toTitleCase(k)])
        s <- as.matrix(it$sres[[k]])
        put(paste(m, "simmean", k), colMeans(s))
        kurt <- apply(s, 2, function(z) mean((z - mean(z))^4) / mean((z - mean(z))^2)^2)
        put(paste(m, "simkurt", k), kurt)
      }
      ie <- impacts(fit, listw = lw)
      for (k in c("direct", "indirect", "total")) {
        v <- ie[[k]]; names(v) <- attr(ie, "bnames"); put(paste(m, "exact", k), v)
      }
    }
    for (m in c("slx", "sdem")) {
      it <- impacts(get(m))
      for (k in c("direct", "indirect", "total")) {
        put(paste(m, "lin", k), it$impacts[[k]])
        put(paste(m, "linse", k), it$se[[k]])
      }
    }
    v <- tr[1:30]; names(v) <- 1:30; put("trW", v)
    lmt <- lm.LMtests(lm(f, d), lw, test = "all")
    put("lmtests stat", sapply(lmt, function(t) unname(t$statistic)))
    put("lmtests p", sapply(lmt, function(t) unname(t$p.value)))
    lmt2 <- lm.LMtests(lm(y ~ x1 + x2 + lag.x1 + lag.x2,
                          cbind(d, lag.x1 = lag.listw(lw, d$x1), lag.x2 = lag.listw(lw, d$x2))),
                       lw, test = "all")
    put("lmtests_slx stat", sapply(lmt2, function(t) unname(t$statistic)))
    res <- do.call(rbind, out)
    write.csv(format(res, digits = 17), file.path(args[1], "out.csv"), row.names = FALSE)
    """
)

R_DRAWS = 20000


def run_spatialreg(frame, graph, folder):
    ids = list(graph.unique_ids)
    run_r(R_SCRIPT, folder, frame.loc[ids, ["y", "x1", "x2"]], graph, R_DRAWS)
    out = pd.read_csv(folder / "out.csv")
    return dict(zip(out["key"], out["value"].astype(float), strict=False))


def _columbus():
    g = gal_graph("columbus")
    cols = layer("columbus")
    frame = pd.DataFrame(
        {
            "y": cols["CRIME"].to_numpy(float),
            "x1": cols["INC"].to_numpy(float),
            "x2": cols["HOVAL"].to_numpy(float),
        },
        index=g.unique_ids,
    )
    return frame, g


DEMO = (
    Path(__file__).resolve().parents[2]
    / "examples"
    / "shandong_two_circles_four_areas"
    / "illustrative_data.csv"
)


def _shandong():
    """17 Shandong cities, 2016 illustrative data: growth on log deposits per km2, loan ratio."""
    cities = ga.load_layer("shandong-2004-2016")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.SpatialWeightsWarning)
        g = ga.spatial_weights(cities, "queen", transform="r")
    demo = pd.read_csv(DEMO, comment="#")
    demo = demo[demo["年份"] == 2016].set_index("城市")
    t = cities[["name_zh", "area_km2"]].join(demo, on="name_zh")
    dep = t["年末金融机构存款余额(万元)"]
    loan = t["年末金融机构各项贷款余额(万元)"]
    frame = pd.DataFrame(
        {
            "y": t["地区生产总值增长率(%)"],
            "x1": np.log(dep / t["area_km2"]),
            "x2": loan / dep,
        }
    )
    assert frame.notna().all().all() and len(frame) == 17
    return frame, g


CASES = {"columbus": _columbus, "shandong-2016": _shandong}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, tmp_path_factory):
    reason = r_unavailable("spatialreg", "spdep")
    if reason:
        pytest.skip(reason)
    frame, g = CASES[request.param]()
    ref = run_spatialreg(frame, g, tmp_path_factory.mktemp("spatialreg"))
    fits = {
        m: ga.spatial_model(frame, "y", ["x1", "x2"], g, model=m) for m in SPATIAL_MODELS.values
    }
    return request.param, frame, g, ref, fits


R_NAMES = {"const": "(Intercept)", "x1": "x1", "x2": "x2", "W_x1": "lag.x1", "W_x2": "lag.x2"}


def _r(ref, prefix, names):
    return np.array([ref[f"{prefix}|{R_NAMES.get(c, c)}"] for c in names])


@pytest.mark.parametrize("model", ["sdm", "lag", "error", "sdem"])
def test_ml_fit_matches_spatialreg(case, model):
    _, _, _, ref, fits = case
    fit = fits[model]
    sp = "rho" if model in ("sdm", "lag") else "lambda"
    np.testing.assert_allclose(fit.statistic, ref[f"{model} sp|value"], rtol=0, atol=1e-6)
    # R's optimize() stops about 1e-7 from the maximum where the likelihood is flat
    # (Shandong's error model); ours is at least as high, and the coefficients agree to
    # 1e-6 relative, and to 1e-8 at R's rho/lambda
    assert fit.log_likelihood >= ref[f"{model} fit|LL"] - 1e-9
    np.testing.assert_allclose(
        fit.coefficients.to_numpy(), _r(ref, f"{model} coef", fit.names), rtol=1e-6
    )
    r = ref[f"{model} sp|value"]
    Z, y, W = fit._Z, fit._y, fit._sw.W
    if sp == "rho":
        at_r = np.linalg.lstsq(Z, y - r * (W @ y), rcond=None)[0]
    else:
        at_r = np.linalg.lstsq(Z - r * (W @ Z), y - r * (W @ y), rcond=None)[0]
    np.testing.assert_allclose(at_r, _r(ref, f"{model} coef", fit.names), rtol=0, atol=1e-8)
    # standard errors: the analytic information matrix, as spatialreg (method = "eigen")
    np.testing.assert_allclose(fit.se.to_numpy(), _r(ref, f"{model} se", fit.names), rtol=1e-6)
    se_sp = fit.rho_se if sp == "rho" else fit.lam_se
    np.testing.assert_allclose(se_sp, ref[f"{model} sp|se"], rtol=1e-6)
    np.testing.assert_allclose(fit.log_likelihood, ref[f"{model} fit|LL"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.aic, ref[f"{model} fit|AIC"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.sigma2, ref[f"{model} fit|s2"], rtol=1e-6)


@pytest.mark.parametrize("model", ["sdm", "lag"])
def test_vcov_matches_spatialreg(case, model):
    _, _, _, ref, fits = case
    vc = fits[model].vcov.to_numpy()
    rv = np.array([v for k, v in ref.items() if k.startswith(f"{model} vcov|")])
    np.testing.assert_allclose(vc.ravel(order="F"), rv, rtol=1e-5, atol=1e-10)


def test_slx_matches_lmslx(case):
    _, _, _, ref, fits = case
    fit = fits["slx"]
    np.testing.assert_allclose(
        fit.coefficients.to_numpy(), _r(ref, "slx coef", fit.names), rtol=0, atol=1e-8
    )
    np.testing.assert_allclose(fit.se.to_numpy(), _r(ref, "slx se", fit.names), rtol=1e-8)
    np.testing.assert_allclose(fit.log_likelihood, ref["slx fit|LL"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.aic, ref["slx fit|AIC"], rtol=0, atol=1e-8)


def test_lm_tests_match_spdep(case):
    _, _, _, ref, fits = case
    for model, key in (("lag", "lmtests"), ("sdm", "lmtests_slx")):
        got = fits[model].lm_tests.set_index("test")
        for t in ("LMerr", "LMlag", "RLMerr", "RLMlag", "SARMA"):
            np.testing.assert_allclose(got.loc[t, "statistic"], ref[f"{key} stat|{t}"], rtol=1e-9)
    got = fits["lag"].lm_tests.set_index("test")
    for t in ("LMerr", "LMlag", "RLMerr", "RLMlag", "SARMA"):
        np.testing.assert_allclose(got.loc[t, "p"], ref[f"lmtests p|{t}"], rtol=1e-8, atol=1e-12)


def _r_rho_pairs(ref, model):
    rho = ref[f"{model} sp|value"]
    b = [ref[f"{model} coef|x1"], ref[f"{model} coef|x2"]]
    if model == "sdm":
        t = [ref[f"{model} coef|lag.x1"], ref[f"{model} coef|lag.x2"]]
    else:
        t = [0.0, 0.0]
    return rho, np.column_stack([b, t])


@pytest.mark.parametrize("model", ["sdm", "lag"])
def test_impacts_given_coefficients(case, model):
    """Our impact formulas at R's coefficients reproduce R's impacts to 1e-8."""
    from geoagglom.models import impacts as imp

    _, _, _g, ref, fits = case
    sw = fits[model]._sw
    rho, P = _r_rho_pairs(ref, model)
    tr = sw.traces(30)
    np.testing.assert_allclose(tr, [ref[f"trW|{i}"] for i in range(1, 31)], rtol=1e-10, atol=1e-10)
    for method, fn in (
        ("trace", lambda: imp.trace_impacts(rho, P, tr, sw.n)),
        ("exact", lambda: imp.exact_impacts(rho, P, sw.eigenvalues())),
    ):
        got = dict(zip(imp.KINDS, fn(), strict=False))
        for kind in imp.KINDS:
            want = [ref[f"{model} {method} {kind}|{v}"] for v in ("x1", "x2")]
            np.testing.assert_allclose(got[kind], want, rtol=0, atol=1e-8)


@pytest.mark.parametrize("model", ["sdm", "lag"])
def test_simulated_impacts_within_monte_carlo_error(case, model):
    _, _, _, ref, fits = case
    draws = 20000
    frame = (
        fits[model].impacts(draws=draws, seed=7, method="trace").set_index(["variable", "impact"])
    )
    for kind in ("direct", "indirect", "total"):
        for v in ("x1", "x2"):
            sd_r = ref[f"{model} simsd {kind}|{v}"]
            sd = frame.loc[(v, kind), "sim_sd"]
            # sd of a sample sd ~ sd sqrt((kurtosis - 1) / (4 N)) per side; 5 sigma
            kurt = ref[f"{model} simkurt {kind}|{v}"]
            tol = 5 * sd_r * np.sqrt((kurt - 1) / 4 * (1 / draws + 1 / R_DRAWS))
            assert abs(sd - sd_r) < tol, (kind, v, sd, sd_r)
            mean_r = ref[f"{model} simmean {kind}|{v}"]
            tol_m = 5 * sd_r * np.sqrt(1 / draws + 1 / R_DRAWS)
            assert abs(frame.loc[(v, kind), "sim_mean"] - mean_r) < tol_m


@pytest.mark.parametrize("model", ["slx", "sdem"])
def test_linear_impacts(case, model):
    _, _, _, ref, fits = case
    frame = fits[model].impacts().set_index(["variable", "impact"])
    for kind in ("direct", "indirect", "total"):
        for v in ("x1", "x2"):
            np.testing.assert_allclose(
                frame.loc[(v, kind), "estimate"], ref[f"{model} lin {kind}|{v}"], atol=1e-6
            )
            np.testing.assert_allclose(
                frame.loc[(v, kind), "se"], ref[f"{model} linse {kind}|{v}"], rtol=1e-6
            )
