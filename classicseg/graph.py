"""Region adjacency graphs (RAGs) of label maps: regions as nodes, touching regions
joined by an edge, with the statistics region-merging and graph-cut methods weigh
(sizes, centroids, mean colours, boundary lengths and boundary gradients).

The edges come from one scan of the label map (the shared kernel of
:func:`classicseg._kernels.region_adjacency`), the region statistics from its row
runs (:func:`classicseg._kernels.runs.label_runs`, with the per-run feature sums of
:mod:`classicseg.labels`) summed per region with ``np.bincount``: no Python loop
over regions or pixels, except in the conversions to and from networkx, whose
graphs are Python dicts.
"""
import numbers
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ._kernels.adjacency import check_labels, region_edges
from ._kernels.runs import label_runs
from ._lazy import lazy_module
from ._numba import serial_if_small
from ._validate import (check_array, check_finite, check_positive, check_same_shape,
                        float_dtype_for, spatial_image)
from .color import check_rgb, lab_planes
from .filters import gradient_magnitude
from .labels import _run_sums

sparse = lazy_module("scipy.sparse")

__all__ = ["RegionAdjacencyGraph", "region_adjacency_graph"]

_COLOR_SPACES = ("auto", "lab", "image")
_INT32 = np.iinfo(np.int32)
# A largest label beyond 4 per pixel + 2**20 is refused: the graph's node arrays
# would hold mostly absent labels (relabel the map first).
_NODES_PER_PIXEL, _SPARE_NODES = 4, 2 ** 20
# Edge attributes of to_networkx that a weight may not overwrite.
_EDGE_ATTRIBUTES = ("boundary_length", "boundary_gradient")


def region_adjacency_graph(labels, image=None, *, connectivity=1, color_space="auto",
                           gradient=None, channel_axis=-1):
    """The region adjacency graph of a label map, with per-region and per-edge
    statistics.

    Parameters
    ----------
    labels : (H, W) or (D, H, W) array of int
        Regions 1..K, K = ``labels.max()``; 0 (or negative) = no region: not a node,
        nobody's neighbour.  A label of 1..K that does not occur is a node of size
        0 without edges (centroid and mean colour NaN).
    image : array_like, optional
        The image the regions segment: the shape of ``labels``, plus a channel axis
        (``channel_axis``) unless gray (``channel_axis=None``).  No NaN/inf.
    connectivity : int, optional
        Pixels are neighbours across faces (1) ... corners (``labels.ndim``); two
        regions are adjacent when one of their pixels are neighbours.
    color_space : {"auto", "lab", "image"}, optional
        The colour each region's ``mean_color`` averages.  "auto": CIELAB
        (:func:`classicseg.rgb2lab`) for RGB images (3 channels, or 4 with the alpha
        dropped), else the image's values as the library reads images (integers
        scaled by their dtype's range to [0, 1], floats as given).  "lab": CIELAB,
        for RGB(A) images only.  "image": the image's values unscaled (uint8 stays
        0..255, every channel kept), as ``skimage.graph.rag_mean_color`` averages.
    gradient : (H, W) or (D, H, W) array_like or False, optional
        A per-pixel value whose boundary mean each edge gets; by default, with an
        image, ``gradient_magnitude(image, channel_axis=channel_axis)``; False: no
        ``boundary_gradient`` (saves the gradient's time).  float32
        stays float32 (its boundary means are float64 regardless).  No NaN/inf.
    channel_axis : int or None, optional
        Axis of the image's channels; None for a gray image.

    Returns
    -------
    RegionAdjacencyGraph
        Nodes 0..K-1 (label i + 1 is node i); ``mean_color`` is None without an
        image, ``boundary_gradient`` None without an image or a gradient.

    Raises
    ------
    ValueError
        If ``labels`` is not 2-D or 3-D or its largest label exceeds 4 per pixel
        + 2**20 (relabel it first), ``connectivity`` is out of range, the image
        or gradient does not match the label map's shape or holds NaN/inf, or
        ``color_space`` is unknown (or "lab" for an image that is not RGB).
    TypeError
        If ``labels`` is not an integer array, or the image or gradient is not
        numeric.

    Notes
    -----
    CIELAB is computed in float32, as for SLIC and the watershed; every mean is
    summed in float64.  Mean colours of "image" on integer images and the sizes,
    centroids and boundary lengths are exact.

    Unlike scikit-image's ``RAG``, label 0 is not a node here, and
    ``connectivity`` defaults to 1 (``skimage.graph.rag_mean_color`` uses 2).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.graph import region_adjacency_graph
    >>> labels = np.array([[1, 1, 2],
    ...                    [1, 1, 2],
    ...                    [3, 3, 3]])
    >>> gray = np.array([[0, 0, 9],
    ...                  [0, 0, 9],
    ...                  [5, 5, 5]], np.uint8)
    >>> rag = region_adjacency_graph(labels, gray, color_space="image",
    ...                              channel_axis=None)
    >>> rag
    RegionAdjacencyGraph(n_nodes=3, n_edges=3, mean_color=(3, 1), boundary_gradient=(3,))
    >>> rag.edges.tolist(), rag.boundary_length.tolist()
    ([[0, 1], [0, 2], [1, 2]], [2, 2, 1])
    >>> rag.size.tolist(), rag.mean_color[:, 0].tolist()
    ([4, 2, 3], [0.0, 9.0, 5.0])
    >>> rag.color_distance().tolist()
    [9.0, 5.0, 4.0]
    >>> sorted(rag.to_networkx().edges)
    [(1, 2), (1, 3), (2, 3)]
    """
    arr = check_labels(labels, connectivity)
    k = max(int(arr.max()), 0)
    if k > _NODES_PER_PIXEL * arr.size + _SPARE_NODES:
        raise ValueError(f"labels holds label {k} but only {arr.size} pixels: the "
                         f"graph would have {k} nodes, nearly all of size 0; number "
                         "the regions 1..K first (classicseg.relabel_sequential)")
    if not isinstance(color_space, str) or color_space not in _COLOR_SPACES:
        raise ValueError(f"color_space must be 'auto', 'lab' or 'image', got "
                         f"{color_space!r}")
    planes, scale = None, 1.0
    if image is not None:
        planes, scale = _color_planes(image, arr.shape, color_space, channel_axis)
    if gradient is False:
        values = None
    elif gradient is not None:
        values = check_array(gradient, "gradient")
        check_same_shape(values, arr, "gradient", "labels")
        values = values.astype(float_dtype_for(values.dtype), copy=False)
        check_finite(values, "gradient")
    elif image is not None:
        values = gradient_magnitude(image, channel_axis=channel_axis)
    else:
        values = None
    with serial_if_small(arr.size):
        k, edges, boundary_length, boundary_gradient = region_edges(arr, connectivity,
                                                                    values)
        size, coordinate_sums, color_sums = _region_sums(arr, k, planes)
    with np.errstate(invalid="ignore", divide="ignore"):   # size 0: NaN
        centroid = coordinate_sums / size[:, None]
        mean_color = None if planes is None else color_sums / size[:, None] * scale
    return RegionAdjacencyGraph(k, edges, boundary_length, size, centroid, mean_color,
                                boundary_gradient)


def _color_planes(image, shape, color_space, channel_axis):
    """The colour features of ``image`` as C-contiguous planes (C, *shape), float32
    where that is exact, and the factor their means are multiplied by."""
    arr, has_channels = spatial_image(image, channel_axis)
    spatial = arr.shape[:-1] if has_channels else arr.shape
    if spatial != shape:
        hint = ("; pass channel_axis=None for a gray image"
                if has_channels and np.shape(image) == shape else "")
        raise ValueError(f"image has spatial shape {spatial} but labels has shape "
                         f"{shape}; they must match{hint}")
    rgb = has_channels and arr.shape[-1] in (3, 4)
    if color_space == "lab" and not rgb:
        raise ValueError(f"color_space='lab' needs an RGB image (3 or 4 channels "
                         f"along channel_axis), got image of shape {np.shape(image)} "
                         f"with channel_axis={channel_axis}; use color_space='auto' "
                         "or 'image' for other images")
    if rgb and color_space != "image":
        arr = arr[..., :3]
        if arr.dtype.kind == "f":
            check_rgb(arr)
        return lab_planes(arr), 1.0
    exact32 = arr.dtype.kind == "b" or arr.dtype.itemsize <= 2 or arr.dtype == np.float32
    planes = np.ascontiguousarray(np.moveaxis(arr, -1, 0) if has_channels else arr[None],
                                  dtype=np.float32 if exact32 else np.float64)
    check_finite(planes, "image")
    if color_space == "auto" and arr.dtype.kind in "iu":   # as to_float scales
        return planes, 1.0 / float(np.iinfo(arr.dtype).max)
    return planes, 1.0


def _region_sums(labels, k, planes):
    """Per region 1..k: the pixel count (k,) int64, the sums of the pixels'
    coordinates (k, ndim) and of the feature ``planes`` (k, C) (None without
    planes), from the label map's row runs."""
    ndim = labels.ndim
    vol = labels.reshape((1,) * (3 - ndim) + labels.shape)
    fits = _INT32.min <= vol.min() and vol.max() <= _INT32.max
    vol = np.ascontiguousarray(vol, dtype=np.int32 if fits else np.int64)
    row_start, x0, x1, value = label_runs(vol, vol > 0)
    Z, Y, X = vol.shape
    length = x1 - x0
    row = np.repeat(np.arange(Z * Y), np.diff(row_start))
    run_coordinates = [row // Y, row % Y][3 - ndim:]
    weights = [length * c for c in run_coordinates] + [length * (x0 + x1 - 1) // 2]
    if planes is not None:
        weights += list(_run_sums(planes.reshape(-1, Z, Y, X), row_start, x0, x1).T)

    def per_region(w):
        return np.bincount(value, weights=w, minlength=k + 1)[1:]

    size = per_region(length).astype(np.int64)
    sums = np.stack([per_region(w) for w in weights], axis=1)
    return size, sums[:, :ndim], None if planes is None else sums[:, ndim:]


@dataclass(frozen=True, eq=False, repr=False)
class RegionAdjacencyGraph:
    """A region adjacency graph: regions as nodes 0..K-1 (node i is label i + 1),
    each pair of touching regions joined by one undirected edge.

    Built by :func:`region_adjacency_graph`; arrays are read-only copies.

    Attributes
    ----------
    n_nodes : int
        K, the largest label.
    edges : (E, 2) int64
        Node pairs (i, j), i < j, each edge once, in lexicographic order.
    boundary_length : (E,) int64
        Neighbouring pixel pairs (at the graph's connectivity) across each edge.
    size : (K,) int64
        Pixels per region (0 for labels that do not occur).
    centroid : (K, ndim) float64
        Mean pixel coordinates (row, col), or (plane, row, col) in 3-D; NaN for
        size-0 nodes.
    mean_color : (K, C) float64 or None
        Mean colour in the colour space used (NaN for size-0 nodes); None without
        an image.
    boundary_gradient : (E,) float64 or None
        Per edge, the mean over its neighbouring pixel pairs (p, q) of
        ``(g[p] + g[q]) / 2``; None without an image or a gradient ``g``.
    """

    n_nodes: int
    edges: np.ndarray
    boundary_length: np.ndarray
    size: np.ndarray
    centroid: np.ndarray
    mean_color: Optional[np.ndarray] = None
    boundary_gradient: Optional[np.ndarray] = None

    def __post_init__(self):
        k = check_positive(self.n_nodes, "n_nodes", integer=True, allow_zero=True)
        edges = np.asarray(self.edges)
        if edges.ndim != 2 or edges.shape[1] != 2:
            raise ValueError(f"edges has shape {edges.shape}; expected (E, 2)")
        n_edges = edges.shape[0]
        ndim = np.shape(self.centroid)[1:2] or (2,)
        channels = np.shape(self.mean_color)[1:2] or (0,)
        fields = {"n_nodes": k,
                  "edges": _frozen(edges, "edges", (n_edges, 2), np.int64),
                  "boundary_length": _frozen(self.boundary_length, "boundary_length",
                                             (n_edges,), np.int64),
                  "size": _frozen(self.size, "size", (k,), np.int64),
                  "centroid": _frozen(self.centroid, "centroid", (k, ndim[0]),
                                      np.float64),
                  "mean_color": _frozen(self.mean_color, "mean_color", (k, channels[0]),
                                        np.float64),
                  "boundary_gradient": _frozen(self.boundary_gradient,
                                               "boundary_gradient", (n_edges,),
                                               np.float64)}
        i, j = fields["edges"].T
        keys = i * max(k, 1) + j
        if n_edges and not ((0 <= i).all() and (i < j).all() and (j < k).all()
                            and (np.diff(keys) > 0).all()):
            raise ValueError(f"edges must be node pairs (i, j) with 0 <= i < j < "
                             f"n_nodes={k}, each once, in lexicographic order")
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __repr__(self):
        def shape(a):
            return None if a is None else a.shape
        return (f"RegionAdjacencyGraph(n_nodes={self.n_nodes}, n_edges={self.n_edges}, "
                f"mean_color={shape(self.mean_color)}, "
                f"boundary_gradient={shape(self.boundary_gradient)})")

    @property
    def n_edges(self):
        """E, the number of edges."""
        return self.edges.shape[0]

    def color_distance(self):
        """(E,) float64: the Euclidean distance between the mean colours of each
        edge's regions.  Needs ``mean_color`` (a graph built with an image)."""
        if self.mean_color is None:
            raise ValueError("color_distance needs mean colours: build the graph with "
                             "an image, region_adjacency_graph(labels, image)")
        diff = self.mean_color[self.edges[:, 0]] - self.mean_color[self.edges[:, 1]]
        return np.linalg.norm(diff, axis=1)

    def similarity(self, sigma):
        """(E,) float64: ``exp(-d**2 / sigma**2)`` of each edge's colour distance d.

        ``sigma`` (> 0) is in the units of ``mean_color``.  The 'similarity' mode of
        ``skimage.graph.rag_mean_color(..., sigma=s)`` computes
        ``exp(-d**2 / s)``: the same weights are ``similarity(np.sqrt(s))`` (with
        ``color_space="image"`` and ``connectivity=2``, its defaults).
        """
        sigma = check_positive(sigma, "sigma")
        d = self.color_distance()
        return np.exp(-d ** 2 / sigma ** 2)

    def adjacency(self, weights=None):
        """The (K, K) symmetric scipy.sparse CSR matrix of the edge ``weights``
        ((E,) numbers, finite; default ``boundary_length``), float64, no diagonal."""
        w = self._edge_values(weights)
        i, j = self.edges[:, 0], self.edges[:, 1]
        return sparse.csr_matrix((np.concatenate([w, w]),
                                  (np.concatenate([i, j]), np.concatenate([j, i]))),
                                 shape=(self.n_nodes, self.n_nodes), dtype=np.float64)

    def degree(self):
        """(K,) int64: the number of neighbours of each node."""
        return np.bincount(self.edges.ravel(), minlength=self.n_nodes).astype(np.int64)

    def to_networkx(self, weights=None, name="weight"):
        """The graph as a ``networkx.Graph`` whose nodes are the labels 1..K, as
        scikit-image's ``RAG``.

        Node attributes: "labels" (``[label]``, as skimage's RAG, for its
        ``cut_threshold`` and ``cut_normalized``), "pixel count" (int), "centroid"
        (tuple of floats), "mean color" (float64 array; when present).  Edge
        attributes: ``name`` = the edge's entry of ``weights`` (when given; (E,)
        numbers), "boundary_length" (int), "boundary_gradient" (float; when present).
        Graph attributes "ndim", "color channels" and "boundary gradient" let
        :meth:`from_networkx` rebuild graphs without nodes or edges exactly.
        """
        import networkx as nx

        if weights is not None:
            weights = self._edge_values(weights).tolist()
            if not isinstance(name, str) or name in _EDGE_ATTRIBUTES:
                raise ValueError(f"name must be a string other than "
                                 f"{' and '.join(map(repr, _EDGE_ATTRIBUTES))} (the "
                                 f"attributes to_networkx sets), got {name!r}")
        has_color = self.mean_color is not None
        graph = nx.Graph(ndim=self.centroid.shape[1],
                         **{"color channels": self.mean_color.shape[1] if has_color
                            else None,
                            "boundary gradient": self.boundary_gradient is not None})
        labels = range(1, self.n_nodes + 1)
        nodes = [{"labels": [n], "pixel count": s, "centroid": tuple(c)}
                 for n, s, c in zip(labels, self.size.tolist(), self.centroid.tolist())]
        if has_color:
            for attributes, color in zip(nodes, self.mean_color.copy()):
                attributes["mean color"] = color
        graph.add_nodes_from(zip(labels, nodes))
        edges = [{"boundary_length": b} for b in self.boundary_length.tolist()]
        for values, key in ((self.boundary_gradient, "boundary_gradient"),
                            (weights, name)):
            if values is not None:
                for attributes, v in zip(edges, np.asarray(values).tolist()):
                    attributes[key] = v
        graph.add_edges_from(zip(*(self.edges + 1).T.tolist(), edges))
        return graph

    @classmethod
    def from_networkx(cls, graph):
        """The graph of a ``networkx.Graph`` made by :meth:`to_networkx` (nodes the
        labels 1..K with "pixel count" and "centroid", optionally "mean color";
        edges with "boundary_length", optionally "boundary_gradient"): the inverse
        of :meth:`to_networkx`, array for array."""
        nodes = list(graph.nodes)
        k = len(nodes)
        if not (all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                    for n in nodes) and sorted(nodes) == list(range(1, k + 1))):
            raise ValueError(f"graph must have the labels 1..K as nodes (K = its "
                             f"number of nodes, {k}), as to_networkx makes them")
        node_data = [graph.nodes[n] for n in range(1, k + 1)]
        size = _attribute(node_data, "pixel count", "nodes")
        centroid = _attribute(node_data, "centroid", "nodes")
        centroid = (np.asarray(centroid, np.float64) if k else
                    np.empty((0, graph.graph.get("ndim", 2))))
        mean_color = _attribute(node_data, "mean color", "nodes", optional=True)
        channels = graph.graph.get("color channels")
        if mean_color is not None:
            mean_color = (np.asarray(mean_color, np.float64) if k else
                          np.empty((0, channels)) if channels else None)
        pairs = np.asarray(list(graph.edges), np.int64).reshape(-1, 2) - 1
        edge_data = [d for _, _, d in graph.edges(data=True)]
        if (pairs[:, 0] == pairs[:, 1]).any():
            raise ValueError("graph has self-loops; a region adjacency graph has none")
        lo, hi = pairs.min(axis=1), pairs.max(axis=1)
        order = np.lexsort((hi, lo))
        boundary_length = np.asarray(_attribute(edge_data, "boundary_length", "edges"),
                                     np.int64)
        boundary_gradient = _attribute(edge_data, "boundary_gradient", "edges",
                                       optional=True)
        if boundary_gradient is not None:
            boundary_gradient = np.asarray(boundary_gradient, np.float64)
            if not edge_data and not graph.graph.get("boundary gradient", False):
                boundary_gradient = None
        return cls(k, np.stack([lo, hi], axis=1)[order], boundary_length[order],
                   np.asarray(size, np.int64), centroid, mean_color,
                   None if boundary_gradient is None else boundary_gradient[order])

    def _edge_values(self, values):
        """``values`` (default ``boundary_length``) as (E,) finite float64."""
        if values is None:
            return self.boundary_length.astype(np.float64)
        w = np.asarray(values)
        if w.dtype.kind not in "biuf":
            raise TypeError(f"weights must be an array of numbers, got dtype {w.dtype}")
        if w.shape != (self.n_edges,):
            raise ValueError(f"weights has shape {w.shape}; expected ({self.n_edges},), "
                             "one number per edge (in the order of graph.edges)")
        w = w.astype(np.float64)
        check_finite(w, "weights")
        return w


def _frozen(value, name, shape, dtype):
    """``value`` as a read-only copy of ``dtype`` and ``shape`` (None stays None),
    or raise naming ``name``."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in ("iu" if dtype == np.int64 else "iuf"):
        raise TypeError(f"{name} has dtype {arr.dtype}; expected {np.dtype(dtype)}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}; expected {shape}")
    arr = arr.astype(dtype)   # a copy
    arr.flags.writeable = False
    return arr


def _attribute(items, key, what, optional=False):
    """The ``key`` attribute of every node's or edge's dict in ``items``; with
    ``optional``, None when no item has it (an empty list when ``items`` is)."""
    present = [key in d for d in items]
    if optional and not any(present) and items:
        return None
    if not all(present):
        raise ValueError(f"graph {what} lack the {key!r} attribute (on "
                         f"{present.count(False)} of {len(items)}); expected a graph "
                         "made by RegionAdjacencyGraph.to_networkx")
    return [d[key] for d in items]
