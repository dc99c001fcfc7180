"""Neighbour steps of a connectivity, in one order for every algorithm."""
import functools

import numpy as np

__all__ = ["neighbour_steps", "padded_strides", "raveled_offsets"]


@functools.lru_cache(maxsize=16)
def neighbour_steps(ndim, connectivity):
    """The (k, ndim) int64 steps to the neighbours of a pixel (centre excluded), for
    ``connectivity`` 1 (faces) .. ``ndim`` (full), ordered as scikit-image orders
    them: by distance, then raster order.  Read-only (cached).

    The footprint is scipy.ndimage.generate_binary_structure's, built here because
    importing scipy.ndimage would add 0.065 s to a batch run's ~1 s start-up."""
    steps = np.indices((3,) * ndim).reshape(ndim, -1).T - 1
    steps = steps[np.abs(steps).sum(axis=1) <= connectivity]
    dist2 = (steps ** 2).sum(axis=1)
    steps = steps[np.argsort(dist2, kind="stable")][1:].astype(np.int64)
    steps.flags.writeable = False
    return steps


def padded_strides(shape, pad=1):
    """Strides, in elements, of a C-ordered array of ``shape`` padded by ``pad`` on
    every side."""
    padded = [s + 2 * pad for s in shape]
    return np.cumprod([1] + padded[:0:-1])[::-1].astype(np.int64)


def raveled_offsets(shape, connectivity, pad=1):
    """Raveled offsets of :func:`neighbour_steps` in a C-ordered array of ``shape``
    padded by ``pad`` on every side."""
    return neighbour_steps(len(shape), connectivity) @ padded_strides(shape, pad)
