"""Reading and writing images and label maps.

Images are read with OpenCV at their stored depth (16-bit PNG/TIFF stay uint16) and
returned channels-last in RGB/RGBA order.  Label maps are written as 16-bit PNG when
they fit, else as ``.npy``.  Every write is atomic: the data go to a temporary file
in the destination folder, which then replaces the destination in one step, so an
interrupted batch never leaves a half-written output behind; inside
:func:`replaced_together`, a set of files is replaced all together or not at all.
"""
import contextlib
import contextvars
import os
import uuid
from pathlib import Path

import cv2
import numpy as np

from ._validate import check_array, check_channels, check_label_map, to_uint8

__all__ = ["IMAGE_SUFFIXES", "read_image", "read_labels", "replaced_together", "write_image",
           "write_labels"]

#: Suffixes (lower case) that :func:`read_image` reads.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
                            ".ppm", ".pgm", ".pbm", ".pnm", ".jp2", ".npy"})
_WRITE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_LABEL_FORMATS = ("auto", "png", "npy")
_PNG_MAX = 65535


def _existing_file(path):
    path = Path(os.fspath(path))
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a file")
    return path


def _load_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"cannot read {path} as a .npy array: {err}") from None


def _decode(path, flags):
    """cv2.imread that raises instead of returning None (and reads non-ASCII paths)."""
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise ValueError(f"cannot decode {path} as an image (unsupported format or "
                         "corrupt file)")
    return image


def read_image(path):
    """Read an image file as a channels-last RGB, RGBA or grayscale array.

    Parameters
    ----------
    path : str or os.PathLike
        An image OpenCV decodes (suffixes in :data:`IMAGE_SUFFIXES`) or a ``.npy``
        array.  The file's depth is kept: 8-bit images give uint8, 16-bit PNG/TIFF
        give uint16.  EXIF orientation is not applied.

    Returns
    -------
    image : ndarray
        ``(H, W)`` for grayscale, ``(H, W, 3)`` RGB, ``(H, W, 4)`` RGBA.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file cannot be decoded.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from classicseg.io import read_image, write_image
    >>> folder = tempfile.mkdtemp()
    >>> rgb = np.zeros((2, 3, 3), np.uint8); rgb[..., 0] = 255
    >>> read_image(write_image(folder + "/red.png", rgb))[0, 0].tolist()
    [255, 0, 0]
    """
    path = _existing_file(path)
    if path.suffix.lower() == ".npy":
        return _load_npy(path)
    image = _decode(path, cv2.IMREAD_UNCHANGED)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return image


# the (temporary, destination) pairs of the innermost replaced_together, if any
_staged = contextvars.ContextVar("classicseg.io staged writes", default=None)


def _atomic_write(path, write):
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then move it onto
    ``path`` (inside :func:`replaced_together`: when it ends); on any error remove
    the temporary file and re-raise, an OSError naming ``path``."""
    path = Path(os.fspath(path))
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"output folder {folder} does not exist")
    # not mkstemp: its files are private (0600); this one gets the usual umask mode
    tmp = folder / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    staged = _staged.get()
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        if staged is None:
            os.replace(tmp, path)
        else:
            staged.append((tmp, path))
    except BaseException as err:
        os.unlink(tmp)
        if isinstance(err, OSError) and err.filename is None:   # e.g. a full disk
            err.filename = str(path)
        raise
    return path


@contextlib.contextmanager
def replaced_together():
    """Within it, the files written (:func:`write_image`, :func:`write_labels`)
    replace their destinations only when it ends without an error, one after the
    other; after an error none does and their temporary files are removed.  E.g.
    one image's label map and overlay: a full disk at the overlay keeps both of
    the previous run (or neither is made), not its labels with the old overlay.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from classicseg.io import replaced_together, write_labels
    >>> folder = tempfile.mkdtemp()
    >>> with replaced_together():
    ...     a = write_labels(folder + "/a.png", np.ones((2, 2), int))
    ...     a.exists()
    False
    >>> a.exists()
    True
    """
    staged = []
    token = _staged.set(staged)
    try:
        yield
        while staged:
            os.replace(*staged[0])
            del staged[0]
    finally:
        _staged.reset(token)
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _encode(suffix, image, path):
    ok, buf = cv2.imencode(suffix, image)
    if not ok:
        raise OSError(f"OpenCV could not encode {path} as {suffix}")
    return buf


def write_labels(path, labels, *, format="auto"):
    """Write a label map as a 16-bit PNG or a ``.npy`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its suffix is replaced by the format's (``.png``/``.npy``).
    labels : array of int
        Label map.  PNG needs a 2-D map with labels in 0..65535.
    format : {'auto', 'png', 'npy'}, optional
        'auto': ``.npy`` when ``path`` ends in ``.npy`` or the labels do not fit a
        16-bit PNG, else PNG.  'png' forces PNG (ValueError if the labels do not
        fit); 'npy' forces ``.npy``.

    Returns
    -------
    path : pathlib.Path
        The file actually written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from classicseg.io import read_labels, write_labels
    >>> folder = tempfile.mkdtemp()
    >>> write_labels(folder + "/a.png", np.array([[1, 2], [3, 70000]])).suffix
    '.npy'
    >>> read_labels(write_labels(folder + "/b", np.array([[1, 2]]))).tolist()
    [[1, 2]]
    """
    if format not in _LABEL_FORMATS:
        raise ValueError(f"format must be one of {', '.join(map(repr, _LABEL_FORMATS))},"
                         f" got {format!r}")
    lab = check_label_map(labels, "labels")
    path = Path(os.fspath(path))
    fits = lab.ndim == 2 and lab.min() >= 0 and lab.max() <= _PNG_MAX
    if format == "png" and not fits:
        raise ValueError(
            f"labels do not fit a 16-bit PNG (shape {lab.shape}, values "
            f"{lab.min()}..{lab.max()}; PNG needs a 2-D map with values 0..65535); use "
            "format='npy' or 'auto'")
    if format == "npy" or (format == "auto" and (path.suffix.lower() == ".npy"
                                                 or not fits)):
        small = np.iinfo(np.int32).min <= lab.min() and lab.max() <= np.iinfo(np.int32).max
        data = lab.astype(np.int32 if small else np.int64)
        return _atomic_write(path.with_suffix(".npy"), lambda f: np.save(f, data))
    path = path.with_suffix(".png")
    buf = _encode(".png", lab.astype(np.uint16), path)
    return _atomic_write(path, lambda f: f.write(buf.tobytes()))


def read_labels(path):
    """Read a label map written by :func:`write_labels` (PNG or ``.npy``) as int32.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a single-channel integer map or its labels exceed int32.
    """
    path = _existing_file(path)
    if path.suffix.lower() == ".npy":
        lab = _load_npy(path)
    else:
        lab = _decode(path, cv2.IMREAD_UNCHANGED)
        if lab.ndim != 2:
            raise ValueError(f"{path} has {lab.shape[2]} channels; a label map PNG must "
                             "be single-channel (grayscale)")
    lab = check_label_map(lab, f"labels in {path}")
    if lab.dtype.itemsize >= 4 and lab.dtype != np.int32 and (
            lab.min() < np.iinfo(np.int32).min or lab.max() > np.iinfo(np.int32).max):
        raise ValueError(f"labels in {path} exceed the int32 range "
                         f"({lab.min()}..{lab.max()}); relabel them to 1..K")
    return lab.astype(np.int32)


def write_image(path, image):
    """Write an image as an 8-bit file (format from the suffix), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ending in .png, .jpg/.jpeg, .bmp, .tif/.tiff or .webp.
    image : (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array
        Grayscale, RGB or RGBA.  uint8 is written as is; floats are taken as [0, 1]
        (clipped) and other integers scaled by their dtype's range.  Alpha is
        dropped for formats without it (JPEG, BMP).

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(os.fspath(path))
    suffix = path.suffix.lower()
    if suffix not in _WRITE_SUFFIXES:
        raise ValueError(f"cannot write images with suffix {path.suffix!r} ({path}); "
                         f"use one of {', '.join(_WRITE_SUFFIXES)}")
    arr = check_array(image, "image")
    if arr.ndim == 3:
        check_channels(arr, "image", (1, 3, 4))
    elif arr.ndim != 2:
        raise ValueError(f"image has shape {arr.shape}; expected (H, W) or (H, W, C)")
    if arr.dtype != np.uint8:
        arr = to_uint8(arr, "image")
    if arr.ndim == 3 and arr.shape[2] == 4 and suffix in (".jpg", ".jpeg", ".bmp"):
        arr = arr[..., :3]
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR if arr.shape[2] == 3
                           else cv2.COLOR_RGBA2BGRA)
    buf = _encode(suffix, arr, path)
    return _atomic_write(path, lambda f: f.write(buf.tobytes()))
