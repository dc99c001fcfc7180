"""Per-superpixel features for the shallow semantic pipeline.

``superpixel_features(image, labels)`` returns one row per region ``1..K`` and named
columns, group by group; every group is computed in one pass over the pixels
(``np.bincount`` sums keyed by region), never in a loop over regions:

- ``color``: CIELAB mean and standard deviation, and an 8-bin histogram per channel
  (L* 0..100, a* and b* -80..80);
- ``texture``: mean absolute response of a filter bank on L* (gradient magnitude,
  Laplacian of Gaussian and the two second derivatives, at sigma 1, 2 and 4) and
  the histogram of uniform local binary patterns (P=8, R=1: 10 codes);
- ``gradient``: histogram of unsigned gradient orientations (9 bins, weighted by
  magnitude, normalised per region), HOG-like, and the mean gradient magnitude;
- ``position``: centroid and bounding box in [0, 1] of the image height and width
  (vertical position is half of the story in road scenes);
- ``shape``: area (fraction of the image), bounding-box aspect, fill and
  eccentricity;
- ``context``: the color/texture means of the adjacent regions (weighted by boundary
  length), and the colour features of the region of a coarser SLIC segmentation
  (``context_scale`` times fewer regions) holding most of each region's pixels.

Histograms are normalised to sum to 1; regions of no pixel (a label that does not
occur) get zero rows.
"""
import numpy as np

from ._validate import check_choice, check_positive, spatial_image

__all__ = ["FEATURE_GROUPS", "feature_names", "superpixel_features"]

FEATURE_GROUPS = ("color", "texture", "gradient", "position", "shape", "context")

_LAB_RANGES = ((0.0, 100.0), (-80.0, 80.0), (-80.0, 80.0))
_COLOR_BINS = 8
_SCALES = (1.0, 2.0, 4.0)
_FILTERS = ("grad", "log", "dxx", "dyy")
_LBP_CODES = 10          # uniform patterns of P=8: 0..8 plus "non-uniform"
_ORIENTATION_BINS = 9


def _group_names():
    lab = ("L", "a", "b")
    color = ([f"lab_mean_{c}" for c in lab] + [f"lab_std_{c}" for c in lab]
             + [f"lab_hist_{c}{i}" for c in lab for i in range(_COLOR_BINS)])
    filters = [f"filter_{f}_s{s:g}" for s in _SCALES for f in _FILTERS]
    texture = filters + [f"lbp_{i}" for i in range(_LBP_CODES)]
    gradient = [f"orient_{i}" for i in range(_ORIENTATION_BINS)] + ["grad_mean"]
    position = ["centroid_y", "centroid_x", "bbox_top", "bbox_bottom", "bbox_left",
                "bbox_right"]
    shape = ["area", "bbox_aspect", "bbox_fill", "eccentricity"]
    near = [f"nbr_{n}" for n in color[:3] + filters]
    coarse = [f"coarse_{n}" for n in color]
    return {"color": color, "texture": texture, "gradient": gradient,
            "position": position, "shape": shape, "context": near + coarse}


def feature_names(groups=FEATURE_GROUPS):
    """The column names of :func:`superpixel_features` for ``groups``, in order."""
    names = _group_names()
    return [n for g in _check_groups(groups) for n in names[g]]


def superpixel_features(image, labels, groups=FEATURE_GROUPS, *, context_scale=8,
                        channel_axis=-1, lab=None):
    """Features of each region of ``labels`` (module docstring).

    Parameters
    ----------
    image : (H, W, 3) RGB or (H, W) gray array
        Gray images are treated as RGB with equal channels.
    labels : (H, W) int array
        Regions 1..K; pixels <= 0 belong to no region.
    groups : sequence of str
        Feature groups, any of :data:`FEATURE_GROUPS`, in the order wanted.
    context_scale : int
        ``context``: the coarse segmentation has ``K / context_scale`` regions.
    channel_axis : int or None
        Axis of the image's channels; None for gray.
    lab : (H, W, 3) array, optional
        The image's CIELAB (``classicseg.rgb2lab`` of its RGB), when the caller
        has it already: it is not converted again.

    Returns
    -------
    features : (K, F) float32
    names : list of F str (:func:`feature_names`)
    """
    groups = _check_groups(groups)
    check_positive(context_scale, "context_scale", integer=True)
    rgb = _as_rgb(image, channel_axis)
    labels = np.asarray(labels)
    if labels.shape != rgb.shape[:2]:
        raise ValueError(f"labels has shape {labels.shape}, image has {rgb.shape[:2]}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if lab is not None:
        lab = np.asarray(lab)
        if lab.shape != rgb.shape:
            raise ValueError(f"lab has shape {lab.shape}, expected {rgb.shape}")
        lab = lab.reshape(-1, 3)
    k = max(int(labels.max()), 0)
    pixels = _Pixels(rgb, labels, k, lab=lab)
    cache = {}
    blocks = [_GROUPS[g](pixels, cache, context_scale) for g in groups]
    features = np.concatenate(blocks, axis=1).astype(np.float32)
    return features, feature_names(groups)


def _check_groups(groups):
    if isinstance(groups, str):
        groups = (groups,)
    groups = tuple(groups)
    if not groups:
        raise ValueError("groups must name at least one feature group")
    for g in groups:
        check_choice(g, "groups", FEATURE_GROUPS)
    return groups


def _as_rgb(image, channel_axis):
    img, has_channels = spatial_image(image, channel_axis, spatial_ndims=(2,))
    if not has_channels:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:
        img = img[..., :3]
    elif img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    if img.shape[2] != 3:
        raise ValueError(f"image must be RGB or gray, got {img.shape[2]} channels")
    return img


class _Pixels:
    """An image and its regions, flattened, with per-region sums by bincount."""

    def __init__(self, rgb, labels, k, lab=None):
        from .color import rgb2lab
        self.shape = labels.shape
        self.k = k
        self.rgb = rgb
        self.lab = rgb2lab(rgb).reshape(-1, 3) if lab is None else lab
        flat = labels.ravel().astype(np.int64)
        self.inside = flat > 0
        self.index = np.where(self.inside, flat - 1, k)   # k = nobody (dropped)
        self.count = self.sums(np.ones(flat.size))
        self.labels = labels

    def sums(self, values):
        """(K,) or (K, C) sums of per-pixel ``values`` ((N,) or (N, C))."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            return np.bincount(self.index, values, minlength=self.k + 1)[:self.k]
        return np.stack([self.sums(values[:, c]) for c in range(values.shape[1])], 1)

    def means(self, values):
        total = self.sums(values)
        count = self.count if total.ndim == 1 else self.count[:, None]
        return np.divide(total, count, out=np.zeros_like(total), where=count > 0)

    def mean_std(self, values):
        """(K, 2C): the means, then the standard deviations, of (N, C) values."""
        mean = self.means(values)
        std = np.sqrt(np.maximum(self.means(values ** 2) - mean ** 2, 0.0))
        return np.concatenate([mean, std], 1)

    def histogram(self, bins, n_bins, weights=None):
        """(K, n_bins) normalised histograms of per-pixel bin indices."""
        key = self.index * n_bins + bins
        hist = np.bincount(key, weights, minlength=(self.k + 1) * n_bins)
        hist = hist.astype(np.float64)[:self.k * n_bins].reshape(self.k, n_bins)
        total = hist.sum(axis=1, keepdims=True)
        return np.divide(hist, total, out=np.zeros_like(hist), where=total > 0)


def _color(px, cache, scale):
    hists = []
    for c, (lo, hi) in enumerate(_LAB_RANGES):
        bins = ((px.lab[:, c] - lo) * (_COLOR_BINS / (hi - lo))).astype(np.int64)
        hists.append(px.histogram(np.clip(bins, 0, _COLOR_BINS - 1), _COLOR_BINS))
    return np.concatenate([_lab_stats(px, cache)] + hists, axis=1)


def _lab_stats(px, cache):
    """Region means and standard deviations of Lab (color, context: once)."""
    if "lab_stats" not in cache:
        cache["lab_stats"] = px.mean_std(px.lab)
    return cache["lab_stats"]


def _filter_means(px, cache):
    """Region means of the filter responses (texture, context: once)."""
    if "filter_means" not in cache:
        cache["filter_means"] = px.means(_filter_responses(px, cache))
    return cache["filter_means"]


def _filter_responses(px, cache):
    if "filters" not in cache:
        from scipy import ndimage
        L = px.lab[:, 0].reshape(px.shape) / 100.0
        out = []
        for s in _SCALES:
            out.append(ndimage.gaussian_gradient_magnitude(L, s))
            out.append(np.abs(ndimage.gaussian_laplace(L, s)) * s)
            out.append(np.abs(ndimage.gaussian_filter(L, s, order=(0, 2))) * s)
            out.append(np.abs(ndimage.gaussian_filter(L, s, order=(2, 0))) * s)
        cache["filters"] = np.stack([r.ravel() for r in out], 1)
    return cache["filters"]


def _texture(px, cache, scale):
    from skimage.feature import local_binary_pattern
    filters = _filter_means(px, cache)
    gray = np.round(px.lab[:, 0].reshape(px.shape) * 2.55).astype(np.uint8)
    codes = local_binary_pattern(gray, 8, 1, method="uniform").astype(np.int64)
    return np.concatenate([filters, px.histogram(codes.ravel(), _LBP_CODES)], axis=1)


def _gradient(px, cache, scale):
    from scipy import ndimage
    L = px.lab[:, 0].reshape(px.shape) / 100.0
    gy = ndimage.sobel(L, axis=0)
    gx = ndimage.sobel(L, axis=1)
    magnitude = np.hypot(gx, gy).ravel()
    angle = np.mod(np.arctan2(gy, gx).ravel(), np.pi)
    bins = np.minimum((angle * (_ORIENTATION_BINS / np.pi)).astype(np.int64),
                      _ORIENTATION_BINS - 1)
    hist = px.histogram(bins, _ORIENTATION_BINS, magnitude)
    return np.concatenate([hist, px.means(magnitude)[:, None]], axis=1)


def _extent(px, cache):
    """Per region: mean y, mean x, and the bounding box (top, bottom, left, right)."""
    if "extent" not in cache:
        H, W = px.shape
        yy, xx = np.divmod(np.arange(H * W), W)
        inside = px.inside
        index = px.index[inside]
        top = np.full(px.k, H, np.int64)
        left = np.full(px.k, W, np.int64)
        bottom = np.full(px.k, -1, np.int64)
        right = np.full(px.k, -1, np.int64)
        np.minimum.at(top, index, yy[inside])
        np.maximum.at(bottom, index, yy[inside])
        np.minimum.at(left, index, xx[inside])
        np.maximum.at(right, index, xx[inside])
        cache["extent"] = (px.means(yy), px.means(xx), top, bottom, left, right,
                           yy, xx)
    return cache["extent"]


def _position(px, cache, scale):
    H, W = px.shape
    cy, cx, top, bottom, left, right, _, _ = _extent(px, cache)
    empty = px.count == 0
    cols = [cy / H, cx / W, top / H, (bottom + 1) / H, left / W, (right + 1) / W]
    out = np.stack(cols, 1)
    out[empty] = 0.0
    return out


def _shape(px, cache, scale):
    H, W = px.shape
    cy, cx, top, bottom, left, right, yy, xx = _extent(px, cache)
    height = np.maximum(bottom - top + 1, 1)
    width = np.maximum(right - left + 1, 1)
    vyy = np.maximum(px.means(yy.astype(np.float64) ** 2) - cy ** 2, 0.0)
    vxx = np.maximum(px.means(xx.astype(np.float64) ** 2) - cx ** 2, 0.0)
    vxy = px.means(yy.astype(np.float64) * xx) - cy * cx
    spread = np.sqrt((vyy - vxx) ** 2 + 4 * vxy ** 2)
    major, minor = vyy + vxx + spread, np.maximum(vyy + vxx - spread, 0.0)
    eccentricity = np.sqrt(np.divide(major - minor, major, out=np.zeros_like(major),
                                     where=major > 0))
    out = np.stack([px.count / (H * W), height / width,
                    px.count / (height * width), eccentricity], 1)
    out[px.count == 0] = 0.0
    return out


def _context(px, cache, scale):
    from .graph import region_adjacency_graph
    own = np.concatenate([_lab_stats(px, cache)[:, :3], _filter_means(px, cache)], 1)
    graph = region_adjacency_graph(np.maximum(px.labels, 0))
    W = graph.adjacency()                               # boundary lengths
    total = np.asarray(W.sum(axis=1)).ravel()
    near = np.divide(W @ own, total[:, None], out=np.zeros_like(own),
                     where=total[:, None] > 0)
    return np.concatenate([near, _coarse_color(px, scale)], axis=1)


def _coarse_color(px, scale):
    """The colour features of the coarse SLIC region holding most of each region."""
    from .slic import slic
    n_coarse = max(px.k // scale, 1)
    coarse = slic(px.rgb, n=n_coarse)
    coarse_px = _Pixels(px.rgb, coarse, int(coarse.max()), lab=px.lab)
    coarse_color = _color(coarse_px, {}, scale)
    # the majority coarse region of each region, by one bincount of pairs
    pair = px.index * (coarse_px.k + 1) + coarse.ravel()
    votes = np.bincount(pair[px.inside], minlength=(px.k + 1) * (coarse_px.k + 1))
    votes = votes[:px.k * (coarse_px.k + 1)].reshape(px.k, coarse_px.k + 1)
    majority = votes.argmax(axis=1) - 1
    out = coarse_color[np.maximum(majority, 0)]
    out[px.count == 0] = 0.0
    return out


_GROUPS = {"color": _color, "texture": _texture, "gradient": _gradient,
           "position": _position, "shape": _shape, "context": _context}
