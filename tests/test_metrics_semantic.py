"""Semantic (dense) metrics: hand-worked cases in torchmetrics' conventions,
scikit-learn as an oracle on random maps, streaming, edge cases and errors."""
import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import metrics as skm

from classicseg.metrics import (ConfusionMatrix, SemanticMetrics, confusion_matrix,
                                mean_dice, miou, pixel_accuracy, semantic_metrics)

NAN = np.nan


# --------------------------------------------------------------------- hand-worked

def test_hand_worked_three_classes_and_one_absent():
    # cm rows = truth: [[1,1,0,0],[0,2,0,0],[1,0,1,0],[0,0,0,0]]
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    m = semantic_metrics(y_true, y_pred, 4)
    assert_array_equal(m.confusion, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0],
                                     [0, 0, 0, 0]])
    assert_allclose(m.iou_per_class, [1 / 3, 2 / 3, 1 / 2, NAN])
    assert_allclose(m.dice_per_class, [1 / 2, 4 / 5, 2 / 3, NAN])
    assert_allclose(m.precision_per_class, [1 / 2, 2 / 3, 1, NAN])
    assert_allclose(m.recall_per_class, [1 / 2, 1, 1 / 2, NAN])
    assert_array_equal(m.support, [2, 2, 2, 0])
    assert m.pixel_accuracy == pytest.approx(4 / 6)
    assert m.mean_accuracy == pytest.approx(2 / 3)
    assert m.miou == pytest.approx(0.5)  # torchmetrics >= 1.0 macro Jaccard
    assert m.mean_dice == pytest.approx((1 / 2 + 4 / 5 + 2 / 3) / 3)
    assert m.mean_precision == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert m.fwiou == pytest.approx((2 / 3 + 4 / 3 + 1) / 6)
    assert m.micro_iou == pytest.approx(4 / 8)
    assert m.micro_dice == pytest.approx(8 / 12)
    assert m.micro_precision == pytest.approx(4 / 6)


def test_absent_zero_counts_absent_classes_as_zero():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    m = semantic_metrics(y_true, y_pred, 4, absent="zero")
    assert_allclose(m.iou_per_class, [1 / 3, 2 / 3, 1 / 2, 0])
    assert m.miou == pytest.approx(1.5 / 4)
    assert m.mean_accuracy == pytest.approx(2 / 4)
    assert m.fwiou == pytest.approx(0.5)  # weighted by support: unaffected


def test_class_only_predicted_counts_with_zero_recall():
    # torchmetrics: a class predicted but not in the truth is "present" (fp > 0)
    m = semantic_metrics(np.array([0, 0]), np.array([0, 1]), 3)
    assert_allclose(m.iou_per_class, [1 / 2, 0, NAN])
    assert_allclose(m.recall_per_class, [1 / 2, 0, NAN])
    assert_allclose(m.precision_per_class, [1, 0, NAN])
    assert m.miou == pytest.approx(0.25)
    assert m.mean_accuracy == pytest.approx(0.25)


def test_ignore_index_outside_classes_skips_pixels():
    y_true = np.array([[0, 255, 1], [1, 255, 0]])
    y_pred = np.array([[0, 1, 1], [0, 0, 0]])  # predictions under 255 do not matter
    m = semantic_metrics(y_true, y_pred, 2, ignore_index=255)
    assert_array_equal(m.confusion, [[2, 0], [1, 1]])
    assert m.pixel_accuracy == pytest.approx(3 / 4)
    assert_allclose(m.iou_per_class, [2 / 3, 1 / 2])


def test_ignore_index_inside_classes_is_left_out_of_means():
    # torchmetrics: target pixels of class 0 dropped, class 0 weight 0 in the mean
    m = semantic_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), 2,
                         ignore_index=0)
    assert_array_equal(m.confusion, [[0, 0], [1, 1]])
    assert_allclose(m.iou_per_class, [NAN, 1 / 2])
    assert m.miou == pytest.approx(0.5)
    assert m.micro_iou == pytest.approx(0.5)  # torchmetrics micro: 1 / (3 - 1)
    assert m.pixel_accuracy == pytest.approx(0.5)
    assert semantic_metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), 2,
                            ignore_index=0, absent="zero").miou == pytest.approx(0.5)


def test_one_shot_helpers_agree_with_semantic_metrics():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 1, 1])
    assert miou(y_true, y_pred, 2) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert mean_dice(y_true, y_pred, 2) == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert pixel_accuracy(y_true, y_pred, 2) == 0.75


# --------------------------------------------------------------------- references

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_sklearn_on_random_maps(seed):
    rng = np.random.default_rng(seed)
    k = 7
    y_true = rng.integers(0, k - 2, (40, 50))  # classes 5, 6 never true
    y_pred = rng.integers(0, k - 1, (40, 50))  # class 6 absent from both
    t, p = y_true.ravel(), y_pred.ravel()
    labels = np.arange(k)
    present = np.unique(np.concatenate([t, p]))
    cm = confusion_matrix(y_true, y_pred, k)
    assert_array_equal(cm, skm.confusion_matrix(t, p, labels=labels))

    ex = semantic_metrics(y_true, y_pred, k)
    zero = semantic_metrics(y_true, y_pred, k, absent="zero")
    kw = dict(zero_division=0)
    assert ex.miou == pytest.approx(skm.jaccard_score(t, p, labels=present,
                                                      average="macro", **kw))
    assert zero.miou == pytest.approx(skm.jaccard_score(t, p, labels=labels,
                                                        average="macro", **kw))
    assert_allclose(zero.iou_per_class, skm.jaccard_score(t, p, labels=labels, average=None, **kw))
    assert ex.fwiou == pytest.approx(skm.jaccard_score(t, p, labels=present,
                                                       average="weighted", **kw))
    assert ex.micro_iou == pytest.approx(skm.jaccard_score(t, p, average="micro"))
    assert ex.mean_dice == pytest.approx(skm.f1_score(t, p, labels=present,
                                                      average="macro", **kw))
    assert zero.mean_dice == pytest.approx(skm.f1_score(t, p, labels=labels,
                                                        average="macro", **kw))
    assert ex.mean_precision == pytest.approx(skm.precision_score(
        t, p, labels=present, average="macro", **kw))
    assert ex.mean_accuracy == pytest.approx(skm.recall_score(
        t, p, labels=present, average="macro", **kw))
    assert ex.pixel_accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert ex.micro_dice == pytest.approx(skm.f1_score(t, p, average="micro"))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int32, np.int64,
                                   np.uint64])
def test_kernel_matches_bincount_for_every_integer_dtype(dtype):
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 5, (3, 31, 17)).astype(dtype)  # 3-D works too
    y_pred = rng.integers(0, 5, (3, 31, 17)).astype(dtype)
    expected = np.bincount(5 * y_true.astype(np.int64).ravel() + y_pred.astype(np.int64).ravel(),
                           minlength=25).reshape(5, 5)
    assert_array_equal(confusion_matrix(y_true, y_pred, 5), expected)


def test_bool_maps_and_non_contiguous_views():
    rng = np.random.default_rng(6)
    a = rng.random((20, 30)) > 0.5
    b = rng.random((20, 30)) > 0.3
    assert_array_equal(confusion_matrix(a, b, 2),
                       skm.confusion_matrix(a.ravel(), b.ravel(), labels=[0, 1]))
    big_t = rng.integers(0, 3, (40, 60))
    big_p = rng.integers(0, 3, (40, 60))
    assert_array_equal(confusion_matrix(big_t[::2, ::3], big_p[::2, ::3], 3),
                       skm.confusion_matrix(big_t[::2, ::3].ravel(),
                                            big_p[::2, ::3].ravel(), labels=[0, 1, 2]))


# --------------------------------------------------------------------- streaming

def test_streaming_equals_one_shot_on_the_concatenation():
    rng = np.random.default_rng(3)
    maps = [(rng.integers(0, 4, (9, 11)), rng.integers(0, 4, (9, 11))) for _ in range(4)]
    maps[1][0][0, :5] = 255
    acc = ConfusionMatrix(4, ignore_index=255, absent="zero")
    for t, p in maps:
        acc.update(t, p)
    whole = semantic_metrics(np.concatenate([t for t, _ in maps]),
                             np.concatenate([p for _, p in maps]), 4,
                             ignore_index=255, absent="zero")
    got = acc.compute()
    assert isinstance(got, SemanticMetrics)
    assert_array_equal(got.confusion, whole.confusion)
    assert got.miou == whole.miou
    acc.reset()
    assert acc.matrix.sum() == 0


def test_from_confusion_reuses_an_existing_matrix():
    m = SemanticMetrics.from_confusion(np.array([[3, 1], [0, 4]]))
    assert m.pixel_accuracy == pytest.approx(7 / 8)
    assert_allclose(m.iou_per_class, [3 / 4, 4 / 5])
    with pytest.raises(ValueError, match="square integer"):
        SemanticMetrics.from_confusion(np.ones((2, 3), int))


def test_result_does_not_depend_on_thread_count():
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 19, (600, 500))
    y_pred = rng.integers(0, 19, (600, 500))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = confusion_matrix(y_true, y_pred, 19)
        numba.set_num_threads(before)
        many = confusion_matrix(y_true, y_pred, 19)
    finally:
        numba.set_num_threads(before)
    assert_array_equal(one, many)
    assert one.sum() == y_true.size


def test_inputs_are_not_modified():
    y_true = np.array([[0, 1], [255, 2]], np.uint8)
    y_pred = np.array([[0, 2], [1, 2]], np.uint8)
    t0, p0 = y_true.copy(), y_pred.copy()
    semantic_metrics(y_true, y_pred, 3, ignore_index=255)
    assert_array_equal(y_true, t0)
    assert_array_equal(y_pred, p0)


# --------------------------------------------------------------------- edge cases

def test_all_pixels_ignored_gives_nan_aggregates():
    m = semantic_metrics(np.full((2, 2), 255), np.zeros((2, 2), int), 3,
                         ignore_index=255)
    assert m.confusion.sum() == 0
    assert np.isnan(m.pixel_accuracy) and np.isnan(m.miou) and np.isnan(m.fwiou)
    assert np.all(np.isnan(m.iou_per_class))


def test_empty_prediction_and_single_class():
    # prediction is all background: foreground IoU 0, background IoU 6/8
    y_true = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    m = semantic_metrics(y_true, np.zeros(8, int), 2)
    assert_allclose(m.iou_per_class, [6 / 8, 0])
    m1 = semantic_metrics(np.zeros((3, 3), int), np.zeros((3, 3), int), 1)
    assert m1.miou == 1.0 and m1.pixel_accuracy == 1.0


def test_labels_not_starting_at_zero_and_not_contiguous():
    y_true = np.array([3, 3, 7, 7])
    y_pred = np.array([3, 7, 7, 7])
    m = semantic_metrics(y_true, y_pred, 8)
    assert_allclose(m.iou_per_class[[3, 7]], [1 / 2, 2 / 3])
    assert np.isnan(m.iou_per_class[[0, 1, 2, 4, 5, 6]]).all()
    assert m.miou == pytest.approx((1 / 2 + 2 / 3) / 2)


# --------------------------------------------------------------------- errors

def test_mismatched_shapes():
    with pytest.raises(ValueError, match="y_true has shape .* y_pred has shape"):
        confusion_matrix(np.zeros((2, 3), int), np.zeros((3, 2), int), 2)


def test_label_at_or_above_num_classes():
    with pytest.raises(ValueError, match="y_true holds label 5 outside 0..2"):
        confusion_matrix(np.array([0, 5]), np.array([0, 1]), 3)
    with pytest.raises(ValueError, match="y_pred holds label 3 outside 0..2"):
        confusion_matrix(np.array([0, 1]), np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="ignore_index"):  # 255 not declared ignored
        confusion_matrix(np.array([0, 255]), np.array([0, 1]), 3)


def test_negative_labels():
    with pytest.raises(ValueError, match="y_pred holds label -1"):
        confusion_matrix(np.array([0, 1]), np.array([-1, 1]), 3)
    # ... unless -1 is the ignore index of the ground truth
    assert confusion_matrix(np.array([-1, 1]), np.array([0, 1]), 3,
                            ignore_index=-1).sum() == 1


def test_float_labels_and_bad_arguments():
    with pytest.raises(TypeError, match="y_true has float dtype"):
        confusion_matrix(np.zeros(3), np.zeros(3, int), 2)
    with pytest.raises(TypeError, match="y_pred has float dtype"):
        confusion_matrix(np.zeros(3, int), np.zeros(3, np.float32), 2)
    with pytest.raises(ValueError, match="num_classes must be > 0"):
        confusion_matrix(np.zeros(3, int), np.zeros(3, int), 0)
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        confusion_matrix(np.zeros(3, int), np.zeros(3, int), 2, ignore_index=2.5)
    with pytest.raises(ValueError, match="absent must be"):
        semantic_metrics(np.zeros(3, int), np.zeros(3, int), 2, absent="nan")
    with pytest.raises(ValueError, match="y_true is empty"):
        confusion_matrix(np.zeros(0, int), np.zeros(0, int), 2)


# --------------------------------------------------------------------- bad input

@pytest.mark.parametrize("k", [2 ** 14 + 1, 2 ** 32, 2 ** 33, 2 ** 62, 2 ** 64])
def test_huge_num_classes_is_refused_naming_it(k):
    with pytest.raises(ValueError, match="num_classes=.* too large"):
        confusion_matrix(np.array([1]), np.array([0]), k)
    with pytest.raises(ValueError, match="num_classes"):
        ConfusionMatrix(k)


def test_big_endian_labels_give_the_native_result():
    t = np.array([0, 1, 1, 2], ">i4")
    p = np.array([0, 1, 2, 2], ">i4")
    ref = confusion_matrix(t.astype("<i4"), p.astype("<i4"), 3)
    assert_array_equal(confusion_matrix(t, p, 3), ref)
    assert semantic_metrics(t, p, 3).miou == miou(t.astype(int), p.astype(int), 3)
    assert mean_dice(t, p, 3) == mean_dice(t.astype(int), p.astype(int), 3)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: confusion_matrix([0], [0], 2, ignore_index=2 ** 70), ValueError,
     "ignore_index=.* outside the int64 range"),
    (lambda: confusion_matrix([0], [0], 2, ignore_index=1.5), TypeError, "ignore_index"),
    (lambda: confusion_matrix([0], [0], 0), ValueError, "num_classes"),
    (lambda: confusion_matrix([0.5], [0], 2), TypeError, "y_true has float dtype"),
    (lambda: confusion_matrix([0], [0, 1], 2), ValueError, "y_true has shape"),
    (lambda: miou([0], [3], 2), ValueError, "y_pred holds label 3"),
    (lambda: mean_dice([0], [0], 2, absent="x"), ValueError, "absent"),
    (lambda: pixel_accuracy([], [], 2), ValueError, "y_true is empty"),
    (lambda: SemanticMetrics.from_confusion(np.array([[-1, 0], [0, 1]])), ValueError,
     "negative count"),
    (lambda: SemanticMetrics.from_confusion(np.ones((2, 3), int)), ValueError,
     "square integer matrix"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_confusion_matrix_merge_equals_one_pass():
    rng = np.random.default_rng(2)
    pairs = [(rng.integers(0, 4, (5, 6)), rng.integers(0, 3, (5, 6))) for _ in range(5)]
    one, a, b = (ConfusionMatrix(4, ignore_index=3) for _ in range(3))
    for i, (t, p) in enumerate(pairs):
        one.update(t, p)
        (a if i < 3 else b).update(t, p)
    assert a.merge(b).compute().to_dict() == one.compute().to_dict()
    a.reset()
    assert a.matrix.sum() == 0
    with pytest.raises(ValueError, match="num_classes, ignore_index, absent"):
        a.merge(ConfusionMatrix(4))
    with pytest.raises(TypeError, match="ConfusionMatrix"):
        a.merge(one.matrix)
