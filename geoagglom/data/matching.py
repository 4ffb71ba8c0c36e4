"""Match the rows of a user's table (a yearbook, a survey) to boundary units.

A row's key is matched, in this order, by unit id (an adcode as number or text),
by Chinese name with or without its suffix (济南市 / 济南, 恩施土家族苗族自治州 /
恩施), by English or pinyin name ignoring case, spaces and apostrophes (Xi'an /
XIAN), and by known former names (莱芜 / Laiwu, 襄樊 / Xiangfan). Every key that
matches no unit, or more than one, is reported with close suggestions; such rows
are an error unless the caller drops them explicitly.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from geoagglom.data.boundaries import bundled_dir
from geoagglom.data.names import is_chinese, latin_key, short_name_zh
from geoagglom.errors import InputError, MatchError, UnmatchedRowsDropped, format_ids

NAME_COLUMNS = ("name_zh", "name_en", "name_pinyin", "name")
PROVINCE_COLUMNS = ("province_zh", "province_en")


@dataclass
class MatchResult:
    """The outcome of :func:`match_units`.

    Parameters
    ----------
    table, report, missing_units :
        The attributes below; :func:`match_units` builds it.

    Attributes
    ----------
    table : pandas.DataFrame
        The input rows that matched, with the unit id in a new column named after
        the layer's index (``adcode`` for the bundled layers).
    report : pandas.DataFrame
        One row per distinct key: ``key``, ``province`` (if used), ``status``
        (matched / unmatched / ambiguous / dropped), ``unit_id``, ``unit_name``,
        ``matched_by``, ``rows`` (how many table rows carry the key),
        ``candidates`` (ambiguous keys), ``suggestions`` and ``note``.
    missing_units : pandas.Index
        Layer units that no row matched.
    """

    table: pd.DataFrame
    report: pd.DataFrame
    missing_units: pd.Index

    @property
    def unmatched(self):
        """Report rows whose key matched no unit or several."""
        return self.report[self.report["status"] != "matched"]

    def __repr__(self):
        counts = self.report["status"].value_counts().to_dict()
        parts = ", ".join(f"{n} {status}" for status, n in counts.items())
        return (
            f"MatchResult({len(self.report)} distinct keys: {parts}; "
            f"{len(self.missing_units)} layer units without data)"
        )


def match_units(
    table,
    layer,
    column,
    *,
    province_column=None,
    year=None,
    drop_unmatched=False,
    names=None,
):
    """Attach boundary unit ids to the rows of a table.

    Parameters
    ----------
    table : pandas.DataFrame
        The user's table, one row per unit (or per unit and year).
    layer : geopandas.GeoDataFrame or pandas.DataFrame
        The units, indexed by unit id (e.g. :func:`geoagglom.load_layer`).
    column : str
        The table's column that names or codes the unit.
    province_column : str, optional
        A column naming each row's province, used to tell apart units with the
        same romanised name (福州 and 抚州 are both "Fuzhou").
    year : str, optional
        For long tables: the year column. Two rows for the same unit and year
        are then an error; without ``year``, two rows for one unit are.
    drop_unmatched : bool, default False
        Drop rows that match no unit (or several) instead of raising; they stay
        listed in the report with status ``dropped`` and a warning names them.
    names : list of str, optional
        The layer's name columns to match against; by default those of
        ``name_zh``, ``name_en``, ``name_pinyin``, ``name`` that exist.

    Returns
    -------
    MatchResult

    Raises
    ------
    MatchError
        If a key matches no unit or several (unless ``drop_unmatched``); the
        message lists each with suggestions and ``err.report`` has the details.
    InputError
        If a column is missing, or two rows match the same unit (and year).

    Examples
    --------
    >>> import pandas as pd, geoagglom
    >>> layer = geoagglom.load_layer("shandong")
    >>> table = pd.DataFrame({"city": ["济南", "Qingdao", "370300"], "loans": [1, 2, 3]})
    >>> geoagglom.match_units(table, layer, column="city").table["adcode"].tolist()
    [370100, 370200, 370300]
    """
    for col in (column, province_column, year):
        if col is not None and col not in table.columns:
            raise InputError(
                f"The table has no column {col!r}. Its columns: "
                f"{', '.join(map(str, table.columns))}."
            )
    names = [c for c in NAME_COLUMNS if c in layer.columns] if names is None else list(names)
    index = _LayerIndex(layer, names)

    blank = table[column].map(clean_key).eq("")
    if blank.any():
        raise InputError(
            f"The unit column {column!r} is empty in rows {format_ids(table.index[blank])}; "
            "give every row a unit name or code (or remove those rows)."
        )
    keys = table[column].map(clean_key)
    provinces = table[province_column].astype(str) if province_column else None
    distinct = pd.DataFrame({"key": keys})
    if provinces is not None:
        distinct["province"] = provinces
    distinct = distinct.drop_duplicates()

    records = []
    for row in distinct.itertuples(index=False):
        province = getattr(row, "province", None)
        record = index.match(row.key, province)
        record["key"] = row.key
        if province_column:
            record["province"] = province
        records.append(record)
    report = pd.DataFrame.from_records(records)
    ordered = ["key", "province", "status", "unit_id", "unit_name", "matched_by"]
    rest = ["candidates", "suggestions", "note"]
    report = report[[c for c in ordered if c in report.columns] + rest]
    on = ["key", "province"] if province_column else ["key"]
    row_keys = pd.DataFrame({"key": keys})
    if province_column:
        row_keys["province"] = provinces
    report["rows"] = report.merge(row_keys.value_counts().rename("rows").reset_index(), on=on)[
        "rows"
    ].to_numpy()

    bad = report["status"] != "matched"
    if bad.any() and not drop_unmatched:
        raise MatchError(_failure_message(report[bad], column), report)
    if bad.any():
        report.loc[bad, "status"] = "dropped"
        warnings.warn(
            f"Dropped {int(report.loc[bad, 'rows'].sum())} row(s) whose {column!r} matched no "
            f"unit: {format_ids(report.loc[bad, 'key'])}. They are listed in the match report.",
            UnmatchedRowsDropped,
            stacklevel=2,
        )

    lookup = report.loc[~bad].set_index(on)["unit_id"]
    row_index = pd.MultiIndex.from_frame(row_keys) if province_column else row_keys["key"]
    unit_ids = lookup.reindex(row_index).to_numpy()
    keep = ~pd.isna(unit_ids)
    id_name = layer.index.name or "unit_id"
    matched = table.loc[keep].copy()
    matched[id_name] = pd.Series(unit_ids[keep], index=matched.index).astype(layer.index.dtype)
    _check_duplicates(matched, id_name, year, column)
    missing = layer.index.difference(pd.Index(matched[id_name].unique()))
    return MatchResult(table=matched, report=report, missing_units=missing)


def clean_key(value):
    """A table cell as a matching key: stripped text; 370100.0 becomes '370100'; NaN ''."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(value).strip()


def _check_duplicates(matched, id_name, year, column):
    keys = [id_name] if year is None else [id_name, year]
    dup = matched.duplicated(keys, keep=False)
    if dup.any():
        groups = matched.loc[dup].groupby(keys, sort=True)[column].apply(list)
        shown = "; ".join(f"{k}: {v}" for k, v in list(groups.items())[:10])
        hint = (
            "Pass year='<year column>' if the table is long (one row per unit and year)."
            if year is None
            else "Remove or sum the duplicate rows."
        )
        raise InputError(
            f"Several rows match the same unit{' and year' if year else ''}: {shown}. {hint}"
        )


def _failure_message(bad, column):
    lines = [f"{len(bad)} value(s) of {column!r} could not be matched to a unit:"]
    for row in bad.head(25).itertuples():
        detail = row.status
        if row.candidates:
            detail += f", candidates: {row.candidates}"
        if row.note:
            detail += f"; {row.note}"
        if row.suggestions:
            detail += f"; did you mean {row.suggestions}?"
        lines.append(f"  {row.key!r} ({detail})")
    if len(bad) > 25:
        lines.append(f"  … and {len(bad) - 25} more (see err.report)")
    lines.append(
        "Fix the names or codes in the table, pass province_column= to separate "
        "same-named units, or pass drop_unmatched=True to drop these rows (they stay "
        "listed in the match report)."
    )
    return "\n".join(lines)


@cache
def former_names():
    """Known former prefecture names (merged, renamed or abolished units).

    Returns
    -------
    pandas.DataFrame
        ``name_zh``, ``name_en``, ``adcode``, ``successor_adcode``,
        ``successor_zh``, ``year``, ``change``.
    """
    return pd.read_csv(bundled_dir() / "former-names.csv", dtype={"successor_adcode": "Int64"})


class _LayerIndex:
    """Lookup tables from normalised names to unit ids for one layer."""

    def __init__(self, layer, names):
        self.layer = layer
        self.ids = {clean_key(i): i for i in layer.index}
        # codes written without their leading zeros ('0101' read as 101), or with them
        self.codes = {}
        for i in layer.index:
            key = clean_key(i)
            if key.isdigit():
                self.codes.setdefault(key.lstrip("0") or "0", set()).add(i)
        self.by_zh, self.by_zh_short, self.by_latin = {}, {}, {}
        self.labels = {}
        for col in names:
            for unit, name in layer[col].dropna().items():
                if is_chinese(name):
                    self.by_zh.setdefault(str(name).strip(), set()).add(unit)
                    self.by_zh_short.setdefault(short_name_zh(name), set()).add(unit)
                else:
                    self.by_latin.setdefault(latin_key(name), set()).add(unit)
                self.labels.setdefault(unit, str(name))
        self.provinces = {}
        for col in PROVINCE_COLUMNS:
            if col in layer.columns:
                for unit, name in layer[col].dropna().items():
                    self.provinces.setdefault(unit, set()).add(_name_key(name))
        self.vocabulary = {}
        # plain lists, not a cell lookup per unit and column (slow on thousands of units)
        rows = zip(layer.index, *(layer[c].tolist() for c in names), strict=True)
        for unit, *values in rows:
            label = " ".join(str(v) for v in values[:2] if pd.notna(v))
            label = f"{label} ({unit})"
            for value in values:
                if pd.notna(value):
                    self.vocabulary[str(value)] = label

    def match(self, key, province):
        record = {
            "status": "matched",
            "unit_id": None,
            "unit_name": None,
            "matched_by": None,
            "candidates": "",
            "suggestions": "",
            "note": "",
        }
        found, how = self._lookup(key)
        if len(found) > 1 and province is not None:
            pkey = _name_key(province)
            found = {u for u in found if pkey in self.provinces.get(u, ())}
        if len(found) == 1:
            unit = found.pop()
            return record | {"unit_id": unit, "unit_name": self.labels.get(unit), "matched_by": how}
        former = self._former(key)
        if not found and former is not None:
            return record | former
        if len(found) > 1:
            shown = ", ".join(f"{self.labels.get(u, u)} ({u})" for u in sorted(found, key=str))
            return record | {"status": "ambiguous", "candidates": shown}
        close = difflib.get_close_matches(key, list(self.vocabulary), n=3, cutoff=0.6)
        suggestions = ", ".join(dict.fromkeys(self.vocabulary[c] for c in close))
        return record | {"status": "unmatched", "suggestions": suggestions}

    def _lookup(self, key):
        if key in self.ids:
            return {self.ids[key]}, "id"
        if key.isdigit() and (key.lstrip("0") or "0") in self.codes:
            return set(self.codes[key.lstrip("0") or "0"]), "id (leading zeros ignored)"
        if is_chinese(key):
            if key in self.by_zh:
                return set(self.by_zh[key]), "Chinese name"
            return set(self.by_zh_short.get(short_name_zh(key), ())), "Chinese short name"
        latin = latin_key(key)
        return set(self.by_latin.get(latin, ())), "English/pinyin name"

    def _former(self, key):
        """Match a former name to its unit or successor, or explain why it cannot be."""
        table = former_names()
        hits = table[
            (table["name_zh"].map(short_name_zh) == short_name_zh(key))
            | (table["name_en"].map(latin_key) == latin_key(key))
        ]
        if hits.empty:
            return None
        old = hits.iloc[0]
        history = (
            f"{old['name_zh']} ({old['name_en']}, {old['adcode']}) {old['change']} in {old['year']}"
        )
        for unit in (old["adcode"], old["successor_adcode"]):
            if (
                pd.notna(unit)
                and unit in self.layer.index
                and (unit == old["adcode"] or old["change"] == "renamed")
            ):
                return {
                    "unit_id": unit,
                    "unit_name": self.labels.get(unit),
                    "matched_by": "former name",
                    "note": history,
                }
        hint = ""
        if old["adcode"] == 371200:
            hint = "; for years before 2019 use the 'shandong-2004-2016' layer"
        return {"status": "unmatched", "note": history + hint}


def _name_key(name):
    return short_name_zh(name) if is_chinese(name) else latin_key(name)
