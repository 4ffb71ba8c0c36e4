"""Public names of a subpackage imported on first use (start-up stays light)."""

import sys
from importlib import import_module


def lazy_names(package, public):
    """``__getattr__`` and ``__dir__`` for a package whose names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    public : dict
        Public name -> the module that defines it.

    Returns
    -------
    tuple of callable
        The package's ``__getattr__`` (which caches each name it imports in the
        package) and ``__dir__``.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name):
        module = public.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(public) | set(namespace))

    return __getattr__, __dir__
