"""classicseg's normalized cuts side by side with scikit-image.

    python benchmarks/bench_ncut.py [--data-root ../shared/data] [--limit 20]
                                    [--skip-big] [--skip-pixel] [--skip-regions]

In this one process, on the BSDS500 val images (481x321):

* **superpixel Ncut** on the same SLIC labels (``classicseg.slic(img, n=400)``):
  ``skimage.graph.rag_mean_color(img, labels, mode="similarity")`` +
  ``skimage.graph.cut_normalized(labels, rag)`` (RAG and cut timed apart) against
  ``classicseg.ncut_superpixels`` on the same graph (RGB means, 8-connected
  adjacency, ``exp(-d^2 / 255)``: ``color_space="image", connectivity=2,
  sigma=sqrt(255), weight="similarity"``) with the same recursive two-way cut and threshold (0.001),
  and with the k-way cut into as many segments as scikit-image returned.  The Ncut
  value of each result is computed on that one graph (no self-loops);
* the same on one 6-megapixel image (103070.jpg resized to 3000x2000);
* **pixel-weight superpixel Ncut** at its defaults (``weight="pixel"``, the
  pixel graph summed over the regions, merge cut) on SLIC-400 and on mean-shift
  regions (``classicseg.mean_shift(img, min_size=100)``, the best BSDS row):
  median time of the cut alone, superpixels made beforehand; no peer has it;
* **pixel-level Ncut** into 20 segments, default parameters (the two-level solve):
  ``classicseg.ncut(img, 20)`` (k-way into 40, merged to 20) and
  ``classicseg.ncut(img, 20, method="kway")``: median time; scikit-image has no
  pixel-level method.

Times are medians over the images; ratios are peer time / classicseg time.
Results go to benchmarks/results/ncut.json.
"""
import json
from datetime import date
from pathlib import Path

import cv2
import numpy as np
from skimage import graph as skgraph

import classicseg
from classicseg.datasets import bsds500_ids, load_bsds500
from classicseg.ncut import ncut_value

from _bench import bsds_parser, timed

N_SUPERPIXELS = 400
SKIMAGE_GRAPH = dict(sigma=np.sqrt(255.0), weight="similarity", color_space="image",
                     connectivity=2)


def node_groups(segmentation, tiles):
    """The segment of each superpixel (label i + 1 -> entry i)."""
    first = np.unique(tiles.ravel(), return_index=True)[1]
    return segmentation.ravel()[first]


def superpixel_case(img):
    tiles = classicseg.slic(img, n=N_SUPERPIXELS)
    t_rag, rag = timed(skgraph.rag_mean_color, img, tiles, mode="similarity")
    t_cut, theirs = timed(skgraph.cut_normalized, tiles, rag, rng=0)
    k = len(np.unique(theirs))
    t_rec, (rec, _, W, _) = timed(classicseg.ncut_superpixels, img, tiles,
                                  return_info=True, **SKIMAGE_GRAPH)
    t_kway, kway = timed(classicseg.ncut_superpixels, img, tiles, max(k, 2),
                         **SKIMAGE_GRAPH)
    value = {name: ncut_value(W, node_groups(seg, tiles))
             for name, seg in (("skimage", theirs), ("recursive", rec),
                               ("kway", kway))}
    return {"superpixels": int(tiles.max()),
            "skimage_rag_s": t_rag, "skimage_cut_s": t_cut,
            "skimage_s": t_rag + t_cut, "recursive_s": t_rec, "kway_s": t_kway,
            "segments": {"skimage": k, "recursive": int(rec.max()),
                         "kway": int(kway.max())},
            "ncut_value": value}


def summarize(rows):
    med = {key: float(np.median([r[key] for r in rows]))
           for key in ("skimage_rag_s", "skimage_cut_s", "skimage_s", "recursive_s",
                       "kway_s")}
    med["ratio_recursive"] = med["skimage_s"] / med["recursive_s"]
    med["ratio_kway"] = med["skimage_s"] / med["kway_s"]
    for name in ("recursive", "kway"):
        med[f"value_{name}_le_skimage"] = sum(
            r["ncut_value"][name] <= r["ncut_value"]["skimage"] + 1e-9 for r in rows)
        med[f"value_{name}_median"] = float(np.median([r["ncut_value"][name]
                                                       for r in rows]))
    med["value_skimage_median"] = float(np.median([r["ncut_value"]["skimage"]
                                                   for r in rows]))
    return med


def median_runs(segment, inputs):
    """Median and max time of ``segment(*args)`` over ``inputs``, after one compile run."""
    segment(*inputs[0])
    times, segments = [], []
    for args in inputs:
        seconds, labels = timed(segment, *args)
        times.append(seconds)
        segments.append(int(labels.max()))
    return {"median_s": float(np.median(times)), "max_s": float(np.max(times)),
            "segments_median": float(np.median(segments))}


def pixel_case(images, method):
    return median_runs(lambda img: classicseg.ncut(img, 20, method=method),
                       [(img,) for img in images])


def region_case(images, base):
    """ncut_superpixels at its defaults on regions made beforehand."""
    regions = [base(img) for img in images]
    row = median_runs(classicseg.ncut_superpixels, list(zip(images, regions)))
    row["regions_median"] = float(np.median([int(r.max()) for r in regions]))
    return row


REGION_BASES = {
    "slic400": lambda img: classicseg.slic(img, n=N_SUPERPIXELS),
    "meanshift": lambda img: classicseg.mean_shift(img, min_size=100),
}


def main():
    parser = bsds_parser(__doc__, "ncut.json")
    parser.add_argument("--skip-pixel", action="store_true")
    parser.add_argument("--skip-regions", action="store_true")
    args = parser.parse_args()
    root = Path(args.data_root)
    ids = bsds500_ids(root, "val")[:args.limit]
    images = [load_bsds500(root, "val", i)[0] for i in ids]

    superpixel_case(images[0])   # compile / warm up
    rows = [superpixel_case(img) for img in images]
    med = summarize(rows)
    report = {"date": date.today().isoformat(), "n_images": len(images),
              "superpixel": med, "superpixel_rows": rows}
    print(f"superpixel Ncut, SLIC n={N_SUPERPIXELS}, {len(images)} BSDS500 val images, "
          "medians")
    print("| method | median ms | ratio | Ncut value (median) | value <= skimage's |")
    print("|---|---:|---:|---:|---:|")
    print(f"| skimage rag_mean_color + cut_normalized | {1000 * med['skimage_s']:.0f} "
          f"(RAG {1000 * med['skimage_rag_s']:.0f}, cut {1000 * med['skimage_cut_s']:.0f})"
          f" | 1 | {med['value_skimage_median']:.3f} | |")
    for name in ("recursive", "kway"):
        print(f"| classicseg ncut_superpixels {name} | {1000 * med[name + '_s']:.1f} | "
              f"{med['ratio_' + name]:.1f} | {med['value_' + name + '_median']:.3f} | "
              f"{med['value_' + name + '_le_skimage']}/{len(rows)} |")
    if not args.skip_regions:
        for name, base in REGION_BASES.items():
            report[f"regions_{name}"] = reg = region_case(images, base)
            print(f"ncut_superpixels(img, regions) defaults on {name} "
                  f"({reg['regions_median']:.0f} regions): median "
                  f"{1000 * reg['median_s']:.0f} ms, max {1000 * reg['max_s']:.0f} ms, "
                  f"{reg['segments_median']:.0f} segments")
    if not args.skip_big:
        img = load_bsds500(root, "val", "103070")[0]
        big = cv2.resize(img, (3000, 2000), interpolation=cv2.INTER_CUBIC)
        report["6mpx"] = row = superpixel_case(big)
        print(f"6 Mpx: skimage {row['skimage_s']:.2f} s (RAG {row['skimage_rag_s']:.2f}), "
              f"classicseg recursive {row['recursive_s']:.3f} s "
              f"({row['skimage_s'] / row['recursive_s']:.0f}x), kway "
              f"{row['kway_s']:.3f} s; Ncut values {row['ncut_value']}")
    if not args.skip_pixel:
        for method in ("merge", "kway"):
            report[f"pixel_{method}"] = pix = pixel_case(images, method)
            print(f"pixel-level ncut(img, 20, method={method!r}), 481x321: median "
                  f"{pix['median_s']:.2f} s, max {pix['max_s']:.2f} s, "
                  f"{pix['segments_median']:.0f} segments")
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
