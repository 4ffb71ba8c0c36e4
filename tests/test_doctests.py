"""The examples in the public docstrings run, as the installed package."""

import doctest
import importlib
import pkgutil

import pytest

import geoagglom

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(geoagglom.__path__, "geoagglom.")
    if ".boundaries" not in m.name and ".demo" not in m.name and m.name != "geoagglom.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"geoagglom": geoagglom}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
