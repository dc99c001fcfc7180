import numpy as np
import pytest
from scipy import ndimage as ndi

from classicseg.labels import adjust_segment_count, enforce_connectivity, relabel_sequential
from classicseg.testing import assert_label_contract
from conftest import call_with_threads


def n_components(mask):
    return ndi.label(mask)[1]


def test_relabel_sequential_keeps_order_and_zero():
    lab = np.array([[5, 5, 0], [9, 2, -3]])
    assert relabel_sequential(lab).tolist() == [[2, 2, 0], [3, 1, 0]]


def test_relabel_rejects_float():
    with pytest.raises(TypeError, match="labels"):
        relabel_sequential(np.zeros((2, 2)))


def test_splits_disconnected_label_in_raster_order():
    lab = np.array([[1, 2, 1],
                    [1, 2, 1]])
    assert enforce_connectivity(lab).tolist() == [[1, 2, 3], [1, 2, 3]]


def test_diagonal_pixels_are_not_4_connected_and_zero_stays_zero():
    lab = np.array([[1, 0],
                    [0, 1]])
    assert enforce_connectivity(lab).tolist() == [[1, 0], [0, 2]]


def test_zero_is_no_segment_and_nobodys_neighbour():
    # the lone 2 touches only 0: kept, not merged into "segment 0"
    lab = np.array([[1, 1, 0, 2, 0, 1, 1]])
    assert enforce_connectivity(lab, min_size=2).tolist() == [[1, 1, 0, 2, 0, 3, 3]]
    assert enforce_connectivity(np.zeros((2, 3), int)).tolist() == [[0] * 3] * 2


def test_small_fragment_joins_left_neighbour():
    # Achanta's rule: the single pixel of label 2 joins the segment to its left.
    lab = np.array([[1, 1, 2, 3, 3],
                    [1, 1, 3, 3, 3]])
    assert enforce_connectivity(lab, min_size=2).tolist() == [[1, 1, 1, 2, 2],
                                                              [1, 1, 2, 2, 2]]


def test_first_pixel_fragment_joins_a_later_neighbour():
    lab = np.array([[7, 1, 1],
                    [1, 1, 1]])
    assert enforce_connectivity(lab, min_size=2).tolist() == [[1, 1, 1], [1, 1, 1]]


def test_isolated_small_component_is_kept():
    lab = np.array([[1, 0, 2]])
    mask = np.array([[True, False, True]])
    assert enforce_connectivity(lab, min_size=5, mask=mask).tolist() == [[1, 0, 2]]


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("min_size", [0, 3])
def test_random_maps_satisfy_contract(seed, min_size):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 14, size=rng.choice([2, 3])))
    lab = rng.integers(0, 3, size=shape)
    mask = (rng.random(shape) > 0.2) if seed % 2 else None
    if mask is not None and not mask.any():
        return
    out = enforce_connectivity(lab, min_size, mask=mask)
    inside = (np.ones(shape, bool) if mask is None else mask) & (lab > 0)
    assert_label_contract(out, mask=inside)
    if min_size == 0:  # one segment per component of each nonzero label
        expected = sum(n_components((lab == v) & inside) for v in (1, 2))
        assert out.max() == expected
    # a segment never mixes two input components of size >= min_size
    for lab_value in (1, 2):
        comps, n = ndi.label((lab == lab_value) & inside)
        sizes = np.bincount(comps.ravel())[1:]
        big = [c + 1 for c in range(n) if sizes[c] >= min_size]
        owners = [np.unique(out[comps == c]) for c in big]
        assert all(len(o) == 1 for o in owners)
        assert len({int(o[0]) for o in owners}) == len(owners)


def test_input_not_modified():
    lab = np.array([[1, 2, 1]])
    before = lab.copy()
    enforce_connectivity(lab, 2)
    assert (lab == before).all()


def test_enforce_connectivity_errors():
    with pytest.raises(TypeError, match="labels has float dtype"):
        enforce_connectivity(np.full((2, 2), 1.5))
    with pytest.raises(ValueError, match="2-D or 3-D"):
        enforce_connectivity(np.zeros(5, int))
    with pytest.raises(ValueError, match="min_size"):
        enforce_connectivity(np.zeros((2, 2), int), -1)
    with pytest.raises(ValueError, match="mask has shape"):
        enforce_connectivity(np.zeros((2, 2), int), mask=np.ones((3, 2), bool))


def test_adjust_merges_smallest_into_most_similar():
    lab = np.array([[1, 1, 2, 3, 3, 3]])
    features = np.array([[0., 0., 9., 10., 10., 10.]])[..., None]
    out = adjust_segment_count(lab, 2, features)
    assert out.tolist() == [[1, 1, 2, 2, 2, 2]]


def test_adjust_splits_largest_into_connected_halves():
    lab = np.ones((4, 10), np.int32)
    out = adjust_segment_count(lab, 3)
    assert_label_contract(out, n_segments=3)
    # halves grown from the two farthest pixels are roughly balanced
    assert np.bincount(out.ravel())[1:].min() >= 8


def test_adjust_errors():
    with pytest.raises(ValueError, match="n must be > 0"):
        adjust_segment_count(np.ones((3, 3), int), 0)
    with pytest.raises(ValueError, match="features have shape"):
        adjust_segment_count(np.ones((3, 3), int), 2, np.zeros((4, 3, 1)))


def test_same_result_for_one_and_two_threads(one_thread):
    rng = np.random.default_rng(5)
    lab = ndi.zoom(rng.integers(0, 40, (60, 80)), 8, order=0)   # 480 x 640 blocks
    lab[rng.random(lab.shape) < 0.01] = 41   # specks: small components to merge
    for args in ((lab, 0), (lab, 20)):
        np.testing.assert_array_equal(
            enforce_connectivity(*args),
            call_with_threads(2, "classicseg:enforce_connectivity", *args))
