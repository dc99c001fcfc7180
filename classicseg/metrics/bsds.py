"""The BSDS500 region benchmark: Covering, PRI and VoI at ODS / OIS / Best, plus
boundary F at ODS / OIS, over a parameter sweep of any segmenter.

Follows the benchmark code of Arbelaez et al. (TPAMI 2011): ``evaluation_reg_image``
scores each image at each setting (:func:`~classicseg.metrics.partition_metrics`
pieces), ``collect_eval_reg`` aggregates:

* Covering ODS: pool ``sum area * best IoU`` and ``sum area`` over images per setting,
  take the best setting (first maximum).  OIS: pool the counts of each image's best
  setting (last maximum).  Best: each ground-truth region at its best setting.
* PRI / VoI ODS: the best setting of the image-averaged PRI (max) / VoI (min).  OIS:
  the mean over images of each image's best value.
* Boundary F (``evaluation_bdry_image`` / ``collect_eval_bdry``) through
  :mod:`classicseg.metrics.boundary`, against the annotators' stored boundary maps.
"""
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from .partition import _image_scores


@dataclass
class BSDSRegionResult:
    """Result of :func:`bsds_region_benchmark`.

    Attributes
    ----------
    settings : list of dict
        The parameter settings, in sweep order.
    image_ids : list of str
    covering_ods, covering_ois, covering_best : float
    pri_ods, pri_ois, voi_ods, voi_ois : float
    covering_ods_setting, pri_ods_setting, voi_ods_setting : dict
        The setting each ODS figure was reached at.
    boundary : BoundaryBenchmark or None
        Boundary ODS/OIS/AP (``None`` when not computed).
    covering_per_setting, pri_per_setting, voi_per_setting : ndarray, (n_settings,)
        Dataset figures at each setting (covering pooled by area, PRI/VoI means).
    covering, pri, voi : ndarray, shape (n_images, n_settings)
        Per image and setting.
    n_segments : ndarray, shape (n_images, n_settings)
        Number of distinct labels each segmentation had.
    seconds_segment, seconds_metrics : float
        Wall time spent in the segmenter and in scoring.
    """
    settings: List[Dict[str, Any]]
    image_ids: List[str]
    covering_ods: float
    covering_ois: float
    covering_best: float
    pri_ods: float
    pri_ois: float
    voi_ods: float
    voi_ois: float
    covering_ods_setting: Dict[str, Any]
    pri_ods_setting: Dict[str, Any]
    voi_ods_setting: Dict[str, Any]
    boundary: Optional[Any]
    covering_per_setting: np.ndarray = field(repr=False)
    pri_per_setting: np.ndarray = field(repr=False)
    voi_per_setting: np.ndarray = field(repr=False)
    covering: np.ndarray = field(repr=False)
    pri: np.ndarray = field(repr=False)
    voi: np.ndarray = field(repr=False)
    n_segments: np.ndarray = field(repr=False)
    seconds_segment: float = 0.0
    seconds_metrics: float = 0.0

    def table(self):
        """The result as a Markdown table (the layout of the published BSDS500 table),
        followed by the per-setting dataset figures."""
        b = self.boundary
        bf = (f"{b.ods_f:.3f} | {b.ois_f:.3f}" if b is not None else "- | -")
        lines = [
            f"BSDS500 region benchmark: {len(self.image_ids)} images, "
            f"{len(self.settings)} settings",
            "",
            "| Covering ODS | OIS | Best | PRI ODS | OIS | VoI ODS | OIS "
            "| Boundary F ODS | OIS |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {self.covering_ods:.3f} | {self.covering_ois:.3f} | "
            f"{self.covering_best:.3f} | {self.pri_ods:.3f} | {self.pri_ois:.3f} | "
            f"{self.voi_ods:.3f} | {self.voi_ois:.3f} | {bf} |",
            "",
            f"ODS settings: covering {_fmt(self.covering_ods_setting)}, PRI "
            f"{_fmt(self.pri_ods_setting)}, VoI {_fmt(self.voi_ods_setting)}",
            "",
            "| setting | segments (mean) | Covering | PRI | VoI | Boundary F |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for t, s in enumerate(self.settings):
            f = f"{b.curve.f[t]:.3f}" if b is not None else "-"
            lines.append(f"| {_fmt(s)} | {self.n_segments[:, t].mean():.0f} | "
                         f"{self.covering_per_setting[t]:.3f} | "
                         f"{self.pri_per_setting[t]:.3f} | "
                         f"{self.voi_per_setting[t]:.3f} | {f} |")
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def to_dict(self):
        """JSON-serialisable summary (figures, settings, per-setting means)."""
        out = {k: getattr(self, k) for k in (
            "settings", "image_ids", "covering_ods", "covering_ois", "covering_best",
            "pri_ods", "pri_ois", "voi_ods", "voi_ois", "covering_ods_setting",
            "pri_ods_setting", "voi_ods_setting", "seconds_segment",
            "seconds_metrics")}
        out["per_setting"] = {
            "covering": self.covering_per_setting.tolist(),
            "pri": self.pri_per_setting.tolist(),
            "voi": self.voi_per_setting.tolist(),
            "n_segments": self.n_segments.mean(axis=0).tolist()}
        if self.boundary is not None:
            b = self.boundary
            out["boundary"] = {"ods_f": b.ods_f, "ois_f": b.ois_f, "ap": b.ap,
                               "f": np.asarray(b.curve.f).tolist()}
        return _plain(out)


def _plain(x):
    """NumPy scalars -> Python scalars, recursively (for JSON)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def _fmt(setting):
    return ", ".join(f"{k}={v}" for k, v in setting.items()) or "(defaults)"


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


def _samples(images_dir, gt_dir, root, split, limit):
    """(image_id, loader) pairs; loader() -> (image, segmentations, boundaries)."""
    from ..datasets import bsds500_ids, load_bsds500, load_bsds500_gt
    from ..io import read_image

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
    BSDSRegionResult
        Print it (or call ``.table()``) for the table; ``.to_dict()`` for JSON.

    Notes
    -----
    The published BSDS500 figures (``../shared/data/README.md``) are on the *test*
    split; ``val`` figures are close but not the same numbers.

    Examples
    --------
    >>> from classicseg.metrics import bsds_region_benchmark
    >>> from skimage.segmentation import felzenszwalb
    >>> res = bsds_region_benchmark(
    ...     lambda img, scale: felzenszwalb(img, scale=scale, min_size=50),
    ...     {"scale": [100, 300]}, limit=2, boundary=False)  # doctest: +SKIP
    >>> print(res)  # doctest: +SKIP
    """
    settings = expand_sweep(param_sweep)
    samples = _samples(images_dir, gt_dir, root, split, limit)
    curve_fn = _boundary_fns()[0] if boundary else None
    n_img, n_set = len(samples), len(settings)
    cnt = np.zeros((n_img, n_set))
    area = np.zeros((n_img, n_set))
    pri = np.zeros((n_img, n_set))
    voi = np.zeros((n_img, n_set))
    nseg = np.zeros((n_img, n_set), np.int64)
    cnt_best = np.zeros(n_img)
    bcounts = []
    t_seg = t_met = 0.0
    ids = [i for i, _ in samples]
    if progress:
        from tqdm import tqdm
        samples = tqdm(samples, desc="bsds", unit="img")
    for i, (image_id, load) in enumerate(samples):
        image, gts, bnds = load()
        best = areas = None
        segs = []
        for t, setting in enumerate(settings):
            t0 = time.perf_counter()
            seg = np.asarray(segment_fn(image, **setting))
            t1 = time.perf_counter()
            if seg.shape != image.shape[:2]:
                raise ValueError(f"segment_fn returned shape {seg.shape} for image "
                                 f"{image_id} of shape {image.shape[:2]} "
                                 f"(setting {_fmt(setting)})")
            s = _image_scores(gts, seg)
            cnt[i, t], area[i, t], pri[i, t], voi[i, t] = s.cnt_r, s.sum_r, s.pri, s.voi
            nseg[i, t] = s.n_pred
            areas = s.areas
            best = s.best_iou if best is None else [np.maximum(a, b) for a, b
                                                    in zip(best, s.best_iou)]
            segs.append(seg)
            t_seg += t1 - t0
            t_met += time.perf_counter() - t1
        cnt_best[i] = sum(float(np.dot(a, b)) for a, b in zip(areas, best))
        if curve_fn is not None:
            t0 = time.perf_counter()
            curve, _ = curve_fn(bnds, segs)
            bcounts.append(curve.counts)
            t_met += time.perf_counter() - t0
    return _collect(settings, ids, cnt, area, pri, voi, nseg, cnt_best, bcounts,
                    t_seg, t_met)


def _boundary_fns():
    """The boundary module's (curve, ods/ois) functions -- the one plug-in point."""
    from .boundary import boundary_ods_ois, boundary_pr_curve
    return boundary_pr_curve, boundary_ods_ois


def _collect(settings, ids, cnt, area, pri, voi, nseg, cnt_best, bcounts, t_seg, t_met):
    """``collect_eval_reg`` (and ``collect_eval_bdry`` through the boundary module)."""
    def ratio(c, s):
        return np.divide(c, s, out=np.zeros_like(c, dtype=float), where=s > 0)

    cov_set = ratio(cnt.sum(0), area.sum(0))
    t_cov = int(np.argmax(cov_set))                       # first maximum
    cov_img = ratio(cnt, area)
    last_best = cov_img.shape[1] - 1 - np.argmax(cov_img[:, ::-1], axis=1)  # ff(end)
    rows = np.arange(cnt.shape[0])
    cov_ois = float(ratio(cnt[rows, last_best].sum(), area[rows, last_best].sum()))
    cov_best = float(ratio(cnt_best.sum(), area[:, 0].sum()))
    pri_set, voi_set = pri.mean(0), voi.mean(0)
    t_pri, t_voi = int(np.argmax(pri_set)), int(np.argmin(voi_set))
    bnd = _boundary_fns()[1](np.stack(bcounts)) if bcounts else None
    return BSDSRegionResult(
        settings, ids, float(cov_set[t_cov]), cov_ois, cov_best,
        float(pri_set[t_pri]), float(pri.max(1).mean()),
        float(voi_set[t_voi]), float(voi.min(1).mean()),
        settings[t_cov], settings[t_pri], settings[t_voi], bnd,
        cov_set, pri_set, voi_set, cov_img, pri, voi, nseg, t_seg, t_met)
