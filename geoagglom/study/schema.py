"""The study file's schema: every TOML key declared once.

Each :class:`Key` gives a key's table, name, accepted type, default, allowed
values (from :mod:`geoagglom.options`), a check and a one-line meaning. The same
declarations validate a study file before anything is computed
(:func:`validate`), map the Python keywords of :class:`geoagglom.Study` to the
keys (``Key.param``), and write the study-file reference of the README
(:func:`reference_markdown`), so that the three cannot drift apart.

Errors name the key as the user wrote it, e.g. ``[measures] threshold_km: must
be > 0 (got -1)``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

from geoagglom.errors import InputError, StudyConfigError
from geoagglom.options import (
    ADJUSTMENTS,
    CI_METHODS,
    ISLANDS,
    LANGUAGES,
    LAYOUTS,
    OUTSIDE_POINTS,
    SCHEMES,
    SPATIAL_MODELS,
    THEIL_KINDS,
    TRANSFORMS,
    VARIABLES,
)
from geoagglom.options import WEIGHTS as WEIGHT_KINDS

__all__ = ["KEYS", "REQUIRED", "SECTIONS", "Key", "reference_markdown", "validate"]

#: Marks a key without a default: it must be given.
REQUIRED = object()


@dataclass(frozen=True)
class Key:
    """One key of the study file.

    Parameters
    ----------
    section : str
        Its table (``"measures"``), ``""`` for a top-level key.
    name : str
        The key as written in the file.
    kind : str
        ``"str"``, ``"bool"``, ``"int"``, ``"number"``, ``"path"`` (a file,
        relative to the study file), ``"indices"`` (a list of inequality index
        names), ``"weights"`` (a weighting, or a table of them per index),
        ``"str_or_list"``, ``"years"`` (``[first,
        last]``), ``"int_list"``, ``"number_list"``, ``"crs"`` (a string or an
        EPSG code), ``"option"`` (one value of ``option``) or ``"options"``
        (a list of them).
    default : object
        Its value when absent (:data:`REQUIRED` when it must be given; None when
        it is optional and has no default).
    doc : str
        What it means, one line.
    param : str
        The keyword of :class:`geoagglom.Study` that sets it.
    option : geoagglom.options.Option, optional
        Allowed values for ``"option"``/``"options"`` keys.
    minimum, maximum : float, optional
        Bounds of a number (inclusive unless ``open_bounds``).
    open_bounds : bool
        Exclusive bounds (``0 < alpha < 1``).
    """

    section: str
    name: str
    kind: str
    default: object
    doc: str
    param: str
    option: object = None
    minimum: float | None = None
    maximum: float | None = None
    open_bounds: bool = False

    @property
    def label(self):
        """The key as a user reads it: ``[measures] seed`` (or ``title``)."""
        return f"[{self.section}] {self.name}" if self.section else self.name

    def default_text(self):
        if self.default is REQUIRED:
            return "required"
        if self.default is None:
            return "optional"
        return _toml(self.default)


def _k(section, name, kind, default, doc, param=None, **extra):
    return Key(section, name, kind, default, doc, param or name, **extra)


KEYS = (
    _k("", "title", "str", "Financial agglomeration study", "title of the report and figures"),
    _k("", "illustrative", "bool", False, "mark every output 'illustrative data'"),
    _k("boundaries", "layer", "str", None, "a bundled layer (`geoagglom layers`)"),
    _k("boundaries", "file", "path", None, "a boundary file instead", "boundary_file"),
    _k("boundaries", "id", "str", None, "the id column of the boundary file", "boundary_id"),
    _k("boundaries", "crs", "crs", None, "CRS of a file without one", "boundary_crs"),
    _k(
        "boundaries",
        "name",
        "str",
        None,
        "the file's name column: matched against the table and shown in tables",
        "boundary_name",
    ),
    _k(
        "data",
        "file",
        "path",
        None,
        "the yearbook table (CSV or Excel); required unless points is given",
        "data",
    ),
    _k("data", "encoding", "str", None, "the CSV's encoding (default: UTF-8 or GBK, detected)"),
    _k("data", "sheet", "str", None, "the Excel sheet (default: the first)"),
    _k("data", "layout", "option", "long", "the table's layout", option=LAYOUTS),
    _k(
        "data",
        "unit",
        "str",
        None,
        "its unit column: adcode, Chinese or English name (required with file)",
    ),
    _k("data", "year", "str", REQUIRED, "its year column (with points: the points' year column)"),
    _k(
        "data",
        "quantity",
        "str_or_list",
        None,
        "financial quantity column(s), summed (required with file); with points: columns of "
        "the points summed per unit and year (default: the number of points, `n_points`)",
    ),
    _k(
        "data",
        "points",
        "path",
        None,
        "a point table instead of file (bank branches: CSV, Excel, or a vector file of "
        "points), one row per point and year, counted per unit of the layer",
    ),
    _k("data", "points_x", "str", "lon", "the points' x column (longitude in degrees)"),
    _k("data", "points_y", "str", "lat", "the points' y column (latitude in degrees)"),
    _k(
        "data",
        "points_crs",
        "crs",
        "EPSG:4326",
        "CRS of points_x/points_y (or of a point file without one)",
    ),
    _k(
        "data",
        "points_outside",
        "option",
        "raise",
        "points outside every unit",
        option=OUTSIDE_POINTS,
    ),
    _k("data", "second_variable", "str", None, "a second column for bivariate Moran"),
    _k(
        "data",
        "variable",
        "option",
        "entropy",
        "the variable of Moran, LISA, the dynamics and the maps (Gini/Theil: entropy)",
        option=VARIABLES,
    ),
    _k(
        "data",
        "population",
        "str",
        None,
        "population column of the data table, required with variable = 'per_capita'",
    ),
    _k(
        "data",
        "label",
        "str",
        None,
        "the variable's name in figure titles, legends and report headings",
    ),
    _k("data", "years", "years", None, "[first, last] years to study (default: all)"),
    _k("data", "drop_unmatched", "bool", False, "drop rows that match no unit (reported)"),
    _k("data", "province", "str", None, "province column, to tell same-named units apart"),
    _k("grouping", "name", "str", None, "a bundled grouping of units into regions", "grouping"),
    _k("grouping", "file", "path", None, "a grouping table instead", "grouping_file"),
    _k("grouping", "unit", "str", None, "unit id column of the grouping table", "grouping_unit"),
    _k("grouping", "region", "str", "region", "region column", "grouping_region"),
    _k(
        "measures",
        "theil",
        "options",
        ["T"],
        "Theil indices decomposed in Table II (without indices)",
        option=THEIL_KINDS,
    ),
    _k("measures", "permutations", "int", 999, "permutations for inference", minimum=0),
    _k("measures", "seed", "int", 12345, "seed of every random draw", minimum=0),
    _k("measures", "weights", "option", "queen", "spatial weights", option=WEIGHT_KINDS),
    _k("measures", "k", "int", 4, "neighbours per unit with weights = 'knn'", minimum=1),
    _k(
        "measures",
        "threshold_km",
        "number",
        None,
        "distance band in km, required with weights = 'distance'",
        minimum=0,
        open_bounds=True,
    ),
    _k("measures", "transform", "option", "r", "weights transform", option=TRANSFORMS),
    _k("measures", "islands", "option", "raise", "units without neighbours", option=ISLANDS),
    _k(
        "measures",
        "alpha",
        "number",
        0.05,
        "significance level",
        minimum=0,
        maximum=1,
        open_bounds=True,
    ),
    _k("measures", "adjust", "option", "none", "LISA multiple testing", option=ADJUSTMENTS),
    _k(
        "measures", "bootstrap", "int", 0, "bootstrap replicates for intervals (0: none)", minimum=0
    ),
    _k("measures", "ci", "option", "percentile", "bootstrap interval", option=CI_METHODS),
    _k(
        "measures",
        "indices",
        "indices",
        None,
        "inequality indices of Table I, each decomposed in Table II when it can be: "
        '"gini", "theil_t", "theil_l", "ge(α)" (any real α), "atkinson(ε)" (ε ≥ 0), "cv" '
        '(default: "gini", "theil_t")',
    ),
    _k(
        "measures",
        "inequality_weights",
        "weights",
        "equal",
        '"equal", "area" or a column of the data table (e.g. "population"): one for every '
        "index, or a table per index family (gini, theil, ge, atkinson, cv) or index name "
        '(theil_t, "ge(2)"); an index not named is unweighted',
    ),
    _k(
        "measures",
        "ge_alpha",
        "number_list",
        None,
        'alias: ge_alpha = [2] adds "ge(2)" to the default indices (not with indices)',
    ),
    _k("dynamics", "enabled", "bool", None, "spillover dynamics (default: on with ≥ 3 years)"),
    _k(
        "dynamics",
        "k",
        "int",
        5,
        "classes of the entropy (spatial Markov)",
        "dynamics_k",
        minimum=2,
    ),
    _k("dynamics", "m", "int", 5, "classes of the neighbours' entropy", "dynamics_m", minimum=2),
    _k(
        "dynamics",
        "start",
        "int",
        None,
        "first year of the directional LISA (default: first)",
        "dynamics_start",
    ),
    _k(
        "dynamics",
        "end",
        "int",
        None,
        "last year of the directional LISA (default: last)",
        "dynamics_end",
    ),
    _k("model", "y", "str", None, "dependent variable: a column of the data table", "model_y"),
    _k(
        "model",
        "x",
        "str_or_list",
        ["entropy"],
        "regressors: columns of the data table, or entropy",
        "model_x",
    ),
    _k("model", "model", "option", "sdm", "spatial model", "model", option=SPATIAL_MODELS),
    _k("model", "draws", "int", 1000, "simulation draws of the impacts", "model_draws", minimum=0),
    _k("model", "year", "int", None, "year of the cross-section (default: the last)", "model_year"),
    _k(
        "model",
        "centre",
        "str",
        None,
        "unit whose effect on the others is mapped (default: the highest entropy)",
        "model_centre",
    ),
    _k("maps", "scheme", "option", "quantiles", "classification", "map_scheme", option=SCHEMES),
    _k("maps", "k", "int", 5, "number of classes", "map_k", minimum=2),
    _k(
        "maps",
        "years",
        "int_list",
        None,
        "years to map (default: first, middle, last)",
        "map_years",
    ),
    _k(
        "maps",
        "bins",
        "number_list",
        None,
        "class upper bounds with scheme = 'user_defined'",
        "map_bins",
    ),
    _k("maps", "lang", "option", "en", "language of the figures and the report", option=LANGUAGES),
    _k(
        "compute",
        "workers",
        "int",
        None,
        "start a local dask cluster with this many workers for the run (needs "
        "`geoagglom[dask]`; default: none, all in this process)",
        "compute_workers",
        minimum=1,
    ),
    _k(
        "compute",
        "address",
        "str",
        None,
        'connect to a running dask scheduler instead ("tcp://host:8786")',
        "compute_address",
    ),
    _k("output", "folder", "str", "geoagglom_output", "output folder", "output"),
    _k(
        "output", "geojson", "bool", False, "also write each GeoPackage layer as GeoJSON", "geojson"
    ),
)

#: Table name → its keys, in order.
SECTIONS = {}
for _key in KEYS:
    SECTIONS.setdefault(_key.section, {})[_key.name] = _key
BY_PARAM = {key.param: key for key in KEYS}


# --------------------------------------------------------------------------- validation


def validate(config, *, python=False):
    """Check a study description against the schema and fill in the defaults.

    Parameters
    ----------
    config : dict
        ``{section: {key: value}}`` as read from TOML (top-level keys under
        ``""``).
    python : bool, default False
        The description comes from Python keywords: files may also be
        DataFrames and paths ``pathlib.Path``.

    Returns
    -------
    dict
        ``{section: {key: value}}`` for every key of the schema.

    Raises
    ------
    StudyConfigError
        Naming the key: unknown table or key, wrong type, value out of range,
        a required key missing, keys that exclude or need each other.
    """
    out = {section: {} for section in SECTIONS}
    for section, values in config.items():
        if section not in SECTIONS:
            known = ", ".join(f"[{s}]" for s in SECTIONS if s)
            raise StudyConfigError(f"unknown table [{section}]; known tables: {known}.")
        for name, value in values.items():
            key = SECTIONS[section].get(name)
            if key is None:
                where = f"[{section}] " if section else ""
                allowed = ", ".join(SECTIONS[section])
                raise StudyConfigError(f"{where}unknown key {name!r}; allowed: {allowed}.")
            out[section][name] = _check(key, value, python)
    for key in KEYS:
        if key.name not in out[key.section]:
            if key.default is REQUIRED:
                raise StudyConfigError(f"{key.label} is required ({key.doc}).")
            default = key.default
            out[key.section][key.name] = list(default) if isinstance(default, list) else default
    _check_together(out)
    return out


def _problem(key, value, expected):
    return StudyConfigError(f"{key.label} = {_toml(value)}: expected {expected}.")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check(key, value, python):
    kind = key.kind
    if kind == "str" and not isinstance(value, str):
        raise _problem(key, value, "a string")
    if kind == "bool" and not isinstance(value, bool):
        raise _problem(key, value, "true or false")
    if kind == "path":
        import pandas as pd

        ok = isinstance(value, str) or (python and isinstance(value, Path | pd.DataFrame))
        if not ok:
            raise _problem(key, value, "a file name (a string)")
    if kind == "crs" and not (isinstance(value, str) or _is_int(value)):
        raise _problem(key, value, "a CRS such as 'EPSG:4490' or an EPSG code")
    if kind == "str_or_list":
        if isinstance(value, tuple):
            value = list(value)
        ok = isinstance(value, str) or (
            isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        )
        if not ok:
            raise _problem(key, value, "a column name or a list of column names")
    if kind == "int":
        if not _is_int(value):
            raise _problem(key, value, "a whole number")
        value = int(value)
    if kind == "number":
        if not _is_number(value):
            raise _problem(key, value, "a number")
        value = float(value)
    if kind in ("int", "number"):
        _check_bounds(key, value)
    if kind == "years":
        ok = (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(_is_int(v) for v in value)
            and value[0] <= value[1]
        )
        if not ok:
            raise _problem(key, value, "[first, last], two whole years in order")
        value = [int(v) for v in value]
    if kind in ("int_list", "number_list"):
        test = _is_int if kind == "int_list" else _is_number
        if not (isinstance(value, list | tuple) and value and all(test(v) for v in value)):
            what = "whole numbers" if kind == "int_list" else "numbers"
            raise _problem(key, value, f"a list of {what}")
        value = list(value)
    if kind == "indices":
        value = _check_indices(key, value)
    if kind == "weights":
        value = _check_weights(key, value)
    if kind == "option":
        if value is None and key.option is ADJUSTMENTS:
            value = "none"
        _check_option(key, value)
    if kind == "options":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not value:
            raise _problem(key, value, f"a list of {', '.join(key.option.values)}")
        value = [str(v).upper() if key.option is THEIL_KINDS else v for v in value]
        for item in value:
            _check_option(key, item)
    return value


def _check_indices(key, value):
    """A list of index names, normalised (``"GE(2.0)"`` → ``"ge(2)"``)."""
    from geoagglom.measures.panel import INDEX_FORMS, index_choices

    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise _problem(key, value, f"a list of index names: {', '.join(INDEX_FORMS)}")
    try:
        return [choice.name for choice in index_choices(list(value), key.label)]
    except InputError as err:
        raise StudyConfigError(str(err)) from None


def _check_weights(key, value):
    """One weighting for every index, or a table of them by index family or name."""
    from geoagglom.measures.panel import INDEX_FAMILIES, INDEX_FORMS, index_choice

    expected = (
        '"equal", "area", a column of the data table, or a table such as '
        '{ gini = "equal", theil = "population" }'
    )
    if isinstance(value, str):
        if not value:
            raise _problem(key, value, expected)
        return value
    if not isinstance(value, dict) or not value:
        raise _problem(key, value, expected)
    out, names = {}, {}
    for name, weighting in value.items():
        if name in INDEX_FAMILIES:
            normal = name
        else:
            try:
                normal = index_choice(name, key.label).name
            except InputError:
                raise StudyConfigError(
                    f"{key.label}: {name!r} is neither an index family "
                    f"({', '.join(INDEX_FAMILIES)}) nor an index name ({', '.join(INDEX_FORMS)})."
                ) from None
        if normal in names:
            raise StudyConfigError(
                f"{key.label}: {name!r} repeats {names[normal]!r}; give each index once."
            )
        if not isinstance(weighting, str) or not weighting:
            raise StudyConfigError(
                f'{key.label}: {name} = {_toml(weighting)}: expected "equal", "area" or a '
                "column of the data table."
            )
        names[normal] = name
        out[normal] = weighting
    return out


def _check_option(key, value):
    try:
        key.option.check(value, key.label)
    except InputError as err:
        raise StudyConfigError(str(err)) from None


def _check_bounds(key, value):
    low, high = key.minimum, key.maximum
    if key.open_bounds:
        bad_low = low is not None and value <= low
        bad_high = high is not None and value >= high
        sign_low, sign_high = ">", "<"
    else:
        bad_low = low is not None and value < low
        bad_high = high is not None and value > high
        sign_low, sign_high = "≥", "≤"
    if bad_low or bad_high:
        parts = []
        if low is not None:
            parts.append(f"{sign_low} {_toml(low)}")
        if high is not None:
            parts.append(f"{sign_high} {_toml(high)}")
        raise StudyConfigError(f"{key.label}: must be {' and '.join(parts)} (got {_toml(value)}).")


def _check_together(out):
    """Keys that exclude or need each other."""
    bounds, group, measures, maps = out["boundaries"], out["grouping"], out["measures"], out["maps"]
    if measures["indices"] is not None:
        older_given = {
            "ge_alpha": measures["ge_alpha"] is not None,
            "theil": measures["theil"] != SECTIONS["measures"]["theil"].default,
        }
        for older, form in (("ge_alpha", '"ge(2)"'), ("theil", '"theil_l"')):
            if older_given[older]:
                raise StudyConfigError(
                    f"[measures] {older} and [measures] indices: give the indices in indices "
                    f"only (e.g. {form}); {older} is the older form of it."
                )
    if bounds["layer"] is not None and bounds["file"] is not None:
        raise StudyConfigError("[boundaries]: give either layer or file, not both.")
    if bounds["file"] is not None and bounds["id"] is None:
        raise StudyConfigError("[boundaries] id is required with file (the id column).")
    if bounds["layer"] is None and bounds["file"] is None:
        bounds["layer"] = "china-prefectures"
    if group["name"] is not None and group["file"] is not None:
        raise StudyConfigError("[grouping]: give either name or file, not both.")
    if measures["weights"] == "distance" and measures["threshold_km"] is None:
        raise StudyConfigError(
            "[measures] threshold_km is required with weights = 'distance' "
            "(the distance band in km, e.g. threshold_km = 150)."
        )
    model = out["model"]
    given = [k for k, v in model.items() if v is not None and v != SECTIONS["model"][k].default]
    if given and model["y"] is None:
        raise StudyConfigError(
            f"[model] y is required with [model] {', '.join(given)} (the dependent variable)."
        )
    data = out["data"]
    _check_data_source(data, model)
    _check_compute(out["compute"])
    if data["layout"] == "wide" and not isinstance(data["quantity"], str):
        raise StudyConfigError(
            "[data] quantity: with layout = 'wide' give one name for the values "
            "(the table holds one quantity, one column per year)."
        )
    if data["layout"] == "wide" and data["second_variable"]:
        raise StudyConfigError(
            "[data] second_variable needs layout = 'long' (one column per variable)."
        )
    if data["encoding"] is not None:
        import codecs

        try:
            codecs.lookup(data["encoding"])
        except LookupError:
            raise StudyConfigError(
                f"[data] encoding = {_toml(data['encoding'])}: not a known encoding; use e.g. "
                '"utf-8", "gbk" or "gb18030", or leave the key out to detect it.'
            ) from None
    if data["variable"] == "per_capita" and data["population"] is None:
        raise StudyConfigError(
            '[data] variable = "per_capita" needs [data] population: the data table\'s '
            'population column (e.g. population = "年末总人口(万人)"); or use variable = '
            '"density" (per km²) or "value".'
        )
    if data["label"] is not None and not data["label"].strip():
        raise StudyConfigError(
            '[data] label = "": give the variable\'s name (e.g. label = "贷款密度"), or '
            "leave the key out for the default."
        )
    if maps["scheme"] == "user_defined" and not maps["bins"]:
        raise StudyConfigError(
            "[maps] bins is required with scheme = 'user_defined' (a list of upper bounds)."
        )


POINT_KEYS = ("points_x", "points_y", "points_crs", "points_outside")
#: Schemes of a dask scheduler address.
ADDRESS_SCHEMES = ("tcp://", "tls://", "ucx://", "inproc://", "ws://", "wss://")


def _check_data_source(data, model):
    """A data table (file, unit, quantity) or a point table (points), not both."""
    if data["file"] is not None and data["points"] is not None:
        raise StudyConfigError("[data]: give either file (a table) or points, not both.")
    if data["points"] is None:
        if data["file"] is None:
            raise StudyConfigError(
                "[data] file is required (the yearbook table), or give [data] points "
                "(a point table counted per unit)."
            )
        for name in ("unit", "quantity"):
            if data[name] is None:
                raise StudyConfigError(f"[data] {name} is required with [data] file.")
        given = [k for k in POINT_KEYS if data[k] != SECTIONS["data"][k].default]
        if given:
            raise StudyConfigError(
                f"[data] {', '.join(given)}: only used with [data] points (a point table)."
            )
        return
    if data["unit"] is not None:
        raise StudyConfigError(
            "[data] unit: not used with points (each point goes to the unit that contains "
            "it); remove it."
        )
    if data["layout"] != "long":
        raise StudyConfigError("[data] layout: points are one row per point (layout = 'long').")
    for name in ("second_variable", "province"):
        if data[name] is not None:
            raise StudyConfigError(
                f"[data] {name}: needs a table per unit and year ([data] file), not points."
            )
    x = model["x"] if not isinstance(model["x"], str) else [model["x"]]
    if model["y"] is not None or any(v != "entropy" for v in x):
        raise StudyConfigError(
            "[model] needs a table per unit and year ([data] file) for its variables, not points."
        )


def _check_compute(compute):
    if compute["workers"] is not None and compute["address"] is not None:
        raise StudyConfigError(
            "[compute]: give either workers (start a local cluster) or address (connect to "
            "a running scheduler), not both."
        )
    address = compute["address"]
    if address is not None and not address.startswith(ADDRESS_SCHEMES):
        raise StudyConfigError(
            f"[compute] address = {_toml(address)}: expected a scheduler address such as "
            '"tcp://192.168.1.10:8786".'
        )


# --------------------------------------------------------------------------- documentation


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{k if k.isidentifier() else _toml(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def reference_markdown():
    """The study-file reference: one table row per key, generated from the schema.

    Returns
    -------
    str
        A Markdown table (key, default, meaning and allowed values).

    Examples
    --------
    >>> print(reference_markdown().splitlines()[0])
    | key | default | meaning |
    """
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for key in KEYS:
        meaning = key.doc
        if key.option is not None:
            meaning += ": " + ", ".join(f"`{v}`" for v in key.option.values)
        rows.append(f"| `{key.label}` | {key.default_text()} | {meaning} |")
    return "\n".join(rows)


def to_toml(values):
    """A study file for validated values: every key that is set, by table.

    Parameters
    ----------
    values : dict
        ``{section: {key: value}}`` with files given as strings (relative paths).

    Returns
    -------
    str

    Examples
    --------
    >>> print(to_toml({"": {"title": "T"}, "measures": {"seed": 1, "alpha": None}}))
    title = "T"
    <BLANKLINE>
    [measures]
    seed = 1
    <BLANKLINE>
    """
    lines = []
    for section, keys in SECTIONS.items():
        given = {
            name: values.get(section, {}).get(name)
            for name in keys
            if values.get(section, {}).get(name) is not None
        }
        if not given:
            continue
        if section:
            lines.append(f"[{section}]")
        lines += [f"{name} = {_toml(value)}" for name, value in given.items()]
        lines.append("")
    return "\n".join(lines)
