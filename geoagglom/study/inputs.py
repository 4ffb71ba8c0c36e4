"""A study's inputs, read as its configuration says: units, the data table, the grouping."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from geoagglom.data.boundaries import load_grouping, load_layer, read_boundaries
from geoagglom.data.matching import clean_key
from geoagglom.data.tables import read_table, tidy_table, wide_to_long
from geoagglom.errors import StudyConfigError


def load_units(config):
    """The units layer (bundled or read from the boundary file)."""
    bounds = config.boundaries
    if bounds.file is not None:
        return read_boundaries(bounds.file, id=bounds.id, crs=bounds.crs)
    return load_layer(bounds.layer)


def load_table(config, notes=None):
    """The data table: read, tidied, its configured columns found and its years selected.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    notes : list, optional
        Receives what was done to the table (encoding, rows dropped, layout).

    Returns
    -------
    pandas.DataFrame
        Years as ints, values as floats (NaN where missing).
    """
    data = config.data
    notes = [] if notes is None else notes
    if isinstance(data.file, pd.DataFrame):
        label, table = "the data table", data.file.copy()
    else:
        label = Path(data.file).name
        try:
            read = read_table(data.file, encoding=data.encoding, sheet=data.sheet)
        except pd.errors.ParserError as err:
            reason = str(err).strip().splitlines()[-1]
            hint = (
                f' (it was read as {data.encoding}: check [data] encoding = "{data.encoding}")'
                if data.encoding
                else ""
            )
            raise StudyConfigError(
                f"[data] file: {label} is not a readable table: {reason}. Give every row as "
                f"many cells as the header{hint}."
            ) from None
        table = read.table
        if not isinstance(table.index, pd.RangeIndex):
            # pandas reads the extra leading cells of rows longer than the header as an index
            first = table.index[0] if isinstance(table.index[0], tuple) else (table.index[0],)
            raise StudyConfigError(
                f"[data] file: {label} has rows with more cells than its header (the first "
                f"begins {', '.join(map(str, first))}, …); "
                "give every row as many cells as the header (a comma in a number? quote it "
                "or drop the thousands separator)."
            )
        notes.extend(read.notes)
    if data.layout == "wide":
        unit_column = _require_column(table, "unit", data.unit, label)
        table = wide_to_long(
            table.rename(columns={unit_column: data.unit}),
            unit=data.unit,
            year=data.year,
            value=data.quantity,
        )
        notes.append(
            f"{label}: wide table (one column per year) read as one row per unit and year."
        )
    wanted = [("unit", data.unit), ("year", data.year)]
    wanted += [("quantity", q) for q in config.quantity]
    roles = config.column_roles
    wanted += [(roles[column], column) for column in config.extra_columns]
    if data.province:
        wanted.append(("province", data.province))
    rename = {_require_column(table, key, column, label): column for key, column in wanted}
    table = table.rename(columns=rename)
    values = [*config.quantity, *config.extra_columns]
    tidy = tidy_table(table, unit=data.unit, year=data.year, values=values, what=label)
    notes.extend(tidy.notes)
    table = tidy.table
    if table.empty:
        raise StudyConfigError(
            f"[data] file: {label} has no data rows (only a header, comments or footnotes); "
            "give one row per unit and year."
        )
    present = sorted(table[data.year].unique())
    if data.years is not None:
        first, last = data.years
        if first < present[0] or last > present[-1]:
            raise StudyConfigError(
                f"[data] years = [{first}, {last}] is outside the table's years "
                f"{present[0]}-{present[-1]}."
            )
        table = table[table[data.year].between(first, last)]
        if table.empty:
            raise StudyConfigError(
                f"[data] years = [{first}, {last}]: {label} has no rows in those years; its "
                f"years: {', '.join(map(str, present))}."
            )
    return table


def _require_column(table, key, column, label):
    found = find_column(table.columns, column)
    if found is None:
        raise StudyConfigError(
            f"{key if key.startswith('[') else '[data] ' + key}: column {column!r} is not in "
            f"{label}; its columns: "
            f"{', '.join(map(str, table.columns))}."
        )
    return found


def load_grouping_table(config, units):
    """Unit id → region as a Series indexed like the units, or None without a grouping."""
    group = config.grouping
    if group.name is not None:
        return load_grouping(group.name)[group.region]
    if group.file is None:
        return None
    table = group.file
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table, comment="#", dtype=str, keep_default_na=False)
    key = group.unit or units.index.name
    for role, column in (("unit", key), ("region", group.region)):
        if column not in table.columns:
            raise StudyConfigError(
                f"[grouping] {role}: column {column!r} is not in the grouping table; "
                f"its columns: {', '.join(map(str, table.columns))}."
            )
    # Ids are compared as text, leading zeros aside: a grouping read as numbers
    # (101) and a layer keyed by codes ('0101') name the same unit.
    by_text = {}
    for unit in units.index:
        text = clean_key(unit)
        by_text[text] = unit
        by_text.setdefault(text.lstrip("0") or "0", unit)
    written = table[key].map(clean_key)
    found = written.map(lambda t: by_text.get(t, by_text.get(t.lstrip("0") or "0")))
    unknown = written[found.isna()]
    if len(unknown):
        kinds = {type(i).__name__ for i in units.index[:5]}
        raise StudyConfigError(
            f"[grouping] names units that are not in the layer: {list(unknown)[:20]}. "
            f"The layer's ids look like {list(units.index[:3])} ({'/'.join(sorted(kinds))}); "
            "fix the grouping table or the layer."
        )
    ids = pd.Index(found.to_numpy()).astype(units.index.dtype)
    return pd.Series(table[group.region].to_numpy(), index=ids)


def find_column(columns, wanted):
    """The column equal to ``wanted`` up to Unicode width forms and spaces (（万元） = (万元))."""

    def key(text):
        return "".join(unicodedata.normalize("NFKC", str(text)).split())

    matches = [c for c in columns if key(c) == key(wanted)]
    return matches[0] if matches else None


#: Suffixes read as vector files of points (their geometry and CRS are used).
POINT_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".parquet", ".geoparquet")


def load_points(config, units, workers=None):
    """The point table counted per unit and year: the study's long table.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
        With ``[data] points``; ``[data] year`` is the points' year column,
        ``[data] quantity`` the columns summed (default: the points counted).
    units : geopandas.GeoDataFrame
        The study's layer.
    workers : int, optional
        With a dask cluster: the points of each year are split into this many
        partitions and counted on it (:func:`geoagglom.points_to_units` on a
        dask-geopandas frame; the same counts as in memory).

    Returns
    -------
    pandas.DataFrame
        ``point_unit`` (the unit id), the year column and the quantities: one row
        per unit of the layer and year of the points, zeros included.
    """
    import geopandas as gpd

    from geoagglom.data.points import points_to_units
    from geoagglom.errors import InputError

    data = config.data
    source = data.points
    label = "the point table" if isinstance(source, pd.DataFrame) else Path(source).name
    geometry = isinstance(source, gpd.GeoDataFrame)
    if isinstance(source, pd.DataFrame):
        table = source.copy()
    elif Path(source).suffix.lower() in POINT_FILE_SUFFIXES:
        table = _read_point_file(source, data.points_crs)
        geometry = True
    else:
        table = read_table(source, encoding=data.encoding, sheet=data.sheet).table
    wanted = [("year", data.year)] + [("quantity", q) for q in _summed(config)]
    if not geometry:
        wanted += [("points_x", data.points_x), ("points_y", data.points_y)]
    rename = {_require_column(table, key, column, label): column for key, column in wanted}
    table = table.rename(columns=rename)
    years = pd.to_numeric(table[data.year], errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        raise StudyConfigError(
            f"[data] year: column {data.year!r} of {label} has missing or non-integer years "
            f"at rows {list(table.index[bad][:10])}; fill or drop them."
        )
    table[data.year] = years.astype("int64")
    for q in _summed(config):
        table[q] = pd.to_numeric(table[q], errors="coerce")
    if not geometry:
        for column in (data.points_x, data.points_y):
            table[column] = pd.to_numeric(table[column], errors="coerce")
        table = gpd.GeoDataFrame(
            table,
            geometry=gpd.points_from_xy(table[data.points_x], table[data.points_y]),
            crs=data.points_crs,
        )
        missing = table[[data.points_x, data.points_y]].isna().any(axis=1)
        if missing.any():
            raise StudyConfigError(
                f"[data] points_x/points_y: missing or non-numeric coordinates in "
                f"{data.points_x!r}/{data.points_y!r} of {label} at rows "
                f"{list(table.index[missing][:10])}; fill or drop them."
            )
    if data.years is not None:
        first, last = data.years
        present = sorted(table[data.year].unique())
        if first < present[0] or last > present[-1]:
            raise StudyConfigError(
                f"[data] years = [{first}, {last}] is outside the points' years "
                f"{present[0]}-{present[-1]}."
            )
        table = table[table[data.year].between(first, last)]
    frames = []
    for year, part in table.groupby(data.year, sort=True):
        if workers:
            import dask_geopandas

            part = dask_geopandas.from_geopandas(part, npartitions=max(1, int(workers)))
        counted = {}
        try:
            for q in _summed(config) or [None]:
                out = points_to_units(part, units, q, outside=data.points_outside)
                counted[q or "n_points"] = out[q or "n_points"]
        except InputError as err:
            raise StudyConfigError(f"[data] points ({label}, {year}): {err}") from None
        frame = pd.DataFrame(counted)
        frame.insert(0, data.year, int(year))
        frames.append(frame.rename_axis("point_unit").reset_index())
    if not frames:
        raise StudyConfigError(f"[data] points: {label} has no points.")
    out = pd.concat(frames, ignore_index=True)
    return out


def _summed(config):
    """The points' columns summed per unit ([] when the points are only counted)."""
    q = config.data.quantity
    if q is None:
        return []
    return [q] if isinstance(q, str) else list(q)


def _read_point_file(path, crs):
    import geopandas as gpd

    try:
        if Path(path).suffix.lower() in (".parquet", ".geoparquet"):
            points = gpd.read_parquet(path)
        else:
            points = gpd.read_file(path, engine="pyogrio")
    except Exception as err:
        raise StudyConfigError(f"[data] points: could not read {Path(path).name}: {err}") from err
    if points.crs is None:
        points = points.set_crs(crs)
    return points
