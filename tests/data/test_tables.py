"""Yearbook tables as exported: encodings, Excel, years, numbers, footnotes, wide layout."""

import numpy as np
import pandas as pd
import pytest

from geoagglom.data.tables import (
    MISSING_MARKERS,
    _each,
    _parse_numbers,
    _text,
    parse_number,
    parse_year,
    read_table,
    tidy_table,
    wide_to_long,
)
from geoagglom.errors import InputError

ROWS = '城市,年份,贷款(万元)\n济南市,2010年,"23,456.7"\n青岛市,２０１０,１２３４５\n淄博市,2010,—\n'


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_csv_in_any_common_encoding_is_detected_and_said(tmp_path, encoding):
    path = tmp_path / "yearbook.csv"
    path.write_bytes(ROWS.encode(encoding))
    read = read_table(path)
    assert list(read.table.columns) == ["城市", "年份", "贷款(万元)"]
    assert read.table["城市"].tolist() == ["济南市", "青岛市", "淄博市"]
    expected = "UTF-8" if encoding.startswith("utf") else "GB18030"
    assert read.notes == [f"yearbook.csv: read as {expected}."]


def test_given_encoding_is_used_and_a_wrong_one_is_named(tmp_path):
    path = tmp_path / "yearbook.csv"
    path.write_bytes(ROWS.encode("gbk"))
    assert read_table(path, encoding="gbk").table.shape == (3, 3)
    with pytest.raises(InputError, match="not utf-8-encoded"):
        read_table(path, encoding="utf-8")
    with pytest.raises(InputError, match="Unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_excel_workbook(tmp_path):
    pytest.importorskip("openpyxl", reason="openpyxl comes with the excel and test extras")
    frame = pd.DataFrame({"城市": ["济南市", "青岛市"], "年份": [2010, 2010], "贷款": [1.5, 2]})
    frame.to_excel(tmp_path / "yearbook.xlsx", index=False)
    read = read_table(tmp_path / "yearbook.xlsx")
    tidy = tidy_table(read.table, unit="城市", year="年份", values=["贷款"])
    assert tidy.table["贷款"].tolist() == [1.5, 2.0]
    assert tidy.table["年份"].tolist() == [2010, 2010]


def test_excel_without_its_reader_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_xlrd(name, *args, **kwargs):
        if name == "xlrd":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    monkeypatch.setattr(builtins, "__import__", no_xlrd)
    with pytest.raises(InputError, match=r"'xlrd'.*geoagglom\[excel\]"):
        read_table(tmp_path / "old.xls")


def test_years_numbers_and_markers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(ROWS, encoding="utf-8")
    tidy = tidy_table(read_table(path).table, unit="城市", year="年份", values=["贷款(万元)"])
    assert tidy.table["年份"].tolist() == [2010, 2010, 2010]
    values = tidy.table["贷款(万元)"].to_numpy()
    np.testing.assert_array_equal(values[:2], [23456.7, 12345.0])
    assert np.isnan(values[2])


@pytest.mark.parametrize("year", ["2012.7", "about 2012", "12"])
def test_a_year_that_is_not_whole_is_an_error_naming_the_row(year):
    table = pd.DataFrame({"u": ["a", "b"], "y": ["2012", year], "v": ["1", "2"]})
    with pytest.raises(InputError, match=rf"not whole years \(row 3: '{year}'\)"):
        tidy_table(table, unit="u", year="y", values=["v"])


def test_text_in_a_value_cell_is_an_error_naming_row_column_and_cell():
    table = pd.DataFrame({"u": ["a", "b"], "y": ["2012", "2012"], "v": ["1", "12 yuan"]})
    with pytest.raises(InputError, match=r"column 'v' has cells that are not numbers \(row 3: "):
        tidy_table(table, unit="u", year="y", values=["v"])


def test_footnote_and_empty_rows_are_dropped_and_reported():
    table = pd.DataFrame(
        {
            "u": ["a", "b", "注：本表不含县", "", "Source: yearbook"],
            "y": ["2012", "2012", "", "", ""],
            "v": ["1", "2", "", "", ""],
        }
    )
    tidy = tidy_table(table, unit="u", year="y", values=["v"], what="t.csv")
    assert tidy.table["u"].tolist() == ["a", "b"]
    assert len(tidy.notes) == 1
    assert "3 footnote or empty row(s) dropped" in tidy.notes[0]
    assert "row 4: '注：本表不含县'" in tidy.notes[0]


def test_a_blank_unit_with_values_is_an_error():
    table = pd.DataFrame({"u": ["a", " "], "y": ["2012", "2012"], "v": ["1", "2"]})
    with pytest.raises(InputError, match=r"unit column 'u' is empty in row 3"):
        tidy_table(table, unit="u", year="y", values=["v"])


def test_wide_tables():
    wide = pd.DataFrame({"city": ["A", "B"], "2010": ["1", "2"], "２０１１年": ["3", "—"]})
    long = wide_to_long(wide, unit="city", year="year", value="loans")
    tidy = tidy_table(long, unit="city", year="year", values=["loans"]).table
    assert tidy["year"].tolist() == [2010, 2010, 2011, 2011]
    assert tidy["loans"].tolist()[:3] == [1.0, 2.0, 3.0]
    with pytest.raises(InputError, match="neither the unit column 'city' nor years"):
        wide_to_long(wide.assign(note="x"), unit="city", year="year", value="loans")
    with pytest.raises(InputError, match="no column header is a year"):
        wide_to_long(wide[["city"]].assign(loans=1), unit="city", year="year", value="loans")


def test_cell_parsers():
    assert parse_year(np.int64(2004)) == 2004
    assert parse_year(2004.5) is None
    assert parse_number("1 234,5".replace(",", "")) == 12345.0
    assert np.isnan(parse_number("…"))
    assert parse_number(True) is None


def _cell_battery():
    """Value cells as yearbooks write them: plain, signed, exponents, separators,
    full-width, spaces, markers, junk; plus non-text cells (Excel)."""
    rng = np.random.default_rng(7)
    numbers = rng.lognormal(8, 4, size=300) * rng.choice([-1, 1], size=300)
    texts = [f"{x!r}" for x in numbers] + [f"{x:.3e}" for x in numbers[:50]]
    texts += [f"{x:,.2f}" for x in numbers[:50]] + [f" {x:.1f} " for x in numbers[:20]]
    texts += ["1.", ".5", "+3", "-0", "1e5", "1E-3", "007", "1_000", "inf", "-inf", "Infinity"]
    texts += ["１２３４５", "２３４５６．７", "1 234", "0x1A", "1e", "e5", ".", "+", "--1"]
    texts += [*MISSING_MARKERS, "NA", "N.A.", "NaN", "NULL", "  ", "abc", "12abc", "١٢٣"]
    return texts


def test_numbers_read_at_once_equal_parse_number_cell_by_cell():
    """The fast path (plain decimal texts in one pass) gives parse_number's numbers,
    and the same missing and wrong cells, for text columns (CSV: str dtype), mixed
    object columns (Excel) and numeric columns."""
    texts = _cell_battery()
    mixed = [*texts, 1.5, 2, np.float64(3.25), np.nan, None, True, np.float32(0.1)]
    for column in (pd.Series(texts, dtype="str"), pd.Series(mixed, dtype=object)):
        parsed, wrong, missing = _parse_numbers(column)
        expected = [parse_number(v) for v in column]
        markers = [_text(v).lower() in MISSING_MARKERS for v in column]
        for got, want, cell in zip(parsed, expected, column, strict=True):
            if want is None or np.isnan(want):
                assert np.isnan(got), cell
            else:
                assert got == want, cell
        assert missing.tolist() == markers
        assert wrong.tolist() == [v is None for v in expected]
    numeric = pd.Series([1.0, np.nan, 2.5, -1e300])
    parsed, wrong, missing = _parse_numbers(numeric)
    assert parsed[0] == 1.0 and np.isnan(parsed[1]) and parsed[3] == -1e300
    assert missing.tolist() == [False, True, False, False] and not wrong.any()
    # nullable and complex columns cell by cell, as parse_number reads them
    for column in (pd.Series([1, pd.NA], dtype="Int64"), pd.Series([1 + 2j, 3.0])):
        parsed, wrong, missing = _parse_numbers(column)
        assert wrong.tolist() == [parse_number(v) is None for v in column]


def test_years_and_units_mapped_once_per_distinct_text_equal_the_cell_by_cell_map():
    years = pd.Series(
        ["2010", "2010年", "２０１０", "2010.0", "2012.7", "x", "2011"] * 3, dtype="str"
    )
    pd.testing.assert_series_equal(_each(years, parse_year), years.map(parse_year))
    mixed = pd.Series([2010, 2010.0, "2011年", True, None], dtype=object)
    pd.testing.assert_series_equal(_each(mixed, parse_year), mixed.map(parse_year))
    units = pd.Series(["济南市", " 济南市 ", "ＡＢ", None, "注：x"], dtype="str")
    pd.testing.assert_series_equal(_each(units, _text), units.map(_text))
