"""classicseg: fast classical image segmentation and superpixels.

The segmenters and helpers are functions of this package (``classicseg.slic``,
``classicseg.watershed``, ``classicseg.segment`` ...).  The submodules that are
layers of their own (``metrics``, ``evaluation``, ``io``, ``batch``, ``datasets``,
``graph``, ``features``, ``shallow``, ``gnn``, ``segmenters``, ``testing``) are
reachable as attributes.  Every name is imported on first use, so ``import
classicseg`` (and ``classicseg --help``) loads neither Numba nor OpenCV.
"""
import importlib
import sys
import types

__version__ = "0.1.0"

_SUBMODULES = ("batch", "datasets", "evaluation", "features", "gnn", "graph", "io",
               "metrics", "segmenters", "shallow", "testing")
# The package's functions and classes: name -> the submodule that defines it.
_NAMES = {
    "lab2rgb": "color", "rgb2lab": "color",
    "gradient_magnitude": "filters",
    "enforce_connectivity": "labels", "relabel_sequential": "labels",
    "mean_shift": "meanshift",
    "ncut": "ncut", "ncut_superpixels": "ncut",
    "segment": "segmenters",
    "slic": "slic",
    "find_boundaries": "viz", "label_colors": "viz", "mark_boundaries": "viz",
    "grid_markers": "watershed", "h_minima_markers": "watershed",
    "regional_minima": "watershed", "watershed": "watershed",
    "watershed_segmentation": "watershed",
    "RegionAdjacencyGraph": "graph", "region_adjacency_graph": "graph",
    "ShallowSegmenter": "shallow",
    "superpixel_graph": "gnn", "superpixel_pool": "gnn", "superpixel_unpool": "gnn",
}

__all__ = sorted(_NAMES) + list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value   # later reads do not come here
        return value
    raise AttributeError(f"module 'classicseg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_NAMES))


class _Package(types.ModuleType):
    """Keeps ``classicseg.slic`` the function: importing the submodule of the same
    name (``import classicseg.slic``) would otherwise set the attribute to it."""

    def __setattr__(self, name, value):
        if name in _NAMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
