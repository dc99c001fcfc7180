import numpy as np
import pytest
from skimage.color import rgb2lab

from classicseg import slic
from classicseg.gnn import (EDGE_FEATURES, NODE_FEATURES, superpixel_graph,
                            superpixel_pool, superpixel_unpool)


@pytest.fixture
def scene(rng):
    img = rng.integers(0, 256, (24, 31, 3)).astype(np.uint8)
    img[:, 15:] //= 4
    return img, slic(img, n=20)


def test_edges_equal_a_naive_adjacency_scan_and_are_symmetric(scene):
    img, labels = scene
    g = superpixel_graph(img, labels)
    expected = set()
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        for u, v in zip(a.ravel(), b.ravel()):
            if u != v:
                expected |= {(u - 1, v - 1), (v - 1, u - 1)}
    got = list(map(tuple, g["edge_index"].T))
    assert set(got) == expected and len(got) == len(expected)
    assert got == sorted(got) and g["edge_index"].dtype == np.int64
    lab = rgb2lab(img)
    for (u, v), (dist, length) in zip(got, g["edge_attr"]):
        mu, mv = lab[labels == u + 1].mean(0), lab[labels == v + 1].mean(0)
        assert dist == pytest.approx(np.linalg.norm(mu - mv), rel=1e-4, abs=1e-3)
        pairs = sum(((a == u + 1) & (b == v + 1) | (a == v + 1) & (b == u + 1)).sum()
                    for a, b in ((labels[:, :-1], labels[:, 1:]),
                                 (labels[:-1], labels[1:])))
        assert length == pairs
    assert g["edge_attr"].shape == (len(got), len(EDGE_FEATURES))


def test_node_features_against_a_loop(scene):
    img, labels = scene
    g = superpixel_graph(img, labels)
    assert g["x"].shape == (labels.max(), len(NODE_FEATURES))
    lab = rgb2lab(img)
    for r in range(1, labels.max() + 1):
        ys, xs = np.nonzero(labels == r)
        row = dict(zip(NODE_FEATURES, g["x"][r - 1]))
        assert row["mean_L"] == pytest.approx(lab[ys, xs, 0].mean(), rel=1e-4)
        assert row["std_G"] == pytest.approx((img[ys, xs, 1] / 255).std(), abs=1e-4)
        assert row["area"] == len(ys)
        assert (row["bbox_left"], row["bbox_bottom"]) == (xs.min(), ys.max() + 1)
        np.testing.assert_allclose(g["pos"][r - 1], [xs.mean(), ys.mean()], rtol=1e-5)


def test_node_features_against_skimage_regionprops(scene):
    from skimage.measure import regionprops_table
    img, labels = scene
    x = superpixel_graph(img, labels)["x"]
    col = {name: x[:, i] for i, name in enumerate(NODE_FEATURES)}
    for names, image in (("Lab", rgb2lab(img)), ("RGB", img / 255)):
        props = regionprops_table(labels, image, properties=(
            "area", "centroid", "bbox", "intensity_mean", "intensity_std"))
        for c, name in enumerate(names):
            np.testing.assert_allclose(col[f"mean_{name}"],
                                       props[f"intensity_mean-{c}"], rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(col[f"std_{name}"],
                                       props[f"intensity_std-{c}"], rtol=1e-3, atol=1e-4)
    np.testing.assert_array_equal(col["area"], props["area"])
    np.testing.assert_allclose(col["centroid_y"], props["centroid-0"], rtol=1e-6)
    np.testing.assert_allclose(col["centroid_x"], props["centroid-1"], rtol=1e-6)
    for name, key in (("bbox_top", 0), ("bbox_left", 1), ("bbox_bottom", 2),
                      ("bbox_right", 3)):
        np.testing.assert_array_equal(col[name], props[f"bbox-{key}"])


def test_rgb_features_are_0_to_1_whatever_the_image_dtype(scene):
    img, labels = scene
    expected = superpixel_graph(img, labels)["x"]
    as_16bit = img.astype(np.uint16) * 257                 # 255 -> 65535
    np.testing.assert_allclose(superpixel_graph(as_16bit, labels)["x"], expected,
                               rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(superpixel_graph(img / 255.0, labels)["x"], expected,
                               rtol=1e-4, atol=1e-3)
    bad = img / 255.0
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="image"):
        superpixel_graph(bad, labels)


def test_flat_regions_have_zero_std_and_missing_labels_zero_rows():
    img = np.full((6, 8, 3), 200, np.uint8)
    img[:, 4:] = (10, 120, 250)
    labels = np.ones((6, 8), np.int64)
    labels[:, 4:] = 3                                       # label 2 has no pixel
    g = superpixel_graph(img, labels)
    row = dict(zip(NODE_FEATURES, g["x"].T))
    for name in ("std_L", "std_a", "std_b", "std_R", "std_G", "std_B"):
        np.testing.assert_array_equal(row[name], 0)
    np.testing.assert_array_equal(g["x"][1], 0)
    assert row["bbox_left"][2] == 4 and row["bbox_right"][2] == 8
    np.testing.assert_array_equal(g["edge_index"], [[0, 2], [2, 0]])
    assert g["edge_attr"][0, 1] == 6


def test_pool_and_unpool(scene, rng):
    _, labels = scene
    fmap = rng.normal(size=labels.shape + (3,))
    labels = labels.copy()
    labels[:2] = 0                                   # no superpixel
    for reduce, f in (("mean", np.mean), ("max", np.max), ("sum", np.sum)):
        pooled = superpixel_pool(fmap, labels, reduce)
        for r in np.unique(labels[labels > 0]):
            np.testing.assert_allclose(pooled[r - 1], f(fmap[labels == r], axis=0))
    means = superpixel_pool(fmap, labels)
    painted = superpixel_unpool(means, labels)
    assert painted.shape == fmap.shape and (painted[:2] == 0).all()
    np.testing.assert_allclose(superpixel_pool(painted, labels), means)   # round trip
    const = superpixel_unpool(np.arange(1, labels.max() + 1), labels)
    np.testing.assert_array_equal(const, labels)
    fixed, mask = superpixel_pool(fmap, labels, size=40)
    assert fixed.shape == (40, 3) and mask.sum() == labels.max()
    np.testing.assert_array_equal(fixed[:labels.max()], means)
    trimmed, mask = superpixel_pool(fmap, labels, size=5)
    assert trimmed.shape == (5, 3) and mask.all()


def test_pool_edge_cases():
    labels = np.array([[1, 1, 3], [1, 4, 4]])                    # label 2 has no pixel
    fmap = np.array([[-5, -7, 2], [-6, 1, 9]], np.int16)        # all-negative region
    for reduce, expected in (("max", [-5, 0, 2, 9]), ("mean", [-6, 0, 2, 5]),
                             ("sum", [-18, 0, 2, 10])):
        pooled = superpixel_pool(fmap, labels, reduce)
        assert pooled.dtype == np.float64
        np.testing.assert_array_equal(pooled[:, 0], expected)
    floats = fmap.astype(np.float32)
    floats[0, 1] = np.nan
    for reduce in ("max", "mean", "sum"):
        pooled = superpixel_pool(floats, labels, reduce)[:, 0]
        assert np.isnan(pooled[0]) and not np.isnan(pooled[1:]).any()
    np.testing.assert_array_equal(superpixel_pool(fmap, np.zeros_like(labels)),
                                  np.zeros((0, 1)))
    for size, mask in ((6, [1, 0, 1, 1, 0, 0]), (3, [1, 0, 1])):   # 2: no superpixel
        fixed, got = superpixel_pool(fmap, labels, "sum", size=size)
        np.testing.assert_array_equal(got, np.array(mask, bool))
        np.testing.assert_array_equal(fixed[:, 0], ([-18, 0, 2, 10, 0, 0])[:size])
        # the fixed rows paint back as they are (row i = label i + 1, the gap kept);
        # labels trimmed away get 0
        back = superpixel_unpool(fixed, labels)[..., 0]
        expected = np.where(labels <= size, [[-18, -18, 2], [-18, 10, 10]], 0)
        np.testing.assert_array_equal(back, expected)


def test_bad_input(scene):
    img, labels = scene
    with pytest.raises(ValueError, match="reduce"):
        superpixel_pool(img, labels, "median")
    with pytest.raises(ValueError, match="feature_map"):
        superpixel_pool(img[:5], labels)
    with pytest.raises(ValueError, match="size"):
        superpixel_pool(img, labels, size=0)
    with pytest.raises(ValueError, match="labels"):
        superpixel_graph(img, labels.astype(float))
    with pytest.raises(ValueError, match="integers"):
        superpixel_unpool(np.zeros(3), labels.astype(float))
    for values in (np.float64(3), np.zeros((3, 2, 2))):
        with pytest.raises(ValueError, match=r"values must be \(K,\) or \(K, C\)"):
            superpixel_unpool(values, labels)
