"""Specification of classicseg.watershed: Meyer flooding and marker helpers."""
import itertools

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import morphology
from skimage import segmentation as sks
from skimage.util import regular_seeds

from classicseg import (gradient_magnitude, grid_markers, h_minima_markers,
                        regional_minima, watershed, watershed_segmentation)
import naive
from classicseg.testing import assert_label_contract
from conftest import BSDS_VAL, requires_bsds


def _connected_regions(labels, connectivity=1):
    structure = ndi.generate_binary_structure(labels.ndim, connectivity)
    return all(ndi.label(labels == k, structure)[1] == 1
               for k in np.unique(labels[labels > 0]))


# ------------------------------------------------------------------ hand-worked cases

def test_two_basins_meet_at_the_ridge():
    elevation = np.array([[0, 1, 2, 3, 2, 1, 0],
                          [0, 1, 2, 3, 2, 1, 0]])
    markers = np.zeros_like(elevation)
    markers[0, 0], markers[0, 6] = 1, 2
    assert watershed(elevation, markers).tolist() == [[1, 1, 1, 1, 2, 2, 2],
                                                     [1, 1, 1, 1, 2, 2, 2]]
    assert watershed(elevation, markers, watershed_line=True).tolist() == \
        [[1, 1, 1, 0, 2, 2, 2], [1, 1, 1, 0, 2, 2, 2]]


def test_plateau_between_two_markers_is_split_fairly():
    # A flat valley: the FIFO order makes each marker take the half nearer to it.
    elevation = np.zeros((1, 8))
    markers = np.array([[1, 0, 0, 0, 0, 0, 0, 2]])
    assert watershed(elevation, markers).tolist() == [[1, 1, 1, 1, 2, 2, 2, 2]]
    markers = np.array([[1, 0, 0, 0, 0, 0, 2]])[:, :7]
    assert watershed(elevation[:, :7], markers).tolist() == [[1, 1, 1, 1, 2, 2, 2]]
    assert watershed(elevation[:, :7], markers, watershed_line=True).tolist() == \
        [[1, 1, 1, 0, 2, 2, 2]]


def test_saddle_goes_to_the_basin_that_reaches_it_lower():
    # The pass (5) is reached from the right over 1 and from the left over 3.
    elevation = np.array([[9, 9, 9, 9, 9],
                          [0, 3, 5, 1, 0],
                          [9, 9, 9, 9, 9]])
    markers = np.zeros_like(elevation)
    markers[1, 0], markers[1, 4] = 1, 2
    assert watershed(elevation, markers).tolist() == [[1, 1, 2, 2, 2]] * 3


def test_connectivity_changes_diagonal_flooding():
    # A diagonal channel of zeros joins marker 1 to the corner only with 8-neighbours.
    elevation = np.array([[0, 9, 0],
                          [9, 0, 9],
                          [9, 9, 0]])
    markers = np.zeros_like(elevation)
    markers[0, 0], markers[0, 2] = 1, 2
    assert watershed(elevation, markers, connectivity=1).tolist() == [[1, 1, 2],
                                                                     [1, 1, 2],
                                                                     [1, 1, 2]]
    assert watershed(elevation, markers, connectivity=2).tolist() == [[1, 1, 2],
                                                                     [1, 1, 2],
                                                                     [1, 1, 1]]


def test_mask_restricts_flooding():
    elevation = np.zeros((3, 4))
    markers = np.zeros((3, 4), int)
    markers[0, 0] = 1
    mask = np.array([[1, 1, 0, 1],
                     [1, 1, 0, 1],
                     [1, 1, 0, 1]], bool)
    assert watershed(elevation, markers, mask=mask).tolist() == [[1, 1, 0, 0],
                                                                [1, 1, 0, 0],
                                                                [1, 1, 0, 0]]


def test_marker_labels_are_kept():
    elevation = np.arange(6.0).reshape(1, 6)
    markers = np.array([[7, 0, 0, 0, 0, 40]])
    assert set(np.unique(watershed(elevation, markers))) == {7, 40}


# ------------------------------------------------------------------ Meyer semantics

def _random_case(rng, shape, levels, n_markers=5):
    elevation = rng.integers(0, levels, shape)
    markers = np.zeros(shape, np.int32)
    where = rng.choice(elevation.size, n_markers, replace=False)
    markers.flat[where] = rng.integers(1, 4, n_markers)
    return elevation, markers


@pytest.mark.parametrize("connectivity", [1, 2, 3])
@pytest.mark.parametrize("watershed_line", [False, True])
def test_agrees_exactly_with_a_naive_meyer_flooding(connectivity, watershed_line):
    rng = np.random.default_rng(connectivity + 3 * watershed_line)
    for trial in range(30):
        shape = (rng.integers(3, 14), rng.integers(2, 14))
        if trial % 2 or connectivity == 3:
            shape = (int(rng.integers(2, 8)),) + shape
        elevation, markers = _random_case(rng, shape, levels=rng.integers(2, 8))
        mask = rng.random(shape) > 0.25 if trial % 2 else None
        if mask is not None and not (markers * mask).any():
            continue
        expected = naive.meyer_flooding(elevation, markers, connectivity, mask, watershed_line)
        for dtype in (np.uint8, np.uint16, np.float32, np.float64, np.int64):
            got = watershed(elevation.astype(dtype), markers, connectivity=connectivity,
                            mask=mask, watershed_line=watershed_line)
            np.testing.assert_array_equal(got, expected, err_msg=f"{trial} {dtype}")


def test_float_elevations_with_ties_inside_one_bucket():
    # Many distinct floats and many ties exercise the sorted bucket runs and the heap.
    rng = np.random.default_rng(5)
    for _ in range(10):
        elevation = rng.integers(0, 40, (15, 17)) * 0.013 + \
            (rng.random((15, 17)) < 0.3) * rng.random((15, 17)) * 1e-3
        _, markers = _random_case(rng, elevation.shape, 2, n_markers=6)
        for wl in (False, True):
            np.testing.assert_array_equal(
                watershed(elevation, markers, watershed_line=wl),
                naive.meyer_flooding(elevation, markers, 1, None, wl))


def test_float64_values_that_share_a_float32():
    # Buckets come from float32 keys; the order within them from the float64 values.
    rng = np.random.default_rng(8)
    for _ in range(5):
        steps = rng.integers(0, 50, (19, 23))
        elevation = 1.0 + steps * 1e-12  # all round to float32 1.0
        _, markers = _random_case(rng, elevation.shape, 2, n_markers=7)
        for wl in (False, True):
            np.testing.assert_array_equal(
                watershed(elevation, markers, watershed_line=wl),
                watershed(steps.astype(np.uint8), markers, watershed_line=wl))
        np.testing.assert_array_equal(watershed(elevation, markers),
                                      sks.watershed(elevation, markers))


def test_long_bucket_runs_sort_stably():
    # Long runs of a float bucket are radix-sorted on the values' bits: the order
    # must be a stable sort's, with -0.0 tying with 0.0 and negatives below.
    from classicseg._watershed_kernels import _radix_sort

    rng = np.random.default_rng(11)
    n, lo = 500, 3
    for values in (rng.random(n), rng.integers(0, 5, n) * 1.0,
                   1.0 + rng.integers(0, 40, n) * 1e-12, np.sort(rng.random(n)),
                   np.sort(rng.random(n))[::-1], np.zeros(n),
                   rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n),
                   rng.choice([-0.0, 0.0, -1e-300, 1e-300, -2.5, 2.5], n)):
        got = values.copy()
        slots = np.arange(-lo, n, dtype=np.int32)
        _radix_sort(got, slots, lo, n)
        order = np.argsort(values, kind="stable")
        np.testing.assert_array_equal(slots[lo:], order)
        np.testing.assert_array_equal(got, values[order])


def test_non_contiguous_and_wide_integer_inputs():
    rng = np.random.default_rng(4)
    elevation, markers = _random_case(rng, (30, 40), levels=9, n_markers=8)
    expected = watershed(np.ascontiguousarray(elevation.T), markers.T.copy())
    np.testing.assert_array_equal(watershed(elevation.T, markers.T), expected)
    wide = elevation.T.astype(np.int64) * 10 ** 6  # > 2**16 levels: float64 path
    np.testing.assert_array_equal(watershed(wide, markers.T), expected)


def test_largest_labels_survive_lines():
    top = np.iinfo(np.int32).max - 1
    elevation = np.array([[0, 1, 2, 1, 0]])
    markers = np.array([[top, 0, 0, 0, top - 1]])
    assert watershed(elevation, markers, watershed_line=True).tolist() == \
        [[top, top, 0, top - 1, top - 1]]
    with pytest.raises(ValueError, match="below 2"):
        watershed(elevation, markers + 1)


def test_negative_zero_ties_with_zero():
    # -0.0 == 0.0: a plateau mixing both is still split first-in first-out.
    elevation = np.array([[0.0, -0.0, 0.0, -0.0, 0.0, -0.0, 0.0, -0.0]])
    markers = np.array([[1, 0, 0, 0, 0, 0, 0, 2]])
    assert watershed(elevation, markers).tolist() == [[1, 1, 1, 1, 2, 2, 2, 2]]


# ------------------------------------------------------------------ scikit-image

@pytest.mark.parametrize("connectivity", [1, 2])
@pytest.mark.parametrize("watershed_line", [False, True])
@pytest.mark.parametrize("with_mask", [False, True])
def test_identical_to_skimage_on_distinct_elevations(connectivity, watershed_line,
                                                    with_mask):
    rng = np.random.default_rng(11)
    for shape in [(23, 31), (9, 12, 10)]:
        elevation = rng.permutation(np.prod(shape)).reshape(shape) / 7.0
        markers = np.zeros(shape, int)
        markers.flat[rng.choice(elevation.size, 12, replace=False)] = \
            rng.permutation(12) + 1
        mask = rng.random(shape) > 0.2 if with_mask else None
        ours = watershed(elevation, markers, connectivity=connectivity, mask=mask,
                         watershed_line=watershed_line)
        ref = sks.watershed(elevation, markers, connectivity=connectivity, mask=mask,
                            watershed_line=watershed_line)
        if watershed_line:  # only where scikit-image cuts a region (see above)
            same = (ours == ref) | ((ref == 0) & (ours > 0)) | ((ours == 0) & (ref > 0))
            assert same.all() and (ours == ref).mean() > 0.97
            assert _connected_regions(ours, connectivity)
        else:
            np.testing.assert_array_equal(ours, ref)


def test_compact_watershed_identical_to_skimage():
    rng = np.random.default_rng(3)
    elevation = rng.permutation(40 * 50).reshape(40, 50) / 2000.0
    for n in (9, 30):
        ours = watershed(elevation, n, compactness=0.01)
        ref = sks.watershed(elevation, n, compactness=0.01)
        np.testing.assert_array_equal(ours, ref)


def test_default_markers_are_skimages_local_minima():
    rng = np.random.default_rng(4)
    elevation = ndi.gaussian_filter(rng.random((40, 50)), 2)
    for c in (1, 2):
        np.testing.assert_array_equal(watershed(elevation, connectivity=c),
                                      sks.watershed(elevation, connectivity=c))


@pytest.mark.slow
@requires_bsds
def test_agrees_with_skimage_on_bsds_gradients():
    from skimage.color import rgb2gray
    from skimage.filters import sobel
    from skimage.io import imread

    # Only ties between markers of equal elevation differ (scikit-image pops them in
    # binary-heap order, we in raster order), and what they start downstream.
    rng = np.random.default_rng(0)
    same = {}
    for path in sorted(BSDS_VAL.glob("*.jpg"))[:3]:
        grad = sobel(rgb2gray(imread(path)))
        markers = ndi.label(morphology.h_minima(grad, 0.08))[0]
        mask = rng.random(grad.shape) > 0.02
        for c, wl, m in itertools.product((1, 2), (False, True), (None, mask)):
            ours = watershed(grad, markers, connectivity=c, watershed_line=wl, mask=m)
            ref = sks.watershed(grad, markers, connectivity=c, watershed_line=wl, mask=m)
            assert (ours == ref).mean() >= 0.995, (path.name, c, wl, m is None)
            same.setdefault((c, wl, m is None), []).append((ours == ref).mean())
    for key, fractions in same.items():
        assert np.mean(fractions) >= 0.999, key


# ------------------------------------------------------------------ the contract

def test_contract_labels_every_reachable_pixel_in_connected_regions():
    rng = np.random.default_rng(8)
    image = ndi.gaussian_filter(rng.random((60, 70)), 1.5)
    mask = np.ones(image.shape, bool)
    mask[20:25, :] = False
    labels = watershed(image, mask=mask)
    assert_label_contract(labels, shape=image.shape, mask=mask)
    markers = regional_minima(image, mask=mask)
    assert (labels[markers > 0] == markers[markers > 0]).all()


@pytest.mark.parametrize("connectivity", [1, 2])
@pytest.mark.parametrize("watershed_line", [False, True])
@pytest.mark.parametrize("compactness", [0.0, 0.01])
def test_contract_in_2d_and_3d(connectivity, watershed_line, compactness):
    rng = np.random.default_rng(connectivity)
    for shape in [(40, 50), (8, 20, 24)]:
        elevation = ndi.gaussian_filter(rng.random(shape), 1.5)
        mask = rng.random(shape) > 0.05
        labels = watershed(elevation, mask=mask, connectivity=connectivity,
                           watershed_line=watershed_line, compactness=compactness)
        assert_label_contract(labels, shape=shape, mask=mask, connectivity=connectivity,
                              lines=watershed_line)


@pytest.mark.parametrize("kwargs", [dict(n=60), dict(n=60, compactness=0.0),
                                    dict(h=0.05), dict(n=30, sigma=0.0)])
def test_watershed_segmentation_contract(chelsea, kwargs):
    image = chelsea[::2, ::2]
    labels = watershed_segmentation(image, **kwargs)
    assert_label_contract(labels, shape=image.shape[:2])
    gray = image.mean(-1) / 255
    assert_label_contract(watershed_segmentation(gray, channel_axis=None, **kwargs),
                          shape=gray.shape)


def test_lines_separate_regions_and_regions_stay_connected():
    # scikit-image lets a line cut off part of a region; we give the region back the
    # line pixel that cut it off, so the results differ only there.
    rng = np.random.default_rng(9)
    elevation = ndi.gaussian_filter(rng.random((50, 50)), 2)
    labels = watershed(elevation, watershed_line=True)
    ref = sks.watershed(elevation, watershed_line=True)
    assert _connected_regions(labels) and not _connected_regions(ref)
    bridges = (ref == 0) & (labels > 0)
    cut_off = (ref > 0) & (labels == 0)
    assert ((labels == ref) | bridges | cut_off).all()
    assert bridges.sum() + cut_off.sum() < 0.005 * labels.size
    for a, b, bridge in [(labels[:, :-1], labels[:, 1:], bridges[:, :-1] | bridges[:, 1:]),
                         (labels[:-1], labels[1:], bridges[:-1] | bridges[1:])]:
        touching = (a > 0) & (b > 0) & (a != b)
        assert not (touching & ~bridge).any()


def test_three_d_volume():
    z, y, x = np.mgrid[:20, :20, :20]
    elevation = np.minimum((x - 4) ** 2 + (y - 10) ** 2 + (z - 10) ** 2,
                           (x - 15) ** 2 + (y - 10) ** 2 + (z - 10) ** 2).astype(float)
    labels = watershed(elevation)
    assert labels.max() == 2
    assert (labels[:, :, :9] == labels[10, 10, 4]).all()
    assert (labels[:, :, 11:] == labels[10, 10, 15]).all()
    assert np.array_equal(watershed(elevation, connectivity=3), labels)


def test_input_not_modified_and_deterministic():
    rng = np.random.default_rng(1)
    elevation = rng.random((30, 30)).astype(np.float32)
    markers = grid_markers(elevation.shape, 10)
    mask = rng.random((30, 30)) > 0.1
    copies = elevation.copy(), markers.copy(), mask.copy()
    first = watershed(elevation, markers, mask=mask, watershed_line=True)
    second = watershed(elevation, markers, mask=mask, watershed_line=True)
    np.testing.assert_array_equal(first, second)
    for original, copy in zip((elevation, markers, mask), copies):
        np.testing.assert_array_equal(original, copy)


def test_grid_markers_and_compactness_give_regular_superpixels():
    rng = np.random.default_rng(2)
    elevation = rng.random((60, 90))
    loose = watershed(elevation, 24)
    compact = watershed(elevation, 24, compactness=1.0)
    assert loose.max() == compact.max() == 24
    assert _connected_regions(compact)

    def boundary(labels):
        return (labels[1:] != labels[:-1]).sum() + (labels[:, 1:] != labels[:, :-1]).sum()
    assert boundary(compact) < 0.85 * boundary(loose)


def test_h_markers_reduce_over_segmentation():
    rng = np.random.default_rng(3)
    grad = gradient_magnitude(rng.random((50, 50)), channel_axis=None)
    assert watershed(grad, h=0.1).max() < watershed(grad).max()


# ------------------------------------------------------------------ marker helpers

def test_regional_minima_match_skimage():
    rng = np.random.default_rng(6)
    for shape in [(17, 23), (6, 7, 8)]:
        image = rng.integers(0, 4, shape)
        for c in range(1, len(shape) + 1):
            structure = ndi.generate_binary_structure(len(shape), c)
            expected = ndi.label(morphology.local_minima(image, connectivity=c),
                                 structure)[0]
            np.testing.assert_array_equal(regional_minima(image, connectivity=c),
                                          expected)


def test_regional_minima_of_a_constant_image_is_one_region():
    assert regional_minima(np.ones((3, 4))).tolist() == [[1] * 4] * 3


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_h_minima_markers_identical_to_skimage(dtype):
    rng = np.random.default_rng(7)
    for shape in [(40, 30), (8, 9, 10)]:
        image = ndi.gaussian_filter(rng.random(shape), 1)
        image = (image * 255).astype(dtype) if dtype == np.uint8 else image.astype(dtype)
        h = 3 if dtype == np.uint8 else 0.02
        for c in range(1, len(shape) + 1):
            s = ndi.generate_binary_structure(len(shape), c)
            expected = ndi.label(morphology.h_minima(image, h, footprint=s), s)[0]
            np.testing.assert_array_equal(h_minima_markers(image, h, connectivity=c),
                                          expected)


def test_h_minima_markers_hand_case_and_large_h():
    f = np.array([[0, 5, 3, 4, 9, 1]])
    assert h_minima_markers(f, 2).tolist() == [[1, 0, 2, 0, 0, 3]]
    assert h_minima_markers(f, 3).tolist() == [[1, 0, 0, 0, 0, 2]]
    assert h_minima_markers(f, 100).tolist() == [[1, 0, 0, 0, 0, 0]]


def test_h_minima_markers_with_mask_walls():
    f = np.array([[0, 1, 9, 1, 0.5]])
    mask = np.array([[1, 1, 0, 1, 1]], bool)
    # the wall cuts the path between the two minima, so both are deep
    assert h_minima_markers(f, 2.0, mask=mask).tolist() == [[1, 0, 0, 0, 2]]


def test_grid_markers_match_skimage_regular_seeds():
    np.testing.assert_array_equal(grid_markers((20, 40), 8), regular_seeds((20, 40), 8))
    np.testing.assert_array_equal(grid_markers((9, 20, 40), 8),
                                  regular_seeds((9, 20, 40), 8))
    mask = np.zeros((20, 40), bool)
    mask[:, :20] = True
    markers = grid_markers((20, 40), 4, mask=mask)
    assert markers.max() == 4 and (markers[~mask] == 0).all()


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(markers=np.zeros((4, 4), int)), ValueError, "no labelled pixel"),
    (dict(markers=np.ones((3, 4), int)), ValueError, "shape"),
    (dict(markers=-np.ones((4, 4), int)), ValueError, "negative"),
    (dict(markers=np.ones((4, 4), bool)), TypeError, "boolean"),
    (dict(markers=np.ones((4, 4))), TypeError, "float"),
    (dict(markers=np.ones((4, 4), int), h=0.1), ValueError, "h"),
    (dict(mask=np.zeros((4, 4), bool)), ValueError, "no pixels"),
    (dict(mask=np.ones((4, 5), bool)), ValueError, "shape"),
    (dict(connectivity=3), ValueError, "connectivity"),
    (dict(connectivity=1.5), TypeError, "connectivity"),
    (dict(compactness=-1), ValueError, "compactness"),
    (dict(markers=0), ValueError, "markers must be > 0"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        watershed(np.zeros((4, 4)), **kwargs)


def test_markers_outside_mask_only():
    markers = np.zeros((4, 4), int)
    markers[0, 0] = 1
    mask = np.ones((4, 4), bool)
    mask[0, 0] = False
    with pytest.raises(ValueError, match="inside the mask"):
        watershed(np.zeros((4, 4)), markers, mask=mask)


@pytest.mark.parametrize("elevation, error, match", [
    (np.array([[0.0, np.nan]]), ValueError, "NaN"),
    (np.array([[0.0, np.inf]]), ValueError, "inf"),
    (np.zeros(5), ValueError, "dimensions"),
    (np.zeros((0, 3)), ValueError, "empty"),
    (np.zeros((2, 2), complex), TypeError, "complex"),
    (np.array([["a"]]), TypeError, "dtype"),
])
def test_bad_elevations(elevation, error, match):
    with pytest.raises(error, match=match):
        watershed(elevation)
    with pytest.raises(error, match=match):
        regional_minima(elevation)


def test_bad_helper_arguments():
    with pytest.raises(ValueError, match="h must be > 0"):
        h_minima_markers(np.zeros((3, 3)), 0)
    with pytest.raises(TypeError, match="h must be a number"):
        h_minima_markers(np.zeros((3, 3)), "1")
    with pytest.raises(ValueError, match="n must be > 0"):
        grid_markers((4, 4), 0)
    with pytest.raises(ValueError, match="shape"):
        grid_markers((4,), 2)


# ------------------------------------------------------------------ command line

@pytest.mark.parametrize("flags", [["--h", "0.05", "--compactness", "0"],
                                   ["--n", "40"]])
def test_cli_segments_with_watershed(tmp_path, flags):
    from classicseg.cli import main
    from classicseg.io import read_labels, write_image

    rng = np.random.default_rng(0)
    rgb = (ndi.gaussian_filter(rng.random((48, 64, 3)), (3, 3, 0)) * 255).astype(np.uint8)
    write_image(tmp_path / "img.png", rgb)
    gray = rgb[..., 0].copy()
    write_image(tmp_path / "gray.png", gray)
    assert main(["segment", str(tmp_path / "img.png"), str(tmp_path / "gray.png"),
                 "-o", str(tmp_path / "out"), "--method", "watershed"] + flags) == 0
    for stem in ("img", "gray"):
        labels = read_labels(tmp_path / "out" / f"{stem}_labels.png")
        assert labels.shape == (48, 64) and labels.min() >= 1
        assert _connected_regions(labels)
        if flags[0] == "--n":
            assert labels.max() == grid_markers((48, 64), 40).max()
