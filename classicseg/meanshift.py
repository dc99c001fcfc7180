"""Mean-shift segmentation (Comaniciu & Meer, TPAMI 24(5) 2002).

Three steps, as in the paper and its reference implementation (EDISON):

1. **Filtering.**  Every pixel is a point ``(y, x, r)`` of the joint spatial/range
   domain (``r`` optionally smoothed first by a Gaussian of ``sigma`` pixels).  From
   it, mean-shift iterations move a point to the weighted mean of the pixels inside
   the window ``|(y, x) - p_s| <= h_s`` and ``|r - p_r| <= h_r`` until the shift is
   shorter than ``tol`` (in bandwidths); the pixel takes the convergence point (its
   mode).
2. **Clustering.**  4-adjacent pixels whose modes agree (within ``h_s`` in space
   and ``tol`` bandwidths in range: one mode up to convergence) are joined
   (union-find); adjacent regions whose mean modes are within ``h_r / 2`` then
   merge, for up to 10 passes (EDISON's transitive closure).  Joining single
   pixels at the paper's ``h_r`` would chain along every smooth gradient.
3. **Pruning.**  Regions smaller than ``min_size`` pixels join the adjacent region of
   closest mean mode (range distance), in rounds, until none is left.

The filtering kernel is parallel over bands of rows whose partition depends only on
the image, so results are identical for any thread count.  The planes are padded
with invalid pixels, so a window row is one fixed-width run tested pixel by pixel
without branches: the scans vectorise.
"""
import math

import numpy as np

from ._kernels.adjacency import region_adjacency
from ._lazy import lazy_module
from ._kernels.unionfind import number_sets, union
from ._numba import jit, prange
from ._validate import check_choice, check_mask, check_positive, check_sigma
from .color import range_planes

__all__ = ["mean_shift"]

sparse = lazy_module("scipy.sparse")

KERNELS = ("uniform", "epanechnikov", "gaussian")
SPEEDUPS = ("none", "trajectory", "coarse")
_ROWS_PER_BAND = 16
_MAX_BANDWIDTHS = 1e18   # range values beyond this overflow squared float32


def mean_shift(image, spatial_radius=7, range_radius=6.5, min_size=20, *,
               sigma=0.0, kernel="uniform", speedup="trajectory", max_num_iter=100,
               tol=0.1, mask=None, return_filtered=False, channel_axis=-1):
    """Segment an image by mean-shift filtering, clustering of the modes and
    merging of small regions.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
        RGB (filtered in CIELAB, L in [0, 100]; RGBA drops alpha), grayscale or any
        other multichannel image (filtered in its own units: a uint8 gray image in
        gray levels 0..255, floats as given).
    spatial_radius : float
        h_s, the spatial bandwidth in pixels (at least 1; a window larger than the
        image holds all of it).
    range_radius : float
        h_r, the range bandwidth: CIELAB units for RGB, the image's units otherwise.
    min_size : int
        Regions smaller than this (in pixels) are merged into the adjacent region of
        closest mode; 0 or 1 keeps every region.  A region with no neighbour (alone
        in its part of ``mask``) is kept whatever its size.
    sigma : float
        Standard deviation in pixels of a Gaussian smoothing of the range values
        (CIELAB for RGB) before filtering; 0 for none (the paper's and EDISON's
        default).  About 1 removes JPEG noise and fine texture that would otherwise
        pull the modes apart (BSDS500 val, sigma 1.25: PRI 0.785 -> 0.793, see the
        README).  Pixels outside ``mask`` take part in the smoothing.
    kernel : {"uniform", "epanechnikov", "gaussian"}
        Profile of the weights of each mean, a function of the normalised squared
        distances ``u = |d_s / h_s|^2`` and ``v = |d_r / h_r|^2`` (0 outside the
        window): ``"uniform"`` 1 (the paper's and EDISON's choice: the iterations
        climb the density estimate of the Epanechnikov kernel), ``"epanechnikov"``
        ``(1 - u)(1 - v)``, ``"gaussian"`` ``exp(-4.5 (u + v))`` (a normal of
        sigma h / 3, truncated at the window).
    speedup : {"trajectory", "none"}
        ``"none"``: every pixel iterates from its own point (exact).
        ``"trajectory"``: EDISON's speed-up, the pixels a trajectory passes over
        whose range value is within ``h_r / 2`` of the moving point take its mode
        without iterating, and a trajectory reaching a pixel that already has a
        mode (within ``h_r / 2``) stops there and takes it.  Typically several
        times faster for nearly the same segmentation.
        ``"coarse"``: a coarse-to-fine start, then ``"trajectory"``: the image's
        2x2 block means are filtered first (``h_s / 2``), and each pixel starts
        from the mode of its block (scaled back) instead of from its own point, so
        its trajectory is a few refining steps (images under 4 pixels a side or
        ``h_s < 2``: as ``"trajectory"``).
    max_num_iter : int
        Most iterations per trajectory.
    tol : float
        Convergence: stop when the shift is shorter than ``tol`` bandwidths
        (``sqrt(|shift_s / h_s|^2 + |shift_r / h_r|^2) < tol``; EDISON: 0.1).
    mask : (H, W) bool array, optional
        Only pixels inside the mask are filtered, clustered and labelled; outside
        is 0 and never inside a window.
    return_filtered : bool
        Also return the filtered image (each pixel's mode in range, in the units
        the image was filtered in: CIELAB for RGB).
    channel_axis : int or None
        Axis of the channels; ``None`` for grayscale images.

    Returns
    -------
    labels : (H, W) int32 array
        Regions 1..K, each 4-connected; 0 outside ``mask``.
    filtered : (H, W, C) float32 array ((H, W) for ``channel_axis=None``)
        Only with ``return_filtered=True``.

    References
    ----------
    D. Comaniciu and P. Meer, "Mean shift: a robust approach toward feature space
    analysis", IEEE TPAMI 24(5), 2002. :doi:`10.1109/34.1000236`

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import mean_shift
    >>> img = np.zeros((20, 30), np.uint8); img[:, 15:] = 200
    >>> labels = mean_shift(img, 5, 20, channel_axis=None)
    >>> int(labels.max()), bool((labels[:, :15] == 1).all() and (labels[:, 15:] == 2).all())
    (2, True)
    """
    planes = range_planes(image, channel_axis)
    shape = planes.shape[1:]
    sigmas = check_sigma(sigma, shape)
    if max(sigmas) > 0:
        from scipy.ndimage import gaussian_filter   # rarely used: keep import light
        planes = gaussian_filter(planes, (0,) + sigmas)
    hs = check_positive(spatial_radius, "spatial_radius")
    if hs < 1:
        raise ValueError(f"spatial_radius must be >= 1 pixel, got {spatial_radius!r}")
    hr = check_positive(range_radius, "range_radius")
    min_size = check_positive(min_size, "min_size", integer=True, allow_zero=True)
    max_num_iter = check_positive(max_num_iter, "max_num_iter", integer=True)
    tol = check_positive(tol, "tol")
    profile = check_choice(kernel, "kernel", KERNELS)
    speedup_index = check_choice(speedup, "speedup", SPEEDUPS)
    trajectory = speedup_index >= 1
    mask = check_mask(mask, shape)
    valid = np.ones(shape, np.bool_) if mask is None else mask

    # The kernels work on range values in bandwidths (r / h_r in float32), testing
    # unit balls; their squared differences must fit float32.
    hr32 = np.float32(min(hr, 3e38))   # beyond float32: every range value ~0
    peak = max(-float(planes.min()), float(planes.max())) / float(hr32)
    if peak > _MAX_BANDWIDTHS:
        raise ValueError(
            f"image values reach {peak:.3g} range bandwidths (range_radius="
            f"{range_radius!r}): their squared distances would overflow float32; "
            f"rescale the image or use range_radius >= {peak * hr / _MAX_BANDWIDTHS:.3g}")
    start = None
    if speedup_index == 2 and min(shape) >= 4 and hs >= 2:
        start = _coarse_start(planes, hr32, valid, hs, profile, max_num_iter, tol)
    modes = _filter(planes, hr32, valid, hs, profile, trajectory, max_num_iter,
                    tol * tol, start)
    labels = _merge_regions(_cluster(modes, valid, hs, tol), modes[2:], min_size)
    if not return_filtered:
        return labels
    filtered = np.moveaxis(modes[2:] * hr32, 0, -1)
    return labels, filtered[..., 0] if channel_axis is None else filtered


# ------------------------------------------------------------------ clustering

_CLOSURE_PASSES = 10   # EDISON's bound on the transitive-closure passes


def _cluster(modes, valid, hs, tol):
    """Regions of 4-adjacent pixels whose modes agree (within h_s in space and
    ``tol`` bandwidths in range: the same mode up to convergence), numbered 1..K
    in raster order."""
    parent = _join_close_modes(modes, valid, np.float32(hs * hs), np.float32(tol * tol))
    return _number_roots(parent, valid)


@jit
def _join_close_modes(modes, valid, hs2, tol2):
    F, Y, X = modes.shape
    parent = np.arange(Y * X)
    for y in range(Y):
        for x in range(X):
            if not valid[y, x]:
                continue
            i = y * X + x
            for yy, xx in ((y, x + 1), (y + 1, x)):
                if yy < Y and xx < X and valid[yy, xx]:
                    ds = ((modes[0, y, x] - modes[0, yy, xx]) ** 2
                          + (modes[1, y, x] - modes[1, yy, xx]) ** 2)
                    dr = np.float32(0.0)
                    for f in range(2, F):
                        dr += (modes[f, y, x] - modes[f, yy, xx]) ** 2
                    if ds < hs2 and dr < tol2:
                        union(parent, i, yy * X + xx)
    return parent


@jit
def _number_roots(parent, valid):
    """Labels 1..K by set, in raster order of each set's first pixel (its root)."""
    numbers, _ = number_sets(parent, valid.reshape(-1))
    return numbers.reshape(valid.shape)


# ------------------------------------------------------------------ merging

def _merge_regions(labels, range_modes, min_size):
    """EDISON's region steps on the region graph (sizes, mode sums, adjacency),
    contracted after each merge; the pixels are relabelled once, at the end.

    1. Transitive closure: adjacent regions whose mean modes are within h_r / 2
       merge, all at once, for up to 10 passes (means updated between passes).
    2. Pruning: each region below ``min_size`` pixels joins its adjacent region of
       closest mean mode, all small regions of a round at once, until none is left
       that has a neighbour.
    """
    k = int(labels.max())
    flat = labels.ravel()
    graph = _RegionGraph(
        np.bincount(flat, minlength=k + 1)[1:].astype(np.float64),
        np.stack([np.bincount(flat, weights=p.ravel(), minlength=k + 1)[1:]
                  for p in range_modes], 1),
        *_edges(region_adjacency(labels)))
    for _ in range(_CLOSURE_PASSES):
        means = graph.means()
        close = ((means[graph.tails] - means[graph.heads]) ** 2).sum(1) < 0.25
        if not close.any():
            break
        graph.join(graph.tails[close], graph.heads[close])
    if min_size > 1:
        while True:
            small = graph.sizes < min_size
            if not small.any():
                break
            adjacency = graph.adjacency()
            target = _closest_neighbours(adjacency.indptr, adjacency.indices,
                                         graph.means(), small)
            if (target < 0).all():
                break   # the small regions left have no neighbour
            joining = np.flatnonzero(target >= 0)
            graph.join(joining, target[joining])
    lookup = np.zeros(k + 1, np.int32)
    lookup[1:] = graph.region_of + 1
    return lookup[labels]


def _edges(adjacency):
    coo = adjacency.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64)


class _RegionGraph:
    """Regions (sizes, range-mode sums) and their adjacency as directed edge lists
    (both directions), with the original regions' current region."""

    def __init__(self, sizes, sums, tails, heads):
        self.sizes, self.sums, self.tails, self.heads = sizes, sums, tails, heads
        self.region_of = np.arange(sizes.size)

    def means(self):
        return self.sums / self.sizes[:, None]

    def adjacency(self):
        n = self.sizes.size
        csr = sparse.csr_matrix((np.ones(self.tails.size), (self.tails, self.heads)),
                                shape=(n, n))
        csr.sort_indices()
        return csr

    def join(self, a, b):
        """Merge region a[i] with b[i] for every i (chains followed); regions are
        renumbered in order of their smallest member."""
        new_id, n = _joined_ids(self.sizes.size, a, b)
        self.region_of = new_id[self.region_of]
        self.sizes = np.bincount(new_id, weights=self.sizes, minlength=n)
        self.sums = np.stack([np.bincount(new_id, weights=c, minlength=n)
                              for c in self.sums.T], 1)
        tails, heads = new_id[self.tails], new_id[self.heads]
        keep = tails != heads
        self.tails, self.heads = tails[keep], heads[keep]


@jit
def _closest_neighbours(indptr, indices, means, small):
    """For each small region, the neighbour of closest mean (ties: the lowest
    index), -1 for the others and for small regions without neighbours."""
    K, F = means.shape
    target = np.full(K, -1, np.int64)
    for a in range(K):
        if not small[a]:
            continue
        best = np.inf
        for e in range(indptr[a], indptr[a + 1]):
            b = indices[e]
            d = 0.0
            for f in range(F):
                d += (means[a, f] - means[b, f]) ** 2
            if d < best:
                best, target[a] = d, b
    return target


@jit
def _joined_ids(n, a, b):
    """0-based ids of the sets of 0..n-1 after joining a[i] with b[i], numbered in
    order of their smallest member; and their count."""
    parent = np.arange(n)
    for i in range(a.shape[0]):
        union(parent, a[i], b[i])
    numbers, count = number_sets(parent, np.ones(n, np.bool_))
    return numbers - 1, count


# ------------------------------------------------------------------ filtering

_UNSEEN, _ON_PATH, _DONE = 0, 1, 2
_LANES = 8   # window rows are scanned in multiples of this many pixels


def _coarse_start(planes, hr, valid, hs, profile, max_iter, tol):
    """Starting points (2 + C, H, W) for :func:`_filter`: the modes of the 2x2 block
    means (blocks with an invalid pixel are invalid), filtered with ``h_s / 2`` and
    scaled back to full resolution; pixels of invalid blocks (or the odd last
    row/column) start from their own point (NaN)."""
    C, Y, X = planes.shape
    y2, x2 = Y // 2 * 2, X // 2 * 2
    blocks = planes[:, :y2, :x2].reshape(C, Y // 2, 2, X // 2, 2).mean(axis=(2, 4))
    block_valid = valid[:y2, :x2].reshape(Y // 2, 2, X // 2, 2).all(axis=(1, 3))
    coarse = _filter(blocks.astype(np.float32), hr, block_valid, hs / 2, profile, True,
                     max_iter, tol * tol, None)
    coarse[:2] = coarse[:2] * 2 + 0.5        # block coordinates -> pixel coordinates
    coarse[:, ~block_valid] = np.nan
    start = np.full((2 + C, Y, X), np.nan, np.float32)
    start[:, :y2, :x2] = np.repeat(np.repeat(coarse, 2, axis=1), 2, axis=2)
    return start


def _filter(planes, hr, valid, hs, profile, trajectory, max_iter, tol2, start=None):
    """Modes (2 + C, H, W) float32 of every valid pixel (y, x, then range in
    bandwidths, ``planes / hr``; 0 elsewhere); trajectories begin at ``start``
    (same layout; NaN or None: the pixel's own point).

    The planes, divided by ``hr`` on the way, go into a copy padded with invalid
    pixels, so that every window row is one fixed-width run (2 ceil(h_s) + 1
    rounded up to 8) tested pixel by pixel: no clipping, no loop remainder, the
    scans vectorise fully."""
    # a window wider than the image's diagonal holds the whole image: scan no more
    radius = int(math.ceil(min(hs, math.hypot(*valid.shape) + 1)))
    width = -(-(2 * radius + 2) // _LANES) * _LANES
    pad_y, pad_x = radius + 1, width
    C, Y, X = planes.shape
    padded = np.zeros((C, Y + 2 * pad_y, X + 2 * pad_x), np.float32)
    np.divide(planes, hr, out=padded[:, pad_y:pad_y + Y, pad_x:pad_x + X])
    padded_valid = np.pad(valid, ((pad_y, pad_y), (pad_x, pad_x)))
    n_bands = max(1, valid.shape[0] // _ROWS_PER_BAND)
    if start is None:
        start = np.full((2 + C, 1, 1), np.nan, np.float32)   # one type for Numba
    return _filter_bands(padded, padded_valid, pad_y, pad_x, width, hs, profile,
                         trajectory, max_iter, tol2, n_bands,
                         np.ascontiguousarray(start, dtype=np.float32))


@jit(parallel=True)
def _filter_bands(padded, valid, pad_y, pad_x, width, hs, profile, trajectory,
                  max_iter, tol2, n_bands, start):
    """Bands of rows in parallel.  A trajectory's speed-up marks only pixels of its
    own band, so the result depends on the bands (fixed by the image), not on the
    threads."""
    C = padded.shape[0]
    Y, X = padded.shape[1] - 2 * pad_y, padded.shape[2] - 2 * pad_x
    modes = np.empty((2 + C, Y, X), np.float32)
    for band in prange(n_bands):
        _filter_band(padded, valid, pad_y, pad_x, width, hs, profile, trajectory,
                     max_iter, tol2, band * Y // n_bands, (band + 1) * Y // n_bands,
                     modes, start)
    return modes


@jit
def _filter_band(padded, valid, pad_y, pad_x, width, hs, profile, trajectory, max_iter,
                 tol2, r0, r1, modes, start):
    """Mean-shift trajectories of the pixels of rows [r0, r1), in raster order."""
    C, Yp, Xp = padded.shape
    Y, X = modes.shape[1], modes.shape[2]
    F = 2 + C
    flat = padded.reshape(-1)
    flat_valid = valid.reshape(-1)
    flat_modes = modes.reshape(F, -1)
    state = np.empty((r1 - r0) * X, np.uint8)
    state[:] = _UNSEEN
    path = np.empty(max_iter + 1, np.int64)
    point = np.empty(F, np.float64)
    sums = np.empty(F + 1, np.float64)
    scratch = np.empty((2, width), np.float32)
    offsets = np.arange(width).astype(np.float32)
    inv_hs2 = 1.0 / (hs * hs)
    flat_start = start.reshape(F, -1)
    has_start = start.shape[1] == Y and start.shape[2] == X
    for i in range(r0 * X, r1 * X):
        y, x = i // X, i % X
        here = (y + pad_y) * Xp + x + pad_x
        if not flat_valid[here]:
            for f in range(F):
                flat_modes[f, i] = 0.0
            continue
        if state[i - r0 * X] == _DONE:
            continue
        point[0], point[1] = y, x
        for c in range(C):
            point[2 + c] = flat[c * Yp * Xp + here]
        if has_start and not np.isnan(flat_start[0, i]):
            for f in range(F):
                point[f] = flat_start[f, i]
        n_path = 1
        path[0] = i
        state[i - r0 * X] = _ON_PATH
        adopted = -1
        for _ in range(max_iter):
            _window_sums(flat, flat_valid, offsets, point, hs, inv_hs2, profile, C, Yp,
                         Xp, pad_y, pad_x, width, scratch, sums)
            if sums[F] <= 0.0:
                break
            shift2 = 0.0
            for f in range(F):
                new = sums[f] / sums[F]
                delta = new - point[f]
                shift2 += delta * delta * (inv_hs2 if f < 2 else 1.0)
                point[f] = new
            if trajectory:
                q = _trajectory_pixel(flat, flat_valid, state, point, C, X, Yp, Xp,
                                      pad_y, pad_x, r0, r1)
                if q >= 0 and state[q - r0 * X] == _DONE:
                    adopted = q
                    break
                if q >= 0:
                    state[q - r0 * X] = _ON_PATH
                    path[n_path] = q
                    n_path += 1
            if shift2 < tol2:
                break
        for p in range(n_path):
            for f in range(F):
                flat_modes[f, path[p]] = (flat_modes[f, adopted] if adopted >= 0
                                          else point[f])
            state[path[p] - r0 * X] = _DONE


@jit(inline=True)
def _trajectory_pixel(flat, flat_valid, state, point, C, X, Yp, Xp, pad_y, pad_x, r0,
                      r1):
    """The pixel under ``point`` if it is in the band, valid, not on this path yet
    and its range value is within h_r / 2 of the point's; else -1."""
    y, x = int(point[0] + 0.5), int(point[1] + 0.5)
    if not (r0 <= y < r1 and 0 <= x < X):
        return -1
    q = y * X + x
    here = (y + pad_y) * Xp + x + pad_x
    if not flat_valid[here] or state[q - r0 * X] == _ON_PATH:
        return -1
    d = 0.0
    for c in range(C):
        diff = flat[c * Yp * Xp + here] - point[2 + c]
        d += diff * diff
    return q if d < 0.25 else -1


@jit(inline=True)
def _window_sums(flat, flat_valid, offsets, point, hs, inv_hs2, profile, C, Yp, Xp,
                 pad_y, pad_x, width, scratch, sums):
    """Weighted sums of (y, x, range...) over the window around ``point``, and of the
    weights (``sums[-1]``): its rows of ``width`` padded pixels, each tested for the
    spatial disc, the range ball and validity."""
    F = 2 + C
    sums[:] = 0.0
    py, px = point[0], point[1]
    radius = width // 2 - 1
    x0 = int(math.floor(px)) - radius   # first column of every row
    lo = max(int(math.ceil(py - hs)), -pad_y)
    hi = min(int(math.floor(py + hs)), Yp - 1 - pad_y)
    dx0 = np.float32(x0 - px)
    for y in range(lo, hi + 1):
        dy2 = np.float32((y - py) * (y - py) * inv_hs2)
        start = np.uint64((y + pad_y) * Xp + x0 + pad_x)
        if C == 3 and profile == 0:
            _row_sums_rgb_uniform(flat, flat_valid, offsets, point, start,
                                  np.uint64(Yp * Xp), width, dx0, dy2,
                                  np.float32(inv_hs2), y, x0, sums)
        else:
            _row_sums(flat, flat_valid, offsets, point, start, np.uint64(Yp * Xp),
                      width, dx0, dy2, np.float32(inv_hs2), profile, C, y, x0,
                      scratch, sums)


@jit(inline=True)
def _row_sums_rgb_uniform(flat, flat_valid, offsets, point, start, plane, width, dx0,
                          dy2, ihs2, y, x0, sums):
    """One window row for three channels and uniform weights (the default): one
    fused, branch-free pass."""
    c0, c1, c2 = np.float32(point[2]), np.float32(point[3]), np.float32(point[4])
    b1, b2 = start + plane, start + plane + plane
    sw = np.float32(0.0)
    sx = np.float32(0.0)
    s0 = np.float32(0.0)
    s1 = np.float32(0.0)
    s2 = np.float32(0.0)
    for j in range(width):
        i = np.uint64(j)
        v0, v1, v2 = flat[start + i], flat[b1 + i], flat[b2 + i]
        a, b, c = v0 - c0, v1 - c1, v2 - c2
        dx = dx0 + offsets[i]
        # & not 'and': no branch, so the loop vectorises
        inside = (flat_valid[start + i] & (a * a + b * b + c * c <= np.float32(1.0))
                  & (dy2 + dx * dx * ihs2 <= np.float32(1.0)))
        w = np.float32(inside)
        sw += w
        sx += w * offsets[i]
        s0 += w * v0
        s1 += w * v1
        s2 += w * v2
    sums[0] += sw * y
    sums[1] += sx + sw * x0
    sums[2] += s0
    sums[3] += s1
    sums[4] += s2
    sums[5] += sw


@jit(inline=True)
def _row_sums(flat, flat_valid, offsets, point, start, plane, width, dx0, dy2, ihs2,
              profile, C, y, x0, scratch, sums):
    """One window row for any channels and profile: range distances channel by
    channel, then weights, then sums (each pass vectorised)."""
    dist, weight = scratch[0], scratch[1]
    for j in range(width):
        dist[j] = 0.0
    for c in range(C):
        base = start + np.uint64(c) * plane
        centre = np.float32(point[2 + c])
        for j in range(width):
            diff = flat[base + np.uint64(j)] - centre
            dist[j] += diff * diff
    for j in range(width):
        i = np.uint64(j)
        v = dist[j]
        dx = dx0 + offsets[i]
        u = dy2 + dx * dx * ihs2
        inside = flat_valid[start + i] & (v <= np.float32(1.0)) & (u <= np.float32(1.0))
        if profile == 0:
            w = np.float32(1.0)
        elif profile == 1:
            w = (np.float32(1.0) - u) * (np.float32(1.0) - v)
        else:
            w = np.exp(np.float32(-4.5) * (u + v))
        weight[j] = w if inside else np.float32(0.0)
    row_w = np.float32(0.0)
    row_x = np.float32(0.0)
    for j in range(width):
        row_w += weight[j]
        row_x += weight[j] * offsets[np.uint64(j)]
    sums[0] += row_w * y
    sums[1] += row_x + row_w * x0
    for c in range(C):
        base = start + np.uint64(c) * plane
        total = np.float32(0.0)
        for j in range(width):
            total += weight[j] * flat[base + np.uint64(j)]
        sums[2 + c] += total
    sums[2 + C] += row_w
