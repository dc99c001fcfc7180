"""sRGB <-> CIELAB conversion (D65 white point, 2 degree observer), Numba-compiled.

The formulas are those of scikit-image's ``skimage.color.rgb2lab``/``lab2rgb``: sRGB
gamma with the 0.04045 threshold, the sRGB-specification RGB->XYZ matrix, the white
point (0.95047, 1, 1.08883) and the CIE f(t) with its linear segment below 0.008856
(slope 7.787).  Kernels compute every pixel in float64 and store the result in the
output's dtype, so float32 results are the float64 ones rounded once.
"""
import numpy as np

from ._numba import jit, prange, serial_if_small
from ._validate import check_channels, check_finite, check_magnitude, \
    float_dtype_for, spatial_image, to_float

__all__ = ["lab2rgb", "rgb2lab"]

# sRGB specification RGB -> XYZ (the matrix skimage uses) and its inverse.
_M = ((0.412453, 0.357580, 0.180423),
      (0.212671, 0.715160, 0.072169),
      (0.019334, 0.119193, 0.950227))
_M_INV = ((3.2404813432005266, -1.5371515162713183, -0.4985363261688878),
          (-0.9692549499965682, 1.8759900014898907, 0.04155592655829284),
          (0.055646639135177166, -0.20404133836651123, 1.0573110696453443))
_WHITE = (0.95047, 1.0, 1.08883)

# Module-level scalars are frozen into the kernels as compile-time constants.
_M00, _M01, _M02 = _M[0]
_M10, _M11, _M12 = _M[1]
_M20, _M21, _M22 = _M[2]
_I00, _I01, _I02 = _M_INV[0]
_I10, _I11, _I12 = _M_INV[1]
_I20, _I21, _I22 = _M_INV[2]
_XN, _YN, _ZN = _WHITE


_CHUNK = 1024  # pixels per parallel work item; its buffers stay in L1/L2 cache


@jit
def _srgb_to_linear(c):
    if c > 0.04045:
        return ((c + 0.055) / 1.055) ** 2.4
    return c / 12.92


@jit
def _pow24_unit(x):
    """x ** 2.4 for x in [0.09, 1] to 1e-15 relative: x**2 * a Halley fifth root of
    x**2.  Branch-free, so the loops calling it vectorise (libm's pow does not)."""
    a = x * x
    y = 0.45 + 0.55 * a
    for _ in range(4):
        y5 = y * y * y * y * y
        y = y * (4.0 * y5 + 6.0 * a) / (6.0 * y5 + 4.0 * a)
    return a * y


@jit
def _cbrt_unit(t):
    """Cube root for t in [0.003, 1.5] to 1e-15 relative (Halley, branch-free)."""
    y = 0.25 + 0.75 * t
    for _ in range(4):
        y3 = y * y * y
        y = y * (y3 + 2.0 * t) / (2.0 * y3 + t)
    return y


@jit
def _srgb_to_linear_unit(c):
    """``_srgb_to_linear`` for c <= 1 (the fast form; larger c need a fix-up)."""
    fast = _pow24_unit((c + 0.055) / 1.055)
    return fast if c > 0.04045 else c / 12.92


@jit
def _linear_to_srgb_unit(c):
    """sRGB gamma of linear ``c``, clipped to [0, 1], without libm:
    c ** (1 / 2.4) = u * u ** (1 / 4) with u = c ** (1 / 3).  c is capped at 1 first,
    which the final clip makes exact."""
    u = _cbrt_unit(min(c, 1.0))
    fast = 1.055 * u * np.sqrt(np.sqrt(u)) - 0.055
    v = fast if c > 0.0031308 else 12.92 * c
    return min(max(v, 0.0), 1.0)


@jit
def _lab_f(t):
    """CIE f(t) for t <= 1.5 (larger t need a fix-up)."""
    fast = _cbrt_unit(t)
    return fast if t > 0.008856 else 7.787 * t + 16.0 / 116.0


@jit
def _f_inv(t):
    if t > 0.2068966:
        return t * t * t
    return (t - 16.0 / 116.0) / 7.787


@jit
def _linear_chunk_to_lab(lin, n, out, start):
    """Lab of the ``n`` linear-RGB pixels in ``lin`` (3n values, overwritten) into
    ``out[start:start + n]``.  Loops are kept flat so that they vectorise."""
    for p in range(n):
        r, g, b = lin[3 * p], lin[3 * p + 1], lin[3 * p + 2]
        lin[3 * p] = (_M00 * r + _M01 * g + _M02 * b) / _XN
        lin[3 * p + 1] = (_M10 * r + _M11 * g + _M12 * b) / _YN
        lin[3 * p + 2] = (_M20 * r + _M21 * g + _M22 * b) / _ZN
    f = np.empty(3 * n)
    for j in range(3 * n):
        f[j] = _lab_f(lin[j])
    for j in range(3 * n):
        if lin[j] > 1.5:  # out-of-gamut float input: exact cube root
            f[j] = np.cbrt(lin[j])
    dst = out[start:start + n]  # zero-based views: no negative-index checks
    for p in range(n):
        fx, fy, fz = f[3 * p], f[3 * p + 1], f[3 * p + 2]
        dst[p, 0] = 116.0 * fy - 16.0
        dst[p, 1] = 500.0 * (fx - fy)
        dst[p, 2] = 200.0 * (fy - fz)


@jit
def _n_chunks(npix):
    return (npix + _CHUNK - 1) // _CHUNK


@jit
def _chunk_span(c, npix):
    """First pixel and pixel count of chunk ``c``."""
    start = c * _CHUNK
    return start, min(npix, start + _CHUNK) - start


@jit(parallel=True)
def _rgb2lab_flat(rgb, out):
    """sRGB (N, 3) float32/float64 -> Lab written into ``out`` (N, 3) of the same dtype."""
    flat = rgb.reshape(-1)
    for c in prange(_n_chunks(rgb.shape[0])):
        start, n = _chunk_span(c, rgb.shape[0])
        src = flat[3 * start:3 * (start + n)]
        lin = np.empty(3 * n)
        for j in range(3 * n):
            lin[j] = _srgb_to_linear_unit(np.float64(src[j]))
        for j in range(3 * n):
            if src[j] > 1.0:  # out-of-gamut float input: exact power
                lin[j] = _srgb_to_linear(np.float64(src[j]))
        _linear_chunk_to_lab(lin, n, out, start)


@jit
def _srgb_lut_kernel():
    lut = np.empty(256, np.float64)
    for v in range(256):
        lut[v] = _srgb_to_linear(v / 255.0)
    return lut


@jit(parallel=True)
def _rgb2lab_uint8_flat(rgb, out, table):
    """sRGB (N, 3) uint8 -> Lab written into ``out`` (N, 3) float32/float64;
    ``table`` is the 256-entry linearised sRGB table (``_srgb_lut()``)."""
    flat = rgb.reshape(-1)
    for c in prange(_n_chunks(rgb.shape[0])):
        start, n = _chunk_span(c, rgb.shape[0])
        src = flat[3 * start:3 * (start + n)]
        lin = np.empty(3 * n)
        for j in range(3 * n):
            lin[j] = table[src[j]]
        _linear_chunk_to_lab(lin, n, out, start)


@jit(parallel=True)
def _lab2rgb_flat(lab, out):
    """Lab (N, 3) -> sRGB in [0, 1] written into ``out`` (N, 3), skimage's clipping."""
    flat, flat_out = lab.reshape(-1), out.reshape(-1)
    for c in prange(_n_chunks(lab.shape[0])):
        start, n = _chunk_span(c, lab.shape[0])
        src = flat[3 * start:3 * (start + n)]
        lin = np.empty(3 * n)
        for p in range(n):
            fy = (np.float64(src[3 * p]) + 16.0) / 116.0
            fx = np.float64(src[3 * p + 1]) / 500.0 + fy
            fz = max(fy - np.float64(src[3 * p + 2]) / 200.0, 0.0)  # skimage clips Z < 0
            x, y, z = _f_inv(fx) * _XN, _f_inv(fy) * _YN, _f_inv(fz) * _ZN
            lin[3 * p] = _I00 * x + _I01 * y + _I02 * z
            lin[3 * p + 1] = _I10 * x + _I11 * y + _I12 * z
            lin[3 * p + 2] = _I20 * x + _I21 * y + _I22 * z
        dst = flat_out[3 * start:3 * (start + n)]
        for j in range(3 * n):
            dst[j] = _linear_to_srgb_unit(lin[j])


_LUT = None


def _srgb_lut():
    """The linearised sRGB value of each uint8 level, built on first use."""
    global _LUT
    if _LUT is None:
        _LUT = _srgb_lut_kernel()
    return _LUT


def lab_image(rgb, dtype):
    """Lab image of a ``(..., 3)`` sRGB array as a new C-contiguous array of ``dtype``.

    uint8 goes through the lookup-table kernel; other integers are scaled by their
    dtype's range; floats are taken as given.  No validation: callers validate.
    """
    dtype = np.dtype(dtype)
    rgb = np.asarray(rgb)
    out = np.empty(rgb.shape, dtype)
    flat_out = out.reshape(-1, 3)
    with serial_if_small(flat_out.shape[0]):
        if rgb.dtype == np.uint8:
            _rgb2lab_uint8_flat(np.ascontiguousarray(rgb).reshape(-1, 3), flat_out,
                                _srgb_lut())
            return out
        if rgb.dtype.kind != "f":
            rgb = to_float(rgb, "rgb")
        _rgb2lab_flat(np.ascontiguousarray(rgb, dtype=dtype).reshape(-1, 3), flat_out)
    return out



def lab_planes(rgb):
    """Lab of a ``(..., 3)`` sRGB array as C-contiguous float32 planes ``(3, ...)``.

    uint8 is written straight into the planes (no interleaved copy); other dtypes go
    through :func:`lab_image`.  No validation: callers validate."""
    if rgb.dtype != np.uint8:
        return np.ascontiguousarray(np.moveaxis(lab_image(rgb, np.float32), -1, 0))
    planes = np.empty((3,) + rgb.shape[:-1], np.float32)
    _rgb2lab_uint8_flat(np.ascontiguousarray(rgb).reshape(-1, 3),
                        planes.reshape(3, -1).T, _srgb_lut())
    return planes

# Float input beyond these magnitudes overflows the conversions in float32:
# ((c + 0.055) / 1.055) ** 2.4 past ~1.6e16, ((L + 16) / 116) ** 3 past ~8e14.
_RGB_LIMIT = 1e15
_LAB_LIMIT = 1e12


def check_rgb(rgb, name="image"):
    """Raise ValueError unless float sRGB values are finite and convertible."""
    check_magnitude(rgb, name, _RGB_LIMIT, "sRGB in about [0, 1]")


def _color_array(image, channel_axis, name, channels):
    if channel_axis is None:
        raise ValueError(f"{name} must have a colour channel axis, got "
                         "channel_axis=None; pass the axis of its "
                         f"{' or '.join(map(str, channels))} channels (e.g. "
                         "channel_axis=-1)")
    arr, _ = spatial_image(image, channel_axis, name, spatial_ndims=(0, 1, 2, 3))
    check_channels(arr, name, channels)
    return arr


def rgb2lab(image, *, channel_axis=-1):
    """Convert an sRGB image to CIELAB (D65 white point, 2 degree observer).

    Same formulas as ``skimage.color.rgb2lab`` (agreement to about 1e-12 in
    float64), computed by a parallel Numba kernel.

    Parameters
    ----------
    image : (..., 3 or 4) array_like
        sRGB image (or a list of colours), channels along ``channel_axis``; an alpha
        channel is dropped.  Floats are taken as given (nominally [0, 1]); integers
        are scaled by their dtype's range (uint8 by 255, uint16 by 65535).
    channel_axis : int, optional
        Axis of the colour channels.

    Returns
    -------
    lab : ndarray
        L* in [0, 100], a* and b* roughly in [-128, 127], channels along
        ``channel_axis``.  float32 for float32 or float16 input, else float64.

    Raises
    ------
    ValueError
        If the channel axis does not have 3 or 4 entries, or the image holds NaN/inf.
    TypeError
        If the image is complex or not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import rgb2lab
    >>> rgb2lab(np.array([[[255, 255, 255], [255, 0, 0]]], np.uint8)).round(2)
    array([[[100.  ,  -0.  ,   0.  ],
            [ 53.24,  80.09,  67.2 ]]])
    """
    arr = _color_array(image, channel_axis, "image", (3, 4))[..., :3]
    check_rgb(arr)
    dtype = float_dtype_for(arr.dtype) if arr.dtype.kind == "f" else np.float64
    lab = lab_image(arr, dtype)
    return lab if channel_axis in (-1, lab.ndim - 1) else np.moveaxis(lab, -1, channel_axis)


def lab2rgb(lab, *, channel_axis=-1):
    """Convert a CIELAB image (D65, 2 degree observer) to sRGB in [0, 1].

    Same formulas as ``skimage.color.lab2rgb``, including its clipping: negative
    Z is clipped to 0 (scikit-image also warns; this function does not) and the
    resulting RGB is clipped to [0, 1].

    Parameters
    ----------
    lab : (..., 3) array_like
        L*, a*, b* values along ``channel_axis``.  Integer arrays are read as Lab
        values, not scaled (scikit-image would divide them by the dtype's range).
    channel_axis : int, optional
        Axis of the colour channels.

    Returns
    -------
    rgb : ndarray
        sRGB in [0, 1]; float32 for float32 or float16 input, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import lab2rgb
    >>> lab2rgb(np.array([[53.24, 80.09, 67.2], [100, 0, 0]])).round(3)
    array([[1., 0., 0.],
           [1., 1., 1.]])
    """
    arr = _color_array(lab, channel_axis, "lab", (3,))
    check_magnitude(arr, "lab", _LAB_LIMIT,
                    "CIELAB values: L* in [0, 100], a* and b* about +-128")
    dtype = float_dtype_for(arr.dtype) if arr.dtype.kind == "f" else np.float64
    out = np.empty(arr.shape, dtype)
    with serial_if_small(out.size // 3):
        _lab2rgb_flat(np.ascontiguousarray(arr, dtype=dtype).reshape(-1, 3),
                      out.reshape(-1, 3))
    return out if channel_axis in (-1, out.ndim - 1) else np.moveaxis(out, -1, channel_axis)


def range_planes(image, channel_axis, name="image"):
    """The colour features of a 2-D image as float32 planes (C, H, W): CIELAB for
    RGB(A) (alpha dropped), the image's own units otherwise (integers unscaled, so
    uint8 gray in 0..255).  Validates ``image`` (finite values)."""
    arr, has_channels = spatial_image(image, channel_axis, name, spatial_ndims=(2,))
    if has_channels and arr.shape[-1] == 4:
        arr = arr[..., :3]
    if has_channels and arr.shape[-1] == 3:
        if arr.dtype.kind == "f":
            check_rgb(arr, name)
        return lab_planes(arr)
    feats = arr.astype(np.float32) if arr.dtype.kind in "biu" else to_float(arr, name)
    check_finite(feats, name)
    if not has_channels:
        feats = feats[..., None]
    return np.ascontiguousarray(np.moveaxis(feats, -1, 0), dtype=np.float32)
