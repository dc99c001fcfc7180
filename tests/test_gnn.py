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
