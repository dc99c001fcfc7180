import sys

import numpy as np
import pytest
from scipy import ndimage as ndi

import naive
from classicseg import slic
from classicseg.color import lab_image
from classicseg.testing import assert_label_contract
from conftest import BSDS_VAL, SAMPLES, call_with_threads, read_image, requires_bsds


# ------------------------------------------------------------------ specification

def test_two_flat_halves_never_share_a_segment():
    img = np.zeros((40, 60, 3), np.uint8)
    img[:, 30:] = 255
    labels = slic(img, n=6)
    assert labels.max() == 6
    assert set(np.unique(labels[:, :30])).isdisjoint(np.unique(labels[:, 30:]))


def test_flat_image_gives_the_seed_grid():
    labels = slic(np.full((30, 30), 0.5), n=9, channel_axis=None)
    assert labels.max() == 9
    assert all(np.bincount(labels.ravel())[1:] == 100)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_label_contract_on_sample_images(path):
    img = read_image(path)
    for n in (50, 500):
        labels = slic(img, n=n, channel_axis=-1 if img.ndim == 3 else None)
        assert_label_contract(labels, shape=img.shape[:2])


@pytest.mark.parametrize("seed", range(3))
def test_label_contract_on_random_images(seed):
    rng = np.random.default_rng(seed)
    img = rng.random((37, 53, 3))
    labels = slic(img, n=int(rng.integers(5, 80)), compactness=float(rng.uniform(1, 30)))
    assert_label_contract(labels, shape=img.shape[:2])


def test_matches_naive_reference(chelsea):
    """The kernel equals a direct NumPy transcription of Achanta's loop."""
    img = chelsea[::4, ::4]
    n, m, n_iter = 60, 10.0, 5
    lab = lab_image(img, np.float32).astype(np.float64)   # the kernel's features
    labels = naive.slic(lab, n, m, n_iter)
    ours = slic(img, n=n, compactness=m, max_num_iter=n_iter, enforce_connectivity=False)
    # compare the partitions (label ids differ); float32 vs float64 may flip ties
    same = (ours[:, :-1] == ours[:, 1:]) == (labels[:, :-1] == labels[:, 1:])
    assert same.mean() > 0.995


# ------------------------------------------------------------------ inputs

def test_dtypes_give_the_same_labels(chelsea):
    ref = slic(chelsea, n=300)
    assert np.array_equal(slic(chelsea.astype(np.uint16) * 257, n=300), ref)
    assert np.array_equal(slic(chelsea / 255.0, n=300), ref)
    f32 = slic(chelsea.astype(np.float32) / np.float32(255), n=300)
    assert (f32 == ref).mean() > 0.999


def test_rgba_drops_alpha(chelsea):
    rgba = np.dstack([chelsea, np.full(chelsea.shape[:2], 7, np.uint8)])
    assert np.array_equal(slic(rgba, n=200), slic(chelsea, n=200))


def test_channel_axis_first(chelsea):
    moved = np.moveaxis(chelsea, -1, 0)
    assert np.array_equal(slic(moved, n=200, channel_axis=0), slic(chelsea, n=200))


def test_grayscale_and_multichannel():
    rng = np.random.default_rng(1)
    gray = ndi.gaussian_filter(rng.random((60, 80)), 3)
    labels = slic(gray, n=40, channel_axis=None)
    assert_label_contract(labels, shape=gray.shape)
    five = np.dstack([gray] * 5)
    assert_label_contract(slic(five, n=40), shape=gray.shape)


def test_volume_with_spacing():
    rng = np.random.default_rng(2)
    vol = ndi.gaussian_filter(rng.random((12, 30, 30)), 2)
    labels = slic(vol, n=20, channel_axis=None, spacing=(3, 1, 1))
    assert_label_contract(labels, shape=vol.shape)
    assert 15 <= labels.max() <= 25
    # thick slices make the volume physically longer in z: more layers along z
    thin = slic(vol, n=20, channel_axis=None)
    layers = lambda lab: np.mean([len(np.unique(lab[:, y, x])) for y, x in [(5, 5), (15, 15)]])
    assert layers(labels) > layers(thin)


def test_mask(chelsea):
    mask = np.zeros(chelsea.shape[:2], bool)
    mask[50:250, 100:400] = True
    mask[120:160, 200:260] = False
    labels = slic(chelsea, n=100, mask=mask)
    assert_label_contract(labels, shape=mask.shape, mask=mask)
    assert 90 <= labels.max() <= 110


def test_sigma_smooths(chelsea):
    assert_label_contract(slic(chelsea, n=100, sigma=1.5), shape=chelsea.shape[:2])


def test_input_not_modified(chelsea):
    img = chelsea.astype(np.float64) / 255
    before = img.copy()
    slic(img, n=100, sigma=1.0)
    assert np.array_equal(img, before)


# ------------------------------------------------------------------ counts

@pytest.mark.parametrize("n", [200, 500, 1000, 2000])
def test_segment_count_tracks_n(chelsea, n):
    k = slic(chelsea, n=n).max()
    assert abs(k - n) <= 0.1 * n


@pytest.mark.parametrize("n", [1, 7, 100, 333, 1500])
def test_exact_count(chelsea, n):
    labels = slic(chelsea, n=n, exact=True)
    assert_label_contract(labels, shape=chelsea.shape[:2], n_segments=n)


def test_slico(chelsea):
    labels = slic(chelsea, n=300, slico=True)
    assert_label_contract(labels, shape=chelsea.shape[:2])
    assert abs(labels.max() - 300) <= 30


def test_identical_for_one_and_two_threads(chelsea, one_thread):
    for kwargs in (dict(n=400), dict(n=300, slico=True)):
        two = call_with_threads(2, "classicseg:slic", chelsea, **kwargs)
        assert np.array_equal(slic(chelsea, **kwargs), two), kwargs


def test_deterministic(chelsea):
    assert np.array_equal(slic(chelsea, n=250, slico=True), slic(chelsea, n=250, slico=True))



def test_background_compile_builds_the_signature_slic_calls(chelsea, monkeypatch):
    """slic compiles its connectivity kernel in another process for the types of
    _CONNECTIVITY_EXAMPLE: they must be the types of every real call, or that
    work is wasted."""
    import numba

    slic_module = sys.modules["classicseg.slic"]
    kernel, *examples = slic_module._CONNECTIVITY_EXAMPLE
    expected = tuple(numba.typeof(x) for x in examples)
    seen = []

    def recording(*args):
        seen.append(tuple(numba.typeof(x) for x in args))
        return kernel(*args)

    monkeypatch.setattr(slic_module, "_enforce_connectivity", recording)
    volume = np.random.default_rng(0).random((4, 20, 30))
    mask = np.zeros(chelsea.shape[:2], bool)
    mask[10:, ::2] = True   # a mask whose reshape is a view
    for image, kwargs in [(chelsea, {}), (chelsea[::2, ::-1], dict(exact=True, n=50)),
                          (chelsea.astype(np.float32) / 255, dict(mask=mask)),
                          (chelsea[..., 0], dict(channel_axis=None, slico=True)),
                          (volume, dict(channel_axis=None, n=20))]:
        slic(image, **kwargs)
    assert seen == [expected] * 5

# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=0), ValueError, "n must be > 0"),
    (dict(n=2.5), TypeError, "n must be an integer"),
    (dict(n=10_000), ValueError, "larger than the number of pixels"),
    (dict(compactness=0), ValueError, "compactness must be > 0"),
    (dict(compactness=-1.0), ValueError, "compactness"),
    (dict(max_num_iter=0), ValueError, "max_num_iter must be > 0"),
    (dict(sigma=-1), ValueError, "sigma"),
    (dict(channel_axis=3), ValueError, "channel_axis=3 is out of range"),
    (dict(mask=np.ones((5, 5), bool)), ValueError, "mask has shape"),
    (dict(mask=np.zeros((40, 50), bool)), ValueError, "mask selects no pixels"),
    (dict(spacing=(1, 2, 3)), ValueError, "spacing has 3 entries"),
])
def test_bad_arguments(kwargs, error, match):
    img = np.zeros((40, 50, 3), np.uint8)
    with pytest.raises(error, match=match):
        slic(img, **kwargs)


def test_n_larger_than_masked_pixels():
    mask = np.zeros((40, 50), bool)
    mask[:2, :2] = True
    with pytest.raises(ValueError, match="pixels inside mask"):
        slic(np.zeros((40, 50, 3)), n=5, mask=mask)


@pytest.mark.parametrize("image, error, match", [
    (np.zeros((0, 5, 3)), ValueError, "image is empty"),
    (np.zeros(10), ValueError, "dimensions"),
    (np.zeros((4, 4)), ValueError, "channel_axis=None"),
    (np.zeros((2, 3, 4, 5, 3)), ValueError, "spatial dimensions"),
    (np.full((8, 8, 3), np.nan), ValueError, "NaN"),
    (np.full((8, 8), np.inf), ValueError, "inf"),
    (np.zeros((8, 8, 3), complex), TypeError, "complex"),
    (np.zeros((8, 8, 3), object), TypeError, "unsupported dtype object"),
])
def test_bad_images(image, error, match):
    channel_axis = None if "inf" in match else -1
    with pytest.raises(error, match=match):
        slic(image, n=2, channel_axis=channel_axis)


@pytest.mark.bsds
@requires_bsds
def test_segment_count_on_bsds_within_ten_percent():
    images = [read_image(p) for p in sorted(BSDS_VAL.glob("*.jpg"))[:100:10]]
    for n in (200, 500, 1000, 2000):
        counts = [slic(img, n=n).max() for img in images]
        assert min(counts) >= 0.9 * n and max(counts) <= 1.1 * n, (n, counts)
