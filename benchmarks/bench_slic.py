"""classicseg.slic side by side with scikit-image, OpenCV ximgproc and fast-slic.

    python benchmarks/bench_slic.py [--data-root ../shared/data] [--limit 100]
                                    [--skip-quality] [--skip-speed]

Speed: n=500, compactness 10, 10 iterations, on the BSDS500 val images and on one
6-megapixel image (103070.jpg resized to 3072x2048 with cv2.INTER_CUBIC); every
contender runs on each image in turn in this one process after one warm-up call
(compilation excluded; start-up is measured in fresh processes by bench_startup.py).  Times
are medians of the call alone; ratios are peer time / classicseg time.  Peak memory
is the growth of the process's resident set (VmHWM after resetting it through
/proc/self/clear_refs), so it counts NumPy, Numba and C++ allocations alike.
OpenCV gets the float Lab image it needs, conversion included in its time.
fast-slic gets a new object per image (it keeps state between images).

Quality: BR (2 px, against the annotators' stored boundary maps, as PEERS.md), UE,
ASA, EV on the BSDS500 val images at n = 200, 400, 800,
1600, averaged over annotators then images; plot of BR and UE against the actual
number of segments written to docs/slic_quality.png.
"""
import argparse
import dataclasses
import json
import time
from datetime import date
from pathlib import Path

import cv2
import numpy as np
from skimage.segmentation import slic as skimage_slic

import classicseg
from classicseg.datasets import bsds500_ids, load_bsds500
from classicseg.metrics import superpixel_metrics

from _memory import peak_memory_mb
from bench_startup import startup

ROOT = Path(__file__).resolve().parents[1]
COMPACTNESS = 10.0
N_ITER = 10


# ------------------------------------------------------------------ contenders

def contenders():
    out = {
        "classicseg": lambda img, n: classicseg.slic(img, n=n, compactness=COMPACTNESS,
                                                     max_num_iter=N_ITER),
        "scikit-image": lambda img, n: skimage_slic(img, n_segments=n,
                                                    compactness=COMPACTNESS,
                                                    max_num_iter=N_ITER, start_label=1),
    }
    if hasattr(cv2, "ximgproc"):
        def opencv(img, n):
            lab = cv2.cvtColor(img.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
            size = int(round(np.sqrt(img.shape[0] * img.shape[1] / n)))
            sp = cv2.ximgproc.createSuperpixelSLIC(lab, cv2.ximgproc.SLIC, size,
                                                   COMPACTNESS)
            sp.iterate(N_ITER)
            sp.enforceLabelConnectivity()
            return sp.getLabels() + 1
        out["opencv"] = opencv
    try:
        from fast_slic import Slic
        from fast_slic.avx2 import SlicAvx2
        out["fast-slic"] = lambda img, n: Slic(num_components=n, compactness=COMPACTNESS
                                               ).iterate(np.ascontiguousarray(img), N_ITER)
        out["fast-slic avx2"] = lambda img, n: SlicAvx2(
            num_components=n, compactness=COMPACTNESS).iterate(np.ascontiguousarray(img),
                                                               N_ITER)
    except ImportError:
        pass
    return out


# ------------------------------------------------------------------ measurement

def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def speed(images, methods, n, repeats=1):
    times = {name: [] for name in methods}
    for img in images:
        for name, fn in methods.items():
            times[name].extend(timed(lambda: fn(img, n)) for _ in range(repeats))
    return {name: float(np.median(t)) for name, t in times.items()}


# ------------------------------------------------------------------ quality

def quality(samples, methods, ns):
    rows = []
    for n in ns:
        for name, fn in methods.items():
            if name == "fast-slic avx2":
                continue   # same algorithm as fast-slic, other instruction set
            ms = [superpixel_metrics(s.segmentations, fn(s.image, n), s.image,
                                     boundaries_true=s.boundaries) for s in samples]
            a = np.array([dataclasses.astuple(m) for m in ms], dtype=float)
            rows.append(dict(n=n, method=name, k_mean=a[:, 0].mean(),
                             k_min=int(a[:, 0].min()), k_max=int(a[:, 0].max()),
                             br=a[:, 1].mean(), ue=a[:, 2].mean(), asa=a[:, 3].mean(),
                             ev=a[:, 4].mean()))
            print(f"  n={n:5d} {name:18s} K {rows[-1]['k_mean']:7.1f} "
                  f"[{rows[-1]['k_min']}-{rows[-1]['k_max']}]  BR {rows[-1]['br']:.3f} "
                  f"UE {rows[-1]['ue']:.3f} ASA {rows[-1]['asa']:.3f} "
                  f"EV {rows[-1]['ev']:.3f}", flush=True)
    return rows


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name in dict.fromkeys(r["method"] for r in rows):
        pts = [r for r in rows if r["method"] == name]
        for ax, key in zip(axes, ("br", "ue")):
            ax.plot([r["k_mean"] for r in pts], [r[key] for r in pts], "o-", label=name)
    for ax, title in zip(axes, ("Boundary recall (higher is better)",
                                "Undersegmentation error (lower is better)")):
        ax.set_xscale("log")
        ax.set_xticks([200, 400, 800, 1600], labels=["200", "400", "800", "1600"])
        ax.minorticks_off()
        ax.set_xlabel("actual number of superpixels (mean over BSDS500 val)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ------------------------------------------------------------------ main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", default=None)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "slic.json"))
    args = p.parse_args(argv)
    cv2.setNumThreads(2)
    methods = contenders()
    ids = bsds500_ids(args.data_root, "val")[:args.limit]
    samples = [load_bsds500(args.data_root, "val", i) for i in ids]
    report = {"date": str(date.today()), "images": len(samples),
              "methods": list(methods)}

    if not args.skip_speed:
        small = [s.image for s in samples]
        big_src = next((s.image for s in samples if s.image_id == "103070"), small[0])
        big = cv2.resize(big_src, (3072, 2048), interpolation=cv2.INTER_CUBIC)
        for fn in methods.values():
            fn(small[0], 500)   # warm-up: compilation, thread pools
        report["ms_481x321"] = {k: v * 1e3 for k, v in speed(small, methods, 500).items()}
        report["ms_6mpx"] = {k: v * 1e3 for k, v in speed([big], methods, 500, 3).items()}
        report["peak_mb_6mpx"] = {k: peak_memory_mb(lambda: fn(big, 500))
                                  for k, fn in methods.items()}
        start = startup(ROOT / "data" / "rocket.jpg", repeats=1)
        cold, warm = start["cold"], start["warm"]
        report["startup_s"] = {"cold": cold, "warm": warm}
        ours = report["ms_481x321"]["classicseg"], report["ms_6mpx"]["classicseg"]
        print(f"\nspeed, n=500 ({len(small)} BSDS500 val images; 6 Mpx = 3072x2048)")
        print(f"{'method':18s} {'481x321 ms':>11s} {'ratio':>7s} {'6 Mpx ms':>10s} "
              f"{'ratio':>7s} {'peak MB':>8s}")
        for k in methods:
            a, b = report["ms_481x321"][k], report["ms_6mpx"][k]
            print(f"{k:18s} {a:11.1f} {a / ours[0]:7.2f} {b:10.0f} {b / ours[1]:7.2f} "
                  f"{report['peak_mb_6mpx'][k]:8.0f}")
        print(f"start-up (import + first slic, 481x321): cold cache {cold:.2f} s, "
              f"warm cache {warm:.2f} s")

    if not args.skip_quality:
        print("\nquality on BSDS500 val (mean over annotators, then images)")
        report["quality"] = quality(samples, methods, (200, 400, 800, 1600))
        plot(report["quality"], ROOT / "docs" / "slic_quality.png")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
