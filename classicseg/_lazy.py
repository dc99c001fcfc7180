"""Modules imported on first attribute access, so that ``import classicseg`` stays
light (SciPy's ndimage and sparse cost a quarter of a second to import)."""
import importlib.util
import sys

__all__ = ["lazy_module"]


def lazy_module(name):
    """``name`` as a module that is executed when one of its attributes is first
    read (the standard library's :class:`importlib.util.LazyLoader` recipe)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
