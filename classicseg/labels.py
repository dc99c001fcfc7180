"""Label-map utilities shared by every segmenter.

The label contract of classicseg: ``int32`` maps, segments numbered ``1..K`` without
gaps, ``0`` for "no segment".  :func:`enforce_connectivity` makes every segment
4-connected (6-connected in 3-D) and merges fragments that are too small;
:func:`relabel_sequential` renumbers; :func:`adjust_segment_count` reaches an exact
number of segments by merging the most similar small ones or splitting the largest.
"""
import numpy as np

from ._kernels.adjacency import region_adjacency
from ._kernels.heap import heap_new, heap_pop, heap_push
from ._kernels.runs import label_runs as _label_runs
from ._kernels.unionfind import find as _find
from ._kernels.unionfind import number_sets
from ._kernels.unionfind import union as _union
from ._lazy import lazy_module
from ._numba import jit, prange
from ._validate import check_label_map, check_mask, check_positive

__all__ = ["adjust_segment_count", "enforce_connectivity", "relabel_sequential"]

sparse = lazy_module("scipy.sparse")


# ------------------------------------------------------------------ relabelling

def relabel_sequential(labels):
    """Renumber the positive labels of ``labels`` to ``1..K`` in order of value.

    Labels ``<= 0`` become ``0``.  Returns a new ``int32`` array.

    Examples
    --------
    >>> relabel_sequential(np.array([[5, 5, 0], [9, 2, 2]])).tolist()
    [[2, 2, 0], [3, 1, 1]]
    """
    labels = check_label_map(labels, "labels")
    positive = labels > 0
    values = np.unique(labels[positive])
    out = np.zeros(labels.shape, np.int32)
    out[positive] = np.searchsorted(values, labels[positive]) + 1
    return out


# ------------------------------------------------------------------ connectivity

_NO_FEATURES = np.zeros((0, 1, 1, 1), np.float32)


def enforce_connectivity(labels, min_size=0, *, mask=None):
    """Split segments into connected components and merge the small ones.

    Every component (4-connected in 2-D, 6-connected in 3-D) of each label becomes
    its own segment; components smaller than ``min_size`` pixels are merged into an
    adjacent segment: the one met first in raster order, as in Achanta et al.'s SLIC
    code.  A small component with no neighbour at all is kept.  Label 0 (and any
    label < 0) means "no segment", as everywhere in classicseg: those pixels stay 0
    and are nobody's neighbour.

    Parameters
    ----------
    labels : (H, W) or (D, H, W) integer array
        Input labels, > 0 for segments; pixels outside ``mask`` are ignored.
    min_size : int
        Components with fewer pixels are merged.
    mask : bool array, optional
        Pixels to label; outside it the result is 0.

    Returns
    -------
    (H, W) or (D, H, W) int32 array with labels ``1..K`` in raster order of their
    first pixel, every segment connected; 0 where ``labels <= 0`` or outside
    ``mask``.

    Examples
    --------
    >>> lab = np.array([[1, 1, 2, 1],
    ...                 [1, 1, 1, 1]])
    >>> enforce_connectivity(lab, min_size=2).tolist()
    [[1, 1, 1, 1], [1, 1, 1, 1]]
    >>> enforce_connectivity(lab, min_size=0).tolist()
    [[1, 1, 2, 1], [1, 1, 1, 1]]
    >>> enforce_connectivity(np.array([[1, 0], [0, 1]])).tolist()
    [[1, 0], [0, 2]]
    """
    labels = check_label_map(labels, "labels")
    if labels.ndim not in (2, 3):
        raise ValueError(f"labels must be 2-D or 3-D, got {labels.ndim} dimensions")
    check_positive(min_size, "min_size", integer=True, allow_zero=True)
    mask = check_mask(mask, labels.shape) if mask is not None else None
    info = np.iinfo(np.int32)
    fits = info.min <= labels.min() and labels.max() <= info.max
    vol = np.ascontiguousarray(labels.reshape((1,) * (3 - labels.ndim) + labels.shape),
                               dtype=np.int32 if fits else np.int64)
    m = vol > 0 if mask is None else mask.reshape(vol.shape) & (vol > 0)
    out = _enforce_connectivity(vol, m, int(min_size), _NO_FEATURES, False)
    return out.reshape(labels.shape)


# The pixel scans (_label_runs of classicseg._kernels.runs, _run_sums, _paint_runs)
# are parallel over rows; they allocate with np.empty, because in a parallel kernel
# every np.zeros / np.full is a parallel region of its own, compiled separately
# (seconds of cold start-up).  _touching_runs only visits small fragments and stays
# serial.

@jit(parallel=True)
def _run_sums(features, row_start, x0, x1):
    """Per-run sums of each feature plane (C, Z, Y, X)."""
    C = features.shape[0]
    X = features.shape[3]
    n_rows = row_start.shape[0] - 1
    plane = features[0].size
    flat = features.reshape(-1)
    sums = np.empty((x0.shape[0], C))   # every entry is written below
    for r in prange(n_rows):
        for i in range(row_start[r], row_start[r + 1]):
            for ch in range(C):   # flat, unsigned offsets: the sum vectorises
                offset = np.uint64(ch * plane + r * X + x0[i])
                total = 0.0
                for j in range(x1[i] - x0[i]):
                    total += flat[offset + np.uint64(j)]
                sums[i, ch] = total
    return sums


@jit(parallel=True)
def _paint_runs(row_start, x0, x1, run_labels, shape):
    """The label map whose run i holds run_labels[i] (0 elsewhere)."""
    out = np.empty(shape, np.int32)
    flat = out.reshape(-1)
    X = shape[2]
    for r in prange(row_start.shape[0] - 1):
        for x in range(X):
            flat[r * X + x] = 0
        for i in range(row_start[r], row_start[r + 1]):
            base = np.uint64(r * X + x0[i])
            for j in range(x1[i] - x0[i]):
                flat[base + np.uint64(j)] = run_labels[i]
    return out


@jit(inline=True)
def _run_at(row_start, x0, x1, row, x):
    """Index of the run of ``row`` covering column x, or -1."""
    i = _first_run_ending_after(row_start, x1, row, x)
    if i < row_start[row + 1] and x0[i] <= x:
        return i
    return -1


@jit(inline=True)
def _union_rows(parent, row_start, x0, x1, value, a, b):
    """Union the overlapping runs of equal value of rows a and b."""
    i, j = row_start[a], row_start[b]
    while i < row_start[a + 1] and j < row_start[b + 1]:
        if x0[i] < x1[j] and x0[j] < x1[i] and value[i] == value[j]:
            _union(parent, i, j)
        if x1[i] < x1[j]:
            i += 1
        else:
            j += 1


@jit
def _touching_runs(row_start, x0, x1, comp, small, means, best_d, target, Z, Y):
    """For each small component, the touching component (4/6-adjacency) of closest
    mean feature, in ``target``; a small one only when no large one touches it,
    or small fragments would pair up among themselves.  With no features (C = 0),
    the first one found.  Each run of a small component finds its best neighbour
    (left, right, then the rows above, below, in the previous and next slice);
    the runs are then reduced in raster order."""
    n_runs = x0.shape[0]
    run_d = np.full(n_runs, np.inf)
    run_t = np.full(n_runs, -1, np.int64)
    # per neighbour row, the first run ending after the current run's start: it
    # only moves forward along a row (no binary search)
    cursor = np.empty(4, np.int64)
    for r in range(Z * Y):
        y = r % Y
        rows = (r - 1 if y > 0 else -1, r + 1 if y < Y - 1 else -1, r - Y,
                r + Y if r + Y < Z * Y else -1)
        for side in range(4):
            cursor[side] = row_start[rows[side]] if rows[side] >= 0 else 0
        for i in range(row_start[r], row_start[r + 1]):
            c = comp[i]
            if not small[c]:
                continue
            best, best_t = np.inf, -1
            if i > row_start[r] and x1[i - 1] == x0[i]:
                best, best_t = _closer(i - 1, i, comp, small, means, c, best, best_t)
            if i + 1 < row_start[r + 1] and x0[i + 1] == x1[i]:
                best, best_t = _closer(i + 1, i + 2, comp, small, means, c, best,
                                       best_t)
            for side in range(4):
                a = rows[side]
                if a < 0:
                    continue
                end = row_start[a + 1]
                lo = cursor[side]
                while lo < end and x1[lo] <= x0[i]:
                    lo += 1
                cursor[side] = lo
                hi = lo
                while hi < end and x0[hi] < x1[i]:
                    hi += 1
                best, best_t = _closer(lo, hi, comp, small, means, c, best, best_t)
            run_d[i], run_t[i] = best, best_t
    for i in range(n_runs):
        c = comp[i]
        if run_t[i] >= 0 and run_d[i] < best_d[c]:
            best_d[c] = run_d[i]
            target[c] = run_t[i]


@jit(inline=True)
def _closer(lo, hi, comp, small, means, c, best, best_t):
    """(distance, component): the best of (best, best_t) and the components of
    runs lo..hi-1 other than c; small ones count only when no large one does."""
    for j in range(lo, hi):
        d = comp[j]
        if d == c:
            continue
        dist = 1e300 if small[d] else 0.0
        for ch in range(means.shape[1]):
            diff = means[c, ch] - means[d, ch]
            dist += diff * diff
        if dist < best:
            best, best_t = dist, d
    return best, best_t


@jit(inline=True)
def _first_run_ending_after(row_start, x1, row, x):
    """Index of the first run of ``row`` with x1 > x (row end if none)."""
    lo, hi = row_start[row], row_start[row + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if x1[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def _enforce_connectivity(labels, mask, min_size, features, keep_largest):
    """Connected components of equal labels, small ones merged: runs + union-find.

    ``features`` (C, Z, Y, X): a small component joins the adjacent component of
    closest mean feature; with C = 0, Achanta's rule: the component left of, or
    else above, its first pixel.  ``keep_largest``: only the largest component
    of each label may stay (if not small); the others always merge."""
    Z, Y, X = labels.shape
    row_start, x0, x1, value = _label_runs(labels, mask)
    n_runs = x0.shape[0]
    parent = np.arange(n_runs)
    for r in range(Z * Y):
        if r % Y > 0:
            _union_rows(parent, row_start, x0, x1, value, r - 1, r)
        if r >= Y:
            _union_rows(parent, row_start, x0, x1, value, r - Y, r)
    # components numbered in raster order of their first run
    comp = np.empty(n_runs, np.int64)
    first_run = np.empty(n_runs, np.int64)
    n_comp = 0
    for i in range(n_runs):
        root = _find(parent, i)
        if root == i:
            first_run[n_comp] = i
            comp[i] = n_comp
            n_comp += 1
        else:
            comp[i] = comp[root]
    sizes = np.zeros(n_comp, np.int64)
    C = features.shape[0]
    means = np.zeros((n_comp, C))
    run_sums = _run_sums(features, row_start, x0, x1)
    for i in range(n_runs):
        sizes[comp[i]] += x1[i] - x0[i]
        for ch in range(C):
            means[comp[i], ch] += run_sums[i, ch]
    for c in range(n_comp):
        for ch in range(C):   # not means[c] /= ...: its broadcast error path
            means[c, ch] /= sizes[c]   # alone costs ~1 s of compilation
    small = sizes < min_size
    if keep_largest and n_comp > 0:   # each label keeps its largest component
        _keep_largest(value[first_run[:n_comp]], sizes, min_size, small)
    target = np.full(n_comp, -1, np.int64)
    best_d = np.full(n_comp, np.inf)
    if C == 0:
        for c in range(n_comp):
            if small[c]:
                target[c] = _left_or_above(row_start, x0, x1, comp, first_run[c], Y)
                if target[c] >= 0:
                    best_d[c] = -1.0   # final: the sweep below cannot beat it
    if small.any():
        _touching_runs(row_start, x0, x1, comp, small, means, best_d, target, Z, Y)
    merged = np.arange(n_comp)
    for c in range(n_comp):
        if target[c] >= 0:
            _union(merged, c, target[c])
    final, _ = number_sets(merged, np.ones(n_comp, np.bool_))
    run_labels = np.empty(n_runs, np.int32)
    for i in range(n_runs):
        run_labels[i] = final[comp[i]]
    return _paint_runs(row_start, x0, x1, run_labels, (Z, Y, X))


@jit
def _keep_largest(comp_value, sizes, min_size, small):
    """Mark every component small except the largest of each label value (on a
    tie the first in raster order), which stays unless below ``min_size``.
    Values are bucketed, not sorted (a sort costs 2 s of compilation): they must
    span a range no wider than the label map, as SLIC's cluster indices do."""
    lo, hi = comp_value.min(), comp_value.max()
    best = np.full(hi - lo + 1, -1, np.int64)
    for c in range(comp_value.shape[0]):
        v = comp_value[c] - lo
        if best[v] < 0 or sizes[c] > sizes[best[v]]:
            best[v] = c
    small[:] = True
    for v in range(best.shape[0]):
        if best[v] >= 0:
            small[best[v]] = sizes[best[v]] < min_size


@jit(inline=True)
def _left_or_above(row_start, x0, x1, comp, i, Y):
    """Component left of run i's first pixel, else above it (row, then slice)."""
    r = np.searchsorted(row_start, i, side="right") - 1
    if i > row_start[r] and x1[i - 1] == x0[i]:
        return comp[i - 1]
    for a in (r - 1 if r % Y > 0 else -1, r - Y):
        if a >= 0:
            j = _run_at(row_start, x0, x1, a, x0[i])
            if j >= 0:
                return comp[j]
    return -1


# ------------------------------------------------------------------ exact count

def adjust_segment_count(labels, n, features=None):
    """Merge or split segments until there are exactly ``n``.

    While there are too many, the smallest segment is merged into the adjacent one
    whose mean ``features`` are closest (the largest adjacent one without features).
    While there are too few, the largest segment is split in two by growing two
    regions from its two mutually farthest pixels (geodesic Voronoi), so both halves
    stay connected.

    Parameters
    ----------
    labels : int array with labels ``1..K`` (0 = outside), every segment connected.
    n : int
        Wanted number of segments.
    features : (..., F) float array, optional
        Per-pixel features (e.g. Lab colour) used to choose merge partners.

    Returns
    -------
    int32 array with labels ``1..n`` (fewer only if no further split is possible:
    every segment is a single pixel or has no neighbour to merge with).
    """
    labels = check_label_map(labels, "labels")
    n = check_positive(n, "n", integer=True)
    if features is not None and np.shape(features)[:labels.ndim] != labels.shape:
        raise ValueError(f"features have shape {np.shape(features)}; expected the "
                         f"labels' shape {labels.shape} plus a feature axis")
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    k = int(labels.max())
    if k > n:
        labels = _merge_smallest(labels, k - n, features)
    elif k < n:
        labels = _split_largest(labels, n - k)
    return labels


def _adjacent_pairs(labels):
    """Unique (a, b) label pairs, a < b, of 4/6-adjacent pixels of different labels,
    sorted."""
    upper = sparse.triu(region_adjacency(labels), k=1).tocoo()
    pairs = np.stack([upper.row + 1, upper.col + 1], 1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def _merge_smallest(labels, n_merges, features):
    k = int(labels.max())
    flat = labels.ravel()
    sizes = np.bincount(flat, minlength=k + 1).astype(np.float64)
    if features is None:
        means = np.zeros((k + 1, 0))
    else:
        f = features.reshape(flat.size, -1)
        means = np.stack([np.bincount(flat, f[:, j], minlength=k + 1)
                          for j in range(f.shape[1])], 1) / np.maximum(sizes, 1)[:, None]
    pairs = _adjacent_pairs(labels).astype(np.int64)
    parent = _merge_smallest_kernel(sizes, np.ascontiguousarray(means), pairs[:, 0].copy(),
                                    pairs[:, 1].copy(), n_merges, features is None)
    return relabel_sequential(parent[labels] * (labels > 0))


@jit(fastmath=False)   # means and distances round as NumPy's (bit-identical merges)
def _merge_smallest_kernel(sizes, means, pair_a, pair_b, n_merges, by_size):
    """Merge the smallest segment (ties: the smaller label) into its neighbour, at
    most ``n_merges`` times; returns each label's final label.

    The partner: the largest neighbour (ties: the smaller label) if ``by_size``,
    else the one of closest ``means`` (squared distance summed as ``ndarray.sum``
    does; ties and NaN as ``np.argmin`` over the neighbours in label order).  The
    neighbours of a merged segment are the current roots of its members' original
    neighbours (``pair_a``, ``pair_b``: each adjacent pair once)."""
    n_lab = sizes.size   # labels 0 .. k
    adj_start = np.zeros(n_lab + 1, np.int64)   # original neighbours, CSR
    for e in range(pair_a.size):
        adj_start[pair_a[e] + 1] += 1
        adj_start[pair_b[e] + 1] += 1
    for i in range(n_lab):
        adj_start[i + 1] += adj_start[i]
    adj = np.empty(adj_start[n_lab], np.int64)
    fill = adj_start[:-1].copy()
    for e in range(pair_a.size):
        a, b = pair_a[e], pair_b[e]
        adj[fill[a]] = b
        fill[a] += 1
        adj[fill[b]] = a
        fill[b] += 1
    parent = np.arange(n_lab)
    next_member = np.full(n_lab, -1, np.int64)   # a linked list of members per root
    last_member = np.arange(n_lab)
    seen = np.full(n_lab, -1, np.int64)
    squares = np.empty(means.shape[1])
    # (size, label) keys are unique: the pops are those of any heap (heapq's too)
    hv, ha, hi, hs = heap_new(n_lab + n_merges)
    n = 0
    for i in range(1, n_lab):
        heap_push(hv, ha, hi, hs, n, sizes[i], i, i, 0)
        n += 1
    visit = 0
    while n_merges > 0 and n > 0:
        size, s = hv[0], hi[0]
        heap_pop(hv, ha, hi, hs, n)
        n -= 1
        if parent[s] != s or size != sizes[s]:
            continue   # stale entry
        t = -1
        best = 0.0
        m = s
        while m >= 0:
            for e in range(adj_start[m], adj_start[m + 1]):
                j = _find(parent, adj[e])
                if j == s or seen[j] == visit:
                    continue
                seen[j] = visit
                if by_size:
                    better = t < 0 or sizes[j] > best or (sizes[j] == best and j < t)
                    d = sizes[j]
                else:
                    for ch in range(squares.size):
                        diff = means[j, ch] - means[s, ch]
                        squares[ch] = diff * diff
                    d = _pairwise_sum(squares, 0, squares.size)
                    if np.isnan(d):
                        better = t < 0 or not np.isnan(best) or j < t
                    else:
                        better = t < 0 or (not np.isnan(best)
                                           and (d < best or (d == best and j < t)))
                if better:
                    t, best = j, d
            m = next_member[m]
        visit += 1
        if t < 0:
            continue   # an isolated segment cannot merge
        if not by_size:
            for ch in range(means.shape[1]):
                means[t, ch] = ((means[t, ch] * sizes[t] + means[s, ch] * sizes[s])
                                / (sizes[t] + sizes[s]))
        sizes[t] += sizes[s]
        parent[s] = t
        next_member[last_member[t]] = s
        last_member[t] = last_member[s]
        heap_push(hv, ha, hi, hs, n, sizes[t], t, t, 0)
        n += 1
        n_merges -= 1
    for i in range(n_lab):
        parent[i] = _find(parent, i)
    return parent


@jit(fastmath=False)
def _pairwise_sum(a, lo, n):
    """``a[lo:lo + n].sum()`` rounded exactly as NumPy's pairwise summation: blocks
    of at most 128 summed by :func:`_pairwise_block`, longer stretches split in two
    (the first half a multiple of 8 long) and the halves' sums added.  The split
    tree is walked with a stack: a recursive kernel crashes when loaded from
    Numba's cache."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    frame_lo = np.empty(64, np.int64)
    frame_n = np.empty(64, np.int64)
    phase = np.zeros(64, np.int64)   # 0 new, 1 left half summed, 2 both
    left = np.empty(64)
    frame_lo[0], frame_n[0] = lo, n
    top = 0
    total = 0.0   # the sum returned by the frame just finished
    while top >= 0:
        m = frame_n[top]
        half = m // 2 - (m // 2) % 8
        if phase[top] == 0 and m <= 128:
            total = _pairwise_block(a, frame_lo[top], m)
            top -= 1
        elif phase[top] < 2:
            if phase[top] == 1:
                left[top] = total
            phase[top] += 1
            start = frame_lo[top] + (half if phase[top] == 2 else 0)
            top += 1
            frame_lo[top] = start
            frame_n[top] = half if phase[top - 1] == 1 else m - half
            phase[top] = 0
        else:
            total = left[top] + total
            top -= 1
    return total


@jit(fastmath=False)
def _pairwise_block(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]``, ``n <= 128``: sequential below 8,
    else eight interleaved partial sums combined as a tree."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


def _split_largest(labels, n_splits):
    from scipy import ndimage as ndi   # only for exact counts: keep import light

    labels = labels.copy()
    k = int(labels.max())
    boxes = list(ndi.find_objects(labels))
    sizes = list(np.bincount(labels.ravel(), minlength=k + 1))
    # keys (-size, label): the largest first, ties to the smaller label
    queue = heap_new(k + 2 * n_splits)
    n = 0
    for i in range(1, k + 1):
        heap_push(*queue, n, -float(sizes[i]), i, i, 0)
        n += 1
    while n_splits > 0 and n > 0:
        negsize, s = queue[0][0], int(queue[2][0])
        heap_pop(*queue, n)
        n -= 1
        if -negsize != sizes[s]:
            continue   # stale entry: s was split since
        box = boxes[s - 1]
        sub = np.ascontiguousarray(labels[box])
        region = sub == s
        if region.sum() < 2:
            continue
        k += 1
        half = _split_region(region)
        sub[half] = k
        labels[box] = sub
        for lab in (s, k):
            inner = ndi.find_objects((sub == lab).astype(np.int32))[0]
            abs_box = tuple(slice(b.start + i.start, b.start + i.stop)
                            for b, i in zip(box, inner))
            if lab == k:
                boxes.append(abs_box)
                sizes.append(0)
            else:
                boxes[s - 1] = abs_box
            sizes[lab] = int((sub == lab).sum())
            heap_push(*queue, n, -float(sizes[lab]), lab, lab, 0)
            n += 1
        n_splits -= 1
    return labels


def _split_region(region):
    """Boolean mask of the second half of a connected ``region`` split in two."""
    coords = np.argwhere(region)
    centroid = coords.mean(0)
    a = coords[np.argmax(((coords - centroid) ** 2).sum(1))]
    b = coords[np.argmax(((coords - a) ** 2).sum(1))]
    vol = region.reshape((1,) * (3 - region.ndim) + region.shape)
    pad = (3 - region.ndim) * (0,)
    owner = _grow_two(np.ascontiguousarray(vol), np.array(pad + tuple(a)),
                      np.array(pad + tuple(b)))
    return owner.reshape(region.shape) == 2


@jit
def _grow_two(region, seed_a, seed_b):
    """Breadth-first growth from two seeds inside ``region``; 1/2 = owner, FIFO ties."""
    Z, Y, X = region.shape
    owner = np.zeros(region.shape, np.int8)
    queue = np.empty((region.size, 3), np.int64)
    queue[0] = seed_a
    queue[1] = seed_b
    owner[seed_a[0], seed_a[1], seed_a[2]] = 1
    owner[seed_b[0], seed_b[1], seed_b[2]] = 2
    head, tail = 0, 2
    while head < tail:
        z, y, x = queue[head]
        head += 1
        for dz, dy, dx in ((-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)):
            nz, ny, nx = z + dz, y + dy, x + dx
            if 0 <= nz < Z and 0 <= ny < Y and 0 <= nx < X and region[nz, ny, nx] \
                    and owner[nz, ny, nx] == 0:
                owner[nz, ny, nx] = owner[z, y, x]
                queue[tail, 0] = nz
                queue[tail, 1] = ny
                queue[tail, 2] = nx
                tail += 1
    return owner
