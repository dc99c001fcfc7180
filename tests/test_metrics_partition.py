"""Partition metrics: covering, PRI, VoI (BSDS500 benchmark definitions) and adapted
Rand error.  Hand-worked cases, a literal port of the benchmark's MATLAB logic, naive
pair-counting references, and scikit-image where it overlaps."""
import itertools
from dataclasses import astuple

import numpy as np
import pytest
from skimage.metrics import adapted_rand_error as sk_are
from skimage.metrics import variation_of_information as sk_vi

from classicseg.datasets import bsds500_ids, default_data_root, load_bsds500
from classicseg.metrics import (PartitionAccumulator, adapted_rand_error,
                                partition_metrics, probabilistic_rand_index,
                                segmentation_covering, variation_of_information)

DATA = default_data_root()
HAS_BSDS = DATA is not None and (DATA / "bsds500" / "groundTruth" / "val").is_dir()

GT_A = np.array([[1, 1, 2, 2],
                 [1, 1, 2, 2]])
GT_B = np.array([[1, 1, 1, 1],
                 [2, 2, 2, 2]])
SEG = np.array([[1, 1, 1, 2],
                [1, 1, 1, 2]])


def test_hand_worked_single_annotator():
    # GT_A regions: L (4 px, cols 0-1), R (4 px, cols 2-3); SEG: S1 (6 px), S2 (2 px)
    # IoU(L,S1)=4/6, IoU(R,S1)=2/8, IoU(R,S2)=2/4 -> covering = (4*4/6 + 4*1/2)/8
    m = partition_metrics(GT_A, SEG)
    assert m.covering == pytest.approx((4 * 4 / 6 + 4 * 0.5) / 8, abs=1e-15)
    # pairs: 28.  sum a^2 = 36+4 = 40, sum b^2 = 16+16 = 32, sum n^2 = 16+4+4 = 24
    # RI = 1 - (40 + 32 - 48) / 56 = 1 - 24/56
    assert m.pri == pytest.approx(1 - 24 / 56, abs=1e-15)
    # VoI = [sum a log a + sum b log b - 2 sum n log n] / N
    #     = [6 log 6 + 2 + 2 * 8 - 2 * (8 + 2 + 2)] / 8 = (6 log2 6 - 6) / 8
    assert m.voi == pytest.approx((6 * np.log2(6) - 6) / 8, abs=1e-15)


def test_hand_worked_two_annotators_pool_covering_and_average_pri_voi():
    # GT_B: T (top row, 4 px), B (bottom, 4 px); IoU(T,S1)=3/7, IoU(T,S2)=1/5 -> 3/7
    # same for B: covering vs GT_B = 3/7.  Pooled over both annotators (16 px):
    pooled = (4 * 4 / 6 + 4 * 0.5 + 4 * 3 / 7 + 4 * 3 / 7) / 16
    m = partition_metrics([GT_A, GT_B], SEG)
    assert m.covering == pytest.approx(pooled, abs=1e-15)
    # RI vs GT_B: sum n^2 = 9+1+9+1 = 20 -> 1 - (40 + 32 - 40)/56
    assert m.pri == pytest.approx(((1 - 24 / 56) + (1 - 32 / 56)) / 2, abs=1e-15)
    voi_b = (6 * np.log2(6) + 2 + 16 - 2 * (2 * 3 * np.log2(3))) / 8
    assert m.voi == pytest.approx(((6 * np.log2(6) - 6) / 8 + voi_b) / 2, abs=1e-15)
    assert segmentation_covering([GT_A, GT_B], SEG) == m.covering
    assert probabilistic_rand_index([GT_A, GT_B], SEG) == m.pri
    assert variation_of_information((GT_A, GT_B), SEG) == m.voi


def test_perfect_and_trivial_segmentations():
    assert astuple(partition_metrics(GT_A, GT_A)) == (1.0, 1.0, 0.0)
    one = np.ones_like(GT_A)
    m = partition_metrics(GT_A, one)
    # covering: each half has IoU 1/2; RI: 2*C(4,2) = 12 of 28 pairs agree; VoI: 1 bit
    assert astuple(m) == pytest.approx((0.5, 12 / 28, 1.0), abs=1e-15)
    m = partition_metrics(one, one)
    assert astuple(m) == (1.0, 1.0, 0.0)


def test_labels_need_not_start_at_one_or_be_contiguous():
    ref = partition_metrics([GT_A, GT_B], SEG)
    moved = partition_metrics([GT_A * 1000 - 5000, GT_B - 7], SEG * 2**40)
    assert astuple(moved) == pytest.approx(astuple(ref), abs=1e-15)
    assert astuple(partition_metrics(GT_A - 1, SEG - 3)) == pytest.approx(
        astuple(partition_metrics(GT_A, SEG)), abs=1e-15)  # 0 in y_true: a region


def matlab_port(seg, gts):
    """Literal port of the benchmark's match_segmentations / match_segmentations2 on
    dense matrices (labels 1..K as in BSDS500)."""
    cnt = total = 0.0
    ri = voi = 0.0
    for gt in gts:
        num1, num2 = gt.max() + 1, seg.max() + 1
        conf = np.zeros((num1, num2))
        np.add.at(conf, (gt.ravel(), seg.ravel()), 1)
        acc = np.zeros((num1 - 1, num2 - 1))
        for j in range(1, num1):
            for i in range(1, num2):
                inter = conf[j, i]
                acc[j - 1, i - 1] = inter / (conf[j, :].sum() + conf[:, i].sum() - inter)
        areas = np.bincount(gt.ravel(), minlength=num1)[1:]
        cnt += (areas * acc.max(axis=1)).sum()
        total += areas.sum()
        n = conf[1:, 1:].T  # rows = seg, as in match_segmentations2
        N = n.sum()
        ri += 1 - ((n.sum(1) ** 2).sum() / 2 + (n.sum(0) ** 2).sum() / 2
                   - (n ** 2).sum()) / (N * (N - 1) / 2)
        joint = n / N
        m1, m2 = joint.sum(1), joint.sum(0)
        h1 = -np.sum(m1[m1 > 0] * np.log2(m1[m1 > 0]))
        h2 = -np.sum(m2[m2 > 0] * np.log2(m2[m2 > 0]))
        outer = np.outer(m1, m2)
        nz = joint > 0
        mi = np.sum(joint[nz] * np.log2(joint[nz] / outer[nz]))
        voi += h1 + h2 - 2 * mi
    return cnt / total, ri / len(gts), voi / len(gts)


@pytest.mark.parametrize("seed", range(5))
def test_equals_port_of_bsds_matlab_code(seed):
    rng = np.random.default_rng(seed)
    shape = (12, 17)
    gts = [np.kron(rng.integers(1, 5, (3, 4)), np.ones((4, 5), int))[:12, :17]
           for _ in range(rng.integers(1, 5))]
    seg = rng.integers(1, 9, shape)
    got = partition_metrics(gts, seg)
    assert astuple(got) == pytest.approx(matlab_port(seg, gts), abs=1e-12)


def naive_rand_index(a, b):
    a, b = a.ravel(), b.ravel()
    agree = sum((a[i] == a[j]) == (b[i] == b[j])
                for i, j in itertools.combinations(range(a.size), 2))
    return agree / (a.size * (a.size - 1) / 2)


def test_rand_index_counts_agreeing_pairs():
    rng = np.random.default_rng(7)
    for _ in range(3):
        a, b = rng.integers(0, 4, (5, 6)), rng.integers(-2, 3, (5, 6))
        b[b == 0] = 3   # 0 in y_pred is "no segment" (test_pred_zero_is_excluded)
        assert probabilistic_rand_index(a, b) == pytest.approx(naive_rand_index(a, b),
                                                               abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_voi_equals_skimage(seed):
    # scikit-image's variation_of_information returns [H(pred|true), H(true|pred)] in
    # bits (log2, scikit-image 0.26): its sum is the VoI.
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2 + 3 * seed, (40, 30))
    b = np.kron(rng.integers(5, 20, (8, 6)), np.ones((5, 5), int))
    assert variation_of_information(a, b) == pytest.approx(sk_vi(a, b).sum(), abs=1e-9)
    assert variation_of_information(a, b, ignore_index=0) == pytest.approx(
        sk_vi(a, b, ignore_labels=[0]).sum(), abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_adapted_rand_error_equals_skimage(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2 + seed, (40, 30))
    b = np.kron(rng.integers(1, 9, (8, 6)), np.ones((5, 5), int))
    ours = adapted_rand_error(a, b, ignore_index=0)   # scikit-image's default
    err, sk_p, sk_r = sk_are(a, b)
    assert ours.error == pytest.approx(err, abs=1e-9)
    # scikit-image's precision and recall are exchanged (its issue #6485)
    assert ours.precision == pytest.approx(sk_r, abs=1e-9)
    assert ours.recall == pytest.approx(sk_p, abs=1e-9)
    none = adapted_rand_error(a, b)                   # ours: ignore_index=None
    assert none.error == pytest.approx(sk_are(a, b, ignore_labels=())[0], abs=1e-9)
    w = adapted_rand_error(a, b, ignore_index=0, alpha=0.3)
    assert w.error == pytest.approx(
        1 - 1 / (0.3 / w.precision + 0.7 / w.recall), abs=1e-12)


def test_adapted_rand_error_hand_worked():
    # truth [[1,2],[3,2]], prediction one region: S = 1+4+1-4 = 2, P = 16-4, T = 6-4
    are = adapted_rand_error(np.array([[1, 2], [3, 2]]), np.ones((2, 2), int))
    assert astuple(are) == pytest.approx((1 - 2 / 7, 2 / 12, 1.0), abs=1e-15)


def test_ignore_index_removes_truth_pixels():
    gt = np.array([[0, 0, 1, 1, 2, 2]])
    seg = np.array([[5, 6, 1, 1, 2, 2]])
    assert astuple(partition_metrics(gt, seg, ignore_index=0)) == (1.0, 1.0, 0.0)
    assert partition_metrics(gt, seg).covering < 1.0


def test_accumulator_pools_covering_by_area_and_averages_pri_voi():
    acc = PartitionAccumulator()
    big = np.kron(GT_A, np.ones((2, 2), int))  # 32 px
    m1 = acc.update(big, np.ones_like(big))
    m2 = acc.update(GT_A, SEG)
    r = acc.compute()
    assert acc.n_images == 2
    assert r.covering == pytest.approx((32 * m1.covering + 8 * m2.covering) / 40)
    assert r.pri == pytest.approx((m1.pri + m2.pri) / 2)
    assert r.voi == pytest.approx((m1.voi + m2.voi) / 2)
    assert np.isnan(PartitionAccumulator().compute().covering)


def test_edge_cases():
    single = np.array([[3]])
    assert astuple(partition_metrics(single, single)) == (1.0, 1.0, 0.0)
    allign = partition_metrics(np.zeros((2, 2), int), np.ones((2, 2), int), ignore_index=0)
    assert all(np.isnan(v) for v in astuple(allign))  # every pixel ignored: undefined
    assert np.isnan(adapted_rand_error(np.zeros((2, 2), int), np.ones((2, 2), int),
                                       ignore_index=0).error)
    # 1-D and 3-D label arrays work: the metrics do not look at geometry
    assert partition_metrics(np.array([1, 1, 2]), np.array([4, 4, 4])).covering == \
        pytest.approx((2 * 2 / 3 + 1 / 3) / 3)
    vol = np.arange(24).reshape(2, 3, 4) // 6
    assert astuple(partition_metrics(vol, vol)) == (1.0, 1.0, 0.0)


def test_errors():
    with pytest.raises(ValueError, match="y_true has shape"):
        partition_metrics(np.zeros((2, 3), int), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match="y_true has shape"):
        partition_metrics([GT_A, np.zeros((3, 3), int)], SEG)
    with pytest.raises(ValueError, match="empty list"):
        partition_metrics([], SEG)
    with pytest.raises(TypeError, match="y_pred has float dtype"):
        partition_metrics(GT_A, SEG.astype(float))
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        partition_metrics(GT_A, SEG, ignore_index=0.5)
    with pytest.raises(ValueError, match="ignore_index=.* outside the int64 range"):
        partition_metrics(GT_A, SEG, ignore_index=2 ** 70)
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        adapted_rand_error(GT_A, SEG, alpha=2)


def test_inputs_not_modified():
    a, b, s = GT_A.copy(), GT_B.copy(), SEG.copy()
    partition_metrics([a, b], s, ignore_index=1)
    adapted_rand_error(a, s)
    assert np.array_equal(a, GT_A) and np.array_equal(b, GT_B) and np.array_equal(s, SEG)


@pytest.mark.skipif(not HAS_BSDS, reason="../shared/data/bsds500 not present")
def test_bsds500_annotators_against_each_other():
    s = load_bsds500(DATA, "val", bsds500_ids(DATA, "val")[0])
    gts = s.segmentations
    assert astuple(partition_metrics(gts[0], gts[0])) == (1.0, 1.0, 0.0)
    m = partition_metrics(gts[1:], gts[0])
    assert astuple(m) == pytest.approx(matlab_port(gts[0], gts[1:]), abs=1e-9)
    # human annotators agree far better than a trivial one-region segmentation
    trivial = partition_metrics(gts[1:], np.ones_like(gts[0]))
    assert m.covering > trivial.covering and m.voi < trivial.voi


def test_pred_zero_is_excluded():
    # 0 in y_pred is "no segment": those pixels are cut out of both maps
    rng = np.random.default_rng(3)
    gt = rng.integers(0, 4, (6, 7))
    pred = rng.integers(0, 5, (6, 7))
    keep = pred != 0
    for f in (partition_metrics, adapted_rand_error):
        assert f(gt, pred) == f(gt[keep], pred[keep])
    assert np.isnan(partition_metrics(gt, np.zeros_like(gt)).covering)


def test_accumulator_merge_equals_one_pass():
    rng = np.random.default_rng(5)
    pairs = [(rng.integers(1, 4, (6, 7)), rng.integers(1, 6, (6, 7))) for _ in range(5)]
    one, a, b = (PartitionAccumulator(ignore_index=1) for _ in range(3))
    for k, (t, p) in enumerate(pairs):
        one.update(t, p)
        (a if k < 2 else b).update(t, p)
    assert a.merge(b).compute() == one.compute() and a.n_images == 5
    a.reset()
    assert a.n_images == 0 and np.isnan(a.compute().pri)
    with pytest.raises(ValueError, match="ignore_index"):
        a.merge(PartitionAccumulator())
    with pytest.raises(TypeError, match="PartitionAccumulator"):
        a.merge(object())
