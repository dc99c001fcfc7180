"""Superpixel graphs and pooling for graph/convolutional networks: classicseg side by
side with the scikit-image / NumPy / SciPy code a user would write without it.

    python benchmarks/bench_gnn.py [--data-root ../shared/data] [--limit 40]
                                   [--repeats 3] [--channels 16]

In this one process, on the first ``--limit`` BSDS500 images (test, train, val in
path order, 481x321), each with ``classicseg.slic(img, n=500)`` labels made once and
not timed:

* **graph**: ``classicseg.superpixel_graph(img, labels)`` (19 node features, both
  directions of every 4-adjacent pair, colour distance and boundary length) against
  - ``skimage.color.rgb2lab`` + ``skimage.measure.regionprops_table`` (area,
    centroid, bbox, ``intensity_mean`` and ``intensity_std`` of Lab and RGB) + a
    NumPy adjacency scan (``np.unique`` of the 4-neighbour label pairs, with counts
    as boundary lengths): the same arrays, checked to agree;
  - ``skimage.graph.rag_mean_color(img, labels, connectivity=1)``: scikit-image's
    region adjacency graph (networkx; mean RGB per node, colour distance per edge),
    fewer features;
* **pool**: ``classicseg.superpixel_pool(fmap, labels, reduce)`` for mean, max and
  sum of a float32 (H, W, ``--channels``) map against ``scipy.ndimage`` ``mean`` /
  ``maximum`` / ``sum_labels`` (one call per channel) and, for mean and sum,
  ``np.bincount`` per channel; checked to agree.

Each call is timed alone, the libraries alternating, after a warm-up on the first
image; per image the median of ``--repeats`` passes, then the median over images.
Ratio = peer time / classicseg time.  Results go to benchmarks/results/gnn.json.
"""
from datetime import date
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage import color, graph as skgraph, measure

import classicseg
from classicseg.io import read_image

from _bench import bsds_parser, save_report, timed

N_SUPERPIXELS = 500
REGION_PROPERTIES = ("area", "centroid", "bbox", "intensity_mean", "intensity_std")


def peer_graph(img, labels):
    """The arrays of ``superpixel_graph`` from scikit-image and NumPy."""
    lab = color.rgb2lab(img)
    planes = np.concatenate([lab, img / 255.0], 2)
    props = measure.regionprops_table(labels, planes, properties=REGION_PROPERTIES)
    mean = np.stack([props[f"intensity_mean-{c}"] for c in range(6)], 1)
    std = np.stack([props[f"intensity_std-{c}"] for c in range(6)], 1)
    xy = np.stack([props["centroid-1"], props["centroid-0"]], 1)
    box = np.stack([props[f"bbox-{c}"] for c in (1, 0, 3, 2)], 1)
    x = np.concatenate([mean[:, :3], std[:, :3], mean[:, 3:], std[:, 3:], xy,
                        props["area"][:, None], box], 1)
    pairs, length = adjacent_pairs(labels)
    distance = np.linalg.norm(mean[pairs[:, 0], :3] - mean[pairs[:, 1], :3], axis=1)
    both = np.concatenate([pairs, pairs[:, ::-1]])
    attr = np.concatenate([np.stack([distance, length], 1)] * 2)
    order = np.lexsort((both[:, 1], both[:, 0]))
    return {"x": x, "pos": xy, "edge_index": both[order].T, "edge_attr": attr[order]}


def adjacent_pairs(labels):
    """Node pairs (i < j) of 4-adjacent labels and their shared boundary length."""
    a = np.concatenate([labels[:, :-1].ravel(), labels[:-1].ravel()]).astype(np.int64)
    b = np.concatenate([labels[:, 1:].ravel(), labels[1:].ravel()]).astype(np.int64)
    differ = a != b
    lo, hi = np.minimum(a, b)[differ], np.maximum(a, b)[differ]
    k = int(labels.max()) + 1
    codes, length = np.unique(lo * k + hi, return_counts=True)
    return np.stack([codes // k, codes % k], 1) - 1, length


NDIMAGE_POOL = {"mean": ndimage.mean, "max": ndimage.maximum, "sum": ndimage.sum_labels}


def ndimage_pool(fmap, labels, reduce):
    index = np.arange(1, int(labels.max()) + 1)
    return np.stack([NDIMAGE_POOL[reduce](fmap[..., c], labels, index)
                     for c in range(fmap.shape[2])], 1)


def bincount_pool(fmap, labels, reduce):
    flat = labels.ravel()
    k = int(labels.max()) + 1
    sums = np.stack([np.bincount(flat, fmap[..., c].ravel(), k)[1:]
                     for c in range(fmap.shape[2])], 1)
    if reduce == "sum":
        return sums
    return sums / np.maximum(np.bincount(flat, minlength=k)[1:], 1)[:, None]


def graph_difference(ours, theirs):
    """Largest absolute differences of the node and edge arrays (edges must match)."""
    if not np.array_equal(ours["edge_index"], theirs["edge_index"]):
        raise AssertionError("edge_index differs from the NumPy adjacency scan")
    node = np.abs(ours["x"] - theirs["x"]).max(0)
    edge = np.abs(ours["edge_attr"] - theirs["edge_attr"]).max(0)
    return {"lab": float(node[:6].max()), "rgb": float(node[6:12].max()),
            "geometry": float(node[12:].max()), "color_distance": float(edge[0]),
            "boundary_length": float(edge[1])}


def median_times(calls, repeats):
    """Median seconds of each ``name -> call`` over ``repeats`` alternating passes."""
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            times[name].append(timed(call)[0])
    return {name: float(np.median(t)) for name, t in times.items()}


def graph_case(img, labels, repeats):
    ours = classicseg.superpixel_graph(img, labels)
    diff = graph_difference(ours, peer_graph(img, labels))
    times = median_times({
        "classicseg": lambda: classicseg.superpixel_graph(img, labels),
        "regionprops+numpy": lambda: peer_graph(img, labels),
        "rag_mean_color": lambda: skgraph.rag_mean_color(img, labels, connectivity=1),
    }, repeats)
    return times, diff


def pool_case(fmap, labels, repeats):
    times, diff = {}, {}
    for reduce in ("mean", "max", "sum"):
        calls = {"classicseg": lambda r=reduce: classicseg.superpixel_pool(fmap, labels, r),
                 "ndimage": lambda r=reduce: ndimage_pool(fmap, labels, r)}
        if reduce != "max":
            calls["bincount"] = lambda r=reduce: bincount_pool(fmap, labels, r)
        ours = classicseg.superpixel_pool(fmap, labels, reduce)
        diff[reduce] = float(np.abs(ours - ndimage_pool(fmap, labels, reduce)).max())
        for name, seconds in median_times(calls, repeats).items():
            times[f"{reduce}/{name}"] = seconds
    return times, diff


def summarize(rows):
    """Median over images per call, with its ratio to classicseg's call of the same
    reduction ("mean/ndimage" -> "mean/classicseg", "rag_mean_color" ->
    "classicseg")."""
    med = {name: float(np.median([r[name] for r in rows])) for name in rows[0]}

    def ours(name):
        return med[name.rsplit("/", 1)[0] + "/classicseg" if "/" in name else "classicseg"]
    return {name: {"median_ms": 1000 * s, "ratio": s / ours(name)}
            for name, s in med.items()}


def main():
    parser = bsds_parser(__doc__, "gnn.json")
    parser.set_defaults(limit=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--channels", type=int, default=16)
    args = parser.parse_args()
    paths = sorted(Path(args.data_root).glob("bsds500/images/*/*.jpg"))[:args.limit]
    rng = np.random.default_rng(0)
    cases = []
    for path in paths:
        img = read_image(path)
        labels = classicseg.slic(img, n=N_SUPERPIXELS)
        fmap = rng.standard_normal(img.shape[:2] + (args.channels,)).astype(np.float32)
        cases.append((img, labels, fmap))
    graph_case(*cases[0][:2], 1)   # warm up / compile
    pool_case(cases[0][2], cases[0][1], 1)

    graph_rows, pool_rows, diffs = [], [], []
    for img, labels, fmap in cases:
        times, diff = graph_case(img, labels, args.repeats)
        graph_rows.append(times)
        pool_times, pool_diff = pool_case(fmap, labels, args.repeats)
        pool_rows.append(pool_times)
        diffs.append({**diff, **{f"pool_{k}": v for k, v in pool_diff.items()}})
    worst = {key: max(d[key] for d in diffs) for key in diffs[0]}
    report = {"date": date.today().isoformat(), "n_images": len(cases),
              "superpixels": N_SUPERPIXELS, "channels": args.channels,
              "repeats": args.repeats, "graph": summarize(graph_rows),
              "pool": summarize(pool_rows), "largest_difference": worst}
    save_report(Path(args.out).name, report)
    print(f"{len(cases)} BSDS500 images, SLIC n={N_SUPERPIXELS}, medians of "
          f"{args.repeats} passes per image, then over images; ratio = peer / ours")
    print("| call | median ms | ratio |\n|---|---:|---:|")
    for section in ("graph", "pool"):
        for name, row in report[section].items():
            print(f"| {section} {name} | {row['median_ms']:.2f} | {row['ratio']:.1f} |")
    print("largest differences to the peer:", worst)


if __name__ == "__main__":
    main()
