"""The report in English and Chinese: one dictionary of templates, every string through it."""

import html
import re
import string

import pytest

from geoagglom import Study
from geoagglom.study import i18n, report
from geoagglom.study.config import demo_dir
from geoagglom.study.vocabulary import LABELS_ZH

CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_english_template_has_a_chinese_one_with_the_same_fields():
    en, zh = i18n.REPORT["en"], i18n.REPORT["zh"]
    assert set(zh) == set(en)
    for key, template in en.items():
        assert fields(zh[key]) == fields(template), key
        assert bool(zh[key]) == bool(template), key  # an explanation in both or in neither
        if template and key != "html_lang":
            assert CJK.search(zh[key]), key
    for name in report.SECTIONS:  # every table the report shows has its words
        if name == "table_II":  # one heading per decomposed index
            assert {"table_II_main", "table_II_other", "about.table_II_gini"} <= set(en)
            continue
        assert f"section.{name}" in en and f"about.{name}" in en


def fragments(template):
    """The literal pieces of a template long enough to be a phrase of English."""
    pieces = [literal for literal, *_ in string.Formatter().parse(template)]
    return [p.strip() for p in pieces if len(p.strip()) >= 12]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    study = Study.from_toml(demo_dir() / "study.toml")
    study.permutations = 19
    return study.run(tmp_path_factory.mktemp("i18n") / "out")


def render(results, lang, path, monkeypatch):
    monkeypatch.setattr(results.config.maps, "lang", lang)
    return report.write_report(results, path).read_text(encoding="utf-8")


def visible(page):
    """The report's own text: no embedded images, interactive map, TOML or versions."""
    page = re.sub(r"srcdoc=\"[^\"]*\"", "", page)
    page = re.sub(r"src='data:[^']*'", "", page)
    return re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)


def sections(results, lang):
    """The report's headings and explanations of every table, in ``lang``."""
    return report._sections(results, lambda key, **f: i18n.text(lang, key, **f), lang)


def test_chinese_report_has_no_english_sentence_of_the_template(demo, tmp_path, monkeypatch):
    zh = visible(render(demo, "zh", tmp_path / "zh.html", monkeypatch))
    assert "<html lang='zh-CN'>" in zh
    used = 0
    for key, template in i18n.REPORT["en"].items():
        if i18n.REPORT["zh"][key] == template:
            continue
        for piece in fragments(template):
            assert piece not in zh and html.escape(piece) not in zh, (key, piece)
            used += 1
    assert used > 60
    # the headings of the tables shown, and their columns, in Chinese
    for name, (heading, _) in sections(demo, "zh").items():
        if name in demo.tables:
            assert html.escape(heading) in zh, name
    headings = set(re.findall(r"<th>(.*?)</th>", zh))
    assert {"年份", "单元", "金融熵 β", "基尼系数", "基尼系数下限", "类别"} <= headings
    assert not headings & set(i18n.COLUMNS_ZH)  # no column left with a name we translate
    # the LISA classes in the cells, the regions by their Chinese names
    lisa = i18n.translate_table("zh", demo.tables["lisa"])
    assert set(lisa["类别"]) <= set(LABELS_ZH.values())
    assert "济南都市圈" in zh and "Jinan circle" not in zh


def test_english_report_is_the_template_in_english(demo, tmp_path, monkeypatch):
    en = visible(render(demo, "en", tmp_path / "en.html", monkeypatch))
    assert "<html lang='en'>" in en
    for name, (heading, _) in sections(demo, "en").items():
        if name in demo.tables:
            assert html.escape(heading) in en, name
    for key in ("banner", "notes_heading", "study_heading", "entropy_note", "map_note"):
        assert i18n.text("en", key) in en, key
    # no Chinese word of the template, and the tables' own column names
    for template in i18n.REPORT["zh"].values():
        for piece in fragments(template):
            assert piece not in en
    assert "<th>year</th>" in en and "<th>beta</th>" in en
    assert "spillover cluster" in en
    # English tables are the study's tables as they are
    assert i18n.translate_table("en", demo.tables["lisa"]) is demo.tables["lisa"]


def test_column_headings():
    assert i18n.column_heading("zh", "within_share") == "区域内占比"
    assert i18n.column_heading("zh", "class 2004") == "2004年类别"
    assert i18n.column_heading("zh", "spillover cluster") == "溢出集聚"
    assert i18n.column_heading("zh", "z_sim") == "z_sim"  # a symbol reads the same
    assert i18n.column_heading("en", "within_share") == "within_share"


def test_long_tables_over_the_limit_are_named_not_embedded(demo, tmp_path, monkeypatch):
    """A national study's unit-by-year tables would be tens of MB of HTML: above
    MAX_EMBEDDED_ROWS the report names the CSV instead; the embedded map is the one the
    run wrote."""
    monkeypatch.setattr(report, "MAX_EMBEDDED_ROWS", 100)
    page = render(demo, "en", tmp_path / "short.html", monkeypatch)
    rows = len(demo.tables["lisa"])
    assert rows > 100
    assert f"{rows} rows, not shown here: see tables/lisa.csv." in page
    assert "<th>Is</th>" not in visible(page)  # the LISA table itself is not there
    assert html.escape(demo.map.read_text(encoding="utf-8"), quote=True) in page
    zh = render(demo, "zh", tmp_path / "short_zh.html", monkeypatch)
    assert f"共 {rows} 行，此处不列出：见 tables/lisa.csv。" in zh


def test_every_english_map_word_has_a_chinese_one_with_the_same_fields():
    en, zh = i18n.MAP["en"], i18n.MAP["zh"]
    assert set(zh) == set(en)
    for key, template in en.items():
        assert fields(zh[key]) == fields(template), key
        assert CJK.search(zh[key]), key


def test_chinese_interactive_map_has_no_english_word_of_its_own(demo, monkeypatch):
    """map.html with lang = "zh": its controls, notes, legend and hover words in Chinese,
    the LISA classes by their Chinese names; in English, the English words."""
    import json

    from geoagglom.study.interactive import map_html

    pages = {}
    for lang in ("en", "zh"):
        monkeypatch.setattr(demo.config.maps, "lang", lang)
        pages[lang] = map_html(demo)
    data = {
        lang: json.loads(re.search(r"id='gm-data'>(.*?)</script>", page, re.S).group(1))
        for lang, page in pages.items()
    }
    shown = {
        lang: re.sub(r"<script.*?</script>", "", page, flags=re.S) for lang, page in pages.items()
    }
    assert "<html lang='zh-CN'>" in pages["zh"] and "<html lang='en'>" in pages["en"]
    for key in i18n.MAP["en"]:
        words = {lang: i18n.map_text(lang, key, k=5, measure="β") for lang in ("en", "zh")}
        if key in data["en"]["words"]:  # the hover and legend words, read by the script
            assert data["zh"]["words"][key] == words["zh"]
            assert data["en"]["words"][key] == words["en"]
            continue
        assert words["en"] not in shown["zh"], key
        assert words["zh"] in shown["zh"] or key == "classes", key
    assert "（示例数据）" in shown["zh"] and "(illustrative data)" in shown["en"]
    labels = {
        lang: {v for u in d["units"].values() for v in u.get("label", []) if v}
        for lang, d in data.items()
    }
    assert labels["en"] and labels["zh"] == {LABELS_ZH.get(v, v) for v in labels["en"]}
    assert labels["zh"] <= set(LABELS_ZH.values())


def test_model_reading_sentences_in_the_report_language(demo, tmp_path, monkeypatch):
    """The CSV's sentences stay English; a Chinese report writes them in Chinese, with the
    same numbers and the reading's Chinese word."""
    table = demo.tables["model_reading"]
    y = demo.config.model.y
    assert table["sentence"].tolist() == i18n.model_sentences(table, y, "en")
    assert table["sentence"].iloc[0].startswith("indirect impact of entropy on neighbours'")
    zh = visible(render(demo, "zh", tmp_path / "zh.html", monkeypatch))
    for sentence, row in zip(i18n.model_sentences(table, y, "zh"), table.itertuples(), strict=True):
        assert html.escape(sentence) in zh
        assert f"{row.indirect:.3g}" in sentence and LABELS_ZH[row.reading] in sentence
