"""Bad input found by fuzzing the public API (issue 9), one row per case.

The contract: a ValueError/TypeError naming the argument and what was expected, or
a correct result; never a crash, a Numba typing traceback or a silent wrong answer.
"""
import numpy as np
import pytest
from scipy import ndimage as ndi

from classicseg import (enforce_connectivity, find_boundaries, gradient_magnitude,
                        grid_markers, h_minima_markers, lab2rgb, label_colors,
                        mark_boundaries, regional_minima, relabel_sequential, rgb2lab,
                        slic, watershed)
from classicseg.testing import assert_label_contract

RNG = np.random.default_rng(0)
GRAY = ndi.gaussian_filter(RNG.random((60, 80)), 2)
RGB = RNG.random((30, 40, 3))
LEVELS = (GRAY * 1000).astype(np.int32)
CHECKERBOARD = np.indices(GRAY.shape).sum(0) % 2 == 0   # 2400 isolated pixels


# ------------------------------------------------------------------ byte order

# (function, its array argument, other arguments): the big-endian copy of the
# argument must give the result of the native one.
BIG_ENDIAN_CASES = {
    "watershed int": (watershed, LEVELS, {}),
    "watershed float": (watershed, GRAY, {}),
    "watershed markers": (lambda m: watershed(GRAY, m), regional_minima(GRAY), {}),
    "regional_minima int": (regional_minima, LEVELS, {}),
    "regional_minima float": (regional_minima, GRAY, {}),
    "h_minima_markers int": (h_minima_markers, LEVELS, dict(h=5)),
    "h_minima_markers float": (h_minima_markers, GRAY, dict(h=0.01)),
    "slic gray": (slic, GRAY, dict(n=20, channel_axis=None)),
    "slic rgb": (slic, RGB, dict(n=20)),
    "slic uint16": (slic, (RGB * 65535).astype(np.uint16), dict(n=20)),
    "rgb2lab": (rgb2lab, RGB, {}),
    "rgb2lab float32": (rgb2lab, RGB.astype(np.float32), {}),
    "lab2rgb": (lab2rgb, rgb2lab(RGB), {}),
    "gradient_magnitude": (gradient_magnitude, GRAY, dict(channel_axis=None)),
    "gradient_magnitude rgb": (gradient_magnitude, RGB, {}),
    "enforce_connectivity": (enforce_connectivity, LEVELS % 7, {}),
    "relabel_sequential": (relabel_sequential, LEVELS, {}),
    "find_boundaries": (find_boundaries, LEVELS % 7, {}),
    "mark_boundaries": (lambda img: mark_boundaries(img, LEVELS[:30, :40] % 7), RGB, {}),
    "label_colors": (label_colors, LEVELS % 7, {}),
}


@pytest.mark.parametrize("case", BIG_ENDIAN_CASES)
def test_big_endian_arrays_give_the_native_result(case):
    function, arr, kwargs = BIG_ENDIAN_CASES[case]
    swapped = arr.astype(arr.dtype.newbyteorder(">"))
    assert not swapped.dtype.isnative
    np.testing.assert_array_equal(function(swapped, **kwargs), function(arr, **kwargs))


# ------------------------------------------------------------------ clear errors

ERROR_CASES = {
    "slic n=10**30": (lambda: slic(GRAY, n=10**30, channel_axis=None),
                      ValueError, r"n=10+ is too large"),
    "slic n=10**400 float": (lambda: slic(GRAY, n=20, channel_axis=None,
                                          compactness=10**400),
                             ValueError, "compactness=10+ is too large"),
    "slic max_num_iter=2**70": (lambda: slic(GRAY, n=20, channel_axis=None,
                                             max_num_iter=2**70),
                                ValueError, "max_num_iter=.* is too large"),
    "slic sigma=1e300": (lambda: slic(GRAY, n=20, channel_axis=None, sigma=1e300),
                         ValueError, "sigma=1e.300 is .* wider than the image"),
    "slic sigma over spacing": (lambda: slic(GRAY, n=20, channel_axis=None, sigma=1,
                                             spacing=[1e-300, 1]),
                                ValueError, "sigma=1.0 is 1e.300 pixels along axis 0"),
    "slic sigma=inf": (lambda: slic(GRAY, n=20, channel_axis=None, sigma=np.inf),
                       ValueError, "sigma must be a finite number"),
    "slic spacing strings": (lambda: slic(GRAY, n=20, channel_axis=None,
                                          spacing=["a", "b"]),
                             TypeError, r"spacing must be a sequence of 2 numbers"),
    "slic values 1e20": (lambda: slic(GRAY * 1e20, n=20, channel_axis=None),
                         ValueError, "compactness=10.0 is too small .* rescale"),
    "slic compactness=1e-20": (lambda: slic(GRAY, n=20, channel_axis=None,
                                            compactness=1e-20),
                               ValueError, r"compactness=1e-20 is too small.*>= 1e-13"),
    "slic exact impossible": (lambda: slic(GRAY, n=100, channel_axis=None,
                                           mask=CHECKERBOARD, exact=True),
                              ValueError, "n=100 is impossible with exact=True: mask "
                                          "has 2400 separate parts"),
    "gradient sigma=1e300": (lambda: gradient_magnitude(GRAY, sigma=1e300,
                                                        channel_axis=None),
                             ValueError, "sigma=1e.300 is .* wider than the image"),
    "gradient values 1e300": (lambda: gradient_magnitude(GRAY * 1e300,
                                                         channel_axis=None),
                              ValueError, "image values reach .*e.299 .* rescale"),
    "rgb2lab channel_axis=None": (lambda: rgb2lab(RGB, channel_axis=None),
                                  ValueError, "image must have a colour channel axis, "
                                              "got channel_axis=None"),
    "lab2rgb channel_axis=None": (lambda: lab2rgb(RGB, channel_axis=None),
                                  ValueError, "lab must have a colour channel axis"),
    "rgb2lab values 1e300": (lambda: rgb2lab(RGB * 1e300), ValueError,
                             "image has values up to .*e.300 .* sRGB in about"),
    "lab2rgb values 1e300": (lambda: lab2rgb(RGB * 1e300), ValueError,
                             "lab has values up to .*e.300 .* CIELAB values"),
    "gradient rgb 1e300": (lambda: gradient_magnitude(RGB * 1e300), ValueError,
                           "image has values up to"),
    "slic rgb 1e300": (lambda: slic(RGB * 1e300, n=4), ValueError,
                       "image has values up to"),
    "gradient method array": (lambda: gradient_magnitude(GRAY, method=np.array([1]),
                                                         channel_axis=None),
                              ValueError, "method must be 'sobel' or 'scharr'"),
    "watershed markers=-1": (lambda: watershed(GRAY, markers=-1), ValueError,
                             "markers must be > 0, got -1"),
    "h_minima int8 h=300": (lambda: h_minima_markers(LEVELS.astype(np.int8), 300),
                            ValueError, "h=300 exceeds the range of int8"),
    "grid_markers n=10**30": (lambda: grid_markers((5, 5), 10**30),
                              ValueError, "n=10+ is too large"),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_clear_error(case):
    call, error, match = ERROR_CASES[case]
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ correct results

def test_huge_min_size_factor_dissolves_like_a_large_one():
    huge = slic(GRAY, n=20, channel_axis=None, min_size_factor=1e30)
    assert_label_contract(huge, shape=GRAY.shape)
    # every segment is below the cap (all pixels) either way: same result
    np.testing.assert_array_equal(
        huge, slic(GRAY, n=20, channel_axis=None, min_size_factor=GRAY.size))


@pytest.mark.parametrize("spacing", [[1e-300, 1], [1, 1e-300], [1e300, 1],
                                     [5e-324, 1e308], [1e-3, 1]])
def test_extreme_spacing_cuts_along_the_long_axis(spacing):
    labels = slic(GRAY, n=20, channel_axis=None, spacing=spacing)
    assert_label_contract(labels, shape=GRAY.shape)
    assert 15 <= labels.max() <= 25
    thin = int(np.argmin(spacing))   # physically flat: one cell across
    assert (np.diff(labels, axis=thin) == 0).mean() > 0.95


def test_spacing_scale_does_not_matter(rng):
    vol = ndi.gaussian_filter(rng.random((6, 30, 40)), 2)
    ref = slic(vol, n=30, channel_axis=None, spacing=(2, 1, 1))
    np.testing.assert_array_equal(
        slic(vol, n=30, channel_axis=None, spacing=(2e-200, 1e-200, 1e-200)), ref)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_thin_volume_is_segmented_as_the_image(axis, rng):
    img = ndi.gaussian_filter(rng.random((200, 200)), 2)
    vol = np.expand_dims(img, axis)
    labels = slic(vol, n=100, channel_axis=None)
    assert_label_contract(labels, shape=vol.shape)
    np.testing.assert_array_equal(labels.reshape(img.shape),
                                  slic(img, n=100, channel_axis=None))


@pytest.mark.parametrize("shape, n", [((1, 200), 20), ((5, 300), 30), ((3, 200, 200), 100)])
def test_narrow_images_get_about_n_segments(shape, n, rng):
    img = ndi.gaussian_filter(rng.random(shape), 1)
    assert abs(slic(img, n=n, channel_axis=None).max() - n) <= 0.15 * n


def test_huge_values_are_scaled_not_overflowed():
    # the same picture 1e20 times brighter with compactness 1e20 times larger
    # has the same distances: the same superpixels
    ref = slic(GRAY, n=20, channel_axis=None, compactness=10.0)
    np.testing.assert_array_equal(
        slic(GRAY * 2.0 ** 66, n=20, channel_axis=None, compactness=10.0 * 2.0 ** 66),
        ref)


def test_gradient_of_huge_values_scales():
    ref = gradient_magnitude(GRAY, channel_axis=None)
    assert np.isfinite(gradient_magnitude(GRAY * 1e25, channel_axis=None)).all()
    big = gradient_magnitude(GRAY * 2.0 ** 83, channel_axis=None)   # about 1e25
    np.testing.assert_array_equal(big / np.float32(2.0 ** 83), ref)


def test_uint64_levels_beyond_int64():
    levels = LEVELS.astype(np.uint64)
    top = levels + np.uint64(2 ** 64 - 1 - int(levels.max()))   # up to 2**64 - 1
    for kwargs in (dict(), dict(watershed_line=True)):
        np.testing.assert_array_equal(watershed(top, **kwargs), watershed(levels, **kwargs))
    np.testing.assert_array_equal(regional_minima(top), regional_minima(levels))


def test_h_minima_depth_beyond_the_dtype_is_exact():
    f = np.array([[-128, 100, 120, 127, -100, 50]], np.int8)
    wide = f.astype(np.int64)
    for h in (200, 220, 230):
        np.testing.assert_array_equal(h_minima_markers(f, h), h_minima_markers(wide, h))
    assert h_minima_markers(f, 220).tolist() == [[1, 0, 0, 0, 2, 0]]
    assert h_minima_markers(f, 230).tolist() == [[1, 0, 0, 0, 0, 0]]
