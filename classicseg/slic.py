"""SLIC superpixels (Achanta et al., TPAMI 34(11) 2012) and SLICO.

The wrapper validates the input, converts RGB to CIELAB, brings every image to the
canonical kernel layout ``(Z, Y, X, C)`` (2-D images have ``Z = 1``), places the
seeds and calls one Numba kernel that runs all k-means iterations.

The kernel is pixel-centric: each pixel looks at the clusters whose 2S x 2S window
contains it, found through a grid of bins of side S that is rebuilt from the
current centres at every iteration.  This is exactly the published assignment
(each cluster scans its own window) without its write races, so rows are processed
in parallel.  Centre sums are accumulated per row band, with a band partition that
depends only on the image, and reduced in band order: the labels are identical for
any number of threads.
"""
import math

import numpy as np

from ._numba import compile_in_background, jit, prange
from ._validate import (check_mask, check_positive, check_sigma, check_spacing,
                        power_of_two_scale, spatial_image, to_float)
from .color import check_rgb, lab_image, lab_planes
from .labels import _enforce_connectivity, adjust_segment_count, relabel_sequential

__all__ = ["slic"]

# Accumulator memory per call is n_bands * K * (C + 3) float64: cap it.
_MAX_ACCUMULATOR_BYTES = 64 << 20
_MAX_BANDS = 16
_ROWS_PER_BAND = 64   # fewer rows per band would cut most windows in two


def slic(image, n=500, compactness=10.0, *, max_num_iter=10, sigma=0.0, mask=None,
         enforce_connectivity=True, min_size_factor=0.05, slico=False, exact=False,
         spacing=None, channel_axis=-1):
    """Segment an image into SLIC superpixels.

    Parameters
    ----------
    image : (H, W), (H, W, C) or (D, H, W[, C]) array
        Grayscale, RGB (clustered in CIELAB), RGBA (alpha dropped), any other
        multichannel image (clustered as is) or a 3-D volume.  Integer images are
        scaled by their dtype's range; floats are taken as given (RGB in [0, 1]).
    n : int
        Wanted number of superpixels.  The result has close to ``n`` segments
        (exactly ``n`` with ``exact=True``).
    compactness : float
        The weight m of the spatial distance: larger gives more regular
        superpixels.  Colour distances are in CIELAB units (L in [0, 100]); gray
        and non-RGB channels in [0, 1] are multiplied by 100 so that the same
        ``compactness`` means the same for every kind of image.  Values so small
        that the weighted colour distances would overflow float32 (below about
        1e-13 for images in their nominal range) raise ValueError.
    max_num_iter : int
        Number of k-means iterations (10 in the paper).
    sigma : float
        Standard deviation of a Gaussian pre-smoothing, in pixels (scaled by
        ``spacing``); 0 for none, at most the image's largest side.
    mask : bool array, optional
        Spatial mask; superpixels are computed inside it, 0 outside.  Each
        separate part of the mask holds at least one superpixel, so a mask of
        more than ``n`` parts gives more than ``n`` segments.
    enforce_connectivity : bool
        Make every superpixel connected (4-connected, 6 in 3-D): each superpixel
        is the largest connected piece of one k-means cluster, and the cluster's
        other pieces join the adjacent superpixel of closest mean colour.
    min_size_factor : float
        Superpixels smaller than ``min_size_factor * N / n`` pixels are dissolved
        the same way.  Achanta's code merges every piece below ``0.25 * N / n``,
        whole clusters included, which loses up to a third of the segments on
        BSDS500 images; 0.05 removes only slivers and keeps the count near ``n``.
    slico : bool
        SLICO: each cluster normalises colour distances by the largest one it saw
        (zero-parameter SLIC); ``compactness`` is then the initial value.
    exact : bool
        Return exactly ``n`` connected segments: merge the smallest segment into
        its most similar neighbour, or split the largest one, until there are
        ``n``.  Implies ``enforce_connectivity``.  A ValueError when ``mask`` has
        more separate (4-connected, 6 in 3-D) parts than ``n``, since no segment
        spans two.
    spacing : sequence of float, optional
        Pixel/voxel spacing along each spatial axis, for anisotropic data.  Only
        ratios matter.  An axis physically too thin for a cube cell (a volume's
        single slice, or a tiny spacing) gets one cell across, so a
        ``(1, H, W)`` volume is segmented as the ``(H, W)`` image.
    channel_axis : int or None
        Axis of the channels; ``None`` for grayscale images and volumes.

    Returns
    -------
    labels : int32 array of the image's spatial shape
        Superpixels numbered 1..K, 0 outside ``mask``.

    Notes
    -----
    Seeds are placed on a grid with step S = sqrt(N / n) (its rows and columns
    chosen so that their product is as close to ``n`` as possible) and moved to
    the lowest gradient position of their 3x3 neighbourhood.  Each iteration
    assigns every pixel to the cluster minimising
    ``D = d_c^2 + (d_s / S)^2 m^2`` among those whose 2S x 2S window contains it,
    then moves each centre to the mean of its pixels.  Distances are exact
    (squared Euclidean, no subsampling).

    References
    ----------
    R. Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
    Methods", IEEE TPAMI 34(11), 2012. :doi:`10.1109/TPAMI.2012.120`

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import slic
    >>> img = np.zeros((40, 60, 3), np.uint8); img[:, 30:] = 255
    >>> labels = slic(img, n=6)
    >>> int(labels.max())
    6
    >>> bool((labels[:, :30, None] != labels[:, 30:][:, None]).all())
    True
    """
    connectivity = enforce_connectivity or exact
    # a cold cache: the connectivity kernel compiles on the other core meanwhile
    pending = compile_in_background(*_CONNECTIVITY_EXAMPLE) if connectivity else None
    planes, colour_scale, span_bound = _features(image, channel_axis, sigma, spacing)
    spatial_shape = planes.shape[1:]
    n_pixels = math.prod(spatial_shape)
    n = check_positive(n, "n", integer=True)
    compactness = _check_compactness(compactness, planes, colour_scale, span_bound)
    max_num_iter = check_positive(max_num_iter, "max_num_iter", integer=True)
    min_size_factor = check_positive(min_size_factor, "min_size_factor",
                                     allow_zero=True)
    mask = check_mask(mask, spatial_shape)
    n_available = n_pixels if mask is None else int(mask.sum())
    if n > n_available:
        where = "pixels" if mask is None else "pixels inside mask"
        raise ValueError(f"n={n} is larger than the number of {where} "
                         f"({n_available}); ask for at most {n_available} superpixels")

    if exact and mask is not None:
        _check_exact_possible(n, mask)

    ndim = len(spatial_shape)
    spacing = check_spacing(spacing, ndim)
    if not 2.0 ** -32 <= spacing.max() <= 2.0 ** 32:
        # distances are relative to S, so only spacing ratios matter: an (exact)
        # power of two keeps physical distances well inside float32
        spacing = spacing * 2.0 ** -math.floor(math.log2(spacing.max()))
    planes = planes.reshape(planes.shape[:1] + (1,) * (3 - ndim) + spatial_shape)
    vmask = (np.ones(planes.shape[1:], np.bool_) if mask is None
             else mask.reshape(planes.shape[1:]))
    sp3 = np.concatenate([np.ones(3 - ndim), spacing])

    grid, steps, wide = _grid_shape(vmask, sp3, n, ndim)
    centers = _seed_centers(planes, vmask, grid, steps)
    if len(centers) == 0:
        centers = _fallback_seed(planes, vmask)
    s_phys = math.prod(steps[wide] * sp3[wide]) ** (1.0 / wide.sum())
    half_window = steps.copy()
    if ndim == 2:
        half_window[0] = 1.0   # the single slice z = 0
    n_bands = _band_count(vmask.shape[0] * vmask.shape[1], len(centers), len(planes))
    labels = _slic_kernel(planes, vmask, centers, half_window, sp3, s_phys,
                          compactness / colour_scale, slico, max_num_iter, n_bands)
    if connectivity:
        if pending is not None:
            pending.wait()
        segment_size = n_available / n
        min_size = int(min(min_size_factor * segment_size, n_available))
        # masked pixels that no window reached keep -1: a label of their own
        labels = _enforce_connectivity(labels, vmask, min_size, planes, True)
    else:   # clusters may be disconnected; fill the gaps left by empty clusters
        labels = np.where(labels < 0, len(centers), labels) + 1
        labels = relabel_sequential(np.where(vmask, labels, 0))
    if exact:
        labels = adjust_segment_count(labels, n, np.moveaxis(planes, 0, -1))
    return labels.reshape(spatial_shape)


# ------------------------------------------------------------------ preparation

def _features(image, channel_axis, sigma, spacing):
    """The clustering features as float32 planes (C, *spatial), their colour
    scale (distance units per feature unit) and a bound on their span.

    SLIC works in float32 whatever the input: its distances need no more.  Lab is
    computed in float64 and rounded once, so uint8, uint16 and float64 versions of
    one picture give identical features.
    """
    arr, has_channels = spatial_image(image, channel_axis)
    if has_channels and arr.shape[-1] == 4:
        arr = arr[..., :3]   # RGBA: drop alpha
    if has_channels and arr.shape[-1] == 3 and arr.dtype == np.uint8:
        planes, colour_scale, span_bound = lab_planes(arr), 1.0, _UINT8_LAB_SPAN
    else:
        if has_channels and arr.shape[-1] == 3:
            check_rgb(arr)
            exact_in_f32 = arr.dtype in (np.float32, np.float16)
            feats = lab_image(arr, np.float32 if exact_in_f32 else np.float64)
            colour_scale = 1.0
        else:
            feats, colour_scale = to_float(arr), 100.0
        feats = feats[None] if not has_channels else np.moveaxis(feats, -1, 0)
        lo, hi = float(feats.min()), float(feats.max())
        # huge values: divide by a power of two (exact) so float32 squares fit;
        # the colour scale absorbs it, so distances are unchanged
        scale = power_of_two_scale(feats, value_range=(lo, hi))
        planes = np.ascontiguousarray(feats / scale if scale != 1 else feats,
                                      dtype=np.float32)
        colour_scale *= scale
        # float32 rounding may widen the span a hair; smoothing only narrows it
        span_bound = (hi - lo) / scale * (1 + 1e-6)
    sp = check_spacing(spacing, planes.ndim - 1)
    sigmas = check_sigma(sigma, planes.shape[1:], sp)
    if max(sigmas) > 0:
        from scipy.ndimage import gaussian_filter   # rarely used: keep import light
        planes = gaussian_filter(planes, (0,) + sigmas)   # shrinks the span
    return planes, colour_scale, span_bound


# Lab of 8-bit sRGB spans less than this (L 0..100, a and b within -108..99): for
# uint8 RGB images the compactness check needs no min/max pass (6 ms at 6 Mpx).
_UINT8_LAB_SPAN = 300.0


def _check_compactness(compactness, planes, colour_scale, span_bound):
    """``compactness`` as a float, refused when so small against the features'
    span that the weighted colour distances overflow float32; ``span_bound``
    bounds that span (the exact span is measured only near the limit)."""
    compactness = check_positive(compactness, "compactness")
    if compactness >= colour_scale * max(span_bound, 1.0) * 1e-15:
        return compactness   # fine for any span up to the bound
    span = float(planes.max()) - float(planes.min())
    lowest = colour_scale * max(span, 1.0) * 1e-15
    if compactness < lowest:
        raise ValueError(
            f"compactness={compactness!r} is too small for this image, whose "
            f"colour distances span {span * colour_scale:.3g} (CIELAB units for "
            "RGB; gray and other channels are multiplied by 100 and expected in "
            "about [0, 1]): divided by compactness**2 they would overflow float32. "
            f"Expected compactness >= {lowest:.3g}, or rescale the image")
    return compactness


def _check_exact_possible(n, mask):
    """Raise ValueError when ``mask`` has more separate parts than ``n``: a
    segment never spans two parts, so exactly ``n`` segments cannot be made."""
    from scipy.ndimage import label   # only for exact counts: keep import light

    n_parts = label(mask)[1]
    if n_parts > n:
        raise ValueError(
            f"n={n} is impossible with exact=True: mask has {n_parts} separate parts "
            f"({2 * mask.ndim}-connected) and a segment cannot span two; ask for "
            f"n >= {n_parts}, or pass exact=False")


def _grid_shape(mask, spacing, n, ndim):
    """Seed grid (cells per axis) with a cell count close to ``n`` over the mask,
    the cell size in pixels per axis, and the axes S is measured over: all but
    those too thin for a cube cell (such as a volume's single slice), which get
    one cell across."""
    shape = np.asarray(mask.shape, np.float64)
    extent = shape * spacing
    fill = mask.mean()   # masks: as many cells over the image as n / fill
    target = n / fill
    axes = np.arange(3) >= 3 - ndim
    settled = np.where(axes & (extent == 0), 1.0, 0.0)   # > 0: that many cells
    with np.errstate(divide="ignore"):
        log_extent = np.log(extent)
    while True:   # cube cells over the free axes; settle those they overshoot
        free = axes & (settled == 0)
        if not free.any():
            break
        left = target / np.prod(settled[settled > 0])
        log_side = (log_extent[free].sum() - math.log(left)) / free.sum()
        ideal = np.exp(log_extent - log_side)
        low, high = free & (ideal < 1), free & (ideal > shape)
        if low.any():   # thin axes first: settling them widens the others' cells
            settled[low] = 1
        elif high.any():
            settled[high] = shape[high]
        else:
            break
    if free.sum() == ndim:   # the usual case, as the published grid
        ideal = extent / (np.prod(extent[axes]) / target) ** (1.0 / ndim)
    best = None
    for corner in range(2 ** free.sum()):
        counts = settled.astype(np.int64)
        for i, a in enumerate(np.flatnonzero(free)):
            counts[a] = min(max(1, math.floor(ideal[a]) + ((corner >> i) & 1)),
                            int(shape[a]))
        err = abs(math.prod(counts[axes]) - target)
        if best is None or err < best[0]:
            best = (err, counts)
    grid = np.where(axes, best[1], 1)
    wide = axes & (settled != 1)
    return grid, shape / grid, wide if wide.any() else axes


def _seed_centers(planes, mask, grid, steps):
    """Grid seeds inside the mask, moved to the lowest gradient in 3x3(x3)."""
    axes = [(np.arange(g) + 0.5) * s - 0.5 for g, s in zip(grid, steps)]
    pos = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    pos = np.round(pos).astype(np.int64)
    pos = pos[mask[pos[:, 0], pos[:, 1], pos[:, 2]]]
    return _perturb_seeds(planes, mask, np.ascontiguousarray(pos))


def _fallback_seed(planes, mask):
    """One seed at the masked pixel closest to the mask's centroid."""
    coords = np.argwhere(mask)
    best = coords[np.argmin(((coords - coords.mean(0)) ** 2).sum(1))]
    return _perturb_seeds(planes, mask, best[None].astype(np.int64))


# _enforce_connectivity and the types slic calls it with
_CONNECTIVITY_EXAMPLE = (_enforce_connectivity, np.zeros((1, 1, 1), np.int32),
                         np.ones((1, 1, 1), np.bool_), 0,
                         np.zeros((3, 1, 1, 1), np.float32), True)


def _band_count(n_rows, n_clusters, n_channels):
    per_band = n_clusters * (n_channels + 4) * 8
    n_bands = min(_MAX_BANDS, n_rows // _ROWS_PER_BAND, _MAX_ACCUMULATOR_BYTES // per_band)
    return int(max(1, n_bands - n_bands % 2))   # even: balanced on 2 or 4 threads


# ------------------------------------------------------------------ kernels

@jit(inline=True)
def _gradient_at(planes, mask, z, y, x):
    """Achanta's seed gradient: squared colour differences of opposite neighbours
    (inf where a neighbour is outside the image or the mask)."""
    C, Z, Y, X = planes.shape
    g = 0.0
    for axis in range(3):
        dz, dy, dx = axis == 0, axis == 1, axis == 2
        extent = (Z, Y, X)[axis]
        if extent == 1:
            continue
        z0, y0, x0 = z - dz, y - dy, x - dx
        z1, y1, x1 = z + dz, y + dy, x + dx
        if min(z0, y0, x0) < 0 or z1 >= Z or y1 >= Y or x1 >= X:
            return np.inf
        if not (mask[z0, y0, x0] and mask[z1, y1, x1]):
            return np.inf
        for c in range(C):
            d = planes[c, z1, y1, x1] - planes[c, z0, y0, x0]
            g += d * d
    return g


@jit
def _perturb_seeds(planes, mask, pos):
    """Centres (K, 3 + C) at the lowest-gradient masked pixel near each seed."""
    C, Z, Y, X = planes.shape
    K = pos.shape[0]
    centers = np.empty((K, 3 + C))
    for k in range(K):
        bz, by, bx = pos[k, 0], pos[k, 1], pos[k, 2]
        best = _gradient_at(planes, mask, bz, by, bx)
        z_radius = 1 if Z > 1 else 0
        for dz in range(-z_radius, z_radius + 1):
            for dy in range(-1, 2):
                for dx in range(-1, 2):
                    z, y, x = pos[k, 0] + dz, pos[k, 1] + dy, pos[k, 2] + dx
                    if 0 <= z < Z and 0 <= y < Y and 0 <= x < X and mask[z, y, x]:
                        g = _gradient_at(planes, mask, z, y, x)
                        if g < best:
                            best, bz, by, bx = g, z, y, x
        centers[k, 0] = bz
        centers[k, 1] = by
        centers[k, 2] = bx
        for c in range(C):
            centers[k, 3 + c] = planes[c, bz, by, bx]
    return centers


@jit(parallel=True)
def _slic_kernel(planes, mask, centers, half_window, spacing, s_phys, compactness,
                 slico, n_iter, n_bands):
    """All k-means iterations; ``planes`` is (C, Z, Y, X) float32, ``centers`` (K,
    3 + C) float64 (z, y, x, colour), updated in place.  Returns the labels of the
    last assignment (cluster index, -1 where no window reached)."""
    C, Z, Y, X = planes.shape
    K = centers.shape[0]
    n_rows = Z * Y
    labels = np.empty((Z, Y, X), np.int32)
    dist = np.empty((Z, Y, X), np.float32)
    previous = np.empty((Z, Y, X), np.int32)   # labels of the previous assignment
    # np.empty + loops, no np.zeros/np.full/array expressions: in a parallel kernel
    # each of those is a parallel region of its own, compiled separately (~4 s).
    sums = np.empty((n_bands, K, 3 + C))
    counts = np.empty((n_bands, K), np.int64)
    band_max = np.empty((n_bands, K))
    max_colour = np.empty(K)   # SLICO's running maxima
    _fill_state(sums, counts, band_max, max_colour, compactness * compactness)
    colour_w = np.empty(K, np.float32)
    colours = np.empty((K, C), np.float32)
    first_row = np.empty(K, np.int64)   # window extent in flattened (z, y) rows
    last_row = np.empty(K, np.int64)
    spatial_w = np.float32(1.0 / (s_phys * s_phys))
    xs = np.empty(X, np.float32)
    for x in range(X):
        xs[x] = x * spacing[2]
    _reset_rows(mask, dist, labels, 0, n_rows)
    for it in range(n_iter):
        for k in range(K):
            colour_w[k] = 1.0 / max_colour[k] if slico else 1.0 / (compactness * compactness)
            for ch in range(C):
                colours[k, ch] = centers[k, 3 + ch]
            z_lo, z_hi = _window(centers[k, 0], half_window[0], Z)
            y_lo, y_hi = _window(centers[k, 1], half_window[1], Y)
            first_row[k] = z_lo * Y + y_lo
            last_row[k] = z_hi * Y + y_hi
        last = it == n_iter - 1
        # A band's assignment writes only its own rows, so the same task can sum
        # them right away: one parallel region (one barrier) per iteration.
        for band in prange(n_bands):
            r0 = band * n_rows // n_bands
            r1 = (band + 1) * n_rows // n_bands
            for k in range(K):
                if first_row[k] < r1 and last_row[k] >= r0:
                    _scan_window(planes, centers, colours, k, half_window, spacing, xs,
                                 colour_w[k], spatial_w, r0, r1, dist, labels)
            if last:
                continue   # the labels of the last assignment are the result
            if it == 0 or slico:   # SLICO's running maxima need every pixel
                _accumulate_rows(planes, labels, centers, slico, r0, r1, sums[band],
                                 counts[band], band_max[band])
            else:   # few pixels change cluster after the first iterations
                _update_changed_rows(planes, labels, previous, r0, r1, sums[band],
                                     counts[band])
            _keep_and_reset_rows(mask, dist, labels, previous, r0, r1)
        if not last:
            _update_centers(centers, sums, counts, band_max, max_colour)
    return labels


@jit
def _fill_state(sums, counts, band_max, max_colour, max_colour_init):
    """Zero the per-band sums; SLICO's maxima start at compactness squared."""
    sums[:] = 0.0
    counts[:] = 0
    band_max[:] = 0.0
    max_colour[:] = max_colour_init


@jit(inline=True)
def _reset_rows(mask, dist, labels, r0, r1):
    """Rows [r0, r1) unassigned: dist inf inside the mask, -inf outside (no
    cluster ever beats it)."""
    X = mask.shape[2]
    flat_mask = mask.reshape(-1)
    flat_dist = dist.reshape(-1)
    flat_labels = labels.reshape(-1)
    start = np.uint64(r0 * X)
    for j in range((r1 - r0) * X):
        i = start + np.uint64(j)
        flat_dist[i] = np.float32(np.inf) if flat_mask[i] else np.float32(-np.inf)
        flat_labels[i] = -1


@jit(inline=True)
def _window(c, half, extent):
    """Inclusive index range of pixels i with |i - c| < half, clipped to the axis."""
    lo = max(int(np.floor(c - half)) + 1, 0)
    hi = min(int(np.ceil(c + half)) - 1, extent - 1)
    return lo, hi


@jit(inline=True)
def _scan_window(planes, centers, colours, k, half_window, spacing, xs, colour_w, spatial_w,
                 r0, r1, dist, labels):
    """Achanta's assignment step for cluster k, restricted to rows [r0, r1)."""
    C, Z, Y, X = planes.shape
    cz, cy, cx = centers[k, 0], centers[k, 1], centers[k, 2]
    z_lo, z_hi = _window(cz, half_window[0], Z)
    y_lo, y_hi = _window(cy, half_window[1], Y)
    x_lo, x_hi = _window(cx, half_window[2], X)
    flat_planes = planes.reshape(-1)
    flat_dist = dist.reshape(-1)
    flat_labels = labels.reshape(-1)
    colour = colours[k]
    cxs = np.float32(cx * spacing[2])
    for z in range(z_lo, z_hi + 1):
        for y in range(max(y_lo, r0 - z * Y), min(y_hi, r1 - 1 - z * Y) + 1):
            dzy = np.float32(((z - cz) * spacing[0]) ** 2 + ((y - cy) * spacing[1]) ** 2)
            start = (z * Y + y) * X + x_lo
            _scan_row(flat_planes, xs, flat_dist, flat_labels, Z * Y * X, start, x_lo,
                      x_hi + 1 - x_lo, colour, cxs, colour_w, spatial_w, dzy, np.int32(k))


@jit(inline=True)
def _scan_row(planes, xs, dist, labels, plane_size, start, x_start, n, colour, cxs,
              colour_w, spatial_w, dzy, k):
    """Distances of ``n`` pixels of one row to one cluster; keep the better ones.

    Flat arrays with unsigned offsets and branch-free updates: no wraparound checks,
    so LLVM vectorises the loop (3x faster than the indexed form)."""
    C = colour.shape[0]
    base = np.uint64(start)
    xb = np.uint64(x_start)
    if C == 3:
        b1 = np.uint64(start + plane_size)
        b2 = np.uint64(start + 2 * plane_size)
        c0, c1, c2 = colour[0], colour[1], colour[2]
        for j in range(n):
            i = np.uint64(j)
            dx = xs[xb + i] - cxs
            a = planes[base + i] - c0
            b = planes[b1 + i] - c1
            c = planes[b2 + i] - c2
            d = colour_w * (a * a + b * b + c * c) + spatial_w * (dzy + dx * dx)
            old = dist[base + i]
            dist[base + i] = min(d, old)
            labels[base + i] = k if d < old else labels[base + i]
        return
    for j in range(n):
        i = np.uint64(j)
        dx = xs[xb + i] - cxs
        dc = np.float32(0.0)
        for ch in range(C):
            diff = planes[np.uint64(start + ch * plane_size) + i] - colour[ch]
            dc += diff * diff
        d = colour_w * dc + spatial_w * (dzy + dx * dx)
        old = dist[base + i]
        dist[base + i] = min(d, old)
        labels[base + i] = k if d < old else labels[base + i]


@jit(inline=True)
def _accumulate_rows(planes, labels, centers, slico, r0, r1, sums, counts, band_max):
    """Centre sums of rows [r0, r1), from scratch (and for SLICO each cluster's
    largest colour distance).

    Runs of equal label are summed in registers (consecutive updates of sums[k]
    in memory would serialise on store-to-load latency), over flat arrays with
    unsigned offsets so the run sums vectorise."""
    C, Z, Y, X = planes.shape
    plane_size = Z * Y * X
    flat_planes = planes.reshape(-1)
    flat_labels = labels.reshape(-1)
    sums[:] = 0.0
    counts[:] = 0
    band_max[:] = 0.0
    for row in range(r0, r1):
        z, y = row // Y, row % Y
        base = np.uint64(row * X)
        x = 0
        while x < X:
            k = flat_labels[base + np.uint64(x)]
            start = x
            while x < X and flat_labels[base + np.uint64(x)] == k:
                x += 1
            if k < 0:
                continue
            n = x - start
            sums[k, 0] += z * n
            sums[k, 1] += y * n
            sums[k, 2] += (start + x - 1) * n / 2.0
            counts[k] += n
            for ch in range(C):
                offset = base + np.uint64(ch * plane_size + start)
                total = 0.0
                for i in range(n):
                    total += flat_planes[offset + np.uint64(i)]
                sums[k, 3 + ch] += total
            if slico:
                for i in range(start, x):
                    dc = 0.0
                    for ch in range(C):
                        diff = planes[ch, z, y, i] - centers[k, 3 + ch]
                        dc += diff * diff
                    band_max[k] = max(band_max[k], dc)


@jit(inline=True)
def _update_changed_rows(planes, labels, previous, r0, r1, sums, counts):
    """Move the pixels of rows [r0, r1) whose cluster changed since the previous
    assignment from the old cluster's sums to the new one's.

    Few pixels change after the first iterations: blocks of 16 are tested at once
    (a vectorised xor-or over flat arrays with unsigned offsets), and only blocks
    with a change are visited pixel by pixel."""
    C, Z, Y, X = planes.shape
    flat_labels = labels.reshape(-1)
    flat_previous = previous.reshape(-1)
    stop = np.uint64(r1 * X)
    i = np.uint64(r0 * X)
    while i < stop:
        end = min(i + np.uint64(_CHANGE_BLOCK), stop)
        changed = np.int32(0)
        for j in range(i, end):
            changed |= flat_labels[j] ^ flat_previous[j]
        if changed != 0:
            for j in range(i, end):
                if flat_labels[j] != flat_previous[j]:
                    _move_pixel(planes, int(j), flat_previous[j], flat_labels[j],
                                sums, counts)
        i = end


_CHANGE_BLOCK = 16


@jit(inline=True)
def _move_pixel(planes, flat_index, old, new, sums, counts):
    """Take pixel ``flat_index`` out of cluster ``old``'s sums, into ``new``'s (a
    cluster index < 0: none)."""
    C, Z, Y, X = planes.shape
    row, x = flat_index // X, flat_index % X
    z, y = row // Y, row % Y
    for k, sign in ((old, -1.0), (new, 1.0)):
        if k < 0:
            continue
        sums[k, 0] += sign * z
        sums[k, 1] += sign * y
        sums[k, 2] += sign * x
        for ch in range(C):
            sums[k, 3 + ch] += sign * planes[ch, z, y, x]
        counts[k] += int(sign)


@jit(inline=True)
def _keep_and_reset_rows(mask, dist, labels, previous, r0, r1):
    """Keep rows [r0, r1) of the labels as the previous assignment, then reset
    them for the next one."""
    X = mask.shape[2]
    previous.reshape(-1)[r0 * X:r1 * X] = labels.reshape(-1)[r0 * X:r1 * X]
    _reset_rows(mask, dist, labels, r0, r1)


@jit
def _update_centers(centers, sums, counts, band_max, max_colour):
    """Serial reduction over bands in a fixed order (thread-count independent)."""
    n_bands, K, F = sums.shape
    for k in range(K):
        total = 0
        for b in range(n_bands):
            total += counts[b, k]
            max_colour[k] = max(max_colour[k], band_max[b, k])
        if total == 0:
            continue
        for f in range(F):
            s = 0.0
            for b in range(n_bands):
                s += sums[b, k, f]
            centers[k, f] = s / total
