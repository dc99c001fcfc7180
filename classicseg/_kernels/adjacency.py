"""The region adjacency graph of a label map: its edges as arrays, or as a sparse
matrix."""
import numpy as np

from .._lazy import lazy_module
from .._numba import jit
from .._validate import check_label_map
from .neighbours import neighbour_steps

sparse = lazy_module("scipy.sparse")

__all__ = ["check_labels", "region_adjacency", "region_edges"]

_INT32 = np.iinfo(np.int32)
_NO_VALUES = np.empty((0, 0, 0), np.float32)   # gradient_magnitude's dtype: one
                                                # compilation serves both


def region_adjacency(labels, connectivity=1):
    """Which regions of a label map touch, and along how many pixel pairs.

    Parameters
    ----------
    labels : (H, W) or (D, H, W) array of int
        Regions 1..K; 0 (or negative) = no region, never a node.
    connectivity : int
        Pixels are neighbours across faces (1) ... corners (``labels.ndim``).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (K, K), int64
        Symmetric; entry (i, j) is the number of neighbouring pixel pairs with
        labels i + 1 and j + 1 (the boundary length, for ``connectivity=1``);
        no diagonal.  K is the largest label.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg._kernels import region_adjacency
    >>> rag = region_adjacency(np.array([[1, 1, 2], [3, 3, 2]]))
    >>> rag.toarray().tolist()
    [[0, 1, 2], [1, 0, 1], [2, 1, 0]]
    """
    k, edges, counts, _ = region_edges(labels, connectivity)
    a, b = edges[:, 0], edges[:, 1]
    return sparse.csr_matrix((np.concatenate([counts, counts]),
                              (np.concatenate([a, b]), np.concatenate([b, a]))),
                             shape=(k, k), dtype=np.int64)


def check_labels(labels, connectivity):
    """Return ``labels`` as a validated 2-D or 3-D label array, or raise a
    ValueError/TypeError naming ``labels`` or ``connectivity``."""
    arr = check_label_map(labels, "labels")
    if arr.ndim not in (2, 3):
        raise ValueError(f"labels has {arr.ndim} dimensions (shape {arr.shape}); "
                         "expected a 2-D or 3-D label map")
    if not (isinstance(connectivity, (int, np.integer))
            and 1 <= connectivity <= arr.ndim):
        raise ValueError(f"connectivity must be an int in 1..{arr.ndim}, got "
                         f"{connectivity!r}")
    return arr


def region_edges(labels, connectivity=1, values=None):
    """The edges of a label map's region adjacency graph, each once, with their
    boundary lengths and, optionally, the mean of a pixel value along them.

    Parameters
    ----------
    labels, connectivity
        As for :func:`region_adjacency` (validated here).
    values : float32 or float64 array of the shape of ``labels``, optional
        A value per pixel (e.g. a gradient magnitude), validated by the caller.

    Returns
    -------
    k : int
        The largest label: the number of nodes, node i being label i + 1.
    edges : (E, 2) int64
        Node pairs (i, j), i < j, in lexicographic order.
    counts : (E,) int64
        Neighbouring pixel pairs across each edge.
    means : (E,) float64 or None
        Per edge, the mean over its pixel pairs (p, q) of
        ``(values[p] + values[q]) / 2``; None without ``values``.
    """
    arr = check_labels(labels, connectivity)
    k = max(int(arr.max()), 0)
    fits = _INT32.min <= arr.min() and k <= _INT32.max
    lab = np.ascontiguousarray(arr.reshape((1,) * (3 - arr.ndim) + arr.shape),
                               dtype=np.int32 if fits else np.int64)
    steps = neighbour_steps(arr.ndim, connectivity)
    forward = steps[[tuple(s[s != 0][:1]) > (0,) for s in steps]]  # each pair once
    steps3 = np.ascontiguousarray(np.pad(forward, ((0, 0), (3 - arr.ndim, 0))))
    g = _NO_VALUES if values is None else np.ascontiguousarray(values).reshape(lab.shape)
    keys, pair_values = _pair_keys(lab, steps3, k, g)
    means = None
    if values is None:
        pairs, counts = np.unique(keys, return_counts=True)
    else:
        pairs, inverse, counts = np.unique(keys, return_inverse=True,
                                           return_counts=True)
        means = np.bincount(inverse.ravel(), weights=pair_values,
                            minlength=pairs.size) / np.maximum(counts, 1)
    edges = np.stack([pairs // max(k, 1), pairs % max(k, 1)], axis=1)
    return k, edges.astype(np.int64, copy=False), counts.astype(np.int64, copy=False), means


@jit
def _pair_keys(lab, steps, k, g):
    """(min - 1) * k + (max - 1) for every neighbouring pixel pair of two different
    regions (``steps``: the forward half of the neighbour steps, (s, 3)) and, when
    ``g`` is not empty (it then has the shape of ``lab``), ``(g[p] + g[q]) / 2``
    of each pair (else an empty array)."""
    Z, Y, X = lab.shape
    with_values = g.size > 0
    keys = np.empty(0, np.int64)
    pair_values = np.empty(0, np.float64)
    for fill in range(2):   # count, then fill
        n = 0
        for z in range(Z):
            for y in range(Y):
                for s in range(steps.shape[0]):
                    zz, yy, dx = z + steps[s, 0], y + steps[s, 1], steps[s, 2]
                    if not (0 <= zz < Z and 0 <= yy < Y):
                        continue
                    for x in range(max(0, -dx), min(X, X - dx)):   # x + dx inside
                        a = lab[z, y, x]
                        b = lab[zz, yy, x + dx]
                        if a != b and a > 0 and b > 0:
                            if fill:
                                keys[n] = (min(a, b) - 1) * k + max(a, b) - 1
                                if with_values:
                                    pair_values[n] = 0.5 * (np.float64(g[z, y, x])
                                                            + np.float64(g[zz, yy, x + dx]))
                            n += 1
        if not fill:
            keys = np.empty(n, np.int64)
            if with_values:
                pair_values = np.empty(n, np.float64)
    return keys, pair_values
