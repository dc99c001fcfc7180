import numpy as np
import pytest
from scipy import ndimage
from skimage.color import rgb2lab
from skimage.feature import local_binary_pattern

from classicseg import slic
from classicseg.features import FEATURE_GROUPS, feature_names, superpixel_features


@pytest.fixture
def scene(rng):
    img = rng.integers(0, 256, (30, 41, 3)).astype(np.uint8)
    img[:, :20] //= 3
    labels = slic(img, n=25)
    labels[labels == 3] = 1          # a region of two pieces is still one row
    labels[labels == 4] = 2
    return img, labels


def _columns(X, names, prefix):
    return X[:, [i for i, n in enumerate(names) if n.startswith(prefix)]]


def test_names_match_the_columns(scene):
    img, labels = scene
    X, names = superpixel_features(img, labels)
    assert X.shape == (labels.max(), len(names)) and X.dtype == np.float32
    assert names == feature_names() and len(set(names)) == len(names)
    assert np.isfinite(X).all()
    X2, names2 = superpixel_features(img, labels, ("shape", "color"))
    assert names2 == feature_names("shape") + feature_names("color")
    np.testing.assert_array_equal(X2, np.concatenate(
        [X[:, [names.index(n) for n in names2]]], 1))


def test_color_texture_gradient_against_a_loop_over_regions(scene):
    img, labels = scene
    X, names = superpixel_features(img, labels, ("color", "texture", "gradient"))
    lab = rgb2lab(img)
    L = lab[..., 0] / 100
    gy, gx = ndimage.sobel(L, axis=0), ndimage.sobel(L, axis=1)
    mag, ang = np.hypot(gx, gy), np.mod(np.arctan2(gy, gx), np.pi)
    gray = np.round(lab[..., 0] * 2.55).astype(np.uint8)
    lbp = local_binary_pattern(gray, 8, 1, method="uniform")
    for r in range(1, labels.max() + 1):
        inside = labels == r
        if not inside.any():
            continue
        row = X[r - 1]
        pix = lab[inside]
        np.testing.assert_allclose(row[:3], pix.mean(0), rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(row[3:6], pix.std(0), rtol=1e-4, atol=1e-2)
        hist_a = np.histogram(np.clip(pix[:, 1], -80, 80 - 1e-9), 8, (-80, 80))[0]
        np.testing.assert_allclose(_columns(X, names, "lab_hist_a")[r - 1],
                                   hist_a / inside.sum(), atol=1e-6)
        for s in (1.0, 2.0, 4.0):
            log = np.abs(ndimage.gaussian_laplace(L, s)) * s
            assert row[names.index(f"filter_log_s{s:g}")] == pytest.approx(
                log[inside].mean(), rel=1e-4)
        np.testing.assert_allclose(_columns(X, names, "lbp_")[r - 1],
                                   np.bincount(lbp[inside].astype(int), minlength=10)
                                   / inside.sum(), atol=1e-6)
        orient = np.histogram(ang[inside], 9, (0, np.pi), weights=mag[inside])[0]
        np.testing.assert_allclose(_columns(X, names, "orient_")[r - 1],
                                   orient / orient.sum(), atol=1e-5)
        assert row[names.index("grad_mean")] == pytest.approx(mag[inside].mean(),
                                                              rel=1e-4)


def test_position_shape_context_against_a_loop_over_regions(scene):
    img, labels = scene
    X, names = superpixel_features(img, labels, ("position", "shape", "context"))
    H, W = labels.shape
    own = superpixel_features(img, labels, ("color", "texture"))
    own_means = np.concatenate([own[0][:, :3], _columns(*own, "filter_")], 1)
    for r in range(1, labels.max() + 1):
        ys, xs = np.nonzero(labels == r)
        if not len(ys):
            continue
        row = dict(zip(names, X[r - 1]))
        assert row["centroid_y"] == pytest.approx(ys.mean() / H, rel=1e-5)
        assert row["bbox_top"] == pytest.approx(ys.min() / H)
        assert row["bbox_right"] == pytest.approx((xs.max() + 1) / W)
        height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert row["area"] == pytest.approx(len(ys) / (H * W))
        assert row["bbox_fill"] == pytest.approx(len(ys) / (height * width))
        cov = np.cov(np.stack([ys, xs]), bias=True)
        small, large = np.linalg.eigvalsh(cov)
        assert row["eccentricity"] == pytest.approx(np.sqrt(1 - small / large),
                                                    abs=1e-4)
        # neighbours across 4-connected pixel pairs, weighted by shared boundary
        weights = np.zeros(labels.max())
        for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
            pair = (a == r) ^ (b == r)
            other = np.where(a[pair] == r, b[pair], a[pair])
            np.add.at(weights, other - 1, 1)
        expected = weights @ own_means / weights.sum()
        np.testing.assert_allclose(_columns(X, names, "nbr_")[r - 1], expected,
                                   rtol=1e-4, atol=1e-4)


def test_absent_labels_and_unlabelled_pixels(scene):
    img, labels = scene
    labels = labels.copy()
    labels[labels == 5] = 0          # label 5 absent, its pixels in no region
    X, _ = superpixel_features(img, labels)
    assert (X[4] == 0).all() and np.isfinite(X).all()


def test_gray_images_are_rgb_with_equal_channels(scene):
    img, labels = scene
    gray = img[..., 1]
    a = superpixel_features(gray, labels, channel_axis=None)[0]
    b = superpixel_features(np.repeat(gray[..., None], 3, 2), labels)[0]
    np.testing.assert_array_equal(a, b)


def test_given_lab_is_used_as_is(scene):
    import classicseg
    image, labels = scene
    X, _ = superpixel_features(image, labels)
    given, _ = superpixel_features(image, labels, lab=classicseg.rgb2lab(image))
    np.testing.assert_array_equal(given, X)
    with pytest.raises(ValueError, match="lab has shape"):
        superpixel_features(image, labels, lab=np.zeros((4, 4, 3)))


def test_bad_input(scene):
    img, labels = scene
    with pytest.raises(ValueError, match="groups"):
        superpixel_features(img, labels, ("colour",))
    with pytest.raises(ValueError, match="labels has shape"):
        superpixel_features(img, labels[:10])
    with pytest.raises(ValueError, match="integers"):
        superpixel_features(img, labels.astype(float))
    with pytest.raises(ValueError, match="context_scale"):
        superpixel_features(img, labels, context_scale=0)
    with pytest.raises(ValueError, match="channel"):
        superpixel_features(img[..., 0], labels)
    assert FEATURE_GROUPS[0] == "color"
