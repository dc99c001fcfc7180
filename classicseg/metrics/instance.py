"""COCO mask average precision, exactly as pycocotools' ``COCOeval(iouType="segm")``.

Masks become runs of foreground pixels in one linear pixel order (run-length
encoding, like COCO's RLE); mask IoUs are computed by merging runs and matched
greedily in score order, all in Numba.  Every convention of COCOeval is kept: 10 IoU
thresholds 0.50:0.05:0.95, 101-point interpolated precision, ``maxDets`` applied per
image *and category*, area ranges on the ground truth's ``area``, crowd regions (IoU
over the prediction's area; predictions matched to them are ignored, not false
positives), ``-1`` for undefined entries, merge-sorted scores so ties break in image
order then input order.
"""
from dataclasses import dataclass
from typing import NamedTuple, Optional

import numpy as np

from .._kernels.runs import label_runs
from .._numba import jit, serial_if_small
from .._validate import check_finite, check_label_map
from ._result import Result, check_mergeable

__all__ = ["AREA_LABELS", "CocoMaskAP", "CocoMetrics", "Instances", "Runs", "STAT_NAMES",
           "coco_mask_ap"]

# pycocotools' Params.setDetParams, written the same way so the floats are identical.
IOU_THRESHOLDS = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1,
                                endpoint=True)
MAX_DETS = (1, 10, 100)
AREA_RANGES = np.array([[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2],
                        [96 ** 2, 1e5 ** 2]])
AREA_LABELS = ("all", "small", "medium", "large")
STAT_NAMES = ("ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10",
              "ar100", "ar_small", "ar_medium", "ar_large")


class Instances(NamedTuple):
    """The instances of one image: ground truth or predictions.

    Attributes
    ----------
    masks : ndarray
        Either an instance label map ``(H, W)`` of integers (0 = background, instance
        ``i`` is label ``i``, ``1 <= i <= N``; a label that does not occur is an empty
        mask), or ``N`` binary masks as an ``(N, H, W)`` bool/0-1 array (or a list of
        ``(H, W)`` masks), which may overlap.
    classes : array_like of int, shape (N,)
        Category id of each instance.
    scores : array_like of float, shape (N,), optional
        Confidence of each prediction (required for predictions, unused for ground
        truth).
    iscrowd : array_like of bool, shape (N,), optional
        Crowd flags of ground-truth instances (default: none is a crowd).
    area : array_like of float, shape (N,), optional
        Ground-truth area used for the small/medium/large ranges.  Default: the mask's
        pixel count (COCO datasets store an ``area`` field; pycocotools uses that).
    """
    masks: object
    classes: object
    scores: Optional[object] = None
    iscrowd: Optional[object] = None
    area: Optional[object] = None


@dataclass(frozen=True)
class CocoMetrics(Result):
    """COCO mask AP/AR, as ``COCOeval.stats`` (``-1`` where undefined).

    Attributes
    ----------
    ap, ap50, ap75, ap_small, ap_medium, ap_large : float
        AP@[.50:.05:.95], AP at IoU .50 and .75, AP for small (< 32^2 px), medium and
        large (> 96^2 px) objects; all with 100 detections per image and category.
    ar1, ar10, ar100, ar_small, ar_medium, ar_large : float
        Average recall with 1, 10, 100 detections, and per area range (100).
    stats : ndarray, shape (12,)
        The twelve numbers above in ``COCOeval.stats`` order.
    classes : ndarray of int64, shape (K,)
        Evaluated category ids, ascending.
    ap_per_class : ndarray, shape (K,)
        AP@[.50:.05:.95] of each category (NaN when it has no non-crowd ground truth).
    precision : ndarray, shape (T, R, K, A, M)
        COCOeval's ``eval["precision"]`` (IoU threshold, recall threshold, category,
        area range, max detections).
    recall : ndarray, shape (T, K, A, M)
        COCOeval's ``eval["recall"]``.
    """
    ap: float
    ap50: float
    ap75: float
    ap_small: float
    ap_medium: float
    ap_large: float
    ar1: float
    ar10: float
    ar100: float
    ar_small: float
    ar_medium: float
    ar_large: float
    stats: np.ndarray
    classes: np.ndarray
    ap_per_class: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


class Runs(NamedTuple):
    """Masks as foreground runs ``[starts[r], ends[r])`` of a linear pixel order;
    mask ``i`` owns runs ``ptr[i]:ptr[i+1]`` and has ``area[i]`` pixels.

    The input of :meth:`CocoMaskAP.update_runs`, for readers that decode masks
    straight into runs (e.g. COCO RLE in :mod:`classicseg.evaluation.coco`).  All
    masks of one image share one pixel order (any, e.g. COCO's column-major).
    """
    ptr: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    area: np.ndarray
    shape: tuple


class CocoMaskAP:
    """Streaming COCO mask AP: update image by image, then compute.

    Parameters
    ----------
    classes : array_like of int, optional
        Category ids to evaluate (COCO: the dataset's categories).  Instances of other
        categories are dropped.  Default: every category seen so far in ground truth
        or predictions (a category without ground truth is undefined, ``-1``, and is
        left out of the means, as in COCOeval).

    Notes
    -----
    Images are taken in update order; COCOeval takes them in ascending image id, so
    feed images in that order to reproduce its tie-breaking between equal scores.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import CocoMaskAP, Instances
    >>> gt = np.zeros((8, 8), np.int32); gt[:4, :4] = 1; gt[4:, 4:] = 2
    >>> pred = np.zeros((2, 8, 8), bool); pred[0, :4, :4] = True; pred[1, :2] = True
    >>> ev = CocoMaskAP()
    >>> ev.update(Instances(gt, classes=[1, 1]),
    ...           Instances(pred, classes=[1, 1], scores=[0.9, 0.8]))
    >>> m = ev.compute()
    >>> round(m.ap50, 4), m.ar100  # one of two objects found, ranked first
    (0.505, 0.5)
    """

    def __init__(self, classes=None):
        self.classes = None if classes is None else np.unique(
            _int_vector(classes, "classes", None))
        self.reset()

    def reset(self):
        """Forget every image seen so far."""
        self._records = []
        self._npig = {}
        self._seen = set()

    def merge(self, other):
        """Add the images of another ``CocoMaskAP`` with the same ``classes`` (after
        ours, so tie-breaking follows that order); returns ``self``."""
        check_mergeable(self, other, ("classes",), "classes")
        self._records.extend(other._records)
        for c, counts in other._npig.items():
            self._npig[c] = self._npig.get(c, 0) + counts
        self._seen.update(other._seen)
        return self

    def update(self, y_true, y_pred):
        """Add one image: ``y_true`` and ``y_pred`` are :class:`Instances`."""
        gt = _as_instances(y_true, "y_true", prediction=False)
        dt = _as_instances(y_pred, "y_pred", prediction=True)
        if gt[0].shape != dt[0].shape:
            raise ValueError(f"y_true masks have image shape {gt[0].shape} but y_pred "
                             f"masks have {dt[0].shape}; they must match")
        self.update_runs(*gt, *dt)

    def update_runs(self, g_runs, g_cls, g_crowd, g_area, d_runs, d_cls, d_score):
        """Add one image given as :class:`Runs`.

        ``g_runs`` / ``d_runs``: ground-truth and predicted masks; ``g_cls``,
        ``g_crowd``, ``g_area`` (int64, bool, float64 per ground-truth mask) and
        ``d_cls``, ``d_score`` (int64, float64 per prediction).  No validation: this
        is the entry point of readers that have already checked their input.
        """
        if self.classes is not None:
            keep_g, keep_d = np.isin(g_cls, self.classes), np.isin(d_cls, self.classes)
        else:
            keep_g, keep_d = np.ones(g_cls.size, bool), np.ones(d_cls.size, bool)
            self._seen.update(g_cls.tolist(), d_cls.tolist())
        cats = np.unique(np.concatenate([g_cls[keep_g], d_cls[keep_d]]))
        bounds = np.arange(cats.size + 1)
        # ground truth grouped by category, input order kept within a category
        g_idx = np.flatnonzero(keep_g)
        g_cat = np.searchsorted(cats, g_cls[g_idx])
        order = np.argsort(g_cat, kind="stable")
        g_idx, g_start = g_idx[order], np.searchsorted(g_cat[order], bounds)
        # predictions grouped by category, by descending score (stable), the first
        # maxDets of each category kept (COCOeval truncates per image and category)
        d_idx = np.flatnonzero(keep_d)
        d_cat = np.searchsorted(cats, d_cls[d_idx])
        order = np.lexsort((-d_score[d_idx], d_cat))
        d_idx, d_cat = d_idx[order], d_cat[order]
        rank = np.arange(d_idx.size) - np.searchsorted(d_cat, bounds)[d_cat]
        keep = rank < MAX_DETS[-1]
        d_idx, d_cat, rank = d_idx[keep], d_cat[keep], rank[keep]
        d_start = np.searchsorted(d_cat, bounds)
        matched, ignored, npig = _evaluate_image(
            d_runs.ptr, d_runs.starts, d_runs.ends, d_runs.area, d_idx, d_start,
            g_runs.ptr, g_runs.starts, g_runs.ends, g_runs.area, g_area, g_crowd,
            g_idx, g_start, IOU_THRESHOLDS, AREA_RANGES)
        for c, counts in zip(cats.tolist(), npig):
            self._npig[c] = self._npig.get(c, 0) + counts
        self._records.append((cats[d_cat], d_score[d_idx], rank, matched, ignored))

    def compute(self):
        """The :class:`CocoMetrics` of every image seen so far."""
        classes = self.classes if self.classes is not None else np.array(
            sorted(self._seen), np.int64)
        precision, recall = self._accumulate(classes)
        stats = _summarize(precision, recall)
        ap_k = np.full(classes.size, np.nan)
        for k in range(classes.size):
            s = precision[:, :, k, 0, -1]
            if (s > -1).any():
                ap_k[k] = s[s > -1].mean()
        return CocoMetrics(*stats.tolist(), stats=stats, classes=classes,
                           ap_per_class=ap_k, precision=precision, recall=recall)

    def _accumulate(self, classes):
        t_n, r_n, k_n = IOU_THRESHOLDS.size, RECALL_THRESHOLDS.size, classes.size
        a_n, m_n = len(AREA_RANGES), len(MAX_DETS)
        precision = -np.ones((t_n, r_n, k_n, a_n, m_n))
        recall = -np.ones((t_n, k_n, a_n, m_n))
        if not self._records:
            return precision, recall
        cat = np.concatenate([r[0] for r in self._records])
        score = np.concatenate([r[1] for r in self._records])
        rank = np.concatenate([r[2] for r in self._records])
        matched = np.concatenate([r[3] for r in self._records], axis=2)
        ignored = np.concatenate([r[4] for r in self._records], axis=2)
        for k, c in enumerate(classes.tolist()):
            npig = self._npig.get(c, np.zeros(a_n, np.int64))
            in_k = np.flatnonzero(cat == c)
            for m, max_det in enumerate(MAX_DETS):
                sel = in_k[rank[in_k] < max_det]
                sel = sel[np.argsort(-score[sel], kind="mergesort")]
                for a in range(a_n):
                    if npig[a] == 0:
                        continue
                    dtm, dtig = matched[a][:, sel], ignored[a][:, sel]
                    tp = np.cumsum(dtm & ~dtig, axis=1).astype(float)
                    fp = np.cumsum(~dtm & ~dtig, axis=1).astype(float)
                    recall[:, k, a, m] = tp[:, -1] / npig[a] if sel.size else 0
                    precision[:, :, k, a, m] = _interpolated_precision(tp, fp, npig[a])
        return precision, recall


def coco_mask_ap(y_true, y_pred, *, classes=None):
    """COCO mask AP/AR of a data set (one-shot form of :class:`CocoMaskAP`).

    Parameters
    ----------
    y_true, y_pred : sequence of Instances
        Ground truth and predictions, one :class:`Instances` per image, same order.
    classes : array_like of int, optional
        Category ids to evaluate (default: all seen).

    Returns
    -------
    CocoMetrics

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import Instances, coco_mask_ap
    >>> gt = np.zeros((40, 40), np.int32); gt[5:25, 5:25] = 1
    >>> pred = (gt == 1)[None]
    >>> m = coco_mask_ap([Instances(gt, [3])], [Instances(pred, [3], scores=[0.5])])
    >>> [round(v, 6) for v in (m.ap, m.ap_small, m.ap_medium, m.ap_large)]  # 400 px
    [1.0, 1.0, -1.0, -1.0]
    """
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} images but y_pred has "
                         f"{len(y_pred)}; pass one Instances per image in both")
    ev = CocoMaskAP(classes)
    for t, p in zip(y_true, y_pred):
        ev.update(t, p)
    return ev.compute()


# --------------------------------------------------------------------- accumulate

def _interpolated_precision(tp, fp, npig):
    """COCO's 101-point precision for cumulative ``tp``/``fp`` rows ``(T, D)``."""
    out = np.zeros((tp.shape[0], RECALL_THRESHOLDS.size))
    if tp.shape[1] == 0:
        return out
    rc = tp / npig
    pr = tp / (fp + tp + np.spacing(1))
    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]  # precision envelope
    for t in range(tp.shape[0]):
        inds = np.searchsorted(rc[t], RECALL_THRESHOLDS, side="left")
        ok = inds < tp.shape[1]
        out[t, ok] = pr[t, inds[ok]]
    return out


def _summarize(precision, recall):
    """The twelve ``COCOeval.stats`` numbers."""
    def mean(s):
        s = s[s > -1]
        return -1.0 if s.size == 0 else float(np.mean(s))

    t50, t75 = (np.where(IOU_THRESHOLDS == v)[0] for v in (.5, .75))
    m100 = MAX_DETS.index(100)
    out = [mean(precision[:, :, :, 0, m100]),
           mean(precision[t50][:, :, :, 0, m100]),
           mean(precision[t75][:, :, :, 0, m100])]
    out += [mean(precision[:, :, :, a, m100]) for a in (1, 2, 3)]
    out += [mean(recall[:, :, 0, m]) for m in range(len(MAX_DETS))]
    out += [mean(recall[:, :, a, m100]) for a in (1, 2, 3)]
    return np.array(out)


# --------------------------------------------------------------------- inputs

def _as_instances(inst, name, *, prediction):
    if not isinstance(inst, Instances):
        raise TypeError(f"{name} must be an Instances(masks, classes, ...) tuple, got "
                        f"{type(inst).__name__}")
    masks = inst.masks
    if isinstance(masks, (list, tuple)):
        masks = np.stack([np.asarray(m) for m in masks]) if len(masks) else None
        if masks is None:
            raise ValueError(f"{name}.masks is an empty list; pass an (0, H, W) array "
                             "or a label map of zeros for an image without instances")
    arr = np.asarray(masks)
    if arr.ndim == 3 and arr.shape[0] == 0:  # no instances: only the dtype to check
        check_label_map(np.zeros(1, arr.dtype), f"{name}.masks")
    else:
        arr = check_label_map(arr, f"{name}.masks")
    if arr.ndim == 2:
        n = np.size(inst.classes)
        runs = _runs_of_label_map(arr, n, f"{name}.masks")
    elif arr.ndim == 3:
        n = arr.shape[0]
        runs = _runs_of_stack(arr, f"{name}.masks")
    else:
        raise ValueError(f"{name}.masks has shape {arr.shape}; expected an (H, W) "
                         "instance label map or an (N, H, W) stack of binary masks")
    classes = _int_vector(inst.classes, f"{name}.classes", n)
    if prediction:
        if inst.scores is None:
            raise ValueError(f"{name}.scores is required: predictions are ranked by "
                             "score")
        scores = np.asarray(inst.scores, np.float64).reshape(-1)
        _check_length(scores, n, f"{name}.scores")
        check_finite(scores, f"{name}.scores")
        return runs, classes, scores
    crowd = np.zeros(n, bool) if inst.iscrowd is None else \
        np.asarray(inst.iscrowd).reshape(-1).astype(bool)
    _check_length(crowd, n, f"{name}.iscrowd")
    area = runs.area.astype(np.float64) if inst.area is None else \
        np.asarray(inst.area, np.float64).reshape(-1)
    _check_length(area, n, f"{name}.area")
    return runs, classes, crowd, area


def _int_vector(values, name, n):
    arr = np.asarray(values).reshape(-1)
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(arr == np.round(arr)):
            raise TypeError(f"{name} must hold integer ids, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n is not None:
        _check_length(arr, n, name)
    return arr


def _check_length(arr, n, name):
    if arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries but there are {n} instances")


def _runs_of_label_map(labels, n, name):
    flat = np.ascontiguousarray(labels).reshape(-1)
    lo, hi = int(flat.min()), int(flat.max())
    if lo < 0 or hi > n:
        raise ValueError(f"{name} holds label {lo if lo < 0 else hi}, but instance "
                         f"labels must be 0 (background) or 1..{n} (one per class "
                         "entry)")
    if flat.dtype.itemsize > 4 or flat.dtype.kind == "b":
        flat = flat.astype(np.int32)
    rows = flat.reshape(1, -1, labels.shape[1]) if flat.size else flat.reshape(1, 1, 0)
    with serial_if_small(flat.size):   # a bool mask: scans 2x faster than the labels
        row_start, x0, x1, value = label_runs(rows, rows != 0)
    ptr, starts, ends, area = _runs_by_label(x0, x1, value, row_start, rows.shape[2], n)
    return Runs(ptr, starts, ends, area, labels.shape)


def _runs_of_stack(stack, name):
    if stack.dtype.kind != "b":
        if stack.size and (stack.min() < 0 or stack.max() > 1):
            raise ValueError(f"{name} is an (N, H, W) stack of binary masks; its values "
                             "must be 0/1 or bool")
        stack = stack != 0
    n, size = stack.shape[0], int(np.prod(stack.shape[1:]))
    flat = np.ascontiguousarray(stack).reshape(n, size).view(np.uint8)
    if size % 8 or flat.ctypes.data % 8:  # pad rows with background to whole words
        padded = np.zeros((n, -(-size // 8) * 8), np.uint8)
        padded[:, :size] = flat
        flat = padded
    ptr, starts, ends, area = _stack_runs(flat, flat.view(np.uint64))
    return Runs(ptr, starts, ends, area, stack.shape[1:])


# --------------------------------------------------------------------- kernels

@jit
def _runs_by_label(x0, x1, value, row_start, width, n):
    """The row runs of a label map (:func:`~classicseg._kernels.runs.label_runs`)
    as runs ``[start, end)`` of its flat pixel order, grouped by label ``1..n``
    (``ptr``, as :class:`Runs`), with each label's area: a run ending a row and the
    run of the same label starting the next row are one run."""
    n_runs = x0.size
    joined = np.zeros(n_runs, np.bool_)   # run i continues run i - 1
    count = np.zeros(n + 1, np.int64)
    area = np.zeros(n + 1, np.int64)
    row = 0
    for i in range(n_runs):
        while row_start[row + 1] <= i:
            row += 1
        v = value[i]
        area[v] += x1[i] - x0[i]
        joined[i] = (x0[i] == 0 and row > 0 and row_start[row - 1] < i
                     and x1[i - 1] == width and value[i - 1] == v)
        if not joined[i]:
            count[v] += 1
    ptr = np.zeros(n + 1, np.int64)
    for v in range(1, n + 1):
        ptr[v] = ptr[v - 1] + count[v]
    fill = ptr[:-1].copy()
    starts = np.empty(ptr[n], np.int64)
    ends = np.empty(ptr[n], np.int64)
    row = 0
    for i in range(n_runs):
        while row_start[row + 1] <= i:
            row += 1
        k = value[i] - 1
        if not joined[i]:
            starts[fill[k]] = row * width + x0[i]
            fill[k] += 1
        ends[fill[k] - 1] = row * width + x1[i]
    return ptr, starts, ends, area[1:]


@jit
def _stack_runs(masks, words):
    """Runs of each row of a ``(N, P)`` 0/1 uint8 array; ``words`` is the same memory
    seen as ``(N, P // 8)`` uint64, so all-background words are skipped at once.

    Pass 1 counts each mask's runs and notes its first/last foreground word, pass 2
    fills the runs within that span.  Serial: the scan is memory-bound, and a
    parallel region per image costs more than it saves on a busy machine.
    """
    n, size = masks.shape
    ones = np.uint64(0x0101010101010101)
    count = np.zeros(n, np.int64)
    span = np.zeros((n, 2), np.int64)
    for k in range(n):
        row, wrow = masks[k], words[k]
        prev = 0
        first, last = wrow.size, -1
        for w in range(wrow.size):
            x = wrow[w]
            if x == 0 and prev == 0:
                continue
            first, last = min(first, w), w
            if x == ones and prev == 1:
                continue
            for i in range(8 * w, 8 * w + 8):
                v = row[i]
                count[k] += (v != 0) & (prev == 0)
                prev = v
        span[k, 0], span[k, 1] = first, last + 1
    ptr = np.zeros(n + 1, np.int64)
    for k in range(n):
        ptr[k + 1] = ptr[k] + count[k]
    starts = np.empty(ptr[n], np.int64)
    ends = np.empty(ptr[n], np.int64)
    area = np.zeros(n, np.int64)
    for k in range(n):
        row, wrow = masks[k], words[k]
        r = ptr[k]
        prev = 0
        for w in range(span[k, 0], span[k, 1]):
            x = wrow[w]
            if (x == 0 and prev == 0) or (x == ones and prev == 1):
                continue
            for i in range(8 * w, 8 * w + 8):
                v = row[i]
                if v != prev:
                    if v:
                        starts[r] = i
                    else:
                        ends[r] = i
                        area[k] += i - starts[r]
                        r += 1
                    prev = v
        if prev:
            ends[r] = size
            area[k] += size - starts[r]
    return ptr, starts, ends, area


@jit
def _intersection(s1, e1, i, i_end, s2, e2, j, j_end):
    """Pixels shared by two sorted run lists (merge)."""
    inter = 0
    while i < i_end and j < j_end:
        lo = max(s1[i], s2[j])
        hi = min(e1[i], e2[j])
        if hi > lo:
            inter += hi - lo
        if e1[i] < e2[j]:
            i += 1
        else:
            j += 1
    return inter


@jit
def _evaluate_image(d_ptr, d_s, d_e, d_area, d_idx, d_start,
                    g_ptr, g_s, g_e, g_pix, g_area, g_crowd, g_idx, g_start,
                    thresholds, ranges):
    """COCOeval.computeIoU + evaluateImg for every category of one image.

    Predictions ``d_idx`` are grouped by category (``d_start``) in descending score;
    ground truth ``g_idx`` grouped likewise in input order.  Returns matched and
    ignored flags ``(A, T, D)`` and the non-ignored ground-truth count ``(C, A)``.
    """
    n_a, n_t, n_d = ranges.shape[0], thresholds.size, d_idx.size
    n_c = d_start.size - 1
    matched = np.zeros((n_a, n_t, n_d), np.bool_)
    ignored = np.zeros((n_a, n_t, n_d), np.bool_)
    npig = np.zeros((n_c, n_a), np.int64)
    for c in range(n_c):
        d0, nd = d_start[c], d_start[c + 1] - d_start[c]
        g0, ng = g_start[c], g_start[c + 1] - g_start[c]
        ious = np.zeros((nd, ng))
        for a in range(nd):
            da = d_idx[d0 + a]
            for b in range(ng):
                gb = g_idx[g0 + b]
                if d_ptr[da] == d_ptr[da + 1] or g_ptr[gb] == g_ptr[gb + 1]:
                    continue
                inter = _intersection(d_s, d_e, d_ptr[da], d_ptr[da + 1],
                                      g_s, g_e, g_ptr[gb], g_ptr[gb + 1])
                if inter == 0:
                    continue
                union = d_area[da] if g_crowd[gb] else d_area[da] + g_pix[gb] - inter
                ious[a, b] = inter / union
        order = np.empty(ng, np.int64)
        gt_ig = np.zeros(ng, np.bool_)
        gt_hit = np.zeros((n_t, ng), np.bool_)
        for r in range(n_a):
            lo, hi = ranges[r, 0], ranges[r, 1]
            k = 0
            for b in range(ng):  # non-ignored first, each part in input order
                gb = g_idx[g0 + b]
                gt_ig[b] = g_crowd[gb] or g_area[gb] < lo or g_area[gb] > hi
                if not gt_ig[b]:
                    order[k] = b
                    k += 1
            npig[c, r] = k
            for b in range(ng):
                if gt_ig[b]:
                    order[k] = b
                    k += 1
            gt_hit[:] = False
            for t in range(n_t):
                for a in range(nd):
                    best = min(thresholds[t], 1 - 1e-10)
                    m = -1
                    for q in range(ng):
                        b = order[q]
                        if gt_hit[t, b] and not g_crowd[g_idx[g0 + b]]:
                            continue
                        if m > -1 and not gt_ig[m] and gt_ig[b]:
                            break
                        if ious[a, b] < best:
                            continue
                        best = ious[a, b]
                        m = b
                    if m == -1:
                        continue
                    ignored[r, t, d0 + a] = gt_ig[m]
                    matched[r, t, d0 + a] = True
                    gt_hit[t, m] = True
            for a in range(nd):
                ar = d_area[d_idx[d0 + a]]
                if ar < lo or ar > hi:
                    for t in range(n_t):
                        if not matched[r, t, d0 + a]:
                            ignored[r, t, d0 + a] = True
    return matched, ignored, npig
