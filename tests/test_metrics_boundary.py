"""Boundary P/R/F as the BSDS500 benchmark computes them (correspondPixels + pooling)."""
from dataclasses import astuple

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from classicseg.datasets import bsds500_ids, default_data_root, load_bsds500
from classicseg.metrics import (BoundaryAccumulator, BoundaryPRF, boundaries_from_labels,
                                boundary_ods_ois, boundary_pr_curve, boundary_prf)
from classicseg.metrics.boundary import _assign, _match_graph, _thin

HAVE_BSDS = (default_data_root() is not None
             and (default_data_root() / "bsds500").is_dir())
bsds = pytest.mark.skipif(not HAVE_BSDS, reason="needs ../shared/data/bsds500")


def points(shape, *yx):
    out = np.zeros(shape, bool)
    for y, x in yx:
        out[y, x] = True
    return out


# --- hand-worked single annotator cases ------------------------------------------

def test_shift_within_tolerance_is_perfect():
    gt = np.zeros((20, 30), bool)
    gt[:, 10] = True
    pred = np.roll(gt, 1, axis=1)
    r = boundary_prf(gt, pred, max_dist=2)
    assert r == BoundaryPRF(1.0, 1.0, 1.0, 20, 20, 20, 20)


def test_two_predictions_compete_for_one_truth_pixel():
    gt = points((9, 9), (4, 4))
    pred = points((9, 9), (4, 3), (4, 5))     # both 1 px away, only one can match
    r = boundary_prf(gt, pred, max_dist=1.5, thin=False)
    assert (r.cntP, r.sumP, r.cntR, r.sumR) == (1, 2, 1, 1)
    assert (r.precision, r.recall) == (0.5, 1.0)
    assert r.f == pytest.approx(2 * 0.5 / 1.5)


def test_beyond_tolerance_is_unmatched():
    gt = points((9, 9), (4, 1))
    pred = points((9, 9), (4, 5))             # 4 px apart
    r = boundary_prf(gt, pred, max_dist=3, thin=False)
    assert r == BoundaryPRF(0.0, 0.0, 0.0, 0, 1, 0, 1)


def test_tolerance_is_inclusive_euclidean():
    gt = points((12, 12), (0, 0))
    pred = points((12, 12), (3, 4))           # distance exactly 5
    assert boundary_prf(gt, pred, max_dist=5).f == 1.0
    assert boundary_prf(gt, pred, max_dist=4.99).f == 0.0


def test_tolerance_below_one_is_a_fraction_of_the_diagonal():
    gt = points((30, 40), (10, 10))           # diagonal 50
    pred = points((30, 40), (10, 13))         # 3 px away
    assert boundary_prf(gt, pred, tolerance=0.06).f == 1.0    # 3 px
    assert boundary_prf(gt, pred, tolerance=0.05).f == 0.0    # 2.5 px
    # the default 0.0075 is 4.34 px on a BSDS image
    gt, pred = points((321, 481), (100, 100)), points((321, 481), (100, 104))
    assert boundary_prf(gt, pred).f == 1.0
    pred = points((321, 481), (100, 105))
    assert boundary_prf(gt, pred).f == 0.0


def test_matching_maximises_the_number_of_pairs():
    # gt at x=0 and x=2, pred at x=1 and x=3, tolerance 1: pairing (1,2) first would
    # strand pred 3; the optimum pairs 1-0 and 3-2.
    gt = points((1, 5), (0, 0), (0, 2))
    pred = points((1, 5), (0, 1), (0, 3))
    r = boundary_prf(gt, pred, max_dist=1, thin=False)
    assert (r.cntP, r.cntR) == (2, 2)


def test_one_to_one_differs_from_distance_approximation():
    gt = np.zeros((10, 10), bool)
    gt[:, 4] = True
    pred = gt.copy()
    pred[:, 5] = True                          # a doubled line
    exact = boundary_prf(gt, pred, max_dist=2, thin=False)
    approx = boundary_prf(gt, pred, max_dist=2, thin=False, method="distance")
    assert (exact.cntP, exact.sumP, exact.precision) == (10, 20, 0.5)
    assert (approx.cntP, approx.sumP, approx.precision) == (20, 20, 1.0)
    assert exact.recall == approx.recall == 1.0


def test_thinning_the_prediction_by_default():
    gt = np.zeros((10, 12), bool)
    gt[:, 5] = True
    pred = np.zeros_like(gt)
    pred[:, 4:7] = True        # a 3 px thick band thins to column 5, rows 1..8
    r = boundary_prf(gt, pred, max_dist=1)
    # 8 machine pixels can match only 8 of the 10 human pixels (one to one)
    assert (r.cntP, r.sumP, r.cntR, r.sumR) == (8, 8, 8, 10)
    assert boundary_prf(gt, pred, max_dist=1, thin=False).sumP == 30


# --- several annotators, pooled as evaluation_bdry_image does ---------------------

def test_annotators_pool_recall_and_or_precision():
    gt1 = np.zeros((10, 10), bool)
    gt1[:, 2] = True
    gt2 = np.zeros((10, 10), bool)
    gt2[:, 8] = True
    pred = gt1 | gt2
    r = boundary_prf([gt1, gt2], pred, max_dist=1)
    # every machine pixel matches one annotator or the other: precision 1, not 1/2;
    # recall counts each annotator's pixels: 10 + 10 of 20
    assert r == BoundaryPRF(1.0, 1.0, 1.0, 20, 20, 20, 20)
    r = boundary_prf([gt1, gt2], gt1, max_dist=1)
    assert (r.cntP, r.sumP, r.cntR, r.sumR) == (10, 10, 10, 20)
    assert (r.precision, r.recall) == (1.0, 0.5)
    # a (K, H, W) stack is the same as a list
    assert boundary_prf(np.stack([gt1, gt2]), gt1, max_dist=1) == r


# --- label maps -------------------------------------------------------------------

def test_seg2bdry_hand_worked():
    labels = np.array([[1, 1, 2, 2],
                       [1, 1, 2, 2],
                       [3, 3, 4, 4],
                       [3, 3, 4, 4]])
    # seg2bdry marks a pixel if it differs from its right/lower neighbour, or its
    # lower neighbour from that one's right, or its right neighbour from that one's
    # lower; the last row/column only look along the border.
    assert boundaries_from_labels(labels).astype(int).tolist() == [[0, 1, 0, 0],
                                                                    [1, 1, 1, 1],
                                                                    [0, 1, 0, 0],
                                                                    [0, 1, 0, 0]]
    assert not boundaries_from_labels(np.ones((3, 5), int)).any()


def test_label_map_prediction_and_truth():
    labels = np.ones((12, 12), np.int32)
    labels[:, 6:] = 2
    bmap = boundaries_from_labels(labels)
    assert bmap[:, 5].all() and bmap.sum() == 12
    assert boundary_prf(bmap, labels, max_dist=1) == BoundaryPRF(1.0, 1.0, 1.0, 12, 12,
                                                                  12, 12)
    # label maps as ground truth too, and label values do not matter
    assert boundary_prf(labels + 7, labels, max_dist=1).f == 1.0


# --- against a brute-force minimum-cost assignment ---------------------------------

def brute_force(pred, gt, max_dist, outlier):
    """correspondPixels' objective on a dense matrix: pairs within max_dist cost
    rint(100 d) - outlier (matching saves two outliers, costs one), others 0."""
    p, g = np.argwhere(pred), np.argwhere(gt)
    if len(p) == 0 or len(g) == 0:
        return 0, 0
    d2 = ((p[:, None] - g[None]) ** 2).sum(-1)
    cost = np.where(d2 <= max_dist ** 2, np.rint(100 * np.sqrt(d2)) - outlier, 0)
    r, c = linear_sum_assignment(cost)
    used = cost[r, c] < 0
    return int(used.sum()), int((cost[r, c][used] + outlier).sum())


def ours(pred, gt, max_dist, outlier):
    indptr, cols, costs, pix, ncol = _match_graph(pred, gt, max_dist)
    if pix.size == 0:
        return 0, 0
    col4row = _assign(indptr, cols, costs, ncol, outlier)
    total = 0
    for i, j in enumerate(col4row):
        if j < ncol:
            e = indptr[i] + np.flatnonzero(cols[indptr[i]:indptr[i + 1]] == j)[0]
            total += costs[e]
    return int((col4row < ncol).sum()), int(total)


def test_matcher_equals_brute_force_assignment():
    rng = np.random.default_rng(0)
    for _ in range(150):
        h, w = rng.integers(2, 20, 2)
        pred = rng.random((h, w)) < rng.uniform(0.05, 0.6)
        gt = rng.random((h, w)) < rng.uniform(0.05, 0.6)
        max_dist = rng.uniform(0.5, 4)
        outlier = int(np.ceil(100 * max_dist * 100))
        # same number of pairs and the same minimum total distance
        assert ours(pred, gt, max_dist, outlier) == brute_force(pred, gt, max_dist,
                                                                outlier)


def test_matches_the_benchmarks_own_correspond_pixels():
    # pyEdgeEval wraps the BSDS C++ code (match.cc + CSA); optional oracle
    pee = pytest.importorskip("pyEdgeEval._lib")
    rng = np.random.default_rng(4)
    for _ in range(20):
        pred = rng.random((30, 40)) < 0.1
        gt = rng.random((30, 40)) < 0.1
        frac = 0.05                               # 2.5 px on a 30x40 image
        m1, m2, cost, oc = pee.correspond_pixels(pred.astype(float), gt.astype(float),
                                                 frac)
        r = boundary_prf(gt, pred, tolerance=frac, thin=False)
        # as many pairs (the reference occasionally finds one fewer: its CSA runs on
        # a random sparse outlier graph, seeded by the clock)
        assert r.cntR - 1 <= (m2 > 0).sum() == (m1 > 0).sum() <= r.cntR
        # the benchmark's cost is d per pair plus oc per unmatched pixel; ours is never
        # higher (its random sparse outlier graph can force a slightly costlier
        # assignment with the same number of pairs)
        n, total = ours(pred, gt, 2.5, int(np.ceil(100 * 2.5 * 100)))
        unmatched = pred.sum() + gt.sum() - 2 * n
        assert total / 100 + unmatched * oc <= cost + 0.005 * n


def test_properties_on_random_maps():
    rng = np.random.default_rng(1)
    for _ in range(30):
        a = rng.random((25, 30)) < 0.15
        b = rng.random((25, 30)) < 0.15
        ab = boundary_prf(a, b, max_dist=2.5, thin=False)
        ba = boundary_prf(b, a, max_dist=2.5, thin=False)
        # the number of matched pairs is symmetric
        assert ab.cntR == ab.cntP == ba.cntP == ba.cntR
        approx = boundary_prf(a, b, max_dist=2.5, thin=False, method="distance")
        assert approx.cntP >= ab.cntP and approx.cntR >= ab.cntR


def test_thinning_equals_scikit_image():
    from skimage.morphology import thin
    rng = np.random.default_rng(2)
    for _ in range(60):
        im = rng.random(rng.integers(1, 30, 2)) < rng.uniform(0.1, 0.9)
        assert np.array_equal(_thin(im), thin(im))


# --- edge cases and bad input --------------------------------------------------------

def test_empty_maps_follow_the_benchmark_zero_conventions():
    empty = np.zeros((8, 8), bool)
    line = np.zeros((8, 8), bool)
    line[:, 3] = True
    assert boundary_prf(line, empty) == BoundaryPRF(0.0, 0.0, 0.0, 0, 0, 0, 8)
    assert boundary_prf(empty, line) == BoundaryPRF(0.0, 0.0, 0.0, 0, 8, 0, 0)
    assert boundary_prf(empty, empty) == BoundaryPRF(0.0, 0.0, 0.0, 0, 0, 0, 0)


def test_inputs_not_modified():
    rng = np.random.default_rng(3)
    gt = rng.random((15, 15)) < 0.2
    labels = rng.integers(1, 4, (15, 15))
    copies = gt.copy(), labels.copy()
    boundary_prf([gt], labels)
    boundary_prf(gt, gt, method="distance")
    assert np.array_equal(gt, copies[0]) and np.array_equal(labels, copies[1])


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((np.zeros((4, 4), bool), np.zeros((4, 4))), {}, TypeError, "y_pred has float"),
    ((np.zeros((4, 4)), np.zeros((4, 4), bool)), {}, TypeError, "y_true has float"),
    ((np.zeros((4, 4), bool), np.zeros((4, 5), bool)), {}, ValueError, "shape"),
    (([np.zeros((4, 4), bool), np.zeros((5, 4), bool)], np.zeros((4, 4), bool)), {},
     ValueError, r"y_true\[1\] has shape"),
    ((np.zeros((4, 4), bool), np.zeros((2, 4, 4), bool)), {}, ValueError, "2-D"),
    (([], np.zeros((4, 4), bool)), {}, ValueError, "empty list"),
    ((np.zeros((4, 4), bool), np.zeros((0, 4), bool)), {}, ValueError, "empty"),
    ((np.zeros((4, 4), bool), np.zeros((4, 4), complex)), {}, TypeError, "complex"),
    ((np.zeros((4, 4), bool),) * 2, {"tolerance": 0}, ValueError, "tolerance"),
    ((np.zeros((4, 4), bool),) * 2, {"tolerance": "1"}, TypeError, "tolerance"),
    ((np.zeros((4, 4), bool),) * 2, {"method": "edt"}, ValueError, "method"),
])
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        boundary_prf(*args, **kwargs)


# --- curves, ODS/OIS, accumulation --------------------------------------------------

def test_pr_curve_of_a_soft_map_and_of_a_sweep():
    gt = np.zeros((20, 20), bool)
    gt[:, 10] = True
    pb = np.zeros((20, 20))
    pb[:, 10] = 0.8
    pb[:, 3] = 0.3
    curve = boundary_pr_curve(gt, pb, thresholds=[0.2, 0.5, 0.9])
    assert curve.thresholds.tolist() == [0.2, 0.5, 0.9]
    assert curve.precision.tolist() == [0.5, 1.0, 0.0]
    assert curve.recall.tolist() == [1.0, 1.0, 0.0]
    assert curve.sumP.tolist() == [40, 20, 0]
    thr = boundary_pr_curve(gt, pb, thresholds=3).thresholds
    assert np.allclose(thr, [0.25, 0.5, 0.75])
    sweep = boundary_pr_curve(gt, [pb >= 0.2, pb >= 0.5])
    thr = sweep.thresholds
    assert thr.tolist() == [1.0, 2.0] and sweep.precision.tolist() == [0.5, 1.0]
    with pytest.raises(TypeError, match="soft boundary map must be float"):
        boundary_pr_curve(gt, gt)


def test_ods_ois_ap_hand_worked():
    # one image, two settings: (P, R) = (0.5, 1) then (1, 0.5)
    counts = np.array([[[5, 10, 10, 10], [10, 10, 5, 10]]])
    b = boundary_ods_ois(counts)
    # ODS interpolates between the settings: F peaks near P = R = 0.75
    assert b.ods_f == pytest.approx(0.75, abs=1e-4)
    assert b.ods_threshold == pytest.approx(1.5, abs=0.01)
    # OIS takes the first best setting of the image: F = 2/3 at setting 1
    assert (b.ois_precision, b.ois_recall) == (0.5, 1.0)
    # AP: precision 1.5 - r on recall [0.5, 1], 0 below: 0.01 * sum = 0.3825
    assert b.ap == pytest.approx(0.3825)
    assert b.curve.f.tolist() == pytest.approx([2 / 3, 2 / 3])


def test_ods_ois_pool_counts_over_images():
    counts = np.array([[[8, 10, 5, 10], [4, 5, 3, 10]],
                       [[2, 10, 9, 10], [5, 5, 6, 10]]])
    b = boundary_ods_ois(counts)
    # image 1 is best at setting 1 (F .615 vs .436), image 2 at setting 2 (.327 vs .75)
    assert b.ois_precision == pytest.approx(13 / 15) and b.ois_recall == 0.55
    curves = [BoundaryPRF.from_counts(*c.T) for c in counts]
    assert astuple(boundary_ods_ois(curves))[:8] == pytest.approx(astuple(b)[:8])
    with pytest.raises(ValueError, match="thresholds has 3 entries"):
        boundary_ods_ois(counts, thresholds=[1, 2, 3])


def test_accumulator_pools_counts_not_scores():
    gt = np.zeros((20, 20), bool)
    gt[:, 10] = True
    half = np.zeros((20, 20), bool)
    half[:10, 10] = True
    acc = BoundaryAccumulator(max_dist=1)
    assert acc.update(gt, gt).f == 1.0
    assert acc.update(gt, half).recall == 0.5
    acc.add_counts(0, 0, 0, 20)                   # an image where nothing was found
    assert acc.counts.tolist() == [[20, 20, 20, 20], [10, 10, 10, 20], [0, 0, 0, 20]]
    r = acc.compute()
    assert (r.precision, r.recall) == (1.0, 0.5)  # 30/30 and 30/60
    acc.reset()
    assert acc.compute() == BoundaryPRF(0.0, 0.0, 0.0, 0, 0, 0, 0)


def test_accumulator_validates_its_settings():
    with pytest.raises(ValueError, match="method"):
        BoundaryAccumulator(method="edt")
    with pytest.raises(ValueError, match="tolerance"):
        BoundaryAccumulator(tolerance=-1)


def test_deterministic():
    rng = np.random.default_rng(5)
    labels = rng.integers(1, 6, (40, 50))
    gts = [rng.random((40, 50)) < 0.1 for _ in range(3)]
    assert len({boundary_prf(gts, labels) for _ in range(3)}) == 1


# --- real BSDS500 data ----------------------------------------------------------------

@bsds
@pytest.mark.bsds
def test_label_maps_become_the_stored_bsds_boundaries():
    # seg2bdry + thinning of each annotator's segmentation gives exactly the stored
    # Boundaries: at a tolerance of 1e-4 x diagonal (0.06 px) only identical pixels
    # match.
    for image_id in bsds500_ids(None, "val")[:3]:
        s = load_bsds500(None, "val", image_id)
        for seg, bnd in zip(s.segmentations, s.boundaries):
            r = boundary_prf(seg, bnd, tolerance=1e-4)
            assert (r.precision, r.recall) == (1.0, 1.0)


@bsds
@pytest.mark.bsds
@pytest.mark.slow
def test_human_annotators_agree_at_f_about_080():
    # each annotator scored against the others, counts pooled; the benchmark's
    # "human" figure is F = 0.80 on BSDS500 (see benchmarks/results/metrics_boundary.md
    # for all 100 val images); per image it varies from 0.6 to 0.95
    acc = BoundaryAccumulator()
    for image_id in bsds500_ids(None, "val")[:10]:
        b = load_bsds500(None, "val", image_id).boundaries
        for k in range(len(b)):
            acc.update(b[:k] + b[k + 1:], b[k])
    assert 0.78 < acc.compute().f < 0.86


# --------------------------------------------------------------------- bad input

def test_tolerance_and_max_dist_are_different_units():
    gt = np.zeros((20, 20), bool)
    gt[:, 10] = True
    pred = np.roll(gt, 3, axis=1)
    # a distance beyond the diagonal is the diagonal: every pair may match
    assert boundary_prf(gt, pred, max_dist=1e19).f == 1.0
    assert boundary_prf(gt, pred, max_dist=1e19, method="distance").f == 1.0
    assert boundary_prf(gt, pred, tolerance=1.0).f == 1.0
    with pytest.raises(ValueError, match="fraction of the image diagonal.*max_dist"):
        boundary_prf(gt, pred, tolerance=2)
    with pytest.raises(ValueError, match="not both"):
        boundary_prf(gt, pred, tolerance=0.1, max_dist=2)
    with pytest.raises(ValueError, match="max_dist must be > 0"):
        BoundaryAccumulator(max_dist=0)


@pytest.mark.parametrize("counts, exc, match", [
    ([[[10, 5, 10, 5]]], ValueError, "matched counts above their totals"),
    ([[[1, 5, 11, 10]]], ValueError, "matched counts above their totals"),
    ([[[-1, 5, 1, 10]]], ValueError, "negative count"),
    ([[[0.5, 5, 1, 10]]], TypeError, "whole-number counts"),
    ([[["a", "b", "c", "d"]]], TypeError, "whole-number counts"),
])
def test_ods_ois_refuses_impossible_counts(counts, exc, match):
    with pytest.raises(exc, match=match):
        boundary_ods_ois(np.array(counts))
    with pytest.raises(exc, match=match):
        BoundaryAccumulator().add_counts(*np.array(counts).ravel())


def test_accumulator_merge_equals_one_pass():
    rng = np.random.default_rng(1)
    maps = [(rng.random((12, 12)) > 0.8, rng.random((12, 12)) > 0.8) for _ in range(4)]
    one, a, b = (BoundaryAccumulator(max_dist=1.5) for _ in range(3))
    for k, (t, p) in enumerate(maps):
        one.update(t, p)
        (a if k < 1 else b).update(t, p)
    assert a.merge(b).compute() == one.compute()
    assert np.array_equal(a.counts, one.counts)
    a.reset()
    assert a.counts.shape == (0, 4)
    with pytest.raises(ValueError, match="must match"):
        a.merge(BoundaryAccumulator())
    with pytest.raises(TypeError, match="BoundaryAccumulator"):
        a.merge(one.counts)
