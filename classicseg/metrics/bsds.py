"""The BSDS500 region benchmark's scoring: Covering, PRI and VoI at ODS / OIS / Best,
plus boundary F at ODS / OIS, over a parameter sweep of any segmenter.

Follows the benchmark code of Arbelaez et al. (TPAMI 2011): ``evaluation_reg_image``
scores each image at each setting (:func:`~classicseg.metrics.partition.image_scores`),
``collect_eval_reg`` aggregates (:func:`collect_region_scores`):

* Covering ODS: pool ``sum area * best IoU`` and ``sum area`` over images per setting,
  take the best setting (first maximum).  OIS: pool the counts of each image's best
  setting (last maximum).  Best: each ground-truth region at its best setting.
* PRI / VoI ODS: the best setting of the image-averaged PRI (max) / VoI (min).  OIS:
  the mean over images of each image's best value.
* Boundary F (``evaluation_bdry_image`` / ``collect_eval_bdry``) through
  :mod:`classicseg.metrics.boundary`, against the annotators' stored boundary maps.

Only arrays here; reading the BSDS500 layout and running a segmenter over it is
:func:`classicseg.evaluation.bsds_region_benchmark`.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from ._result import Result, check_mergeable, to_jsonable
from .boundary import boundary_ods_ois, boundary_pr_curve
from .partition import image_scores

__all__ = ["BSDSRegionAccumulator", "BSDSRegionResult", "collect_region_scores",
           "format_setting"]


@dataclass(frozen=True)
class BSDSRegionResult(Result):
    """Result of :class:`BSDSRegionAccumulator` and
    :func:`classicseg.evaluation.bsds_region_benchmark`.

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
            f"ODS settings: covering {format_setting(self.covering_ods_setting)}, PRI "
            f"{format_setting(self.pri_ods_setting)}, "
            f"VoI {format_setting(self.voi_ods_setting)}",
            "",
            "| setting | segments (mean) | Covering | PRI | VoI | Boundary F |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for t, s in enumerate(self.settings):
            f = f"{b.curve.f[t]:.3f}" if b is not None else "-"
            lines.append(f"| {format_setting(s)} | {self.n_segments[:, t].mean():.0f} | "
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
        return to_jsonable(out)


class BSDSRegionAccumulator:
    """The region benchmark over a sweep of settings, updated image by image.

    Parameters
    ----------
    settings : list of dict
        The parameter settings of the sweep (only used to label the result).
    boundary : bool, optional
        Also pool boundary counts (:func:`~classicseg.metrics.boundary_pr_curve`
        with its defaults) for boundary F at ODS / OIS (default True).

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import BSDSRegionAccumulator
    >>> gt = np.array([[1, 1, 2, 2]] * 2)
    >>> acc = BSDSRegionAccumulator([{"k": 1}, {"k": 2}], boundary=False)
    >>> acc.update([gt], [np.ones_like(gt), gt], image_id="a")
    >>> r = acc.compute()
    >>> r.covering_ods, r.covering_ods_setting
    (1.0, {'k': 2})
    """

    def __init__(self, settings, *, boundary=True):
        self.settings = [dict(s) for s in settings]
        if not self.settings:
            raise ValueError("settings is empty; give at least one setting")
        self.boundary = bool(boundary)
        self.reset()

    def reset(self):
        """Forget every image."""
        self._rows = []   # per image: (id, cnt, area, pri, voi, nseg, cnt_best, bnd)

    def update(self, y_true, y_pred, *, boundaries_true=None, image_id=None):
        """Add one image.

        Parameters
        ----------
        y_true : list of (H, W) int arrays
            The annotators' segmentations.
        y_pred : list of (H, W) int arrays
            One segmentation per setting, in sweep order.
        boundaries_true : list of (H, W) bool arrays, optional
            The annotators' boundary maps for boundary F (default: derived from
            ``y_true`` with ``seg2bdry``).
        image_id : str, optional
            Name of the image in the result (default: its position).
        """
        y_pred = list(y_pred)
        if len(y_pred) != len(self.settings):
            raise ValueError(f"y_pred has {len(y_pred)} segmentations but there are "
                             f"{len(self.settings)} settings; give one per setting")
        scores = [image_scores(y_true, seg) for seg in y_pred]
        cnt_best = _covering_best(scores)
        bnd = None
        if self.boundary:
            truth = y_true if boundaries_true is None else boundaries_true
            bnd = boundary_pr_curve(truth, y_pred).counts
        self._rows.append((str(len(self._rows)) if image_id is None else image_id,
                           [s.cnt_r for s in scores], [s.sum_r for s in scores],
                           [s.pri for s in scores], [s.voi for s in scores],
                           [s.n_pred for s in scores], cnt_best, bnd))

    def merge(self, other):
        """Add the images of another accumulator of the same sweep (after ours)."""
        check_mergeable(self, other, ("settings", "boundary"), "sweep")
        self._rows.extend(other._rows)
        return self

    def compute(self):
        """The :class:`BSDSRegionResult` of every image so far."""
        if not self._rows:
            raise ValueError("no image was added; call update() first")
        ids, cnt, area, pri, voi, nseg, cnt_best, bnd = zip(*self._rows)
        return collect_region_scores(
            self.settings, list(ids), np.array(cnt), np.array(area), np.array(pri),
            np.array(voi), np.array(nseg, np.int64), np.array(cnt_best),
            np.stack(bnd) if self.boundary else None)



def _covering_best(scores):
    """``sum area * best IoU`` with each ground-truth region at its best setting;
    areas as in the first setting.  Regions are matched by label: where a setting
    leaves pixels 0 (unlabelled), a region may be missing from its table."""
    total = 0.0
    for a, (labels, areas) in enumerate(zip(scores[0].gt_labels, scores[0].areas)):
        order = np.argsort(labels)
        labels, areas = labels[order], areas[order]
        best = np.zeros(labels.size)
        for s in scores:
            at = np.searchsorted(labels, s.gt_labels[a])
            found = (at < labels.size) & (labels[np.minimum(at, labels.size - 1)]
                                          == s.gt_labels[a])
            best[at[found]] = np.maximum(best[at[found]], s.best_iou[a][found])
        total += float(np.dot(areas, best))
    return total

def collect_region_scores(settings, image_ids, cnt, area, pri, voi, n_segments,
                          cnt_best, boundary_counts=None):
    """``collect_eval_reg`` (and ``collect_eval_bdry``): dataset figures from the
    per-image, per-setting pieces.

    Parameters
    ----------
    settings : list of dict
    image_ids : list of str
    cnt, area, pri, voi : ndarray, shape (n_images, n_settings)
        Covering numerator (``sum area * best IoU``) and denominator, PRI and VoI.
    n_segments : ndarray of int, shape (n_images, n_settings)
    cnt_best : ndarray, shape (n_images,)
        Covering numerator with each ground-truth region at its best setting.
    boundary_counts : ndarray, shape (n_images, n_settings, 4), optional
        Boundary counts ``(cntP, sumP, cntR, sumR)``; None: no boundary F.

    Returns
    -------
    BSDSRegionResult
    """
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
    bnd = None if boundary_counts is None else boundary_ods_ois(boundary_counts)
    return BSDSRegionResult(
        settings, image_ids, float(cov_set[t_cov]), cov_ois, cov_best,
        float(pri_set[t_pri]), float(pri.max(1).mean()),
        float(voi_set[t_voi]), float(voi.min(1).mean()),
        settings[t_cov], settings[t_pri], settings[t_voi], bnd,
        cov_set, pri_set, voi_set, cov_img, pri, voi, n_segments)


def format_setting(setting):
    """``"n=100, c=10"`` for a setting (``"(defaults)"`` when it is empty)."""
    return ", ".join(f"{k}={v}" for k, v in setting.items()) or "(defaults)"
