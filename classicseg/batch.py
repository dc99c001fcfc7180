"""Folder processing for the ``classicseg segment`` command.

Each input image gives ``<stem>_labels.png`` (or ``.npy``) and, unless disabled,
``<stem>_overlay.png`` in the output folder.  Every file fails on its own: the
others go on, failures are logged with their reason, and the return code is
non-zero when any failed.  Outputs are written atomically (see :mod:`classicseg.io`),
so an interrupted run never leaves a half-written file.
"""
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from .io import IMAGE_SUFFIXES, read_image, write_image, write_labels
from .viz import mark_boundaries

log = logging.getLogger("classicseg")

OUTPUT_SUFFIXES = ("_labels", "_overlay")


def collect_inputs(inputs, output_dir=None):
    """Image files named in ``inputs``: files as given, folders' images (not
    recursive) sorted by name; our own outputs and the output folder excluded.
    Raises FileNotFoundError for an input that does not exist."""
    output_dir = Path(output_dir).resolve() if output_dir is not None else None
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                           and not p.stem.endswith(OUTPUT_SUFFIXES)
                           and p.resolve().parent != output_dir)
            if not found:
                log.warning("%s: no images in this folder", item)
            paths.extend(found)
        elif item.exists():
            paths.append(item)
        else:
            raise FileNotFoundError(f"input {str(item)!r} does not exist")
    return paths


def segment_paths(args):
    """Run ``args.method`` over ``args.inputs``; return the exit code."""
    from .cli import SEGMENTERS

    out = Path(args.output)
    try:
        paths = collect_inputs(args.inputs, out)
    except FileNotFoundError as err:
        log.error("%s", err)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    segment = SEGMENTERS[args.method]
    stems = {}
    failed = []
    for path in tqdm(paths, unit="image", disable=not sys.stderr.isatty()):
        if path.stem in stems:
            log.error("%s: same name as %s; outputs would collide, segment them into "
                      "separate folders", path, stems[path.stem])
            failed.append(path)
            continue
        stems[path.stem] = path
        try:
            _segment_one(path, out, segment, args)
        except Exception as err:  # one bad file must not stop the batch
            log.error("%s: %s", path, err)
            log.debug("traceback", exc_info=True)
            failed.append(path)
    log.info("segmented %d of %d images into %s%s", len(paths) - len(failed),
             len(paths), out, f"; {len(failed)} failed" if failed else "")
    return 1 if failed else 0


def _segment_one(path, out, segment, args):
    image = read_image(path)
    labels = segment(image, args)
    written = write_labels(out / f"{path.stem}_labels.png", labels, format=args.format)
    log.debug("%s -> %s (%d segments)", path, written, labels.max())
    if not args.no_overlay:
        rgb = image[..., :3] if image.ndim == 3 else image   # RGBA: drop alpha
        write_image(out / f"{path.stem}_overlay.png", mark_boundaries(rgb, labels))
