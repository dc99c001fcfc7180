"""classicseg: fast classical image segmentation and superpixels.

The segmenters and helpers are functions of this package (``classicseg.slic``,
``classicseg.watershed``, ``classicseg.segment`` ...).  The submodules that are
layers of their own (``metrics``, ``evaluation``, ``io``, ``batch``, ``datasets``,
``graph``, ``features``, ``shallow``, ``gnn``, ``segmenters``, ``testing``) are reachable as attributes and imported on
first use, so ``import classicseg`` loads neither OpenCV nor the metrics;
``classicseg.region_adjacency_graph`` and ``RegionAdjacencyGraph`` import ``graph``,
``ShallowSegmenter`` ``shallow``, ``superpixel_graph``/``_pool``/``_unpool`` ``gnn``.
"""
import importlib

__version__ = "0.1.0"

from .color import lab2rgb, rgb2lab  # noqa: E402
from .filters import gradient_magnitude  # noqa: E402
from .labels import enforce_connectivity, relabel_sequential  # noqa: E402
from .meanshift import mean_shift  # noqa: E402
from .ncut import ncut, ncut_superpixels  # noqa: E402
from .segmenters import segment  # noqa: E402
from .slic import slic  # noqa: E402
from .viz import find_boundaries, label_colors, mark_boundaries  # noqa: E402
from .watershed import (grid_markers, h_minima_markers, regional_minima,  # noqa: E402
                        watershed, watershed_segmentation)

_SUBMODULES = ("batch", "datasets", "evaluation", "features", "gnn", "graph", "io",
               "metrics", "segmenters", "shallow", "testing")
# Names of the package defined in a lazy submodule: name -> submodule.
_LAZY_NAMES = {"RegionAdjacencyGraph": "graph", "region_adjacency_graph": "graph",
               "ShallowSegmenter": "shallow", "superpixel_graph": "gnn",
               "superpixel_pool": "gnn", "superpixel_unpool": "gnn"}

__all__ = ["RegionAdjacencyGraph", "ShallowSegmenter", "enforce_connectivity", "find_boundaries",
           "gradient_magnitude", "grid_markers", "h_minima_markers", "lab2rgb",
           "label_colors", "mark_boundaries", "mean_shift", "ncut", "ncut_superpixels",
           "region_adjacency_graph",
           "regional_minima", "relabel_sequential", "rgb2lab", "segment", "slic",
           "superpixel_graph", "superpixel_pool", "superpixel_unpool",
           "watershed", "watershed_segmentation", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'classicseg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_LAZY_NAMES))
