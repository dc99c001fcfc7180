"""The region adjacency graph of a label map, as a sparse matrix."""
import numpy as np

from .._lazy import lazy_module
from .._numba import jit
from .._validate import check_label_map
from .neighbours import neighbour_steps

sparse = lazy_module("scipy.sparse")

__all__ = ["region_adjacency"]


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
    arr = check_label_map(labels, "labels")
    if arr.ndim not in (2, 3):
        raise ValueError(f"labels has {arr.ndim} dimensions (shape {arr.shape}); "
                         "expected a 2-D or 3-D label map")
    if not (isinstance(connectivity, (int, np.integer))
            and 1 <= connectivity <= arr.ndim):
        raise ValueError(f"connectivity must be an int in 1..{arr.ndim}, got "
                         f"{connectivity!r}")
    k = max(int(arr.max()), 0)
    lab = np.ascontiguousarray(arr.reshape((1,) * (3 - arr.ndim) + arr.shape),
                               dtype=np.int64)
    steps = neighbour_steps(arr.ndim, connectivity)
    forward = steps[[tuple(s[s != 0][:1]) > (0,) for s in steps]]  # each pair once
    steps3 = np.ascontiguousarray(np.pad(forward, ((0, 0), (3 - arr.ndim, 0))))
    keys = _pair_keys(lab, steps3, k)
    pairs, counts = np.unique(keys, return_counts=True)
    a, b = pairs // max(k, 1), pairs % max(k, 1)
    return sparse.csr_matrix((np.concatenate([counts, counts]),
                              (np.concatenate([a, b]), np.concatenate([b, a]))),
                             shape=(k, k), dtype=np.int64)


@jit
def _pair_keys(lab, steps, k):
    """(min - 1) * k + (max - 1) for every neighbouring pixel pair of two different
    regions (``steps``: the forward half of the neighbour steps, (s, 3))."""
    Z, Y, X = lab.shape
    keys = np.empty(0, np.int64)
    for fill in range(2):   # count, then fill
        n = 0
        for z in range(Z):
            for y in range(Y):
                for x in range(X):
                    a = lab[z, y, x]
                    if a <= 0:
                        continue
                    for s in range(steps.shape[0]):
                        zz, yy, xx = z + steps[s, 0], y + steps[s, 1], x + steps[s, 2]
                        if not (0 <= zz < Z and 0 <= yy < Y and 0 <= xx < X):
                            continue
                        b = lab[zz, yy, xx]
                        if b > 0 and b != a:
                            if fill:
                                keys[n] = (min(a, b) - 1) * k + max(a, b) - 1
                            n += 1
        if not fill:
            keys = np.empty(n, np.int64)
    return keys
