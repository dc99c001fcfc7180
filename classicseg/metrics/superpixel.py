"""Superpixel quality metrics, as defined in Stutz, Hermans, Leibe, "Superpixels: An
evaluation of the state-of-the-art", CVIU 166, 2018 (doi:10.1016/j.cviu.2017.03.007).

Boundary recall, undersegmentation error (Neubert & Protzel), achievable segmentation
accuracy, explained variation and compactness (Schick et al.).  The overlap metrics are
computed from :func:`~classicseg.metrics.contingency`; boundary recall and compactness
from one Numba pass over the label map.

Labels: every nonzero value of the superpixel map ``y_pred`` is one superpixel; 0
means "no segment" (the library's label contract): its pixels are left out of UE,
ASA, EV and compactness (as if cut out of every map) and it is not counted in
``n_segments``; for boundary recall a 0 pixel differs from its labelled neighbours
like any other label, so the edge of a segment facing unlabelled pixels is a
boundary.  In ``y_true`` every value, 0 included, is a region (BSDS500 maps hold no
0).  Without any labelled pixel the overlap metrics are NaN.
"""
from dataclasses import dataclass

import numpy as np

from .._kernels.boundary import RIGHT_DOWN, label_boundaries
from .._numba import jit
from .._validate import check_array, check_label_map, check_positive, check_same_shape
from ._contingency import label_list, relabel, table_with
from ._result import Result

__all__ = ["SuperpixelMetrics", "achievable_segmentation_accuracy", "boundary_recall",
           "compactness", "explained_variation", "superpixel_metrics",
           "undersegmentation_error"]


@dataclass(frozen=True)
class SuperpixelMetrics(Result):
    """Superpixel metrics of one label map (averaged over the annotators given).

    Attributes
    ----------
    n_segments : int
        Number of distinct nonzero labels in the superpixel map.
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


def _indexed_any(labels, name):
    """Relabel a label map to 0..K-1: (int32 index map, labels, sizes)."""
    arr = check_label_map(labels, name)
    idx, uniq, sizes = relabel(arr.ravel())
    return idx.reshape(arr.shape), uniq, sizes


def _indexed(labels, name):
    """:func:`_indexed_any` of a 2-D map."""
    return _indexed_any(_labels_2d(labels, name), name)


def boundary_recall(y_true, y_pred, *, max_dist=2):
    """Fraction of ground-truth boundary pixels with a superpixel boundary nearby.

    A ground-truth boundary pixel is recalled if a boundary pixel of ``y_pred``
    lies within Chebyshev distance ``max_dist`` pixels (a ``2 d + 1`` square window).
    Boundary pixels are those whose label differs from their right or lower neighbour
    (the convention of Stutz et al.'s benchmark, not the BSDS ``seg2bdry`` thinning of
    :mod:`classicseg.metrics.boundary`).

    Parameters
    ----------
    y_true : (H, W) array of int or bool
        Ground-truth segmentation, or a boolean boundary map (e.g. BSDS500
        ``Boundaries``) taken as is.
    y_pred : (H, W) array of int
        Superpixel label map.
    max_dist : int, optional
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
    >>> boundary_recall(gt, sp, max_dist=2), boundary_recall(gt, sp, max_dist=3)
    (0.0, 1.0)
    """
    max_dist = check_positive(max_dist, "max_dist", integer=True, allow_zero=True)
    sp, _, _ = _indexed(y_pred, "y_pred")
    max_dist = min(max_dist, max(sp.shape))   # a larger window sees the whole image
    return _recall(_gt_boundary(y_true, sp.shape), _boundaries(sp), max_dist)


def _gt_boundary(y_true, shape):
    gt = _labels_2d(y_true, "y_true")
    if gt.shape != shape:
        raise ValueError(f"y_true has shape {gt.shape} but y_pred has shape "
                         f"{shape}; they must match")
    if gt.dtype == np.bool_:
        return np.ascontiguousarray(gt).view(np.uint8)
    idx, _, _ = relabel(gt.ravel())
    return _boundaries(idx.reshape(shape))


def _boundaries(lab):
    """uint8 map of the pixels whose right or lower neighbour has another label."""
    lab = np.ascontiguousarray(lab)
    return label_boundaries(lab.reshape((1,) + lab.shape), RIGHT_DOWN).reshape(lab.shape)


def _recall(gt_bnd, sp_bnd, max_dist):
    hit, total = _recall_counts(gt_bnd, sp_bnd, max_dist)
    return 1.0 if total == 0 else hit / total


def undersegmentation_error(y_true, y_pred):
    """Undersegmentation error of Neubert & Protzel (2012), as in Stutz et al. 2018.

    ``UE = 1/N * sum_G sum_{S : S & G != 0} min(|S & G|, |S - G|)``: each superpixel
    overlapping a ground-truth segment is charged its smaller part, inside or outside.
    Averaged over annotators when ``y_true`` is a list.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import undersegmentation_error
    >>> gt = np.array([[1, 1, 2, 2]])
    >>> sp = np.array([[1, 2, 2, 2]])  # superpixel 2 leaks one pixel into segment 1
    >>> undersegmentation_error(gt, sp)  # (min(1, 2) + min(2, 1)) / 4
    0.5
    """
    return float(np.mean([_ue(t) for t in _tables(y_true, y_pred)]))


def achievable_segmentation_accuracy(y_true, y_pred):
    """Achievable segmentation accuracy: ``1/N * sum_S max_G |S & G|``.

    The pixel accuracy of the best labelling that is constant on superpixels.
    Averaged over annotators when ``y_true`` is a list.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import achievable_segmentation_accuracy
    >>> achievable_segmentation_accuracy(np.array([[1, 1, 2, 2]]), np.array([[1, 2, 2, 2]]))
    0.75
    """
    return float(np.mean([_asa(t) for t in _tables(y_true, y_pred)]))


def explained_variation(image, y_pred):
    """Explained variation: share of the image's colour variance the superpixel means
    explain.

    ``EV = sum_S |S| ||mu_S - mu||^2 / sum_x ||I(x) - mu||^2`` (= 1 - within-superpixel
    variance / total variance), colour channels pooled, over the labelled pixels.
    NaN for a constant image.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
        Channels last; any real dtype (the ratio does not depend on scale).
    y_pred : (H, W) array of int

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import explained_variation
    >>> img = np.array([[0., 2., 10., 10.]])
    >>> explained_variation(img, np.array([[1, 1, 2, 2]]))  # 1 - 2 / 83
    0.9759036144578314
    """
    sp, uniq, _ = _indexed(y_pred, "y_pred")
    return _ev(_image_channels(image, sp.shape), sp, uniq)


def _image_channels(image, shape):
    img = check_array(image, "image")
    if img.shape[:2] != shape or img.ndim not in (2, 3):
        raise ValueError(f"image has shape {img.shape}; expected {shape} or "
                         f"{shape + ('C',)} to match y_pred (channels last)")
    img = img.reshape(shape[0] * shape[1], -1).astype(np.float64)
    if not np.isfinite(img).all():
        raise ValueError("image contains NaN or inf values")
    peak = float(np.abs(img).max())
    if peak > 0:   # EV is scale-free; a power of two keeps squares in range, exactly
        img = img / 2.0 ** np.ceil(np.log2(peak))
    return img


def _labelled(sp, uniq):
    """Flat mask of the pixels whose label is not 0, or None when all are."""
    zero = np.searchsorted(uniq, 0)
    if zero == uniq.size or uniq[zero] != 0:
        return None
    return sp.ravel() != zero


def _ev(img, sp, uniq):
    keep = _labelled(sp, uniq)
    flat = sp.ravel()
    if keep is not None:
        img = img[keep]
        if img.shape[0] == 0:
            return float("nan")
    flat, _, sizes = relabel(flat if keep is None else flat[keep])
    sums = np.stack([np.bincount(flat, weights=c, minlength=sizes.size) for c in img.T],
                    axis=1)
    mu = img.mean(axis=0)
    between = float((((sums / sizes[:, None]) - mu) ** 2 * sizes[:, None]).sum())
    total = float(((img - mu) ** 2).sum())
    return between / total if total > 0 else float("nan")


def compactness(y_pred):
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
    sp, uniq, sizes = _indexed(y_pred, "y_pred")
    return _co(sp, uniq, sizes)


def _co(sp, uniq, sizes):
    perim = _perimeters(sp, sizes.size).astype(np.float64)
    area = sizes.astype(np.float64)
    seg = uniq != 0
    if not seg.any():
        return float("nan")
    return float((4 * np.pi * area[seg] ** 2 / perim[seg] ** 2).sum() / area[seg].sum())


def superpixel_metrics(y_true, y_pred, image=None, *, max_dist=2,
                       boundaries_true=None):
    """All superpixel metrics of one label map, averaged over the annotators.

    Parameters
    ----------
    y_true : (H, W) array of int, or list of them
        Ground-truth segmentation(s), e.g. the BSDS500 annotators.  BR, UE and ASA are
        computed against each and averaged.
    y_pred : (H, W) array of int
        Superpixel label map.
    image : (H, W[, C]) array, optional
        The image, for explained variation (NaN without it).
    max_dist : int, optional
        Boundary recall distance (Chebyshev, in pixels; default 2).
    boundaries_true : list of (H, W) bool arrays, optional
        Ground-truth boundary maps for boundary recall (e.g. the BSDS500
        ``Boundaries``), one per annotator; default: derived from ``y_true``
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
    max_dist = check_positive(max_dist, "max_dist", integer=True, allow_zero=True)
    sp, uniq, sizes = _indexed(y_pred, "y_pred")
    max_dist = min(max_dist, max(sp.shape))
    sp_bnd = _boundaries(sp)
    br, ue, asa = [], [], []
    for t, gt in _pairs(y_true, sp, uniq):
        ue.append(_ue(t))
        asa.append(_asa(t))
        if boundaries_true is None:
            br.append(_recall(_gt_boundary(gt, sp.shape), sp_bnd, max_dist))
    if boundaries_true is not None:
        br = [_recall(_gt_boundary(np.asarray(b, bool), sp.shape), sp_bnd, max_dist)
              for b in label_list(boundaries_true, "boundaries_true")]
    ev = float("nan") if image is None else _ev(_image_channels(image, sp.shape), sp,
                                                  uniq)
    return SuperpixelMetrics(int(np.count_nonzero(uniq)), float(np.mean(br)),
                             float(np.mean(ue)), float(np.mean(asa)), ev,
                             _co(sp, uniq, sizes))


def _pairs(y_true, pred_idx, uniq):
    """(contingency table over the labelled pixels with superpixels as rows, GT
    label map) for each GT."""
    keep = _labelled(pred_idx, uniq)
    flat = pred_idx.ravel() if keep is None else pred_idx.ravel()[keep]
    pred = relabel(flat)
    out = []
    for gt in label_list(y_true):
        gt = check_label_map(gt, "y_true")
        check_same_shape(gt, pred_idx, "y_true", "y_pred")
        g = gt.ravel() if keep is None else gt.ravel()[keep]
        out.append((table_with(*pred, g), gt))
    return out


def _tables(y_true, y_pred):
    sp, uniq, _ = _indexed_any(y_pred, "y_pred")
    return [t for t, _ in _pairs(y_true, sp, uniq)]


def _ue(t):
    outside = t.row_sizes[t.rows] - t.counts
    return float(np.minimum(t.counts, outside).sum() / t.n) if t.n else float("nan")


def _asa(t):
    best = np.zeros(t.row_labels.size, np.int64)
    np.maximum.at(best, t.rows, t.counts)
    return float(best.sum() / t.n) if t.n else float("nan")


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
    """Pixel sides per label facing another label or the image border."""
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
