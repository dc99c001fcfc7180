"""Dense and instance metrics side by side with their reference implementations.

    python benchmarks/bench_metrics.py [--data-root ../shared/data] [--repeats 15]
                                       [--images 100] [--categories 5]
                                       [--skip-dense] [--skip-instance]

Dense: ``classicseg.metrics.semantic_metrics`` (confusion matrix + every metric, input
checks included) against ``np.bincount(19 * y_true + y_pred, minlength=361)`` (the
matrix alone) on 1024x2048 label maps with 19 classes:

* "camvid": two consecutive CamVid val annotations (0016E5_07979/07981, 94.5 % of
  pixels agree) resized to 2048x1024 with nearest neighbour - piecewise-constant maps
  as real predictions are;
* "random": independent uniform labels in 0..18 - the worst case for classicseg,
  whose kernel counts uniform 16-pixel chunks with one add.

Instance: ``classicseg.metrics.coco_mask_ap`` on ``(N, H, W)`` bool mask stacks
against pycocotools end to end: ``mask.encode`` of the same stacks (Fortran copy
included), building the COCO objects, ``loadRes``, ``evaluate``, ``accumulate``,
``summarize``.  100 images of 480x640, 20 ground-truth ellipses and 50 predictions
(20 shifted copies of the ground truth, 30 random) each, over ``--categories``
categories.  The twelve stats are checked equal.

Each contender runs in turn within every repeat, in this one process, after one
warm-up call (its time is reported as "first call": Numba compilation or cache load);
times are medians, ratio = reference time / classicseg time.  Threads: Numba's
default (all cores) unless ``NUMBA_NUM_THREADS`` is set.  Not measured: memory.
"""
import argparse
import contextlib
import io
import time
from datetime import date
from pathlib import Path

import cv2
import numba
import numpy as np

from classicseg.metrics import Instances, coco_mask_ap, semantic_metrics

ROOT = Path(__file__).resolve().parents[1]
CAMVID_PAIR = ("0016E5_07979.png", "0016E5_07981.png")


def timed(fn, repeats_out):
    t0 = time.perf_counter()
    out = fn()
    repeats_out.append(time.perf_counter() - t0)
    return out


def side_by_side(contenders, repeats):
    """``{name: (first call s, median s)}``, contenders interleaved per repeat."""
    first, times = {}, {name: [] for name in contenders}
    for name, fn in contenders.items():
        t = []
        timed(fn, t)
        first[name] = t[0]
    for _ in range(repeats):
        for name, fn in contenders.items():
            timed(fn, times[name])
    return {name: (first[name], float(np.median(times[name]))) for name in contenders}


# --------------------------------------------------------------------- dense

def dense_pairs(data_root):
    rng = np.random.default_rng(0)
    pairs = {}
    annot = Path(data_root) / "camvid" / "valannot"
    if all((annot / n).exists() for n in CAMVID_PAIR):
        a, b = (cv2.resize(cv2.imread(str(annot / n), cv2.IMREAD_UNCHANGED), (2048, 1024),
                           interpolation=cv2.INTER_NEAREST) for n in CAMVID_PAIR)
        pairs["camvid"] = (a, b)
    else:
        print(f"(no CamVid under {annot}: only the random pair)")
    pairs["random"] = tuple(rng.integers(0, 19, (1024, 2048)) for _ in range(2))
    return pairs


def bench_dense(data_root, repeats):
    rows = []
    for name, (a, b) in dense_pairs(data_root).items():
        for dtype in (np.int64, np.int32, np.uint8):
            yt, yp = a.astype(dtype), b.astype(dtype)
            if dtype == np.uint8:  # 19 * uint8 overflows: the reference must widen
                ref = lambda: np.bincount(19 * yt.astype(np.intp).ravel() + yp.ravel(),  # noqa: E731
                                          minlength=361)
                ref_name = "bincount (after astype(intp))"
            else:
                ref = lambda: np.bincount(19 * yt.ravel() + yp.ravel(), minlength=361)  # noqa: E731
                ref_name = "bincount"
            ours = lambda: semantic_metrics(yt, yp, 19)  # noqa: E731
            assert np.array_equal(ours().confusion.ravel(), ref())
            res = side_by_side({"classicseg": ours, "reference": ref}, repeats)
            rows.append((name, np.dtype(dtype).name, ref_name, res))
    lines = ["| pair | dtype | classicseg first call | classicseg median | reference | "
             "reference median | ratio |", "|---|---|---:|---:|---|---:|---:|"]
    for name, dt, ref_name, res in rows:
        (f0, ours_t), (_, ref_t) = res["classicseg"], res["reference"]
        lines.append(f"| {name} | {dt} | {f0 * 1e3:.0f} ms | {ours_t * 1e3:.2f} ms | "
                     f"{ref_name} | {ref_t * 1e3:.2f} ms | {ref_t / ours_t:.1f}x |")
    return "\n".join(lines)


# --------------------------------------------------------------------- instance

def instance_data(n_images, n_categories, shape=(480, 640)):
    rng = np.random.default_rng(1)
    h, w = shape
    yy, xx = np.ogrid[:h, :w]

    def ellipse():
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        ry, rx = rng.integers(4, h // 4), rng.integers(4, w // 4)
        return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1

    data = []
    for _ in range(n_images):
        gt = np.stack([ellipse() for _ in range(20)])
        gc = rng.integers(1, n_categories + 1, 20)
        shifted = np.stack([np.roll(m, tuple(rng.integers(-6, 7, 2)), axis=(0, 1))
                            for m in gt])
        dt = np.concatenate([shifted, np.stack([ellipse() for _ in range(30)])])
        dc = np.concatenate([gc, rng.integers(1, n_categories + 1, 30)])
        data.append((gt, gc, dt, dc, rng.random(50)))
    return data


def run_classicseg(data):
    return coco_mask_ap([Instances(g, gc) for g, gc, _, _, _ in data],
                        [Instances(d, dc, scores=s) for _, _, d, dc, s in data]).stats


def run_pycocotools(data, n_categories):
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    images, anns, results = [], [], []
    for img_id, (g, gc, d, dc, s) in enumerate(data, start=1):
        h, w = g.shape[1:]
        images.append({"id": img_id, "height": h, "width": w})
        g_rle = mask_utils.encode(np.asfortranarray(g.transpose(1, 2, 0).astype(np.uint8)))
        d_rle = mask_utils.encode(np.asfortranarray(d.transpose(1, 2, 0).astype(np.uint8)))
        for rle, c, area in zip(g_rle, gc, mask_utils.area(g_rle)):
            anns.append({"id": len(anns) + 1, "image_id": img_id, "category_id": int(c),
                         "segmentation": rle, "area": float(area), "iscrowd": 0,
                         "bbox": [0, 0, 1, 1]})
        for rle, c, score in zip(d_rle, dc, s):
            results.append({"image_id": img_id, "category_id": int(c),
                            "segmentation": rle, "score": float(score)})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": images, "annotations": anns,
                        "categories": [{"id": c} for c in range(1, n_categories + 1)]}
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(results), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


def bench_instance(n_images, n_categories, repeats):
    data = instance_data(n_images, n_categories)
    ours, ref = run_classicseg(data), run_pycocotools(data, n_categories)
    diff = float(np.abs(ours - ref).max())
    assert diff < 1e-6, diff
    res = side_by_side({"classicseg": lambda: run_classicseg(data),
                        "pycocotools": lambda: run_pycocotools(data, n_categories)},
                       repeats)
    (f0, ours_t), (_, ref_t) = res["classicseg"], res["pycocotools"]
    return ("| images x (GT, predictions) | categories | classicseg first call | "
            "classicseg median | pycocotools median | ratio | max stat difference |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n"
            f"| {n_images} x (20, 50), 480x640 | {n_categories} | {f0:.2f} s | "
            f"{ours_t:.3f} s | {ref_t:.2f} s | {ref_t / ours_t:.1f}x | {diff:.1e} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--repeats", type=int, default=15, help="dense repeats")
    ap.add_argument("--instance-repeats", type=int, default=3)
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--categories", type=int, default=5)
    ap.add_argument("--skip-dense", action="store_true")
    ap.add_argument("--skip-instance", action="store_true")
    args = ap.parse_args()
    print(f"{date.today()}  numba threads: {numba.get_num_threads()}  "
          f"threading layer: {numba.config.THREADING_LAYER}")
    if not args.skip_dense:
        print("\nDense: confusion-matrix metrics, 1024x2048, 19 classes\n")
        print(bench_dense(args.data_root, args.repeats))
    if not args.skip_instance:
        print("\nInstance: COCO mask AP\n")
        print(bench_instance(args.images, args.categories, args.instance_repeats))


if __name__ == "__main__":
    main()
