"""Specification of classicseg.viz: boundaries and overlays as scikit-image draws them,
and deterministic colour-coded label maps."""
import numpy as np
import pytest
from skimage import segmentation as skseg

from classicseg.viz import find_boundaries, label_colors, mark_boundaries
from conftest import call_with_threads

MODES = ("thick", "inner", "outer", "subpixel")


@pytest.fixture(scope="module")
def chelsea_slic(chelsea):
    """The cat and scikit-image's SLIC of it (an oracle independent of ours)."""
    return chelsea, skseg.slic(chelsea, n_segments=200, start_label=1).astype(np.int32)


def _small_if_subpixel(mode, *arrays):
    # scikit-image's subpixel mode loops in Python (seconds per image): use a crop
    return tuple(a[:48, :64] for a in arrays) if mode == "subpixel" else arrays


def _sk_find_boundaries(labels, **kw):
    # skimage's 'outer' overflows for 64-bit labels (grey erosion of the int64
    # maximum wraps to the minimum); its int32 result is the intended one.
    if kw.get("mode") == "outer" and labels.dtype.itemsize == 8:
        labels = labels.astype(np.int32)
    return skseg.find_boundaries(labels, **kw)


# --- hand-worked cases ---------------------------------------------------------------

TWO_SQUARES = np.array([[0, 0, 0, 0, 0, 0],
                        [0, 1, 1, 2, 2, 0],
                        [0, 1, 1, 2, 2, 0],
                        [0, 0, 0, 0, 0, 0]])


def test_thick_marks_both_sides_in_1d():
    assert find_boundaries(np.array([1, 1, 2, 2, 2])).tolist() == [0, 1, 1, 0, 0]


@pytest.mark.parametrize("mode, expected", [
    # thick: every pixel with a 4-neighbour of another label
    ("thick", [[0, 1, 1, 1, 1, 0],
               [1, 1, 1, 1, 1, 1],
               [1, 1, 1, 1, 1, 1],
               [0, 1, 1, 1, 1, 0]]),
    # inner: only the object (non-background) pixels of it
    ("inner", [[0, 0, 0, 0, 0, 0],
               [0, 1, 1, 1, 1, 0],
               [0, 1, 1, 1, 1, 0],
               [0, 0, 0, 0, 0, 0]]),
    # outer: the background pixels, plus object pixels where two objects touch
    ("outer", [[0, 1, 1, 1, 1, 0],
               [1, 0, 1, 1, 0, 1],
               [1, 0, 1, 1, 0, 1],
               [0, 1, 1, 1, 1, 0]]),
])
def test_modes_on_two_squares(mode, expected):
    np.testing.assert_array_equal(find_boundaries(TWO_SQUARES, mode=mode), expected)


def test_connectivity_two_adds_diagonals():
    labels = np.zeros((3, 3), int)
    labels[1, 1] = 1
    four = find_boundaries(labels, connectivity=1).astype(int)
    eight = find_boundaries(labels, connectivity=2).astype(int)
    assert four.tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    assert eight.tolist() == [[1, 1, 1], [1, 1, 1], [1, 1, 1]]


def test_subpixel_marks_between_pixels():
    got = find_boundaries(np.array([[1, 1, 2], [1, 1, 2]]), mode="subpixel")
    assert got.shape == (3, 5)
    np.testing.assert_array_equal(got.astype(int), [[0, 0, 0, 1, 0],
                                                    [0, 0, 0, 1, 0],
                                                    [0, 0, 0, 1, 0]])


def test_uniform_map_has_no_boundaries():
    for mode in MODES:
        assert not find_boundaries(np.full((5, 4), 3), mode=mode).any()


# --- against scikit-image -------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int32, np.int64,
                                   np.uint32, bool])
def test_random_maps_match_skimage(dtype):
    rng = np.random.default_rng(0)
    for _ in range(8):
        ndim = int(rng.integers(1, 4))
        shape = tuple(rng.integers(1, 8, ndim))
        labels = rng.integers(0, 4, shape).astype(dtype)
        for mode in MODES:
            for connectivity in range(1, ndim + 1):
                for background in (0, 1, 3):
                    kw = dict(mode=mode, connectivity=connectivity, background=background)
                    np.testing.assert_array_equal(find_boundaries(labels, **kw),
                                                  _sk_find_boundaries(labels, **kw),
                                                  err_msg=str(kw))


def test_dtype_maximum_label_matches_skimage():
    # skimage uses the dtype maximum as a sentinel in 'outer' and 'subpixel'
    labels = np.random.default_rng(1).choice(np.array([0, 1, 255], np.uint8), (9, 9))
    for mode in MODES:
        np.testing.assert_array_equal(find_boundaries(labels, mode=mode),
                                      skseg.find_boundaries(labels, mode=mode))


@pytest.mark.parametrize("mode", MODES)
def test_slic_labels_match_skimage(chelsea_slic, mode):
    labels, = _small_if_subpixel(mode, chelsea_slic[1])
    np.testing.assert_array_equal(find_boundaries(labels, mode=mode),
                                  skseg.find_boundaries(labels, mode=mode))


def test_3d_slic_labels_match_skimage():
    volume = np.random.default_rng(2).random((12, 20, 16))
    labels = skseg.slic(volume, n_segments=30, channel_axis=None, start_label=1)
    for mode in MODES:
        for connectivity in (1, 2, 3):
            kw = dict(mode=mode, connectivity=connectivity)
            np.testing.assert_array_equal(find_boundaries(labels, **kw),
                                          _sk_find_boundaries(labels, **kw))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("outline", [None, (0, 0, 1)])
@pytest.mark.parametrize("kind", ["uint8", "float64", "float32", "gray"])
def test_mark_boundaries_matches_skimage(chelsea_slic, mode, outline, kind):
    rgb, labels = _small_if_subpixel(mode, *chelsea_slic)
    image = {"uint8": rgb, "float64": rgb / 255.0,
             "float32": rgb.astype(np.float32) / 255, "gray": rgb[..., 1]}[kind]
    ours = mark_boundaries(image, labels, mode=mode, outline_color=outline)
    ref = skseg.mark_boundaries(image, labels, mode=mode, outline_color=outline)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_mark_boundaries_colour_background_and_alpha():
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., 3] = 255
    marked = mark_boundaries(rgba, TWO_SQUARES, color=(1, 0, 0), mode="inner",
                             background_label=2)
    assert marked.shape == (4, 6, 3)
    np.testing.assert_array_equal(marked[..., 0] == 1,
                                  find_boundaries(TWO_SQUARES, mode="inner", background=2))
    assert (marked[..., 1:] == 0).all()


def test_overlays_leave_inputs_untouched(chelsea_slic):
    rgb, labels = chelsea_slic
    rgb0, labels0 = rgb.copy(), labels.copy()
    mark_boundaries(rgb, labels, outline_color=(1, 1, 1))
    find_boundaries(labels, mode="outer")
    label_colors(labels)
    np.testing.assert_array_equal(rgb, rgb0)
    np.testing.assert_array_equal(labels, labels0)


def _every_output(labels):
    return [find_boundaries(labels, mode=m) for m in MODES] + [label_colors(labels)]


def test_same_result_for_one_and_two_threads(chelsea_slic, one_thread):
    labels = np.tile(chelsea_slic[1], (4, 3))  # big enough to go parallel
    two = call_with_threads(2, "test_viz:_every_output", labels)
    for a, b in zip(_every_output(labels), two, strict=True):
        np.testing.assert_array_equal(a, b)


# --- label_colors ---------------------------------------------------------------------

def test_label_colors_background_black_and_labels_never_black(chelsea_slic):
    _, labels = chelsea_slic
    labels = labels.copy()
    labels[:10] = 0
    rgb = label_colors(labels)
    assert rgb.shape == labels.shape + (3,) and rgb.dtype == np.uint8
    assert (rgb[:10] == 0).all()
    assert (rgb[labels > 0] >= 40).all()


def test_label_colors_one_colour_per_label(chelsea_slic):
    _, labels = chelsea_slic
    rgb = label_colors(labels)
    pairs = np.unique(np.column_stack([labels.ravel(), rgb.reshape(-1, 3)]), axis=0)
    assert len(pairs) == len(np.unique(labels))          # each label one colour
    assert len(np.unique(pairs[:, 1:], axis=0)) == len(pairs)  # no two labels alike


def test_label_colors_depend_on_value_and_seed_only():
    a = label_colors(np.array([[1, 2], [3, 7]]))
    b = label_colors(np.array([[7, 5, 1]]))
    np.testing.assert_array_equal(a[0, 0], b[0, 2])
    np.testing.assert_array_equal(a[1, 1], b[0, 0])
    np.testing.assert_array_equal(label_colors(np.array([4]), rng=3),
                                  label_colors(np.array([4]), rng=3))
    assert (label_colors(np.array([4]), rng=3) != label_colors(np.array([4]))).any()
    gen = label_colors(np.array([4]), rng=np.random.default_rng(5))
    np.testing.assert_array_equal(gen, label_colors(np.array([4]),
                                                    rng=np.random.default_rng(5)))


# --- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("kw, exc, match", [
    (dict(mode="thin"), ValueError, "mode must be one of"),
    (dict(connectivity=3), ValueError, "connectivity"),
    (dict(connectivity=0), ValueError, "connectivity"),
    (dict(background=1.5), TypeError, "background"),
])
def test_find_boundaries_rejects_bad_arguments(kw, exc, match):
    with pytest.raises(exc, match=match):
        find_boundaries(TWO_SQUARES, **kw)


@pytest.mark.parametrize("labels, exc, match", [
    (np.zeros((3, 3)), TypeError, "float"),
    (np.zeros((2, 2, 2, 2), int), ValueError, "4 dimensions"),
    (np.zeros((0, 3), int), ValueError, "empty"),
    (None, TypeError, "None"),
    (np.array([2**64 - 1, 1], np.uint64), ValueError, "2\\*\\*63"),
])
def test_find_boundaries_rejects_bad_labels(labels, exc, match):
    with pytest.raises(exc, match=match):
        find_boundaries(labels)


@pytest.mark.parametrize("image, labels, kw, exc, match", [
    (np.zeros((4, 6, 3)), np.zeros((4, 5), int), {}, ValueError, "shape"),
    (np.zeros((4, 6, 2)), TWO_SQUARES, {}, ValueError, "2 channels"),
    (np.zeros((2, 4, 6, 3)), TWO_SQUARES, {}, ValueError, "expected \\(H, W\\)"),
    (np.zeros((4, 6, 3)), TWO_SQUARES, dict(color=(1, 0)), ValueError, "color"),
    (np.zeros((4, 6, 3)), TWO_SQUARES, dict(outline_color="red"), ValueError,
     "outline_color"),
    (np.full((4, 6, 3), np.nan), TWO_SQUARES, {}, ValueError, "NaN"),
    (np.zeros((4, 6, 3)), TWO_SQUARES.astype(float), {}, TypeError, "float"),
])
def test_mark_boundaries_rejects_bad_input(image, labels, kw, exc, match):
    with pytest.raises(exc, match=match):
        mark_boundaries(image, labels, **kw)


def test_label_colors_rejects_bad_input():
    with pytest.raises(TypeError, match="rng"):
        label_colors(TWO_SQUARES, rng=-1)
    with pytest.raises(TypeError, match="float"):
        label_colors(TWO_SQUARES.astype(float))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("outline", [None, (0.5, 0.25, 1)])
@pytest.mark.parametrize("kind", ["uint8", "gray", "float32", "uint16"])
def test_mark_boundaries_uint8_is_the_rounded_float_result(chelsea_slic, mode, outline,
                                                           kind):
    rgb, labels = _small_if_subpixel(mode, *chelsea_slic)
    image = {"uint8": rgb, "gray": rgb[..., 1], "float32": rgb.astype(np.float32) / 255,
             "uint16": rgb.astype(np.uint16) * 257}[kind]
    marked = mark_boundaries(image, labels, mode=mode, outline_color=outline)
    expected = np.round(np.clip(marked, 0, 1) * 255).astype(np.uint8)
    ours = mark_boundaries(image, labels, mode=mode, outline_color=outline,
                           dtype=np.uint8)
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, expected)
    if mode == "outer":
        assert (ours[find_boundaries(labels, mode="outer")] == (255, 255, 0)).all()


def test_mark_boundaries_refuses_other_dtypes(chelsea_slic):
    rgb, labels = chelsea_slic
    for bad in (np.float32, "bogus"):
        with pytest.raises(ValueError, match="dtype must be None or uint8"):
            mark_boundaries(rgb, labels, dtype=bad)
