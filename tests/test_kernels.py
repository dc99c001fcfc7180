"""classicseg._kernels, the shared kernel primitives, and the kernel cache they need."""
import heapq
import importlib

import numpy as np
import pytest
import scipy.ndimage as ndi

from classicseg import _numba
from classicseg._kernels import (find, neighbour_steps, number_sets, raveled_offsets,
                                 region_adjacency, union)
from classicseg._kernels.boundary import (BLOCK, RIGHT_DOWN, boundary_map, boundary_steps,
                                          label_boundaries, subpixel_boundary_map)
from classicseg._kernels.heap import heap_grow, heap_new, heap_pop, heap_push
from classicseg._kernels.runs import label_runs
from classicseg._numba import jit

import naive


def test_cached_kernels_are_stale_when_a_shared_primitive_changes(tmp_path, monkeypatch):
    module = tmp_path / "algo.py"
    module.write_text("def kernel(): pass\n")
    shared = tmp_path / "_kernels"
    shared.mkdir()
    (shared / "heap.py").write_text("A = 1\n")
    monkeypatch.setattr(_numba, "_SHARED", str(shared))
    before = _numba._package_stamp(str(module))
    assert _numba._package_stamp(str(module)) == before
    (shared / "heap.py").write_text("A = 22\n")
    assert _numba._package_stamp(str(module)) != before


def test_package_kernels_use_the_package_stamp():
    from classicseg.slic import _slic_kernel
    locator = _slic_kernel._cache._impl.locator
    assert type(locator).__name__.startswith("PackageStamped")
    assert locator.get_source_stamp() == _numba._package_stamp(
        importlib.import_module("classicseg.slic").__file__)


# --------------------------------------------------------------------- adjacency

def _naive_adjacency(labels, connectivity):
    """Every pixel against every neighbour, in Python: {(a, b): pairs} with a < b."""
    from itertools import product
    counts = {}
    shape = labels.shape
    for p in np.ndindex(shape):
        for step in product((-1, 0, 1), repeat=labels.ndim):
            if not 0 < sum(map(abs, step)) <= connectivity:
                continue
            q = tuple(i + s for i, s in zip(p, step))
            if step < (0,) * labels.ndim or not all(0 <= i < n for i, n in zip(q, shape)):
                continue
            a, b = labels[p], labels[q]
            if a > 0 and b > 0 and a != b:
                key = (min(a, b), max(a, b))
                counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize("shape, connectivity", [((9, 11), 1), ((9, 11), 2),
                                                 ((4, 5, 6), 1), ((4, 5, 6), 3)])
def test_region_adjacency_equals_a_naive_scan(shape, connectivity):
    labels = np.random.default_rng(1).integers(0, 7, shape)
    rag = region_adjacency(labels, connectivity)
    assert rag.shape == (6, 6) and (rag != rag.T).nnz == 0 and rag.diagonal().sum() == 0
    got = {(i + 1, j + 1): int(v) for (i, j), v in rag.todok().items() if i < j}
    assert got == _naive_adjacency(labels, connectivity)


def test_region_adjacency_ignores_zero_and_keeps_isolated_regions():
    labels = np.array([[1, 0, 2],
                       [1, 0, 2],
                       [0, 0, 0],
                       [3, 3, 0]])
    rag = region_adjacency(labels)
    assert rag.shape == (3, 3) and rag.nnz == 0
    assert region_adjacency(np.zeros((2, 2), int)).shape == (0, 0)


@pytest.mark.parametrize("labels, connectivity, match", [
    (np.zeros(4, int), 1, "expected a 2-D or 3-D"),
    (np.zeros((2, 2)), 1, "float dtype"),
    (np.zeros((2, 2), int), 3, "connectivity must be an int in 1..2"),
])
def test_region_adjacency_bad_input(labels, connectivity, match):
    with pytest.raises((ValueError, TypeError), match=match):
        region_adjacency(labels, connectivity)


# --------------------------------------------------------------------- neighbours, sets

def test_neighbour_steps_are_ordered_by_distance_then_raster():
    assert neighbour_steps(2, 1).tolist() == [[-1, 0], [0, -1], [0, 1], [1, 0]]
    steps = neighbour_steps(3, 3)
    assert len(steps) == 26
    dist = (steps ** 2).sum(axis=1)
    assert (np.diff(dist) >= 0).all()
    assert raveled_offsets((4, 5), 1).tolist() == [-7, -1, 1, 7]


@pytest.mark.parametrize("ndim, connectivity",
                         [(n, c) for n in (1, 2, 3, 4) for c in range(1, n + 1)])
def test_neighbour_steps_are_scipys_footprint(ndim, connectivity):
    raster = np.argwhere(ndi.generate_binary_structure(ndim, connectivity)) - 1
    by_distance = raster[np.argsort((raster ** 2).sum(axis=1), kind="stable")]
    assert neighbour_steps(ndim, connectivity).tolist() == by_distance[1:].tolist()


@jit
def _components(pairs, n):
    parent = np.arange(n)
    for i in range(pairs.shape[0]):
        union(parent, pairs[i, 0], pairs[i, 1])
    return np.array([find(parent, i) for i in range(n)])


def test_union_find_roots_are_the_first_member():
    roots = _components(np.array([[4, 2], [5, 4], [1, 3]]), 6)
    assert roots.tolist() == [0, 1, 2, 1, 2, 2]


# --------------------------------------------------------------------- heap

@jit
def _heap_run(ops, values, ages, log2_arity):
    """Replay ``ops`` (1 = push entry k = values[k], ages[k]; 0 = pop) on the shared
    heap; returns the index of every popped entry, in pop order."""
    hv, ha, hi, hs = heap_new(1, values.dtype)
    n = 0
    k = 0
    popped = np.empty(ops.size, np.int64)
    m = 0
    for op in ops:
        if op:
            if n == hv.size:
                hv, ha, hi, hs = heap_grow(hv, ha, hi, hs)
            heap_push(hv, ha, hi, hs, n, values[k], ages[k], k, -k, log2_arity)
            n += 1
            k += 1
        else:
            popped[m] = hi[0] if hs[0] == -hi[0] else -1   # the payload rides along
            m += 1
            heap_pop(hv, ha, hi, hs, n, log2_arity)
            n -= 1
    return popped[:m]


def _random_ops(rng, n_push):
    """Pushes and pops in random order, never popping an empty heap, then drain."""
    ops, size = [], 0
    while n_push or size:
        if n_push and (size == 0 or rng.random() < 0.6):
            ops.append(1)
            n_push, size = n_push - 1, size + 1
        else:
            ops.append(0)
            size -= 1
    return np.array(ops, np.int64)


@pytest.mark.parametrize("log2_arity", [1, 2, 3])
def test_heap_pops_by_value_then_age(log2_arity):
    values = np.array([3.0, 1.0, 2.0, 1.0, 3.0, 1.0, -np.inf, 2.0])
    ages = np.array([0, 5, 1, 4, 2, 3, 7, 6])   # ties on value: the younger age first
    ops = np.ones(values.size, np.int64)
    popped = _heap_run(np.concatenate([ops, 0 * ops]), values, ages, log2_arity)
    assert popped.tolist() == [6, 5, 3, 1, 2, 7, 0, 4]


@pytest.mark.parametrize("log2_arity", [1, 2])
@pytest.mark.parametrize("seed", range(3))
def test_heap_random_sequences_equal_heapq(log2_arity, seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 20, 500).astype(np.float64)   # many equal values
    ages = rng.permutation(500)                             # unique (value, age)
    ops = _random_ops(rng, 500)
    want, heap, k = [], [], 0
    for op in ops:
        if op:
            heapq.heappush(heap, (values[k], ages[k], k))
            k += 1
        else:
            want.append(heapq.heappop(heap)[2])
    assert _heap_run(ops, values, ages, log2_arity).tolist() == want


def test_binary_heap_with_a_constant_age_pops_ties_as_the_textbook_heap():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, 400)   # int64 values, all ages 0: only ties
    ops = _random_ops(rng, 400)
    want, heap, k = [], naive.BinaryHeap(), 0
    for op in ops:
        if op:
            heap.push(values[k], k)
            k += 1
        else:
            want.append(heap.pop()[1])
    got = _heap_run(ops, values, np.zeros(400, np.int64), 1)
    assert got.tolist() == want
    assert got.tolist() != sorted(want, key=lambda k: (values[k], k))  # not FIFO


# --------------------------------------------------------------------- runs

@pytest.mark.parametrize("shape", [(1, 9, 13), (4, 6, 7), (1, 1, 0), (2, 3, 1)])
@pytest.mark.parametrize("masked", [False, True])
def test_label_runs_equal_a_naive_scan(shape, masked):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, shape).astype(np.int32)
    mask = rng.random(shape) < 0.8 if masked else np.ones(shape, bool)
    row_start, x0, x1, value = label_runs(labels, mask)
    rows = np.repeat(np.arange(shape[0] * shape[1]), np.diff(row_start))
    got = list(zip(rows.tolist(), x0.tolist(), x1.tolist(), value.tolist()))
    assert got == naive.row_runs(labels, mask)


def test_label_runs_take_any_nonzero_as_inside():
    labels = np.array([[[0, 2, 2, 0, 5, 5, 5]]])
    _, x0, x1, value = label_runs(labels, labels)
    assert (x0.tolist(), x1.tolist(), value.tolist()) == ([1, 4], [3, 7], [2, 5])


# --------------------------------------------------------------------- boundaries

@pytest.mark.parametrize("shape", [(12, 15), (5, 6, 7)])
@pytest.mark.parametrize("mode", ["thick", "inner", "outer"])
def test_boundary_map_equals_skimage(shape, mode):
    from skimage.segmentation import find_boundaries
    labels = np.random.default_rng(4).integers(0, 4, shape).astype(np.int32)
    lab = labels.reshape((1,) * (3 - labels.ndim) + shape)
    for connectivity in range(1, labels.ndim + 1):
        out = np.empty(lab.shape, np.uint8)
        boundary_map(lab, boundary_steps(labels.ndim, connectivity),
                     boundary_steps(labels.ndim, labels.ndim),
                     ("thick", "inner", "outer").index(mode), 1, 2 ** 31 - 1, out)
        want = find_boundaries(labels, connectivity, mode=mode, background=1)
        assert np.array_equal(out.reshape(shape).view(bool), want), connectivity


@pytest.mark.parametrize("shape", [(7, 9), (3, 4, 5)])
def test_subpixel_boundary_map_equals_skimage(shape):
    from skimage.segmentation import find_boundaries
    labels = np.random.default_rng(5).integers(0, 3, shape).astype(np.int32)
    labels[0, 0] = 2 ** 31 - 1   # the dtype maximum does not count as a label
    lab = labels.reshape((1,) * (3 - labels.ndim) + shape)
    out = np.empty(tuple(2 * s - 1 for s in lab.shape), bool)
    subpixel_boundary_map(lab, 2 ** 31 - 1, out)
    want = find_boundaries(labels, mode="subpixel")
    assert np.array_equal(out.reshape(want.shape), want)


@pytest.mark.parametrize("steps", [RIGHT_DOWN, BLOCK])
def test_label_boundaries_along_steps_equal_a_naive_scan(steps):
    labels = np.random.default_rng(6).integers(0, 3, (1, 10, 12))
    assert np.array_equal(label_boundaries(labels, steps).view(bool),
                          naive.boundaries_along(labels, steps.tolist()))


@pytest.mark.parametrize("shape", [(10, 12), (1, 7), (6, 1), (1, 1)])
def test_block_steps_give_bsds_seg2bdry(shape):
    labels = np.random.default_rng(8).integers(0, 3, (1,) + shape)
    assert np.array_equal(label_boundaries(labels, BLOCK).view(bool)[0],
                          naive.seg2bdry(labels[0]))


def test_number_sets_numbers_members_by_root_order():
    parent = np.arange(7)
    for a, b in [(5, 2), (6, 0), (3, 4)]:
        _union_pair(parent, a, b)
    member = np.array([1, 1, 1, 1, 1, 0, 1], bool)   # 5 is left out, its set is not
    numbers, k = _number_sets(parent, member)
    assert k == 4 and numbers.tolist() == [1, 2, 3, 4, 4, 0, 1]


@jit
def _union_pair(parent, a, b):
    union(parent, a, b)


@jit
def _number_sets(parent, member):
    return number_sets(parent, member)
