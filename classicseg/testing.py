"""Test helpers for code that produces or consumes classicseg label maps.

:func:`assert_label_contract` checks the label contract every classicseg segmenter
guarantees, using only NumPy and SciPy (none of the library's own kernels), so it
can serve as an independent oracle in this library's tests and in users' tests.
"""
import numpy as np
from scipy import ndimage as ndi

__all__ = ["assert_label_contract"]


def assert_label_contract(labels, *, shape=None, mask=None, connectivity=1,
                          n_segments=None, lines=False):
    """Assert that ``labels`` follows the classicseg label contract.

    The contract: an ``int32`` array; segments numbered ``1..K`` with no gaps;
    ``0`` means "no segment" and appears only outside ``mask`` (and, with
    ``lines=True``, on watershed lines); every segment is connected.

    Parameters
    ----------
    labels : ndarray
        The label map to check.
    shape : tuple of int, optional
        The expected shape.
    mask : array_like of bool, optional
        Pixels that must be labelled; outside it every label must be 0.  None: the
        whole image must be labelled.
    connectivity : int
        Neighbourhood under which each segment must be connected, as in
        :func:`scipy.ndimage.generate_binary_structure`: 1 for face neighbours (4 in
        2-D, 6 in 3-D) up to ``labels.ndim`` for the full neighbourhood.
    n_segments : int, optional
        The expected number of segments K.
    lines : bool
        Allow 0 inside ``mask`` too (watershed lines).

    Returns
    -------
    int
        The number of segments K.

    Raises
    ------
    AssertionError
        Saying which part of the contract is broken.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.testing import assert_label_contract
    >>> assert_label_contract(np.array([[1, 1, 2]], np.int32), n_segments=2)
    2
    >>> assert_label_contract(np.array([[1, 2, 1]], np.int32))
    Traceback (most recent call last):
    ...
    AssertionError: segment 1 has 2 separate parts (connectivity 1); expected one
    """
    labels = np.asarray(labels)
    _check(labels.dtype == np.int32, f"labels have dtype {labels.dtype}; expected int32")
    if shape is not None:
        _check(labels.shape == tuple(shape),
               f"labels have shape {labels.shape}; expected {tuple(shape)}")
    inside = np.ones(labels.shape, bool) if mask is None else np.asarray(mask, bool)
    _check(inside.shape == labels.shape,
           f"mask has shape {inside.shape} but labels have shape {labels.shape}")
    _check(labels.min(initial=0) >= 0, f"labels has negative values (min "
           f"{labels.min()}); expected 0 for 'no segment' and 1..K for segments")
    outside = np.count_nonzero(labels[~inside])
    _check(outside == 0, f"{outside} pixels outside mask have a nonzero label; "
           "expected 0 there")
    if not lines:
        unlabelled = np.count_nonzero(labels[inside] == 0)
        where = "inside mask" if mask is not None else "(no mask was given)"
        _check(unlabelled == 0, f"{unlabelled} pixels {where} have label 0; "
               "expected every pixel labelled (pass lines=True for watershed lines)")
    k = int(labels.max(initial=0))
    present = np.unique(labels[labels > 0])
    missing = np.setdiff1d(np.arange(1, k + 1), present)
    _check(missing.size == 0, f"labels 1..{k} have gaps: {missing[:10].tolist()} "
           "missing; expected consecutive labels (see classicseg.relabel_sequential)")
    if n_segments is not None:
        _check(k == n_segments, f"labels have {k} segments; expected {n_segments}")
    structure = ndi.generate_binary_structure(labels.ndim, connectivity)
    for lab, box in enumerate(ndi.find_objects(labels), start=1):
        parts = ndi.label(labels[box] == lab, structure)[1]
        _check(parts == 1, f"segment {lab} has {parts} separate parts "
               f"(connectivity {connectivity}); expected one")
    return k


def _check(condition, message):
    if not condition:   # not `assert`: python -O must not skip the checks
        raise AssertionError(message)
