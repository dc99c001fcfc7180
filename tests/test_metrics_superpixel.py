"""Superpixel metrics (Stutz et al. 2018): hand-worked cases, naive references,
properties, and the BSDS500 sanity check against PEERS.md."""
import numpy as np
import pytest

from classicseg.metrics import (achievable_segmentation_accuracy, boundary_recall,
                                compactness, explained_variation, superpixel_metrics,
                                undersegmentation_error)
from classicseg.metrics.superpixel import _boundaries

GT = np.array([[1, 1, 1, 2, 2, 2],
               [1, 1, 1, 2, 2, 2],
               [3, 3, 3, 3, 3, 3]])
SP = np.array([[5, 5, 7, 7, 7, 7],
               [5, 5, 7, 7, 7, 7],
               [5, 5, 7, 7, 7, 7]])


def test_hand_worked_ue_asa():
    # cells (sp, gt): (5,1)=4 (5,3)=2 (7,1)=2 (7,2)=6 (7,3)=4; |5|=6, |7|=12
    # UE = [min(4,2) + min(2,4) + min(2,10) + min(6,6) + min(4,8)] / 18 = 16/18
    assert undersegmentation_error(GT, SP) == pytest.approx(16 / 18, abs=1e-15)
    # ASA = (max(4,2) + max(2,6,4)) / 18 = 10/18
    assert achievable_segmentation_accuracy(GT, SP) == pytest.approx(10 / 18, abs=1e-15)


def test_hand_worked_boundary_recall():
    # GT boundary (label differs right or below): row 0 cols 0-5 (below: 1/2 vs 3)
    # minus nothing, i.e. (0,2),(1,2) [right], row 1 all six [below], (0,2) already.
    gt_b = _boundaries(GT.astype(np.int32))
    assert gt_b.tolist() == [[0, 0, 1, 0, 0, 0],
                             [1, 1, 1, 1, 1, 1],
                             [0, 0, 0, 0, 0, 0]]
    # SP boundary: column 1 only.  tolerance 0: (1,1) hits -> 1/7
    assert boundary_recall(GT, SP, max_dist=0) == pytest.approx(1 / 7)
    # tolerance 1: columns 0..2 -> (0,2),(1,0),(1,1),(1,2) -> 4/7
    assert boundary_recall(GT, SP, max_dist=1) == pytest.approx(4 / 7)
    # tolerance 2 (default): columns 0..3 -> 5/7
    assert boundary_recall(GT, SP) == pytest.approx(5 / 7)
    assert boundary_recall(GT, SP, max_dist=4) == 1.0


def test_boundary_recall_accepts_a_boolean_boundary_map():
    bmap = np.zeros((3, 6), bool)
    bmap[:, 4] = True  # SP boundary at column 1 is 3 columns away
    assert boundary_recall(bmap, SP, max_dist=2) == 0.0
    assert boundary_recall(bmap, SP, max_dist=3) == 1.0
    assert boundary_recall(np.zeros((3, 6), bool), SP) == 1.0  # nothing to recall


def test_boundary_recall_is_chebyshev():
    gt = np.zeros((9, 9), bool)
    gt[0, 0] = True
    sp = np.ones((9, 9), int)
    sp[3, 3] = 2  # SP boundary pixels: (2,3) and (3,2) [differ below/right] and (3,3)
    # all three are at Chebyshev distance 3 from (0,0) (Euclidean >= 3.6)
    assert boundary_recall(gt, sp, max_dist=2) == 0.0
    assert boundary_recall(gt, sp, max_dist=3) == 1.0


def naive_br(gt_b, sp, r):
    sp_b = _boundaries(sp.astype(np.int32)).astype(bool)
    ys, xs = np.nonzero(sp_b)
    hit = 0
    for i, j in zip(*np.nonzero(gt_b)):
        hit += bool(np.any(np.maximum(abs(ys - i), abs(xs - j)) <= r))
    return hit / max(1, gt_b.sum()) if gt_b.sum() else 1.0


def naive_ue_asa(gt, sp):
    """UE and ASA over the labelled pixels (0 in sp is "no segment")."""
    n = np.count_nonzero(sp)
    ue = asa = 0
    for s in np.unique(sp[sp != 0]):
        inside = sp == s
        best = 0
        for g in np.unique(gt):
            inter = np.sum(inside & (gt == g))
            if inter:
                ue += min(inter, inside.sum() - inter)
                best = max(best, inter)
        asa += best
    return ue / n, asa / n


@pytest.mark.parametrize("seed", range(4))
def test_against_naive_references(seed):
    rng = np.random.default_rng(seed)
    gt = np.kron(rng.integers(0, 4, (4, 5)), np.ones((5, 4), int))
    sp = np.kron(rng.integers(-3, 40, (10, 10)), np.ones((2, 2), int))
    gt_b = _boundaries(gt.astype(np.int32)).astype(bool)
    for r in (0, 1, 2, 3):
        assert boundary_recall(gt, sp, max_dist=r) == pytest.approx(naive_br(gt_b, sp, r))
    ue, asa = naive_ue_asa(gt, sp)
    assert undersegmentation_error(gt, sp) == pytest.approx(ue, abs=1e-12)
    assert achievable_segmentation_accuracy(gt, sp) == pytest.approx(asa, abs=1e-12)


def test_explained_variation_hand_worked():
    img = np.array([[[0, 0, 0], [2, 0, 0], [10, 4, 0], [10, 4, 0]]], float)
    # mu = (5.5, 2, 0); total = 30.25+12.25+20.25+20.25 + 4*4 = 99
    # means (1,0,0), (10,4,0): between = 2*(4.5^2 + 2^2) * 2 = 97
    ev = explained_variation(img, np.array([[1, 1, 2, 2]]))
    assert ev == pytest.approx(97 / 99, abs=1e-15)
    assert explained_variation(img, np.array([[1, 2, 3, 4]])) == pytest.approx(1.0)
    assert explained_variation(img, np.ones((1, 4), int)) == 0.0
    assert np.isnan(explained_variation(np.ones((2, 2)), np.array([[1, 2], [1, 2]])))
    # the ratio does not depend on the image's scale or dtype
    u8 = np.array([[0, 20, 100, 100]], np.uint8)
    assert explained_variation(u8, np.array([[1, 1, 2, 2]])) == pytest.approx(
        explained_variation(u8 / 255.0, np.array([[1, 1, 2, 2]])))


def test_compactness_hand_worked():
    # any square scores pi/4: area s^2, perimeter 4s
    assert compactness(np.ones((5, 5), int)) == pytest.approx(np.pi / 4)
    # a 1x4 bar: area 4, perimeter 10 -> 16 pi / 100
    assert compactness(np.ones((1, 4), int)) == pytest.approx(16 * np.pi / 100)
    # two 2x2 squares side by side (perimeter 8 each) -> pi/4
    assert compactness(np.array([[1, 1, 2, 2]] * 2)) == pytest.approx(np.pi / 4)
    # 2x2 square (Q = pi/4, weight 4/6) + 1x2 bar (area 2, perimeter 6: Q = 8pi/36,
    # weight 2/6)
    lab = np.array([[1, 1], [1, 1], [2, 2]])
    assert compactness(lab) == pytest.approx(4 / 6 * np.pi / 4 + 2 / 6 * 8 * np.pi / 36)


def test_superpixel_metrics_averages_over_annotators():
    gt2 = np.array([[1, 1, 2, 2, 2, 2]] * 3)  # SP's boundary is this GT's boundary
    m = superpixel_metrics([GT, gt2], SP)
    assert m.n_segments == 2
    assert m.ue == pytest.approx((16 / 18 + 0.0) / 2)
    assert m.asa == pytest.approx((10 / 18 + 1.0) / 2)
    assert m.br == pytest.approx((5 / 7 + 1.0) / 2)
    assert m.co == pytest.approx(compactness(SP))
    assert np.isnan(m.ev)
    img = np.random.default_rng(0).random((3, 6, 3))
    assert superpixel_metrics(GT, SP, img).ev == pytest.approx(explained_variation(img, SP))
    bmap = np.zeros((3, 6), bool)
    bmap[:, 5] = True  # 4 columns from SP's boundary at column 1
    with_b = superpixel_metrics([GT, gt2], SP, boundaries_true=[bmap, bmap])
    assert with_b.br == 0.0 and (with_b.ue, with_b.asa) == (m.ue, m.asa)
    single = superpixel_metrics(GT, SP)
    assert (single.ue, single.asa, single.br) == (
        undersegmentation_error(GT, SP), achievable_segmentation_accuracy(GT, SP),
        boundary_recall(GT, SP))


def test_perfect_and_label_invariance():
    m = superpixel_metrics(GT, GT * 1000 - 7)
    assert (m.br, m.ue, m.asa, m.n_segments) == (1.0, 0.0, 1.0, 3)


def test_errors():
    with pytest.raises(ValueError, match="y_true has shape"):
        superpixel_metrics(np.zeros((3, 5), int), SP)
    with pytest.raises(ValueError, match="2-D label map"):
        boundary_recall(GT, np.zeros((3, 6, 2), int))
    with pytest.raises(ValueError, match="empty list"):
        superpixel_metrics([], SP)
    with pytest.raises(ValueError, match="max_dist must be >= 0"):
        boundary_recall(GT, SP, max_dist=-1)
    with pytest.raises(ValueError, match="image has shape"):
        explained_variation(np.zeros((4, 6, 3)), SP)
    with pytest.raises(TypeError, match="y_pred has float dtype"):
        compactness(SP.astype(float))


def test_inputs_not_modified():
    gt, sp, img = GT.copy(), SP.copy(), np.ones((3, 6, 3))
    superpixel_metrics([gt], sp, img)
    assert np.array_equal(gt, GT) and np.array_equal(sp, SP) and (img == 1).all()


def test_pred_zero_is_no_segment():
    # 0 in y_pred is cut out of UE, ASA, EV and CO, and is not a superpixel
    sp = SP.copy()
    sp[:, 0] = 0
    keep = sp != 0
    gt_in, sp_in = GT[keep].reshape(3, 5), sp[keep].reshape(3, 5)
    assert undersegmentation_error(GT, sp) == undersegmentation_error(gt_in, sp_in)
    assert achievable_segmentation_accuracy(GT, sp) == \
        achievable_segmentation_accuracy(gt_in, sp_in)
    img = np.random.default_rng(0).random((3, 6))
    assert explained_variation(img, sp) == pytest.approx(
        explained_variation(img[keep].reshape(3, 5), sp_in))
    # the 3x1 segment 5 left beside the unlabelled column: only it is scored
    assert compactness(np.array([[0, 5]] * 3)) == pytest.approx(4 * np.pi * 9 / 64 / 3)
    assert superpixel_metrics(GT, sp).n_segments == 2
    assert np.isnan(undersegmentation_error(GT, np.zeros_like(GT)))
    assert np.isnan(compactness(np.zeros_like(GT)))


@pytest.mark.parametrize("scale", [1e-200, 1e200, 1e300])
def test_explained_variation_is_scale_free_at_extreme_magnitudes(scale):
    img = np.array([[0., 2., 10., 10.]])
    ev = explained_variation(img * scale, np.array([[1, 1, 2, 2]]))
    assert ev == pytest.approx(1 - 2 / 83)


def test_huge_max_dist_is_the_whole_image():
    assert boundary_recall(GT, SP, max_dist=10 ** 18) == 1.0
    assert superpixel_metrics(GT, SP, max_dist=10 ** 18).br == 1.0


@pytest.mark.parametrize("call, exc, match", [
    (lambda: boundary_recall(GT, SP, max_dist=1.5), TypeError, "max_dist"),
    (lambda: boundary_recall(GT, SP, max_dist=10 ** 30), ValueError, "max_dist"),
    (lambda: explained_variation(np.full((3, 6), np.nan), SP), ValueError, "NaN"),
    (lambda: compactness(np.zeros((0, 3), int)), ValueError, "y_pred is empty"),
    (lambda: undersegmentation_error(GT.astype(float), SP), TypeError,
     "y_true has float dtype"),
    (lambda: achievable_segmentation_accuracy(GT, SP[:2]), ValueError,
     "y_true has shape"),
    (lambda: superpixel_metrics(GT, SP, boundaries_true=[]), ValueError, "empty list"),
    (lambda: boundary_recall(GT, SP.astype(">i8")), None, None),
])
def test_bad_input(call, exc, match):
    if exc is None:   # big-endian labels: the native result
        assert call() == boundary_recall(GT, SP)
        return
    with pytest.raises(exc, match=match):
        call()
