"""The steps of a study run, in the order of the design's data flow.

:func:`run_study` is called by :meth:`geoagglom.Study.run` with a temporary
folder; it computes every table, draws every figure and writes the report there.
"""

from __future__ import annotations

import json
import platform
import warnings
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from geoagglom.data.matching import match_units
from geoagglom.measures.concentration import location_quotient
from geoagglom.measures.panel import (
    region_entropy,
    table_decomposition,
    table_regions,
    unit_entropy,
)

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
    "mapclassify",
    "matplotlib",
)


def versions():
    """Python and package versions, for the report's reproducibility section."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def run_study(study, work, say):
    """Compute, draw and write one study into the folder ``work``.

    Returns
    -------
    geoagglom.study.StudyResults
    """
    from geoagglom.study.report import write_report
    from geoagglom.study.results import StudyResults

    results = StudyResults(out_dir=work)
    (work / "tables").mkdir()
    (work / "figures").mkdir()
    # geoagglom's warnings (islands attached, rows dropped, geometries repaired) go to the
    # report too; every warning is passed on to the caller as usual.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _compute(study, work, say, results)
    for warning in caught:
        if warning.category.__module__.startswith("geoagglom"):
            results.notes.append(str(warning.message))
            say(f"note: {warning.message}")
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    say("tables and report")
    for name, frame in results.tables.items():
        frame.to_csv(work / "tables" / f"{name}.csv", index=False)
    (work / "versions.json").write_text(json.dumps(versions(), indent=2), encoding="utf-8")
    if study.config_text:
        (work / "study.toml").write_text(study.config_text, encoding="utf-8")
    results.report = write_report(study, results, work / "report.html")
    return results


def _compute(study, work, say, results):
    """Every table and figure of the study, into ``results``."""

    say("reading boundaries and data")
    units = study.load_units()
    table = study.load_table()
    match = match_units(
        table,
        units,
        column=study.unit,
        year=study.year,
        province_column=study.province,
        drop_unmatched=study.drop_unmatched,
    )
    results.tables["match_report"] = match.report
    id_name = units.index.name or "unit_id"
    values = match.table.rename(columns={id_name: "unit"})
    values = values[["unit", study.year, *study.quantity, *_optional(study.second_variable)]]
    values = values.rename(columns={study.year: "year"})
    # The study covers the units that have data (a province's cities on a national layer).
    if len(match.missing_units):
        say(
            f"{len(match.missing_units)} of the layer's {len(units)} units have no data "
            "and are left out of the study (listed in the report)"
        )
        results.tables["units_without_data"] = _with_names(
            pd.DataFrame({"unit": match.missing_units}), units
        )
    units = units.loc[units.index.isin(values["unit"])]
    values["quantity"] = values[study.quantity].sum(axis=1)
    years = sorted(values["year"].unique())
    say(f"{len(units)} units, {len(years)} years ({years[0]}-{years[-1]})")

    say("financial entropy of units")
    entropy = unit_entropy(units, values, "quantity", unit="unit", year="year")
    entropy = _with_names(entropy, units)
    results.tables["entropy_units"] = entropy

    if len(study.quantity) > 1:
        say("location quotients")
        frames = []
        for yr in years:
            wide = values[values["year"] == yr].set_index("unit")[study.quantity]
            frame = location_quotient(wide, industries=study.quantity).to_frame()
            frame.insert(0, "year", yr)
            frames.append(frame.rename(columns={frame.columns[1]: "unit"}))
        results.tables["location_quotient"] = pd.concat(frames, ignore_index=True)

    grouping = study.load_grouping_table(units)
    regions_geo = None
    if grouping is not None:
        grouping = grouping.reindex(units.index)
        say("regions: dissolve, entropy, Tables I and II")
        regions = region_entropy(units, values, grouping, "quantity", unit="unit", year="year")
        results.tables["entropy_regions"] = regions
        results.tables["table_I"] = table_regions(
            units, values, grouping, "quantity", unit="unit", year="year"
        )
        for kind in study.theil:
            name = "table_II" if kind == "T" else f"table_II_theil_{kind}"
            results.tables[name] = table_decomposition(
                units,
                values,
                grouping,
                "quantity",
                unit="unit",
                year="year",
                kind=kind,
                permutations=study.permutations,
                seed=study.seed,
            )
        results.tables["table_II_gini"] = table_decomposition(
            units, values, grouping, "quantity", unit="unit", year="year", measure="gini"
        )
        regions_geo = units.assign(region=grouping).dissolve("region")

    spatial = _spatial(study, units, entropy, values, years, results, say)

    say("figures")
    from geoagglom.study.figures import draw_study_figures

    results.figures = draw_study_figures(study, units, results.tables, regions_geo, spatial, work)


def _spatial(study, units, entropy, values, years, results, say):
    """Moran trend, LISA classes and transitions, bivariate Moran; None for < 3 units."""
    from geoagglom.spatial.global_stats import moran_bv
    from geoagglom.study.spillover import spillover_check

    if len(units) < 3:
        say("fewer than 3 units: spatial autocorrelation skipped")
        return None
    say(f"Moran's I and LISA, {study.permutations} permutations per year")
    check = spillover_check(
        units,
        entropy,
        "beta",
        unit="unit",
        year="year",
        kind=study.weights,
        islands=study.islands,
        k=study.k,
        permutations=study.permutations,
        seed=study.seed,
        alpha=study.alpha,
        adjust=study.adjust,
    )
    results.tables["moran_trend"] = check.to_frame().reset_index()
    lisa = _with_names(check.lisa, units)
    results.tables["lisa"] = lisa
    flagged = lisa[lisa["label"].isin(["spillover cluster", "siphoning core"])]
    results.tables["spillover_siphoning"] = flagged.reset_index(drop=True)
    if check.transitions is not None:
        results.tables["lisa_transitions"] = check.transitions.reset_index()

    if study.second_variable:
        say("bivariate Moran")
        rows = []
        for yr in years:
            x = entropy[entropy["year"] == yr].set_index("unit")["beta"]
            y = values[values["year"] == yr].set_index("unit")[study.second_variable]
            bv = moran_bv(
                x.reindex(units.index),
                y.reindex(units.index),
                check.weights,
                permutations=study.permutations,
                seed=study.seed + int(yr),
            )
            rows.append({"year": yr, "I": bv.I, "EI_sim": bv.EI_sim, "p_sim": bv.p_sim})
        results.tables["bivariate_moran"] = pd.DataFrame(rows)
    return check


def _with_names(frame, units):
    """Add the units' names next to their ids, where the layer has names."""
    names = [c for c in ("name_zh", "name_en") if c in units.columns]
    if not names:
        return frame
    labels = units[names].rename_axis("unit").reset_index()
    out = frame.merge(labels, on="unit", how="left")
    order = ["year", "unit", *names]
    return out[[c for c in order if c in out.columns] + [c for c in out if c not in order]]


def _optional(column):
    return [column] if column else []
