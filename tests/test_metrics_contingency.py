"""The contingency table every overlap metric is computed from."""
import numpy as np
import pytest

from classicseg.metrics import contingency
from classicseg.metrics._contingency import _pairs_direct, _pairs_grouped, relabel


def naive_table(a, b):
    ua, ia = np.unique(a.ravel(), return_inverse=True)
    ub, ib = np.unique(b.ravel(), return_inverse=True)
    dense = np.zeros((ua.size, ub.size), np.int64)
    np.add.at(dense, (ia.ravel(), ib.ravel()), 1)
    return ua, ub, dense


def test_hand_worked_table():
    a = np.array([[1, 1, 2],
                  [1, 3, 3]])
    b = np.array([[5, 5, 5],
                  [0, 0, 5]])
    t = contingency(a, b)
    assert t.row_labels.tolist() == [1, 2, 3]
    assert t.col_labels.tolist() == [0, 5]
    # label 1: one pixel with 0, two with 5; label 2: one with 5; label 3: one each
    assert t.to_dense().tolist() == [[1, 2], [0, 1], [1, 1]]
    assert t.rows.tolist() == [0, 0, 1, 2, 2]
    assert t.cols.tolist() == [0, 1, 1, 0, 1]
    assert t.counts.tolist() == [1, 2, 1, 1, 1]
    assert t.row_sizes.tolist() == [3, 1, 2]
    assert t.col_sizes.tolist() == [2, 4]
    assert t.n == 6


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                   np.uint32, np.int64, np.uint64, bool])
def test_any_integer_dtype(dtype):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2 if dtype is bool else 50, (30, 20)).astype(dtype)
    b = rng.integers(0, 7, (30, 20)).astype(dtype)
    t = contingency(a, b)
    ua, ub, dense = naive_table(a, b)
    assert np.array_equal(t.row_labels, ua) and np.array_equal(t.col_labels, ub)
    assert np.array_equal(t.to_dense(), dense)


@pytest.mark.parametrize("offset", [-10**15, -5, 0, 10**12, 2**62])
def test_negative_and_huge_labels(offset):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 40, (25, 25)).astype(np.int64) * 977 + offset
    b = rng.integers(-3, 3, (25, 25)) * 10**14
    t = contingency(a, b)
    ua, ub, dense = naive_table(a, b)
    assert np.array_equal(t.row_labels, ua) and np.array_equal(t.col_labels, ub)
    assert np.array_equal(t.to_dense(), dense)


def test_uint64_above_int64_range():
    a = np.array([2**64 - 1, 3, 2**64 - 1], dtype=np.uint64)
    t = contingency(a, np.array([1, 1, 2]))
    assert t.row_labels.tolist() == [3, 2**64 - 1]
    assert t.to_dense().tolist() == [[1, 0], [1, 1]]


def test_dense_and_grouped_paths_agree():
    rng = np.random.default_rng(2)
    ia = rng.integers(0, 300, 5000).astype(np.int32)
    ib = rng.integers(0, 200, 5000).astype(np.int32)
    d = _pairs_direct(ia, 300, ib, 0, 200)[:3]
    g = _pairs_grouped(ia, ib, 300, 200)
    for x, y in zip(d, g):
        assert np.array_equal(x, y)


def test_large_label_counts_use_grouped_path_correctly():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5000, (100, 100))  # Ka * Kb far above 2N
    b = rng.integers(0, 4000, (100, 100))
    t = contingency(a, b)
    ua, ub, dense = naive_table(a, b)
    assert np.array_equal(t.to_dense(), dense)
    assert t.counts.min() > 0 and t.counts.sum() == a.size


def test_mask_restricts_pixels_and_may_be_empty():
    a = np.array([[1, 2], [3, 4]])
    b = np.array([[1, 1], [2, 2]])
    t = contingency(a, b, mask=np.array([[True, False], [False, True]]))
    assert t.row_labels.tolist() == [1, 4] and t.to_dense().tolist() == [[1, 0], [0, 1]]
    e = contingency(a, b, mask=np.zeros((2, 2), bool))
    assert e.n == 0 and e.counts.size == 0 and e.row_labels.size == 0


def test_relabel_is_ascending():
    idx, uniq, sizes = relabel(np.array([9, -4, 9, 0]))
    assert idx.tolist() == [2, 0, 2, 1]
    assert uniq.tolist() == [-4, 0, 9] and sizes.tolist() == [1, 1, 2]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="y_true has shape"):
        contingency(np.zeros((2, 3), int), np.zeros((3, 2), int))
    with pytest.raises(TypeError, match="y_pred has float dtype"):
        contingency(np.zeros(3, int), np.zeros(3))
    with pytest.raises(ValueError, match="y_true is empty"):
        contingency(np.zeros(0, int), np.zeros(0, int))
    with pytest.raises(ValueError, match="mask has shape"):
        contingency(np.zeros(3, int), np.zeros(3, int), mask=np.ones(2, bool))


def test_inputs_not_modified():
    a = np.array([[3, -1], [3, 7]])
    b = np.array([[0, 0], [1, 1]], np.uint8)
    a0, b0 = a.copy(), b.copy()
    contingency(a, b)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)
