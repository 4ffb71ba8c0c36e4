"""Matching yearbook tables to units: ids, Chinese and romanised names, former names."""

import pandas as pd
import pytest

from geoagglom import InputError, MatchError, match_units
from geoagglom.data.matching import UnmatchedRowsDropped
from geoagglom.data.names import latin_key, short_name_zh


@pytest.mark.parametrize(
    "name, short",
    [
        ("济南市", "济南"),
        ("济南", "济南"),
        ("阿克苏地区", "阿克苏"),
        ("恩施土家族苗族自治州", "恩施"),
        ("海西蒙古族藏族自治州", "海西"),
        ("博尔塔拉蒙古自治州", "博尔塔拉"),
        ("克孜勒苏柯尔克孜自治州", "克孜勒苏"),
        ("怒江傈僳族自治州", "怒江"),
        ("神农架林区", "神农架"),
        ("锡林郭勒盟", "锡林郭勒"),
        ("香港特别行政区", "香港"),
        ("白沙黎族自治县", "白沙"),
    ],
)
def test_short_chinese_names(name, short):
    assert short_name_zh(name) == short


def test_latin_keys():
    assert latin_key("Xi'an") == latin_key("XIAN") == latin_key("Xi An") == "xian"
    assert latin_key("Lüliang") == latin_key("Lvliang")
    assert latin_key("Jinan City") == "jinan"


def test_every_bundled_name_matches_its_own_unit(china):
    for column in ("name_zh", "name_en", "name_pinyin"):
        table = pd.DataFrame({"unit": china[column].to_numpy(), "province": china["province_zh"]})
        result = match_units(table, china, column="unit", province_column="province")
        assert (result.table["adcode"].to_numpy() == china.index.to_numpy()).all(), column


def test_ids_names_and_short_names(shandong):
    table = pd.DataFrame(
        {
            "city": [370100, "370200", 370300.0, "潍坊", "烟台市", "tai'an", "WEIHAI"],
            "loans": range(7),
        }
    )
    result = match_units(table, shandong, column="city")
    assert result.table["adcode"].tolist() == [
        370100, 370200, 370300, 370700, 370600, 370900, 371000,
    ]  # fmt: skip
    assert result.table["loans"].tolist() == list(range(7))
    assert result.report["matched_by"].tolist() == [
        "id", "id", "id", "Chinese short name", "Chinese name",
        "English/pinyin name", "English/pinyin name",
    ]  # fmt: skip
    assert len(result.missing_units) == 16 - 7
    assert "7 matched" in repr(result)


def test_unmatched_rows_are_an_error_with_suggestions(shandong):
    table = pd.DataFrame({"city": ["济南", "Qingdoa", "Atlantis"]})
    with pytest.raises(MatchError) as err:
        match_units(table, shandong, column="city")
    message = str(err.value)
    assert "'Qingdoa' (unmatched; did you mean 青岛市 Qingdao (370200)?)" in message
    assert "'Atlantis' (unmatched)" in message
    assert "drop_unmatched=True" in message
    report = err.value.report.set_index("key")
    assert report.loc["济南", "status"] == "matched"
    assert report.loc["Atlantis", "status"] == "unmatched"


def test_dropping_unmatched_rows_is_explicit_and_reported(shandong):
    table = pd.DataFrame({"city": ["济南", "Atlantis", "Atlantis"], "v": [1, 2, 3]})
    with pytest.warns(UnmatchedRowsDropped, match="Dropped 2 row"):
        result = match_units(table, shandong, column="city", drop_unmatched=True)
    assert result.table["adcode"].tolist() == [370100]
    dropped = result.report.set_index("key").loc["Atlantis"]
    assert dropped["status"] == "dropped"
    assert dropped["rows"] == 2


def test_same_romanised_name_is_ambiguous_until_the_province_tells(china):
    table = pd.DataFrame({"city": ["Fuzhou", "Suzhou"], "province": ["Jiangxi", "安徽省"]})
    with pytest.raises(MatchError, match=r"'Fuzhou' \(ambiguous, candidates: .*350100.*361000"):
        match_units(table, china, column="city")
    result = match_units(table, china, column="city", province_column="province")
    assert result.table["adcode"].tolist() == [361000, 341300]


def test_laiwu_former_name(shandong, shandong_old):
    table = pd.DataFrame({"city": ["莱芜", "Laiwu"]})
    assert match_units(table.iloc[:1], shandong_old, column="city").table["adcode"].tolist() == [
        371200
    ]
    assert match_units(table.iloc[1:], shandong_old, column="city").table["adcode"].tolist() == [
        371200
    ]
    # Today's layer has no Laiwu: the error says what happened and which layer to use.
    with pytest.raises(MatchError, match=r"merged.*2019.*shandong-2004-2016"):
        match_units(table.iloc[:1], shandong, column="city")


def test_renamed_prefecture_matches_its_successor(china):
    table = pd.DataFrame({"city": ["襄樊市", "Simao"]})
    result = match_units(table, china, column="city")
    assert result.table["adcode"].tolist() == [420600, 530800]
    assert (result.report["matched_by"] == "former name").all()
    assert "renamed in 2010" in result.report.loc[0, "note"]


def test_two_rows_for_one_unit(shandong):
    table = pd.DataFrame({"city": ["济南", "济南市"], "year": [2010, 2010]})
    with pytest.raises(InputError, match=r"370100: \['济南', '济南市'\].*year="):
        match_units(table, shandong, column="city")
    with pytest.raises(InputError, match="same unit and year"):
        match_units(table, shandong, column="city", year="year")


def test_long_table_with_years(shandong):
    table = pd.DataFrame({"city": ["济南", "济南", "Qingdao"], "year": [2010, 2011, 2010]})
    result = match_units(table, shandong, column="city", year="year")
    assert result.table["adcode"].tolist() == [370100, 370100, 370200]
    assert result.report.set_index("key").loc["济南", "rows"] == 2


def test_missing_column(shandong):
    with pytest.raises(InputError, match="no column 'city'"):
        match_units(pd.DataFrame({"name": ["济南"]}), shandong, column="city")


def test_user_layer_with_string_ids(shandong):
    layer = shandong[["name_en", "geometry"]].rename(index=lambda c: f"C{c}")
    layer.index.name = "code"
    table = pd.DataFrame({"k": ["C370100", "zibo"]})
    result = match_units(table, layer, column="k")
    assert result.table["code"].tolist() == ["C370100", "C370300"]
