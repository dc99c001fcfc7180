"""The BSDS500 region benchmark of a segmenter over a parameter sweep: read the BSDS
layout (:mod:`classicseg.datasets`), run the segmenter at every setting, and score
with :class:`classicseg.metrics.BSDSRegionAccumulator` (Covering, PRI, VoI at ODS /
OIS / Best, boundary F at ODS / OIS).
"""
import dataclasses
import itertools
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .._validate import check_positive
from ..datasets import bsds500_ids, load_bsds500, load_bsds500_gt
from ..io import read_image
from ..metrics.bsds import BSDSRegionAccumulator, format_setting

__all__ = ["bsds_region_benchmark", "bsds_samples", "expand_sweep"]


def bsds_region_benchmark(segment_fn: Callable, param_sweep, images_dir=None,
                          gt_dir=None, *, root=None, split="val", limit=None,
                          boundary=True, progress=False):
    """Score a segmenter over a parameter sweep with the BSDS500 region benchmark.

    Parameters
    ----------
    segment_fn : callable
        ``segment_fn(image, **setting) -> (H, W) integer label map``; ``image`` is
        uint8 RGB.
    param_sweep : list of dict, or dict of lists
        The settings (the benchmark's thresholds / scales), e.g.
        ``[{"n": 100}, {"n": 200}]`` or ``{"n": [100, 200]}`` (Cartesian product).
    images_dir, gt_dir : path, optional
        Folders of ``<id>.jpg`` images and BSDS ``<id>.mat`` ground truth.  When both
        are omitted, the BSDS500 ``split`` under ``root`` is used.
    root : path, optional
        Data root for the BSDS500 layout (default
        :func:`classicseg.datasets.default_data_root`).
    split : str, optional
        ``'val'`` (default), ``'train'`` or ``'test'``.
    limit : int, optional
        Score only the first ``limit`` images (sorted ids).
    boundary : bool, optional
        Also compute boundary F (ODS/OIS) with the benchmark's one-to-one matching
        (:func:`classicseg.metrics.boundary_pr_curve`; slower than the region part).
    progress : bool, optional
        Show a tqdm progress bar on stderr.

    Returns
    -------
    classicseg.metrics.BSDSRegionResult
        Print it (or call ``.table()``) for the table; ``.to_dict()`` for JSON.

    Notes
    -----
    The published BSDS500 figures (``../shared/data/README.md``) are on the *test*
    split; ``val`` figures are close but not the same numbers.

    Examples
    --------
    >>> from classicseg.evaluation import bsds_region_benchmark
    >>> from skimage.segmentation import felzenszwalb
    >>> res = bsds_region_benchmark(
    ...     lambda img, scale: felzenszwalb(img, scale=scale, min_size=50),
    ...     {"scale": [100, 300]}, limit=2, boundary=False)  # doctest: +SKIP
    >>> print(res)  # doctest: +SKIP
    """
    settings = expand_sweep(param_sweep)
    samples = bsds_samples(images_dir, gt_dir, root=root, split=split, limit=limit)
    acc = BSDSRegionAccumulator(settings, boundary=boundary)
    t_seg = t_met = 0.0
    if progress:
        from tqdm import tqdm
        samples = tqdm(samples, desc="bsds", unit="img")
    for image_id, load in samples:
        image, gts, bnds = load()
        segs = []
        t0 = time.perf_counter()
        for setting in settings:
            seg = np.asarray(segment_fn(image, **setting))
            if seg.shape != image.shape[:2]:
                raise ValueError(f"segment_fn returned shape {seg.shape} for image "
                                 f"{image_id} of shape {image.shape[:2]} "
                                 f"(setting {format_setting(setting)})")
            segs.append(seg)
        t1 = time.perf_counter()
        acc.update(gts, segs, boundaries_true=bnds, image_id=image_id)
        t_seg += t1 - t0
        t_met += time.perf_counter() - t1
    return dataclasses.replace(acc.compute(), seconds_segment=t_seg,
                               seconds_metrics=t_met)


def expand_sweep(param_sweep):
    """Normalise a sweep to a list of dicts.

    A sequence of dicts is kept as is; a dict of sequences is expanded to their
    Cartesian product (``{"n": [100, 200]}`` -> ``[{"n": 100}, {"n": 200}]``).
    """
    if isinstance(param_sweep, dict):
        names = list(param_sweep)
        values = [list(v) if isinstance(v, (list, tuple, range, np.ndarray)) else [v]
                  for v in param_sweep.values()]
        settings = [dict(zip(names, combo)) for combo in itertools.product(*values)]
    else:
        settings = [dict(s) for s in param_sweep]
    if not settings:
        raise ValueError("param_sweep is empty; give at least one setting")
    return settings


def bsds_samples(images_dir=None, gt_dir=None, *, root=None, split="val", limit=None):
    """The images of a BSDS layout as ``[(image_id, load)]``, sorted by id, where
    ``load()`` reads ``(image, segmentations, boundaries)``.

    Either the BSDS500 ``split`` under ``root`` (both folders omitted), or folders of
    ``<id>.jpg``/``<id>.png`` images and ``<id>.mat`` ground truth.
    """
    if limit is not None:
        limit = check_positive(limit, "limit", integer=True)
    if images_dir is None and gt_dir is None:
        ids = bsds500_ids(root, split)[:limit]
        return [(i, (lambda i=i: load_bsds500(root, split, i)[:3])) for i in ids]
    if images_dir is None or gt_dir is None:
        raise ValueError("give both images_dir and gt_dir, or neither (to use the "
                         "BSDS500 split under root)")
    images_dir, gt_dir = Path(images_dir), Path(gt_dir)
    for d, name in ((images_dir, "images_dir"), (gt_dir, "gt_dir")):
        if not d.is_dir():
            raise FileNotFoundError(f"{name} {d} is not a folder")
    out = []
    for mat in sorted(gt_dir.glob("*.mat")):
        img = next((images_dir / (mat.stem + e) for e in (".jpg", ".png")
                    if (images_dir / (mat.stem + e)).is_file()), None)
        if img is not None:
            out.append((mat.stem, (lambda img=img, mat=mat:
                                   (read_image(img), *load_bsds500_gt(mat)))))
    if not out:
        raise FileNotFoundError(f"no <id>.mat in {gt_dir} with a matching <id>.jpg or "
                                f"<id>.png in {images_dir}")
    return out[:limit]
