import numpy as np
import pytest
import scipy.sparse as sp

from classicseg import cli, ncut, ncut_superpixels, segment, slic
from classicseg.color import rgb2lab
from classicseg.ncut import (discretize, merge_order, ncut_value, pixel_affinity,
                             region_affinity, spectral_embedding)
from classicseg.testing import assert_label_contract
from conftest import DATA, call_with_threads, read_image


def _quadrants(rng, shape=(40, 48), noise=3.0):
    """Four flat quadrants (well apart in CIELAB) plus noise, and their map 1..4."""
    truth = np.ones(shape, np.int32)
    truth[:, shape[1] // 2:] += 1
    truth[shape[0] // 2:] += 2
    colours = np.array([[200, 40, 40], [40, 160, 60], [50, 60, 200], [230, 220, 90]])
    img = colours[truth - 1] + rng.normal(0, noise, shape + (3,))
    return np.clip(img, 0, 255).astype(np.uint8), truth


def _two_blobs(rng, shape=(36, 50)):
    """Two bright discs on a dark background: three segments."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    truth = np.ones(shape, np.int32)
    truth[(yy - 18) ** 2 + (xx - 12) ** 2 < 81] = 2
    truth[(yy - 18) ** 2 + (xx - 37) ** 2 < 81] = 3
    img = np.array([20.0, 200, 120])[truth - 1] + rng.normal(0, 2, shape)
    return np.clip(img, 0, 255).astype(np.uint8), truth


def _same_partition(a, b):
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == len(np.unique(a)) == len(np.unique(b))


def _naive_affinity(features, radius, sc, ss, edges=None, se=1.0):
    H, W, C = features.shape
    dense = np.zeros((H * W, H * W))
    for y in range(H):
        for x in range(W):
            for yy in range(H):
                for xx in range(W):
                    d2 = (y - yy) ** 2 + (x - xx) ** 2
                    if d2 == 0 or d2 > radius ** 2:
                        continue
                    w = np.exp(-((features[y, x] - features[yy, xx]) ** 2).sum() / sc ** 2
                               - d2 / ss ** 2)
                    if edges is not None:   # the digital line, walked from either end
                        a, b = sorted([(y, x), (yy, xx)])
                        dy, dx = b[0] - a[0], b[1] - a[1]
                        n = max(abs(dy), abs(dx))
                        s = np.arange(n + 1)
                        line = edges[a[0] + (2 * dy * s + n) // (2 * n),
                                     a[1] + (2 * dx * s + n) // (2 * n)]
                        w *= np.exp(-line.max() ** 2 / se ** 2) + 1e-3
                    dense[y * W + x, yy * W + xx] = w
    return dense


def _naive_ncut(dense, labels):
    labels = np.ravel(labels)
    total = 0.0
    for k in np.unique(labels):
        inside = labels == k
        total += dense[inside][:, ~inside].sum() / dense[inside].sum()
    return total


# ------------------------------------------------------------------ the graph

@pytest.mark.parametrize("contour", [False, True])
def test_pixel_affinity_equals_a_naive_construction(rng, contour):
    feats = rng.random((7, 9, 3)).astype(np.float32) * 20
    edges = rng.random((7, 9)).astype(np.float32) if contour else None
    W = pixel_affinity(np.moveaxis(feats, -1, 0), 2.5, 8.0, 3.0, edges, 0.5)
    want = _naive_affinity(feats.astype(np.float64), 2.5, 8.0, 3.0, edges, 0.5)
    assert np.allclose(W.toarray(), want, rtol=1e-5, atol=1e-12)
    assert (W != W.T).nnz == 0   # exactly symmetric, contours included


def test_ncut_value_equals_a_naive_sum():
    rng = np.random.default_rng(1)
    dense = rng.random((12, 12))
    dense = np.triu(dense, 1) + np.triu(dense, 1).T
    labels = rng.integers(0, 3, 12)
    assert ncut_value(sp.csr_matrix(dense), labels) == pytest.approx(
        _naive_ncut(dense, labels))
    assert ncut_value(dense, np.zeros(12)) == 0.0


# ------------------------------------------------------------------ eigenproblem

def _residuals(W, values, vectors):
    W = sp.csr_matrix(W)
    d = np.asarray(W.sum(1)).ravel()
    L = sp.diags(d) - W
    Dy = vectors * d[:, None]
    return np.linalg.norm(L @ vectors - Dy * values, axis=0) / np.linalg.norm(Dy, axis=0)


@pytest.mark.parametrize("shape", [(12, 15), (45, 50)])   # dense LAPACK, ARPACK
def test_eigenvectors_solve_the_generalized_problem(rng, shape):
    img, _ = _quadrants(rng, shape)
    W = pixel_affinity(np.moveaxis(rgb2lab(img), -1, 0), 3, 10, 4)
    values, vectors = spectral_embedding(W, 6)
    assert np.all(np.diff(values) >= -1e-12) and abs(values[0]) < 1e-9
    assert _residuals(W, values, vectors).max() < 1e-6
    d = np.asarray(W.sum(1)).ravel()
    assert np.allclose(vectors.T @ (vectors * d[:, None]), np.eye(6), atol=1e-8)


def test_two_level_solve_is_close_to_the_exact_one(chelsea):
    img = chelsea[100:170, 150:240]
    W = pixel_affinity(np.moveaxis(rgb2lab(img), -1, 0), 3, 10, 4)
    exact, _ = spectral_embedding(W, 8)
    coarse = slic(img, n=img.shape[0] * img.shape[1] // 25)
    values, vectors = spectral_embedding(W, 8, coarse=coarse, refine_iter=30)
    assert np.all(values >= exact - 1e-9)          # Rayleigh-Ritz: upper bounds
    assert np.allclose(values, exact, rtol=0.25, atol=1e-4)
    assert _residuals(W, values, vectors)[1:].max() < 0.05
    again = spectral_embedding(W, 8, coarse=coarse, refine_iter=30)[1]
    assert np.array_equal(vectors, again)


def test_discretize_recovers_a_partition_from_rotated_indicators(rng):
    groups = rng.integers(0, 4, 200)
    indicators = np.eye(4)[groups] + rng.normal(0, 0.05, (200, 4))
    rotation = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    assert _same_partition(discretize(indicators @ rotation, rng=0), groups)


# ------------------------------------------------------------------ pixel Ncut

METHODS = ["kway", "recursive", "merge"]


@pytest.mark.parametrize("contour", [True, False])
@pytest.mark.parametrize("method", METHODS)
def test_four_quadrants_split_where_they_must(rng, method, contour):
    img, truth = _quadrants(rng)
    labels = ncut(img, 4, method=method, contour=contour)
    assert_label_contract(labels, shape=truth.shape)
    assert _same_partition(labels, truth)


@pytest.mark.parametrize("contour", [True, False])
@pytest.mark.parametrize("method", METHODS)
def test_two_blobs_split_from_the_background(rng, method, contour):
    # with contours, the pixels on the discs' rims have every link cut: they are
    # filled in from the side of closest colour, not left as a ring of their own
    img, truth = _two_blobs(rng)
    labels = ncut(img, 3, method=method, contour=contour, channel_axis=None)
    assert_label_contract(labels, shape=truth.shape)
    assert _same_partition(labels, truth)


def test_merge_order_by_hand():
    # groups 0 | 1 | 2 on a path graph: 0-1 joined by 1, 1-2 by 0.1, each group two
    # nodes joined inside by 4.  Union 0+1: 1/(8+1) + 1/(8+1) = 0.222; union 1+2:
    # 0.1/8.1 * 2 = 0.0247.  So 0 and 1 first, then {0,1} (inside 8 + 8 + 2) with 2:
    # 0.1/18.1 + 0.1/8.1
    W = np.zeros((6, 6))
    for a, b, w in ((0, 1, 4), (2, 3, 4), (4, 5, 4), (1, 2, 1), (3, 4, 0.1)):
        W[a, b] = W[b, a] = w
    merges = merge_order(W, [0, 0, 1, 1, 2, 2])
    assert merges[:, 1:].tolist() == [[0, 1], [0, 2]]
    assert merges[:, 0] == pytest.approx([2 / 9, 0.1 / 18.1 + 0.1 / 8.1])


def test_merge_hierarchy_cut_is_the_thresholded_call(chelsea):
    img = chelsea[40:110, 100:200]
    res = ncut(img, None, method="merge", n_initial=12, return_info=True)
    assert len(res.merges) == res.initial.max() - 1   # down to one group
    for threshold in (0.001, 0.01, 0.05):
        again = ncut(img, None, method="merge", n_initial=12, threshold=threshold)
        assert np.array_equal(res.cut(threshold=threshold), again)
    assert np.array_equal(res.cut(n_segments=5), ncut(img, 5, n_initial=12))
    assert np.array_equal(res.labels, res.cut(threshold=0.003))   # the default
    assert np.array_equal(res.labels, res.cut())
    assert res.cut(n_segments=2).max() <= 3   # a merged pair may fall apart
    with pytest.raises(ValueError, match="merge"):
        ncut(img, 3, method="kway", return_info=True).cut(threshold=0.1)


def test_reported_ncut_value_is_the_naive_one(rng):
    img, _ = _quadrants(rng, (14, 16), noise=20)
    res = ncut(img, 3, radius=2, sigma_color=10, contour=False, method="kway",
               return_info=True, min_size=0)
    dense = _naive_affinity(rgb2lab(img), 2, 10.0, 4.0)
    assert np.allclose(res.affinity.toarray(), dense, rtol=1e-5, atol=1e-12)
    assert res.value == pytest.approx(_naive_ncut(dense, res.labels), rel=1e-5)
    assert res.eigenvectors.shape == (14 * 16, 3)


def test_contour_affinity_and_full_resolution_two_level_run(chelsea):
    img = chelsea[:150, :160]   # 24,000 pixels: the two-level solve
    res = ncut(img, 6, contour=True, return_info=True)
    assert_label_contract(res.labels, shape=img.shape[:2])
    assert 6 <= res.labels.max() <= 30
    assert np.all(np.isfinite(res.eigenvalues)) and res.eigenvalues[0] < 1e-6
    assert _residuals(res.affinity, res.eigenvalues, res.eigenvectors)[1:].max() < 0.1


def test_same_seed_same_labels_and_threads_do_not_matter(chelsea, one_thread):
    img = chelsea[40:110, 100:200]
    first = ncut(img, 8, rng=3)
    assert np.array_equal(first, ncut(img, 8, rng=3))
    assert np.array_equal(first, call_with_threads(2, "classicseg:ncut", img, 8, rng=3))


def test_recursive_threshold_stops_the_splits(rng):
    img, truth = _quadrants(rng)
    flat = ncut(img, None, method="recursive", sigma_color=1e4, contour=False,
                threshold=1e-3)
    assert flat.max() == 1   # any split of the (now uniform) graph costs > 0.01
    assert _same_partition(ncut(img, None, method="recursive", threshold=0.1), truth)


def test_registered_and_bad_input(rng):
    img, truth = _quadrants(rng)
    assert _same_partition(segment(img, "ncut", n_segments=4), truth)
    with pytest.raises(ValueError, match="n_segments must be >= 2"):
        ncut(img, 1)
    with pytest.raises(ValueError, match="exceeds the 4 pixels"):
        ncut(img[:2, :2], 5)
    with pytest.raises(TypeError, match="n_segments"):
        ncut(img, 2.5)
    with pytest.raises(ValueError, match="radius must be >= 1"):
        ncut(img, 2, radius=0.5)
    with pytest.raises(ValueError, match="sigma_color"):
        ncut(img, 2, sigma_color=0)
    with pytest.raises(ValueError, match="method"):
        ncut(img, 2, method="spectral")
    with pytest.raises(ValueError, match="n_segments is required with method='kway'"):
        ncut(img, None, method="kway")
    with pytest.raises(ValueError, match="n_initial must be >= 2"):
        ncut(img, 2, n_initial=1)
    noise = np.random.default_rng(0).integers(0, 255, (20, 20), np.uint8)
    with pytest.raises(ValueError, match="sigma_contour"):   # every pixel on an edge
        ncut(noise, 2, sigma_contour=1e-4, channel_axis=None)
    bad = img.astype(float) / 255
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="image"):
        ncut(bad, 2)
    with pytest.raises(ValueError, match="image"):
        ncut(np.zeros((2, 3, 4, 5)), 2)


@pytest.mark.parametrize("method", ["merge", "recursive"])
def test_a_single_pixel_is_refused_as_such(method):
    pixel = np.zeros((1, 1, 3), np.uint8)
    with pytest.raises(ValueError, match="image has 1 pixel: a cut needs at least 2"):
        ncut(pixel, method=method)
    with pytest.raises(ValueError, match="n_segments=2 exceeds the 1 pixels"):
        ncut(pixel, 2, method=method)


def test_command_line_segments_with_ncut(tmp_path):
    argv = ["segment", str(DATA / "coins.png"), "-o", str(tmp_path), "--method", "ncut",
            "--threshold", "0.004", "--n-initial", "30", "--format", "npy",
            "--no-overlay"]
    assert cli.main(argv) == 0
    want = ncut(read_image(DATA / "coins.png"), None, threshold=0.004, n_initial=30,
                channel_axis=None)
    got = np.load(tmp_path / "coins_labels.npy")
    assert np.array_equal(got, want)
    assert_label_contract(got, shape=want.shape)
    assert cli.main(argv[:6] + ["--cut", "kway"]) == 1   # kway needs --n-segments


def test_spectral_embedding_refuses_bad_graphs():
    with pytest.raises(ValueError, match="no edges"):
        spectral_embedding(sp.csr_matrix((5, 5)), 2)
    with pytest.raises(ValueError, match="NaN"):
        spectral_embedding(np.array([[0, np.nan], [np.nan, 0]]), 2)
    with pytest.raises(ValueError, match="symmetric"):
        spectral_embedding(np.array([[0, 1.0], [0.5, 0]]), 2)
    with pytest.raises(ValueError, match="negative"):
        spectral_embedding(np.array([[0, -1.0], [-1.0, 0]]), 2)
    with pytest.raises(ValueError, match="k must be"):
        spectral_embedding(np.array([[0, 1.0], [1.0, 0]]), 3)


# ------------------------------------------------------------------ superpixel Ncut

def test_superpixel_ncut_merges_tiles_into_the_quadrants(rng):
    img, truth = _quadrants(rng)
    tiles = slic(img, n=40, compactness=30)
    for n in (4, None):
        labels = ncut_superpixels(img, tiles, n)
        assert_label_contract(labels, shape=truth.shape)
        assert _same_partition(labels, truth), n


@pytest.mark.parametrize("contour, n", [(False, 30), (True, 30), (True, 200)])
def test_region_affinity_sums_the_pixel_graph(rng, contour, n):
    img, _ = _quadrants(rng, (37, 29))
    planes = np.ascontiguousarray(rgb2lab(img).transpose(2, 0, 1), np.float32)
    edges = rng.random(img.shape[:2]).astype(np.float32) * 0.05 if contour else None
    groups = slic(img, n=n).astype(np.int64) - 1   # 200: several groups per chunk
    groups[groups >= 5] += 1                 # group 5 has no pixel: an empty row
    m = int(groups.max()) + 1
    groups[:3, :4] = m                       # pixels of no group are left out
    W = pixel_affinity(planes, 3.0, 20.0, 4.0, edges, 0.03)
    P = sp.csr_matrix((np.ones(groups.size), (np.arange(groups.size), groups.ravel())),
                      shape=(groups.size, m + 1))[:, :m]
    expected = (P.T @ W @ P).toarray()
    got = region_affinity(planes, groups, m, 3.0, 20.0, 4.0, edges, 0.03).toarray()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_superpixel_merge_on_pixel_weights(rng):
    img, truth = _quadrants(rng)
    tiles = slic(img, n=40, compactness=30)
    tiles[:2, :2] = 0                        # no region: stays 0
    labels, graph, W, value = ncut_superpixels(img, tiles, 4, return_info=True)
    assert (labels[:2, :2] == 0).all()
    inside = labels > 0
    assert _same_partition(labels[inside], truth[inside])
    first = np.unique(tiles.ravel(), return_index=True)[1][1:]   # a pixel per tile
    assert value == pytest.approx(_naive_ncut(W.toarray(), labels.ravel()[first]))
    assert W.diagonal().min() > 0            # internal associations
    plain = ncut_superpixels(img, tiles, 4, pixel_graph={"contour": False,
                                                         "radius": 3})
    assert _same_partition(plain[inside], truth[inside])


def test_superpixel_ncut_on_skimages_graph_beats_its_cut(chelsea):
    from skimage import graph as skgraph
    img = chelsea[:150, :200]
    tiles = slic(img, n=150)
    rag = skgraph.rag_mean_color(img, tiles, mode="similarity")   # exp(-d^2 / 255)
    edges = {(u, v): data["weight"] for u, v, data in rag.edges(data=True)}
    theirs = skgraph.cut_normalized(tiles, rag, rng=0)   # adds self-loops to rag
    first = np.unique(tiles.ravel(), return_index=True)[1]   # a pixel of each tile
    k = len(np.unique(theirs.ravel()[first]))
    labels, graph, W, value = ncut_superpixels(
        img, tiles, max(k, 2), sigma=np.sqrt(255.0), weight="similarity",
        color_space="image", connectivity=2, return_info=True)
    for (u, v), weight in edges.items():   # the same weighted graph
        assert W[u - 1, v - 1] == pytest.approx(weight)
    assert W.nnz == 2 * len(edges)
    assert_label_contract(labels, shape=tiles.shape)
    assert value == pytest.approx(_naive_ncut(W.toarray(), labels.ravel()[first]))
    theirs_value = ncut_value(W, theirs.ravel()[first])
    assert value <= theirs_value + 1e-9, (value, theirs_value, k)


def test_superpixel_ncut_bad_input(rng):
    img, _ = _quadrants(rng)
    tiles = slic(img, n=20)
    with pytest.raises(ValueError, match="exceeds the"):
        ncut_superpixels(img, tiles, int(tiles.max()) + 1)
    with pytest.raises(ValueError, match="no edges"):
        ncut_superpixels(img, np.ones(img.shape[:2], np.int32), None)
    with pytest.raises(ValueError, match="n_segments must be >= 2"):
        ncut_superpixels(img, tiles, 1)
    with pytest.raises(ValueError, match="image"):
        ncut_superpixels(img[:10], tiles)
    with pytest.raises(ValueError, match="sigma"):
        ncut_superpixels(img, tiles, 2, sigma=-1)
    with pytest.raises(ValueError, match="needs weight='pixel'"):
        ncut_superpixels(img, tiles, 2, weight="boundary", method="merge")
    with pytest.raises(ValueError, match="unknown.*'sigma'"):
        ncut_superpixels(img, tiles, 2, pixel_graph={"sigma": 3})
    with pytest.raises(ValueError, match="radius"):
        ncut_superpixels(img, tiles, 2, pixel_graph={"radius": 0.5})
