"""One pass of a study, in the order of the design's data flow.

:func:`run_study` takes a validated :class:`~geoagglom.study.config.StudyConfig`,
computes every table once (the units' and regions' entropy once per year, the
regions dissolved once, the weights built once), draws the figures from those
tables, writes the CSV tables and the report into a temporary folder and moves
it into place when complete. Figures and the report read the
:class:`~geoagglom.study.results.StudyResults`, never the study description
behind it.
"""

from __future__ import annotations

import json
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from geoagglom.data.matching import match_units
from geoagglom.data.regions import dissolve_regions
from geoagglom.errors import InputError, MatchError, PermutationCostWarning, StudyConfigError
from geoagglom.measures.concentration import location_quotient
from geoagglom.measures.panel import (
    _weight_choice,
    region_entropy,
    table_change,
    table_decomposition,
    table_regions,
    unit_entropy,
)
from geoagglom.spatial.exact import (
    EXACT_MAX_N,
    SADDLEPOINT_MAX_N,
    local_moran_exact,
    moran_exact,
    moran_inference,
)
from geoagglom.spatial.permutation import permutation_progress, report_draws
from geoagglom.spatial.significance import _adjust
from geoagglom.study.budget import Progress, check_budget
from geoagglom.study.dynamics_tables import dynamics_tables
from geoagglom.study.dynamics_tables import wanted as dynamics_wanted
from geoagglom.study.indices import (
    decomposition_options,
    index_label,
    table_one_indices,
    table_two_indices,
    table_two_name,
)
from geoagglom.study.inputs import load_grouping_table, load_points, load_table, load_units
from geoagglom.study.model_tables import model_tables
from geoagglom.study.output import (
    copy_inputs,
    with_names,
    write_folder,
    write_geopackage,
    write_tables,
)
from geoagglom.study.provenance import versions
from geoagglom.study.results import StudyResults
from geoagglom.study.vocabulary import LISA_CLASSES, VARIABLE_COLUMNS, variable_label

#: Fewer units than this: the spatial statistics are skipped (and the report says so).
MIN_SPATIAL_UNITS = 3
#: A year whose entropies differ by no more than this (relative) has no spatial pattern.
CONSTANT_RTOL = 1e-12
#: At most this many units: local Moran also gets exact/saddlepoint p-values.
LOCAL_EXACT_MAX_UNITS = 100


def run_study(config, out_dir=None, *, overwrite=False, progress=None, figure_worker=None):
    """Run a study and write its outputs.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    out_dir : str or pathlib.Path, optional
        Default: the study file's ``[output] folder``.
    overwrite : bool, default False
        Replace an existing output folder (only once the new one is complete).
    progress : callable, optional
        Called with a short message at each step.
    figure_worker : geoagglom.study.figure_worker.FigureWorker, optional
        A worker launched already (:meth:`~geoagglom.study.config.Study.run` launches
        one before importing this module, so that its imports overlap these); by
        default the run starts one itself with two or more cores. The caller stops it.

    Returns
    -------
    StudyResults
    """
    out_dir = Path(out_dir) if out_dir is not None else default_output(config)
    say = progress or (lambda message: None)
    with _compute_cluster(config, say) as workers:
        results, work, final = write_folder(
            out_dir,
            lambda folder: _run(config, folder, say, workers, figure_worker),
            replace=overwrite,
        )
    return results.moved_to(work, final)


@contextmanager
def _compute_cluster(config, say):
    """The [compute] cluster for one run (started or connected only when asked; closed after).

    Yields the number of workers to split work across, or None (all in this process).
    """
    compute = config.compute
    if compute.workers is None and compute.address is None:
        yield None
        return
    from geoagglom.compute import compute_client

    where = compute.address or f"a local cluster of {compute.workers} worker(s)"
    say(f"dask: connecting to {where}" if compute.address else f"dask: starting {where}")
    try:
        client = compute_client(workers=compute.workers, address=compute.address)
    except InputError as err:
        key = "address" if compute.address else "workers"
        raise StudyConfigError(f"[compute] {key}: {err}") from None
    except OSError as err:  # no scheduler at that address
        message = f"[compute] address: cannot reach {compute.address}: {err}"
        raise StudyConfigError(message) from None
    try:
        with client.as_current():
            workers = len(client.scheduler_info().get("workers", {})) or 1
            yield workers
    finally:
        client.close()


def default_output(config):
    """The output folder of a configuration: ``[output] folder`` beside the study file."""
    return config.base / config.values["output"]["folder"]


def _run(config, work, say, workers=None, launched=None):
    """Compute, draw and write one study into the folder ``work`` (``launched``: a
    figure worker launched already, attached here)."""
    from geoagglom.study.figure_worker import MIN_CORES, FigureWorker, available_cores

    results = StudyResults(out_dir=work, config=config)
    results.compute_workers = workers
    if workers:
        where = config.compute.address or "a local dask cluster"
        results.notes.append(
            f"Computed with {where} ({workers} worker(s)): the queen/rook weights and the "
            "counting of points ran partition by partition on it, and the LISA's "
            "conditional permutations in chunks of units; the other steps in this "
            "process. The results are the same as without a cluster."
        )
    (work / "tables").mkdir()
    (work / "figures").mkdir()
    # With a second core, a second process draws figures too: started now, it imports
    # the plotting code while this one computes, then draws the figures of the results
    # computed so far (the entropy map and the regions' charts while the permutation
    # tests run, the LISA maps while the rest is computed).
    cores = available_cores()
    if launched is not None:
        worker = launched.attach(work)
    else:
        worker = FigureWorker.start(work) if cores >= MIN_CORES else None
    try:
        with _blas_threads(cores - 2 if worker is not None else None):
            return _run_with(config, work, say, results, worker)
    finally:
        if worker is not None:
            worker.stop()  # ended already, unless the run stopped before its figures


@contextmanager
def _blas_threads(limit):
    """At most ``limit`` (at least 1) BLAS threads within the block; None: no limit.

    A run computes in this process's thread, the saddlepoint eigenvalues in a second
    thread, and draws figures in the worker: with as many BLAS threads as cores, their
    spinning took the worker's core (the county example's Moran step took 11.5 s
    instead of 4.5 s on two cores).
    """
    if limit is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=max(1, limit), user_api="blas"):
        yield


def _run_with(config, work, say, results, worker):
    """The run of :func:`_run`, with its figure worker (or None; :func:`_run` stops it)."""
    from geoagglom.study.figures import draw_study_figures, figure_plan
    from geoagglom.study.interactive import write_map
    from geoagglom.study.report import write_report

    def hand_over(partial):
        nonlocal worker
        if worker is not None and not worker.draw(partial, work / "figures", final=False):
            worker = None

    # geoagglom's warnings (islands attached, rows dropped, geometries repaired) go
    # to the report too; every warning is passed on to the caller as usual.
    with _noting_warnings(results, say):
        compute(config, results, say, ready=hand_over)
    order = [name for name, _ in figure_plan(results)]  # the report's order
    if worker is not None and not worker.draw(results, work / "figures"):
        worker = None
    # the worker starts on the figures while this process writes the tables, the
    # GeoPackage and the interactive map, then takes the figures still left
    say("tables, GeoPackage and interactive map")
    write_tables(results, work / "tables")
    geojson = None
    if config.output.geojson:
        geojson = work / "geojson"
        geojson.mkdir()
    said = len(results.notes)
    results.layers = write_geopackage(results, work / "results.gpkg", geojson_folder=geojson)
    for note in results.notes[said:]:  # which layers are attribute tables
        say(f"note: {note}")
    copy_inputs(config, work)
    (work / "versions.json").write_text(json.dumps(versions(), indent=2), encoding="utf-8")
    results.map = write_map(results, work / "map.html")
    say("figures")
    with _noting_warnings(results, say):
        claim = worker.claim if worker is not None else None
        figures = draw_study_figures(results, work / "figures", claim)
        if worker is not None:
            figures.update(worker.finish())
            # the figures a worker that could not run had claimed are drawn here
            left = [name for name in order if name not in figures]
            if left:
                figures.update(draw_study_figures(results, work / "figures", left.__contains__))
    results.figures = {name: figures[name] for name in order if name in figures}
    say("report")
    results.report = write_report(results, work / "report.html")
    return results


class _Background:
    """``function(*args, **keywords)`` run in a daemon thread; :meth:`result` waits for it."""

    def __init__(self, function, *args, **keywords):
        self._outcome = {}

        def target():
            try:
                self._outcome["value"] = function(*args, **keywords)
            except BaseException as err:  # raised by result(), in the caller's thread
                self._outcome["error"] = err

        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def result(self):
        """The function's value (or its error, raised here)."""
        self._thread.join()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]


@contextmanager
def _noting_warnings(results, say):
    """Within the block, geoagglom's warnings become the run's notes (each once, said
    as they come); every warning is then passed on to the caller as usual."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = str(warning.message)
        if warning.category.__module__.startswith("geoagglom") and text not in results.notes:
            results.notes.append(text)  # each note once
            if warning.category is not PermutationCostWarning:  # said before the work
                say(f"note: {text}")
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def compute(config, results, say, ready=None):
    """Every table of the study, computed once, into ``results``.

    ``ready(results)``, if given, is called when the tables of some figures are
    complete (after the regions, after the LISA), with the results so far: those
    tables do not change afterwards.
    """
    say("reading boundaries and data")
    units = load_units(config)
    data = config.data
    name_column = config.boundaries.name
    if name_column is not None and name_column not in units.columns:
        raise StudyConfigError(
            f"[boundaries] name: column {name_column!r} is not in the boundary file; its "
            f"columns: {', '.join(map(str, units.columns.drop('geometry')))}."
        )
    names = _name_columns(units, name_column)
    results.names = names
    extra = config.extra_columns
    missing_units = []
    if data.points is not None:
        workers = getattr(results, "compute_workers", None)
        on = f" on the dask cluster ({workers} partitions a year)" if workers else ""
        say(f"counting points per unit and year{on}")
        values = load_points(config, units, workers=workers)
        values = values.rename(columns={"point_unit": "unit", data.year: "year"})
    else:
        read_notes = []
        table = load_table(config, read_notes)
        for note in read_notes:
            say(note)
        results.notes.extend(read_notes)
        try:
            match = match_units(
                table,
                units,
                column=data.unit,
                year=data.year,
                province_column=data.province,
                drop_unmatched=data.drop_unmatched,
                names=names or None,
            )
        except MatchError as err:
            raise _unmatched(err, config) from None
        results.tables["match_report"] = match.report
        id_name = units.index.name or "unit_id"
        values = match.table.rename(columns={id_name: "unit"})
        values = values[["unit", data.year, *config.quantity, *extra]]
        values = values.rename(columns={data.year: "year"})
        missing_units = match.missing_units
    # The study covers the units that have data (a province's cities on a national layer).
    if len(missing_units):
        say(
            f"{len(missing_units)} of the layer's {len(units)} units have no data "
            "and are left out of the study (listed in the report)"
        )
        results.tables["units_without_data"] = with_names(
            results, pd.DataFrame({"unit": missing_units}), units
        )
    units = units.loc[units.index.isin(values["unit"])]
    positive = [data.population] if data.population else []
    check_values(values, config.quantity, extra, units, names, positive=positive)
    values["quantity"] = values[config.quantity].sum(axis=1)
    years = sorted(values["year"].unique())
    results.units, results.values, results.years = units, values, years
    say(f"{len(units)} units, {len(years)} years ({years[0]}-{years[-1]})")
    absent = [y for y in (config.maps.years or []) if y not in years]
    if absent:
        raise StudyConfigError(
            f"[maps] years: {', '.join(map(str, absent))} not among the study's years "
            f"({years[0]}-{years[-1]}); map years that have data."
        )

    label = data.label or ""
    if config.maps.lang != "zh" and any("\u2e80" <= ch <= "\u9fff" for ch in label):
        results.notes.append(
            f'[data] label = "{label}" is Chinese: set [maps] lang = "zh" (with a CJK font '
            'installed) to draw it in the figures; with lang = "en" its characters may '
            "show as empty boxes."
        )
        say(f"note: {results.notes[-1]}")
    budget = check_budget(config, len(units), len(years), say)
    results.budget = budget
    with permutation_progress(Progress(budget, say)):
        _tables(config, results, units, values, years, say, ready or (lambda results: None))


def _tables(config, results, units, values, years, say, ready):
    """Entropy, regions and the spatial statistics (the permutation work)."""
    data = config.data
    say("financial entropy of units")
    entropy = unit_entropy(units, values, "quantity", unit="unit", year="year")
    if data.variable == "per_capita":
        people = values.set_index(["unit", "year"])[data.population]
        keys = pd.MultiIndex.from_frame(entropy[["unit", "year"]])
        entropy["population"] = people.reindex(keys).to_numpy()
        entropy["per_capita"] = entropy["quantity"] / entropy["population"]
    results.column = VARIABLE_COLUMNS[data.variable]
    results.tables["entropy_units"] = with_names(results, entropy, units)

    if len(config.quantity) > 1:
        say("location quotients")
        results.tables["location_quotient"] = _location_quotients(values, config.quantity, years)

    grouping = load_grouping_table(config, units)
    if grouping is None:
        ready(results)  # the entropy map
    else:
        _regions(config, results, units, values, entropy, grouping.reindex(units.index), say, ready)
    _spatial(config, results, units, entropy, values, years, say, ready)


def _location_quotients(values, quantities, years):
    frames = []
    for yr in years:
        wide = values[values["year"] == yr].set_index("unit")[quantities]
        frame = location_quotient(wide, industries=quantities).to_frame()
        frame.insert(0, "year", yr)
        frames.append(frame.rename(columns={frame.columns[1]: "unit"}))
    return pd.concat(frames, ignore_index=True)


def _regions(config, results, units, values, entropy, grouping, say, ready):
    """Dissolve once; regions' entropy; Tables I and II from the entropies computed."""
    say("regions: dissolve, entropy, Tables I and II")
    regions = dissolve_regions(units, grouping)
    results.regions = regions
    m = config.measures
    common = dict(unit="unit", year="year")
    region_table = region_entropy(units, values, grouping, "quantity", regions=regions, **common)
    results.tables["entropy_regions"] = region_table
    weights = m.inequality_weights
    inference = dict(bootstrap=m.bootstrap, seed=m.seed, ci=m.ci)
    chosen = table_one_indices(m)
    results.tables["table_I"] = table_regions(
        units, values, grouping, "quantity", entropy=region_table,
        indices=[c.name for c in chosen], weights=weights, **inference, **common,
    )  # fmt: skip
    decomposed = table_two_indices(m)
    for choice in decomposed:
        results.tables[table_two_name(choice)] = table_decomposition(
            units,
            values,
            grouping,
            "quantity",
            entropy=entropy,
            weights=_weight_choice(weights, choice) or "equal",
            permutations=m.permutations if choice.family == "theil" else 0,
            **decomposition_options(choice),
            **inference,
            **common,
        )
        if choice.family == "theil" and m.permutations:
            report_draws(len(units) * m.permutations * len(results.years))
    ready(results)  # the entropy map and the regions' figures (not the change's table)
    years = results.years
    change = next((c for c in decomposed if c.name == "theil_t"), None) or next(
        (c for c in decomposed if c.family != "gini"), decomposed[0] if decomposed else None
    )
    if m.bootstrap >= 2 and len(years) >= 2 and change is not None:
        say(
            f"change of {index_label(change)} from {years[0]} to {years[-1]}, "
            f"{m.bootstrap} bootstrap pairs"
        )
        results.tables["inequality_change"] = table_change(
            units, values, grouping, "quantity", years[0], years[-1], entropy=entropy,
            weights=_weight_choice(weights, change) or "equal",
            **decomposition_options(change), **inference, **common,
        )  # fmt: skip


def _spatial(config, results, units, entropy, values, years, say, ready):
    """Moran trend, LISA classes and transitions, bivariate Moran."""
    from geoagglom.seeding import stream
    from geoagglom.spatial.global_stats import moran_bv
    from geoagglom.spatial.weights import spatial_weights
    from geoagglom.study.spillover import spillover_check

    m = config.measures
    column = results.column
    words = variable_label(config.data.variable, config.quantity, "en", config.data.label)
    if len(units) < MIN_SPATIAL_UNITS:
        results.skipped.append(
            f"Spatial statistics skipped: {len(units)} unit(s), and Moran's I and LISA need "
            f"at least {MIN_SPATIAL_UNITS}."
        )
        say("fewer than 3 units: spatial autocorrelation skipped")
        return
    layer = units
    workers = getattr(results, "compute_workers", None)
    if workers and m.weights in ("queen", "rook"):
        import dask_geopandas

        # partition by partition with a halo on the cluster: the same graph as in memory
        layer = dask_geopandas.from_geopandas(units, npartitions=workers)
    weights = spatial_weights(
        layer,
        m.weights,
        islands=m.islands,
        k=m.k,
        threshold_km=m.threshold_km,
        transform=m.transform,
    )
    kept = pd.Index(weights.unique_ids)
    dropped = units.index.difference(kept, sort=False)
    if len(dropped):
        # islands = "drop": out of the spatial statistics, kept in the others
        results.tables["units_without_neighbours"] = with_names(
            results, pd.DataFrame({"unit": dropped}), units
        )
        say(f"{len(dropped)} unit(s) without neighbours left out of the spatial statistics")
    panel = entropy[entropy["unit"].isin(kept)]
    # constant up to rounding: an entropy of 1 everywhere comes out as 1 ± 1e-16
    spread = panel.groupby("year")[column].agg(lambda b: (b.max() - b.min()) / b.abs().max())
    constant = [int(y) for y in spread.index[spread <= CONSTANT_RTOL]]
    dynamics = dynamics_wanted(config, years)
    if constant:
        results.skipped.append(
            f"Moran's I, LISA and the bivariate Moran skipped for {', '.join(map(str, constant))}"
            f": the {words} is the same in every unit that year (zero variance), where they "
            "are undefined" + ("; Gini and Theil are 0 there." if column == "beta" else ".")
        )
        say(results.skipped[-1])
        panel = panel[~panel["year"].isin(constant)]
        years = [y for y in years if y not in constant]
        if not years:
            return
    # the exact/saddlepoint inference's eigenvalues depend on the weights only: computed in
    # a thread while the permutations run (LAPACK releases the GIL)
    eigen = None
    if moran_inference(weights.n) != "normal":
        any_y = np.arange(weights.n, dtype=float)
        eigen = _Background(moran_exact, any_y, weights, method=moran_inference(weights.n))
    on = f" (LISA in {workers} chunks on the dask cluster)" if workers else ""
    say(f"Moran's I and LISA, {m.permutations} permutations per year{on}")
    check = spillover_check(
        units.loc[kept],
        panel,
        column,
        unit="unit",
        year="year",
        weights=weights,
        permutations=m.permutations,
        seed=m.seed,
        alpha=m.alpha,
        adjust=None if m.adjust == "none" else m.adjust,
        chunks=workers,  # on the cluster: each year's permutations in chunks of units
    )
    results.spatial = check
    results.tables["moran_trend"] = check.to_frame().reset_index()
    lisa = with_names(results, check.lisa, units)
    results.tables["lisa"] = lisa
    _multiple_testing_note(config, results, lisa)
    ready(results)  # the LISA maps and the Moran scatterplot
    gamma = eigen.result().gamma if eigen is not None else None
    _exact_inference(config, results, panel, weights, say, column, gamma)
    flagged = lisa[lisa["label"].isin([LISA_CLASSES["HH"], LISA_CLASSES["HL"]])]
    results.tables["spillover_siphoning"] = flagged.reset_index(drop=True)
    if check.transitions is not None:
        results.tables["lisa_transitions"] = check.transitions.reset_index()
    if dynamics:
        if constant:
            results.skipped.append(
                "Spillover dynamics skipped: they need every year, and "
                f"{', '.join(map(str, constant))} has no variation."
            )
        else:
            dynamics_tables(config, results, panel, weights, say, local=check.local, value=column)
    if config.model.y is not None:
        model_tables(config, results, panel, weights, say)
    for name in ("directional_lisa", "spillover_verdict", "model_unit_effect"):
        if name in results.tables:
            results.tables[name] = with_names(results, results.tables[name], units)

    second = config.data.second_variable
    if second:
        say("bivariate Moran")
        rows = []
        for yr in years:
            x = panel[panel["year"] == yr].set_index("unit")[column]
            y = values[values["year"] == yr].set_index("unit")[second]
            bv = moran_bv(
                x.reindex(kept),
                y.reindex(kept),
                weights,
                permutations=m.permutations,
                seed=stream(m.seed, "moran_bv", int(yr)),
            )
            rows.append({"year": yr, "I": bv.I, "EI_sim": bv.EI_sim, "p_sim": bv.p_sim})
        results.tables["bivariate_moran"] = pd.DataFrame(rows)


def _unmatched(err, config):
    """A study's one-line error for rows that match no unit, in study-file keys."""
    report = err.report
    bad = report[report["status"] != "matched"]
    shown = []
    for row in bad.head(20).itertuples():
        detail = row.status
        if row.candidates:
            detail += f", candidates: {row.candidates}"
        if row.suggestions:
            detail += f"; did you mean {row.suggestions}?"
        shown.append(f"{row.key!r} ({detail})")
    more = f"; … and {len(bad) - 20} more" if len(bad) > 20 else ""
    data = config.data
    where = getattr(data.file, "name", "the data table")
    return MatchError(
        f"[data] unit: {len(bad)} value(s) of {data.unit!r} in {where} match no unit of the "
        f"boundaries: {'; '.join(shown)}{more}. Fix the names or codes in the table, set "
        '[data] province = "<province column>" to tell same-named units apart, or '
        "[data] drop_unmatched = true to drop those rows (listed in the report).",
        report,
    )


def _name_columns(units, name_column):
    """The units' name columns shown in tables: the boundary file's own, or the layer's."""
    if name_column is not None:
        return [name_column]
    return [c for c in ("name_zh", "name_en") if c in units.columns]


def check_values(values, quantities, others, units, names, positive=()):
    """Every value present and no quantity negative, or one error naming column, year, unit.

    Raises
    ------
    InputError
        ``loans, 2011, Zibo (370300): negative``, one line per bad cell (the
        first 20), and how to fix it.
    """
    label = units[names[0]] if names else pd.Series(dtype=object)
    problems = []
    for column in [*quantities, *others]:
        cells = values[column]
        checks = [("missing", cells.isna())]
        if column in quantities:  # balances; a growth rate may be negative
            checks.append(("negative", cells < 0))
        if column in positive:  # a population divides
            checks.append(("not positive", cells <= 0))
        for what, bad in checks:
            for unit, year in values.loc[bad, ["unit", "year"]].itertuples(index=False):
                name = label.get(unit)
                who = f"{name} ({unit})" if name is not None and pd.notna(name) else str(unit)
                problems.append(f"{column}, {year}, {who}: {what}")
    if problems:
        shown = "; ".join(problems[:20])
        more = f"; … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise InputError(
            f"The data table has values a study cannot use: {shown}{more}. Fill in the "
            "missing values (or remove those units or years from the table) and correct "
            "negative balances (and populations that are not positive)."
        )


def _multiple_testing_note(config, results, lisa):
    """Say how many significant LISA units survive a false discovery rate correction."""
    m = config.measures
    raw = int((lisa["p_value"] <= m.alpha).sum())
    if raw == 0:
        return
    if m.adjust == "none":
        fdr = sum(
            int((_adjust(part["p_value"].to_numpy(), "fdr") <= m.alpha).sum())
            for _, part in lisa.groupby("year")
        )
        results.notes.append(
            f"Multiple testing: {raw} unit-year(s) have a local Moran p-value ≤ {m.alpha:g} "
            f"without adjustment; {fdr} remain after a false discovery rate correction within "
            'each year (set [measures] adjust = "fdr" to classify with it).'
        )
    else:
        kept = int(lisa["significant"].sum())
        results.notes.append(
            f"Multiple testing: {raw} unit-year(s) have a local Moran p-value ≤ {m.alpha:g} "
            f"before adjustment; {kept} remain significant after the {m.adjust} adjustment "
            "used for the LISA classes."
        )


def _exact_inference(config, results, panel, weights, say, column="beta", gamma=None):
    """Exact or saddlepoint Moran p-values next to the permutation ones, for small n
    (``gamma``: the eigenvalues of the weights' ``M U M``, when computed already)."""
    n = weights.n
    method = moran_inference(n)
    if method == "normal":
        return
    local = n <= LOCAL_EXACT_MAX_UNITS
    say(f"{method} Moran inference ({n} units)")
    trend, lisa = results.tables["moran_trend"], results.tables["lisa"]
    p_local = pd.Series(index=lisa.index, dtype=float)
    ids = pd.Index(weights.unique_ids)
    ys = [panel[panel["year"] == yr].set_index("unit")[column].reindex(ids) for yr in trend["year"]]
    p_global = moran_exact_years(ys, weights, method, gamma)
    for yr, y in zip(trend["year"], ys, strict=True):
        if local:
            p = pd.Series(local_moran_exact(y, weights, method=method).p_values, index=ids)
            rows = lisa.index[lisa["year"] == yr]
            p_local[rows] = p.reindex(lisa.loc[rows, "unit"]).to_numpy()
    trend[f"p_{method}"] = p_global
    if local:
        lisa[f"p_{method}"] = p_local
    adjusted = config.measures.adjust
    results.notes.append(
        f"Small-sample inference: with {n} units (exact up to {EXACT_MAX_N} units, "
        f"saddlepoint up to {SADDLEPOINT_MAX_N}; local statistics up to "
        f"{LOCAL_EXACT_MAX_UNITS}), p_{method} is the {method} two-sided p-value of Moran's "
        "I under normality (Tiefelsdorf & Boots 1995; Tiefelsdorf 2002)"
        + (" and of each local Moran (Bivand, Müller & Reder 2009)" if local else "")
        + ". p_sim is the permutation p-value and p_norm/p_rand the normal approximations; "
        "the LISA classes use p_sim"
        + (f" after the {adjusted} adjustment." if adjusted != "none" else ".")
    )


def moran_exact_years(ys, weights, method, gamma=None):
    """Two-sided exact or saddlepoint p-values of Moran's I, one per year, same weights.

    The same p-values as :func:`~geoagglom.spatial.exact.moran_exact` year by year;
    the eigenvalues of ``M U M``, which depend only on the weights (and the
    constant), are computed for the first year and passed on (``gamma=``): a dense
    ``n x n`` eigen-decomposition per year is what made the exact inference of a
    county study (n ≈ 2,850) take minutes.

    Parameters
    ----------
    ys : list of pandas.Series or numpy.ndarray
        Each year's values, in the weights' unit order.
    weights : libpysal.graph.Graph
    method : {"exact", "saddlepoint"}
    gamma : numpy.ndarray, optional
        Those eigenvalues, when computed already (``.gamma`` of a test with the
        same weights).

    Returns
    -------
    list of float

    Examples
    --------
    >>> import geoagglom
    >>> from geoagglom.study.run import moran_exact_years
    >>> units = geoagglom.load_layer("shandong")
    >>> w = geoagglom.spatial_weights(units, "queen")
    >>> ys = [units["area_km2"].to_numpy(), units.index.to_numpy() % 7.0]
    >>> len(moran_exact_years(ys, w, "exact"))
    2
    """
    out = []
    for y in ys:
        test = moran_exact(y, weights, method=method, alternative="two-sided", gamma=gamma)
        out.append(test.p_value)
        gamma = test.gamma  # depends on the weights (and the constant) only
    return out
