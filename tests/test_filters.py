"""Specification of classicseg.filters.gradient_magnitude."""
import numpy as np
import pytest
from skimage import filters

from classicseg import gradient_magnitude, rgb2lab


def test_vertical_step_hand_worked():
    # Sobel across a 0 -> 1 step: derivative 1 on both sides of the edge, smoothing
    # along the edge leaves it at 1, magnitude sqrt(1 / ndim).
    step = np.zeros((4, 5))
    step[:, 3:] = 1.0
    grad = gradient_magnitude(step, channel_axis=None)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, np.tile([0, 0, np.sqrt(0.5), np.sqrt(0.5), 0],
                                             (4, 1)), atol=1e-7)


@pytest.mark.parametrize("method, reference", [("sobel", filters.sobel),
                                               ("scharr", filters.scharr)])
def test_gray_and_volume_match_skimage(method, reference):
    rng = np.random.default_rng(0)
    for image in (rng.random((31, 47)), rng.random((9, 11, 13))):
        np.testing.assert_allclose(
            gradient_magnitude(image, method=method, channel_axis=None),
            reference(image), rtol=1e-5, atol=1e-6)


def test_integer_images_are_scaled_to_unit_range():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    np.testing.assert_allclose(gradient_magnitude(image, channel_axis=None),
                               filters.sobel(image / 255.0), rtol=1e-5, atol=1e-6)


def test_colour_is_the_norm_over_lab_channels_divided_by_100():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    lab = rgb2lab(rgb) / 100.0
    expected = np.sqrt(sum(filters.sobel(lab[..., c]) ** 2 for c in range(3)))
    np.testing.assert_allclose(gradient_magnitude(rgb), expected, rtol=1e-4, atol=1e-5)
    # alpha is dropped, channel_axis moves the colour axis
    rgba = np.concatenate([rgb, rng.integers(0, 256, (24, 32, 1), dtype=np.uint8)], -1)
    np.testing.assert_array_equal(gradient_magnitude(rgba), gradient_magnitude(rgb))
    np.testing.assert_array_equal(
        gradient_magnitude(np.moveaxis(rgb, -1, 0), channel_axis=0),
        gradient_magnitude(rgb))


def test_colour_edge_invisible_in_gray_is_found():
    # Two colours of (almost) equal luminance: gray sees little, Lab sees the edge.
    rgb = np.zeros((10, 10, 3))
    rgb[:, :5] = [0.8, 0.2, 0.2]
    rgb[:, 5:] = [0.2, 0.5, 0.2]
    colour = gradient_magnitude(rgb)
    gray = gradient_magnitude(rgb @ [0.2125, 0.7154, 0.0721], channel_axis=None)
    assert colour[:, 4:6].min() > 10 * gray[:, 4:6].max()
    assert colour[:, :3].max() == 0 and colour[:, 7:].max() == 0


def test_other_channel_counts_are_combined_without_conversion():
    rng = np.random.default_rng(3)
    image = rng.random((12, 14, 2))
    expected = np.sqrt(sum(filters.sobel(image[..., c]) ** 2 for c in range(2)))
    np.testing.assert_allclose(gradient_magnitude(image), expected, rtol=1e-5, atol=1e-6)


def test_sigma_smooths_noise():
    rng = np.random.default_rng(4)
    noise = rng.random((40, 40))
    assert gradient_magnitude(noise, sigma=2, channel_axis=None).mean() < \
        0.3 * gradient_magnitude(noise, channel_axis=None).mean()


def test_input_not_modified():
    rng = np.random.default_rng(5)
    rgb = rng.random((8, 9, 3)).astype(np.float32)
    copy = rgb.copy()
    gradient_magnitude(rgb, sigma=1)
    np.testing.assert_array_equal(rgb, copy)


@pytest.mark.parametrize("image, kwargs, error, match", [
    (np.zeros((5, 5)), {}, ValueError, "channel_axis=None"),
    (np.zeros((5, 5)), dict(channel_axis=None, method="canny"), ValueError, "method"),
    (np.zeros((5, 5)), dict(channel_axis=None, sigma=-1), ValueError, "sigma"),
    (np.full((5, 5), np.nan), dict(channel_axis=None), ValueError, "NaN"),
    (np.full((5, 5, 3), np.nan), {}, ValueError, "NaN"),
    (np.zeros(5), dict(channel_axis=None), ValueError, "dimensions"),
    (np.zeros((5, 5), complex), dict(channel_axis=None), TypeError, "complex"),
])
def test_bad_input(image, kwargs, error, match):
    with pytest.raises(error, match=match):
        gradient_magnitude(image, **kwargs)
