"""Boundary P/R/F (classicseg.metrics.boundary_prf) on BSDS500 val: speed and agreement.

    python benchmarks/bench_boundary.py [--limit 20] [--n 500] [--impl skimage]
                                        [--reference 5] [--human 100]

* time per image of ``boundary_prf`` (481x321, all annotators of the image, machine map
  = SLIC labels -> seg2bdry -> thinning, all timed) for ``method="exact"`` and
  ``method="distance"``; the cold (compile) call is measured in a fresh process with
  an empty Numba cache and reported apart;
* the F difference between the two methods, per image and pooled over the images;
* with ``--reference N`` and pyEdgeEval importable (``pip install pyedgeeval``: the
  original BSDS C++ correspondPixels/CSA code behind a Cython wrapper), the benchmark's
  own counts and time on the first N images, side by side in this process, including
  the reference's run-to-run variation (its outlier graph is drawn at random, seeded
  by the clock);
* with ``--human N``: the human annotators scored against each other (each annotator
  as the machine map against the remaining ones, counts pooled) on N val images, to
  compare with the benchmark's "human" F = 0.80 on BSDS500.

Image loading and segmentation are not timed.  Data: ../shared/data/bsds500 (or
$CLASSICSEG_DATA).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

COLD = """
import time, numpy as np
from classicseg.metrics import boundary_prf
gt = np.zeros((20, 20), bool); gt[:, 5] = True
t, c = time.perf_counter(), time.process_time()
boundary_prf(gt, gt, method="{m}")
print(time.perf_counter() - t, time.process_time() - c)
"""


def cold_call(method):
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", COLD.format(m=method)], env=env,
                             capture_output=True, text=True, check=True)
    return tuple(float(v) for v in out.stdout.split()[-2:])


def segmenter(impl, n):
    if impl == "classicseg":
        from classicseg.slic import slic
        return lambda image: slic(image, n=n, compactness=10)
    from skimage.segmentation import slic as sk_slic
    return lambda image: sk_slic(image, n_segments=n, compactness=10, start_label=1)


def reference_counts(bmap, gts, correspond_pixels):
    """evaluation_bdry_image's counts with the benchmark's own correspondPixels."""
    acc = np.zeros(bmap.shape, bool)
    cnt_r = 0
    for g in gts:
        m1, m2, _, _ = correspond_pixels(bmap.astype(float), g.astype(float), 0.0075)
        acc |= m1 > 0
        cnt_r += int((m2 > 0).sum())
    return int(acc.sum()), cnt_r


def speed_and_agreement(args, samples):
    from skimage.morphology import thin   # = the benchmark's bwmorph thin (tested)

    from classicseg.metrics import (BoundaryAccumulator, BoundaryPRF, boundaries_from_labels,
                                    boundary_prf)

    segment = segmenter(args.impl, args.n)
    labels = [segment(s.image) for s in samples]
    for m in ("exact", "distance"):
        wall, cpu = cold_call(m)
        print(f"cold call (compile, empty Numba cache), {m}: {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU")
    for m in ("exact", "distance"):                 # warm up (cache load)
        boundary_prf(samples[0].boundaries, labels[0], method=m)
    times = {"exact": [], "distance": []}
    cpu = {"exact": [], "distance": []}
    accs = {m: BoundaryAccumulator(method=m) for m in times}
    diffs = []
    for s, lab in zip(samples, labels):
        f = {}
        for m in times:
            t, c = time.perf_counter(), time.process_time()
            f[m] = boundary_prf(s.boundaries, lab, method=m)
            times[m].append(time.perf_counter() - t)
            cpu[m].append(time.process_time() - c)
            accs[m].add_counts(*f[m].counts)
        diffs.append(f["distance"].f - f["exact"].f)
    ex, di = (np.median(times[m]) * 1e3 for m in ("exact", "distance"))
    print(f"exact / distance time ratio: {ex / di:.1f} (wall medians)")
    n_gt = np.mean([len(s.boundaries) for s in samples])
    print(f"\n{len(samples)} BSDS500 val images, {args.impl} SLIC n={args.n}, "
          f"{n_gt:.1f} annotators per image on average")
    print("| method | median wall ms / image | median CPU ms / image | pooled P | "
          "pooled R | pooled F |")
    print("|---|---:|---:|---:|---:|---:|")
    for m, ms in (("exact", ex), ("distance (approximation)", di)):
        key = m.split()[0]
        r = accs[key].compute()
        print(f"| {m} | {ms:.1f} | {np.median(cpu[key]) * 1e3:.1f} | "
              f"{r.precision:.4f} | {r.recall:.4f} | {r.f:.4f} |")
    d = np.array(diffs)
    print(f"F(distance) - F(exact) per image: mean {d.mean():+.4f}, "
          f"min {d.min():+.4f}, max {d.max():+.4f}")

    if args.reference:
        try:
            from pyEdgeEval._lib import correspond_pixels
        except ImportError:
            print("\n(pyEdgeEval not importable: reference comparison skipped)")
            return
        print(f"\nagainst the benchmark's correspondPixels (pyEdgeEval), first "
              f"{args.reference} images")
        print("| image | sumP | cntP ref (run 1, run 2) | cntP ours | sumR | "
              "cntR ref (run 1, run 2) | cntR ours | F ref (run 1, run 2) | F ours | "
              "ref ms | ours ms | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s, lab in list(zip(samples, labels))[:args.reference]:
            bmap = thin(boundaries_from_labels(lab))   # what boundary_prf matches
            t = time.perf_counter()
            r1 = reference_counts(bmap, s.boundaries, correspond_pixels)
            t_ref = time.perf_counter() - t
            r2 = reference_counts(bmap, s.boundaries, correspond_pixels)
            t = time.perf_counter()
            o = boundary_prf(s.boundaries, lab)
            t_ours = time.perf_counter() - t
            f1, f2 = (BoundaryPRF.from_counts(r[0], o.sumP, r[1], o.sumR).f
                      for r in (r1, r2))
            print(f"| {s.image_id} | {o.sumP} | {r1[0]}, {r2[0]} | {o.cntP} | {o.sumR} | "
                  f"{r1[1]}, {r2[1]} | {o.cntR} | {f1:.4f}, {f2:.4f} | {o.f:.4f} | "
                  f"{t_ref * 1e3:.0f} | {t_ours * 1e3:.0f} | {t_ref / t_ours:.1f}x |")


def human(args):
    from classicseg.datasets import bsds500_ids, load_bsds500
    from classicseg.metrics import BoundaryAccumulator

    acc = BoundaryAccumulator()
    per_image = []
    for image_id in bsds500_ids(None, "val")[:args.human]:
        b = load_bsds500(None, "val", image_id).boundaries
        one = BoundaryAccumulator()
        for k in range(len(b)):
            r = one.update(b[:k] + b[k + 1:], b[k])
            acc.add_counts(*r.counts)
        per_image.append(one.compute().f)
    r = acc.compute()
    print(f"\nhumans vs the other annotators, {len(per_image)} val images: pooled "
          f"P {r.precision:.4f} R {r.recall:.4f} F {r.f:.4f}; per-image F "
          f"median {np.median(per_image):.3f} [{min(per_image):.3f}-"
          f"{max(per_image):.3f}]")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--limit", type=int, default=20, help="val images (default 20)")
    p.add_argument("--n", type=int, default=500, help="SLIC segments (default 500)")
    p.add_argument("--impl", choices=("skimage", "classicseg"), default="skimage",
                   help="SLIC implementation (default skimage)")
    p.add_argument("--reference", type=int, default=5,
                   help="images compared with pyEdgeEval's correspondPixels (default 5)")
    p.add_argument("--human", type=int, default=100,
                   help="val images for the human-vs-human F (default 100; 0 = skip)")
    args = p.parse_args(argv)

    from classicseg.datasets import bsds500_ids, load_bsds500
    samples = [load_bsds500(None, "val", i) for i in bsds500_ids(None, "val")[:args.limit]]
    speed_and_agreement(args, samples)
    if args.human:
        human(args)


if __name__ == "__main__":
    main()
