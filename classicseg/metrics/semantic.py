"""Dense (semantic segmentation) metrics from one confusion matrix.

Every metric here is a function of a single ``K x K`` confusion matrix (rows = ground
truth, columns = prediction, the convention of scikit-learn and torchmetrics), built
by one Numba kernel.  The meaning of each number follows torchmetrics >= 1.0
(``MulticlassJaccardIndex``, ``MulticlassF1Score``, ... with ``average="macro"``,
``"micro"``, ``"weighted"`` and ``zero_division=0``) unless ``absent="zero"`` asks
for the older convention.
"""
from dataclasses import dataclass

import numpy as np

from .._numba import jit, prange
from .._validate import (check_label_map, check_optional_int, check_positive,
                         check_same_shape)
from ._result import Result, check_mergeable

__all__ = ["ConfusionMatrix", "MAX_CLASSES", "SemanticMetrics", "confusion_matrix",
           "mean_dice", "miou", "pixel_accuracy", "semantic_metrics"]

ABSENT = ("exclude", "zero")
MAX_CLASSES = 2 ** 14   # a K x K int64 table of 2 GiB


@dataclass(frozen=True)
class SemanticMetrics(Result):
    """Semantic segmentation scores derived from one confusion matrix.

    Per-class arrays have one entry per class ``0..K-1``.  A class *absent* from both
    ground truth and prediction has no defined score: its entries are NaN with
    ``absent="exclude"`` (and it is left out of every mean, as torchmetrics >= 1.0
    does) or 0 with ``absent="zero"`` (and it counts as 0 in the means, as
    torchmetrics < 1.0 with ``absent_score=0``, the SegNet scripts and scikit-learn
    with ``labels=range(K)`` do).  The ``ignore_index`` class, when it lies in
    ``0..K-1``, is NaN and left out of every mean under both conventions.  Within a
    present class a 0/0 ratio (e.g. the precision of a class never predicted) is 0,
    torchmetrics' ``zero_division=0``.

    Attributes
    ----------
    confusion : ndarray of int64, shape (K, K)
        ``confusion[i, j]`` = pixels of true class ``i`` predicted as ``j``; pixels
        whose ground truth is ``ignore_index`` are not counted.
    iou_per_class, dice_per_class, precision_per_class, recall_per_class : \
            ndarray of float64, shape (K,)
        Per class: ``tp / (tp + fp + fn)``, ``2 tp / (2 tp + fp + fn)`` (= F1),
        ``tp / (tp + fp)``, ``tp / (tp + fn)`` (= class accuracy).
    support : ndarray of int64, shape (K,)
        Ground-truth pixels per class (row sums).
    pixel_accuracy : float
        Correct pixels / counted pixels (global accuracy; equals micro recall).
    mean_accuracy : float
        Mean class accuracy: the macro mean of ``recall_per_class``.
    miou, mean_dice, mean_precision : float
        Macro means of ``iou_per_class``, ``dice_per_class`` and
        ``precision_per_class`` (NaN entries skipped).
    fwiou : float
        Frequency-weighted IoU: ``sum(support * iou_per_class) / sum(support)``
        (torchmetrics ``average="weighted"``).
    micro_iou, micro_dice, micro_precision : float
        The same ratios on ``tp``, ``fp``, ``fn`` summed over the counted classes.

    Aggregates are NaN when no pixel is counted (everything ignored).
    """
    confusion: np.ndarray
    iou_per_class: np.ndarray
    dice_per_class: np.ndarray
    precision_per_class: np.ndarray
    recall_per_class: np.ndarray
    support: np.ndarray
    pixel_accuracy: float
    mean_accuracy: float
    miou: float
    mean_dice: float
    mean_precision: float
    fwiou: float
    micro_iou: float
    micro_dice: float
    micro_precision: float

    @classmethod
    def from_confusion(cls, confusion, *, ignore_index=None, absent="exclude"):
        """Scores from an existing ``(K, K)`` confusion matrix (rows = ground truth).

        ``ignore_index`` only matters here when it is a class index ``0..K-1``: that
        class is left out of every mean.
        """
        cm = np.asarray(confusion)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.dtype.kind not in "iu":
            raise ValueError("confusion must be a square integer matrix, got shape "
                             f"{cm.shape} and dtype {cm.dtype}")
        if cm.size and cm.min() < 0:
            raise ValueError(f"confusion holds a negative count ({cm.min()}); entries "
                             "are pixel counts and must be >= 0")
        ignore_index = check_optional_int(ignore_index, "ignore_index")
        absent = _check_absent(absent)
        cm = cm.astype(np.int64)
        k = cm.shape[0]
        tp = np.diag(cm).astype(np.float64)
        support = cm.sum(axis=1)
        predicted = cm.sum(axis=0)
        fp, fn = predicted - tp, support - tp
        counted = np.ones(k, bool)
        if ignore_index is not None and 0 <= ignore_index < k:
            counted[ignore_index] = False
        present = counted & (support + predicted > 0)
        fill = np.nan if absent == "exclude" else 0.0

        def per_class(num, den):
            out = np.divide(num, den, out=np.zeros(k), where=den > 0)
            out[counted & ~present] = fill
            out[~counted] = np.nan
            return out

        iou = per_class(tp, tp + fp + fn)
        dice = per_class(2 * tp, 2 * tp + fp + fn)
        precision = per_class(tp, tp + fp)
        recall = per_class(tp, tp + fn)
        total = support.sum()
        stp, sfp, sfn = tp[counted].sum(), fp[counted].sum(), fn[counted].sum()
        return cls(
            confusion=cm, iou_per_class=iou, dice_per_class=dice,
            precision_per_class=precision, recall_per_class=recall, support=support,
            pixel_accuracy=_ratio(tp.sum(), total),
            mean_accuracy=_nanmean(recall), miou=_nanmean(iou),
            mean_dice=_nanmean(dice), mean_precision=_nanmean(precision),
            fwiou=_ratio(np.sum(support[present] * iou[present]), total),
            micro_iou=_ratio(stp, stp + sfp + sfn),
            micro_dice=_ratio(2 * stp, 2 * stp + sfp + sfn),
            micro_precision=_ratio(stp, stp + sfp))


class ConfusionMatrix:
    """Streaming confusion matrix: update image by image, then compute the scores.

    Parameters
    ----------
    num_classes : int
        Number of classes ``K``; valid labels are ``0..K-1``.
    ignore_index : int, optional
        Ground-truth value whose pixels are not counted (e.g. 255 or -1).  Only
        ground truth is tested; a prediction may hold any valid class there.
    absent : {"exclude", "zero"}
        How classes absent from both ground truth and prediction enter the means;
        see :class:`SemanticMetrics`.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import ConfusionMatrix
    >>> cm = ConfusionMatrix(3, ignore_index=255)
    >>> cm.update(np.array([[0, 0, 1, 255]]), np.array([[0, 1, 1, 2]]))
    >>> cm.update(np.array([[1, 1]]), np.array([[1, 1]]))
    >>> m = cm.compute()
    >>> m.confusion.tolist()
    [[1, 1, 0], [0, 3, 0], [0, 0, 0]]
    >>> round(m.pixel_accuracy, 4), round(m.miou, 4)
    (0.8, 0.625)
    """

    def __init__(self, num_classes, *, ignore_index=None, absent="exclude"):
        self.num_classes = _check_num_classes(num_classes)
        self.ignore_index = check_optional_int(ignore_index, "ignore_index")
        self.absent = _check_absent(absent)
        self.reset()

    def reset(self):
        """Forget everything counted so far."""
        self.matrix = np.zeros((self.num_classes, self.num_classes), np.int64)

    def update(self, y_true, y_pred):
        """Count one more pair of label maps (any equal shape)."""
        self.matrix += confusion_matrix(y_true, y_pred, self.num_classes,
                                        ignore_index=self.ignore_index)

    def merge(self, other):
        """Add the counts of another ``ConfusionMatrix`` with the same settings
        (e.g. from another worker); returns ``self``."""
        check_mergeable(self, other, ("num_classes", "ignore_index", "absent"))
        self.matrix += other.matrix
        return self

    def compute(self):
        """The :class:`SemanticMetrics` of everything counted so far."""
        return SemanticMetrics.from_confusion(self.matrix, ignore_index=self.ignore_index,
                                              absent=self.absent)


def confusion_matrix(y_true, y_pred, num_classes, *, ignore_index=None):
    """The ``(K, K)`` confusion matrix of two label maps.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Ground-truth and predicted class maps of the same shape (any dimensionality,
        any integer or bool dtype).  Classes are ``0..num_classes-1``.
    num_classes : int
        Number of classes ``K``, at most :data:`MAX_CLASSES` (16384: the table is
        ``K * K`` int64 counts, 2 GiB).
    ignore_index : int, optional
        Ground-truth value whose pixels are skipped.

    Returns
    -------
    ndarray of int64, shape (K, K)
        ``[i, j]`` = number of pixels with true class ``i`` and predicted class ``j``.

    Raises
    ------
    TypeError
        Float (or other non-integer) label maps.
    ValueError
        ``num_classes`` above :data:`MAX_CLASSES`, shapes differ, or a counted
        pixel holds a label outside ``0..K-1`` (negative, or ``>= num_classes``)
        that is not ``ignore_index``.

    Notes
    -----
    One pass over the pixels in a parallel Numba kernel: each fixed block of pixels
    fills its own partial matrix, and the partial matrices are summed in order, so
    the result does not depend on the number of threads.  Each input dtype pair is
    compiled once (cached on disk).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import confusion_matrix
    >>> confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3).tolist()
    [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    k = _check_num_classes(num_classes)
    ignore = check_optional_int(ignore_index, "ignore_index")
    t = check_label_map(y_true, "y_true")
    p = check_label_map(y_pred, "y_pred")
    check_same_shape(t, p, "y_true", "y_pred")
    yt, yp = _flat_labels(t), _flat_labels(p)
    nblocks = _num_blocks(yt.size, k)
    try:
        counts = _confusion(yt, yp, k, 0 if ignore is None else ignore,
                            ignore is not None, nblocks)
    except MemoryError:
        raise ValueError(f"num_classes={k}: no memory for the {k} x {k} confusion "
                         "matrix; lower num_classes") from None
    if counts[k * k + 1]:
        _raise_bad_labels(yt, yp, k, ignore)
    return counts[:k * k].reshape(k, k)


def semantic_metrics(y_true, y_pred, num_classes, *, ignore_index=None,
                     absent="exclude"):
    """All dense metrics of one pair of label maps (see :class:`SemanticMetrics`).

    Arguments as in :func:`confusion_matrix`, plus ``absent`` ("exclude" or "zero"):
    how classes absent from both maps enter the means.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import semantic_metrics
    >>> m = semantic_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)
    >>> m.iou_per_class.tolist()  # class 2 is absent from both: excluded
    [0.5, 0.6666666666666666, nan]
    >>> round(m.miou, 4), m.pixel_accuracy
    (0.5833, 0.75)
    >>> semantic_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3,
    ...                  absent="zero").miou  # counted as 0
    0.38888888888888884
    """
    absent = _check_absent(absent)
    cm = confusion_matrix(y_true, y_pred, num_classes, ignore_index=ignore_index)
    return SemanticMetrics.from_confusion(cm, ignore_index=ignore_index, absent=absent)


def miou(y_true, y_pred, num_classes, *, ignore_index=None, absent="exclude"):
    """Mean intersection over union (macro); see :func:`semantic_metrics`.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import miou
    >>> miou(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    0.5833333333333333
    """
    return semantic_metrics(y_true, y_pred, num_classes, ignore_index=ignore_index,
                            absent=absent).miou


def mean_dice(y_true, y_pred, num_classes, *, ignore_index=None, absent="exclude"):
    """Mean Dice coefficient (= macro F1); see :func:`semantic_metrics`
    (``dice_per_class`` for the per-class values).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import mean_dice
    >>> mean_dice(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    0.7333333333333334
    """
    return semantic_metrics(y_true, y_pred, num_classes, ignore_index=ignore_index,
                            absent=absent).mean_dice


def pixel_accuracy(y_true, y_pred, num_classes, *, ignore_index=None):
    """Fraction of counted pixels whose predicted class is the true class.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import pixel_accuracy
    >>> pixel_accuracy(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    0.75
    """
    return semantic_metrics(y_true, y_pred, num_classes,
                            ignore_index=ignore_index).pixel_accuracy


# --------------------------------------------------------------------- helpers

def _check_absent(absent):
    if absent not in ABSENT:
        raise ValueError(f"absent must be 'exclude' (torchmetrics >= 1.0) or 'zero' "
                         f"(older tools), got {absent!r}")
    return absent


def _check_num_classes(num_classes):
    k = check_positive(num_classes, "num_classes", integer=True)
    if k > MAX_CLASSES:
        raise ValueError(f"num_classes={k} is too large: the confusion matrix would "
                         f"hold {k}**2 int64 counts; expected at most {MAX_CLASSES}")
    return k


def _flat_labels(arr):
    if arr.dtype == bool:
        arr = arr.view(np.uint8)
    return np.ascontiguousarray(arr).ravel()


def _num_blocks(n, k):
    """Fixed block partition (depends on the sizes only, never on threads)."""
    nblocks = min(32, max(1, n >> 16))
    while nblocks > 1 and nblocks * (k * k + 2) > 1 << 23:  # <= 64 MB of partials
        nblocks //= 2
    return nblocks


def _raise_bad_labels(yt, yp, k, ignore):
    counted = np.ones(yt.size, bool) if ignore is None else yt != ignore
    for name, arr in (("y_true", yt), ("y_pred", yp)):
        vals = arr[counted]
        bad = np.unique(vals[(vals < 0) | (vals >= k)])
        if bad.size:
            hint = "" if name == "y_pred" else " (or pass it as ignore_index)"
            raise ValueError(
                f"{name} holds label {bad[0]} outside 0..{k - 1} (num_classes={k})"
                f"{' and ' + str(bad.size - 1) + ' other invalid labels' if bad.size > 1 else ''}; "
                f"raise num_classes or map that label to a valid class{hint}")


def _ratio(num, den):
    return float(num / den) if den > 0 else float("nan")


def _nanmean(values):
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")


@jit(inline=True)
def _bin(t, p, k, ignore, use_ignore):
    """Histogram bin of a (true, pred) pair: ``t*k + p``, ``k*k`` if ignored,
    ``k*k + 1`` if either label is out of range (branch-free)."""
    t = np.int64(t)
    p = np.int64(p)
    uk = np.uint64(k)  # unsigned compare catches negatives (uint64 vs int64 is float)
    ok = (np.uint64(t) < uk) & (np.uint64(p) < uk)
    idx = t * k + p if ok else k * k + 1
    if use_ignore and t == ignore:
        idx = k * k
    return idx


@jit(parallel=True)
def _confusion(yt, yp, k, ignore, use_ignore, nblocks):
    """Counts ``k*k + 2`` bins: pairs, then ignored pixels, then invalid pixels.

    Each block of pixels owns one row of ``part`` (no shared writes); rows are summed
    in order.  Label maps are piecewise constant, so 16-pixel chunks whose pairs are
    all equal (checked with a vectorisable OR of XORs) are counted with one add.
    """
    n = yt.size
    stride = k * k + 2
    size = -(-n // nblocks)
    part = np.zeros((nblocks, stride), np.int64)
    for b in prange(nblocks):
        hist = part[b]
        lo = b * size
        hi = min(n, lo + size)
        end16 = lo + (hi - lo) // 16 * 16
        for i0 in range(lo, end16, 16):
            i = np.uint64(i0)   # unsigned offsets: no wraparound checks, vectorises
            t0 = yt[i]
            p0 = yp[i]
            diff = 0
            for j in range(16):
                diff |= (yt[i + np.uint64(j)] ^ t0) | (yp[i + np.uint64(j)] ^ p0)
            if diff == 0:
                hist[_bin(t0, p0, k, ignore, use_ignore)] += 16
            else:
                for j in range(16):
                    u = i + np.uint64(j)
                    hist[_bin(yt[u], yp[u], k, ignore, use_ignore)] += 1
        for j in range(end16, hi):
            hist[_bin(yt[j], yp[j], k, ignore, use_ignore)] += 1
    out = np.zeros(stride, np.int64)
    for b in range(nblocks):
        out += part[b]
    return out
