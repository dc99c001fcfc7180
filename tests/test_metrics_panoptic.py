"""Panoptic quality: hand-worked cases and a line-by-line transcription of the
panopticapi ``pq_compute_single_core`` loop as an oracle on random maps."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from classicseg.metrics import (PanopticQuality, id_to_rgb, panoptic_quality,
                                rgb_to_id)

CATS = {1: True, 2: False, 3: True}  # person (thing), sky (stuff), car (thing)


def test_hand_worked_match_void_and_crowd():
    gt = np.array([[1, 1, 1, 1, 2, 2, 2, 2, 0, 0],
                   [1, 1, 1, 1, 2, 2, 2, 2, 9, 9]])
    pred = np.array([[5, 5, 5, 5, 5, 6, 6, 6, 8, 8],
                     [5, 5, 5, 0, 6, 6, 6, 6, 8, 8]])
    seg_t = [{"id": 1, "category_id": 1}, {"id": 2, "category_id": 2},
             {"id": 9, "category_id": 3, "iscrowd": 1}]
    seg_p = {5: 1, 6: 2, 8: 3}
    m = panoptic_quality(gt, pred, seg_t, seg_p, CATS)
    # person: |1 & 5| = 7, union 8 + 8 - 7 = 9.  sky: |2 & 6| = 7, union 7 + 8 - 7 = 8.
    # car prediction 8: 2 px on void + 2 px on the car crowd = all of it -> not a FP;
    # the crowd region is not a FN.  So car has no TP/FP/FN and is left out.
    assert_array_equal(m.tp, [1, 1, 0])
    assert_array_equal(m.fp, [0, 0, 0])
    assert_array_equal(m.fn, [0, 0, 0])
    assert_allclose(m.pq_per_class, [7 / 9, 7 / 8, np.nan])
    assert m.pq == pytest.approx((7 / 9 + 7 / 8) / 2)
    assert m.sq == pytest.approx((7 / 9 + 7 / 8) / 2)
    assert m.rq == 1.0
    assert m.pq_things == pytest.approx(7 / 9) and m.n_things == 1
    assert m.pq_stuff == pytest.approx(7 / 8) and m.n_stuff == 1
    assert m.n == 2


def test_iou_of_exactly_one_half_does_not_match():
    gt = np.array([[1, 1, 1, 1, 0, 0]])
    pred = np.array([[5, 5, 6, 6, 6, 6]])
    m = panoptic_quality(gt, pred, {1: 1}, {5: 1, 6: 1}, CATS)
    # (1,5): 2 / (2 + 4 - 2) = 0.5; (1,6): 2 / (4 + 4 - 2 - 2 void) = 0.5: no match.
    # 5 is a FP; 6 lies half (not more) on void: also a FP.
    assert m.tp[0] == 0 and m.fn[0] == 1 and m.fp[0] == 2
    assert m.pq_per_class[0] == 0 and m.sq_per_class[0] == 0
    assert m.rq_per_class[0] == 0


def test_prediction_mostly_on_void_is_not_a_false_positive():
    gt = np.array([[1, 1, 0, 0, 0, 0]])
    pred = np.array([[1, 1, 0, 7, 7, 7]])
    m = panoptic_quality(gt, pred, {1: 2}, {1: 2, 7: 3}, CATS)
    assert_array_equal(m.fp, [0, 0, 0])
    assert m.pq == 1.0


def test_wrong_category_is_one_fp_and_one_fn():
    gt = np.array([[1, 1, 1, 1]])
    pred = np.array([[4, 4, 4, 4]])
    m = panoptic_quality(gt, pred, {1: 1}, {4: 3}, CATS)
    assert_array_equal(m.tp, [0, 0, 0])
    assert_array_equal(m.fn, [1, 0, 0])
    assert_array_equal(m.fp, [0, 0, 1])
    assert m.pq == 0 and m.n == 2 and np.isnan(m.pq_stuff)


def test_streaming_sums_counts_over_images():
    pq = PanopticQuality([{"id": 1, "isthing": 1}, {"id": 2, "isthing": 0}])
    pq.update(np.array([[1, 1]]), np.array([[3, 3]]), {1: 1}, {3: 1})  # TP, IoU 1
    pq.update(np.array([[2, 2]]), np.array([[0, 0]]), {2: 2}, {})  # FN
    m = pq.compute()
    assert_array_equal(m.tp, [1, 0])
    assert_array_equal(m.fn, [0, 1])
    assert m.pq == pytest.approx((1 + 0) / 2)
    pq.reset()
    assert pq.compute().n == 0 and np.isnan(pq.compute().pq)


def test_rgb_encoding_round_trip():
    ids = np.array([[0, 1, 256, 65536 + 7, 2 ** 24 - 1]])
    assert_array_equal(rgb_to_id(id_to_rgb(ids)), ids)
    assert rgb_to_id(np.array([1, 2, 3])) == 1 + 2 * 256 + 3 * 65536


def test_errors():
    gt = np.array([[1, 1]])
    with pytest.raises(ValueError, match="y_pred holds segment id 4 that is not listed"):
        panoptic_quality(gt, np.array([[4, 4]]), {1: 1}, {}, CATS)
    with pytest.raises(ValueError, match="segments_pred lists segment id 6 that does not"):
        panoptic_quality(gt, np.array([[4, 4]]), {1: 1}, {4: 1, 6: 1}, CATS)
    with pytest.raises(ValueError, match="category 8"):
        panoptic_quality(gt, gt, {1: 8}, {1: 1}, CATS)
    with pytest.raises(ValueError, match="segment id 0"):
        panoptic_quality(gt, gt, {1: 1, 0: 1}, {1: 1}, CATS)
    with pytest.raises(ValueError, match="y_true has shape"):
        panoptic_quality(gt, np.array([[1, 1, 1]]), {1: 1}, {1: 1}, CATS)
    with pytest.raises(TypeError, match="y_true has float dtype"):
        panoptic_quality(gt.astype(float), gt, {1: 1}, {1: 1}, CATS)
    with pytest.raises(TypeError, match="segments_true must be a mapping"):
        panoptic_quality(gt, gt, [1], {1: 1}, CATS)


# --------------------------------------------------------------------- oracle

def panopticapi_single_core(pairs, categories):
    """pq_compute_single_core of panopticapi, transcribed (areas from the PNGs)."""
    VOID, OFFSET = 0, 256 * 256 * 256
    stat = {c: dict(tp=0, fp=0, fn=0, iou=0.0) for c in categories}
    for pan_gt, pan_pred, gt_info, pred_info in pairs:
        gt_segms = {el["id"]: dict(el) for el in gt_info}
        pred_segms = {el["id"]: dict(el) for el in pred_info}
        for segms, pan in ((gt_segms, pan_gt), (pred_segms, pan_pred)):
            labels, cnt = np.unique(pan, return_counts=True)
            for s in segms.values():
                s["area"] = 0
            for label, c in zip(labels, cnt):
                if label != VOID:
                    segms[label]["area"] = c
        pan_gt_pred = pan_gt.astype(np.uint64) * OFFSET + pan_pred.astype(np.uint64)
        labels, cnt = np.unique(pan_gt_pred, return_counts=True)
        gt_pred_map = {(int(lab) // OFFSET, int(lab) % OFFSET): c
                       for lab, c in zip(labels, cnt)}
        gt_matched, pred_matched = set(), set()
        for (gl, pl), inter in gt_pred_map.items():
            if gl not in gt_segms or pl not in pred_segms:
                continue
            if gt_segms[gl]["iscrowd"] == 1:
                continue
            if gt_segms[gl]["category_id"] != pred_segms[pl]["category_id"]:
                continue
            union = (pred_segms[pl]["area"] + gt_segms[gl]["area"] - inter
                     - gt_pred_map.get((VOID, pl), 0))
            iou = inter / union
            if iou > 0.5:
                stat[gt_segms[gl]["category_id"]]["tp"] += 1
                stat[gt_segms[gl]["category_id"]]["iou"] += iou
                gt_matched.add(gl)
                pred_matched.add(pl)
        crowd = {}
        for gl, info in gt_segms.items():
            if gl in gt_matched:
                continue
            if info["iscrowd"] == 1:
                crowd[info["category_id"]] = gl
                continue
            stat[info["category_id"]]["fn"] += 1
        for pl, info in pred_segms.items():
            if pl in pred_matched:
                continue
            inter = gt_pred_map.get((VOID, pl), 0)
            if info["category_id"] in crowd:
                inter += gt_pred_map.get((crowd[info["category_id"]], pl), 0)
            if inter / info["area"] > 0.5:
                continue
            stat[info["category_id"]]["fp"] += 1
    return stat


def random_image(rng, shape=(24, 30)):
    """Ground truth of painted rectangles (some void, at most one crowd per
    category); prediction = shifted, partly relabelled copy plus extra segments."""
    gt = np.zeros(shape, np.int64)
    info_t = []
    crowd_used = set()
    for sid in range(1, rng.integers(2, 9)):
        y, x = rng.integers(0, shape[0] - 3), rng.integers(0, shape[1] - 3)
        gt[y:y + rng.integers(3, 14), x:x + rng.integers(3, 16)] = sid * 11
        cat = int(rng.integers(1, 4))
        crowd = cat not in crowd_used and rng.random() < 0.2
        crowd_used.update([cat] if crowd else [])
        info_t.append({"id": sid * 11, "category_id": cat, "iscrowd": int(crowd)})
    present = set(np.unique(gt).tolist())
    info_t = [s for s in info_t if s["id"] in present]
    pred = np.roll(gt, tuple(rng.integers(-2, 3, 2)), axis=(0, 1)) * 3 + 1
    pred[gt == 0] = 0
    for _ in range(rng.integers(0, 4)):
        y, x = rng.integers(0, shape[0] - 3), rng.integers(0, shape[1] - 3)
        pred[y:y + 5, x:x + 6] = 1000 + _
    pred[rng.random(shape) < 0.03] = 0
    by_id = {s["id"]: s["category_id"] for s in info_t}
    info_p = []
    for pid in np.unique(pred).tolist():
        if pid == 0:
            continue
        cat = by_id.get((pid - 1) // 3, int(rng.integers(1, 4)))
        if rng.random() < 0.1:
            cat = int(rng.integers(1, 4))
        info_p.append({"id": pid, "category_id": cat})
    return gt, pred, info_t, info_p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_panopticapi_transcription_on_random_images(seed):
    rng = np.random.default_rng(seed)
    pairs = [random_image(rng) for _ in range(15)]
    ref = panopticapi_single_core(pairs, CATS)
    pq = PanopticQuality(CATS)
    for pair in pairs:
        pq.update(*pair)
    m = pq.compute()
    for k, c in enumerate(m.classes.tolist()):
        assert (m.tp[k], m.fp[k], m.fn[k]) == (ref[c]["tp"], ref[c]["fp"], ref[c]["fn"])
        assert m.iou_sum[k] == pytest.approx(ref[c]["iou"], abs=1e-12)
    assert m.tp.sum() > 0 and m.fp.sum() > 0 and m.fn.sum() > 0


def test_merge_equals_one_pass():
    rng = np.random.default_rng(4)
    cats = {1: True, 2: False}
    images = []
    for _ in range(5):
        gt = np.kron(rng.integers(0, 4, (3, 3)), np.ones((4, 4), np.int64))
        pred = np.kron(rng.integers(0, 4, (3, 3)), np.ones((4, 4), np.int64))
        seg_g = {i: 1 + i % 2 for i in np.unique(gt) if i}
        seg_p = {i: 1 + i % 2 for i in np.unique(pred) if i}
        images.append((gt, pred, seg_g, seg_p))
    one, a, b = (PanopticQuality(cats) for _ in range(3))
    for k, img in enumerate(images):
        one.update(*img)
        (a if k < 2 else b).update(*img)
    assert a.merge(b).compute().to_dict() == one.compute().to_dict()
    a.reset()
    assert a.tp.sum() == 0 and a.iou_sum.sum() == 0
    with pytest.raises(ValueError, match="different categories"):
        a.merge(PanopticQuality({1: True}))
    with pytest.raises(TypeError, match="PanopticQuality"):
        a.merge({})
