"""The study's spatial model: spillover estimated, and read in one sentence per regressor.

A spatial Durbin (or SLX, lag, error, SDEM) model of ``[model] y`` on ``[model] x``
(data-table columns, or ``entropy``: the units' financial entropy) in one year,
with the impacts and their simulated intervals, the LM diagnostics, and the
effect of a change at the financial centre on every other unit.
"""

from __future__ import annotations

import pandas as pd

from geoagglom.errors import StudyConfigError
from geoagglom.models.regression import spatial_model
from geoagglom.seeding import stream
from geoagglom.study.i18n import model_sentences
from geoagglom.study.vocabulary import IMPACT_RULE, impact_reading


def model_tables(config, results, panel, weights, say):
    """Fit the configured model and put its tables into ``results``.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    results : geoagglom.study.results.StudyResults
    panel : pandas.DataFrame
        The units' entropy (``unit``, ``year``, ``beta``), units of ``weights``.
    weights : libpysal.graph.Graph
    say : callable
    """
    spec = config.model
    x = [spec.x] if isinstance(spec.x, str) else list(spec.x)
    years = sorted(panel["year"].unique())
    year = spec.year if spec.year is not None else years[-1]
    if year not in years:
        raise StudyConfigError(
            f"[model] year = {year}: not a year of the study ({years[0]}-{years[-1]})."
        )
    ids = pd.Index(weights.unique_ids)
    values = results.values[results.values["year"] == year].set_index("unit")
    data = values.reindex(ids)[[c for c in (spec.y, *x) if c != "entropy"]].copy()
    data["entropy"] = panel[panel["year"] == year].set_index("unit")["beta"].reindex(ids)
    say(f"spatial model ({spec.model}) of {spec.y} on {', '.join(x)}, {year}")
    fit = spatial_model(data, spec.y, x, weights, model=spec.model)
    seed = config.measures.seed
    results.models = {"fit": fit, "year": year}
    results.tables["model_coefficients"] = fit.to_frame()
    results.tables["model_diagnostics"] = fit.lm_tests
    if spec.model == "error":
        return  # no spillover impacts in the spatial error model
    impacts = fit.impacts(draws=spec.draws, seed=stream(seed, "impacts", int(year)))
    results.tables["model_impacts"] = impacts
    results.tables["model_reading"] = _readings(impacts, spec.y)
    results.rules["model_reading"] = IMPACT_RULE
    centre = _centre(spec.centre, data["entropy"], results)
    effect = fit.unit_effect(
        x[0], centre, draws=spec.draws, seed=stream(seed, "unit_effect", int(year))
    )
    results.models["centre"] = centre
    results.models["unit_effect"] = effect
    table = effect.reset_index()
    table.insert(0, "regressor", x[0])
    table.insert(1, "centre", centre)
    results.tables["model_unit_effect"] = table
    summary = effect.attrs["summary"].copy()
    summary.insert(0, "centre", centre)
    results.tables["model_unit_effect_summary"] = summary


def _readings(impacts, y):
    """One sentence per regressor from its indirect impact and interval."""
    rows = []
    indirect = impacts[impacts["impact"] == "indirect"]
    for row in indirect.itertuples(index=False):
        lo = getattr(row, "ci_lower", float("nan"))
        hi = getattr(row, "ci_upper", float("nan"))
        rows.append(
            {
                "regressor": row.variable,
                "indirect": row.estimate,
                "ci_lower": lo,
                "ci_upper": hi,
                "reading": impact_reading(lo, hi),
            }
        )
    frame = pd.DataFrame(rows, columns=["regressor", "indirect", "ci_lower", "ci_upper", "reading"])
    return frame.assign(sentence=model_sentences(frame, y, "en"))


def _centre(wanted, entropy, results):
    """The unit whose effect is mapped: as configured (id or name), else the densest."""
    if wanted is None:
        return entropy.idxmax()
    for unit in entropy.index:
        if str(unit) == str(wanted):
            return unit
    names = results.units.reindex(entropy.index)
    for column in results.names:
        hits = names.index[names[column].astype(str) == str(wanted)]
        if len(hits) == 1:
            return hits[0]
    raise StudyConfigError(
        f"[model] centre = {wanted!r}: no unit of the model has this id or name."
    )
