"""The study's spillover dynamics: spatial Markov, LISA Markov, directional LISA, verdict.

Computed once on the units' entropy panel and the study's weights; every table
and figure of the dynamics reads these results.
"""

from __future__ import annotations

from geoagglom.dynamics.directional import directional_lisa
from geoagglom.dynamics.lisa_markov import lisa_markov
from geoagglom.dynamics.markov import spatial_markov
from geoagglom.dynamics.verdict import RULE, spillover_verdict
from geoagglom.seeding import stream

#: Fewer years than this: no dynamics (a transition needs two years; the tests three).
MIN_YEARS = 3


def wanted(config, years):
    """Whether the study computes the dynamics: as configured, else with ≥ 3 years."""
    enabled = config.dynamics.enabled
    return len(years) >= MIN_YEARS if enabled is None else enabled


def dynamics_tables(config, results, panel, weights, say, local=None, value="beta"):
    """Spatial Markov, LISA Markov, the directional LISA and the verdict, into ``results``.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    results : geoagglom.study.results.StudyResults
    panel : pandas.DataFrame
        The units' entropy: ``unit``, ``year``, ``beta`` (the units of ``weights``).
    weights : libpysal.graph.Graph
    say : callable
    local : dict, optional
        ``{year: LocalMoran}`` of the study's LISA step, reused by the LISA Markov
        chain (same classes, computed once).
    value : str, default "beta"
        The analysed column of ``panel`` (``[data] variable``).
    """
    d, m = config.dynamics, config.measures
    years = sorted(panel["year"].unique())
    start = d.start if d.start is not None else years[0]
    end = d.end if d.end is not None else years[-1]
    say(f"spillover dynamics: spatial Markov (k = {d.k}, m = {d.m}), LISA Markov, rose")
    common = dict(unit="unit", year="year", value=value)
    markov = spatial_markov(panel, weights, d.k, d.m, empty="nan", **common)
    adjust = None if m.adjust == "none" else m.adjust
    lisa = lisa_markov(
        panel,
        weights,
        m.permutations,
        m.seed,
        alpha=m.alpha,
        adjust=adjust,
        local=local,
        **common,
    )
    rose = directional_lisa(
        panel,
        weights,
        start,
        end,
        permutations=m.permutations,
        seed=stream(m.seed, "rose", int(end)),
        **common,
    )
    verdict = spillover_verdict(
        panel,
        weights,
        k=d.k,
        m=d.m,
        alpha=m.alpha,
        start=start,
        end=end,
        markov=markov,
        lisa=lisa,
        rose=rose,
        **common,
    )
    results.dynamics = {"markov": markov, "lisa_markov": lisa, "rose": rose}
    results.tables["spatial_markov"] = markov.to_frame()
    results.tables["spatial_markov_tests"] = markov.tests()
    results.tables["lisa_markov"] = lisa.matrix().reset_index()
    results.tables["directional_lisa"] = rose.to_frame().reset_index()
    results.tables["spillover_verdict"] = verdict.reset_index()
    results.rules["spillover_verdict"] = RULE
