"""Score COCO-format files: instance results (COCO JSON with RLE or polygon masks)
with :class:`classicseg.metrics.CocoMaskAP`, and the COCO panoptic layout (JSON + a
folder of RGB-encoded PNGs) with :class:`classicseg.metrics.PanopticQuality`.
"""
from pathlib import Path

import numpy as np

from .._numba import jit
from ..metrics.instance import AREA_LABELS, CocoMaskAP, Runs
from ..metrics.panoptic import PanopticQuality, rgb_to_id
from ._common import fmt_value, load_json

__all__ = ["evaluate_coco_instances", "evaluate_coco_panoptic", "instance_table",
           "panoptic_table", "read_panoptic_png"]


def evaluate_coco_instances(gt_json, pred_json):
    """COCO mask AP of a results file against a COCO ground-truth file.

    Parameters
    ----------
    gt_json : path or dict
        COCO instances ground truth (``images``, ``annotations``, ``categories``).
    pred_json : path or list
        COCO results: ``[{"image_id", "category_id", "segmentation", "score"}]``.

    Returns
    -------
    CocoMetrics
        Equal to ``COCOeval(gt, gt.loadRes(pred), "segm")``: images in ascending id,
        the categories of the ground-truth file, the ground truth's ``area`` field for
        the area ranges.

    Notes
    -----
    RLE masks (compressed strings or uncompressed count lists) are read by a Numba
    decoder straight into runs.  Polygon segmentations are rasterised with
    ``pycocotools.mask`` (needed only then), exactly as COCOeval does.
    """
    gt = load_json(gt_json)
    preds = load_json(pred_json)
    if not isinstance(preds, list):
        raise ValueError("the results file must hold a list of detections")
    images = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
    gt_by_image = _group(gt.get("annotations", []))
    pred_by_image = _group(preds)
    unknown = sorted(set(pred_by_image) - set(images))
    if unknown:
        raise ValueError(f"results refer to image id {unknown[0]}, which is not in the "
                         "ground truth (COCO's loadRes refuses this too)")
    ev = CocoMaskAP(classes=[c["id"] for c in gt["categories"]])
    for image_id in sorted(images):
        hw = images[image_id]
        g = gt_by_image.get(image_id, [])
        d = pred_by_image.get(image_id, [])
        g_runs = _runs_of_segmentations([a["segmentation"] for a in g], hw)
        d_runs = _runs_of_segmentations([a["segmentation"] for a in d], hw)
        ev.update_runs(g_runs, np.array([a["category_id"] for a in g], np.int64),
                        np.array([bool(a.get("iscrowd", 0)) for a in g], bool),
                        np.array([a.get("area", 0.0) for a in g], np.float64),
                        d_runs, np.array([a["category_id"] for a in d], np.int64),
                        np.array([a["score"] for a in d], np.float64))
    return ev.compute()


def instance_table(metrics):
    """The twelve AP/AR lines in ``COCOeval.summarize()``'s layout."""
    rows = []
    for i, name in enumerate(("AP", "AP", "AP", "AP", "AP", "AP", "AR", "AR", "AR",
                              "AR", "AR", "AR")):
        iou = {1: "0.50", 2: "0.75"}.get(i, "0.50:0.95")
        area = AREA_LABELS[(i - 2) if 3 <= i <= 5 else (i - 8) if i >= 9 else 0]
        dets = (1, 10, 100)[i - 6] if 6 <= i <= 8 else 100
        title = "Average Precision" if name == "AP" else "Average Recall"
        rows.append(f" {title:<18} ({name}) @[ IoU={iou:<9} | area={area:>6s} | "
                    f"maxDets={dets:>3d} ] = {metrics.stats[i]:0.3f}")
    return "\n".join(rows)


def _group(anns):
    out = {}
    for a in anns:
        out.setdefault(a["image_id"], []).append(a)
    return out


def _runs_of_segmentations(segs, hw):
    """Runs (column-major, as COCO's RLE) of a list of COCO segmentations."""
    h, w = hw
    strings, lists = [], {}
    for i, seg in enumerate(segs):
        if isinstance(seg, list):  # polygons
            seg = _polygon_rle(seg, h, w)
        if list(seg["size"]) != [h, w]:
            raise ValueError(f"segmentation of size {seg['size']} in an image of size "
                             f"{[h, w]}")
        counts = seg["counts"]
        if isinstance(counts, list):
            lists[i] = np.asarray(counts, np.int64)
            counts = b""
        strings.append(counts.encode("ascii") if isinstance(counts, str) else counts)
    offsets = np.cumsum([0] + [len(s) for s in strings]).astype(np.int64)
    buf = np.frombuffer(b"".join(strings) or b"\0", np.uint8)
    ptr, starts, ends, area = _decode_rle(buf, offsets)
    if lists:  # rare (crowd annotations): splice in the uncompressed ones
        parts = [(starts[ptr[i]:ptr[i + 1]], ends[ptr[i]:ptr[i + 1]]) if i not in lists
                 else _runs_of_counts(lists[i]) for i in range(len(segs))]
        ptr = np.cumsum([0] + [p[0].size for p in parts]).astype(np.int64)
        starts = np.concatenate([p[0] for p in parts] + [np.zeros(0, np.int64)])
        ends = np.concatenate([p[1] for p in parts] + [np.zeros(0, np.int64)])
        area = np.array([int((e - s).sum()) for s, e in parts], np.int64)
    return Runs(ptr, starts, ends, area, (h, w))


def _runs_of_counts(counts):
    pos = np.concatenate([[0], np.cumsum(counts)])
    return pos[1:-1:2].copy(), pos[2::2].copy()


def _polygon_rle(polygons, h, w):
    try:
        from pycocotools import mask as mask_utils
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("polygon segmentations need pycocotools (pip install "
                          "pycocotools) to be rasterised as COCO does; RLE masks do "
                          "not") from None
    return mask_utils.merge(mask_utils.frPyObjects(polygons, h, w))


@jit
def _decode_rle(buf, offsets):
    """COCO compressed RLE strings (concatenated) to foreground runs.

    The string format of pycocotools' ``rleFrString``: 5 bits per character with a
    continuation bit, sign-extended, counts from the third on stored as differences
    to the count two before; counts alternate background / foreground.
    """
    n = offsets.size - 1
    ptr = np.zeros(n + 1, np.int64)
    for k in range(n):  # runs <= half the number of counts <= characters / 2
        ptr[k + 1] = ptr[k] + (offsets[k + 1] - offsets[k]) // 2 + 1
    starts = np.empty(ptr[n], np.int64)
    ends = np.empty(ptr[n], np.int64)
    area = np.zeros(n, np.int64)
    used = np.zeros(n + 1, np.int64)
    counts = np.empty(offsets[-1] + 1, np.int64)
    for k in range(n):
        m = 0
        p = offsets[k]
        while p < offsets[k + 1]:
            x = 0
            shift = 0
            more = True
            while more:
                c = np.int64(buf[p]) - 48
                x |= (c & 0x1f) << shift
                more = (c & 0x20) != 0
                p += 1
                shift += 5
                if not more and (c & 0x10) != 0:
                    x |= np.int64(-1) << shift
            if m > 2:
                x += counts[m - 2]
            counts[m] = x
            m += 1
        pos = 0
        r = ptr[k]
        for j in range(m):
            if j % 2 == 1 and counts[j] > 0:
                starts[r] = pos
                ends[r] = pos + counts[j]
                area[k] += counts[j]
                r += 1
            pos += counts[j]
        used[k + 1] = used[k] + r - ptr[k]
    # compact the runs of every mask to the front
    out_s = np.empty(used[n], np.int64)
    out_e = np.empty(used[n], np.int64)
    for k in range(n):
        cnt = used[k + 1] - used[k]
        out_s[used[k]:used[k + 1]] = starts[ptr[k]:ptr[k] + cnt]
        out_e[used[k]:used[k + 1]] = ends[ptr[k]:ptr[k] + cnt]
    return used, out_s, out_e, area



def evaluate_coco_panoptic(gt_json, pred_json, gt_folder=None, pred_folder=None):
    """Panoptic quality of a COCO panoptic prediction (panopticapi ``pq_compute``).

    Parameters
    ----------
    gt_json, pred_json : path
        COCO panoptic JSON files (``annotations`` with ``file_name`` and
        ``segments_info``; the ground truth also has ``categories`` with ``isthing``).
    gt_folder, pred_folder : path, optional
        Folders of the RGB-encoded PNGs (``id = R + 256 G + 256**2 B``); default: the
        JSON path without ``.json``, as panopticapi does.

    Returns
    -------
    PanopticMetrics
    """
    gt_json, pred_json = Path(gt_json), Path(pred_json)
    gt = load_json(gt_json)
    pred = load_json(pred_json)
    gt_folder = Path(gt_folder) if gt_folder else gt_json.with_suffix("")
    pred_folder = Path(pred_folder) if pred_folder else pred_json.with_suffix("")
    pred_by_image = {a["image_id"]: a for a in pred["annotations"]}
    pq = PanopticQuality(gt["categories"])
    for ann in gt["annotations"]:
        p = pred_by_image.get(ann["image_id"])
        if p is None:
            raise ValueError(f"no prediction for the image with id {ann['image_id']}")
        try:
            pq.update(read_panoptic_png(gt_folder / ann["file_name"]),
                      read_panoptic_png(pred_folder / p["file_name"]),
                      ann["segments_info"], p["segments_info"])
        except ValueError as exc:
            raise ValueError(f"image {ann['image_id']}: {exc}") from None
    return pq.compute()


def panoptic_table(pq, category_names=None):
    """Per-category PQ/SQ/RQ and the All/Things/Stuff summary, as a text table.

    ``pq`` is a :class:`~classicseg.metrics.PanopticMetrics`."""
    names = category_names or {}
    lines = [f"{'':<14}{'PQ':>7}{'SQ':>7}{'RQ':>7}{'N':>5}"]
    for label, suffix in (("All", ""), ("Things", "_things"), ("Stuff", "_stuff")):
        lines.append(f"{label:<14}" + "".join(
            fmt_value(100 * getattr(pq, key + suffix), 7, 1) for key in ("pq", "sq", "rq"))
            + f"{getattr(pq, 'n' + suffix):>5d}")
    lines.append("")
    lines.append(f"{'category':<14}{'PQ':>7}{'SQ':>7}{'RQ':>7}   TP   FP   FN")
    for k, c in enumerate(pq.classes.tolist()):
        lines.append(f"{str(names.get(c, c))[:13]:<14}"
                     f"{fmt_value(100 * pq.pq_per_class[k], 7, 1)}"
                     f"{fmt_value(100 * pq.sq_per_class[k], 7, 1)}"
                     f"{fmt_value(100 * pq.rq_per_class[k], 7, 1)}"
                     f"{pq.tp[k]:>5d}{pq.fp[k]:>5d}{pq.fn[k]:>5d}")
    return "\n".join(lines)


def read_panoptic_png(path):
    """A COCO panoptic PNG as an id map (``R + 256 G + 256**2 B``)."""
    import cv2
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"cannot read panoptic PNG {path}")
    return rgb_to_id(bgr[..., ::-1])
