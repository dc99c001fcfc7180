"""Panoptic quality (Kirillov et al., CVPR 2019), as the panopticapi ``pq_compute``.

A panoptic segmentation is an id map (one integer per pixel, 0 = void/unlabelled)
plus a segment table giving each id its category (and, for ground truth, a crowd
flag).  Segment pairs of the same category match when their IoU exceeds 0.5 (the
match is then unique); IoU leaves out the prediction's pixels on ground-truth void;
unmatched predictions lying more than half on void or on a crowd region of their own
category are not false positives; crowd regions are never false negatives.
"""
from dataclasses import dataclass

import numpy as np

from .._validate import check_label_map, check_same_shape
from ._contingency import contingency
from ._result import Result, check_mergeable

__all__ = ["PanopticMetrics", "PanopticQuality", "id_to_rgb", "panoptic_quality",
           "rgb_to_id"]

VOID = 0


@dataclass(frozen=True)
class PanopticMetrics(Result):
    """PQ, SQ, RQ overall, for things and stuff, and per category.

    ``PQ = sum(IoU of matches) / (TP + FP/2 + FN/2) = SQ * RQ`` per category; overall,
    things and stuff figures are unweighted means over the categories of that group
    that have any TP, FP or FN (``n``, ``n_things``, ``n_stuff`` of them; NaN when
    none).  Per-category entries of unseen categories are NaN (panopticapi reports
    0 for them and likewise leaves them out of the means).

    Attributes
    ----------
    pq, sq, rq, pq_things, sq_things, rq_things, pq_stuff, sq_stuff, rq_stuff : float
    n, n_things, n_stuff : int
    classes : ndarray of int64, shape (K,)
        Category ids, ascending.
    isthing : ndarray of bool, shape (K,)
    pq_per_class, sq_per_class, rq_per_class : ndarray, shape (K,)
    tp, fp, fn : ndarray of int64, shape (K,)
    iou_sum : ndarray of float64, shape (K,)
        Sum of the IoUs of the matched pairs.
    """
    pq: float
    sq: float
    rq: float
    pq_things: float
    sq_things: float
    rq_things: float
    pq_stuff: float
    sq_stuff: float
    rq_stuff: float
    n: int
    n_things: int
    n_stuff: int
    classes: np.ndarray
    isthing: np.ndarray
    pq_per_class: np.ndarray
    sq_per_class: np.ndarray
    rq_per_class: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    iou_sum: np.ndarray


class PanopticQuality:
    """Streaming panoptic quality: update image by image, then compute.

    Parameters
    ----------
    categories : mapping or sequence
        Every category: a mapping ``{category_id: isthing}``, or COCO-style dicts
        ``{"id": ..., "isthing": 0/1}``.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import PanopticQuality
    >>> gt = np.array([[1, 1, 1, 1, 2, 2, 2, 2]])
    >>> pred = np.array([[5, 5, 5, 7, 7, 7, 7, 7]])
    >>> pq = PanopticQuality({1: True, 2: False})
    >>> pq.update(gt, pred, {1: 1, 2: 2}, {5: 1, 7: 2})
    >>> m = pq.compute()
    >>> m.tp.tolist(), m.fp.tolist(), m.fn.tolist()
    ([1, 1], [0, 0], [0, 0])
    >>> round(m.pq, 4), round(m.sq, 4), m.rq  # IoUs 3/4 and 4/5
    (0.775, 0.775, 1.0)
    """

    def __init__(self, categories):
        cats = _categories(categories)
        self.classes = np.array(sorted(cats), np.int64)
        self.isthing = np.array([cats[c] for c in self.classes.tolist()], bool)
        self.reset()

    def reset(self):
        """Forget every image seen so far."""
        k = self.classes.size
        self.tp = np.zeros(k, np.int64)
        self.fp = np.zeros(k, np.int64)
        self.fn = np.zeros(k, np.int64)
        self._hits = []   # per image: (category index, IoU) of each match, in order

    @property
    def iou_sum(self):
        """Sum of the IoUs of the matched pairs, per category (float64, (K,))."""
        out = np.zeros(self.classes.size)
        if self._hits:
            np.add.at(out, np.concatenate([h[0] for h in self._hits]),
                      np.concatenate([h[1] for h in self._hits]))
        return out

    def merge(self, other):
        """Add the images of another ``PanopticQuality`` with the same categories
        (after ours); returns ``self``."""
        check_mergeable(self, other, ("classes", "isthing"), "categories")
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self._hits.extend(other._hits)
        return self

    def update(self, y_true, y_pred, segments_true, segments_pred):
        """Add one image.

        Parameters
        ----------
        y_true, y_pred : array_like of int
            Panoptic id maps of the same shape; 0 is void (unlabelled).  Use
            :func:`rgb_to_id` for COCO's RGB-encoded PNGs.
        segments_true : mapping or sequence of dict
            Ground-truth segments: ``{segment_id: category_id}``, or COCO
            ``segments_info`` dicts with ``"id"``, ``"category_id"`` and optional
            ``"iscrowd"``.  Every nonzero id of ``y_true`` must be listed.
        segments_pred : mapping or sequence of dict
            The same for the prediction (crowd flags are not used); every nonzero id
            of ``y_pred`` must be listed and every listed id must occur.
        """
        gt = check_label_map(y_true, "y_true")
        pr = check_label_map(y_pred, "y_pred")
        check_same_shape(gt, pr, "y_true", "y_pred")
        g_ids, g_cat, g_crowd = self._segments(segments_true, "segments_true")
        p_ids, p_cat, _ = self._segments(segments_pred, "segments_pred")
        table = contingency(gt, pr)
        g_area = _areas(table.row_labels, table.row_sizes, g_ids, "y_true", "segments_true")
        p_area = _areas(table.col_labels, table.col_sizes, p_ids, "y_pred", "segments_pred")
        missing = p_ids[p_area == 0]
        if missing.size:
            raise ValueError(f"segments_pred lists segment id {missing[0]} that does not "
                             "occur in y_pred")
        # pair table in segment-index space; -1 = void
        gi = _index_of(table.row_labels[table.rows], g_ids)
        pi = _index_of(table.col_labels[table.cols], p_ids)
        inter = table.counts
        on_void = np.zeros(p_ids.size, np.int64)
        v = (gi < 0) & (pi >= 0)
        np.add.at(on_void, pi[v], inter[v])

        cand = (gi >= 0) & (pi >= 0)
        gi, pi, inter = gi[cand], pi[cand], inter[cand]
        same = (g_cat[gi] == p_cat[pi]) & ~g_crowd[gi]
        union = p_area[pi] + g_area[gi] - inter - on_void[pi]
        iou = inter / np.maximum(union, 1)
        hit = same & (iou > 0.5)
        k_hit = g_cat[gi[hit]]
        np.add.at(self.tp, k_hit, 1)
        self._hits.append((k_hit, iou[hit]))

        g_matched = np.zeros(g_ids.size, bool)
        g_matched[gi[hit]] = True
        p_matched = np.zeros(p_ids.size, bool)
        p_matched[pi[hit]] = True
        np.add.at(self.fn, g_cat[~g_matched & ~g_crowd], 1)
        # unmatched predictions mostly on void or on a crowd region of their class
        on_crowd = np.zeros(p_ids.size, np.int64)
        c = g_crowd[gi] & (g_cat[gi] == p_cat[pi])
        np.add.at(on_crowd, pi[c], inter[c])
        excused = (on_void + on_crowd) / np.maximum(p_area, 1) > 0.5
        np.add.at(self.fp, p_cat[~p_matched & ~excused], 1)

    def compute(self):
        """The :class:`PanopticMetrics` of every image seen so far."""
        tp, fp, fn, iou = self.tp, self.fp, self.fn, self.iou_sum
        seen = tp + fp + fn > 0
        den = np.where(seen, tp + 0.5 * fp + 0.5 * fn, 1.0)
        pq = np.where(seen, iou / den, np.nan)
        sq = np.where(seen, np.divide(iou, tp, out=np.zeros(tp.size), where=tp > 0),
                      np.nan)
        rq = np.where(seen, tp / den, np.nan)
        groups = {}
        for name, sel in (("", seen), ("_things", seen & self.isthing),
                          ("_stuff", seen & ~self.isthing)):
            groups["n" + name] = int(sel.sum())
            for key, per in (("pq", pq), ("sq", sq), ("rq", rq)):
                groups[key + name] = float(per[sel].mean()) if sel.any() else float("nan")
        return PanopticMetrics(**groups, classes=self.classes.copy(),
                               isthing=self.isthing.copy(), pq_per_class=pq,
                               sq_per_class=sq, rq_per_class=rq, tp=tp.copy(),
                               fp=fp.copy(), fn=fn.copy(), iou_sum=iou.copy())

    def _segments(self, segments, name):
        """``(ids, category index, crowd)`` arrays of a segment table."""
        if isinstance(segments, dict):
            rows = [(i, c, False) for i, c in segments.items()]
        else:
            try:
                rows = [(s["id"], s["category_id"], bool(s.get("iscrowd", 0)))
                        for s in segments]
            except (TypeError, KeyError) as err:
                raise TypeError(f"{name} must be a mapping {{segment_id: category_id}} "
                                "or a list of dicts with 'id' and 'category_id'") from err
        ids = np.array([r[0] for r in rows], np.int64)
        cats = np.array([r[1] for r in rows], np.int64)
        if np.any(ids == VOID):
            raise ValueError(f"{name} lists segment id 0, which is reserved for void")
        if np.unique(ids).size != ids.size:
            raise ValueError(f"{name} lists a segment id twice")
        unknown = cats[~np.isin(cats, self.classes)]
        if unknown.size:
            raise ValueError(f"{name} uses category {unknown[0]}, which is not among "
                             f"the categories {self.classes.tolist()}")
        return ids, np.searchsorted(self.classes, cats), \
            np.array([r[2] for r in rows], bool)


def panoptic_quality(y_true, y_pred, segments_true, segments_pred, categories):
    """Panoptic quality of one image (one-shot form of :class:`PanopticQuality`).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import panoptic_quality
    >>> gt = np.array([[1, 1, 0, 0]])
    >>> pred = np.array([[4, 4, 4, 4]])  # half of the prediction lies on void
    >>> m = panoptic_quality(gt, pred, {1: 3}, {4: 3}, {3: True})
    >>> m.pq  # void pixels are removed from the union: IoU = 2 / (4 + 2 - 2 - 2)
    1.0
    """
    pq = PanopticQuality(categories)
    pq.update(y_true, y_pred, segments_true, segments_pred)
    return pq.compute()


def rgb_to_id(rgb):
    """COCO panoptic PNG colours to segment ids: ``R + 256 G + 256**2 B``.

    ``rgb`` is ``(..., 3)`` in RGB order (OpenCV reads BGR: reverse the last axis).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import rgb_to_id
    >>> rgb_to_id(np.array([[[1, 2, 3]]], np.uint8)).tolist()
    [[197121]]
    """
    rgb = np.asarray(rgb)
    if rgb.ndim < 1 or rgb.shape[-1] != 3:
        raise ValueError(f"rgb must have 3 channels last, got shape {rgb.shape}")
    rgb = rgb.astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 256 * 256 * rgb[..., 2]


def id_to_rgb(ids):
    """Inverse of :func:`rgb_to_id`: ``(..., 3)`` uint8 RGB colours."""
    ids = np.asarray(ids, np.int64)
    return np.stack([ids % 256, ids // 256 % 256, ids // 65536 % 256], -1).astype(np.uint8)


# --------------------------------------------------------------------- helpers

def _categories(categories):
    if isinstance(categories, dict):
        return {int(k): bool(v) for k, v in categories.items()}
    try:
        return {int(c["id"]): bool(c.get("isthing", 0)) for c in categories}
    except (TypeError, KeyError) as err:
        raise TypeError("categories must be a mapping {category_id: isthing} or a list "
                        "of dicts with 'id' and 'isthing'") from err


def _index_of(labels, ids):
    """Position of each label in ``ids`` (-1 for void and unlisted labels)."""
    order = np.argsort(ids)
    pos = np.searchsorted(ids, labels, sorter=order)
    pos = np.minimum(pos, max(ids.size - 1, 0))
    found = ids.size > 0 and labels.size > 0
    out = np.full(labels.size, -1, np.int64)
    if found:
        ok = ids[order[pos]] == labels
        out[ok] = order[pos[ok]]
    return out


def _areas(labels, sizes, ids, map_name, seg_name):
    """Pixel count of each listed segment; raise on unlisted nonzero labels."""
    idx = _index_of(labels, ids)
    stray = labels[(idx < 0) & (labels != VOID)]
    if stray.size:
        raise ValueError(f"{map_name} holds segment id {stray[0]} that is not listed in "
                         f"{seg_name}")
    area = np.zeros(ids.size, np.int64)
    area[idx[idx >= 0]] = sizes[idx >= 0]
    return area
