"""Slow, obviously correct references for the kernels, written from the papers in
plain Python/NumPy and independent of classicseg's internals (the stumpy habit).

Each is the specification its kernel is tested against: the kernel must give the
same answer (or the same partition, where only float rounding differs).
"""
import heapq
import itertools
import math

import numpy as np


# ------------------------------------------------------------------ SLIC

def slic_grid(shape, n):
    """Rows and columns of SLIC's seed grid over an (H, W) image: square cells of
    side S = sqrt(H W / n), the floor or the ceiling of H / S and W / S (at least 1,
    at most the side) whose product is closest to ``n``; on a tie the first of
    (floor, floor), (ceil, floor), (floor, ceil), (ceil, ceil)."""
    height, width = shape
    side = math.sqrt(height * width / n)
    best = None
    for up_x in (0, 1):
        for up_y in (0, 1):
            rows = min(max(1, math.floor(height / side) + up_y), height)
            cols = min(max(1, math.floor(width / side) + up_x), width)
            if best is None or abs(rows * cols - n) < abs(best[0] * best[1] - n):
                best = (rows, cols)
    return best


def slic_seeds(image, n):
    """SLIC's seeds (y, x, *colour) of an (H, W, C) image: the centres of the grid
    cells (rounded half to even), each moved to the pixel of lowest gradient in its
    3x3 neighbourhood (Achanta: squared differences of the opposite neighbours;
    pixels on the border count as infinitely steep; the first lowest in raster order
    from the centre wins)."""
    height, width = image.shape[:2]
    rows, cols = slic_grid((height, width), n)

    def gradient(y, x):
        if not (0 < y < height - 1 and 0 < x < width - 1):
            return np.inf
        return (((image[y, x + 1] - image[y, x - 1]) ** 2).sum()
                + ((image[y + 1, x] - image[y - 1, x]) ** 2).sum())

    seeds = []
    for i in range(rows):
        for j in range(cols):
            y = int(np.round((i + 0.5) * height / rows - 0.5))
            x = int(np.round((j + 0.5) * width / cols - 0.5))
            best, by, bx = gradient(y, x), y, x
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    if 0 <= y + dy < height and 0 <= x + dx < width \
                            and gradient(y + dy, x + dx) < best:
                        best, by, bx = gradient(y + dy, x + dx), y + dy, x + dx
            seeds.append([by, bx, *image[by, bx]])
    return np.array(seeds, float), (height / rows, width / cols)


def slic(image, n, compactness, n_iter):
    """Achanta's k-means loop, as written in the paper: each cluster scans its
    2S x 2S window and takes the pixels it is closest to in
    ``D = d_c^2 / m^2 + d_s^2 / S^2``; centres move to the mean of their pixels.
    Returns the cluster index of each pixel (-1 where no window reached)."""
    height, width = image.shape[:2]
    centers, (step_y, step_x) = slic_seeds(image, n)
    s = math.sqrt(step_y * step_x)
    yy, xx = np.mgrid[:height, :width]
    for _ in range(n_iter):
        dist = np.full((height, width), np.inf)
        labels = np.full((height, width), -1)
        for k, (cy, cx, *colour) in enumerate(centers):
            window = (np.abs(yy - cy) < step_y) & (np.abs(xx - cx) < step_x)
            d = (((image - colour) ** 2).sum(-1) / compactness ** 2
                 + ((yy - cy) ** 2 + (xx - cx) ** 2) / s ** 2)
            better = window & (d < dist)
            dist[better], labels[better] = d[better], k
        for k in range(len(centers)):
            members = labels == k
            if members.any():
                centers[k] = [yy[members].mean(), xx[members].mean(),
                              *image[members].mean(0)]
    return labels


# ------------------------------------------------------------------ Meyer's watershed

def _neighbours(shape, connectivity):
    """Neighbour steps in scikit-image's order: by distance, then raster order."""
    steps = [s for s in itertools.product((-1, 0, 1), repeat=len(shape))
             if 0 < sum(map(abs, s)) <= connectivity]
    return sorted(steps, key=lambda s: sum(x * x for x in s))  # stable


def meyer_flooding(elevation, markers, connectivity=1, mask=None, watershed_line=False):
    """Meyer's flooding written plainly: a heap of (priority, age, pixel), every pixel
    queued once, at max(its elevation, the priority of the pixel that queued it);
    markers queued first in raster order.  Without lines a pixel takes the label of
    the pixel that queued it; with lines it becomes 0 when popped if a labelled
    neighbour carries another label (a marker pixel in that case keeps its label
    but stops counting as a neighbour)."""
    shape = elevation.shape
    inside = np.ones(shape, bool) if mask is None else mask
    label = np.where(inside, markers, 0).astype(np.int64)
    source = {}  # pixel -> label it was queued with
    inert = np.zeros(shape, bool)  # lines and marker pixels that touched another label
    steps = _neighbours(shape, connectivity)
    heap, age = [], itertools.count()
    for p in zip(*np.nonzero(label)):
        source[p] = label[p]
        heapq.heappush(heap, (elevation[p], next(age), p))

    def around(p):
        for s in steps:
            q = tuple(a + b for a, b in zip(p, s))
            if all(0 <= c < n for c, n in zip(q, shape)) and inside[q]:
                yield q

    while heap:
        value, _, p = heapq.heappop(heap)
        lab = source[p]
        if watershed_line:
            if any(label[q] > 0 and not inert[q] and label[q] != lab for q in around(p)):
                inert[p] = True
            if not inert[p] or markers[p] > 0:
                label[p] = lab
        for q in around(p):
            if q in source or inert[q]:
                continue
            source[q] = lab
            if not watershed_line:
                label[q] = lab
            heapq.heappush(heap, (max(elevation[q], value), next(age), q))
    if watershed_line:
        _reconnect(label, markers, inside, inert, around)
    return label


def _reconnect(label, markers, inside, inert, around):
    """Parts of a region cut off from its markers by line pixels take back a line
    pixel touching them and the connected part (repeatedly); what stays cut off
    becomes line."""
    def component(p):
        seen, todo = {p}, [p]
        while todo:
            x = todo.pop()
            for q in around(x):
                if q not in seen and label[q] == label[x]:
                    seen.add(q)
                    todo.append(q)
        return seen

    good = set()
    for p in zip(*np.nonzero((markers > 0) & inside)):
        if p not in good:
            good |= component(p)
    changed = True
    while changed:
        changed = False
        for p in zip(*np.nonzero(label > 0)):
            if p in good:
                continue
            bridge = next((b for b in around(p) if label[b] == 0 and inert[b] and any(
                r in good and label[r] == label[p] for r in around(b))), None)
            if bridge is not None:
                label[bridge] = label[p]
                good |= {bridge} | component(p)
                changed = True
    label[(label > 0) & ~np.isin(np.arange(label.size).reshape(label.shape),
                                  [np.ravel_multi_index(p, label.shape) for p in good])] = 0


# ------------------------------------------------------------------ shared primitives

class BinaryHeap:
    """The textbook binary min-heap (swaps; a push stops below a parent <= the new
    key, a pop keeps the left of equal children and stops above a child >= the
    moving key): with equal keys its pop order is its own, not insertion order."""

    def __init__(self):
        self.items = []   # (key, item)

    def push(self, key, item):
        h = self.items
        h.append((key, item))
        i = len(h) - 1
        while i > 0 and not h[(i - 1) // 2][0] <= h[i][0]:
            h[(i - 1) // 2], h[i] = h[i], h[(i - 1) // 2]
            i = (i - 1) // 2

    def pop(self):
        h = self.items
        top = h[0]
        last = h.pop()
        if h:
            h[0] = last
            i = 0
            while 2 * i + 1 < len(h):
                c = 2 * i + 1
                if c + 1 < len(h) and h[c + 1][0] < h[c][0]:
                    c += 1
                if h[i][0] <= h[c][0]:
                    break
                h[c], h[i] = h[i], h[c]
                i = c
        return top


def row_runs(labels, mask):
    """Maximal runs (row, x0, x1, value) of equal label along the last axis inside
    ``mask``, rows in raster order of the leading axes."""
    lab = labels.reshape(int(np.prod(labels.shape[:-1])), labels.shape[-1])
    inside = mask.reshape(lab.shape)
    runs = []
    for r in range(lab.shape[0]):
        x = 0
        while x < lab.shape[1]:
            if not inside[r, x]:
                x += 1
                continue
            start = x
            while x < lab.shape[1] and inside[r, x] and lab[r, x] == lab[r, start]:
                x += 1
            runs.append((r, start, x, int(lab[r, start])))
    return runs


def boundaries_along(labels, steps):
    """True where a pixel's label differs from its neighbour's along one of
    ``steps`` (neighbours outside the map do not count)."""
    out = np.zeros(labels.shape, bool)
    for p in np.ndindex(labels.shape):
        for s in steps:
            q = tuple(a + b for a, b in zip(p, s))
            if all(0 <= c < n for c, n in zip(q, labels.shape)) and labels[q] != labels[p]:
                out[p] = True
    return out


def seg2bdry(seg):
    """BSDS ``seg2bdry(seg, 'imageSize')`` as the MATLAB code does it: label edges
    drawn on the doubled-resolution grid (between pixels, plus the crossings), the
    border row/column copied from its neighbour, subsampled back to image size."""
    h, w = seg.shape
    ev = np.zeros((h, w), bool)
    ev[:-1] = seg[:-1] != seg[1:]
    eh = np.zeros((h, w), bool)
    eh[:, :-1] = seg[:, :-1] != seg[:, 1:]
    b = np.zeros((2 * h + 1, 2 * w + 1), bool)
    b[2::2, 1::2] = ev
    b[1::2, 2::2] = eh
    b[2:-1:2, 2:-1:2] = eh[:-1, :-1] | eh[1:, :-1] | ev[:-1, :-1] | ev[:-1, 1:]
    b[0] = b[1]
    b[:, 0] = b[:, 1]
    b[-1] = b[-2]
    b[:, -1] = b[:, -2]
    return b[2::2, 2::2]


# ------------------------------------------------------------------ mean-shift

def mean_shift_modes(features, valid, hs, hr, kernel="uniform", max_iter=100, tol=0.1):
    """Comaniciu & Meer's mean-shift filter, one pixel at a time: from each valid
    pixel's point (y, x, r) of an (H, W, C) image, move to the weighted mean of the
    valid pixels with |(y, x) - p_s| <= hs and |r - p_r| <= hr (weights: 1, or
    (1 - u)(1 - v), or exp(-4.5 (u + v)) with u, v the squared distances in
    bandwidths) until the shift is shorter than ``tol`` bandwidths.  Returns the
    modes (H, W, 2 + C), float64."""
    height, width, _ = features.shape
    ys, xs = np.mgrid[:height, :width]
    points = np.concatenate([ys[..., None], xs[..., None], features], -1)[valid]
    scale = np.array([hs, hs] + [hr] * features.shape[2], float)
    out = np.zeros((height, width, points.shape[1]))
    for start, (y, x) in zip(points, zip(ys[valid], xs[valid])):
        p = start.astype(float)
        for _ in range(max_iter):
            d = (points - p) / scale
            u, v = (d[:, :2] ** 2).sum(1), (d[:, 2:] ** 2).sum(1)
            w = ((u <= 1) & (v <= 1)).astype(float)
            if kernel == "epanechnikov":
                w *= (1 - u) * (1 - v)
            elif kernel == "gaussian":
                w *= np.exp(-4.5 * (u + v))
            new = (w[:, None] * points).sum(0) / w.sum()
            shift = (((new - p) / scale) ** 2).sum()
            p = new
            if shift < tol * tol:
                break
        out[y, x] = p
    return out
