"""Boundary precision, recall and F-measure, computed as the BSDS500 benchmark does.

The benchmark (Martin, Fowlkes & Malik, TPAMI 26(5) 2004; Arbelaez et al., TPAMI 33(5)
2011) scores a machine boundary map against several human boundary maps:

* a label map becomes a boundary map through ``seg2bdry`` (a pixel is a boundary pixel
  when its label differs from a neighbour on the doubled-resolution grid, subsampled
  back) and every machine map is thinned with ``bwmorph(bmap, 'thin', Inf)``;
* ``correspondPixels`` matches machine and human boundary pixels *one to one*: the
  minimum-cost bipartite assignment where a pair within ``maxDist`` costs its distance
  and an unmatched pixel costs ``100 * maxDist``;
* per image, recall pools the annotators (``cntR / sumR``: human pixels matched, summed
  over annotators) and precision counts machine pixels matched to *any* annotator
  (``cntP / sumP``);
* over a dataset the counts are summed (:class:`BoundaryAccumulator`), and
  ``collect_eval_bdry`` turns a parameter sweep into ODS / OIS / AP
  (:func:`boundary_ods_ois`).
"""
import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._kernels.boundary import BLOCK, label_boundaries
from .._kernels.heap import heap_new, heap_pop, heap_push
from .._numba import jit
from .._validate import check_array, check_positive, check_same_shape
from ._result import Result, check_mergeable

__all__ = ["BoundaryAccumulator", "BoundaryBenchmark", "BoundaryPRF", "DEFAULT_TOLERANCE",
           "boundaries_from_labels", "boundary_ods_ois", "boundary_pr_curve",
           "boundary_prf", "check_counts"]

_METHODS = ("exact", "distance")
_MULTIPLIER = 100      # correspondPixels' float -> int cost scale
_OUTLIER_COST = 100.0  # an unmatched pixel costs this many times maxDist
DEFAULT_TOLERANCE = 0.0075  # the benchmark's maxDist, a fraction of the diagonal


@dataclass(frozen=True)
class BoundaryPRF(Result):
    """Boundary precision/recall/F with the counts they come from.

    Fields are scalars for one setting, or 1-D arrays (one entry per threshold or
    setting) from :func:`boundary_pr_curve`.  The counts are named as in the BSDS
    code so that they can be summed over images (as ``collect_eval_bdry`` does) and
    compared with its ``*_ev1.txt`` files.

    Attributes
    ----------
    precision : float
        ``cntP / sumP`` (0 when ``sumP == 0``, as in the benchmark).
    recall : float
        ``cntR / sumR`` (0 when ``sumR == 0``).
    f : float
        ``2 P R / (P + R)`` (0 when ``P + R == 0``).
    cntP : int
        Machine boundary pixels matched to at least one annotator.
    sumP : int
        Machine boundary pixels (after thinning).
    cntR : int
        Human boundary pixels matched, summed over annotators.
    sumR : int
        Human boundary pixels, summed over annotators.
    thresholds : ndarray of float or None
        For a curve: the threshold (or setting index 1..n) of each entry; None for
        one setting.
    """
    precision: float
    recall: float
    f: float
    cntP: int
    sumP: int
    cntR: int
    sumR: int
    thresholds: Optional[np.ndarray] = None

    @classmethod
    def from_counts(cls, cntP, sumP, cntR, sumR, thresholds=None):
        """Build from counts with the benchmark's zero conventions."""
        cntP, sumP, cntR, sumR = (np.asarray(c, dtype=np.int64) for c in
                                  (cntP, sumP, cntR, sumR))
        p = cntP / (sumP + (sumP == 0))
        r = cntR / (sumR + (sumR == 0))
        f = _fmeasure(r, p)
        if p.ndim == 0:
            return cls(float(p), float(r), float(f), int(cntP), int(sumP), int(cntR),
                       int(sumR))
        return cls(p, r, f, cntP, sumP, cntR, sumR, thresholds)

    @property
    def counts(self):
        """``(cntP, sumP, cntR, sumR)`` as an int64 array (last axis of length 4)."""
        return np.stack([np.asarray(c, dtype=np.int64) for c in
                         (self.cntP, self.sumP, self.cntR, self.sumR)], axis=-1)


@dataclass(frozen=True)
class BoundaryBenchmark(Result):
    """Dataset-level boundary scores over a parameter sweep (``collect_eval_bdry``).

    Attributes
    ----------
    ods_f, ods_precision, ods_recall : float
        Optimal Dataset Scale: the best F of the pooled P/R curve, with the
        benchmark's linear interpolation between consecutive settings.
    ods_threshold : float
        The (interpolated) threshold or setting index where ODS is reached.
    ois_f, ois_precision, ois_recall : float
        Optimal Image Scale: counts pooled at each image's best setting.
    ap : float
        Area under the pooled precision-recall curve (recall grid 0:0.01:1).
    curve : BoundaryPRF
        The pooled P/R/F per setting (1-D arrays), as in ``eval_bdry_thr.txt``.
    thresholds : ndarray
        The thresholds (or setting indices) the curve is indexed by.
    """
    ods_f: float
    ods_precision: float
    ods_recall: float
    ods_threshold: float
    ois_f: float
    ois_precision: float
    ois_recall: float
    ap: float
    curve: BoundaryPRF
    thresholds: np.ndarray


def _fmeasure(r, p):
    return 2 * p * r / (p + r + ((p + r) == 0))


# ---------------------------------------------------------------------------------
# Boundary maps


def boundaries_from_labels(labels):
    """Boundary map of a label map, exactly as the BSDS benchmark's ``seg2bdry``.

    Label edges are drawn on the doubled-resolution grid (between pixels, plus the
    crossing points), the border row/column is copied from its neighbour, and the
    grid is subsampled back to image size (``seg2bdry(seg, 'imageSize')``).  The
    result is up to two pixels thick; the benchmark thins it before matching (see
    ``thin`` in :func:`boundary_prf`).  ``thin(boundaries_from_labels(seg))`` is
    identical to the ``Boundaries`` stored in the BSDS500 ground-truth files.

    Parameters
    ----------
    labels : (H, W) integer ndarray
        Any labels; only equality between neighbours matters.

    Returns
    -------
    (H, W) ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[1, 1, 2],
    ...                    [1, 1, 2],
    ...                    [1, 1, 2]])
    >>> boundaries_from_labels(labels).astype(int)
    array([[0, 1, 0],
           [0, 1, 0],
           [0, 1, 0]])
    """
    seg = _check_2d(labels, "labels", kind="labels")
    return _seg2bdry(seg)


def _seg2bdry(seg):
    """BSDS ``seg2bdry(seg, 'imageSize')``: a pixel is a boundary pixel when the 2x2
    block it starts (cut at the image border) holds two labels."""
    if seg.dtype.kind == "f":
        lab = np.ascontiguousarray(seg, dtype=np.float64)
    elif seg.dtype == np.uint64:   # only equality matters: the same bits as int64
        lab = np.ascontiguousarray(seg).view(np.int64)
    else:
        small = seg.dtype.itemsize < 4 or seg.dtype == np.int32
        lab = np.ascontiguousarray(seg, dtype=np.int32 if small else np.int64)
    return label_boundaries(lab.reshape((1,) + lab.shape), BLOCK).reshape(
        seg.shape).view(bool)


def _thin(bmap):
    """MATLAB's ``bwmorph(bmap, 'thin', Inf)`` (= ``skimage.morphology.thin``)."""
    return _thin_kernel(np.ascontiguousarray(bmap, dtype=np.bool_), _thin_luts())


@functools.lru_cache(maxsize=None)
def _thin_luts():
    """Deletion tables of the two sub-iterations of Guo & Hall's algorithm A1.

    Index bit k is neighbour x_{k+1}, counter-clockwise from east: E, NE, N, NW, W,
    SW, S, SE.
    """
    x = (np.arange(256)[:, None] >> np.arange(8)) & 1 == 1
    crossing = sum(~x[:, i] & (x[:, i + 1] | x[:, (i + 2) % 8]) for i in (0, 2, 4, 6))
    n1 = sum(x[:, i] | x[:, i + 1] for i in (0, 2, 4, 6))
    n2 = sum(x[:, i + 1] | x[:, (i + 2) % 8] for i in (0, 2, 4, 6))
    g12 = (crossing == 1) & np.isin(np.minimum(n1, n2), (2, 3))
    g3 = ~((x[:, 1] | x[:, 2] | ~x[:, 7]) & x[:, 0])
    g3p = ~((x[:, 5] | x[:, 6] | ~x[:, 3]) & x[:, 4])
    return np.stack([g12 & g3, g12 & g3p])


# ---------------------------------------------------------------------------------
# Kernels


@jit
def _disk_offsets(max_dist):
    """Offsets (dy, dx) with dy^2 + dx^2 <= max_dist^2 and their integer costs."""
    r = int(np.ceil(max_dist))
    n = 2 * r + 1
    dy = np.empty(n * n, np.int64)
    dx = np.empty(n * n, np.int64)
    cost = np.empty(n * n, np.int64)
    k = 0
    for v in range(-r, r + 1):
        for u in range(-r, r + 1):
            d2 = u * u + v * v
            if d2 > max_dist * max_dist:
                continue
            dy[k] = v
            dx[k] = u
            cost[k] = np.int64(np.rint(np.sqrt(d2) * 100))
            k += 1
    return dy[:k], dx[:k], cost[:k]


@jit
def _thin_kernel(bmap, luts):
    h, w = bmap.shape
    img = np.zeros((h + 2, w + 2), np.uint8)
    n = 0
    for y in range(h):
        for x in range(w):
            if bmap[y, x]:
                img[y + 1, x + 1] = 1
                n += 1
    pts = np.empty(n, np.int64)  # flat indices into img of the remaining pixels
    k = 0
    for y in range(h):
        for x in range(w):
            if bmap[y, x]:
                pts[k] = (y + 1) * (w + 2) + x + 1
                k += 1
    flat = img.ravel()
    stride = w + 2
    gone = np.empty(n, np.int64)
    changed = True
    while changed:
        changed = False
        for sub in range(2):
            ngone = 0
            # decide all deletions on the current image, then apply them
            for k in range(n):
                p = pts[k]
                code = (flat[p + 1] | flat[p - stride + 1] << 1 | flat[p - stride] << 2
                        | flat[p - stride - 1] << 3 | flat[p - 1] << 4
                        | flat[p + stride - 1] << 5 | flat[p + stride] << 6
                        | flat[p + stride + 1] << 7)
                if luts[sub, code]:
                    gone[ngone] = k
                    ngone += 1
            for g in range(ngone):
                flat[pts[gone[g]]] = 0
            if ngone > 0:
                changed = True
                m = 0
                for k in range(n):
                    if flat[pts[k]]:
                        pts[m] = pts[k]
                        m += 1
                n = m
    return img[1:-1, 1:-1] == 1


@jit
def _within(a, b, max_dist):
    """Pixels of ``a`` with a pixel of ``b`` within ``max_dist``."""
    h, w = a.shape
    dy, dx, _ = _disk_offsets(max_dist)
    out = np.zeros((h, w), np.bool_)
    for y in range(h):
        for x in range(w):
            if not a[y, x]:
                continue
            for k in range(dy.size):
                yy = y + dy[k]
                xx = x + dx[k]
                if 0 <= yy < h and 0 <= xx < w and b[yy, xx]:
                    out[y, x] = True
                    break
    return out


@jit
def _match_graph(pred, gt, max_dist):
    """Sparse bipartite graph of (pred pixel, gt pixel) pairs within ``max_dist``.

    Rows are the pred pixels with at least one gt pixel in reach (row-major order),
    columns are the gt pixels (row-major order).  Returns CSR ``indptr, cols,
    costs`` (costs ``rint(100 * distance)``), the flat pixel index of each row, and
    the number of columns.
    """
    h, w = pred.shape
    r = int(np.ceil(max_dist))
    half = np.full(2 * r + 1, -1, np.int64)  # half-width of the disk at each dy
    cost = np.empty((2 * r + 1, 2 * r + 1), np.int64)
    for v in range(-r, r + 1):
        for u in range(-r, r + 1):
            d2 = u * u + v * v
            cost[v + r, u + r] = np.int64(np.rint(np.sqrt(d2) * 100))
            if u >= 0 and d2 <= max_dist * max_dist:
                half[v + r] = u
    # gt pixels by row, x ascending; a gt pixel's column id is its position here
    rowptr = np.zeros(h + 1, np.int64)
    npred = 0
    for y in range(h):
        rowptr[y + 1] = rowptr[y]
        for x in range(w):
            rowptr[y + 1] += gt[y, x]
            npred += pred[y, x]
    gx = np.empty(rowptr[h], np.int64)
    k = 0
    for y in range(h):
        for x in range(w):
            if gt[y, x]:
                gx[k] = x
                k += 1
    indptr = np.zeros(npred + 1, np.int64)
    pix = np.empty(npred, np.int64)
    cols = np.empty(8 * npred + 8, np.int64)
    costs = np.empty(8 * npred + 8, np.int64)
    ptr = np.empty(2 * r + 1, np.int64)  # per dy: first gt pixel not left of the disk
    e = 0
    i = 0
    for y in range(h):
        for v in range(-r, r + 1):
            ptr[v + r] = rowptr[min(max(y + v, 0), h)]
        for x in range(w):
            if not pred[y, x]:
                continue
            start = e
            for v in range(-r, r + 1):
                yy = y + v
                m = half[v + r]
                if yy < 0 or yy >= h or m < 0:
                    continue
                end = rowptr[yy + 1]
                p = ptr[v + r]
                while p < end and gx[p] < x - m:
                    p += 1
                ptr[v + r] = p
                while p < end and gx[p] <= x + m:
                    if e == cols.size:  # grow by doubling
                        cols = np.concatenate((cols, np.empty_like(cols)))
                        costs = np.concatenate((costs, np.empty_like(costs)))
                    cols[e] = p
                    costs[e] = cost[v + r, gx[p] - x + r]
                    e += 1
                    p += 1
            if e > start:
                pix[i] = y * w + x
                i += 1
                indptr[i] = e
    return indptr[:i + 1], cols[:e], costs[:e], pix[:i], rowptr[h]


@jit
def _assign(indptr, cols, costs, ncol, outlier):
    """Minimum-cost assignment of every row to a column or to its private outlier.

    Row ``i`` may take column ``cols[e]`` at ``costs[e]`` or stay unmatched at cost
    ``outlier`` (column ``ncol + i``); columns are used at most once.  This is the
    shortest-augmenting-path method of Jonker & Volgenant / Crouse (as in
    ``scipy.optimize.linear_sum_assignment``) with a binary heap over the sparse
    columns, so each row only explores the neighbourhood it can improve.  Integer
    costs keep the result exact.  Returns ``col4row`` (-1 never occurs; >= ncol
    means unmatched).
    """
    nrow = indptr.size - 1
    ntot = ncol + nrow
    inf = np.int64(1) << 60
    u = np.zeros(nrow, np.int64)
    v = np.zeros(ntot, np.int64)
    col4row = np.full(nrow, -1, np.int64)
    row4col = np.full(ntot, -1, np.int64)
    dist = np.full(ntot, inf, np.int64)
    path = np.full(ntot, -1, np.int64)
    done = np.zeros(ntot, np.bool_)
    touched = np.empty(ntot, np.int64)
    rows_seen = np.empty(nrow, np.int64)
    # A binary heap of (key, column); the age is constant, so ties pop in the
    # binary heap's own order, the order this matching has always used.
    hkeys, hage, hcols, hpay = heap_new(cols.size + nrow + 1, np.int64)
    # Warm start: u = row minima keeps every reduced cost >= 0, so each row may take
    # a free column at its minimum cost right away; the search below only runs for
    # the rows left over (still exact: matched edges are tight, free columns v = 0).
    for i in range(nrow):
        best = costs[indptr[i]]
        for e in range(indptr[i] + 1, indptr[i + 1]):
            best = min(best, costs[e])
        u[i] = best
        for e in range(indptr[i], indptr[i + 1]):
            j = cols[e]
            if costs[e] == best and row4col[j] < 0:
                row4col[j] = i
                col4row[i] = j
                break
    for cur in range(nrow):
        if col4row[cur] >= 0:
            continue
        ntouched = 0
        nseen = 0
        hsize = 0
        min_val = np.int64(0)
        i = cur
        sink = -1
        while sink < 0:
            rows_seen[nseen] = i
            nseen += 1
            for e in range(indptr[i], indptr[i + 1] + 1):
                if e < indptr[i + 1]:
                    j = cols[e]
                    c = costs[e]
                else:
                    j = ncol + i
                    c = outlier
                if done[j]:
                    continue
                r = min_val + c - u[i] - v[j]
                if r < dist[j]:
                    if dist[j] == inf:
                        touched[ntouched] = j
                        ntouched += 1
                    dist[j] = r
                    path[j] = i
                    # ties go to free columns: they end the search
                    heap_push(hkeys, hage, hcols, hpay, hsize,
                              2 * r + np.int64(row4col[j] >= 0), 0, j, 0, 1)
                    hsize += 1
            while True:
                key, j = hkeys[0], hcols[0]
                heap_pop(hkeys, hage, hcols, hpay, hsize, 1)
                hsize -= 1
                if not done[j] and key == 2 * dist[j] + np.int64(row4col[j] >= 0):
                    break
            min_val = dist[j]
            done[j] = True
            if row4col[j] < 0:
                sink = j
            else:
                i = row4col[j]
        u[cur] += min_val
        for k in range(1, nseen):
            i = rows_seen[k]
            u[i] += min_val - dist[col4row[i]]
        for k in range(ntouched):
            j = touched[k]
            if done[j]:
                v[j] -= min_val - dist[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            prev = col4row[i]
            col4row[i] = j
            if i == cur:
                break
            j = prev
        for k in range(ntouched):
            j = touched[k]
            dist[j] = inf
            done[j] = False
    return col4row


def _correspond(pred, gt, max_dist, outlier):
    """One-to-one correspondence of ``pred`` and ``gt`` boundary pixels.

    Returns the mask of matched ``pred`` pixels and the number of matched pairs.
    """
    indptr, cols, costs, pix, ncol = _match_graph(pred, gt, max_dist)
    matched = np.zeros(pred.size, bool)
    if pix.size:
        matched[pix[_assign(indptr, cols, costs, ncol, outlier) < ncol]] = True
    return matched.reshape(pred.shape), int(matched.sum())


# ---------------------------------------------------------------------------------
# Validation and preparation


def _check_2d(x, name, kind):
    arr = check_array(x, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D {kind} map (H, W), got shape "
                         f"{arr.shape}")
    return arr


def _as_bmap(x, name, thin):
    """A bool boundary map from a boundary map (bool) or a label map (integer)."""
    arr = _check_2d(x, name, kind="boundary or label")
    if arr.dtype.kind == "f":
        raise TypeError(f"{name} has float dtype {arr.dtype}; pass a bool boundary "
                        "map, an integer label map, or threshold a soft boundary map "
                        "with boundary_pr_curve")
    bmap = arr if arr.dtype == bool else _seg2bdry(arr)
    return _thin(bmap) if thin else np.ascontiguousarray(bmap)


def _prepare_truth(y_true, shape=None):
    """A list of bool boundary maps, one per annotator."""
    if isinstance(y_true, np.ndarray) and y_true.ndim == 3:
        maps = list(y_true)
    elif isinstance(y_true, (list, tuple)):
        maps = list(y_true)
    else:
        maps = [y_true]
    if not maps:
        raise ValueError("y_true is an empty list; pass at least one human boundary "
                         "map")
    out = []
    for k, m in enumerate(maps):
        name = "y_true" if len(maps) == 1 else f"y_true[{k}]"
        arr = _check_2d(m, name, kind="boundary or label")
        if arr.dtype.kind == "f":
            raise TypeError(f"{name} has float dtype {arr.dtype}; human boundaries "
                            "must be bool boundary maps or integer label maps")
        # label maps become boundaries exactly as the BSDS ground truth was made
        bmap = arr if arr.dtype == bool else _thin(_seg2bdry(arr))
        if shape is None:
            shape = bmap.shape
        elif bmap.shape != shape:
            raise ValueError(f"{name} has shape {bmap.shape} but y_pred has shape "
                             f"{shape}; they must match")
        out.append(np.ascontiguousarray(bmap))
    return out


def _distance(tolerance, max_dist):
    """The validated matching distance: ``(fraction of the diagonal, None)`` or
    ``(None, pixels)``."""
    if max_dist is not None:
        if tolerance is not None:
            raise ValueError("give tolerance (a fraction of the image diagonal) or "
                             "max_dist (pixels), not both")
        return None, check_positive(max_dist, "max_dist")
    tol = DEFAULT_TOLERANCE if tolerance is None else check_positive(tolerance,
                                                                    "tolerance")
    if tol > 1:
        raise ValueError(f"tolerance={tolerance!r} is a fraction of the image diagonal "
                         "and must be <= 1; pass max_dist= for a distance in pixels")
    return tol, None


def _max_dist(tolerance, max_dist, shape):
    """The matching distance in pixels, at most the image diagonal (any larger
    distance admits the same pairs: every pair of pixels)."""
    tol, px = _distance(tolerance, max_dist)
    diag = float(np.hypot(*shape))
    return tol * diag if px is None else min(px, diag)


def check_counts(counts, name="curves"):
    """``counts`` (last axis ``cntP, sumP, cntR, sumR``) as int64, or raise unless
    they are whole numbers >= 0 with ``cntP <= sumP`` and ``cntR <= sumR``."""
    arr = np.asarray(counts)
    if arr.dtype.kind not in "iuf" or (arr.dtype.kind == "f" and not (
            np.isfinite(arr).all() and (arr == np.round(arr)).all())):
        raise TypeError(f"{name} must hold whole-number counts, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} holds a negative count ({arr.min()}); counts are "
                         "numbers of pixels")
    arr = arr.astype(np.int64)
    if np.any(arr[..., 0] > arr[..., 1]) or np.any(arr[..., 2] > arr[..., 3]):
        raise ValueError(f"{name} has matched counts above their totals (cntP > sumP "
                         "or cntR > sumR); the last axis is (cntP, sumP, cntR, sumR)")
    return arr


def _check_method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")


def _counts(truths, bmap, max_dist, method):
    """(cntP, sumP, cntR, sumR) of one thinned machine map against the annotators."""
    acc = np.zeros(bmap.shape, bool)
    cnt_r = sum_r = 0
    if method == "exact":
        outlier = int(np.ceil(_OUTLIER_COST * max_dist * _MULTIPLIER))
        for gt in truths:
            matched, n = _correspond(bmap, gt, max_dist, outlier)
            acc |= matched
            cnt_r += n
            sum_r += int(gt.sum())
    else:
        for gt in truths:
            acc |= _within(bmap, gt, max_dist)
            cnt_r += int(_within(gt, bmap, max_dist).sum())
            sum_r += int(gt.sum())
    return int(acc.sum()), int(bmap.sum()), cnt_r, sum_r


# ---------------------------------------------------------------------------------
# Public API


def boundary_prf(y_true, y_pred, *, tolerance=None, max_dist=None, thin=True,
                 method="exact"):
    """Boundary precision, recall and F-measure of one image, as the BSDS benchmark.

    Parameters
    ----------
    y_true : (H, W) array or sequence of (H, W) arrays, or (K, H, W) array
        The human annotations, one map per annotator.  A bool array is a boundary
        map (as BSDS500 stores them); an integer array is a label map, turned into
        boundaries exactly as the BSDS ground truth was made (``seg2bdry`` then
        thinning).  The dtype decides: a boundary image stored as 0/1 integers
        (the ``.mat`` files hold uint8, PNGs too) must be passed as ``b != 0``.
    y_pred : (H, W) array
        The machine result: a bool boundary map, or an integer label map (its
        boundaries by ``seg2bdry``, see :func:`boundaries_from_labels`).  For a soft
        (float) boundary map use :func:`boundary_pr_curve`.
    tolerance : float, optional
        The matching distance ``maxDist`` as a fraction of the image diagonal, in
        (0, 1]; default 0.0075 (the benchmark's, 4.34 px on 481x321) unless
        ``max_dist`` is given.
    max_dist : float, optional
        The matching distance in pixels instead (give one of the two).  A distance
        beyond the image diagonal is the diagonal.  Time and memory of the exact
        method grow with the square of the distance.
    thin : bool, default True
        Thin the machine map with MATLAB's ``bwmorph(.., 'thin', Inf)`` algorithm
        before matching, as the benchmark does (``thinpb = 1``).
    method : {'exact', 'distance'}, default 'exact'
        ``'exact'``: one-to-one correspondence (the benchmark's ``correspondPixels``).
        ``'distance'``: an **approximation** -- a pixel counts as matched when any
        pixel of the other map lies within the tolerance, so one human pixel can
        justify several machine pixels and vice versa; it overestimates both
        precision and recall on thick or doubled boundaries.

    Returns
    -------
    BoundaryPRF
        ``(precision, recall, f, cntP, sumP, cntR, sumR)``.  Sum the counts over
        images (or use :class:`BoundaryAccumulator`) for dataset-level scores.

    Notes
    -----
    ``correspondPixels`` solves, with Goldberg's CSA on a graph of pixel pairs within
    ``maxDist`` plus sparse random outlier edges, the assignment that minimises
    ``sum(distance of matched pairs) + outlier * (number of unmatched pixels)`` with
    ``outlier = 100 * maxDist``; distances are rounded to 1/100 px.  Here the same
    objective, with the same integer costs, is solved exactly by a sparse
    shortest-augmenting-path assignment (each machine pixel may also take a private
    outlier).  Because an outlier costs 100 times the largest distance, the optimum
    has (essentially always) the maximum number of matches, and among those the
    smallest total distance.  Remaining differences from the benchmark: (a) its
    outlier edges are drawn at random (seeded by the clock), which now and then
    forces a solution with a pair fewer or a slightly larger cost -- on BSDS500
    images its ``cntR`` is up to 0.06 % below ours and varies by that much from run
    to run; (b) among equally cheap assignments the two solvers may pick different
    machine pixels, so ``cntP`` (a machine pixel counts once if it matches any
    annotator) differs by tie-breaking, within the benchmark's own run-to-run
    spread (``benchmarks/results/metrics_boundary.md``).

    References
    ----------
    .. [1] D. Martin, C. Fowlkes, J. Malik, "Learning to detect natural image
           boundaries using local brightness, color, and texture cues", TPAMI
           26(5), 2004. :DOI:`10.1109/TPAMI.2004.1273918`
    .. [2] P. Arbelaez, M. Maire, C. Fowlkes, J. Malik, "Contour detection and
           hierarchical image segmentation", TPAMI 33(5), 2011.
           :DOI:`10.1109/TPAMI.2010.161`

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((20, 20), bool); gt[:, 10] = True
    >>> pred = np.zeros((20, 20), bool); pred[:, 11] = True   # one pixel off
    >>> r = boundary_prf(gt, pred, max_dist=2)
    >>> r.precision, r.recall, r.f
    (1.0, 1.0, 1.0)
    >>> pred[:, 12] = True                                   # a doubled line
    >>> r = boundary_prf(gt, pred, max_dist=2, thin=False)
    >>> r.precision, r.cntP, r.sumP
    (0.5, 20, 40)
    >>> boundary_prf(gt, pred, max_dist=2, thin=False, method="distance").precision
    1.0
    """
    _check_method(method)
    bmap = _as_bmap(y_pred, "y_pred", thin)
    truths = _prepare_truth(y_true, bmap.shape)
    dist = _max_dist(tolerance, max_dist, bmap.shape)
    return BoundaryPRF.from_counts(*_counts(truths, bmap, dist, method))


def boundary_pr_curve(y_true, y_pred, *, thresholds=99, tolerance=None, max_dist=None,
                      thin=True, method="exact"):
    """Boundary counts over thresholds of a soft map, or over a sweep of results.

    This is the benchmark's ``evaluation_bdry_image`` for one image: each setting's
    machine map is thinned and matched against every annotator.

    Parameters
    ----------
    y_true : see :func:`boundary_prf`
    y_pred : (H, W) float array or sequence of (H, W) arrays
        A soft boundary map (e.g. a probability map or ``ucm2[2::2, 2::2]``): the
        machine map at threshold ``t`` is ``y_pred >= t``.  Or a sequence of bool
        boundary maps / integer label maps, one per parameter setting (the
        benchmark's ``segs`` input), in which case ``thresholds`` is ignored and the
        settings are indexed 1..n.
    thresholds : int or 1-D array, default 99
        For a soft map: the number of thresholds, spread as the benchmark does
        (``linspace(1/(n+1), 1 - 1/(n+1), n)``), or the thresholds themselves.
    tolerance, max_dist, thin, method : see :func:`boundary_prf`

    Returns
    -------
    BoundaryPRF
        Fields are 1-D arrays, one entry per threshold/setting; ``thresholds`` holds
        the thresholds (or 1..n for a sweep).

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((20, 20), bool); gt[:, 10] = True
    >>> pb = np.zeros((20, 20)); pb[:, 10] = 0.8; pb[:, 3] = 0.3
    >>> curve = boundary_pr_curve(gt, pb, thresholds=[0.2, 0.5])
    >>> curve.precision.tolist(), curve.recall.tolist()
    ([0.5, 1.0], [1.0, 1.0])
    """
    _check_method(method)
    if isinstance(y_pred, (list, tuple)):
        if not y_pred:
            raise ValueError("y_pred is an empty sequence; pass at least one setting")
        bmaps = [_as_bmap(m, f"y_pred[{k}]", thin) for k, m in enumerate(y_pred)]
        thr = np.arange(1, len(bmaps) + 1, dtype=np.float64)
    else:
        pb = _check_2d(y_pred, "y_pred", kind="soft boundary")
        if pb.dtype.kind != "f":
            raise TypeError(f"y_pred has dtype {pb.dtype}; a soft boundary map must be "
                            "float (pass a list of maps for a sweep of results)")
        if not np.isfinite(pb).all():
            raise ValueError("y_pred contains NaN or inf values")
        thr = _thresholds(thresholds)
        bmaps = [_thin(pb >= t) if thin else np.ascontiguousarray(pb >= t)
                 for t in thr]
    truths = _prepare_truth(y_true, bmaps[0].shape)
    for k, b in enumerate(bmaps[1:], 1):
        check_same_shape(bmaps[0], b, "y_pred[0]", f"y_pred[{k}]")
    dist = _max_dist(tolerance, max_dist, bmaps[0].shape)
    counts = np.array([_counts(truths, b, dist, method) for b in bmaps],
                      dtype=np.int64)
    return BoundaryPRF.from_counts(*counts.T, thresholds=thr)


def _thresholds(thresholds):
    if np.ndim(thresholds) == 0:
        n = check_positive(thresholds, "thresholds", integer=True)
        return np.linspace(1 / (n + 1), 1 - 1 / (n + 1), n)
    thr = np.asarray(thresholds, dtype=np.float64).ravel()
    if thr.size == 0 or not np.isfinite(thr).all():
        raise ValueError("thresholds must be a positive int or a non-empty array of "
                         "finite values")
    return thr


def boundary_ods_ois(curves, thresholds=None):
    """ODS, OIS and AP over a dataset, exactly as the benchmark's ``collect_eval_bdry``.

    Parameters
    ----------
    curves : sequence of BoundaryPRF, or array of shape (n_images, n_settings, 4)
        Per image, the counts of every setting (from :func:`boundary_pr_curve`, or
        ``[boundary_prf(gt, seg_k) for seg_k in sweep]`` stacked), the last axis
        ordered ``(cntP, sumP, cntR, sumR)``.
    thresholds : 1-D array, optional
        The threshold of each setting; default ``1..n_settings``.

    Returns
    -------
    BoundaryBenchmark

    Notes
    -----
    ODS interpolates linearly between consecutive settings (100 steps) on the pooled
    P/R curve, as ``maxF`` does; OIS pools each image's counts at its first best
    (uninterpolated) setting; AP interpolates precision at recall 0:0.01:1 over the
    unique recall values (last occurrence kept, as MATLAB's ``unique`` of the time
    did), with 0 outside the curve.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[[8, 10, 5, 10], [4, 5, 3, 10]],     # image 1, 2 settings
    ...                    [[2, 10, 9, 10], [5, 5, 6, 10]]])    # image 2
    >>> b = boundary_ods_ois(counts)
    >>> # OIS: image 1 at setting 1, image 2 at setting 2 -> P = 13/15, R = 11/20
    >>> round(b.ois_precision, 4), b.ois_recall, round(b.ois_f, 4)
    (0.8667, 0.55, 0.6729)
    """
    if isinstance(curves, (list, tuple)) and curves and isinstance(curves[0],
                                                                   BoundaryPRF):
        counts = np.stack([c.counts.reshape(-1, 4) for c in curves])
    else:
        counts = np.asarray(curves)
        if counts.ndim == 2:
            counts = counts[:, None, :]
    if counts.ndim != 3 or counts.shape[-1] != 4 or counts.size == 0:
        raise ValueError("curves must be a non-empty sequence of BoundaryPRF or an "
                         "array of shape (n_images, n_settings, 4), got shape "
                         f"{np.shape(counts)}")
    counts = check_counts(counts)
    n_set = counts.shape[1]
    thr = (np.arange(1, n_set + 1, dtype=np.float64) if thresholds is None
           else np.asarray(thresholds, dtype=np.float64).ravel())
    if thr.size != n_set:
        raise ValueError(f"thresholds has {thr.size} entries but there are {n_set} "
                         "settings")
    curve = BoundaryPRF.from_counts(*counts.sum(axis=0).T, thresholds=thr)
    ods_t, ods_r, ods_p, ods_f = _max_f(thr, curve.recall, curve.precision)
    per_image = BoundaryPRF.from_counts(*np.moveaxis(counts, -1, 0))
    best = np.argmax(per_image.f, axis=1)  # first maximum, as find(F==max(F))(1)
    ois = BoundaryPRF.from_counts(*counts[np.arange(counts.shape[0]), best].sum(0))
    return BoundaryBenchmark(ods_f, ods_p, ods_r, ods_t, ois.f, ois.precision,
                             ois.recall, _area_pr(curve.recall, curve.precision),
                             curve, thr)


def _max_f(thr, r, p):
    """collect_eval_bdry's maxF: best F along the linearly interpolated curve."""
    best = (float(thr[0]), float(r[0]), float(p[0]), float(_fmeasure(r[0], p[0])))
    if thr.size < 2:
        return best
    d = np.linspace(0, 1, 100)[None, :]
    t = thr[1:, None] * d + thr[:-1, None] * (1 - d)
    rr = r[1:, None] * d + r[:-1, None] * (1 - d)
    pp = p[1:, None] * d + p[:-1, None] * (1 - d)
    f = _fmeasure(rr, pp).ravel()
    k = int(np.argmax(f))
    if f[k] > best[3]:
        best = (float(t.ravel()[k]), float(rr.ravel()[k]), float(pp.ravel()[k]),
                float(f[k]))
    return best


def _area_pr(r, p):
    # unique recall, keeping the last index of each value
    rev_r = r[::-1]
    ru, first_in_rev = np.unique(rev_r, return_index=True)
    if ru.size < 2:
        return 0.0
    pu = p[::-1][first_in_rev]
    ri = np.linspace(0, 1, 101)
    pi = np.interp(ri, ru, pu, left=0.0, right=0.0)
    return float(pi.sum() * 0.01)


class BoundaryAccumulator:
    """Dataset-level boundary P/R/F, updated image by image.

    Keeps only four counts per image, so a whole dataset streams through it.  The
    dataset scores pool the counts (``sum cntP / sum sumP``, ...), as the benchmark's
    ``collect_eval_bdry`` does -- they are not means of per-image scores.

    Parameters
    ----------
    tolerance, max_dist, thin, method : see :func:`boundary_prf`

    Attributes
    ----------
    counts : ndarray of int64, shape (n_images, 4)
        ``(cntP, sumP, cntR, sumR)`` of each image seen, in order.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((20, 20), bool); gt[:, 10] = True
    >>> acc = BoundaryAccumulator(max_dist=2)
    >>> acc.update(gt, gt).f                       # image 1: perfect
    1.0
    >>> acc.update(gt, np.zeros((20, 20), bool)).f  # image 2: nothing found
    0.0
    >>> r = acc.compute(); r.precision, r.recall    # pooled over both images
    (1.0, 0.5)
    """

    def __init__(self, *, tolerance=None, max_dist=None, thin=True, method="exact"):
        _check_method(method)
        _distance(tolerance, max_dist)
        self.tolerance, self.max_dist = tolerance, max_dist
        self.thin = thin
        self.method = method
        self.reset()

    def update(self, y_true, y_pred):
        """Score one image, add its counts, and return its :class:`BoundaryPRF`."""
        r = boundary_prf(y_true, y_pred, tolerance=self.tolerance,
                         max_dist=self.max_dist, thin=self.thin, method=self.method)
        self._counts.append(r.counts)
        return r

    def add_counts(self, cntP, sumP, cntR, sumR):
        """Add counts computed elsewhere (e.g. by a worker process)."""
        self._counts.append(check_counts([cntP, sumP, cntR, sumR], "counts"))

    def merge(self, other):
        """Add the images of another accumulator with the same settings (after
        ours); returns ``self``."""
        check_mergeable(self, other, ("tolerance", "max_dist", "thin", "method"))
        self._counts.extend(other._counts)
        return self

    @property
    def counts(self):
        """``(n_images, 4)`` int64: ``(cntP, sumP, cntR, sumR)`` of each image."""
        return (np.array(self._counts, dtype=np.int64) if self._counts
                else np.zeros((0, 4), np.int64))

    def compute(self):
        """The pooled :class:`BoundaryPRF` over every image so far."""
        return BoundaryPRF.from_counts(*self.counts.sum(axis=0))

    def reset(self):
        """Forget every image."""
        self._counts = []

