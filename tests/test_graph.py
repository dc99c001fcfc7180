"""The region adjacency graph: edges, boundary lengths and gradients against a naive
pixel scan, region statistics against NumPy per region, colours and edges against
scikit-image's RAG, the networkx round trip, and the documented errors."""
import itertools
import math
import subprocess
import sys

import numpy as np
import pytest

import classicseg
from classicseg import gradient_magnitude, rgb2lab
from classicseg.graph import RegionAdjacencyGraph, region_adjacency_graph


def naive_pairs(labels, connectivity, gradient):
    """{(a, b): [(g[p] + g[q]) / 2 of each neighbouring pixel pair]}, a < b labels > 0:
    every pixel p against every neighbour q, the pair taken from the side where
    labels[p] < labels[q] (so once)."""
    pairs = {}
    for p in np.ndindex(labels.shape):
        for step in itertools.product((-1, 0, 1), repeat=labels.ndim):
            q = tuple(i + s for i, s in zip(p, step))
            if not (0 < np.count_nonzero(step) <= connectivity
                    and all(0 <= i < n for i, n in zip(q, labels.shape))):
                continue
            a, b = labels[p], labels[q]
            if 0 < a < b:
                pairs.setdefault((a, b), []).append((gradient[p] + gradient[q]) / 2)
    return pairs


def naive_region_stats(labels, features):
    """Per label 1..K: pixel count, mean coordinates and mean features (NumPy)."""
    k = labels.max()
    size = np.array([(labels == n).sum() for n in range(1, k + 1)])
    with np.errstate(invalid="ignore", divide="ignore"):   # empty regions: NaN
        centroid = np.array([np.argwhere(labels == n).sum(0) / (labels == n).sum()
                             for n in range(1, k + 1)])
        color = np.array([features[labels == n].sum(0) / (labels == n).sum()
                          for n in range(1, k + 1)])
    return size, centroid, color


def block_labels(shape, side, rng):
    """Square blocks of ``side`` numbered 1..K, a few pixels relabelled at random."""
    grid = np.indices(shape) // side
    cols = -(-shape[-1] // side)
    labels = 1 + grid[-2] * cols + grid[-1]
    noise = rng.random(shape) < 0.05
    labels[noise] = rng.integers(1, labels.max() + 1, noise.sum())
    return labels


# --------------------------------------------------------------------- edges

@pytest.mark.parametrize("shape, connectivity", [((9, 11), 1), ((9, 11), 2),
                                                 ((4, 5, 6), 1), ((4, 5, 6), 3)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_edges_lengths_and_boundary_gradient_equal_a_naive_scan(shape, connectivity,
                                                                 seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(-1, 7, shape)   # 0 and -1: no region
    gradient = rng.random(shape)
    rag = region_adjacency_graph(labels, connectivity=connectivity, gradient=gradient)
    expected = naive_pairs(labels, connectivity, gradient)
    assert rag.n_nodes == labels.max() and rag.n_edges == len(expected)
    assert rag.edges.dtype == rag.boundary_length.dtype == np.int64
    assert rag.edges.tolist() == sorted([a - 1, b - 1] for a, b in expected)
    assert rag.boundary_length.tolist() == [len(expected[a + 1, b + 1])
                                            for a, b in rag.edges]
    np.testing.assert_allclose(rag.boundary_gradient,
                               [np.mean(expected[a + 1, b + 1]) for a, b in rag.edges],
                               rtol=1e-12)
    assert rag.mean_color is None


def test_float32_gradient_gives_float64_boundary_means():
    rng = np.random.default_rng(3)
    labels = rng.integers(1, 5, (10, 12))
    gradient = rng.random((10, 12)).astype(np.float32)
    rag = region_adjacency_graph(labels, gradient=gradient)
    expected = naive_pairs(labels, 1, gradient.astype(np.float64))
    assert rag.boundary_gradient.dtype == np.float64
    np.testing.assert_allclose(rag.boundary_gradient,
                               [np.mean(expected[a + 1, b + 1]) for a, b in rag.edges],
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_label_dtypes_give_the_same_graph(dtype):
    labels = np.random.default_rng(4).integers(0, 6, (8, 9))
    ref = region_adjacency_graph(labels)
    rag = region_adjacency_graph(labels.astype(dtype))
    for name in ("edges", "boundary_length", "size"):
        assert np.array_equal(getattr(rag, name), getattr(ref, name)), name
    assert np.array_equal(rag.centroid, ref.centroid, equal_nan=True)


def test_adjacency_is_symmetric_and_holds_the_edge_weights():
    rng = np.random.default_rng(5)
    labels = rng.integers(1, 8, (10, 10))
    rag = region_adjacency_graph(labels, connectivity=2)
    i, j = rag.edges.T
    for weights in (None, rng.random(rag.n_edges)):
        matrix = rag.adjacency(weights)
        expected = rag.boundary_length if weights is None else weights
        assert matrix.shape == (rag.n_nodes, rag.n_nodes) and matrix.dtype == np.float64
        assert (matrix != matrix.T).nnz == 0 and matrix.diagonal().sum() == 0
        assert matrix.nnz == 2 * rag.n_edges
        assert np.array_equal(np.asarray(matrix[i, j]).ravel(), expected)
    assert np.array_equal(rag.degree(), np.diff(rag.adjacency().indptr))
    assert rag.degree().dtype == np.int64


# --------------------------------------------------------------------- regions

@pytest.mark.parametrize("shape", [(12, 15), (3, 6, 7)])
def test_size_centroid_and_lab_mean_color_equal_naive_numpy(shape):
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 9, shape)
    labels[labels == 3] = 0   # label 3 absent: a size-0 node
    image = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    rag = region_adjacency_graph(labels, image)
    size, centroid, color = naive_region_stats(labels, rgb2lab(image))
    assert rag.n_nodes == 8 and rag.size.dtype == np.int64
    assert np.array_equal(rag.size, size)
    assert rag.centroid.shape == (8, len(shape))
    assert np.array_equal(rag.centroid, centroid, equal_nan=True)   # exact
    # CIELAB in float32 (as everywhere in classicseg), summed in float64
    np.testing.assert_allclose(rag.mean_color, color, rtol=1e-5, atol=1e-4)
    assert np.isnan(rag.mean_color[2]).all() and np.isnan(rag.centroid[2]).all()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("channels", [None, 2, 3])
def test_mean_color_of_each_color_space_equals_naive_numpy(dtype, channels):
    rng = np.random.default_rng(7)
    labels = rng.integers(1, 6, (9, 10))
    shape = (9, 10) if channels is None else (9, 10, channels)
    if np.dtype(dtype).kind == "f":
        image = rng.random(shape).astype(dtype)
    else:
        image = rng.integers(0, min(np.iinfo(dtype).max, 60000), shape).astype(dtype)
    axis = None if channels is None else -1
    raw = image.astype(np.float64)
    if channels is None:
        raw = raw[..., None]
    scaled = raw / np.iinfo(dtype).max if np.dtype(dtype).kind in "iu" else raw
    for color_space, features in (("image", raw),
                                  ("auto", rgb2lab(image) if channels == 3 else scaled)):
        rag = region_adjacency_graph(labels, image, color_space=color_space,
                                     channel_axis=axis)
        tolerance = 1e-4 if color_space == "auto" and channels == 3 else 1e-12
        np.testing.assert_allclose(rag.mean_color,
                                   naive_region_stats(labels, features)[2],
                                   rtol=tolerance, atol=tolerance)
    if channels == 3:
        lab = region_adjacency_graph(labels, image, color_space="lab")
        assert np.array_equal(lab.mean_color,
                              region_adjacency_graph(labels, image).mean_color)


def test_rgba_uses_lab_of_rgb_and_channel_axis_is_honoured():
    rng = np.random.default_rng(8)
    labels = rng.integers(1, 5, (8, 8))
    rgba = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
    rag = region_adjacency_graph(labels, rgba)
    assert rag.mean_color.shape == (4, 3)
    assert np.array_equal(rag.mean_color,
                          region_adjacency_graph(labels, rgba[..., :3]).mean_color)
    first = region_adjacency_graph(labels, np.moveaxis(rgba[..., :3], -1, 0),
                                   channel_axis=0)
    assert np.array_equal(first.mean_color, rag.mean_color)
    assert region_adjacency_graph(labels, rgba, color_space="image").mean_color.shape \
        == (4, 4)


def test_default_gradient_is_the_gradient_magnitude_of_the_image():
    rng = np.random.default_rng(9)
    labels = block_labels((20, 24), 6, rng)
    image = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    rag = region_adjacency_graph(labels, image)
    given = region_adjacency_graph(labels, image, gradient=gradient_magnitude(image))
    assert np.array_equal(rag.boundary_gradient, given.boundary_gradient)
    expected = naive_pairs(labels, 1, gradient_magnitude(image).astype(np.float64))
    np.testing.assert_allclose(rag.boundary_gradient,
                               [np.mean(expected[a + 1, b + 1]) for a, b in rag.edges],
                               rtol=1e-12)


def test_mean_color_and_edges_match_skimage_rag_mean_color(chelsea):
    from skimage import graph as skgraph

    image = chelsea[100:140, 150:200]
    labels = block_labels(image.shape[:2], 7, np.random.default_rng(10))
    s = 300.0
    reference = skgraph.rag_mean_color(image, labels, mode="similarity", sigma=s)
    rag = region_adjacency_graph(labels, image, color_space="image", connectivity=2)
    assert sorted(reference.nodes) == list(range(1, rag.n_nodes + 1))
    np.testing.assert_allclose(
        rag.mean_color,
        [reference.nodes[n]["mean color"] for n in range(1, rag.n_nodes + 1)],
        rtol=1e-12)
    assert sorted(tuple(sorted(e)) for e in reference.edges) \
        == [(a + 1, b + 1) for a, b in rag.edges]
    np.testing.assert_allclose(
        rag.similarity(math.sqrt(s)),
        [reference.edges[a + 1, b + 1]["weight"] for a, b in rag.edges], rtol=1e-12)


# --------------------------------------------------------------------- hand-worked

def test_two_regions_by_hand():
    labels = np.array([[1, 1, 2, 2],
                       [1, 1, 2, 2]])
    gray = np.array([[0.2, 0.2, 0.5, 0.5],
                     [0.2, 0.2, 0.5, 0.5]])
    rag = region_adjacency_graph(labels, gray, channel_axis=None)
    assert rag.edges.tolist() == [[0, 1]] and rag.boundary_length.tolist() == [2]
    assert rag.size.tolist() == [4, 4]
    assert rag.centroid.tolist() == [[0.5, 0.5], [0.5, 2.5]]
    np.testing.assert_allclose(rag.color_distance(), [0.3])
    np.testing.assert_allclose(rag.similarity(0.3), [math.exp(-1)])
    np.testing.assert_allclose(rag.similarity(0.6), [math.exp(-0.25)])
    # the step's Sobel derivative is 0.3 on both sides: magnitude 0.3 / sqrt(ndim)
    np.testing.assert_allclose(rag.boundary_gradient, [0.3 / math.sqrt(2)], rtol=1e-6)
    assert rag.adjacency().toarray().tolist() == [[0, 2], [2, 0]]
    assert rag.degree().tolist() == [1, 1]


def test_absent_labels_are_isolated_nodes_of_size_zero():
    labels = np.array([[1, 1, 4],
                       [1, 1, 4]])
    rag = region_adjacency_graph(labels, np.zeros((2, 3)), channel_axis=None)
    assert rag.n_nodes == 4 and rag.edges.tolist() == [[0, 3]]
    assert rag.size.tolist() == [4, 0, 0, 2] and rag.degree().tolist() == [1, 0, 0, 1]
    assert np.isnan(rag.centroid[1:3]).all() and np.isnan(rag.mean_color[1:3]).all()
    assert np.isfinite(rag.centroid[[0, 3]]).all()


def test_zero_and_negative_labels_are_nobodys_neighbour():
    labels = np.array([[1, 0, 2],
                       [1, -1, 2],
                       [0, 0, 0],
                       [3, 3, 0]])
    rag = region_adjacency_graph(labels, connectivity=2)
    assert rag.n_nodes == 3 and rag.n_edges == 0 and rag.size.tolist() == [2, 2, 2]
    empty = region_adjacency_graph(np.zeros((3, 3), int))
    assert empty.n_nodes == 0 and empty.edges.shape == (0, 2)
    assert empty.centroid.shape == (0, 2) and empty.adjacency().shape == (0, 0)


def test_single_region_has_no_edges():
    rag = region_adjacency_graph(np.ones((5, 6), int), np.zeros((5, 6, 3), np.uint8))
    assert rag.n_nodes == 1 and rag.n_edges == 0 and rag.edges.shape == (0, 2)
    assert rag.boundary_gradient.shape == rag.similarity(1.0).shape == (0,)
    assert rag.adjacency().nnz == 0 and rag.degree().tolist() == [0]
    assert rag.centroid.tolist() == [[2.0, 2.5]]


def test_inputs_are_not_modified_and_arrays_are_read_only():
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 5, (8, 9))
    image = rng.random((8, 9, 3))
    gradient = rng.random((8, 9))
    copies = labels.copy(), image.copy(), gradient.copy()
    rag = region_adjacency_graph(labels, image, gradient=gradient)
    for original, copy in zip((labels, image, gradient), copies):
        assert np.array_equal(original, copy)
    for name in ("edges", "boundary_length", "size", "centroid", "mean_color",
                 "boundary_gradient"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(rag, name)[...] = 0
    with pytest.raises(AttributeError):
        rag.n_nodes = 3


# --------------------------------------------------------------------- networkx

def _graphs():
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 7, (10, 11))
    labels[labels == 2] = 0   # absent label: NaN centroid and colour
    image = rng.integers(0, 256, (10, 11, 3), dtype=np.uint8)
    return [region_adjacency_graph(labels, image),
            region_adjacency_graph(labels, connectivity=2),
            region_adjacency_graph(np.ones((3, 3), int), image[:3, :3]),
            region_adjacency_graph(np.zeros((2, 2), int), image[:2, :2]),
            region_adjacency_graph(rng.integers(1, 4, (3, 4, 5)), connectivity=3)]


@pytest.mark.parametrize("index", range(5))
def test_to_networkx_and_back_round_trips_exactly(index):
    rag = _graphs()[index]
    back = RegionAdjacencyGraph.from_networkx(rag.to_networkx())
    assert back.n_nodes == rag.n_nodes
    for name in ("edges", "boundary_length", "size", "centroid", "mean_color",
                 "boundary_gradient"):
        a, b = getattr(rag, name), getattr(back, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name


def test_to_networkx_has_the_labels_as_nodes_and_the_statistics_as_attributes():
    rag = _graphs()[0]
    weights = rag.similarity(20.0)
    graph = rag.to_networkx(weights, name="weight")
    assert sorted(graph.nodes) == list(range(1, rag.n_nodes + 1))
    assert sorted(graph.edges) == [(a + 1, b + 1) for a, b in rag.edges]
    node = graph.nodes[4]
    assert node["labels"] == [4] and node["pixel count"] == rag.size[3]
    assert node["centroid"] == tuple(rag.centroid[3])
    assert np.array_equal(node["mean color"], rag.mean_color[3])
    for e, (a, b) in enumerate(rag.edges):
        data = graph.edges[a + 1, b + 1]
        assert data == {"weight": weights[e], "boundary_length": rag.boundary_length[e],
                        "boundary_gradient": rag.boundary_gradient[e]}
    bare = _graphs()[1].to_networkx()
    assert "mean color" not in bare.nodes[1]
    assert set(bare.edges[next(iter(bare.edges))]) == {"boundary_length"}


def test_from_networkx_of_a_graph_built_by_hand():
    import networkx as nx

    graph = nx.Graph()
    graph.add_node(2, **{"pixel count": 3, "centroid": (1.0, 2.0)})
    graph.add_node(1, **{"pixel count": 5, "centroid": (0.0, 0.5)})
    graph.add_edge(2, 1, boundary_length=4)
    rag = RegionAdjacencyGraph.from_networkx(graph)
    assert rag.edges.tolist() == [[0, 1]] and rag.size.tolist() == [5, 3]
    assert rag.mean_color is None and rag.boundary_gradient is None


# --------------------------------------------------------------------- package

def test_graph_is_a_lazy_attribute_of_the_package():
    assert classicseg.region_adjacency_graph is region_adjacency_graph
    assert classicseg.RegionAdjacencyGraph is RegionAdjacencyGraph
    assert classicseg.graph.region_adjacency_graph is region_adjacency_graph
    code = ("import sys, classicseg; "
            "print([m for m in ('classicseg.graph', 'networkx') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


# --------------------------------------------------------------------- bad input

_L = np.array([[1, 1, 2], [1, 3, 2]])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(labels=np.ones(4, int)), ValueError, "labels has 1 dimensions"),
    (dict(labels=np.ones((2, 2, 2, 2), int)), ValueError, "labels has 4 dimensions"),
    (dict(labels=_L.astype(float)), TypeError, "labels has float dtype"),
    (dict(labels=_L * 2 ** 40), ValueError, "number the regions 1..K first"),
    (dict(connectivity=3), ValueError, "connectivity must be an int in 1..2"),
    (dict(connectivity=0), ValueError, "connectivity"),
    (dict(image=np.zeros((3, 3, 3))), ValueError,
     r"image has spatial shape \(3, 3\) but labels has shape \(2, 3\)"),
    (dict(image=np.zeros((2, 3))), ValueError, "channel_axis=None"),
    (dict(image=np.full((2, 3, 3), np.nan)), ValueError, "image contains NaN"),
    (dict(image=np.full((2, 3), np.nan), channel_axis=None), ValueError,
     "image contains NaN"),
    (dict(image=np.zeros((2, 3), complex), channel_axis=None), TypeError, "image"),
    (dict(gradient=np.zeros((3, 2))), ValueError,
     r"gradient has shape \(3, 2\) but labels has shape \(2, 3\)"),
    (dict(gradient=np.array([[0, 1, np.inf], [0, 0, 0]])), ValueError,
     "gradient contains inf"),
    (dict(gradient=np.zeros((2, 3), object)), TypeError, "gradient"),
    (dict(image=np.zeros((2, 3, 3)), color_space="rgb"), ValueError,
     "color_space must be 'auto', 'lab' or 'image', got 'rgb'"),
    (dict(color_space=None), ValueError, "color_space"),
    (dict(image=np.zeros((2, 3)), channel_axis=None, color_space="lab"), ValueError,
     "color_space='lab' needs an RGB image"),
    (dict(image=np.zeros((2, 3, 2)), color_space="lab"), ValueError,
     "color_space='lab' needs an RGB image"),
])
def test_bad_input_names_the_argument(kwargs, error, match):
    kwargs = dict(labels=_L, **kwargs) if "labels" not in kwargs else kwargs
    with pytest.raises(error, match=match):
        region_adjacency_graph(**kwargs)


def test_3d_gray_volume_with_the_default_channel_axis_says_how_to_fix_it():
    labels = np.ones((2, 3, 4), int)
    with pytest.raises(ValueError, match="pass channel_axis=None for a gray image"):
        region_adjacency_graph(labels, np.zeros((2, 3, 4)))
    rag = region_adjacency_graph(labels, np.zeros((2, 3, 4)), channel_axis=None)
    assert rag.mean_color.shape == (1, 1)


@pytest.mark.parametrize("sigma, error", [(0, ValueError), (-1.0, ValueError),
                                          (float("nan"), ValueError),
                                          (float("inf"), ValueError),
                                          ("1", TypeError), (None, TypeError)])
def test_bad_sigma(sigma, error):
    rag = region_adjacency_graph(_L, np.zeros((2, 3)), channel_axis=None)
    with pytest.raises(error, match="sigma"):
        rag.similarity(sigma)


def test_methods_and_constructors_refuse_bad_arguments():
    rag = region_adjacency_graph(_L)
    with pytest.raises(ValueError, match="color_distance needs mean colours"):
        rag.color_distance()
    with pytest.raises(ValueError, match=r"weights has shape \(2,\); expected \(3,\)"):
        rag.adjacency(np.ones(2))
    with pytest.raises(ValueError, match="weights contains NaN"):
        rag.to_networkx(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(TypeError, match="weights must be an array of numbers"):
        rag.adjacency(np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="name must be a string other than"):
        rag.to_networkx(np.ones(3), name="boundary_length")
    graph = rag.to_networkx()
    graph.add_node(7)
    with pytest.raises(ValueError, match="labels 1..K as nodes"):
        RegionAdjacencyGraph.from_networkx(graph)
    graph = rag.to_networkx()
    del graph.edges[1, 2]["boundary_length"]
    with pytest.raises(ValueError, match="graph edges lack the 'boundary_length'"):
        RegionAdjacencyGraph.from_networkx(graph)
    with pytest.raises(ValueError, match="edges must be node pairs"):
        RegionAdjacencyGraph(2, [[1, 0]], [1], [1, 1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"size has shape \(3,\); expected \(2,\)"):
        RegionAdjacencyGraph(2, [[0, 1]], [1], [1, 1, 1], np.zeros((2, 2)))
    with pytest.raises(TypeError, match="edges has dtype float64"):
        RegionAdjacencyGraph(2, [[0.0, 1.0]], [1], [1, 1], np.zeros((2, 2)))
