"""COCO mask AP: equal to pycocotools' COCOeval(iouType="segm") on randomized sets,
plus hand-worked cases, input forms and errors."""
import contextlib
import io

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from classicseg.metrics import CocoMaskAP, Instances, coco_mask_ap

mask_utils = pytest.importorskip("pycocotools.mask")
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


# --------------------------------------------------------------------- oracle

def _rle(mask):
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def pycoco_eval(gts, preds, shape, classes):
    """COCOeval on the same data: ``gts``/``preds`` are per-image lists of
    (mask, class, iscrowd-or-score)."""
    images, anns, results = [], [], []
    for img_id, (g, p) in enumerate(zip(gts, preds), start=1):
        images.append({"id": img_id, "height": shape[0], "width": shape[1]})
        for mask, cls, crowd in g:
            anns.append({"id": len(anns) + 1, "image_id": img_id, "category_id": cls,
                         "segmentation": _rle(mask), "area": float(mask.sum()),
                         "iscrowd": int(crowd), "bbox": [0, 0, 1, 1]})
        for mask, cls, score in p:
            results.append({"image_id": img_id, "category_id": cls,
                            "segmentation": _rle(mask), "score": float(score)})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": images, "annotations": anns,
                        "categories": [{"id": c} for c in classes]}
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(results) if results else COCO(), "segm")
        if not results:  # pycocotools cannot load an empty result list
            ev.cocoDt.dataset = {"images": images, "annotations": [],
                                 "categories": coco.dataset["categories"]}
            ev.cocoDt.createIndex()
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _blob(rng, shape):
    """A random rectangle or ellipse mask, sizes spanning small/medium/large."""
    h, w = shape
    yy, xx = np.mgrid[:h, :w]
    ry, rx = rng.integers(2, h // 2), rng.integers(2, w // 2)
    cy, cx = rng.integers(0, h), rng.integers(0, w)
    if rng.random() < 0.5:
        return (abs(yy - cy) <= ry) & (abs(xx - cx) <= rx)
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def random_dataset(seed, n_images=12, shape=(110, 130), classes=(1, 2, 5)):
    rng = np.random.default_rng(seed)
    gts, preds = [], []
    for i in range(n_images):
        n_gt = 0 if i % 5 == 1 else rng.integers(1, 8)
        g = [(_blob(rng, shape), int(rng.choice(classes)), rng.random() < 0.15)
             for _ in range(n_gt)]
        p = []
        if i % 5 != 2:  # some images without predictions
            for mask, cls, _ in g:  # detections: shifted copies, sometimes other class
                if rng.random() < 0.8:
                    shifted = np.roll(mask, rng.integers(-6, 7, 2), axis=(0, 1))
                    c = cls if rng.random() < 0.85 else int(rng.choice(classes))
                    p.append((shifted, c, round(rng.random(), 1)))  # ties on purpose
            p += [(_blob(rng, shape), int(rng.choice(classes)), round(rng.random(), 1))
                  for _ in range(rng.integers(0, 6))]
        gts.append(g)
        preds.append(p)
    return gts, preds


def to_instances(gts, preds, shape, *, gt_as_stack):
    out_t, out_p = [], []
    for g, p in zip(gts, preds):
        masks = np.array([m for m, _, _ in g], bool).reshape(-1, *shape)
        out_t.append(Instances(masks if gt_as_stack else masks,
                               classes=[c for _, c, _ in g],
                               iscrowd=[z for _, _, z in g]))
        out_p.append(Instances(np.array([m for m, _, _ in p], bool).reshape(-1, *shape),
                               classes=[c for _, c, _ in p], scores=[s for _, _, s in p]))
    return out_t, out_p


# --------------------------------------------------------------------- pycocotools

@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_equals_pycocotools_on_random_sets(seed):
    shape, classes = (110, 130), (1, 2, 5)
    gts, preds = random_dataset(seed, shape=shape, classes=classes)
    ref = pycoco_eval(gts, preds, shape, classes)
    y_true, y_pred = to_instances(gts, preds, shape, gt_as_stack=True)
    got = coco_mask_ap(y_true, y_pred, classes=classes)
    assert_allclose(got.stats, ref.stats, atol=1e-6, rtol=0)
    assert_allclose(got.precision, ref.eval["precision"], atol=1e-9, rtol=0)
    assert_allclose(got.recall, ref.eval["recall"], atol=1e-9, rtol=0)


def test_equals_pycocotools_with_many_detections_and_crowds():
    # > 100 detections per image and category exercises maxDets truncation
    rng = np.random.default_rng(7)
    shape = (60, 60)
    gts, preds = [], []
    for _ in range(3):
        g = [(_blob(rng, shape), 1, k == 0) for k in range(6)]
        p = [(_blob(rng, shape), 1, rng.random()) for _ in range(130)]
        gts.append(g)
        preds.append(p)
    ref = pycoco_eval(gts, preds, shape, (1,))
    got = coco_mask_ap(*to_instances(gts, preds, shape, gt_as_stack=True))
    assert_allclose(got.stats, ref.stats, atol=1e-6, rtol=0)


def test_label_map_input_equals_mask_stack_input():
    gts, preds = random_dataset(4, n_images=6)
    shape = (110, 130)
    stack_t, stack_p = to_instances(gts, preds, shape, gt_as_stack=True)
    lab_t = []
    for g in gts:  # non-overlapping GT: paint into a label map, keep what is visible
        lab = np.zeros(shape, np.int32)
        for i, (m, _, _) in enumerate(g, start=1):
            lab[m] = i
        lab_t.append(Instances(lab, classes=[c for _, c, _ in g],
                               iscrowd=[z for _, _, z in g]))
    visible = [[((lab.masks == i), c, z) for i, (_, c, z) in enumerate(g, start=1)]
               for lab, g in zip(lab_t, gts)]
    ref = pycoco_eval(visible, preds, shape, (1, 2, 5))
    got = coco_mask_ap(lab_t, stack_p, classes=(1, 2, 5))
    assert_allclose(got.stats, ref.stats, atol=1e-6, rtol=0)


def test_no_predictions_at_all_and_no_ground_truth_at_all():
    shape = (30, 30)
    gts, preds = random_dataset(5, n_images=3, shape=shape, classes=(1,))
    empty = [[] for _ in gts]
    ref = pycoco_eval(gts, empty, shape, (1,))
    got = coco_mask_ap(*to_instances(gts, empty, shape, gt_as_stack=True), classes=(1,))
    assert_allclose(got.stats, ref.stats, atol=1e-6)
    got = coco_mask_ap(*to_instances(empty, preds, shape, gt_as_stack=True), classes=(1,))
    assert_array_equal(got.stats, -1)  # nothing to recall: undefined


# --------------------------------------------------------------------- hand-worked

def _square(shape, y0, y1, x0, x1):
    m = np.zeros(shape, bool)
    m[y0:y1, x0:x1] = True
    return m


def test_hand_worked_two_objects_one_found():
    # GT: two 10x10 squares (100 px, small).  Predictions: one exact hit (0.9), one
    # miss (0.8).  Precision at recall <= 0.5 is 1, recall 0.5 is never exceeded:
    # AP = 51 / 101 at every IoU threshold; AR = 0.5.
    shape = (40, 40)
    gt = np.stack([_square(shape, 0, 10, 0, 10), _square(shape, 20, 30, 20, 30)])
    dt = np.stack([_square(shape, 0, 10, 0, 10), _square(shape, 0, 10, 20, 30)])
    m = coco_mask_ap([Instances(gt, [1, 1])], [Instances(dt, [1, 1], scores=[.9, .8])])
    assert m.ap == pytest.approx(51 / 101)
    assert m.ap50 == pytest.approx(51 / 101)
    assert m.ar1 == m.ar10 == m.ar100 == 0.5
    assert m.ap_small == pytest.approx(51 / 101)
    assert m.ap_medium == m.ap_large == -1


def test_hand_worked_iou_threshold_sweep():
    # prediction covers 10x8 of a 10x10 GT square: IoU 0.8 -> matched at thresholds
    # .50 ... .80 (7 of 10): AP = 0.7
    shape = (20, 20)
    gt = _square(shape, 0, 10, 0, 10)[None]
    dt = _square(shape, 0, 10, 0, 8)[None]
    m = coco_mask_ap([Instances(gt, [4])], [Instances(dt, [4], scores=[1.0])])
    assert m.ap == pytest.approx(0.7)
    assert m.ap50 == pytest.approx(1.0) and m.ap75 == pytest.approx(1.0)
    assert_allclose(m.ap_per_class, [0.7])


def test_hand_worked_crowd_region_absorbs_predictions():
    # A crowd GT covering the left half: predictions inside it have IoU
    # intersection / prediction area = 1 and are ignored (neither TP nor FP).  The one
    # real object is found with a lower score: AP = 1.
    shape = (20, 40)
    crowd = _square(shape, 0, 20, 0, 20)
    obj = _square(shape, 5, 15, 25, 35)
    gt = np.stack([crowd, obj])
    dts = np.stack([_square(shape, 0, 5, 0, 5), _square(shape, 10, 15, 5, 10), obj])
    m = coco_mask_ap([Instances(gt, [1, 1], iscrowd=[True, False])],
                     [Instances(dts, [1, 1, 1], scores=[0.9, 0.8, 0.7])])
    assert m.ap == pytest.approx(1.0)
    assert m.ar100 == pytest.approx(1.0)


def test_streaming_equals_one_shot():
    gts, preds = random_dataset(8, n_images=5)
    y_true, y_pred = to_instances(gts, preds, (110, 130), gt_as_stack=True)
    ev = CocoMaskAP()
    for t, p in zip(y_true, y_pred):
        ev.update(t, p)
    assert_array_equal(ev.compute().stats, coco_mask_ap(y_true, y_pred).stats)
    ev.reset()
    assert_array_equal(ev.compute().stats, -1)


def test_list_of_masks_input_and_inputs_not_modified():
    shape = (20, 20)
    gt = [_square(shape, 0, 10, 0, 10)]
    dt = np.stack([_square(shape, 0, 10, 0, 9)])
    dt0 = dt.copy()
    m = coco_mask_ap([Instances(gt, [1])], [Instances(dt, [1], scores=[0.3])])
    assert m.ap50 == pytest.approx(1.0)
    assert_array_equal(dt, dt0)


# --------------------------------------------------------------------- errors

def test_errors_name_the_argument():
    shape = (8, 8)
    gt = Instances(np.zeros(shape, np.int32), [])
    with pytest.raises(ValueError, match="y_pred.scores is required"):
        coco_mask_ap([gt], [Instances(np.zeros((1, 8, 8), bool), [1])])
    with pytest.raises(ValueError, match="y_pred.scores has 2 entries"):
        coco_mask_ap([gt], [Instances(np.zeros((1, 8, 8), bool), [1], scores=[1, 2])])
    with pytest.raises(ValueError, match="y_true.masks holds label 2"):
        coco_mask_ap([Instances(np.full(shape, 2), [1])], [gt._replace(scores=[])])
    with pytest.raises(ValueError, match="image shape"):
        coco_mask_ap([gt], [Instances(np.zeros((0, 9, 9), bool), [], scores=[])])
    with pytest.raises(TypeError, match="y_true must be an Instances"):
        coco_mask_ap([np.zeros(shape)], [gt])
    with pytest.raises(TypeError, match="y_true.masks has float dtype"):
        coco_mask_ap([Instances(np.zeros(shape), [])], [gt._replace(scores=[])])
    with pytest.raises(ValueError, match="2 images but y_pred has 1"):
        coco_mask_ap([gt, gt], [gt])
    with pytest.raises(ValueError, match="y_pred.scores contains NaN"):
        coco_mask_ap([gt], [Instances(np.zeros((1, 8, 8), bool), [1], scores=[np.nan])])


def test_merge_equals_one_pass():
    rng = np.random.default_rng(8)
    images = []
    for _ in range(4):
        gt = np.kron(rng.integers(0, 4, (4, 4)), np.ones((6, 6), np.int32))
        masks = rng.random((5, 24, 24)) > 0.5
        masks[:3] = [gt == i for i in (1, 2, 3)]
        images.append((Instances(gt, classes=[1, 2, 1]),
                       Instances(masks, classes=[1, 2, 1, 1, 2],
                                 scores=rng.random(5))))
    for classes in (None, [1, 2]):
        one, a, b = (CocoMaskAP(classes) for _ in range(3))
        for k, (t, p) in enumerate(images):
            one.update(t, p)
            (a if k < 3 else b).update(t, p)
        got, want = a.merge(b).compute(), one.compute()
        assert got.to_dict() == want.to_dict()
    a.reset()
    assert (a.compute().stats == -1).all()
    with pytest.raises(ValueError, match="different classes"):
        a.merge(CocoMaskAP([1]))
    with pytest.raises(TypeError, match="CocoMaskAP"):
        a.merge(None)
