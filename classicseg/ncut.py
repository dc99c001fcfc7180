"""Normalized cuts (Shi & Malik, TPAMI 22(8) 2000) on the pixel graph and on
region adjacency graphs.

A partition of a weighted graph ``W`` into ``A_1..A_k`` costs
``Ncut = sum_k cut(A_k, V - A_k) / assoc(A_k, V)``; its relaxation is the
generalized eigenproblem ``(D - W) y = lambda D y``.  Two ways from eigenvectors
to segments, both of the papers:

- ``method="kway"``: the ``k`` smallest eigenvectors, discretized by Yu & Shi's
  (ICCV 2003) alternation between the nearest partition matrix and the best
  rotation of the eigenvectors;
- ``method="recursive"``: Shi & Malik's two-way cut, the second eigenvector split
  at the threshold of smallest Ncut, applied again to each side while the best
  split's Ncut is below a threshold (and, given ``n_segments``, the cheapest split
  first until there are that many segments);
- ``method="merge"``: the k-way cut into ``n_initial`` segments, then bottom-up
  the mirror of the recursive criterion: the adjacent pair whose two-way Ncut
  inside their union is largest (the split the recursive cut would make last)
  merges first, while it is at least ``threshold`` and more than ``n_segments``
  segments remain.  One k-way solve, and the number of segments adapts to the
  image: on BSDS500 it meets the published NCuts figures (README).

The eigensolver depends on the graph's size:

- up to ``_DENSE_MAX`` nodes (superpixel graphs): LAPACK's dense ``eigh``;
- up to ``_ARPACK_MAX``: ARPACK in shift-invert mode on ``(D - W, D)``, a sparse LU
  of ``D - W + s D`` and a few Lanczos steps (the spectrum's low end is clustered,
  ~1e-5 apart, so ARPACK without the shift needs thousands of products);
- larger (pixel graphs): a two-level solve.  The problem is projected on the
  vectors constant on a fine SLIC over-segmentation (``P^T (D - W) P``, Galerkin),
  solved there by ARPACK, and the prolongated eigenvectors are refined at full
  resolution by subspace iteration with ``(I + D^-1/2 W D^-1/2) / 2`` and a final
  Rayleigh-Ritz step.  Measured on a 481x321 BSDS image (radius 3, 20 vectors):
  ARPACK alone 91 s, shift-invert on the pixel graph 68 s (LU fill-in), SciPy's
  LOBPCG with an AMG preconditioner 28 s and from the prolongated guess ~0.9 s per
  iteration; the two-level solve takes ~1 s and its eigenvalues are within a few
  percent of the exact ones.
"""
import heapq

import numpy as np

from ._lazy import lazy_module
from ._numba import jit, prange
from ._validate import check_choice, check_positive
from .color import range_planes

__all__ = ["NcutResult", "ncut", "ncut_superpixels", "ncut_value", "pixel_affinity",
           "region_affinity", "spectral_embedding", "discretize", "merge_order"]

sparse = lazy_module("scipy.sparse")
linalg = lazy_module("scipy.linalg")

_DENSE_MAX = 500
_ARPACK_MAX = 20000
_SHIFT = 1e-3          # ARPACK's shift below the spectrum [0, 2]
_N_THRESHOLDS = 32     # split points tried along the second eigenvector
_ARPACK_MIN_K = 20     # eigenpairs ARPACK is asked for at least (see _smallest)
_MERGE_THRESHOLD = 0.003  # ncut's default for method="merge": BSDS val meets all three
                          # published NCuts figures there (README)
_CONTOUR_FLOOR = 1e-3  # added to the contour factor (see ncut's docstring)
_WALL = 2 * _CONTOUR_FLOOR   # links below this weight are cut (_attached)
_REGION_CHUNKS = 64      # units of region_affinity's parallel loops


class NcutResult:
    """What :func:`ncut` computed, with ``return_info=True``.

    Attributes
    ----------
    labels : (H, W) int32
        The segmentation (as returned without ``return_info``).
    value : float
        Ncut of ``labels`` on ``affinity`` (:func:`ncut_value`).
    eigenvalues : (k,) float64
        Smallest generalized eigenvalues of ``(D - W) y = lambda D y``: the
        ``n_segments`` (kway) or ``n_initial`` (merge) of the k-way cut, or the two of
        the first (whole-graph) split (recursive).
    eigenvectors : (N, k) float64
        The matching eigenvectors ``y``, D-orthonormal, pixels in raster order.
    affinity : scipy.sparse.csr_matrix (N, N)
        The pixel graph ``W``.
    initial : (H, W) int32 or None
        Merge only: the k-way cut the merging started from (segments 1..m).
    merges : (M, 3) float64 or None
        Merge only: every merge of the hierarchy, :func:`merge_order` of
        ``initial - 1``; :meth:`cut` reads the segmentation at another level.
    """

    def __init__(self, labels, value, eigenvalues, eigenvectors, affinity,
                 initial=None, merges=None, planes=None):
        self.labels = labels
        self.value = value
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
        self.affinity = affinity
        self.initial = initial
        self.merges = merges
        self._planes = planes

    def cut(self, n_segments=None, threshold=None):
        """The merge hierarchy's segmentation at ``threshold`` and/or
        ``n_segments`` (neither: the default threshold): what
        ``ncut(..., method="merge")`` returns with them, without solving again."""
        if self.merges is None:
            raise ValueError("cut() needs the merge hierarchy: method='merge'")
        n_segments = _check_segments(n_segments, self.initial.size, "pixels",
                                     allow_none=True)
        if threshold is None and n_segments is None:
            threshold = _MERGE_THRESHOLD
        groups = _merged(self.initial.ravel() - 1, self.merges, n_segments, threshold)
        return _connected(groups.reshape(self.initial.shape), self._planes, 0)

    def __repr__(self):
        return (f"NcutResult(segments={int(self.labels.max())}, value={self.value:.4g}, "
                f"eigenvalues={np.round(self.eigenvalues, 6).tolist()})")


# ----------------------------------------------------------------- pixel level

def ncut(image, n_segments=None, *, radius=5.0, sigma_color=30.0, sigma_space=4.0,
         contour=True, sigma_contour=0.03, method="merge", threshold=None,
         n_initial=None, min_size=None, n_coarse=None, refine_iter=10, rng=0,
         return_info=False, channel_axis=-1):
    """Segment an image by normalized cuts of its pixel graph (Shi & Malik 2000).

    Pixels ``i, j`` closer than ``radius`` are joined by
    ``w_ij = exp(-|F_i - F_j|^2 / sigma_color^2 - |X_i - X_j|^2 / sigma_space^2)``,
    ``F`` the colour (CIELAB for RGB) and ``X`` the position, times
    ``exp(-max_k E_k^2 / sigma_contour^2) + 0.001`` with ``contour=True``, ``E``
    the gradient magnitude along the segment from ``i`` to ``j``, ends included
    (intervening contours, Malik et al. 2001).  The 0.001 keeps regions that
    contours enclose weakly attached: in textured images hundreds would otherwise
    be components of their own, each a zero eigenvalue (ARPACK stalls on such
    clusters).  Pixels on a contour, whose every link the term cuts, are left to
    the end and given the segment of the 4-neighbour of closest colour.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
        RGB (CIELAB features; RGBA drops alpha), gray or multichannel (its own
        units: uint8 gray in 0..255, floats as given).
    n_segments : int
        Number of segments of the cut (kway: eigenvectors and clusters; recursive:
        at most this many, cheapest splits first; merge: merged down to at most
        this many; None (recursive, merge) = the threshold alone decides).
        Splitting disconnected clusters and merging small pieces changes the final
        count.
    radius : float
        Graph neighbourhood in pixels (disk), at least 1.
    sigma_color, sigma_space, sigma_contour : float
        Scales of the colour, spatial and contour terms (CIELAB units; pixels;
        the units of :func:`classicseg.gradient_magnitude`, L* / 100 per pixel).
    contour : bool
        Multiply in the intervening-contour term.
    method : {"kway", "recursive", "merge"}
        Yu & Shi's discretization of ``n_segments`` eigenvectors, Shi & Malik's
        recursive two-way cut, or the k-way cut into ``n_initial`` segments merged
        bottom-up (module docstring).
    threshold : float, optional
        Recursive: no split whose Ncut exceeds it; merge: no merge of a pair whose
        two-way Ncut is below it (default: none when ``n_segments`` is given, else
        0.1 recursive, 0.003 merge).
    n_initial : int, optional
        Merge only: segments of the initial k-way cut (default
        ``max(40, 2 * n_segments)``, at most the number of pixels).
    min_size : int, optional
        Pieces smaller than this join the adjacent piece of closest mean colour
        (default ``H * W // (25 * n)``, ``n`` = ``n_initial`` for merge, else
        ``n_segments`` or 20; merge applies it to the initial cut).
    n_coarse : int, optional
        Images above 20,000 pixels are solved in two levels (module docstring), on a
        SLIC over-segmentation of ``n_coarse`` superpixels (default ``H * W // 25``).
    refine_iter : int
        Subspace iterations of the two-level solve at full resolution.
    rng : int or numpy.random.Generator
        Seeds the discretization's start and ARPACK's start vector: the same seed
        gives the same labels.
    return_info : bool
        Return a :class:`NcutResult` (labels, Ncut value, eigenpairs, affinity).
    channel_axis : int or None
        Axis of the channels; None for gray images.

    Returns
    -------
    labels : (H, W) int32
        Segments 1..K, each 4-connected (or a :class:`NcutResult`).

    Notes
    -----
    The graph holds ~``pi * radius**2`` links per pixel, 12 bytes each: ~150 MB
    for a 481x321 image at radius 5, ~6 GB at 6 megapixels.  Downscale large
    images, or cut the region graph of their superpixels
    (:func:`ncut_superpixels`).

    References
    ----------
    J. Shi and J. Malik, "Normalized cuts and image segmentation", IEEE TPAMI
    22(8), 2000.  S. X. Yu and J. Shi, "Multiclass spectral clustering", ICCV 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import ncut
    >>> img = np.zeros((30, 40), np.uint8); img[:, 20:] = 200
    >>> labels = ncut(img, 2, sigma_color=20, channel_axis=None)
    >>> bool((labels[:, :20] == 1).all() and (labels[:, 20:] == 2).all())
    True
    """
    planes = range_planes(image, channel_axis)
    shape = planes.shape[1:]
    n_pixels = shape[0] * shape[1]
    check_choice(method, "method", ("merge", "kway", "recursive"))
    if method == "kway" and n_segments is None:
        raise ValueError("n_segments is required with method='kway' (None only with "
                         "'merge' or 'recursive', where the threshold decides)")
    n_segments = _check_segments(n_segments, n_pixels, "pixels",
                                 allow_none=method != "kway")
    if n_pixels < 2:
        raise ValueError(f"image has {n_pixels} pixel: a cut needs at least 2")
    if method == "merge":
        if n_initial is None:
            n_initial = min(max(40, 2 * (n_segments or 0)), n_pixels)
        n_initial = _check_segments(n_initial, n_pixels, "pixels", name="n_initial")
    if threshold is None and n_segments is None:
        threshold = 0.1 if method == "recursive" else _MERGE_THRESHOLD
    _check_pixel_graph(radius, sigma_color, sigma_space, sigma_contour)
    refine_iter = check_positive(refine_iter, "refine_iter", integer=True,
                                 allow_zero=True)
    rng = np.random.default_rng(rng)
    edges = _contour_edges(image, contour, channel_axis)
    affinity = pixel_affinity(planes, radius, sigma_color, sigma_space, edges,
                              sigma_contour)
    coarse = None
    if n_pixels > _ARPACK_MAX:
        from .slic import slic
        n_coarse = n_pixels // 25 if n_coarse is None else check_positive(
            n_coarse, "n_coarse", integer=True)
        n_vectors = n_initial if method == "merge" else n_segments or 2
        coarse = _renumbered(slic(image, n=max(n_coarse, 2 * n_vectors),
                                  channel_axis=channel_axis))
    attached = _attached(affinity)
    if not attached.any():
        raise ValueError("every link of the pixel graph is cut by a contour: raise "
                         f"sigma_contour (got {sigma_contour!r}) or set contour=False")
    solve = _solver(coarse, refine_iter, rng)
    if min_size is None:
        min_size = n_pixels // (25 * (n_initial if method == "merge"
                                      else n_segments or 20))
    else:
        check_positive(min_size, "min_size", integer=True, allow_zero=True)
    if method == "recursive":
        groups, values, vectors = _recursive_cut(affinity, n_segments, threshold,
                                                 solve)
    else:
        values, vectors = solve(affinity, n_initial if method == "merge"
                                else n_segments)
        groups = discretize(vectors, rng=rng)
    groups = _fill_walls(groups, attached, planes)
    if method == "merge":
        start = _connected(groups.reshape(shape), planes, min_size).ravel() - 1
        merges = merge_order(affinity, start)
        groups = _merged(start, merges, n_segments, threshold)
        min_size = 0   # the pieces merged are that large already
    labels = _connected(groups.reshape(shape), planes, min_size)
    if not return_info:
        return labels
    extra = {}
    if method == "merge":
        extra = dict(initial=(start + 1).reshape(shape).astype(np.int32),
                     merges=merges, planes=planes)
    return NcutResult(labels, ncut_value(affinity, labels), values, vectors, affinity,
                      **extra)


def pixel_affinity(planes, radius, sigma_color, sigma_space, edges=None,
                   sigma_contour=0.05):
    """The pixel graph of :func:`ncut` as a symmetric CSR matrix (N, N).

    ``planes``: float32 features (C, H, W); ``edges``: an (H, W) edge map for the
    intervening-contour term, or None.  Row ``i`` is pixel ``i`` in raster order;
    no diagonal."""
    planes, links = _link_setup(planes, radius, sigma_color, sigma_space, edges,
                                sigma_contour)
    offsets = links[2]
    C, H, W = planes.shape
    counts = _neighbour_counts(offsets, H, W)
    indptr = np.zeros(H * W + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(indptr[-1], np.int32)
    data = np.empty(indptr[-1], np.float64)
    _fill_affinity(planes, *links, indptr, indices, data)
    return sparse.csr_matrix((data, indices, indptr), shape=(H * W, H * W))


def _link_setup(planes, radius, sigma_color, sigma_space, edges, sigma_contour):
    """``planes`` as float32 and the arguments of :func:`_link_weight` after the
    pixel pair: edge map, whether it is used, offsets, their contour lines and the
    inverse squared sigmas."""
    planes = np.ascontiguousarray(planes, dtype=np.float32)
    offsets = _disk_offsets(radius)
    starts, points, n_points = _lines(offsets)
    use_edges = edges is not None
    edge_map = (np.ascontiguousarray(edges, dtype=np.float32) if use_edges
                else np.zeros((1, 1), np.float32))
    return planes, (edge_map, use_edges, offsets, starts, points, n_points,
                    1.0 / sigma_color ** 2, 1.0 / sigma_space ** 2,
                    1.0 / sigma_contour ** 2)


def region_affinity(planes, groups, m, radius, sigma_color, sigma_space, edges=None,
                    sigma_contour=0.05):
    """``P^T W P``: the pixel graph of :func:`pixel_affinity` summed over the groups
    ``groups`` ((H, W) ints 0..m-1; ``m`` = none, e.g. unlabelled pixels), CSR (m, m);
    the diagonal holds each group's internal association.

    Each group's row is summed straight from its pixels' links, never stored: memory
    is that of the result, and no time goes to writing and reading ~100 MB of
    links per 10^5 pixels."""
    planes, links = _link_setup(planes, radius, sigma_color, sigma_space, edges,
                                sigma_contour)
    offsets = links[2]
    flat = np.ascontiguousarray(groups, dtype=np.int64).ravel()
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(m + 1))
    # pieces: runs of one group's pixels (in ``order``), also cut where the parallel
    # chunks of equal pixel counts meet, so that threads share a large group
    cuts = np.linspace(0, starts[-1], _REGION_CHUNKS + 1).astype(np.int64)
    pieces = np.union1d(starts, cuts)
    chunks = np.searchsorted(pieces, cuts)
    degree = np.zeros(len(pieces), np.int64)
    none = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    _piece_rows(planes, *links, flat, order, pieces, chunks, m, False, degree[1:],
                *none)
    indptr = np.cumsum(degree)
    indices = np.empty(indptr[-1], np.int64)
    data = np.empty(indptr[-1])
    _piece_rows(planes, *links, flat, order, pieces, chunks, m, True, degree[1:],
                indptr, indices, data)
    rows = np.repeat(flat[order[pieces[:-1]]], degree[1:])
    return sparse.csr_matrix((data, (rows, indices)), shape=(m, m))   # sums pieces


@jit(parallel=True)
def _piece_rows(planes, edges, use_edges, offsets, line_starts, points, n_points,
                inv_c2, inv_s2, inv_e2, flat, order, pieces, chunks, m, weigh, degree,
                indptr, indices, data):
    """Row i: the groups piece i's pixels link to (``degree[i]`` of them, its own
    included), in the order first reached, and with ``weigh`` (CSR ``indptr`` from
    the degrees) their links summed per group (a dense accumulator per chunk).  A
    link inside the group (w_pq and w_qp both on its diagonal) is computed once,
    from its pixel earlier in raster order (``offsets[half:]`` point forwards)."""
    H, W = planes.shape[1:]
    half = offsets.shape[0] // 2
    for c in prange(chunks.shape[0] - 1):
        acc = np.zeros(m)
        seen = np.zeros(m, np.bool_)
        reached = np.empty(m, np.int64)
        for i in range(chunks[c], chunks[c + 1]):
            group = flat[order[pieces[i]]]
            n = 0
            for q in range(pieces[i], pieces[i + 1]):
                y, x = divmod(order[q], W)
                for o in range(offsets.shape[0]):
                    yy, xx = y + offsets[o, 0], x + offsets[o, 1]
                    if not (0 <= yy < H and 0 <= xx < W):
                        continue
                    b = flat[yy * W + xx]
                    if b >= m:
                        continue
                    if not seen[b]:
                        seen[b] = True
                        reached[n] = b
                        n += 1
                    if weigh and (b != group or o >= half):
                        acc[b] += (1.0 if b != group else 2.0) * _link_weight(
                            planes, edges, use_edges, offsets, line_starts, points,
                            n_points, inv_c2, inv_s2, inv_e2, o, y, x)
            degree[i] = n
            for t in range(n):
                b = reached[t]
                seen[b] = False
                if weigh:
                    indices[indptr[i] + t] = b
                    data[indptr[i] + t] = acc[b]
                    acc[b] = 0.0


def _disk_offsets(radius):
    """(dy, dx) with 0 < dy^2 + dx^2 <= radius^2, in raster order (so each row of the
    affinity has sorted column indices)."""
    r = int(np.floor(radius))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    keep = (dy * dy + dx * dx <= radius * radius) & ((dy != 0) | (dx != 0))
    return np.ascontiguousarray(np.stack([dy[keep], dx[keep]], 1), dtype=np.int64)


def _lines(offsets):
    """The digital segment from a pixel to each offset, walked from the same end for
    ``(dy, dx)`` and ``(-dy, -dx)`` so that ``w_ij == w_ji``: its start relative to the
    pixel, its points relative to the start, and their number."""
    longest = int(np.abs(offsets).max()) + 1
    starts = np.zeros_like(offsets)
    points = np.zeros((len(offsets), longest, 2), np.int64)
    n_points = np.zeros(len(offsets), np.int64)
    for o, (dy, dx) in enumerate(offsets):
        backwards = dy < 0 or (dy == 0 and dx < 0)
        if backwards:
            starts[o] = dy, dx
            dy, dx = -dy, -dx
        steps = max(abs(dy), abs(dx))
        s = np.arange(steps + 1)
        points[o, :steps + 1, 0] = (2 * dy * s + steps) // (2 * steps)
        points[o, :steps + 1, 1] = (2 * dx * s + steps) // (2 * steps)
        n_points[o] = steps + 1
    return starts, points, n_points


@jit(parallel=True)
def _neighbour_counts(offsets, H, W):
    counts = np.empty(H * W, np.int64)
    for y in prange(H):
        for x in range(W):
            n = 0
            for o in range(offsets.shape[0]):
                yy, xx = y + offsets[o, 0], x + offsets[o, 1]
                if 0 <= yy < H and 0 <= xx < W:
                    n += 1
            counts[y * W + x] = n
    return counts


@jit(parallel=True)
def _fill_affinity(planes, edges, use_edges, offsets, starts, points, n_points,
                   inv_c2, inv_s2, inv_e2, indptr, indices, data):
    H, W = planes.shape[1:]
    for y in prange(H):
        for x in range(W):
            n = indptr[y * W + x]
            for o in range(offsets.shape[0]):
                yy, xx = y + offsets[o, 0], x + offsets[o, 1]
                if not (0 <= yy < H and 0 <= xx < W):
                    continue
                indices[n] = yy * W + xx
                data[n] = _link_weight(planes, edges, use_edges, offsets, starts,
                                       points, n_points, inv_c2, inv_s2, inv_e2, o, y,
                                       x)
                n += 1


@jit(inline=True)
def _link_weight(planes, edges, use_edges, offsets, starts, points, n_points, inv_c2,
                 inv_s2, inv_e2, o, y, x):
    """The weight between pixel (y, x) and its neighbour at ``offsets[o]`` (inside
    the image): colour and distance, times the intervening-contour term."""
    dy, dx = offsets[o, 0], offsets[o, 1]
    d2 = 0.0
    for c in range(planes.shape[0]):
        t = planes[c, y, x] - planes[c, y + dy, x + dx]
        d2 += t * t
    energy = d2 * inv_c2 + (dy * dy + dx * dx) * inv_s2
    if not use_edges:
        return np.exp(-energy)
    sy, sx = y + starts[o, 0], x + starts[o, 1]
    peak = 0.0
    for s in range(n_points[o]):
        peak = max(peak, edges[sy + points[o, s, 0], sx + points[o, s, 1]])
    return np.exp(-energy) * (np.exp(-peak * peak * inv_e2) + _CONTOUR_FLOOR)


def _attached(affinity):
    """Pixels with some link the contour term leaves above its floor: the others sit
    on a contour (the term includes the ends), their eigenvector entries carry no
    information, and their group is filled in from their neighbours."""
    return np.asarray(affinity.max(axis=1).todense()).ravel() > _WALL


def _fill_walls(groups, attached, planes):
    """``groups`` (one per pixel) with the contour pixels' refilled from the attached
    side, layer by layer, each from its 4-neighbour of closest colour."""
    if attached.all():
        return groups
    shape = planes.shape[1:]
    filled = np.array(groups, dtype=np.int64)
    _grow(filled.reshape(shape), attached.reshape(shape).copy(),
          np.ascontiguousarray(planes, dtype=np.float32))
    return filled


@jit
def _grow(groups, done, planes):
    H, W = groups.shape
    frontier = np.zeros((H, W), np.bool_)
    while True:
        grown = False
        for y in range(H):
            for x in range(W):
                if done[y, x]:
                    continue
                best = np.inf
                for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                    yy, xx = y + dy, x + dx
                    if not (0 <= yy < H and 0 <= xx < W):
                        continue
                    if done[yy, xx] and not frontier[yy, xx]:   # grown before
                        d2 = 0.0
                        for c in range(planes.shape[0]):
                            t = planes[c, y, x] - planes[c, yy, xx]
                            d2 += t * t
                        if d2 < best:
                            best = d2
                            groups[y, x] = groups[yy, xx]
                if best < np.inf:
                    done[y, x] = True
                    frontier[y, x] = True
                    grown = True
        if not grown:
            return
        frontier[:] = False


def _connected(groups, planes, min_size):
    """Groups (0-based, any) as labels 1..K: connected pieces, small ones merged
    into the adjacent piece of closest mean feature."""
    from .labels import _enforce_connectivity
    vol = np.ascontiguousarray(groups.reshape((1,) + groups.shape), dtype=np.int32) + 1
    labels = _enforce_connectivity(vol, np.ones(vol.shape, np.bool_), int(min_size),
                                   np.ascontiguousarray(planes[:, None]), False)
    return labels[0]


# ----------------------------------------------------------------- superpixel level

def ncut_superpixels(image, labels, n_segments=None, *, threshold=None,
                     weight="pixel", method=None, pixel_graph=None, sigma=10.0,
                     sigma_gradient=0.08, connectivity=1, color_space="auto", rng=0,
                     return_info=False, channel_axis=-1):
    """Merge the regions of an over-segmentation by normalized cuts of its region
    graph.

    ``weight`` says how regions ``i, j`` are joined:

    - ``"pixel"`` (default): the weight of :func:`ncut`'s pixel graph between them,
      ``w_ij = sum of w_pq`` over pixels ``p`` in ``i`` and ``q`` in ``j``
      (:func:`region_affinity`), and ``w_ii`` their internal association: the
      pixel-level Ncut restricted to segmentations made of whole regions.
    - ``"boundary"``: adjacent regions (:func:`classicseg.graph.region_adjacency_graph`)
      by ``s_ij = exp(-|c_i - c_j|^2 / sigma^2)``, ``c`` their mean colour (CIELAB
      for RGB), times their boundary length and ``exp(-g_ij^2 / sigma_gradient^2)``,
      ``g_ij`` the mean gradient magnitude along the boundary.
    - ``"similarity"``: ``s_ij`` alone (scikit-image's ``rag_mean_color`` weights).

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
        The image ``labels`` segments (RGB, gray with ``channel_axis=None``, or
        multichannel in its own units).
    labels : (H, W) int array
        Regions 1..K (e.g. SLIC, watershed or mean-shift output); 0 = no region,
        left 0.  On BSDS500, mean-shift regions (``min_size=100``) do best (README).
    n_segments : int, optional
        Segments wanted: merge down to that many, the k-way cut of that many
        eigenvectors, or the recursive cut stopped there.
    threshold : float, optional
        Merge: smallest two-way Ncut of a merged pair (default 0.003 without
        ``n_segments``, as :func:`ncut`); recursive: largest Ncut of a split (default
        0.001 without ``n_segments``, as ``skimage.graph.cut_normalized``).
    weight : {"pixel", "boundary", "similarity"}
        The region weights (above).
    method : {"merge", "kway", "recursive"}, optional
        As :func:`ncut`'s, merge starting from the regions themselves.  Default:
        "merge" with ``weight="pixel"`` (the only weights with internal
        associations, which the merge criterion needs); otherwise "kway" given
        ``n_segments``, else "recursive".
    pixel_graph : dict, optional
        ``weight="pixel"``: the pixel graph's ``radius``, ``sigma_color``,
        ``sigma_space``, ``contour`` and ``sigma_contour``, defaults as :func:`ncut`.
    sigma : float
        ``weight="boundary"`` or ``"similarity"``: colour scale of ``s_ij`` (units of
        the mean colours).
    sigma_gradient : float or None
        Scale of the boundary-gradient factor (units of
        :func:`classicseg.gradient_magnitude`); None leaves it out.  Only with
        ``weight="boundary"``.
    connectivity : int
        Which pixels make regions adjacent: 1 (edges) or 2 (corners too, as
        scikit-image's RAG).
    color_space : {"auto", "lab", "image"}
        The mean colours (:func:`classicseg.graph.region_adjacency_graph`); "image"
        with ``connectivity=2`` and ``sigma=sqrt(s)`` is scikit-image's
        ``rag_mean_color(image, labels, sigma=s, mode="similarity")`` graph.
    rng : int or numpy.random.Generator
        Seeds the discretization.
    return_info : bool
        Also return ``(graph, affinity, value)``: the RAG, the region weight matrix
        and the Ncut of the result on it (the merged groups as a partition of the
        regions).
    channel_axis : int or None
        Axis of the image's channels.

    Returns
    -------
    (H, W) int32
        Segments 1..K, each connected (a group of regions that falls apart becomes
        one segment per piece); 0 where ``labels`` is 0.  With ``return_info``:
        ``(labels, graph, affinity, value)``.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import ncut_superpixels
    >>> img = np.zeros((20, 40), np.uint8); img[:, 20:] = 250
    >>> tiles = np.arange(40)[None, :] // 5 + 1 + 0 * np.arange(20)[:, None]
    >>> ncut_superpixels(img, tiles, 2, channel_axis=None)[0].tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    """
    from .graph import region_adjacency_graph
    check_choice(weight, "weight", ("pixel", "boundary", "similarity"))
    check_positive(sigma, "sigma")
    with_gradient = weight == "boundary" and sigma_gradient is not None
    if with_gradient:
        check_positive(sigma_gradient, "sigma_gradient")
    if method is None:
        method = ("merge" if weight == "pixel" else
                  "kway" if n_segments is not None else "recursive")
    check_choice(method, "method", ("merge", "kway", "recursive"))
    if method == "merge" and weight != "pixel":
        raise ValueError("method='merge' needs weight='pixel' (the region weights "
                         f"with internal associations), got weight={weight!r}")
    graph = region_adjacency_graph(labels, image, connectivity=connectivity,
                                   color_space=color_space,
                                   gradient=None if with_gradient else False,
                                   channel_axis=channel_axis)
    n_segments = _check_segments(n_segments, graph.n_nodes, "regions",
                                 allow_none=method != "kway")
    if threshold is None and n_segments is None:
        threshold = _MERGE_THRESHOLD if method == "merge" else 0.001
    if graph.n_edges == 0:
        raise ValueError("labels has no adjacent regions: the graph has no edges to "
                         "cut")
    regions = np.asarray(labels)
    if weight == "pixel":
        affinity = _pixel_region_affinity(image, regions, graph.n_nodes, pixel_graph,
                                          channel_axis)
    else:
        weights = graph.similarity(sigma)
        if weight == "boundary":
            weights = weights * graph.boundary_length
            if with_gradient:
                weights *= np.exp(-(graph.boundary_gradient / sigma_gradient) ** 2)
        affinity = graph.adjacency(weights)
    rng = np.random.default_rng(rng)
    solve = _solver(None, 0, rng)
    if method == "merge":
        nodes = np.arange(graph.n_nodes)
        groups = _merged(nodes, merge_order(affinity, nodes), n_segments, threshold)
    elif method == "kway":
        groups = discretize(solve(affinity, n_segments)[1], rng=rng)
    else:
        groups = _recursive_cut(affinity, n_segments, threshold, solve)[0]
    merged = np.where(regions > 0, groups[np.maximum(regions, 1) - 1] + 1, 0)
    from .labels import enforce_connectivity
    result = enforce_connectivity(merged)
    if not return_info:
        return result
    return result, graph, affinity, ncut_value(affinity, groups)


_PIXEL_GRAPH = ("radius", "sigma_color", "sigma_space", "contour", "sigma_contour")


def _pixel_region_affinity(image, regions, n_regions, pixel_graph, channel_axis):
    """:func:`region_affinity` of ``regions`` (1..n, 0 = none) with ``pixel_graph``'s
    settings over :func:`ncut`'s defaults."""
    import inspect
    defaults = inspect.signature(ncut).parameters
    options = {name: defaults[name].default for name in _PIXEL_GRAPH}
    unknown = set(pixel_graph or {}) - set(options)
    if unknown:
        raise ValueError(f"pixel_graph takes {sorted(options)}, got unknown "
                         f"{sorted(unknown)}")
    options.update(pixel_graph or {})
    _check_pixel_graph(options["radius"], options["sigma_color"],
                       options["sigma_space"], options["sigma_contour"])
    planes = range_planes(image, channel_axis)
    edges = _contour_edges(image, options["contour"], channel_axis)
    groups = np.where(regions > 0, regions - 1, n_regions)
    return region_affinity(planes, groups, n_regions, options["radius"],
                           options["sigma_color"], options["sigma_space"], edges,
                           options["sigma_contour"])


def _contour_edges(image, contour, channel_axis):
    """The edge map of the intervening-contour term, None without it."""
    if not contour:
        return None
    from .filters import gradient_magnitude
    return gradient_magnitude(image, sigma=1.0, channel_axis=channel_axis)


def _check_pixel_graph(radius, sigma_color, sigma_space, sigma_contour):
    for value, name in ((sigma_color, "sigma_color"), (sigma_space, "sigma_space"),
                        (sigma_contour, "sigma_contour")):
        check_positive(value, name)
    if check_positive(radius, "radius") < 1:
        raise ValueError(f"radius must be >= 1 pixel, got {radius!r}")


# ----------------------------------------------------------------- the spectral part

def spectral_embedding(affinity, k, *, coarse=None, refine_iter=10, rng=None):
    """The ``k`` smallest solutions of ``(D - W) y = lambda D y``.

    Parameters
    ----------
    affinity : (n, n) sparse or dense array
        Symmetric non-negative weights ``W`` (a diagonal counts as self-loops).
    k : int
        Number of eigenpairs, at most n.
    coarse : (n,) int array, optional
        A partition of the nodes (e.g. superpixels of the pixels): solve on the
        space of vectors constant on its parts first (``P^T W P``), then refine at
        full size by ``refine_iter`` subspace iterations (module docstring).
    rng : int or Generator, optional
        ARPACK's start vector.

    Returns
    -------
    eigenvalues : (k,) float64, ascending
    eigenvectors : (n, k) float64, D-orthonormal (``Y^T D Y = I``), each with its
        largest-magnitude entry positive.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.ncut import spectral_embedding
    >>> w = np.array([[0, 1, .01, 0], [1, 0, 0, .01], [.01, 0, 0, 1], [0, .01, 1, 0]])
    >>> values, vectors = spectral_embedding(w, 2)   # two pairs, weakly joined
    >>> print(np.round(values, 4), np.sign(vectors[:, 1]))
    [0.     0.0198] [ 1.  1. -1. -1.]
    """
    W = _check_affinity(affinity)
    n = W.shape[0]
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= n):
        raise ValueError(f"k must be an int in 1..{n} (the number of nodes), got {k!r}")
    if coarse is not None:
        coarse = np.asarray(coarse).ravel()
        if coarse.shape[0] != n or coarse.dtype.kind not in "iu":
            raise ValueError(f"coarse must be {n} integers (one part per node), got "
                             f"{coarse.shape[0]} of dtype {coarse.dtype}")
        coarse = _renumbered(coarse)
    refine_iter = check_positive(refine_iter, "refine_iter", integer=True,
                                 allow_zero=True)
    return _embedding(W, k, coarse, refine_iter, np.random.default_rng(rng))


def _renumbered(groups):
    """``groups`` as 0..m-1 (int64)."""
    return np.unique(groups, return_inverse=True)[1].ravel().astype(np.int64)


def _embedding(W, k, groups, refine_iter, rng):
    """:func:`spectral_embedding` without the checks; ``groups`` 0..m-1 or None."""
    degree = _degrees(W)
    m = 0 if groups is None else int(groups.max()) + 1
    if groups is None or m >= W.shape[0] or m < k:
        return _smallest(W, degree, k, rng)
    coarse = _coarse_graph(W.indptr, W.indices, W.data, groups, m)
    _, small = _smallest(coarse, _degrees(coarse), k, rng)
    return _refine(W, degree, small[groups], refine_iter)


def _coarse_graph(indptr, indices, data, groups, m):
    """``P^T W P`` for the indicator ``P`` of ``groups`` (CSR, m x m); nodes in group
    ``m`` are left out."""
    order = np.argsort(groups, kind="stable")
    starts = np.searchsorted(groups[order], np.arange(m + 1))
    c_indptr, c_indices, c_data = _coarse_rows(indptr, indices, data, groups, order,
                                               starts, m)
    return sparse.csr_matrix((c_data, c_indices, c_indptr), shape=(m, m))


@jit
def _coarse_rows(indptr, indices, data, columns, order, starts, m):
    """Row by row with a dense accumulator and the list of its touched columns."""
    acc = np.zeros(m)
    touched = np.empty(m, np.int64)
    seen = np.zeros(m, np.bool_)
    c_indptr = np.zeros(m + 1, np.int64)
    c_indices = np.empty(indices.shape[0], np.int64)
    c_data = np.empty(indices.shape[0])
    nnz = 0
    for a in range(m):
        n_touched = 0
        for q in range(starts[a], starts[a + 1]):
            i = order[q]
            for p in range(indptr[i], indptr[i + 1]):
                b = columns[indices[p]]
                if b >= m:
                    continue
                if not seen[b]:
                    seen[b] = True
                    touched[n_touched] = b
                    n_touched += 1
                acc[b] += data[p]
        for t in range(n_touched):
            b = touched[t]
            c_indices[nnz] = b
            c_data[nnz] = acc[b]
            nnz += 1
            acc[b] = 0.0
            seen[b] = False
        c_indptr[a + 1] = nnz
    return c_indptr, c_indices[:nnz], c_data[:nnz]


def _check_affinity(affinity):
    W = sparse.csr_matrix(affinity, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"affinity must be a square matrix, got shape {W.shape}")
    if not np.isfinite(W.data).all():
        raise ValueError("affinity has NaN or infinite weights")
    if (W.data < 0).any():
        raise ValueError("affinity has negative weights")
    if W.nnz == 0 or not (W.data > 0).any():
        raise ValueError("affinity has no edges: every partition has Ncut 0")
    asym = abs(W - W.T)
    if asym.nnz and asym.max() > 1e-9 * abs(W).max():
        raise ValueError("affinity is not symmetric")
    return W


def _degrees(W):
    degree = np.asarray(W.sum(axis=1)).ravel()
    # isolated nodes: a tiny degree makes each its own zero-cost segment
    return np.maximum(degree, 1e-12 * degree.max())


def _smallest(W, degree, k, rng):
    """Eigenpairs of the normalized Laplacian ``I - D^-1/2 W D^-1/2`` (dense LAPACK
    or ARPACK shift-invert), returned as generalized ones."""
    n = W.shape[0]
    inv_sqrt = 1.0 / np.sqrt(degree)
    S = _scaled(W, inv_sqrt)
    if n <= _DENSE_MAX or k >= n - 1:
        L = np.eye(n) - S.toarray()
        values, vectors = linalg.eigh((L + L.T) / 2, subset_by_index=[0, k - 1])
    else:
        # imported here: a lazy_module of a submodule would import scipy.sparse
        from scipy.sparse import linalg as splinalg
        L = (sparse.identity(n) - S).tocsc()
        try:   # a few pairs alone stall on clustered near-zero eigenvalues
            values, vectors = splinalg.eigsh(L, max(k, min(_ARPACK_MIN_K, n - 2)),
                                             sigma=-_SHIFT, which="LM",
                                             v0=rng.standard_normal(n))
        except splinalg.ArpackNoConvergence as error:
            raise RuntimeError(f"ARPACK found {len(error.eigenvalues)} of the {k} "
                               f"eigenvectors of a {n}-node graph; fewer segments or "
                               "a coarser graph may converge") from None
    order = np.argsort(values)[:k]
    return np.maximum(values[order], 0.0), _signed(vectors[:, order] * inv_sqrt[:, None])


def _refine(W, degree, guess, n_iter):
    """Subspace iteration with ``(I + S) / 2``, ``S = D^-1/2 W D^-1/2``, from
    ``D^1/2 guess``, then Rayleigh-Ritz: the shift keeps the spectrum in [0, 1], so
    the smooth, wanted end grows fastest."""
    inv_sqrt = 1.0 / np.sqrt(degree)
    S = _scaled(W, inv_sqrt)
    X = _orthonormal(guess / inv_sqrt[:, None])
    for it in range(n_iter):
        X = _half_step(S.indptr, S.indices, S.data, X)
        if it % 4 == 3:
            X = _orthonormal(X)
    X = _orthonormal(X)
    SX = _half_step(S.indptr, S.indices, S.data, X) * 2.0 - X
    mu, rotation = np.linalg.eigh((X.T @ SX + SX.T @ X) / 2)
    order = np.argsort(-mu)
    vectors = X @ rotation[:, order] * inv_sqrt[:, None]
    return np.maximum(1.0 - mu[order], 0.0), _signed(vectors)


def _scaled(W, inv_sqrt):
    """``D^-1/2 W D^-1/2`` (CSR)."""
    data = _scale_rows_columns(W.indptr, W.indices, W.data, inv_sqrt)
    return sparse.csr_matrix((data, W.indices, W.indptr), shape=W.shape)


@jit(parallel=True)
def _scale_rows_columns(indptr, indices, data, scale):
    out = np.empty_like(data)
    for i in prange(indptr.shape[0] - 1):
        for p in range(indptr[i], indptr[i + 1]):
            out[p] = data[p] * scale[i] * scale[indices[p]]
    return out


def _orthonormal(X):
    """An orthonormal basis of X's columns: Cholesky QR, twice (stable for the
    well-conditioned blocks of the subspace iteration, and one GEMM each)."""
    for _ in range(2):
        chol = np.linalg.cholesky(X.T @ X)
        X = X @ np.linalg.inv(chol).T
    return X


@jit(parallel=True)
def _half_step(indptr, indices, data, X):
    """``(X + S X) / 2`` for CSR ``S``, rows in parallel."""
    n, k = X.shape
    out = np.empty((n, k))
    for i in prange(n):
        for c in range(k):
            out[i, c] = 0.5 * X[i, c]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            w = 0.5 * data[p]
            for c in range(k):
                out[i, c] += w * X[j, c]
    return out


def _signed(vectors):
    """Each column with its largest-magnitude entry positive (eigenvectors' sign is
    arbitrary; fixing it keeps the discretization deterministic)."""
    peak = vectors[np.argmax(np.abs(vectors), axis=0), np.arange(vectors.shape[1])]
    return vectors * np.where(peak < 0, -1.0, 1.0)


def _solver(coarse, refine_iter, rng):
    """``solve(W, k, rows)``: the eigenpairs of the subgraph ``W`` of the nodes
    ``rows`` (None: all), two-level with ``coarse`` when it is large."""
    def solve(W, k, rows=None):
        groups = None
        if coarse is not None and W.shape[0] > _ARPACK_MAX:
            groups = coarse if rows is None else _renumbered(coarse[rows])
        return _embedding(W, k, groups, refine_iter, rng)
    return solve


def discretize(vectors, *, rng=None, max_iter=30):
    """Yu & Shi's (2003) discretization of ``k`` eigenvectors into ``k`` groups.

    Rows normalised to unit length, then alternately: each row to the group of its
    largest rotated coordinate, and the rotation ``R`` closest to that partition
    (an SVD), until the objective stops improving.

    Parameters
    ----------
    vectors : (n, k) array
        Eigenvectors ``y`` of the generalized problem (columns).
    rng : int or Generator, optional
        Picks the first row of the initial rotation.

    Returns
    -------
    (n,) int64 group of each row, 0..k-1 (some groups may stay empty).
    """
    Y = np.asarray(vectors, dtype=np.float64)
    n, k = Y.shape
    rng = np.random.default_rng(rng)
    X = Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-300)
    R = np.zeros((k, k))
    R[:, 0] = X[rng.integers(n)]
    overlap = np.zeros(n)
    for j in range(1, k):   # each next row the most orthogonal to those taken
        overlap += np.abs(X @ R[:, j - 1])
        R[:, j] = X[np.argmin(overlap)]
    last = np.inf
    for _ in range(max_iter):
        groups = np.argmax(X @ R, axis=1)
        sums = _group_sums(groups, X)    # partition matrix^T X
        U, S, Vt = np.linalg.svd(sums.T)
        objective = 2.0 * (n - S.sum())
        if last - objective < 1e-10 * n:
            break
        last = objective
        R = U @ Vt
    return groups


@jit
def _group_sums(groups, X):
    sums = np.zeros((X.shape[1], X.shape[1]))
    for i in range(X.shape[0]):
        for c in range(X.shape[1]):
            sums[groups[i], c] += X[i, c]
    return sums


def _best_split(W, degree, y):
    """The threshold on ``y`` of smallest two-way Ncut among ``_N_THRESHOLDS`` evenly
    spaced ones (Shi & Malik): (value, side mask)."""
    lo, hi = y.min(), y.max()
    if not hi > lo:
        return np.inf, None
    cuts = np.linspace(lo, hi, _N_THRESHOLDS + 2)[1:-1]
    sides = (y[:, None] > cuts[None]).astype(np.float64)
    assoc = degree @ sides
    inside = np.einsum("ij,ij->j", sides, W @ sides)
    cut = assoc - inside
    total = degree.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        value = cut / assoc + cut / (total - assoc)
    value[(assoc <= 0) | (assoc >= total)] = np.inf
    best = int(np.argmin(value))
    return float(value[best]), sides[:, best] > 0


def _recursive_cut(W, n_segments, threshold, solve):
    """Shi & Malik's recursive two-way cut: the cheapest pending split first, while
    its Ncut is at most ``threshold`` and fewer than ``n_segments`` segments exist.
    Returns (groups, eigenvalues, eigenvectors of the first split)."""
    n = W.shape[0]
    groups = np.zeros(n, np.int64)
    first = {}
    pending = []

    def propose(rows):
        if len(rows) < 2:
            return
        sub = W[rows][:, rows]
        if not (sub.data > 0).any():   # no edges left: every split is free
            value, side = 0.0, np.arange(len(rows)) < len(rows) // 2
        else:
            values, vectors = solve(sub, 2, rows)
            if not first:
                first.update(values=values, vectors=vectors)
            value, side = _best_split(sub, _degrees(sub), vectors[:, 1])
        if side is not None:
            heapq.heappush(pending, (value, int(rows[0]), rows, side))

    propose(np.arange(n))
    n_groups = 1
    while pending and (n_segments is None or n_groups < n_segments):
        value, _, rows, side = heapq.heappop(pending)
        if threshold is not None and value > threshold:
            break
        groups[rows[side]] = n_groups
        n_groups += 1
        propose(rows[side])
        propose(rows[~side])
    return groups, first.get("values", np.zeros(0)), first.get("vectors", np.zeros((n, 0)))


def merge_order(affinity, groups):
    """The bottom-up merges of ``groups`` (0..m-1) on the graph ``affinity``.

    Repeatedly the pair of groups ``a, b`` (joined by some weight) whose two-way
    Ncut inside their union, ``cut(a, b) / assoc(a, a | b) + cut(a, b) /
    assoc(b, a | b)``, is largest merges into ``a``: the split of ``a | b`` that
    Shi & Malik's recursive cut would find costliest.

    Returns
    -------
    (m_merges, 3) float64 rows ``(value, a, b)`` in merge order (values need not
    decrease); fewer than ``m - 1`` when the graph falls apart.
    """
    groups = np.asarray(groups, dtype=np.int64).ravel()
    W = sparse.csr_matrix(affinity, dtype=np.float64)
    m = int(groups.max()) + 1
    return _merge_rows(_coarse_graph(W.indptr, W.indices, W.data, groups, m).toarray())


@jit
def _merge_rows(C):
    """Greedy merging on the dense group-to-group weights ``C`` (updated in place:
    row/column ``a`` absorb ``b``)."""
    m = C.shape[0]
    alive = np.ones(m, np.bool_)
    out = np.empty((max(m - 1, 0), 3))
    n = 0
    while n < m - 1:
        best, pa, pb = -1.0, -1, -1
        for a in range(m):
            if not alive[a]:
                continue
            for b in range(a + 1, m):
                if alive[b] and C[a, b] > 0:
                    value = (C[a, b] / (C[a, a] + C[a, b])
                             + C[a, b] / (C[b, b] + C[a, b]))
                    if value > best:
                        best, pa, pb = value, a, b
        if pa < 0:
            break
        for c in range(m):
            C[pa, c] += C[pb, c]
        for c in range(m):
            C[c, pa] += C[c, pb]
            C[pb, c] = 0.0
            C[c, pb] = 0.0
        alive[pb] = False
        out[n, 0], out[n, 1], out[n, 2] = best, pa, pb
        n += 1
    return out[:n]


def _merged(groups, merges, n_segments, threshold):
    """``groups`` after the first merges of ``merges``: up to the first whose value is
    below ``threshold``, and no further than ``n_segments`` groups."""
    count = len(merges)
    if threshold is not None:
        below = np.flatnonzero(merges[:, 0] < threshold)
        count = int(below[0]) if below.size else count
    if n_segments is not None:
        count = min(count, max(int(groups.max()) + 1 - n_segments, 0))
    target = np.arange(int(groups.max()) + 1)
    for _, a, b in merges[:count][::-1]:   # last merge first: b's final group is a's
        target[int(b)] = target[int(a)]
    return target[groups]


def ncut_value(affinity, labels):
    """``sum_k cut(A_k, V - A_k) / assoc(A_k, V)`` of the partition ``labels``.

    Parameters
    ----------
    affinity : (n, n) sparse or dense array
        Symmetric weights (diagonal entries count inside their segment).
    labels : array of n ints (any shape, raster order)
        The segment of each node.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]])
    >>> round(ncut_value(w, [1, 1, 2]), 4)   # cut 1: 1 / 5 + 1 / 1
    1.2
    """
    W = sparse.coo_matrix(affinity, dtype=np.float64)
    labels = np.asarray(labels).ravel()
    if labels.shape[0] != W.shape[0]:
        raise ValueError(f"labels has {labels.shape[0]} entries, the affinity "
                         f"{W.shape[0]} nodes")
    _, seg = np.unique(labels, return_inverse=True)
    seg = seg.ravel()
    assoc = np.bincount(seg[W.row], W.data, minlength=seg.max() + 1)
    same = seg[W.row] == seg[W.col]
    inside = np.bincount(seg[W.row][same], W.data[same], minlength=seg.max() + 1)
    used = assoc > 0
    return float(((assoc[used] - inside[used]) / assoc[used]).sum())


def _check_segments(n_segments, n_nodes, nodes, allow_none=False, name="n_segments"):
    if n_segments is None and allow_none:
        return None
    if isinstance(n_segments, bool) or not isinstance(n_segments, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {n_segments!r}")
    if n_segments < 2:
        raise ValueError(f"{name} must be >= 2, got {n_segments}")
    if n_segments > n_nodes:
        raise ValueError(f"{name}={n_segments} exceeds the {n_nodes} {nodes} of "
                         "the graph")
    return int(n_segments)
