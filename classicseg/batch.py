"""Segment files and folders of images into an output folder.

:func:`segment_files` takes paths, a registered method (:mod:`classicseg.segmenters`)
and its parameters; it is what the ``classicseg segment`` command runs, and what a
process pool or a Dask worker can run.  Each input image gives
``<stem>_labels.png`` (or ``.npy``) and, unless disabled, ``<stem>_overlay.png``.
Every file fails on its own: the others go on and each failure is reported with its
reason.  Outputs are written atomically (see :mod:`classicseg.io`), so an
interrupted run never leaves a half-written file.
"""
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

from tqdm import tqdm

from . import segmenters
from .io import IMAGE_SUFFIXES, read_image, write_image, write_labels
from .viz import mark_boundaries

__all__ = ["BatchResult", "collect_inputs", "segment_files", "OUTPUT_SUFFIXES"]

log = logging.getLogger("classicseg")

#: Stem suffixes of the files :func:`segment_files` writes (never taken as inputs).
OUTPUT_SUFFIXES = ("_labels", "_overlay")


@dataclass
class BatchResult:
    """What :func:`segment_files` did: the images segmented (with their outputs)
    and the inputs that failed (with the reason)."""

    done: List[Tuple[Path, Tuple[Path, ...]]] = field(default_factory=list)
    failed: List[Tuple[Path, str]] = field(default_factory=list)

    @property
    def exit_code(self):
        """0 if every input was segmented, else 1."""
        return 1 if self.failed else 0


def collect_inputs(inputs):
    """The image files named in ``inputs``: files as given (even if missing, so
    that reading them reports the failure), folders' images (not recursive) sorted
    by name; files that :func:`segment_files` wrote are left out."""
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                           and not p.stem.endswith(OUTPUT_SUFFIXES))
            if not found:
                log.warning("%s: no images in this folder", item)
            paths.extend(found)
        else:
            paths.append(item)
    return paths


def segment_files(inputs, output_dir, method="slic", params=None, *, format="auto",
                  overlay=True, progress=None):
    """Segment image files and folders with a registered method.

    Parameters
    ----------
    inputs : sequence of str or os.PathLike
        Image files and/or folders (their images, sorted by name).
    output_dir : str or os.PathLike
        Folder for the outputs; created if needed.
    method : str
        A name from :func:`classicseg.segmenters.available`.
    params : dict, optional
        The method's parameters; checked before any image is read.
    format : {"auto", "png", "npy"}
        Label map format (see :func:`classicseg.io.write_labels`).
    overlay : bool
        Also write a boundary overlay per image.
    progress : bool, optional
        Show a progress bar on stderr; default: when stderr is a terminal.

    Returns
    -------
    BatchResult

    Raises
    ------
    ValueError, TypeError
        Unknown method or bad parameters.
    OSError
        ``output_dir`` cannot be created or written (e.g. it is a file).
    """
    segmenter = segmenters.get(method)
    params = segmenter.resolve(params or {})
    out = _output_folder(output_dir)
    result = BatchResult()
    stems = {}
    paths = collect_inputs(inputs)
    show = sys.stderr.isatty() if progress is None else progress
    for path in tqdm(paths, unit="image", disable=not show):
        if path.stem in stems:
            _fail(result, path, f"same name as {stems[path.stem]}; outputs would "
                                "collide, segment them into separate folders")
            continue
        stems[path.stem] = path
        try:
            result.done.append((path, _segment_one(path, out, segmenter, params,
                                                   format, overlay)))
        except Exception as err:  # one bad file must not stop the batch
            _fail(result, path, str(err))
            log.debug("traceback", exc_info=True)
    log.info("segmented %d of %d images into %s%s", len(result.done), len(paths), out,
             f"; {len(result.failed)} failed" if result.failed else "")
    return result


def _output_folder(output_dir):
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise type(err)(f"cannot create the output folder {str(out)!r}: "
                        f"{err.strerror or err}") from None
    if not out.is_dir():
        raise NotADirectoryError(f"output folder {str(out)!r} is not a folder")
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(f"output folder {str(out)!r} is not writable")
    return out


def _fail(result, path, message):
    log.error("%s: %s", path, message)
    result.failed.append((path, message))


def _segment_one(path, out, segmenter, params, format, overlay):
    image = read_image(path)
    labels = segmenter.func(image, channel_axis=segmenters.default_channel_axis(image),
                            **params)   # params resolved once, in segment_files
    written = [write_labels(out / f"{path.stem}_labels.png", labels, format=format)]
    log.debug("%s -> %s (%d segments)", path, written[0], labels.max())
    if overlay:
        rgb = image[..., :3] if image.ndim == 3 else image   # RGBA: drop alpha
        written.append(write_image(out / f"{path.stem}_overlay.png",
                                   mark_boundaries(rgb, labels)))
    return tuple(written)
