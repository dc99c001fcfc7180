"""A min-heap on four parallel arrays: value, age, index, payload.

Entries are ordered by ``(value, age)``; ``index`` and ``payload`` ride along.  The
caller owns the arrays and the size ``n`` (:func:`heap_push` and :func:`heap_pop`
neither grow nor count): the hot loops keep both in registers.  Sifting moves a
hole instead of swapping.

``log2_arity`` (default 2: four children per node, half the levels of a binary heap)
only matters for entries with equal ``(value, age)``: on such ties the push stops
below an equal parent and the pop keeps the first of equal children and stops above
an equal child, so with ``log2_arity=1`` and a constant age the pops are exactly
those of the classic binary heap (``keys[parent] <= key``).  With unique keys (e.g.
ages in push order) every arity pops in the same, sorted, order.

Users: the watershed's flooding queues (:mod:`classicseg._watershed_kernels`), the
BSDS-exact assignment's Dijkstra search (:mod:`classicseg.metrics.boundary`) and
:func:`classicseg.labels.adjust_segment_count`.
"""
import numpy as np

from .._numba import jit

__all__ = ["heap_grow", "heap_new", "heap_pop", "heap_push"]


@jit
def heap_new(n, values=np.float64):
    """Empty heap arrays (value, age, index, payload) with room for ``n`` entries;
    ages, indices and payloads are int64, values of dtype ``values``."""
    return (np.empty(n, values), np.empty(n, np.int64), np.empty(n, np.int64),
            np.empty(n, np.int64))


@jit
def heap_grow(hv, ha, hi, hs):
    """The heap arrays copied into arrays of twice the room."""
    n = hv.size
    hv2, ha2, hi2, hs2 = (np.empty(2 * n, hv.dtype), np.empty(2 * n, np.int64),
                          np.empty(2 * n, np.int64), np.empty(2 * n, np.int64))
    hv2[:n] = hv
    ha2[:n] = ha
    hi2[:n] = hi
    hs2[:n] = hs
    return hv2, ha2, hi2, hs2


@jit
def _move(hv, ha, hi, hs, dst, src):
    hv[dst] = hv[src]
    ha[dst] = ha[src]
    hi[dst] = hi[src]
    hs[dst] = hs[src]


@jit
def heap_push(hv, ha, hi, hs, n, v, a, i, s, log2_arity=2):
    """Insert (v, a, i, s) into the heap of size ``n`` (its arrays must have room)."""
    k = n
    while k > 0:
        parent = (k - 1) >> log2_arity
        pv = hv[parent]
        if pv < v or (pv == v and ha[parent] <= a):
            break
        _move(hv, ha, hi, hs, k, parent)
        k = parent
    hv[k] = v
    ha[k] = a
    hi[k] = i
    hs[k] = s


@jit
def heap_pop(hv, ha, hi, hs, n, log2_arity=2):
    """Remove the root of the heap of size ``n`` (read entry 0 first)."""
    n -= 1
    v = hv[n]
    a = ha[n]
    k = 0  # sift the last entry down from the root
    while True:
        first = (k << log2_arity) + 1
        if first >= n:
            break
        c = first
        for j in range(first + 1, min(first + (1 << log2_arity), n)):
            if hv[j] < hv[c] or (hv[j] == hv[c] and ha[j] < ha[c]):
                c = j
        if v < hv[c] or (v == hv[c] and a <= ha[c]):
            break
        _move(hv, ha, hi, hs, k, c)
        k = c
    _move(hv, ha, hi, hs, k, n)
