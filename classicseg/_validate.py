"""Shared input checks and conversions.

Every public function validates through here so that messages are uniform: they name
the argument, say what was received and what was expected.  Kernels never raise for
user errors.
"""
import math
import numbers

import numpy as np

_INT64_MAX = 2 ** 63 - 1


def float_dtype_for(dtype):
    """The float dtype an array of ``dtype`` is computed in: float32 stays float32,
    float16 becomes float32, everything else float64."""
    dtype = np.dtype(dtype)
    if dtype in (np.float16, np.float32):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_array(x, name, *, allow_bool=True):
    """Return ``x`` as a non-empty ndarray of a real numeric dtype in native byte
    order (a converted copy for big-endian input), or raise TypeError/ValueError."""
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} has complex dtype {arr.dtype}; expected a real "
                        "integer or float array (take .real or np.abs first)")
    if kind not in "biuf" or (kind == "b" and not allow_bool):
        raise TypeError(f"{name} has unsupported dtype {arr.dtype}; expected an "
                        "integer or float array")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected at least "
                         "one pixel")
    if not arr.dtype.isnative:   # big-endian (FITS, some TIFFs): kernels need native
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def check_finite(arr, name):
    """Raise ValueError if a float array holds NaN or inf."""
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name} contains {bad} values; replace them (e.g. with "
                         "np.nan_to_num) or exclude them with a mask")


def check_magnitude(arr, name, limit, expected):
    """Raise ValueError unless a float array is finite with ``|values| <= limit``
    (beyond which the caller's computation overflows); ``expected`` says what
    values the caller works with."""
    if arr.dtype.kind != "f":
        return
    lo, hi = float(arr.min()), float(arr.max())   # NaN propagates: one pass each
    if not (math.isfinite(lo) and math.isfinite(hi)):
        check_finite(arr, name)
    peak = max(-lo, hi)
    if peak > limit:
        raise ValueError(f"{name} has values up to {peak:.3g} in magnitude; expected "
                         f"{expected} (beyond {limit:g} the computation overflows)")


def to_float(arr, name="image"):
    """Convert an image to float following the library's dtype policy.

    Floats are taken as given (float32 stays float32, float16 becomes float32, other
    floats float64).  Unsigned integers are scaled by their dtype's range to [0, 1],
    signed integers to [-1, 1], booleans to {0, 1}.  Always returns a new array, so
    callers may modify the result in place without touching the user's input.
    """
    arr = check_array(arr, name)
    if arr.dtype.kind == "f":
        out = arr.astype(float_dtype_for(arr.dtype), copy=True)
        check_finite(out, name)
        return out
    if arr.dtype.kind == "b":
        return arr.astype(np.float64)
    info = np.iinfo(arr.dtype)
    return arr.astype(np.float64) / float(info.max)


def to_uint8(arr, name="image"):
    """An image (or colour) as uint8: :func:`to_float`, clipped to [0, 1], times 255,
    rounded."""
    return np.round(np.clip(to_float(arr, name), 0, 1) * 255).astype(np.uint8)


def spatial_image(image, channel_axis, name="image", spatial_ndims=(2, 3)):
    """Validate ``image`` and move its channel axis last.

    Returns ``(array, has_channels)``: the array has shape ``(*spatial, C)`` when
    ``channel_axis`` is not None, else ``spatial``; its dtype is untouched.
    """
    arr = check_array(image, name)
    if channel_axis is None:
        if arr.ndim not in spatial_ndims:
            raise ValueError(
                f"{name} has {arr.ndim} dimensions with channel_axis=None; expected "
                f"{_or(spatial_ndims)} spatial dimensions")
        return arr, False
    if not isinstance(channel_axis, numbers.Integral):
        raise TypeError(f"channel_axis must be an int or None, got "
                        f"{type(channel_axis).__name__}")
    if not -arr.ndim <= channel_axis < arr.ndim:
        raise ValueError(f"channel_axis={channel_axis} is out of range for {name} "
                         f"with {arr.ndim} dimensions (shape {arr.shape})")
    if arr.ndim == 2 and 1 not in spatial_ndims:
        raise ValueError(f"{name} is 2-D but channel_axis={channel_axis}; pass "
                         "channel_axis=None for a grayscale image")
    if arr.ndim - 1 not in spatial_ndims:
        raise ValueError(
            f"{name} has shape {arr.shape}: {arr.ndim - 1} spatial dimensions plus "
            f"channel axis {channel_axis}; expected {_or(spatial_ndims)} spatial "
            "dimensions")
    arr = np.moveaxis(arr, channel_axis, -1)
    if arr.shape[-1] < 1:
        raise ValueError(f"{name} has no channels (shape {arr.shape})")
    return arr, True


def check_channels(arr, name, allowed):
    """Raise ValueError unless the last (channel) axis of ``arr`` has a size in
    ``allowed``."""
    if arr.shape[-1] not in allowed:
        raise ValueError(f"{name} has {arr.shape[-1]} channels (shape {arr.shape} "
                         f"with channels last); expected {_or(allowed)} channels")


def check_mask(mask, shape, name="mask"):
    """Return ``mask`` as a C-contiguous bool array of ``shape``, or raise."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.dtype.kind not in "biu":
        raise TypeError(f"{name} must be a boolean (or 0/1 integer) array, got dtype "
                        f"{m.dtype}")
    if m.shape != tuple(shape):
        raise ValueError(f"{name} has shape {m.shape} but the image's spatial shape "
                         f"is {tuple(shape)}; they must match")
    m = np.ascontiguousarray(m != 0)
    if not m.any():
        raise ValueError(f"{name} selects no pixels; pass mask=None to use the whole "
                         "image")
    return m


def check_choice(value, name, options):
    """The index of ``value`` in ``options``, or a ValueError listing them."""
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}")
    return options.index(value)


def check_positive(value, name, *, integer=False, allow_zero=False):
    """Return ``value`` if it is a positive (or non-negative) finite number."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if integer and value > _INT64_MAX:
        raise ValueError(f"{name}={value} is too large; expected at most 2**63 - 1")
    try:
        number = float(value)
    except OverflowError:   # a Python int beyond float range
        raise ValueError(f"{name}={value} is too large; expected a finite number "
                         "below 1.8e308") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return int(value) if integer else number


def check_sigma(sigma, shape, spacing=None, name="sigma"):
    """Return the Gaussian ``sigma`` (>= 0) in pixels along each axis of an image
    of spatial ``shape`` (divided by ``spacing`` when given), or raise.

    A sigma beyond the image's largest side only averages the image to a constant
    (at a cost that grows with sigma), so it is refused rather than computed.
    """
    sigma = check_positive(sigma, name, allow_zero=True)
    pixels = sigma / (np.ones(len(shape)) if spacing is None else np.asarray(spacing))
    limit = max(shape)
    if np.any(pixels > limit):
        axis = int(np.argmax(pixels))
        raise ValueError(f"{name}={sigma!r} is {pixels[axis]:.3g} pixels along axis "
                         f"{axis}, wider than the image (largest side {limit} pixels); "
                         f"expected at most {limit} pixels (a wider Gaussian only "
                         "averages the image to a constant)")
    return tuple(float(p) for p in pixels)


def check_spacing(spacing, ndim, name="spacing"):
    """Return ``spacing`` as a float64 array of ``ndim`` positive entries."""
    if spacing is None:
        return np.ones(ndim)
    try:
        sp = np.asarray(spacing, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of {ndim} numbers, got "
                        f"{spacing!r}") from None
    if sp.size != ndim:
        raise ValueError(f"{name} has {sp.size} entries but the image has {ndim} "
                         "spatial dimensions")
    if not np.all(np.isfinite(sp)) or np.any(sp <= 0):
        raise ValueError(f"{name} entries must be finite and > 0, got {sp.tolist()}")
    return sp


def power_of_two_scale(arr, limit=2.0 ** 50, *, value_range=None):
    """A power of two ``f`` with ``max |arr| / f <= 1`` when ``max |arr|`` exceeds
    ``limit``, else 1.0.

    Dividing by ``f`` is exact, so a scale-equivariant computation can run on
    ``arr / f`` in float32 without overflowing its squares, and leaves ordinary
    data untouched.  ``value_range``: ``(arr.min(), arr.max())`` when the caller
    already has them (no pass over ``arr``).
    """
    lo, hi = value_range if value_range is not None else (arr.min(), arr.max())
    peak = max(-float(lo), float(hi))   # no |arr| temporary
    return 1.0 if peak <= limit else 2.0 ** math.ceil(math.log2(peak))


def _or(values):
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def check_label_map(labels, name):
    """Return ``labels`` as a non-empty integer (or bool) ndarray, or raise.

    Float label maps are refused rather than silently truncated.
    """
    arr = check_array(labels, name)
    if arr.dtype.kind == "f":
        raise TypeError(f"{name} has float dtype {arr.dtype}; label maps must be "
                        "integer arrays (convert with .astype(np.int32) if the values "
                        "are whole numbers)")
    return arr


def check_same_shape(a, b, name_a, name_b):
    """Raise ValueError unless arrays ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape "
                         f"{b.shape}; they must match")


def check_optional_int(value, name):
    """Return ``value`` as a Python int in the int64 range, or None; else raise
    TypeError (not an integer) or ValueError (beyond int64)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int or None, got {value!r}")
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise ValueError(f"{name}={value} is outside the int64 range; expected a "
                         "label value between -2**63 and 2**63 - 1")
    return int(value)
