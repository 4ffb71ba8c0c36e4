"""The habits of the package: one version, type marker, citation metadata."""

import re
import tomllib
from pathlib import Path

import geoagglom

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_single_sourced():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "geoagglom/__init__.py"
    source = (ROOT / "geoagglom" / "__init__.py").read_text(encoding="utf-8")
    (written,) = re.findall(r'^__version__ = "([^"]+)"$', source, re.M)
    assert written == geoagglom.__version__


def test_citation_names_the_current_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    (version,) = re.findall(r"^version: (\S+)$", text, re.M)
    assert version == geoagglom.__version__


def test_typed_marker_ships_in_the_package():
    assert (ROOT / "geoagglom" / "py.typed").is_file()


def test_readme_figure_is_small():
    figure = ROOT / "docs" / "img" / "demo_entropy_map.png"
    assert figure.stat().st_size < 150_000
    assert "docs/img/demo_entropy_map.png" in (ROOT / "README.md").read_text(encoding="utf-8")
