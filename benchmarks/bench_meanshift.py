"""classicseg.mean_shift side by side with OpenCV, scikit-learn (and EDISON).

    python benchmarks/bench_meanshift.py [--data-root ../shared/data] [--limit 20]
                                         [--skip-big] [--skip-sklearn]

At h_s = 7, h_r = 6.5 (min_size 20) on the BSDS500 val images (481x321), in this
one process, each contender on each image in turn after a warm-up call:

* classicseg, full segmentation (filter, clustering, merging), with the trajectory
  speed-up (default), exact, and with the coarse-to-fine start;
* ``cv2.pyrMeanShiftFiltering(bgr, 7, 6.5, maxLevel=0)``: a filter only (box window,
  8-bit colour; its connected components are counted to show it is no segmentation);
* EDISON through ``pymeanshift`` when installed (../shared/peers/install-pymeanshift.sh):
  the reference segmentation, speedup levels 0 and 1;
* scikit-learn ``MeanShift(bandwidth=1, bin_seeding=True)`` on the joint features
  (y/7, x/7, L/6.5, a/6.5, b/6.5) of the image downsampled to 60x40 and 120x80,
  against classicseg on the same downsampled image.

Then one 6-megapixel image (103070.jpg resized to 3072x2048): time and peak memory
(growth of the resident set) of classicseg and cv2.  Times are medians; ratios are
peer time / classicseg time.  Results go to benchmarks/results/meanshift.json.
"""
import json
from datetime import date
from pathlib import Path

import cv2
import numpy as np

import classicseg
from classicseg.color import rgb2lab
from classicseg.datasets import bsds500_ids, load_bsds500

from _bench import bsds_parser, timed
from _memory import peak_memory_mb

HS, HR, MIN_SIZE = 7, 6.5, 20


def contenders():
    out = {
        "classicseg": lambda rgb: classicseg.mean_shift(rgb, HS, HR, MIN_SIZE),
        "classicseg exact": lambda rgb: classicseg.mean_shift(rgb, HS, HR, MIN_SIZE,
                                                              speedup="none"),
        "classicseg coarse-to-fine": lambda rgb: classicseg.mean_shift(
            rgb, HS, HR, MIN_SIZE, speedup="coarse"),
        "cv2 filter": lambda rgb: cv2.pyrMeanShiftFiltering(
            np.ascontiguousarray(rgb[..., ::-1]), HS, HR, maxLevel=0),
    }
    try:
        import pymeanshift
        for level in (0, 1):
            out[f"EDISON speedup {level}"] = (
                lambda rgb, level=level: pymeanshift.segment(
                    rgb, spatial_radius=HS, range_radius=HR, min_density=MIN_SIZE,
                    speedup_level=level)[1])
    except ImportError:
        pass
    return out


def n_regions(name, out):
    if name == "cv2 filter":   # 4-connected pieces of equal filtered colour
        flat = out.reshape(-1, 3).astype(np.int64)
        key = (flat[:, 0] << 16 | flat[:, 1] << 8 | flat[:, 2]) + 1
        return int(classicseg.enforce_connectivity(key.reshape(out.shape[:2])).max())
    return int(np.max(out))


def bsds_speed(root, limit):
    ids = bsds500_ids(root, "val")[:limit]
    images = [load_bsds500(root, "val", i)[0] for i in ids]
    fns = contenders()
    for fn in fns.values():
        fn(images[0])   # compile / warm up
    times = {name: [] for name in fns}
    regions = {name: [] for name in fns}
    for img in images:
        for name, fn in fns.items():
            seconds, out = timed(fn, img)
            times[name].append(seconds)
            regions[name].append(n_regions(name, out))
    ours = np.median(times["classicseg"])
    return {name: {"median_ms": 1000 * float(np.median(t)),
                   "ratio": float(np.median(t) / ours),
                   "regions_median": float(np.median(regions[name]))}
            for name, t in times.items()}, len(images)


def sklearn_speed(root):
    from sklearn.cluster import MeanShift

    img = load_bsds500(root, "val", bsds500_ids(root, "val")[0])[0]
    rows = []
    for width, height in ((60, 40), (120, 80)):
        small = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
        lab = rgb2lab(small)
        ys, xs = np.mgrid[:height, :width]
        feats = np.column_stack([ys.ravel() / HS, xs.ravel() / HS,
                                 lab.reshape(-1, 3) / HR])
        t_sk, _ = timed(MeanShift(bandwidth=1.0, bin_seeding=True).fit, feats)
        classicseg.mean_shift(small, HS, HR, MIN_SIZE)
        t_ours = np.median([timed(classicseg.mean_shift, small, HS, HR, MIN_SIZE)[0]
                            for _ in range(5)])
        rows.append({"size": f"{width}x{height}", "sklearn_s": t_sk,
                     "classicseg_ms": 1000 * t_ours, "ratio": t_sk / t_ours})
    return rows


def big_image(root):
    img = load_bsds500(root, "val", "103070")[0]
    big = cv2.resize(img, (3072, 2048), interpolation=cv2.INTER_CUBIC)
    out = {}
    for name in ("classicseg", "classicseg exact", "classicseg coarse-to-fine",
                 "cv2 filter"):
        fn = contenders()[name]
        seconds = []
        mem = peak_memory_mb(lambda: seconds.append(timed(fn, big)[0]))
        out[name] = {"s": seconds[0], "peak_extra_mb": mem}
    return out


def main():
    parser = bsds_parser(__doc__, "meanshift.json")
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    root = Path(args.data_root)

    speed, n_images = bsds_speed(root, args.limit)
    print(f"h_s={HS}, h_r={HR}, min_size={MIN_SIZE}; {n_images} BSDS500 val images "
          "(481x321), medians; ratio = time / classicseg's")
    print("| method | median ms | ratio | regions (median) |\n|---|---:|---:|---:|")
    for name, row in speed.items():
        print(f"| {name} | {row['median_ms']:.1f} | {row['ratio']:.2f} | "
              f"{row['regions_median']:.0f} |")
    report = {"date": date.today().isoformat(), "bsds": speed, "n_images": n_images}
    if not args.skip_sklearn:
        report["sklearn"] = sklearn_speed(root)
        for row in report["sklearn"]:
            print(f"scikit-learn MeanShift at {row['size']}: {row['sklearn_s']:.2f} s, "
                  f"classicseg {row['classicseg_ms']:.1f} ms: {row['ratio']:.0f}x")
    if not args.skip_big:
        report["6mpx"] = big_image(root)
        for name, row in report["6mpx"].items():
            print(f"6 Mpx (3072x2048) {name}: {row['s']:.2f} s, peak extra memory "
                  f"{row['peak_extra_mb']:.0f} MB")
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
