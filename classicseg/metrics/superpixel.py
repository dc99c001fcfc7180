"""Superpixel quality metrics, as defined in Stutz, Hermans, Leibe, "Superpixels: An
evaluation of the state-of-the-art", CVIU 166, 2018 (doi:10.1016/j.cviu.2017.03.007).

Boundary recall, undersegmentation error (Neubert & Protzel), achievable segmentation
accuracy, explained variation and compactness (Schick et al.).  The overlap metrics are
computed from :func:`~classicseg.metrics.contingency`; boundary recall and compactness
from one Numba pass over the label map.

Every label value of the superpixel map counts as one superpixel (0 included).
"""
from typing import NamedTuple

import numpy as np

from .._numba import jit
from .._validate import check_array, check_label_map, check_positive, check_same_shape
from ._contingency import label_list, relabel, table_of


class SuperpixelMetrics(NamedTuple):
    """Superpixel metrics of one label map (averaged over the annotators given).

    Attributes
    ----------
    n_segments : int
        Number of distinct labels in the superpixel map.
    br : float
        Boundary recall (higher is better).
    ue : float
        Undersegmentation error, Neubert-Protzel (lower is better).
    asa : float
        Achievable segmentation accuracy (higher is better).
    ev : float
        Explained variation (higher is better); NaN when no image was given.
    co : float
        Compactness, area-weighted isoperimetric quotient (higher is more compact).
    """
    n_segments: int
    br: float
    ue: float
    asa: float
    ev: float
    co: float


def _labels_2d(labels, name):
    arr = check_label_map(labels, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D label map, got shape {arr.shape}")
    return arr


def _indexed(labels, name):
    """Relabel a 2-D map to 0..K-1: (int32 index map, number of labels)."""
    arr = _labels_2d(labels, name)
    idx, uniq, sizes = relabel(arr.ravel())
    return idx.reshape(arr.shape), uniq, sizes


def boundary_recall(labels_true, labels_pred, *, tolerance=2):
    """Fraction of ground-truth boundary pixels with a superpixel boundary nearby.

    A ground-truth boundary pixel is recalled if a boundary pixel of ``labels_pred``
    lies within Chebyshev distance ``tolerance`` (a ``2 t + 1`` square window).
    Boundary pixels are those whose label differs from their right or lower neighbour
    (the convention of Stutz et al.'s benchmark, not the BSDS ``seg2bdry`` thinning of
    :mod:`classicseg.metrics.boundary`).

    Parameters
    ----------
    labels_true : (H, W) array of int or bool
        Ground-truth segmentation, or a boolean boundary map (e.g. BSDS500
        ``Boundaries``) taken as is.
    labels_pred : (H, W) array of int
        Superpixel label map.
    tolerance : int, optional
        Chebyshev distance in pixels (default 2).

    Returns
    -------
    float
        In [0, 1]; 1.0 when the ground truth has no boundary pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import boundary_recall
    >>> gt = np.array([[1, 1, 1, 1, 2, 2]] * 2)   # boundary at column 3
    >>> sp = np.array([[1, 2, 2, 2, 2, 2]] * 2)   # boundary at column 0
    >>> boundary_recall(gt, sp, tolerance=2), boundary_recall(gt, sp, tolerance=3)
    (0.0, 1.0)
    """
    tolerance = check_positive(tolerance, "tolerance", integer=True, allow_zero=True)
    sp, _, _ = _indexed(labels_pred, "labels_pred")
    return _recall(_gt_boundary(labels_true, sp.shape), _boundary_kernel(sp), tolerance)


def _gt_boundary(labels_true, shape):
    gt = _labels_2d(labels_true, "labels_true")
    if gt.shape != shape:
        raise ValueError(f"labels_true has shape {gt.shape} but labels_pred has shape "
                         f"{shape}; they must match")
    if gt.dtype == np.bool_:
        return np.ascontiguousarray(gt).view(np.uint8)
    idx, _, _ = relabel(gt.ravel())
    return _boundary_kernel(idx.reshape(shape))


def _recall(gt_bnd, sp_bnd, tolerance):
    hit, total = _recall_counts(gt_bnd, sp_bnd, tolerance)
    return 1.0 if total == 0 else hit / total


def undersegmentation_error(labels_true, labels_pred):
    """Undersegmentation error of Neubert & Protzel (2012), as in Stutz et al. 2018.

    ``UE = 1/N * sum_G sum_{S : S & G != 0} min(|S & G|, |S - G|)``: each superpixel
    overlapping a ground-truth segment is charged its smaller part, inside or outside.
    Averaged over annotators when ``labels_true`` is a list.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import undersegmentation_error
    >>> gt = np.array([[1, 1, 2, 2]])
    >>> sp = np.array([[1, 2, 2, 2]])  # superpixel 2 leaks one pixel into segment 1
    >>> undersegmentation_error(gt, sp)  # (min(1, 2) + min(2, 1)) / 4
    0.5
    """
    return float(np.mean([_ue(t) for t in _tables(labels_true, labels_pred)]))


def achievable_segmentation_accuracy(labels_true, labels_pred):
    """Achievable segmentation accuracy: ``1/N * sum_S max_G |S & G|``.

    The pixel accuracy of the best labelling that is constant on superpixels.
    Averaged over annotators when ``labels_true`` is a list.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import achievable_segmentation_accuracy
    >>> achievable_segmentation_accuracy(np.array([[1, 1, 2, 2]]), np.array([[1, 2, 2, 2]]))
    0.75
    """
    return float(np.mean([_asa(t) for t in _tables(labels_true, labels_pred)]))


def explained_variation(image, labels_pred):
    """Explained variation: share of the image's colour variance the superpixel means
    explain.

    ``EV = sum_S |S| ||mu_S - mu||^2 / sum_x ||I(x) - mu||^2`` (= 1 - within-superpixel
    variance / total variance), colour channels pooled.  NaN for a constant image.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
        Channels last; any real dtype (the ratio does not depend on scale).
    labels_pred : (H, W) array of int

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import explained_variation
    >>> img = np.array([[0., 2., 10., 10.]])
    >>> explained_variation(img, np.array([[1, 1, 2, 2]]))  # 1 - 2 / 83
    0.9759036144578314
    """
    sp, _, sizes = _indexed(labels_pred, "labels_pred")
    return _ev(_image_channels(image, sp.shape), sp, sizes)


def _image_channels(image, shape):
    img = check_array(image, "image")
    if img.shape[:2] != shape or img.ndim not in (2, 3):
        raise ValueError(f"image has shape {img.shape}; expected {shape} or "
                         f"{shape + ('C',)} to match labels_pred (channels last)")
    img = img.reshape(shape[0] * shape[1], -1).astype(np.float64)
    if not np.isfinite(img).all():
        raise ValueError("image contains NaN or inf values")
    return img


def _ev(img, sp, sizes):
    flat = sp.ravel()
    sums = np.stack([np.bincount(flat, weights=c, minlength=sizes.size) for c in img.T],
                    axis=1)
    mu = img.mean(axis=0)
    between = float((((sums / sizes[:, None]) - mu) ** 2 * sizes[:, None]).sum())
    total = float(((img - mu) ** 2).sum())
    return between / total if total > 0 else float("nan")


def compactness(labels_pred):
    """Compactness of Schick et al. (2012): area-weighted isoperimetric quotient.

    ``CO = sum_S |S| / N * 4 pi |S| / P(S)^2`` where the perimeter ``P(S)`` counts the
    4-neighbour pixel edges of ``S`` facing another label or the image border (as in
    Stutz's benchmark code).  A square of any size scores pi / 4.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import compactness
    >>> round(compactness(np.array([[1, 1], [1, 1]])), 6)  # pi / 4
    0.785398
    """
    sp, _, sizes = _indexed(labels_pred, "labels_pred")
    return _co(sp, sizes)


def _co(sp, sizes):
    perim = _perimeters(sp, sizes.size).astype(np.float64)
    area = sizes.astype(np.float64)
    return float((4 * np.pi * area ** 2 / perim ** 2).sum() / area.sum())


def superpixel_metrics(labels_true, labels_pred, image=None, *, tolerance=2,
                       boundaries_true=None):
    """All superpixel metrics of one label map, averaged over the annotators.

    Parameters
    ----------
    labels_true : (H, W) array of int, or list of them
        Ground-truth segmentation(s), e.g. the BSDS500 annotators.  BR, UE and ASA are
        computed against each and averaged.
    labels_pred : (H, W) array of int
        Superpixel label map.
    image : (H, W[, C]) array, optional
        The image, for explained variation (NaN without it).
    tolerance : int, optional
        Boundary recall tolerance (Chebyshev distance, default 2).
    boundaries_true : list of (H, W) bool arrays, optional
        Ground-truth boundary maps for boundary recall (e.g. the BSDS500
        ``Boundaries``), one per annotator; default: derived from ``labels_true``
        (label differs from the right or lower neighbour).

    Returns
    -------
    SuperpixelMetrics
        ``(n_segments, br, ue, asa, ev, co)``.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import superpixel_metrics
    >>> gt = np.array([[1, 1, 2, 2]] * 4)
    >>> m = superpixel_metrics(gt, gt)
    >>> m.n_segments, m.br, m.ue, m.asa
    (2, 1.0, 0.0, 1.0)
    """
    tolerance = check_positive(tolerance, "tolerance", integer=True, allow_zero=True)
    sp, uniq, sizes = _indexed(labels_pred, "labels_pred")
    sp_bnd = _boundary_kernel(sp)
    br, ue, asa = [], [], []
    for t, gi in _pairs(labels_true, sp, uniq, sizes):
        ue.append(_ue(t))
        asa.append(_asa(t))
        if boundaries_true is None:
            br.append(_recall(_boundary_kernel(gi.reshape(sp.shape)), sp_bnd, tolerance))
    if boundaries_true is not None:
        br = [_recall(_gt_boundary(np.asarray(b, bool), sp.shape), sp_bnd, tolerance)
              for b in label_list(boundaries_true, "boundaries_true")]
    ev = float("nan") if image is None else _ev(_image_channels(image, sp.shape), sp,
                                                  sizes)
    return SuperpixelMetrics(int(uniq.size), float(np.mean(br)), float(np.mean(ue)),
                             float(np.mean(asa)), ev, _co(sp, sizes))


def _pairs(labels_true, pred_idx, uniq, sizes):
    """(contingency table with superpixels as rows, GT index map) for each GT."""
    out = []
    for gt in label_list(labels_true):
        gt = check_label_map(gt, "labels_true")
        check_same_shape(gt, pred_idx, "labels_true", "labels_pred")
        gi, gu, gs = relabel(gt.ravel())
        out.append((table_of(pred_idx.ravel(), uniq, sizes, gi, gu, gs), gi))
    return out


def _tables(labels_true, labels_pred):
    pred = check_label_map(labels_pred, "labels_pred")
    idx, uniq, sizes = relabel(pred.ravel())
    return [t for t, _ in _pairs(labels_true, idx.reshape(pred.shape), uniq, sizes)]


def _ue(t):
    outside = t.sizes_a[t.rows] - t.counts
    return float(np.minimum(t.counts, outside).sum() / t.n)


def _asa(t):
    best = np.zeros(t.labels_a.size, np.int64)
    np.maximum.at(best, t.rows, t.counts)
    return float(best.sum() / t.n)


@jit
def _boundary_kernel(lab):
    h, w = lab.shape
    out = np.zeros((h, w), np.uint8)
    for i in range(h):
        for j in range(w):
            v = lab[i, j]
            if (j + 1 < w and lab[i, j + 1] != v) or (i + 1 < h and lab[i + 1, j] != v):
                out[i, j] = 1
    return out


@jit
def _recall_counts(gt_bnd, sp_bnd, r):
    h, w = sp_bnd.shape
    # horizontal dilation of sp_bnd by r via a running window count
    hor = np.zeros((h, w), np.int32)
    for i in range(h):
        run = 0
        for j in range(min(r, w)):
            run += sp_bnd[i, j]
        for j in range(w):
            if j + r < w:
                run += sp_bnd[i, j + r]
            if j - r - 1 >= 0:
                run -= sp_bnd[i, j - r - 1]
            hor[i, j] = 1 if run > 0 else 0
    # column prefix sums of the horizontal dilation answer each vertical window
    pre = np.zeros((h + 1, w), np.int32)
    for i in range(h):
        for j in range(w):
            pre[i + 1, j] = pre[i, j] + hor[i, j]
    hit = 0
    total = 0
    for i in range(h):
        lo = max(0, i - r)
        hi = min(h, i + r + 1)
        for j in range(w):
            if gt_bnd[i, j]:
                total += 1
                if pre[hi, j] - pre[lo, j] > 0:
                    hit += 1
    return hit, total


@jit
def _perimeters(lab, k):
    h, w = lab.shape
    perim = np.zeros(k, np.int64)
    for i in range(h):
        for j in range(w):
            v = lab[i, j]
            c = 0
            c += 1 if i == 0 or lab[i - 1, j] != v else 0
            c += 1 if i == h - 1 or lab[i + 1, j] != v else 0
            c += 1 if j == 0 or lab[i, j - 1] != v else 0
            c += 1 if j == w - 1 or lab[i, j + 1] != v else 0
            perim[v] += c
    return perim
