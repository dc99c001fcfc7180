"""The sparse contingency table of two label maps, shared by every overlap metric.

Superpixel metrics (UE, ASA, EV), partition metrics (covering, PRI, VoI, adapted Rand
error) and panoptic quality are all functions of one table: how many pixels carry
label ``i`` in one map and label ``j`` in the other.  :func:`contingency` builds it in
O(N + K) with Numba, never O(N^2) and never a dense ``Ka x Kb`` matrix unless that
matrix is small.
"""
from dataclasses import dataclass

import numpy as np

from .._numba import jit
from .._validate import check_label_map, check_same_shape
from ._result import Result

__all__ = ["Contingency", "contingency", "label_list", "relabel", "table_of",
           "table_with"]

_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Contingency(Result):
    """Sparse contingency table of two label maps ``a`` (its rows) and ``b`` (its
    columns); for :func:`contingency`, ``a`` is ``y_true`` and ``b`` is ``y_pred``.
    Fields are named by rows and columns, not by true/pred, because the metrics
    also build tables the other way round.

    Attributes
    ----------
    row_labels, col_labels : ndarray of int64, shapes (Ka,), (Kb,)
        The distinct labels present in each map (among counted pixels), ascending.
        (For uint64 maps with values above 2**63 - 1 these are uint64.)
    rows, cols : ndarray of intp, shape (nnz,)
        Indices into ``row_labels`` / ``col_labels`` of each nonzero cell, sorted by
        ``(rows, cols)``.
    counts : ndarray of int64, shape (nnz,)
        Number of pixels labelled ``row_labels[rows[k]]`` in ``a`` and
        ``col_labels[cols[k]]`` in ``b``.  All positive.
    row_sizes, col_sizes : ndarray of int64, shapes (Ka,), (Kb,)
        Marginals: pixels per label of ``a`` / ``b`` (all positive).
    n : int
        Number of counted pixels (``counts.sum()``).
    """
    row_labels: np.ndarray
    col_labels: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    row_sizes: np.ndarray
    col_sizes: np.ndarray
    n: int

    def to_dense(self):
        """The table as a dense ``(Ka, Kb)`` int64 array (only for small tables)."""
        out = np.zeros((self.row_labels.size, self.col_labels.size), np.int64)
        out[self.rows, self.cols] = self.counts
        return out


def contingency(y_true, y_pred, *, mask=None):
    """Count pixel pairs of two label maps of the same shape.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Label maps of equal shape (any dimensionality).  Any integer labels: negative,
        non-contiguous and huge values are all fine; 0 is an ordinary label here
        (metrics decide what it means).
    mask : array_like of bool, optional
        Count only pixels where ``mask`` is true.  A mask selecting no pixel gives an
        empty table (``n == 0``).

    Returns
    -------
    Contingency
        Rows (``row_labels``, ``row_sizes``) are ``y_true``, columns ``y_pred``.

    Notes
    -----
    ``row_labels`` is relabelled to ``0..K-1`` through a dense lookup table when its
    label range is at most a few times the pixel count, otherwise through
    ``np.unique``.  The pairs are counted straight into a dense ``Ka x range(b)`` array
    when that is no larger than about ``2 N`` (one pass; runs of equal pixels are
    counted at once), otherwise ``col_labels`` is relabelled too and pixels are grouped
    on their ``a`` index (a counting sort) and each group's ``b`` indices counted in a
    scratch row: O(N + Ka + Kb) time and memory either way.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import contingency
    >>> t = contingency(np.array([[1, 1, 2]]), np.array([[7, 9, 9]]))
    >>> t.row_labels.tolist(), t.col_labels.tolist()
    ([1, 2], [7, 9])
    >>> t.to_dense().tolist()
    [[1, 1], [0, 1]]
    >>> t.row_sizes.tolist(), t.col_sizes.tolist(), t.n
    ([2, 1], [1, 2], 3)
    """
    a = check_label_map(y_true, "y_true")
    b = check_label_map(y_pred, "y_pred")
    check_same_shape(a, b, "y_true", "y_pred")
    shape = a.shape
    a, b = a.ravel(), b.ravel()
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype.kind not in "biu":
            raise TypeError(f"mask must be a boolean array, got dtype {m.dtype}")
        if m.shape != shape:
            raise ValueError(f"mask has shape {m.shape} but the label maps have "
                             f"shape {shape}; they must match")
        m = m.ravel() != 0
        a, b = a[m], b[m]
    return table_with(*relabel(a), b)


def label_list(y_true, name="y_true"):
    """One label map, or a list/tuple of them (several annotators), as a list."""
    if isinstance(y_true, (list, tuple)):
        if not y_true:
            raise ValueError(f"{name} is an empty list; give at least one ground truth")
        if isinstance(y_true[0], np.ndarray) or np.ndim(y_true[0]) >= 2:
            return list(y_true)
    return [y_true]


def _int64_range(flat):
    """``(flat as int64, min, max)``, or None when int64 cannot hold the labels."""
    if flat.dtype.kind == "u" and flat.dtype.itemsize == 8 and flat.max() > _INT64_MAX:
        return None
    flat = np.ascontiguousarray(flat, dtype=np.int64)
    return flat, int(flat.min()), int(flat.max())  # Python ints: spans cannot overflow


def relabel(flat):
    """Map a 1-D integer array to ``0..K-1`` in ascending label order.

    Returns ``(index int32 array, unique labels, sizes int64)``.  Building block of
    :func:`contingency`, shared inside :mod:`classicseg.metrics` so that callers
    comparing one map with several others relabel it once.
    """
    n = flat.size
    if n == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64)
    rng = _int64_range(flat)
    if rng is not None and rng[2] - rng[1] <= 4 * n + 1024:
        return _dense_relabel(rng[0], rng[1], rng[2] - rng[1] + 1)
    uniq, inv, sizes = np.unique(flat, return_inverse=True, return_counts=True)
    return inv.astype(np.int32).ravel(), uniq, sizes.astype(np.int64)


def table_with(ia, ua, sa, b):
    """Contingency of a relabelled map (the output of :func:`relabel`) with a raw
    flat label array ``b``.

    When ``b``'s label range is small, pairs are counted straight into a dense
    ``Ka x range`` table (one pass, no relabelling of ``b``): the common case of a
    segmentation against annotators with a few dozen labels each.
    """
    rng = _int64_range(b) if b.size else None
    if rng is not None:
        span = rng[2] - rng[1] + 1
        if ua.size * span <= 2 * b.size + 4096:
            rows, cols, counts, ub, sb = _pairs_direct(ia, ua.size, rng[0], rng[1], span)
            return Contingency(ua, ub, rows, cols, counts, sa, sb, int(b.size))
    return table_of(ia, ua, sa, *relabel(b))


def table_of(ia, ua, sa, ib, ub, sb):
    """Contingency of two relabelled maps (outputs of :func:`relabel`)."""
    ka, kb = ua.size, ub.size
    if ka * kb <= 2 * ia.size + 4096:
        rows, cols, counts, _, _ = _pairs_direct(ia, ka, ib, 0, kb)
    else:
        rows, cols, counts = _pairs_grouped(ia, ib, ka, kb)
    return Contingency(ua, ub, rows, cols, counts, sa, sb, int(ia.size))


@jit
def _rl_count(a, scale, b, lo, size):
    """Histogram of the keys ``a[i] * scale + b[i] - lo`` (in ``0..size-1``).

    Counted by runs: neighbouring pixels mostly share a key, and repeated increments
    of one bin would stall on store-to-load forwarding.
    """
    hist = np.zeros(size, np.int64)
    if a.size == 0:
        return hist
    cur = np.int64(a[0]) * scale + b[0] - lo
    run = 0
    for i in range(a.size):
        key = np.int64(a[i]) * scale + b[i] - lo
        if key != cur:
            hist[cur] += run
            cur = key
            run = 0
        run += 1
    hist[cur] += run
    return hist


@jit
def _compress(counts, lo):
    """Present values of a histogram over ``lo..``: (lookup value -> 0..K-1, the
    values, their counts)."""
    lut = np.empty(counts.size, np.intp)
    k = 0
    for v in range(counts.size):
        lut[v] = k
        if counts[v] > 0:
            k += 1
    values = np.empty(k, np.int64)
    sizes = np.empty(k, np.int64)
    for v in range(counts.size):
        if counts[v] > 0:
            values[lut[v]] = v + lo
            sizes[lut[v]] = counts[v]
    return lut, values, sizes


@jit
def _dense_relabel(flat, lo, span):
    lut, uniq, sizes = _compress(_rl_count(flat, 0, flat, lo, span), lo)
    out = np.empty(flat.size, np.int32)
    for i in range(flat.size):
        out[i] = lut[flat[i] - lo]
    return out, uniq, sizes


@jit
def _pairs_direct(ia, ka, b, lo, span):
    """Pairs of relabelled ``ia`` (0..ka-1) and raw ``b`` (lo..lo+span-1) through a
    dense ``ka x span`` table; also returns ``b``'s present labels and sizes."""
    dense = _rl_count(ia, span, b, lo, ka * span)
    colsum = np.zeros(span, np.int64)
    nnz = 0
    for r in range(ka):
        for v in range(span):
            c = dense[r * span + v]
            colsum[v] += c
            nnz += 1 if c > 0 else 0
    lut, col_labels, col_sizes = _compress(colsum, lo)
    rows = np.empty(nnz, np.intp)
    cols = np.empty(nnz, np.intp)
    counts = np.empty(nnz, np.int64)
    k = 0
    for r in range(ka):
        for v in range(span):
            c = dense[r * span + v]
            if c > 0:
                rows[k] = r
                cols[k] = lut[v]
                counts[k] = c
                k += 1
    return rows, cols, counts, col_labels, col_sizes


@jit
def _pairs_grouped(ia, ib, ka, kb):
    n = ia.size
    start = np.zeros(ka + 1, np.int64)
    for i in range(n):
        start[ia[i] + 1] += 1
    for r in range(ka):
        start[r + 1] += start[r]
    # counting sort of the b indices by a index
    fill = start[:-1].copy()
    grouped = np.empty(n, np.int32)
    for i in range(n):
        grouped[fill[ia[i]]] = ib[i]
        fill[ia[i]] += 1
    scratch = np.zeros(kb, np.int64)
    rows = np.empty(n, np.intp)
    cols = np.empty(n, np.intp)
    counts = np.empty(n, np.int64)
    nnz = 0
    for r in range(ka):
        first = nnz
        for p in range(start[r], start[r + 1]):
            c = grouped[p]
            if scratch[c] == 0:
                cols[nnz] = c
                nnz += 1
            scratch[c] += 1
        cols[first:nnz] = np.sort(cols[first:nnz])
        for q in range(first, nnz):
            rows[q] = r
            counts[q] = scratch[cols[q]]
            scratch[cols[q]] = 0
    return rows[:nnz].copy(), cols[:nnz].copy(), counts[:nnz].copy()
