"""Superpixels as inputs of graph and convolutional networks.

:func:`superpixel_graph` turns an image and its superpixels into the arrays a graph
network takes, in torch_geometric's layout (``x``, ``pos``, ``edge_index``,
``edge_attr``; ``Data(**{k: torch.from_numpy(v) for k, v in g.items()})``), edges
included (torch_geometric's ``ToSLIC`` gives nodes only).  :func:`superpixel_pool`
and :func:`superpixel_unpool` move per-pixel feature maps to superpixels and back,
with a fixed-size option so that batches stack.
"""
import numpy as np

from ._numba import jit
from ._validate import check_choice, check_positive, to_float

__all__ = ["NODE_FEATURES", "EDGE_FEATURES", "superpixel_graph", "superpixel_pool",
           "superpixel_unpool"]

NODE_FEATURES = ("mean_L", "mean_a", "mean_b", "std_L", "std_a", "std_b",
                 "mean_R", "mean_G", "mean_B", "std_R", "std_G", "std_B",
                 "centroid_x", "centroid_y", "area", "bbox_left", "bbox_top",
                 "bbox_right", "bbox_bottom")
"""Columns of ``x``: Lab and RGB (0..1) statistics, centroid and box in pixels
(right/bottom exclusive), area in pixels."""

EDGE_FEATURES = ("color_distance", "boundary_length")
"""Columns of ``edge_attr``: CIELAB distance of the mean colours, shared boundary in
4-neighbour pixel pairs."""


def superpixel_graph(image, labels, *, channel_axis=-1):
    """The region adjacency graph of ``labels`` as graph-network arrays.

    Parameters
    ----------
    image : (H, W, 3) RGB or (H, W) gray array
    labels : (H, W) int array
        Superpixels 1..K (0 = none: no node).
    channel_axis : int or None

    Returns
    -------
    dict of NumPy arrays
        ``x`` (K, 19) float32 (:data:`NODE_FEATURES`), ``pos`` (K, 2) float32
        centroids (x, y), ``edge_index`` (2, 2E) int64 with both directions of each
        pair of adjacent superpixels (node i = label i + 1, sorted by source then
        target), ``edge_attr`` (2E, 2) float32 (:data:`EDGE_FEATURES`).
    """
    from .color import check_rgb, lab_planes
    from .features import _as_rgb
    from .graph import region_adjacency_graph
    rgb = _as_rgb(image, channel_axis)
    labels = np.asarray(labels)
    if labels.shape != rgb.shape[:2] or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers of shape {rgb.shape[:2]}, got "
                         f"{labels.dtype} {labels.shape}")
    if rgb.dtype.kind == "f":
        check_rgb(rgb)
    graph = region_adjacency_graph(np.maximum(labels, 0), gradient=False)
    unit_rgb = np.moveaxis(to_float(rgb), -1, 0)     # integers scaled to 0..1
    planes = np.concatenate([lab_planes(rgb), unit_rgb.astype(np.float32)])
    count, xy, box, mean, std = _node_statistics(
        np.ascontiguousarray(labels, np.int64), planes, graph.n_nodes)
    x = np.concatenate([mean[:, :3], std[:, :3], mean[:, 3:], std[:, 3:], xy,
                        count[:, None], box], 1)
    pairs = graph.edges
    both = np.concatenate([pairs, pairs[:, ::-1]])
    distance = np.linalg.norm(mean[pairs[:, 0], :3] - mean[pairs[:, 1], :3], axis=1)
    attr = np.stack([distance, graph.boundary_length], 1)
    attr = np.concatenate([attr, attr])
    order = np.lexsort((both[:, 1], both[:, 0]))
    return {"x": x.astype(np.float32), "pos": xy.astype(np.float32),
            "edge_index": np.ascontiguousarray(both[order].T),
            "edge_attr": attr[order].astype(np.float32)}


@jit
def _node_statistics(labels, planes, k):
    """Per node i (label i + 1; labels <= 0 are no node): pixel count, centroid
    (x, y), bounding box (left, top, right, bottom; right and bottom exclusive), and
    each plane's mean and standard deviation, from a second pass over the
    deviations (no cancellation: a flat region's is exactly 0).  Nodes of no pixel
    get zeros."""
    C, H, W = planes.shape
    count = np.zeros(k, np.int64)
    xy = np.zeros((k, 2))
    box = np.empty((k, 4), np.int64)
    box[:, :2] = max(H, W)
    box[:, 2:] = 0
    mean = np.zeros((k, C))
    std = np.zeros((k, C))
    for y in range(H):
        for x in range(W):
            node = labels[y, x] - 1
            if node < 0:
                continue
            count[node] += 1
            xy[node, 0] += x
            xy[node, 1] += y
            box[node, 0] = min(box[node, 0], x)
            box[node, 1] = min(box[node, 1], y)
            box[node, 2] = max(box[node, 2], x + 1)
            box[node, 3] = max(box[node, 3], y + 1)
            for c in range(C):
                mean[node, c] += planes[c, y, x]
    for node in range(k):
        n = max(count[node], 1)
        xy[node] /= n
        mean[node] /= n
        if count[node] == 0:
            box[node] = 0
    for y in range(H):
        for x in range(W):
            node = labels[y, x] - 1
            if node < 0:
                continue
            for c in range(C):
                d = planes[c, y, x] - mean[node, c]
                std[node, c] += d * d
    for node in range(k):
        std[node] = np.sqrt(std[node] / max(count[node], 1))
    return count, xy, box, mean, std


def superpixel_pool(feature_map, labels, reduce="mean", *, size=None):
    """Per-superpixel reduction of a feature map.

    Parameters
    ----------
    feature_map : (H, W) or (H, W, C) array
    labels : (H, W) int array
        Superpixels 1..K; pixels <= 0 are left out.
    reduce : {"mean", "max", "sum"}
    size : int, optional
        Fixed number of rows: superpixels beyond it are dropped, missing rows are
        zeros; a mask says which rows are superpixels (labels that have pixels).

    Returns
    -------
    (K, C) float64 (C = 1 for a 2-D map), or with ``size``: ((size, C), (size,)
    bool mask).  A label of no pixel gets a zero row.
    """
    check_choice(reduce, "reduce", ("mean", "max", "sum"))
    values, flat = _flat(feature_map, labels)
    k = max(int(flat.max(initial=0)), 0)
    if values.dtype not in (np.float32, np.float64):
        values = values.astype(np.float64)
    out, count = _pool(flat, np.ascontiguousarray(values), k, reduce == "max",
                       reduce == "mean")
    if size is None:
        return out
    size = check_positive(size, "size", integer=True)
    fixed, mask = np.zeros((size, out.shape[1])), np.zeros(size, bool)
    fixed[:min(k, size)] = out[:size]
    mask[:min(k, size)] = count[:size] > 0
    return fixed, mask


@jit
def _pool(flat, values, k, take_max, average):
    """Row i: the sum (or max, or mean) of the ``values`` rows of label i + 1, and
    the pixel count of each label; labels <= 0 are left out, a label of no pixel
    gets a zero row."""
    out = np.full((k, values.shape[1]), -np.inf if take_max else 0.0)
    count = np.zeros(k, np.int64)
    for p in range(flat.size):
        node = flat[p] - 1
        if node < 0:
            continue
        count[node] += 1
        for c in range(values.shape[1]):
            v = values[p, c]
            if take_max:
                if v > out[node, c] or v != v:     # NaN propagates, as np.max
                    out[node, c] = v
            else:
                out[node, c] += v
    for node in range(k):
        if count[node] == 0:
            out[node] = 0.0
        elif average:
            out[node] /= count[node]
    return out, count


def superpixel_unpool(values, labels):
    """Paint per-superpixel ``values`` ((K,) or (K, C), row i = label i + 1) back on
    the pixels of ``labels``; pixels <= 0 (or beyond K) get 0."""
    values = np.asarray(values)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if values.ndim not in (1, 2):
        raise ValueError(f"values must be (K,) or (K, C), got shape {values.shape}")
    k = values.shape[0]
    valid = (labels > 0) & (labels <= k)
    padded = np.concatenate([np.zeros((1,) + values.shape[1:], values.dtype), values])
    return padded[np.where(valid, labels, 0)]


def _flat(feature_map, labels):
    fmap = np.asarray(feature_map)
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if fmap.shape[:2] != labels.shape or fmap.ndim not in (2, 3):
        raise ValueError(f"feature_map must be (H, W) or (H, W, C) with (H, W) = "
                         f"labels' {labels.shape}, got {fmap.shape}")
    return fmap.reshape(labels.size, -1), labels.ravel().astype(np.int64)
