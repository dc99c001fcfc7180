"""Image filters: gradient magnitude for gray, colour and 3-D images."""
import numpy as np

from ._lazy import lazy_module
from ._validate import check_sigma, power_of_two_scale, spatial_image, to_float
from .color import check_rgb, lab_image

__all__ = ["gradient_magnitude"]

ndi = lazy_module("scipy.ndimage")

# Separable kernels: derivative along one axis, smoothing along the others.
_DERIVATIVE = np.array([-1.0, 0.0, 1.0])
_SMOOTHING = {"sobel": np.array([1.0, 2.0, 1.0]) / 4.0,
              "scharr": np.array([3.0, 10.0, 3.0]) / 16.0}


def gradient_magnitude(image, *, method="sobel", sigma=0.0, channel_axis=-1):
    """Gradient magnitude of a gray, colour or 3-D image (the usual watershed relief).

    Each spatial axis is differentiated with ``[-1, 0, 1]`` and smoothed along the
    other axes with ``[1, 2, 1] / 4`` (Sobel) or ``[3, 10, 3] / 16`` (Scharr), borders
    reflected; the magnitude is ``sqrt(sum of squared axis derivatives / ndim)``.
    For a gray image this is ``skimage.filters.sobel`` / ``scharr``.

    Colour images (3 or 4 channels; alpha is dropped) are converted to CIELAB and
    divided by 100 (so L* spans [0, 1], like a gray image's intensities, and one
    ``h`` or threshold serves both); the channel gradients are combined as the square
    root of the sum over channels of their squared magnitudes (the Frobenius norm of
    the colour Jacobian, divided by ``sqrt(ndim)``).  Other channel counts are
    combined the same way without colour conversion.

    Parameters
    ----------
    image : (H, W), (H, W, C), (D, H, W) or (D, H, W, C) array_like
        Integers are scaled by their dtype's range to [0, 1]; floats are taken as
        given (any magnitude whose gradient fits in float32).  No NaN/inf.
    method : {"sobel", "scharr"}, optional
        Derivative filter.  Scharr's is more rotation invariant.
    sigma : float, optional
        Standard deviation, in pixels, of a Gaussian pre-smoothing (0 = none), at
        most the image's largest side.
    channel_axis : int or None, optional
        Axis of the colour channels; None for gray images and volumes.

    Returns
    -------
    magnitude : ndarray of float32
        Spatial shape of the image.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import gradient_magnitude
    >>> step = np.zeros((4, 5)); step[:, 3:] = 1.0
    >>> print(gradient_magnitude(step, channel_axis=None)[0].round(3))
    [0.    0.    0.707 0.707 0.   ]
    """
    arr, has_channels = spatial_image(image, channel_axis)
    if not isinstance(method, str) or method not in _SMOOTHING:
        raise ValueError(f"method must be 'sobel' or 'scharr', got {method!r}")
    sigma = check_sigma(sigma, arr.shape[:-1] if has_channels else arr.shape)
    scale = 1.0
    if has_channels and arr.shape[-1] in (3, 4):
        check_rgb(arr)
        lab = lab_image(arr[..., :3], np.float32)
        lab *= np.float32(0.01)
        channels = [lab[..., c] for c in range(3)]
    else:
        arr, scale = _float32_scaled(to_float(arr))
        channels = [arr] if not has_channels else [arr[..., c]
                                                   for c in range(arr.shape[-1])]
    ndim = channels[0].ndim
    total = np.zeros(channels[0].shape, np.float32)
    tmp = np.empty_like(total)
    for channel in channels:
        channel = np.ascontiguousarray(channel)
        if max(sigma) > 0:
            channel = ndi.gaussian_filter(channel, sigma, mode="reflect")
        for axis in range(ndim):
            grad = ndi.correlate1d(channel, _DERIVATIVE, axis=axis, mode="reflect",
                                   output=np.float32)
            for other in range(ndim):
                if other != axis:
                    ndi.correlate1d(grad, _SMOOTHING[method], axis=other,
                                    mode="reflect", output=tmp)
                    grad, tmp = tmp, grad
            total += grad * grad
    total *= np.float32(1.0 / ndim)
    np.sqrt(total, out=total)
    if scale != 1:
        total *= np.float32(scale)
    return total


def _float32_scaled(feats):
    """``(feats / f as float32, f)``, f a power of two (1 for ordinary values) that
    keeps the squared derivatives inside float32; the magnitude is linear in the
    image, so multiplying it by f gives the unscaled result."""
    scale = power_of_two_scale(feats)
    if scale > 2.0 ** 120:
        peak = float(np.max(np.abs(feats)))
        raise ValueError(f"image values reach {peak:.3g} in magnitude; "
                         "their gradient magnitude does not fit in float32 (whose "
                         "range ends at 3.4e38): rescale the image")
    return (feats / scale if scale != 1 else feats).astype(np.float32, copy=False), scale
