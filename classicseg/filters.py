"""Image filters: gradient magnitude for gray, colour and 3-D images."""
import numpy as np
from scipy import ndimage as ndi

from ._validate import check_finite, check_positive, spatial_image, to_float
from .color import lab_image

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
        given.  No NaN/inf.
    method : {"sobel", "scharr"}, optional
        Derivative filter.  Scharr's is more rotation invariant.
    sigma : float, optional
        Standard deviation, in pixels, of a Gaussian pre-smoothing (0 = none).
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
    if method not in _SMOOTHING:
        raise ValueError(f"method must be 'sobel' or 'scharr', got {method!r}")
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    if not has_channels:
        channels = [to_float(arr).astype(np.float32, copy=False)]
    elif arr.shape[-1] in (3, 4):
        check_finite(arr, "image")
        lab = lab_image(arr[..., :3], np.float32)
        lab *= np.float32(0.01)
        channels = [lab[..., c] for c in range(3)]
    else:
        arr = to_float(arr).astype(np.float32, copy=False)
        channels = [arr[..., c] for c in range(arr.shape[-1])]
    ndim = channels[0].ndim
    total = np.zeros(channels[0].shape, np.float32)
    tmp = np.empty_like(total)
    for channel in channels:
        channel = np.ascontiguousarray(channel)
        if sigma > 0:
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
    return np.sqrt(total, out=total)
