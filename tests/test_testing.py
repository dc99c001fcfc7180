"""classicseg.testing.assert_label_contract: each clause of the contract."""
import numpy as np
import pytest

from classicseg.testing import assert_label_contract


def test_accepts_a_valid_map_and_returns_the_count():
    labels = np.array([[1, 1, 2],
                       [3, 3, 2]], np.int32)
    assert assert_label_contract(labels, shape=(2, 3), n_segments=3) == 3


def test_accepts_zero_outside_mask_and_on_lines():
    labels = np.array([[1, 0, 2]], np.int32)
    assert assert_label_contract(labels, mask=np.array([[1, 0, 1]], bool)) == 2
    assert assert_label_contract(labels, lines=True) == 2


def test_diagonal_segment_needs_connectivity_2():
    labels = np.array([[1, 2],
                       [2, 1]], np.int32)
    assert assert_label_contract(labels, connectivity=2) == 2
    with pytest.raises(AssertionError, match="segment 1 has 2 separate parts"):
        assert_label_contract(labels)


@pytest.mark.parametrize("labels, kwargs, match", [
    (np.array([[1, 1]], np.int64), {}, "dtype int64; expected int32"),
    (np.array([[1, 1]], np.int32), dict(shape=(1, 3)), r"shape \(1, 2\); expected"),
    (np.array([[1, 3]], np.int32), {}, r"gaps: \[2\] missing"),
    (np.array([[1, 0]], np.int32), {}, "1 pixels .no mask was given. have label 0"),
    (np.array([[1, 0]], np.int32), dict(mask=np.ones((1, 2), bool)),
     "inside mask have label 0"),
    (np.array([[1, 2]], np.int32), dict(mask=np.array([[1, 0]], bool)),
     "outside mask have a nonzero label"),
    (np.array([[1, -1]], np.int32), dict(lines=True), "negative values"),
    (np.array([[1, 2]], np.int32), dict(n_segments=3), "2 segments; expected 3"),
])
def test_reports_each_broken_clause(labels, kwargs, match):
    with pytest.raises(AssertionError, match=match):
        assert_label_contract(labels, **kwargs)
