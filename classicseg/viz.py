"""Boundary maps, boundary overlays and colour-coded label maps.

:func:`find_boundaries` and :func:`mark_boundaries` give the same results as their
scikit-image namesakes (``skimage.segmentation``), computed by parallel Numba kernels
on a canonical ``(D, H, W)`` layout (2-D maps are ``(1, H, W)``) instead of two grey
morphology passes.
"""
import numbers

import numpy as np

from ._lazy import lazy_module
from ._kernels.boundary import boundary_map, boundary_steps, subpixel_boundary_map
from ._numba import jit, prange, serial_if_small
from ._validate import check_array, check_channels, check_label_map, check_same_shape, \
    to_float, to_uint8

__all__ = ["find_boundaries", "label_colors", "mark_boundaries"]

ndi = lazy_module("scipy.ndimage")

_MODES = ("thick", "inner", "outer", "subpixel")   # boundary_map modes 0, 1, 2


def _canonical_labels(labels, name):
    """Validated labels as a C-contiguous (D, H, W) int32/int64 array, with the
    maximum of the original dtype (skimage's sentinel)."""
    arr = check_label_map(labels, name)
    if not 1 <= arr.ndim <= 3:
        raise ValueError(f"{name} has {arr.ndim} dimensions (shape {arr.shape}); "
                         "expected a 1-D, 2-D or 3-D label map")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    maxval = int(np.iinfo(arr.dtype).max)
    if arr.dtype == np.uint64:
        if arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name} holds labels above 2**63 - 1; relabel them "
                             "(e.g. classicseg.labels.relabel_sequential)")
        maxval = int(np.iinfo(np.int64).max)
    work = np.int32 if arr.dtype.itemsize < 4 or arr.dtype == np.int32 else np.int64
    lab = np.ascontiguousarray(arr, dtype=work).reshape((1,) * (3 - arr.ndim) + arr.shape)
    return lab, maxval


def find_boundaries(labels, *, connectivity=1, mode="thick", background=0):
    """Boolean map of the pixels on the boundaries between labelled regions.

    Same semantics as ``skimage.segmentation.find_boundaries``, computed by a
    parallel Numba kernel.

    Parameters
    ----------
    labels : (W,), (H, W) or (D, H, W) array of int or bool
        Label map.
    connectivity : int, optional
        Neighbourhood: 1 (default) = pixels sharing an edge (face in 3-D), up to
        ``labels.ndim`` = pixels sharing a corner.
    mode : {'thick', 'inner', 'outer', 'subpixel'}, optional
        'thick': every pixel with a neighbour of another label (2 pixels wide).
        'inner': the thick boundary pixels that are not ``background``.
        'outer': background pixels around objects, plus pixels where two objects
        touch.  'subpixel': a map of shape ``2 * labels.shape - 1`` whose inserted
        in-between positions are True where they separate labels.
    background : int, optional
        Background label for modes 'inner' and 'outer'.

    Returns
    -------
    boundaries : ndarray of bool
        Same shape as ``labels`` (``2 * s - 1`` per axis for 'subpixel').

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import find_boundaries
    >>> labels = np.array([[1, 1, 2, 2],
    ...                    [1, 1, 2, 2]])
    >>> find_boundaries(labels).astype(int)
    array([[0, 1, 1, 0],
           [0, 1, 1, 0]])
    >>> find_boundaries(labels, mode="inner", background=2).astype(int)
    array([[0, 1, 0, 0],
           [0, 1, 0, 0]])
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got "
                         f"{mode!r}")
    lab, maxval = _canonical_labels(labels, "labels")
    ndim = np.ndim(labels)
    if (isinstance(connectivity, bool) or not isinstance(connectivity, numbers.Integral)
            or not 1 <= connectivity <= ndim):
        raise ValueError(f"connectivity must be an integer from 1 to labels.ndim={ndim},"
                         f" got {connectivity!r}")
    if (isinstance(background, bool) or not isinstance(background, numbers.Integral)
            or not -2**63 <= background < 2**63):
        raise TypeError(f"background must be an integer label, got {background!r}")
    shape = np.shape(labels)
    if mode == "subpixel":
        out = np.empty(tuple(2 * s - 1 for s in lab.shape), bool)
        with serial_if_small(out.size):
            subpixel_boundary_map(lab, maxval, out)
        return out.reshape(tuple(2 * s - 1 for s in shape))
    out = np.empty(lab.shape, np.uint8)
    with serial_if_small(out.size):
        boundary_map(lab, boundary_steps(ndim, connectivity), boundary_steps(ndim, ndim),
                     _MODES.index(mode), background, maxval, out)
    return out.view(bool).reshape(shape)


def _rgb_triple(value, name):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be 3 finite numbers (an RGB colour in [0, 1]), "
                         f"got {value!r}")
    return arr


def _dilate_square(mask):
    """Binary dilation of a 2-D mask by a 3x3 square."""
    rows = mask.copy()
    rows[1:] |= mask[:-1]
    rows[:-1] |= mask[1:]
    out = rows.copy()
    out[:, 1:] |= rows[:, :-1]
    out[:, :-1] |= rows[:, 1:]
    return out


def mark_boundaries(image, labels, color=(1, 1, 0), *, outline_color=None,
                    mode="outer", background_label=0, dtype=None):
    """Return a float (or 8-bit) RGB copy of ``image`` with the region boundaries of
    ``labels`` painted in ``color``.

    Same output as ``skimage.segmentation.mark_boundaries``.

    Parameters
    ----------
    image : (H, W) or (H, W, 1, 3 or 4) array
        Grayscale, RGB or RGBA image (alpha is dropped).  Floats are taken as given;
        integers are scaled by their dtype's range.
    labels : (H, W) array of int
        Label map.
    color : sequence of 3 floats, optional
        RGB colour of the boundaries.
    outline_color : sequence of 3 floats, optional
        If given, the boundaries are first drawn 3 pixels wider in this colour.
    mode : {'outer', 'thick', 'inner', 'subpixel'}, optional
        Boundary mode of :func:`find_boundaries`; 'subpixel' doubles the image size
        (cubic-spline zoom, as in scikit-image).
    background_label : int, optional
        Background label for modes 'inner' and 'outer'.
    dtype : None or uint8, optional
        None: the float result, as scikit-image.  ``np.uint8`` (or ``"uint8"``):
        that result as an 8-bit image (clipped to [0, 1], times 255, rounded),
        ready to write; a uint8 image is painted on a copy of itself, with no
        float image in between.

    Returns
    -------
    marked : (H, W, 3) ndarray
        float32 for float32/float16 images, else float64; uint8 with
        ``dtype=np.uint8``.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import mark_boundaries
    >>> labels = np.array([[1, 1, 2, 2]] * 3)
    >>> marked = mark_boundaries(np.zeros((3, 4)), labels, color=(1, 0, 0))
    >>> marked[..., 0].astype(int)
    array([[0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0]])
    """
    if dtype is not None and not _is_uint8(dtype):
        raise ValueError(f"dtype must be None or uint8, got {dtype!r}")
    arr = check_array(image, "image")
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3:
        raise ValueError(f"image has shape {arr.shape}; expected (H, W) or (H, W, C)")
    check_channels(arr, "image", (1, 3, 4))
    eight_bit = dtype is not None and arr.dtype == np.uint8 and mode != "subpixel"
    marked = arr[..., :3].copy() if eight_bit else to_float(arr[..., :3], "image")
    if marked.shape[-1] == 1:
        marked = np.repeat(marked, 3, axis=-1)
    lab = check_label_map(labels, "labels")
    check_same_shape(lab, marked[..., 0], "labels", "image (without channels)")
    color = _rgb_triple(color, "color")
    if outline_color is not None:
        outline_color = _rgb_triple(outline_color, "outline_color")
    if mode == "subpixel":
        zoom = [2 - 1 / s for s in marked.shape[:-1]] + [1]
        marked = ndi.zoom(marked, zoom, mode="mirror")
    boundaries = find_boundaries(lab, mode=mode, background=background_label)
    if outline_color is not None:
        marked[_dilate_square(boundaries)] = (to_uint8(outline_color, "outline_color")
                                              if eight_bit else outline_color)
    marked[boundaries] = to_uint8(color, "color") if eight_bit else color
    if dtype is not None and not eight_bit:
        marked = to_uint8(marked)
    return marked


def _is_uint8(dtype):
    try:
        return np.dtype(dtype) == np.uint8
    except TypeError:
        return False


@jit
def _mix64(x):
    """splitmix64 finaliser: a bijective, well-mixed hash of a uint64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@jit(parallel=True)
def _hash_colors(labels, seed, out):
    """RGB of each label in ``labels`` (flat int64) into ``out`` (N, 3) uint8."""
    for i in prange(labels.shape[0]):
        v = labels[i]
        if v == 0:
            out[i, 0] = out[i, 1] = out[i, 2] = 0
            continue
        h = _mix64(np.uint64(v) ^ seed)
        for c in range(3):
            byte = (h >> np.uint64(8 * c)) & np.uint64(255)
            out[i, c] = np.uint8(40 + byte * np.uint64(215) // np.uint64(255))


def label_colors(labels, *, rng=0):
    """Colour-coded RGB picture of a label map: label 0 is black, every other label
    gets a colour that depends only on its value and ``rng``.

    Colours come from a hash of the label value, so a label keeps its colour across
    images, crops and label maps with other labels present.  Every channel is at
    least 40, so no segment is drawn black.

    Parameters
    ----------
    labels : array of int
        Label map of any shape.
    rng : int or numpy.random.Generator, optional
        Seed of the colour hash; the same seed gives the same colours.

    Returns
    -------
    rgb : (..., 3) ndarray of uint8

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import label_colors
    >>> rgb = label_colors(np.array([[0, 1], [2, 1]]))
    >>> rgb.shape, rgb.dtype, rgb[0, 0].tolist()
    ((2, 2, 3), dtype('uint8'), [0, 0, 0])
    >>> bool((rgb[0, 1] == rgb[1, 1]).all())
    True
    """
    lab = check_label_map(labels, "labels")
    if isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**63))
    elif isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        seed = int(rng)
    else:
        raise TypeError(f"rng must be a non-negative int or a numpy Generator, got "
                        f"{rng!r}")
    flat = np.ascontiguousarray(lab, dtype=np.int64).reshape(-1)
    out = np.empty((flat.size, 3), np.uint8)
    with serial_if_small(flat.size):
        _hash_colors(flat, np.uint64(_mix64(np.uint64(seed % 2**64))), out)
    return out.reshape(lab.shape + (3,))
