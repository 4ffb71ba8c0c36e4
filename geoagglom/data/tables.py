"""Yearbook tables as they really come: encodings, Excel, wide layouts, footnotes, markers.

:func:`read_table` reads a CSV (UTF-8, or GBK/GB18030 as Chinese statistical
software exports it: detected, or given) or an Excel workbook. :func:`tidy_table`
then turns the cells into numbers a study can use, and says what it did:

* years written ``2010``, ``2010年``, ``２０１０`` or ``2010.0`` are read as 2010;
  ``2012.7`` or ``about 2012`` is an error naming the rows, never a truncation;
* values written ``23,456.7``, ``２３４５６．７`` are numbers; the missing-value
  markers ``—``, ``–``, ``-``, ``…``, ``...``, ``NA``, ``n.a.`` and empty cells are
  missing (and a study then names each missing unit, year and column); any
  other text is an error naming the row, column and cell;
* footnote rows (``注：…``, ``资料来源：…``, ``Note: …``, ``Source: …`` with
  the value cells empty) are dropped and reported;
* a wide table (one column per year) becomes a long one with :func:`wide_to_long`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geoagglom.errors import InputError, format_ids

__all__ = ["MISSING_MARKERS", "TidyTable", "read_table", "tidy_table", "wide_to_long"]

#: Cell texts read as a missing value (after stripping spaces; case-insensitive).
MISSING_MARKERS = ("", "—", "——", "–", "-", "--", "…", "……", "...", "na", "n.a.", "nan", "null")
#: Encodings tried, in order, when a CSV's encoding is not given.
ENCODINGS = ("utf-8-sig", "gb18030")
_FOOTNOTE = re.compile(r"^\s*(注|资料来源|数据来源|说明|note|notes|source|sources)\s*[:：]", re.I)
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*年?\s*$")
#: A cell that float() reads as it is (ASCII digits, no separators): most cells.
_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


@dataclass
class TidyTable:
    """A table read and tidied, with what was done to it.

    Parameters
    ----------
    table, notes :
        The attributes below; the table readers build it.

    Attributes
    ----------
    table : pandas.DataFrame
    notes : list of str
        What was done, in words (encoding used, rows dropped, layout changed).
    """

    table: pd.DataFrame
    notes: list = field(default_factory=list)


def read_table(path, *, encoding=None, sheet=None):
    """Read a CSV or Excel table; the CSV's encoding is detected when not given.

    Parameters
    ----------
    path : str or pathlib.Path
    encoding : str, optional
        The CSV's encoding (e.g. ``"gbk"``). By default UTF-8 (with or without a
        byte-order mark) is tried, then GB18030 (a superset of GBK and GB2312).
    sheet : str or int, optional
        The Excel sheet (default: the first).

    Returns
    -------
    TidyTable
        The raw table (all cells as text for CSV) and a note on how it was read.

    Raises
    ------
    InputError
        The file is missing, cannot be decoded, or needs an Excel reader that is
        not installed (its name is given).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Table not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        engine = "xlrd" if suffix == ".xls" else "openpyxl"
        try:
            __import__(engine)
        except ImportError:
            raise InputError(
                f"Reading {path.name} needs the {engine!r} package: "
                'python -m pip install "geoagglom[excel]" (or save the sheet as CSV).'
            ) from None
        table = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine=engine)
        return TidyTable(table, [f"{path.name}: read as Excel ({engine})."])
    tried = [encoding] if encoding else list(ENCODINGS)
    for enc in tried:
        try:
            text = path.read_text(encoding=enc)
        except LookupError:
            raise InputError(f"Unknown encoding {encoding!r} for {path.name}.") from None
        except UnicodeDecodeError as err:
            if encoding:
                raise InputError(
                    f"{path.name} is not {encoding}-encoded (byte {err.start}); leave the "
                    "encoding out to detect it, or give the right one (gbk, gb18030, utf-8)."
                ) from None
            continue
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        import io

        table = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
        name = "UTF-8" if enc == "utf-8-sig" else enc.upper()
        return TidyTable(table, [f"{path.name}: read as {name}."])
    raise InputError(
        f"{path.name} is neither UTF-8 nor GB18030/GBK text; give its encoding "
        '([data] encoding = "...").'
    )


def _text(value):
    """A cell as normalised text: full-width forms folded, spaces stripped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_year(value):
    """A year cell as an int, or None if it is not a whole year.

    Examples
    --------
    >>> [parse_year(v) for v in ["2010", "2010年", "２０１０", 2010.0, "2012.7", "x"]]
    [2010, 2010, 2010, 2010, None, None]
    """
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else None
    found = _YEAR.match(_text(value))
    return int(found.group(1)) if found else None


def parse_number(value):
    """A value cell as a float: NaN for a missing marker, None if it is not a number.

    Examples
    --------
    >>> [parse_number(v) for v in ["23,456.7", "２３４５６．７", "—", "", "1e3", "abc"]]
    [23456.7, 23456.7, nan, nan, 1000.0, None]
    """
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    text = _text(value)
    if text.lower() in MISSING_MARKERS:
        return np.nan
    text = text.replace(",", "").replace(" ", "")
    try:
        return float(text)
    except ValueError:
        return None


def tidy_table(table, *, unit, year, values, what="the table"):
    """Years and values as numbers, footnote rows dropped; errors name rows and cells.

    Parameters
    ----------
    table : pandas.DataFrame
        A long table (one row per unit and year) as read.
    unit, year : str
        Its unit and year columns.
    values : list of str
        Its value columns.
    what : str
        The table's name in messages (its file name).

    Returns
    -------
    TidyTable

    Raises
    ------
    InputError
        Years that are not whole years, or value cells that are neither numbers
        nor missing markers, naming the rows (as numbered in the file, header = 1)
        and the cells.
    """
    table = table.copy()
    notes = []
    text_units = _each(table[unit], _text)
    numbers = {column: _parse_numbers(table[column]) for column in values}
    empty_values = np.logical_and.reduce([missing for _, _, missing in numbers.values()])
    footnote = text_units.str.match(_FOOTNOTE) | (text_units.eq("") & empty_values)
    footnote &= empty_values
    if footnote.any():
        shown = [f"{_row(i)}: {str(table.at[i, unit])[:30]!r}" for i in table.index[footnote]]
        notes.append(
            f"{what}: {int(footnote.sum())} footnote or empty row(s) dropped ({_listed(shown, 5)})."
        )
        table = table.loc[~footnote]
        numbers = {c: tuple(a[~footnote.to_numpy()] for a in numbers[c]) for c in values}
    years = _each(table[year], parse_year)
    bad = years.isna()
    if bad.any():
        cells = [f"{_row(i)}: {table.at[i, year]!r}" for i in table.index[bad]]
        raise InputError(
            f"{what}: column {year!r} has values that are not whole years "
            f"({_listed(cells)}); write each year as e.g. 2012 or 2012年."
        )
    table[year] = years.astype(int)
    blank = _each(table[unit], _text).eq("")
    if blank.any():
        raise InputError(
            f"{what}: the unit column {unit!r} is empty in "
            f"{_listed(map(_row, table.index[blank]))}; give every row a unit name or code."
        )
    for column in values:
        parsed, wrong, _ = numbers[column]
        if wrong.any():
            cells = [f"{_row(i)}: {table.at[i, column]!r}" for i in table.index[wrong]]
            raise InputError(
                f"{what}: column {column!r} has cells that are not numbers "
                f"({_listed(cells)}); write numbers (thousands separators are fine) or "
                f"a missing-value marker ({', '.join(repr(m) for m in MISSING_MARKERS[1:7])})."
            )
        table[column] = parsed
    return TidyTable(table, notes)


def _each(column, function):
    """``column.map(function)``, calling ``function`` once per distinct text when the
    column holds text (a year or a unit name repeats in every row)."""
    if not pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
        return column.map(function)  # mixed cells (Excel): equal keys may differ in type
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    mapped = np.empty(len(distinct), dtype=object)
    mapped[:] = [function(value) for value in distinct]
    return pd.Series(mapped[codes], index=column.index).infer_objects()


def _parse_numbers(column):
    """:func:`parse_number` of every cell, which cells are not numbers, which are missing.

    Returns
    -------
    parsed : numpy.ndarray of float
        The numbers, NaN where missing or wrong.
    wrong, missing : numpy.ndarray of bool
        Cells that are neither a number nor a missing marker; missing markers.
    """
    cells = column.to_numpy(dtype=object)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        # numpy numbers (not nullable ones, whose NA parse_number refuses)
        parsed = column.to_numpy(dtype=float, na_value=np.nan)
        return parsed, np.zeros(len(cells), dtype=bool), np.isnan(parsed)
    # text cells written as plain decimal numbers (nearly all of them) are read in one
    # pass: float() of such a text is what parse_number gives; the rest cell by cell
    is_text = np.fromiter((type(v) is str for v in cells), dtype=bool, count=len(cells))
    plain = np.zeros(len(cells), dtype=bool)
    plain[is_text] = pd.Series(cells[is_text], dtype=object).str.fullmatch(_PLAIN_NUMBER)
    parsed = np.full(len(cells), np.nan)
    parsed[plain] = cells[plain].astype(float)
    other = np.flatnonzero(~plain)
    numbers = [parse_number(v) for v in cells[other]]
    missing = np.zeros(len(cells), dtype=bool)
    missing[other] = [_text(v).lower() in MISSING_MARKERS for v in cells[other]]
    parsed[other] = [np.nan if v is None else v for v in numbers]
    wrong = np.isnan(parsed) & ~missing
    return parsed, wrong, missing


def wide_to_long(table, *, unit, year, value):
    """A wide table (a unit column, one column per year) as a long one.

    Parameters
    ----------
    table : pandas.DataFrame
    unit : str
        The unit column.
    year, value : str
        Names of the long table's year and value columns.

    Returns
    -------
    pandas.DataFrame
        ``unit, year, value``, year columns recognised by their header (``2010``,
        ``2010年``, ``２０１０``).

    Raises
    ------
    InputError
        No column header is a year; or a column is neither the unit nor a year.

    Examples
    --------
    >>> wide = pd.DataFrame({"city": ["A", "B"], "2010年": ["1", "2"], "2011年": ["3", "4"]})
    >>> wide_to_long(wide, unit="city", year="year", value="loans").values.tolist()
    [['A', 2010, '1'], ['B', 2010, '2'], ['A', 2011, '3'], ['B', 2011, '4']]
    """
    years = {c: parse_year(c) for c in table.columns if c != unit}
    year_columns = [c for c, y in years.items() if y is not None]
    if not year_columns:
        raise InputError(
            f"layout = 'wide' but no column header is a year (columns: "
            f"{format_ids(list(table.columns))}); name the year columns 2010, 2011, ..."
        )
    other = [c for c, y in years.items() if y is None]
    if other:
        raise InputError(
            f"layout = 'wide': columns {format_ids(other)} are neither the unit column "
            f"{unit!r} nor years; remove them or reshape the table to one row per unit and year."
        )
    long = table.melt(id_vars=[unit], value_vars=year_columns, var_name=year, value_name=value)
    long[year] = long[year].map(years)
    return long[[unit, year, value]]


def _listed(items, limit=10):
    """Items as plain text for a message: ``a, b, … and 3 more``."""
    items = list(items)
    text = ", ".join(items[:limit])
    return text + (f", … and {len(items) - limit} more" if len(items) > limit else "")


def _row(index):
    """A row label as the user sees it in the file: header is line 1, first row line 2."""
    return f"row {index + 2}" if isinstance(index, int | np.integer) else f"row {index}"
