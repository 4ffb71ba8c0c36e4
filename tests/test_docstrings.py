"""Every public class documents how it is built: a numpydoc Parameters section."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import geoagglom


def _public_classes():
    for info in pkgutil.walk_packages(geoagglom.__path__, "geoagglom."):
        if info.name.endswith("__main__") or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and not name.startswith("_") and obj.__module__ == info.name:
                yield f"{info.name}.{name}", obj


def test_public_classes_have_a_parameters_section():
    classes = dict(_public_classes())
    assert "geoagglom.spatial.global_stats.Moran" in classes  # the walk finds them
    missing = [
        name
        for name, cls in classes.items()
        if "\nParameters\n----------\n" not in "\n" + inspect.cleandoc(cls.__doc__ or "")
    ]
    assert missing == []
