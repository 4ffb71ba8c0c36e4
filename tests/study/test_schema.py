"""The study-file schema: one declaration validates files, maps keywords and writes the docs."""

import re
import tomllib
from pathlib import Path

import pytest

from geoagglom import options
from geoagglom.errors import StudyConfigError
from geoagglom.study.config import StudyConfig, demo_dir
from geoagglom.study.schema import KEYS, SECTIONS, reference_markdown, validate

ROOT = Path(__file__).resolve().parents[2]


def test_readme_reference_is_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- study-reference:start -->\n(.*?)\n<!-- study-reference:end -->", readme, re.S
    )
    assert block is not None, "the README lost its study-file reference"
    assert block.group(1) == reference_markdown()


def test_every_key_of_the_readme_and_demo_examples_is_in_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    for text in (example, (demo_dir() / "study.toml").read_text(encoding="utf-8")):
        for section, values in tomllib.loads(text).items():
            if isinstance(values, dict):
                assert set(values) <= set(SECTIONS[section]), section
            else:
                assert section in SECTIONS[""]


def test_enumerated_keys_take_their_values_from_the_registry():
    registered = set(map(id, options.OPTIONS.values()))
    for key in KEYS:
        if key.kind in ("option", "options"):
            assert id(key.option) in registered, key.label
            for value in key.option.values:
                assert f"`{value}`" in reference_markdown()


def test_defaults_are_valid_values():
    config = {"data": {"file": "x.csv", "unit": "u", "year": "y", "quantity": "q"}}
    values = validate(config)
    for key in KEYS:
        if key.default is not None and key.kind in ("option", "options"):
            assert values[key.section][key.name] == key.default


def test_a_study_file_is_validated_before_anything_is_read(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text('[data]\nfile = "missing.csv"\nunit = "u"\nyear = "y"\n', encoding="utf-8")
    with pytest.raises(StudyConfigError, match=r"^study\.toml: \[data\] quantity is required"):
        StudyConfig.from_toml(path)


def test_indices_and_weights_tables_round_trip_through_toml():
    from geoagglom.study.schema import to_toml

    config = {
        "data": {"file": "x.csv", "unit": "u", "year": "y", "quantity": "q"},
        "measures": {
            "indices": ["GINI", "ge( 2.0 )", "Atkinson(0.5)"],
            "inequality_weights": {"theil": "population", "GE(2)": "area"},
        },
    }
    values = validate(config)
    assert values["measures"]["indices"] == ["gini", "ge(2)", "atkinson(0.5)"]
    assert values["measures"]["inequality_weights"] == {"theil": "population", "ge(2)": "area"}
    text = to_toml(values)
    assert 'inequality_weights = { theil = "population", "ge(2)" = "area" }' in text
    again = validate({k: v for k, v in tomllib.loads(text).items() if isinstance(v, dict)})
    assert again["measures"] == values["measures"]
