"""A study's inputs, read as its configuration says: units, the data table, the grouping."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from geoagglom.data.boundaries import load_grouping, load_layer, read_boundaries
from geoagglom.errors import StudyConfigError


def load_units(config):
    """The units layer (bundled or read from the boundary file)."""
    bounds = config.boundaries
    if bounds.file is not None:
        return read_boundaries(bounds.file, id=bounds.id, crs=bounds.crs)
    return load_layer(bounds.layer)


def load_table(config):
    """The data table with its configured columns found and its years selected."""
    data = config.data
    table = data.file
    if isinstance(table, pd.DataFrame):
        label = "the data table"
    else:
        path = Path(table)
        label = path.name
        if path.suffix.lower() in (".xls", ".xlsx"):
            table = pd.read_excel(path)
        else:
            table = pd.read_csv(path, comment="#")
    table = table.copy()
    wanted = [("unit", data.unit), ("year", data.year)]
    wanted += [("quantity", q) for q in config.quantity]
    if data.second_variable:
        wanted.append(("second_variable", data.second_variable))
    if data.province:
        wanted.append(("province", data.province))
    rename = {}
    for key, column in wanted:
        found = find_column(table.columns, column)
        if found is None:
            raise StudyConfigError(
                f"[data] {key}: column {column!r} is not in {label}; its columns: "
                f"{', '.join(map(str, table.columns))}."
            )
        rename[found] = column
    table = table.rename(columns=rename)
    table[data.year] = pd.to_numeric(table[data.year], errors="raise").astype(int)
    present = sorted(table[data.year].unique())
    if data.years is not None:
        first, last = data.years
        if first < present[0] or last > present[-1]:
            raise StudyConfigError(
                f"[data] years = [{first}, {last}] is outside the table's years "
                f"{present[0]}-{present[-1]}."
            )
        table = table[table[data.year].between(first, last)]
    return table


def load_grouping_table(config, units):
    """Unit id → region as a Series indexed like the units, or None without a grouping."""
    group = config.grouping
    if group.name is not None:
        return load_grouping(group.name)[group.region]
    if group.file is None:
        return None
    table = group.file
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table, comment="#")
    key = group.unit or units.index.name
    for role, column in (("unit", key), ("region", group.region)):
        if column not in table.columns:
            raise StudyConfigError(
                f"[grouping] {role}: column {column!r} is not in the grouping table; "
                f"its columns: {', '.join(map(str, table.columns))}."
            )
    series = table.set_index(key)[group.region]
    if units.index.dtype.kind in "iu":
        series.index = pd.to_numeric(series.index)
    unknown = series.index.difference(units.index)
    if len(unknown):
        raise StudyConfigError(
            f"[grouping] names units that are not in the layer: {list(unknown)[:20]}. "
            "Fix the grouping table or the layer."
        )
    return series


def find_column(columns, wanted):
    """The column equal to ``wanted`` up to Unicode width forms and spaces (（万元） = (万元))."""

    def key(text):
        return "".join(unicodedata.normalize("NFKC", str(text)).split())

    matches = [c for c in columns if key(c) == key(wanted)]
    return matches[0] if matches else None
