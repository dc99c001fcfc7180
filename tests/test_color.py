"""Specification of classicseg.color: sRGB <-> CIELAB as scikit-image computes it."""
import warnings

import cv2
import numpy as np
import pytest
from skimage import color as skcolor

from classicseg import color
from classicseg.color import lab2rgb, lab_image, rgb2lab
from conftest import BSDS_VAL, DATA, call_with_threads, read_image, requires_bsds


def _sk_lab2rgb(lab):
    with warnings.catch_warnings():  # skimage warns when it clips negative Z
        warnings.simplefilter("ignore")
        return skcolor.lab2rgb(lab)


# --- hand-worked values ---------------------------------------------------------

@pytest.mark.parametrize("rgb, lab", [
    ((0, 0, 0), (0.0, 0.0, 0.0)),
    ((1, 1, 1), (100.0, 0.0, 0.0)),       # the D65 white point
    ((1, 0, 0), (53.2408, 80.0925, 67.2032)),
    ((0, 1, 0), (87.7347, -86.1827, 83.1793)),
    ((0, 0, 1), (32.2970, 79.1875, -107.8602)),
    ((0.5, 0.5, 0.5), (53.3890, 0.0, 0.0)),
])
def test_known_colours(rgb, lab):
    got = rgb2lab(np.array([[rgb]], dtype=np.float64))[0, 0]
    np.testing.assert_allclose(got, lab, atol=0.02)


def test_dark_colours_use_the_linear_segments():
    # 0.02 < 0.04045 (sRGB linear part); its Y = 0.02/12.92 < 0.008856 (CIE linear part)
    y = 0.02 / 12.92
    expected_l = 116 * (7.787 * y + 16 / 116) - 16
    assert rgb2lab(np.full((1, 1, 3), 0.02))[0, 0, 0] == pytest.approx(expected_l, abs=1e-9)


def test_inverse_matrix_constant_is_the_inverse():
    np.testing.assert_allclose(np.array(color._M_INV) @ np.array(color._M), np.eye(3),
                               atol=1e-14)


# --- against scikit-image ---------------------------------------------------------

@pytest.mark.parametrize("shape", [(7, 5, 3), (64, 48, 3), (4, 9, 11, 3), (100, 3), (3,)])
def test_float64_matches_skimage(shape):
    rgb = np.random.default_rng(1).random(shape)
    np.testing.assert_allclose(rgb2lab(rgb), skcolor.rgb2lab(rgb), rtol=0, atol=1e-9)


def test_out_of_gamut_floats_match_skimage():
    # values outside [0, 1] go through the exact (libm) fallbacks
    rgb = np.random.default_rng(2).uniform(-0.5, 3.0, (50, 40, 3))
    np.testing.assert_allclose(rgb2lab(rgb), skcolor.rgb2lab(rgb), rtol=1e-12, atol=1e-9)


def test_float32_matches_skimage():
    rgb = np.random.default_rng(3).random((60, 80, 3)).astype(np.float32)
    ours = rgb2lab(rgb)
    assert ours.dtype == np.float32
    # we compute in float64 and round once; skimage computes in float32
    np.testing.assert_allclose(ours, skcolor.rgb2lab(rgb.astype(np.float64)), atol=1e-5)
    np.testing.assert_allclose(ours, skcolor.rgb2lab(rgb), atol=1e-3)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_images_are_scaled_like_skimage(dtype):
    top = np.iinfo(dtype).max
    rgb = np.random.default_rng(4).integers(0, top, (40, 30, 3), endpoint=True).astype(dtype)
    np.testing.assert_allclose(rgb2lab(rgb), skcolor.rgb2lab(rgb), rtol=0, atol=1e-9)


def test_every_uint8_level_matches_skimage():
    levels = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    levels[:, 1] = levels[::-1, 0]
    np.testing.assert_allclose(rgb2lab(levels), skcolor.rgb2lab(levels), atol=1e-9)


@pytest.mark.parametrize("name", ["chelsea.png", "coins.png", "rocket.jpg"])
def test_repo_images_match_skimage(name):
    path = DATA / name
    if name == "coins.png":  # grayscale: make it RGB
        rgb = np.repeat(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)[..., None], 3, -1)
    else:
        rgb = read_image(path)
    ref = skcolor.rgb2lab(rgb)
    assert np.abs(rgb2lab(rgb) - ref).max() <= 1e-9
    assert np.abs(rgb2lab(rgb.astype(np.float32) / 255) - ref).max() <= 1e-3


@pytest.mark.slow
@pytest.mark.bsds
@requires_bsds
def test_bsds_images_match_skimage():
    for path in sorted(BSDS_VAL.glob("*.jpg"))[:4]:
        rgb = read_image(path)
        assert np.abs(rgb2lab(rgb) - skcolor.rgb2lab(rgb)).max() <= 1e-9, path.name


def test_lab2rgb_matches_skimage_including_clipping():
    rng = np.random.default_rng(5)
    lab = np.stack([rng.uniform(-5, 105, 5000), rng.uniform(-130, 130, 5000),
                    rng.uniform(-130, 130, 5000)], axis=-1)
    ours = lab2rgb(lab)
    np.testing.assert_allclose(ours, _sk_lab2rgb(lab), rtol=0, atol=1e-12)
    assert ours.min() >= 0 and ours.max() <= 1


def test_lab2rgb_float32():
    lab = rgb2lab(np.random.default_rng(6).random((20, 20, 3)).astype(np.float32))
    ours = lab2rgb(lab)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, _sk_lab2rgb(lab.astype(np.float64)), atol=1e-6)


def test_round_trip():
    rgb = np.random.default_rng(7).random((30, 20, 3))
    np.testing.assert_allclose(lab2rgb(rgb2lab(rgb)), rgb, atol=1e-12)


# --- dtype policy, layout, input handling ----------------------------------------------

@pytest.mark.parametrize("dtype, expected", [
    (np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64),
    (np.uint8, np.float64), (np.uint16, np.float64), (np.int32, np.float64),
    (bool, np.float64),
])
def test_output_dtype_policy(dtype, expected):
    rgb = (np.random.default_rng(8).random((4, 4, 3)) > 0.5).astype(dtype)
    assert rgb2lab(rgb).dtype == expected
    assert lab2rgb(np.zeros((2, 2, 3), dtype)).dtype == expected


def test_rgba_drops_alpha():
    rgba = np.random.default_rng(9).integers(0, 256, (10, 10, 4)).astype(np.uint8)
    np.testing.assert_array_equal(rgb2lab(rgba), rgb2lab(rgba[..., :3]))


def test_channel_axis():
    rgb = np.random.default_rng(10).random((6, 5, 3))
    first = np.moveaxis(rgb, -1, 0).copy()
    np.testing.assert_allclose(rgb2lab(first, channel_axis=0),
                               np.moveaxis(rgb2lab(rgb), -1, 0))
    np.testing.assert_allclose(lab2rgb(rgb2lab(first, channel_axis=0), channel_axis=0),
                               first, atol=1e-12)


def test_input_not_modified_and_views_accepted():
    rgb = np.random.default_rng(11).random((20, 30, 3))
    before = rgb.copy()
    view = rgb[::2, ::-3]
    np.testing.assert_allclose(rgb2lab(view), skcolor.rgb2lab(view), atol=1e-9)
    lab2rgb(rgb2lab(rgb))
    np.testing.assert_array_equal(rgb, before)


def test_same_result_for_one_and_two_threads(one_thread):
    rgb = np.random.default_rng(12).random((1100, 1000, 3))  # big enough to go parallel
    for image in (rgb, (rgb * 255).astype(np.uint8)):
        np.testing.assert_array_equal(
            rgb2lab(image), call_with_threads(2, "classicseg:rgb2lab", image))


@pytest.mark.parametrize("bad, exc, match", [
    (np.zeros((4, 4, 2)), ValueError, "2 channels"),
    (np.zeros((4, 4, 5)), ValueError, "expected 3 or 4"),
    (np.zeros((2, 2, 2, 2, 3)), ValueError, "spatial dimensions"),
    (np.full((4, 4, 3), np.nan), ValueError, "NaN"),
    (np.full((4, 4, 3), np.inf), ValueError, "inf"),
    (np.zeros((4, 4, 3), complex), TypeError, "complex"),
    (np.zeros((0, 4, 3)), ValueError, "empty"),
    (np.array([["a", "b", "c"]]), TypeError, "dtype"),
    (None, TypeError, "None"),
])
def test_rgb2lab_rejects_bad_input(bad, exc, match):
    with pytest.raises(exc, match=match):
        rgb2lab(bad)


def test_bad_channel_axis_and_lab_channels():
    with pytest.raises(ValueError, match="out of range"):
        rgb2lab(np.zeros((4, 4, 3)), channel_axis=3)
    with pytest.raises(TypeError, match="channel_axis"):
        rgb2lab(np.zeros((4, 4, 3)), channel_axis=1.0)
    with pytest.raises(ValueError, match="lab has 4 channels"):
        lab2rgb(np.zeros((4, 4, 4)))


# --- the private kernels SLIC uses -------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rgb2lab_flat_kernel(dtype):
    rgb = np.random.default_rng(13).random((2500, 3)).astype(dtype)
    out = np.empty_like(rgb)
    color._rgb2lab_flat(rgb, out)
    np.testing.assert_allclose(out, skcolor.rgb2lab(rgb.astype(np.float64)), atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rgb2lab_uint8_kernel(dtype):
    rgb = np.random.default_rng(14).integers(0, 256, (3000, 3)).astype(np.uint8)
    out = np.empty((3000, 3), dtype)
    color._rgb2lab_uint8_flat(rgb, out, color._srgb_lut())
    np.testing.assert_allclose(out, skcolor.rgb2lab(rgb), atol=1e-4)


@pytest.mark.parametrize("src", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lab_image(src, dtype):
    rgb = np.random.default_rng(15).random((9, 11, 3))
    if np.dtype(src).kind == "u":
        rgb = (rgb * np.iinfo(src).max).astype(src)
    non_contiguous = np.asfortranarray(rgb)
    out = lab_image(non_contiguous, dtype)
    assert out.dtype == dtype and out.flags.c_contiguous and out.shape == rgb.shape
    np.testing.assert_allclose(out, skcolor.rgb2lab(rgb), atol=1e-4)


def test_fast_power_and_cube_root_agree_with_libm():
    x = np.linspace(0.0905, 1.0, 200_001)
    t = np.linspace(0.0031308, 1.5, 200_001)
    pow24 = np.array([color._pow24_unit(v) for v in x[::97]])
    cbrt = np.array([color._cbrt_unit(v) for v in t[::97]])
    np.testing.assert_allclose(pow24, x[::97] ** 2.4, rtol=2e-15)
    np.testing.assert_allclose(cbrt, np.cbrt(t[::97]), rtol=2e-15)


def test_fast_inverse_gamma_agrees_with_the_formula():
    c = np.concatenate([np.linspace(-0.1, 1.2, 100_001), [0.0031308, 0.0031309, 1.0]])
    expected = np.clip(np.where(c > 0.0031308, 1.055 * np.abs(c) ** (1 / 2.4) - 0.055,
                                12.92 * c), 0, 1)
    got = np.array([color._linear_to_srgb_unit(v) for v in c[::7]])
    np.testing.assert_allclose(got, expected[::7], rtol=0, atol=1e-15)


def test_uint8_kernel_writes_into_planar_views():
    # SLIC passes the transposed view of a (3, N) plane array as ``out``
    rgb = np.random.default_rng(16).integers(0, 256, (50, 41, 3)).astype(np.uint8)
    planes = np.empty((3, 50, 41), np.float32)
    color._rgb2lab_uint8_flat(rgb.reshape(-1, 3), planes.reshape(3, -1).T, color._srgb_lut())
    np.testing.assert_array_equal(np.moveaxis(planes, 0, -1), lab_image(rgb, np.float32))
