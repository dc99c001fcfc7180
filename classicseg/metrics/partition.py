"""Partition metrics against one or several human annotations, as the BSDS500 benchmark
computes them, plus the adapted Rand error.

* Segmentation Covering, Probabilistic Rand Index and Variation of Information follow
  the BSDS500 benchmark code (Arbelaez et al., TPAMI 2011: ``evaluation_reg_image``,
  ``match_segmentations``, ``match_segmentations2``): covering pools the regions of all
  annotators, weighted by area; PRI and VoI are computed against each annotator and
  averaged; VoI is in bits.
* Adapted Rand error follows the SNEMI3D definition (Arganda-Carreras et al. 2015) as
  in :func:`skimage.metrics.adapted_rand_error`.

Everything is computed from the sparse contingency table
(:func:`~classicseg.metrics.contingency`): O(N + K) time and memory, no pixel pairs.

Labels: any integer values.  In ``y_true`` every value, 0 included, is one region (as
in the BSDS500 benchmark, whose maps never contain 0, and scikit-image's
``variation_of_information``); ``ignore_index`` removes the pixels of ``y_true``
carrying that label from every count (``ignore_index=0`` gives scikit-image's default
for ``adapted_rand_error``).  In ``y_pred``, 0 means "no segment" (the library's label
contract): those pixels are left out of every count, exactly as if they were cut out
of both maps.  When no pixel is left, the metrics are NaN.
"""
from dataclasses import dataclass

import numpy as np

from .._validate import check_label_map, check_optional_int, check_same_shape
from ._contingency import label_list, relabel, table_with
from ._result import Result, check_mergeable

__all__ = ["AdaptedRandError", "ImageScores", "PartitionAccumulator", "PartitionMetrics",
           "adapted_rand_error", "image_scores", "partition_metrics",
           "probabilistic_rand_index", "segmentation_covering",
           "variation_of_information"]


@dataclass(frozen=True)
class PartitionMetrics(Result):
    """Region metrics of one segmentation (or a dataset) against human annotations.

    Attributes
    ----------
    covering : float
        Segmentation Covering of the ground truth by the segmentation (higher is
        better; BSDS500's "Covering").
    pri : float
        Probabilistic Rand Index (higher is better).
    voi : float
        Variation of Information in bits (lower is better).
    """
    covering: float
    pri: float
    voi: float


@dataclass(frozen=True)
class AdaptedRandError(Result):
    """Adapted Rand error and the pair precision/recall it combines.

    Attributes
    ----------
    error : float
        ``1 - F``, with ``F`` the weighted harmonic mean of precision and recall.
    precision : float
        Of the pixel pairs the prediction puts together, the share the truth also puts
        together (``sum n_ij^2 / sum_j pred_j^2``, pairs with themselves excluded).
    recall : float
        Of the pixel pairs the truth puts together, the share the prediction also puts
        together.
    """
    error: float
    precision: float
    recall: float


def _annotator_tables(y_true, y_pred, ignore_index):
    """Contingency tables (rows = ``y_pred``, cols = one annotator) per annotator."""
    pred = check_label_map(y_pred, "y_pred")
    flat = pred.ravel()
    labelled = flat != 0
    if not labelled.all():
        flat = flat[labelled]
    base = relabel(flat) if ignore_index is None else None
    tables = []
    for gt in label_list(y_true):
        gt = check_label_map(gt, "y_true")
        check_same_shape(gt, pred, "y_true", "y_pred")
        g = gt.ravel() if labelled.all() else gt.ravel()[labelled]
        if base is None:
            keep = g != ignore_index
            tables.append(table_with(*relabel(flat[keep]), g[keep]))
        else:
            tables.append(table_with(*base, g))
    return tables


def _xlog2x_sum(x):
    x = x.astype(np.float64)
    return float(np.dot(x, np.log2(x)))  # all entries are >= 1


def _rand_index(t):
    """Rand index of one table (BSDS ``rand_index``): share of agreeing pixel pairs."""
    n = t.n
    if n < 2:
        return 1.0 if n == 1 else float("nan")
    disagree = (np.dot(t.row_sizes, t.row_sizes) + np.dot(t.col_sizes, t.col_sizes)
                - 2 * np.dot(t.counts, t.counts))
    return 1.0 - float(disagree) / (n * (n - 1.0))


def _voi(t):
    """Variation of information in bits: ``H(A|B) + H(B|A)``."""
    if t.n == 0:
        return float("nan")
    v = (_xlog2x_sum(t.row_sizes) + _xlog2x_sum(t.col_sizes)
         - 2 * _xlog2x_sum(t.counts)) / t.n
    return max(v, 0.0)  # identical partitions: cancel to 0 up to rounding


def _best_iou(t):
    """Best IoU of each ground-truth region (table columns) over the segmentation's
    regions, as BSDS ``match_segmentations``: ``max_S |S & G| / |S | G|``."""
    iou = t.counts / (t.row_sizes[t.rows] + t.col_sizes[t.cols] - t.counts)
    best = np.zeros(t.col_labels.size)
    np.maximum.at(best, t.cols, iou)
    return best


@dataclass(frozen=True)
class ImageScores(Result):
    """Everything the BSDS region benchmark keeps per image and setting
    (the output of :func:`image_scores`, used by :mod:`classicseg.metrics.bsds`)."""
    cnt_r: float         # sum over all annotators' regions of area * best IoU
    sum_r: float         # total area of those regions
    best_iou: list       # per annotator: best IoU of each of its regions
    areas: list          # per annotator: area of each of its regions
    pri: float
    voi: float
    n_pred: int          # distinct labels in the segmentation
    gt_labels: list      # per annotator: the region labels of best_iou and areas
                         # (those with a pixel where y_pred is not 0)


def image_scores(y_true, y_pred, ignore_index=None):
    """The per-image pieces of covering, PRI and VoI (:class:`ImageScores`): one
    contingency table per annotator, the BSDS ``evaluation_reg_image``."""
    tables = _annotator_tables(y_true, y_pred, ignore_index)
    best = [_best_iou(t) for t in tables]
    areas = [t.col_sizes for t in tables]
    cnt = float(sum(np.dot(a, b) for a, b in zip(areas, best)))
    total = float(sum(t.n for t in tables))
    return ImageScores(cnt, total, best, areas,
                        float(np.mean([_rand_index(t) for t in tables])),
                        float(np.mean([_voi(t) for t in tables])),
                        int(tables[0].row_labels.size),
                        [t.col_labels for t in tables])


def _ratio(cnt, total):
    return cnt / total if total > 0 else float("nan")


def partition_metrics(y_true, y_pred, *, ignore_index=None):
    """Covering, PRI and VoI of a segmentation against one or several annotations.

    One pass per annotator over the shared contingency table; this is what the BSDS500
    region benchmark computes per image and setting.

    Parameters
    ----------
    y_true : array of int, or list of them
        Ground-truth segmentation(s), e.g. the BSDS500 annotators of one image.
    y_pred : array of int
        The segmentation, same shape.
    ignore_index : int, optional
        Pixels labelled so in ``y_true`` are left out of every count.

    Returns
    -------
    PartitionMetrics
        ``(covering, pri, voi)``; covering pools all annotators' regions by area, PRI
        and VoI (bits) are averaged over annotators.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import partition_metrics
    >>> gt = np.array([[1, 1, 2, 2]])
    >>> m = partition_metrics(gt, np.array([[1, 1, 1, 1]]))
    >>> m.covering, round(m.pri, 4), m.voi   # cover: 2*(2/4) / 4; RI: 2 of 6 pairs
    (0.5, 0.3333, 1.0)
    """
    s = image_scores(y_true, y_pred, check_optional_int(ignore_index, "ignore_index"))
    return PartitionMetrics(_ratio(s.cnt_r, s.sum_r), s.pri, s.voi)


def segmentation_covering(y_true, y_pred, *, ignore_index=None):
    """Segmentation Covering of the ground truth by ``y_pred`` (BSDS500).

    ``C = 1/N sum_G |G| max_S |G & S| / |G | S|``; with several annotators, all their
    regions are pooled and weighted by area (``N`` becomes the total area), as the
    benchmark's ``evaluation_reg_image`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import segmentation_covering
    >>> gt = np.array([[1, 1, 1, 2]])
    >>> segmentation_covering(gt, np.array([[1, 1, 2, 2]]))  # (3 * 2/3 + 1 * 1/2) / 4
    0.625
    """
    return partition_metrics(y_true, y_pred, ignore_index=ignore_index).covering


def probabilistic_rand_index(y_true, y_pred, *, ignore_index=None):
    """Probabilistic Rand Index: the Rand index against each annotator, averaged.

    The Rand index is the share of pixel pairs on which the two partitions agree
    (both together or both apart), from the contingency table:
    ``1 - (sum a_i^2 + sum b_j^2 - 2 sum n_ij^2) / (N (N - 1))`` (BSDS ``rand_index``).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import probabilistic_rand_index
    >>> gt = np.array([[1, 1, 2, 2]])
    >>> probabilistic_rand_index([gt, gt], np.array([[1, 1, 2, 3]]))  # 5 of 6 pairs
    0.8333333333333334
    """
    return partition_metrics(y_true, y_pred, ignore_index=ignore_index).pri


def variation_of_information(y_true, y_pred, *, ignore_index=None):
    """Variation of Information in bits, ``H(true|pred) + H(pred|true)``, averaged over
    annotators.

    Equal to ``skimage.metrics.variation_of_information(y_true, y_pred,
    ignore_labels=[ignore_index]).sum()`` (which also uses base-2 logarithms).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import variation_of_information
    >>> variation_of_information(np.array([[1, 1, 2, 2]]), np.array([[1, 1, 1, 1]]))
    1.0
    """
    return partition_metrics(y_true, y_pred, ignore_index=ignore_index).voi


def adapted_rand_error(y_true, y_pred, *, ignore_index=None, alpha=0.5):
    """Adapted Rand error (SNEMI3D), averaged over annotators when given several.

    ``error = 1 - S / (alpha * P + (1 - alpha) * T)`` with ``S = sum n_ij^2 - N``,
    ``P = sum_j pred_j^2 - N`` and ``T = sum_i true_i^2 - N`` (ordered pixel pairs,
    self-pairs excluded); precision is ``S / P``, recall ``S / T``.

    Parameters
    ----------
    y_true, y_pred : arrays of int
        ``y_true`` may be a list of annotations.
    ignore_index : int or None, optional
        Label of ``y_true`` left out (default None, as every classicseg metric).
        Pass ``ignore_index=0`` for the SNEMI3D definition and scikit-image's
        default (``ignore_labels=(0,)``).
    alpha : float, optional
        Weight of precision in the F-score (default 0.5: harmonic mean).

    Returns
    -------
    AdaptedRandError
        ``(error, precision, recall)``.

    Notes
    -----
    With ``ignore_index=0``, ``error`` equals
    :func:`skimage.metrics.adapted_rand_error`'s first value.  Its
    precision and recall are exchanged (scikit-image issue #6485, open): scikit-image
    divides by the *true* segment sizes for "precision"; here precision refers to the
    pairs the prediction groups together.  With ``alpha != 0.5`` scikit-image weights
    its "precision"; classicseg weights the precision defined here.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import adapted_rand_error
    >>> are = adapted_rand_error(np.array([[1, 2], [3, 2]]), np.ones((2, 2), int))
    >>> round(are.error, 4), round(are.precision, 4), are.recall  # merged: recall 1
    (0.7143, 0.1667, 1.0)
    """
    ignore_index = check_optional_int(ignore_index, "ignore_index")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    rows = []
    for t in _annotator_tables(y_true, y_pred, ignore_index):
        s = float(np.dot(t.counts, t.counts) - t.n)
        p = float(np.dot(t.row_sizes, t.row_sizes) - t.n)
        r = float(np.dot(t.col_sizes, t.col_sizes) - t.n)
        denom = alpha * p + (1 - alpha) * r
        rows.append((1.0 - _ratio(s, denom), _ratio(s, p), _ratio(s, r)))
    return AdaptedRandError(*(float(v) for v in np.mean(rows, axis=0)))


class PartitionAccumulator:
    """Dataset-level covering, PRI and VoI, updated one image at a time.

    Covering is pooled over images by area (``sum cnt / sum area``, as the BSDS500
    benchmark's ``collect_eval_reg`` does for a fixed setting); PRI and VoI are means
    over images.

    Parameters
    ----------
    ignore_index : int, optional
        As in :func:`partition_metrics`.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import PartitionAccumulator
    >>> acc = PartitionAccumulator()
    >>> gt = np.array([[1, 1, 2, 2]])
    >>> _ = acc.update(gt, gt)                           # perfect
    >>> _ = acc.update(gt, np.array([[1, 1, 1, 1]]))     # covering 0.5
    >>> acc.compute().covering, acc.n_images
    (0.75, 2)
    """

    def __init__(self, *, ignore_index=None):
        self.ignore_index = check_optional_int(ignore_index, "ignore_index")
        self.reset()

    def reset(self):
        """Forget every image."""
        self._rows = []   # per image: covering numerator and area, PRI, VoI

    def update(self, y_true, y_pred):
        """Add one image; return its own :class:`PartitionMetrics`."""
        s = image_scores(y_true, y_pred, self.ignore_index)
        self._rows.append((s.cnt_r, s.sum_r, s.pri, s.voi))
        return PartitionMetrics(_ratio(s.cnt_r, s.sum_r), s.pri, s.voi)

    def merge(self, other):
        """Add the images of another accumulator (same ``ignore_index``); returns
        ``self``."""
        check_mergeable(self, other, ("ignore_index",))
        self._rows.extend(other._rows)
        return self

    @property
    def n_images(self):
        """Number of images added so far."""
        return len(self._rows)

    def compute(self):
        """The dataset's :class:`PartitionMetrics` so far (NaN before any update)."""
        cnt, area, pri, voi = np.array(self._rows).reshape(-1, 4).sum(axis=0).tolist()
        n = self.n_images
        return PartitionMetrics(_ratio(cnt, area), _ratio(pri, n), _ratio(voi, n))
