import numpy as np
import pytest

import naive
from classicseg import cli, mean_shift, segment
from classicseg.color import rgb2lab
from classicseg.testing import assert_label_contract
from conftest import DATA, call_with_threads, read_image


def _pieces(rng, noise=2.0):
    """A 40 x 48 RGB image of four flat quadrants (well apart in CIELAB) plus
    Gaussian noise, and its quadrant map 1..4."""
    truth = np.ones((40, 48), np.int32)
    truth[:, 24:] += 1
    truth[20:] += 2
    colours = np.array([[200, 40, 40], [40, 160, 60], [50, 60, 200], [230, 220, 90]])
    img = colours[truth - 1] + rng.normal(0, noise, truth.shape + (3,))
    return np.clip(img, 0, 255).astype(np.uint8), truth


# ------------------------------------------------------------------ filtering

@pytest.mark.parametrize("kernel", ["uniform", "epanechnikov", "gaussian"])
def test_exact_filter_agrees_with_the_naive_reference(rng, kernel):
    img = (rng.random((14, 17, 3)) * 60 + np.linspace(0, 150, 17)[:, None]).astype(np.uint8)
    _, filtered = mean_shift(img, 3, 8, 0, kernel=kernel, speedup="none",
                             return_filtered=True)
    want = naive.mean_shift_modes(rgb2lab(img), np.ones(img.shape[:2], bool), 3, 8,
                                  kernel)
    close = np.abs(filtered - want[..., 2:]).max(-1) < 1e-3
    assert close.mean() >= 0.97, close.mean()   # float32 vs float64 window edges


def test_filter_of_gray_image_is_in_its_own_units(rng):
    img = np.where(np.arange(30) < 15, 50, 150)[None].repeat(20, 0).astype(np.uint8)
    noisy = (img + rng.integers(-3, 4, img.shape)).astype(np.uint8)
    labels, filtered = mean_shift(noisy, 4, 10, channel_axis=None, return_filtered=True)
    assert filtered.shape == img.shape
    assert np.abs(filtered - img).max() < 3   # modes near the true gray levels
    assert labels.max() == 2


def test_trajectory_speedup_gives_nearly_the_exact_filter(chelsea):
    img = chelsea[:120, :160]
    _, fast = mean_shift(img, speedup="trajectory", return_filtered=True)
    _, exact = mean_shift(img, speedup="none", return_filtered=True)
    assert (np.abs(fast - exact).max(-1) < 6.5 / 2).mean() > 0.95


def test_coarse_to_fine_start_gives_nearly_the_exact_filter(chelsea, rng):
    img = chelsea[:120, :160]
    _, coarse = mean_shift(img, speedup="coarse", return_filtered=True)
    _, exact = mean_shift(img, speedup="none", return_filtered=True)
    assert (np.abs(coarse - exact).max(-1) < 6.5 / 2).mean() > 0.9
    odd = img[:61, :83]             # an odd last row and column start on their own
    mask = np.ones(odd.shape[:2], bool)
    mask[10:14, 20:23] = False      # blocks touching the hole start on their own too
    assert_label_contract(mean_shift(odd, speedup="coarse", mask=mask), mask=mask)


# ------------------------------------------------------------------ segmentation

@pytest.mark.parametrize("speedup", ["trajectory", "none", "coarse"])
@pytest.mark.parametrize("kernel", ["uniform", "epanechnikov", "gaussian"])
def test_noisy_pieces_segment_into_the_pieces(rng, speedup, kernel):
    img, truth = _pieces(rng)
    labels = mean_shift(img, 5, 8, 20, kernel=kernel, speedup=speedup)
    assert_label_contract(labels, shape=truth.shape, n_segments=4)
    assert np.array_equal(labels, truth)


def test_sigma_filters_the_smoothed_image(rng):
    from scipy.ndimage import gaussian_filter
    img = (rng.random((30, 40)) * 100).astype(np.float32)
    smoothed = gaussian_filter(img, 1.5)
    labels, filtered = mean_shift(img, 4, 10, 5, sigma=1.5, channel_axis=None,
                                  return_filtered=True)
    expected, expected_filtered = mean_shift(smoothed, 4, 10, 5, channel_axis=None,
                                             return_filtered=True)
    assert np.array_equal(labels, expected)
    assert np.array_equal(filtered, expected_filtered)
    assert np.array_equal(mean_shift(img, 4, 10, 5, sigma=0, channel_axis=None),
                          mean_shift(img, 4, 10, 5, channel_axis=None))


def test_sigma_joins_what_heavy_noise_splits(rng):
    truth = np.ones((40, 60), np.int32)
    truth[:, 30:] = 2
    img = np.where(truth == 1, 60.0, 140.0) + rng.normal(0, 25, truth.shape)
    assert mean_shift(img, 5, 20, 0, channel_axis=None).max() > 2
    labels = mean_shift(img, 5, 20, 0, sigma=1, channel_axis=None)
    assert_label_contract(labels, shape=truth.shape)
    left, right = (np.bincount(labels[truth == t]).argmax() for t in (1, 2))
    assert left != right and labels.max() <= 3
    assert ((labels == np.where(truth == 1, left, right)).mean()) > 0.99


def test_min_size_is_honoured(chelsea):
    labels = mean_shift(chelsea, 5, 6, 60)
    assert_label_contract(labels, shape=chelsea.shape[:2])
    assert np.bincount(labels.ravel())[1:].min() >= 60
    loose = mean_shift(chelsea, 5, 6, 0)
    assert loose.max() > labels.max()
    assert np.bincount(loose.ravel())[1:].min() < 60


def test_mask_island_below_min_size_is_kept_alone(rng):
    img, _ = _pieces(rng)
    mask = np.zeros(img.shape[:2], bool)
    mask[2:30, 2:30] = True
    mask[35:37, 40:42] = True   # an island of 4 pixels, touching nothing
    labels = mean_shift(img, 5, 8, 20, mask=mask)
    assert_label_contract(labels, mask=mask)
    assert (labels[~mask] == 0).all()
    island = np.unique(labels[35:37, 40:42])
    assert island.size == 1 and (labels == island[0]).sum() == 4


def test_labels_follow_the_contract_on_a_photo(chelsea):
    for speedup in ("trajectory", "none", "coarse"):
        assert_label_contract(mean_shift(chelsea, speedup=speedup),
                              shape=chelsea.shape[:2])


def test_identical_for_one_and_two_threads(chelsea, one_thread):
    img = chelsea[:160]
    for kwargs in (dict(), dict(speedup="none", kernel="gaussian"),
                   dict(speedup="coarse")):
        two = call_with_threads(2, "classicseg:mean_shift", img, **kwargs)
        assert np.array_equal(mean_shift(img, **kwargs), two), kwargs


def test_windows_larger_than_the_image_and_huge_bandwidths(rng):
    img, truth = _pieces(rng)
    small = img[:6, :5]   # smaller than the default 7-pixel window
    assert_label_contract(mean_shift(small, min_size=0), shape=small.shape[:2])
    # a window wider than the image holds all of it: the same as the diagonal's
    assert np.array_equal(mean_shift(img, 1e6, 8, 20, kernel="uniform"),
                          mean_shift(img, 70, 8, 20, kernel="uniform"))
    assert mean_shift(img, 5, 1e300, 0).max() == 1   # one mode, no overflow warning


def test_registered_as_meanshift(chelsea):
    img = chelsea[:80, :100]
    assert np.array_equal(segment(img, "meanshift", range_radius=8.0, min_size=30),
                          mean_shift(img, range_radius=8.0, min_size=30))


def test_command_line_segments_with_meanshift(tmp_path):
    assert cli.main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path),
                     "--method", "meanshift", "--spatial-radius", "5",
                     "--range-radius", "8", "--min-size", "30", "--kernel", "gaussian",
                     "--speedup", "none", "--format", "npy", "--no-overlay"]) == 0
    want = mean_shift(read_image(DATA / "coins.png"), 5, 8, 30, kernel="gaussian",
                      speedup="none", channel_axis=None)
    assert np.array_equal(np.load(tmp_path / "coins_labels.npy"), want)
    with pytest.raises(SystemExit):   # a choice the spec does not list
        cli.main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path),
                  "--method", "meanshift", "--kernel", "box"])


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(spatial_radius=0), ValueError, "spatial_radius must be > 0"),
    (dict(spatial_radius=0.5), ValueError, "spatial_radius must be >= 1"),
    (dict(spatial_radius=-2), ValueError, "spatial_radius must be > 0"),
    (dict(spatial_radius=float("nan")), ValueError, "spatial_radius must be a finite"),
    (dict(range_radius=0), ValueError, "range_radius must be > 0"),
    (dict(range_radius="6"), TypeError, "range_radius must be a number"),
    (dict(min_size=-1), ValueError, "min_size must be >= 0"),
    (dict(min_size=2.5), TypeError, "min_size must be an integer"),
    (dict(kernel="box"), ValueError, "kernel must be one of"),
    (dict(speedup="fast"), ValueError, "speedup must be one of"),
    (dict(max_num_iter=0), ValueError, "max_num_iter must be > 0"),
    (dict(tol=0), ValueError, "tol must be > 0"),
    (dict(sigma=-1), ValueError, "sigma must be >= 0"),
    (dict(sigma=50), ValueError, "sigma=50.0 is 50 pixels.*wider than the image"),
    (dict(mask=np.ones((3, 3), bool)), ValueError, "mask has shape"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    with pytest.raises(error, match=match):
        mean_shift(np.zeros((20, 20, 3), np.uint8), **kwargs)


@pytest.mark.parametrize("image, kwargs, match", [
    (np.full((8, 8), np.nan), dict(channel_axis=None), "NaN"),
    (np.full((8, 8, 3), np.inf), {}, "inf|finite"),
    (np.zeros((4, 8, 8, 3)), {}, "spatial dimensions"),
    (np.zeros(8), dict(channel_axis=None), "dimensions"),
    (np.random.default_rng(0).random((8, 8)) * 1e30, dict(channel_axis=None),
     "range bandwidths.*overflow"),
])
def test_bad_images_are_refused(image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mean_shift(image, **kwargs)
