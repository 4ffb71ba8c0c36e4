"""A battery of bad study inputs through the command line (`geoagglom run`).

Each case is a study file or data table a user could write by mistake; each must
end with exit status 2 and exactly one line on stderr, ``geoagglom: error: ...``,
that names the key (or the column, year and unit) and says how to fix it: no
traceback, and no output folder left behind (an existing folder is left as it was).
"""

import numpy as np
import pandas as pd
import pytest

from geoagglom.cli import main
from geoagglom.study.config import demo_dir

RAW = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
Q = "年末金融机构各项贷款余额(万元)"
BASE = {
    "data": {
        "file": '"data.csv"',
        "unit": '"城市"',
        "year": '"年份"',
        "quantity": f'"{Q}"',
        "years": "[2015, 2016]",
    },
    "boundaries": {"layer": '"shandong-2004-2016"'},
    "measures": {"permutations": "9"},
}


def with_population(value=None, city=None, year=None):
    table = RAW.copy()
    table["人口"] = 300.0
    if city is not None:
        table.loc[(table["城市"] == city) & (table["年份"] == year), "人口"] = value
    return table


def set_cell(column, value, city="淄博市", year=2015):
    table = RAW.copy().astype({column: object})
    table.loc[(table["城市"] == city) & (table["年份"] == year), column] = value
    return table


PER_CAPITA = {("data", "variable"): '"per_capita"', ("data", "population"): '"人口"'}

# name → (changed keys (None removes a key), data table or CSV text, start of the message)
CASES = {
    "invalid TOML": ({}, None, "study.toml is not valid TOML"),
    "unknown table": ({("measure", "seed"): "1"}, None, "study.toml: unknown table [measure]"),
    "unknown key": ({("measures", "permutation"): "9"}, None,
                    "[measures] unknown key 'permutation'"),
    "required key missing": ({("data", "unit"): None}, None, "[data] unit is required"),
    "data file not found": ({("data", "file"): '"nope.csv"'}, None, "[data] file: file not found"),
    "permutations negative": ({("measures", "permutations"): "-1"}, None,
                              "[measures] permutations: must be ≥ 0 (got -1)"),
    "permutations fractional": ({("measures", "permutations"): "9.5"}, None,
                                "[measures] permutations = 9.5: expected a whole number"),
    "permutations as text": ({("measures", "permutations"): '"999"'}, None,
                             '[measures] permutations = "999": expected a whole number'),
    "permutations boolean": ({("measures", "permutations"): "true"}, None,
                             "[measures] permutations = true: expected a whole number"),
    "seed negative": ({("measures", "seed"): "-3"}, None, "[measures] seed: must be ≥ 0"),
    "alpha out of range": ({("measures", "alpha"): "1.5"}, None,
                           "[measures] alpha: must be > 0 and < 1 (got 1.5)"),
    "weights unknown": ({("measures", "weights"): '"queens"'}, None,
                        "[measures] weights = 'queens' is not a weights kind; use one of"),
    "distance without threshold": ({("measures", "weights"): '"distance"'}, None,
                                   "[measures] threshold_km is required with weights = 'distance'"),
    "threshold zero": ({("measures", "weights"): '"distance"', ("measures", "threshold_km"): "0"},
                       None, "[measures] threshold_km: must be > 0 (got 0)"),
    "theil kind unknown": ({("measures", "theil"): '["X"]'}, None,
                           "[measures] theil = 'X' is not a Theil index kind"),
    "adjust unknown": ({("measures", "adjust"): '"holm"'}, None,
                       "[measures] adjust = 'holm' is not a multiple-testing adjustment"),
    "islands unknown": ({("measures", "islands"): '"keep"'}, None,
                        "[measures] islands = 'keep' is not an island policy"),
    "inequality weights column absent": ({("measures", "inequality_weights"): '"人口"'}, None,
                                         "[measures] inequality_weights: column '人口' is not in"),
    "variable unknown": ({("data", "variable"): '"percapita"'}, None,
                         "[data] variable = 'percapita' is not a variable to analyse"),
    "per_capita without population": ({("data", "variable"): '"per_capita"'}, None,
                                      '[data] variable = "per_capita" needs [data] population'),
    "population column absent": (PER_CAPITA, None,
                                 "[data] population: column '人口' is not in data.csv"),
    "population zero": (PER_CAPITA, with_population(0, "淄博市", 2015),
                        "The data table has values a study cannot use: 人口, 2015, 淄博市 "
                        "(370300): not positive"),
    "population missing": (PER_CAPITA, with_population(np.nan, "淄博市", 2016),
                           "The data table has values a study cannot use: 人口, 2016, 淄博市 "
                           "(370300): missing"),
    "label blank": ({("data", "label"): '" "'}, None, '[data] label = "": give the variable'),
    "label not text": ({("data", "label"): "3"}, None, "[data] label = 3: expected a string"),
    "unit column absent": ({("data", "unit"): '"city"'}, None,
                           "[data] unit: column 'city' is not in data.csv"),
    "quantity column absent": ({("data", "quantity"): '"loans"'}, None,
                               "[data] quantity: column 'loans' is not in data.csv"),
    "quantity empty list": ({("data", "quantity"): "[]"}, None,
                            "[data] quantity = []: expected a column name or a list"),
    "second variable absent": ({("data", "second_variable"): '"gdp"'}, None,
                               "second_variable: column 'gdp' is not in data.csv"),
    "model y absent": ({("model", "y"): '"gdp"'}, None, "[model] y: column 'gdp' is not in"),
    "model keys without y": ({("model", "draws"): "50"}, None,
                             "[model] y is required with [model] draws"),
    "negative balance": ({}, set_cell(Q, -5.0),
                         f"The data table has values a study cannot use: {Q}, 2015, 淄博市 "
                         "(370300): negative"),
    "missing balance": ({}, set_cell(Q, None),
                        f"The data table has values a study cannot use: {Q}, 2015, 淄博市 "
                        "(370300): missing"),
    "fractional year": ({}, set_cell("年份", 2012.7, year=2016),
                        "data.csv: column '年份' has values that are not whole years"),
    "years reversed": ({("data", "years"): "[2016, 2014]"}, None,
                       "[data] years = [2016, 2014]: expected [first, last]"),
    "years one value": ({("data", "years"): "[2015]"}, None,
                        "[data] years = [2015]: expected [first, last]"),
    "years outside the table": ({("data", "years"): "[1990, 2016]"}, None,
                                "[data] years = [1990, 2016] is outside the table's years"),
    "years without rows": ({("data", "years"): "[2008, 2010]"},
                           RAW[RAW["年份"].isin([2004, 2016])],
                           "[data] years = [2008, 2010]: data.csv has no rows in those years"),
    "map years absent": ({("maps", "years"): "[2010]"}, None,
                         "[maps] years: 2010 not among the study's years"),
    "map classes one": ({("maps", "k"): "1"}, None, "[maps] k: must be ≥ 2 (got 1)"),
    "dynamics classes one": ({("dynamics", "k"): "1"}, None, "[dynamics] k: must be ≥ 2 (got 1)"),
    "user_defined without bins": ({("maps", "scheme"): '"user_defined"'}, None,
                                  "[maps] bins is required with scheme = 'user_defined'"),
    "language unknown": ({("maps", "lang"): '"fr"'}, None,
                         "[maps] lang = 'fr' is not a label language"),
    "layer unknown": ({("boundaries", "layer"): '"atlantis"'}, None,
                      "[boundaries] layer: no bundled layer 'atlantis'"),
    "layer and file": ({("boundaries", "file"): '"data.csv"'}, None,
                       "[boundaries]: give either layer or file, not both"),
    "boundary name column absent": ({("boundaries", "name"): '"nom"'}, None,
                                    "[boundaries] name: column 'nom' is not in the boundary file"),
    "grouping unknown": ({("grouping", "name"): '"nope"'}, None,
                         "[grouping] name: no bundled grouping 'nope'"),
    "wide layout with two quantities": (
        {("data", "layout"): '"wide"', ("data", "quantity"): '["a", "b"]'}, None,
        "[data] quantity: with layout = 'wide' give one name"),
    "encoding unknown": ({("data", "encoding"): '"nope-enc"'}, None,
                         '[data] encoding = "nope-enc": not a known encoding'),
    "wrong encoding": ({("data", "encoding"): '"latin-1"'}, None,
                       "[data] file: data.csv is not a readable table"),
    "row longer than the header": ({}, f"城市,年份,{Q}\n济南市,2015,1,2,3\n",
                                   "[data] file: data.csv has rows with more cells than its "
                                   "header (the first begins 济南市, 2015"),
    "header only": ({}, f"城市,年份,{Q}\n", "[data] file: data.csv has no data rows"),
    "unit not in the layer": ({}, set_cell("城市", "亚特兰蒂斯市", year=2016),
                              "[data] unit: 1 value(s) of '城市' in data.csv match no unit of "
                              "the boundaries: '亚特兰蒂斯市'"),
    "duplicate unit and year": ({}, pd.concat([RAW, RAW[RAW["年份"] == 2016].iloc[[3]]]),
                                "Several rows match the same unit and year: (370400, 2016)"),
}  # fmt: skip


def write_case(folder, change, data, invalid=False):
    sections = {section: dict(keys) for section, keys in BASE.items()}
    for (section, key), value in change.items():
        sections.setdefault(section, {})[key] = value
    if isinstance(data, str):
        (folder / "data.csv").write_text(data, encoding="utf-8")
    else:
        (RAW if data is None else data).to_csv(folder / "data.csv", index=False)
    lines = []
    for section, keys in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value}" for key, value in keys.items() if value is not None]
    text = "\n".join(lines) + "\n"
    if invalid:
        text = "[data\nfile = 1\n"
    (folder / "study.toml").write_text(text, encoding="utf-8")
    return folder / "study.toml"


def run_cli(path, out, capsys):
    code = main(["run", str(path), "-o", str(out)])
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_input_is_one_clear_line_and_no_output(tmp_path, capsys, name):
    change, data, message = CASES[name]
    path = write_case(tmp_path, change, data, invalid=name == "invalid TOML")
    out = tmp_path / "out"
    code, err = run_cli(path, out, capsys)
    errors = [line for line in err.splitlines() if line.startswith("geoagglom: error: ")]
    assert code == 2
    assert len(errors) == 1, err
    assert message in errors[0]
    # progress lines aside, nothing else on stderr: no traceback, no second message
    assert all(line.startswith("geoagglom: ") for line in err.splitlines()), err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "study.toml"]


def test_a_missing_study_file_is_one_line(tmp_path, capsys):
    code, err = run_cli(tmp_path / "study.toml", tmp_path / "out", capsys)
    assert code == 2
    assert err == f"geoagglom: error: Study file not found: {tmp_path / 'study.toml'}\n"
    assert not (tmp_path / "out").exists()


def test_an_existing_output_folder_is_left_as_it_was(tmp_path, capsys):
    path = write_case(tmp_path, {}, None)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    code, err = run_cli(path, out, capsys)
    assert code == 2
    assert err.splitlines()[-1].startswith("geoagglom: error: The output folder ")
    assert "exists and is not empty" in err and "--overwrite" in err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"
