"""Run encoding of a label map: maximal runs of equal label along rows.

One encoder for every run-based kernel: :mod:`classicseg.labels` (connected
components, small-segment merging, on SLIC's cold-start and 6 Mpx paths) and the
instance metrics (:mod:`classicseg.metrics.instance`, which join runs continuing
onto the next row into runs of the flat pixel order).

Parallel over rows, in two passes (count, then fill) that allocate with np.empty
only: in a parallel kernel every np.zeros / np.full is a parallel region of its own,
compiled separately (seconds of cold start-up).
"""
import numpy as np

from .._numba import jit, prange

__all__ = ["label_runs"]


@jit(parallel=True)
def label_runs(labels, mask):
    """Maximal runs of equal label along x inside the mask, in raster order.

    ``labels`` and ``mask`` (any dtype, nonzero = inside) are (Z, Y, X).  Returns
    (row_start, x0, x1, value): the runs of row r = z * Y + y are
    row_start[r]:row_start[r + 1], covering x0 <= x < x1."""
    Z, Y, X = labels.shape
    n_rows = Z * Y
    counts = np.empty(n_rows + 1, np.int64)
    counts[0] = 0
    for r in prange(n_rows):
        z, y = r // Y, r % Y
        n = 0
        for x in range(X):
            if mask[z, y, x] and (x == 0 or not mask[z, y, x - 1]
                                  or labels[z, y, x] != labels[z, y, x - 1]):
                n += 1
        counts[r + 1] = n
    row_start = np.cumsum(counts)
    x0 = np.empty(row_start[n_rows], np.int64)
    x1 = np.empty(row_start[n_rows], np.int64)
    value = np.empty(row_start[n_rows], np.int64)
    for r in prange(n_rows):
        z, y = r // Y, r % Y
        i = row_start[r]
        x = 0
        while x < X:
            if not mask[z, y, x]:
                x += 1
                continue
            v = labels[z, y, x]
            x0[i] = x
            while x < X and mask[z, y, x] and labels[z, y, x] == v:
                x += 1
            x1[i] = x
            value[i] = v
            i += 1
    return row_start, x0, x1, value
