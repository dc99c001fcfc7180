"""Readers for the BSDS500 and CamVid benchmark layouts, as their users download them.

The data is never shipped with classicseg.  Functions take a ``root`` folder; with
``root=None`` they use :func:`default_data_root` (the ``CLASSICSEG_DATA`` environment
variable, else ``../shared/data`` next to the repository).  ``root`` may be the folder
holding ``bsds500/`` and ``camvid/`` or the dataset folder itself.

BSDS500 layout::

    bsds500/images/{train,val,test}/<id>.jpg
    bsds500/groundTruth/{train,val,test}/<id>.mat   # 1xK cell, one per annotator

CamVid (SegNet protocol) layout::

    camvid/{train,val}/<name>.png, camvid/{trainannot,valannot}/<name>.png
    camvid/{train,val}.txt      # "<image path> <annotation path>" per line
"""
import os
from pathlib import Path
from typing import List, NamedTuple

import numpy as np

from .io import read_image

__all__ = ["BSDSSample", "CAMVID_CLASSES", "CAMVID_IGNORE_INDEX", "ENV_VAR",
           "bsds500_dir", "bsds500_ids", "camvid_dir", "camvid_pairs",
           "default_data_root", "files_by_stem", "folder_pairs", "load_bsds500",
           "load_bsds500_gt", "load_camvid", "pair_files_by_stem", "pair_stems"]

CAMVID_CLASSES = ("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol",
                  "Fence", "Car", "Pedestrian", "Bicyclist")
"""The 11 CamVid classes of the SegNet protocol, index = class id."""

CAMVID_IGNORE_INDEX = 11
"""CamVid's "Unlabelled" class id, excluded from scoring."""

ENV_VAR = "CLASSICSEG_DATA"


class BSDSSample(NamedTuple):
    """One BSDS500 image with all its human annotations.

    Attributes
    ----------
    image : ndarray of uint8, shape (H, W, 3)
        RGB image.
    segmentations : list of ndarray of int32, shape (H, W)
        One label map per annotator, labels ``1..K``.
    boundaries : list of ndarray of bool, shape (H, W)
        The annotators' boundary maps (as stored in the ``.mat`` file).
    image_id : str
    """
    image: np.ndarray
    segmentations: List[np.ndarray]
    boundaries: List[np.ndarray]
    image_id: str


def default_data_root():
    """The benchmark data folder, or None when it cannot be found.

    Looks at the ``CLASSICSEG_DATA`` environment variable first, then at
    ``../shared/data`` relative to the repository root (the folder above the
    ``classicseg`` package) and to the current directory.

    Examples
    --------
    >>> from classicseg.datasets import default_data_root
    >>> root = default_data_root()   # a Path, or None if the data is absent
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[1]
    for cand in (repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if cand.is_dir():
            return cand
    return None


def _dataset_dir(root, name, marker):
    """Resolve ``root`` to the folder of dataset ``name`` (which contains ``marker``)."""
    if root is None:
        root = default_data_root()
        if root is None:
            raise FileNotFoundError(
                f"no data root given and none found: pass root=... or set the "
                f"{ENV_VAR} environment variable to the folder holding {name}/")
    root = Path(root)
    for cand in (root / name, root):
        if (cand / marker).exists():
            return cand
    raise FileNotFoundError(f"{name} not found under {root}: expected {root / name / marker}"
                            f" or {root / marker}")


def bsds500_dir(root=None):
    """The BSDS500 folder (holding ``images/`` and ``groundTruth/``) under ``root``."""
    return _dataset_dir(root, "bsds500", "groundTruth")


def _bsds_split_dir(root, split, kind):
    d = bsds500_dir(root) / kind / split
    if not d.is_dir():
        have = sorted(p.name for p in d.parent.iterdir() if p.is_dir())
        raise FileNotFoundError(f"BSDS500 split {split!r} not found: {d} does not exist "
                                f"(available: {', '.join(have) or 'none'})")
    return d


def bsds500_ids(root=None, split="val"):
    """Sorted image ids of a BSDS500 split.

    Parameters
    ----------
    root : str or Path, optional
        Data root (folder holding ``bsds500/``) or the BSDS500 folder itself; default
        :func:`default_data_root`.
    split : {'train', 'val', 'test'}

    Returns
    -------
    list of str

    Examples
    --------
    >>> from classicseg.datasets import bsds500_ids
    >>> ids = bsds500_ids(split="val")  # doctest: +SKIP
    >>> len(ids)  # doctest: +SKIP
    100
    """
    return sorted(p.stem for p in _bsds_split_dir(root, split, "images").glob("*.jpg"))


def load_bsds500_gt(path):
    """Read a BSDS500 ground-truth ``.mat`` file.

    Returns
    -------
    segmentations : list of ndarray of int32
        One label map per annotator (stored uint16, labels from 1).
    boundaries : list of ndarray of bool
        One boundary map per annotator.
    """
    from scipy.io import loadmat

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ground-truth file not found: {path}")
    mat = loadmat(str(path))
    if "groundTruth" not in mat:
        raise ValueError(f"{path} has no 'groundTruth' variable; is it a BSDS500 "
                         "ground-truth file?")
    cells = mat["groundTruth"].ravel()
    segs = [np.ascontiguousarray(c["Segmentation"][0, 0], dtype=np.int32) for c in cells]
    bounds = [np.ascontiguousarray(c["Boundaries"][0, 0]).astype(bool) for c in cells]
    return segs, bounds


def load_bsds500(root, split, image_id):
    """Load one BSDS500 image and all of its human annotations.

    Parameters
    ----------
    root : str, Path or None
        Data root (folder holding ``bsds500/``) or the BSDS500 folder itself; None for
        :func:`default_data_root`.
    split : {'train', 'val', 'test'}
    image_id : str or int
        E.g. ``"101085"``.

    Returns
    -------
    BSDSSample
        ``(image, segmentations, boundaries, image_id)``.

    Examples
    --------
    >>> from classicseg.datasets import load_bsds500
    >>> s = load_bsds500(None, "val", "101085")  # doctest: +SKIP
    >>> s.image.shape, len(s.segmentations), s.segmentations[0].dtype  # doctest: +SKIP
    ((321, 481, 3), 5, dtype('int32'))
    """
    image_id = str(image_id)
    image = read_image(_bsds_split_dir(root, split, "images") / f"{image_id}.jpg")
    segs, bounds = load_bsds500_gt(_bsds_split_dir(root, split, "groundTruth")
                                   / f"{image_id}.mat")
    if segs and segs[0].shape != image.shape[:2]:
        raise ValueError(f"BSDS500 {image_id}: ground truth shape {segs[0].shape} does "
                         f"not match image shape {image.shape[:2]}")
    return BSDSSample(image, segs, bounds, image_id)


def camvid_dir(root=None):
    """The CamVid folder (holding ``train.txt``) under ``root``."""
    return _dataset_dir(root, "camvid", "train.txt")


def camvid_pairs(root=None, split="train"):
    """(image path, annotation path) pairs of a CamVid split, in list-file order.

    The list files carry SegNet's absolute paths (``/SegNet/CamVid/train/x.png``);
    only their last two components are kept and resolved under the CamVid folder.

    Parameters
    ----------
    root : str or Path, optional
        Data root or the CamVid folder itself; default :func:`default_data_root`.
    split : {'train', 'val', 'test'}
        Any split with a ``<split>.txt`` list file.

    Returns
    -------
    list of (Path, Path)
    """
    base = camvid_dir(root)
    listing = base / f"{split}.txt"
    if not listing.is_file():
        have = sorted(p.stem for p in base.glob("*.txt"))
        raise FileNotFoundError(f"CamVid split {split!r} not found: {listing} does not "
                                f"exist (available: {', '.join(have) or 'none'})")
    pairs = []
    for lineno, line in enumerate(listing.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{listing}:{lineno}: expected '<image> <annotation>', "
                             f"got {line!r}")
        img, ann = (base.joinpath(*Path(p).parts[-2:]) for p in parts)
        pairs.append((img, ann))
    return pairs


def load_camvid(root, split, index):
    """Load one CamVid image and its class-index annotation.

    Parameters
    ----------
    root : str, Path or None
        Data root or the CamVid folder itself; None for :func:`default_data_root`.
    split : {'train', 'val', 'test'}
    index : int
        Position in the split's list file.

    Returns
    -------
    image : ndarray of uint8, shape (H, W, 3)
        RGB image.
    labels : ndarray of int32, shape (H, W)
        Class ids ``0..10`` (see :data:`CAMVID_CLASSES`) and
        :data:`CAMVID_IGNORE_INDEX` (11) for unlabelled pixels.

    Examples
    --------
    >>> from classicseg.datasets import load_camvid, CAMVID_IGNORE_INDEX
    >>> image, labels = load_camvid(None, "val", 0)  # doctest: +SKIP
    >>> image.shape, int(labels.max()) <= CAMVID_IGNORE_INDEX  # doctest: +SKIP
    ((360, 480, 3), True)
    """
    img_path, ann_path = camvid_pairs(root, split)[index]
    image = read_image(img_path)
    ann = read_image(ann_path)
    if ann.ndim != 2:
        raise ValueError(f"{ann_path}: expected a single-channel class-index PNG, got "
                         f"shape {ann.shape}")
    return image, ann.astype(np.int32)


def folder_pairs(images_dir, labels_dir):
    """(image path, label-map path) pairs of two folders, matched by file name
    without extension (``a.jpg`` with ``a.png`` or ``a.npy``), sorted.

    The generic layout of a semantic-segmentation dataset: images in one folder,
    single-channel class maps (PNG or ``.npy``) in another.  Every file needs a
    partner (FileNotFoundError naming the first ones without).
    """
    from .io import IMAGE_SUFFIXES
    pairs = pair_files_by_stem((("image", images_dir, IMAGE_SUFFIXES),
                                ("label map", labels_dir, (".png", ".npy"))))
    return [(image, labels) for _, image, labels in pairs]


def pair_files_by_stem(folders):
    """``[(stem, path_a, path_b)]`` sorted by stem for ``folders`` = two
    ``(name, folder, suffixes)``; every file needs a partner."""
    (name_a, *a), (name_b, *b) = folders
    return pair_stems((name_a, files_by_stem(name_a, *a)),
                      (name_b, files_by_stem(name_b, *b)))


def files_by_stem(name, folder, suffixes):
    """``{stem: path}`` of the files in ``folder`` (the ``name`` errors give it)
    whose suffix is in ``suffixes``; FileNotFoundError if there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{name} folder {folder} does not exist")
    files = {p.stem: p for p in sorted(folder.iterdir())
             if p.suffix.lower() in suffixes}
    if not files:
        raise FileNotFoundError(f"{name} folder {folder} holds no files with "
                                f"suffix {', '.join(sorted(suffixes))}")
    return files


def pair_stems(named_a, named_b):
    """``[(stem, path_a, path_b)]`` sorted by stem of two ``(name, {stem: path})``;
    FileNotFoundError naming the first files without a partner."""
    (name_a, a), (name_b, b) = named_a, named_b
    for what, have, lack in ((name_b, a, b), (name_a, b, a)):
        missing = sorted(set(have) - set(lack))
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise FileNotFoundError(f"no {what} for {', '.join(missing[:5])}{more} "
                                    "(files are paired by name without extension)")
    return [(s, a[s], b[s]) for s in sorted(a)]
