"""BSDS500 benchmarks of classicseg's region and superpixel metrics.

    python benchmarks/bench_bsds.py superpixels [--n 400] [--limit K] [--impl skimage]
                                                [--stored-boundaries]
        SLIC on BSDS500 val scored with classicseg.metrics.superpixel_metrics
        (averaged over annotators, then images).  With --impl skimage (default) this
        is the sanity check of the metric definitions against the scikit-image row of
        /work/shared/PEERS.md; --impl classicseg scores classicseg.slic the same way.

    python benchmarks/bench_bsds.py speed [--limit K] [--repeat R]
        time of covering + PRI + VoI of one segmentation (scikit-image SLIC, n=400)
        against all annotators of the image (target: <= 20 ms on 481x321 with 5
        annotators), side by side with (a) the same three metrics written in plain
        NumPy the usual way (np.bincount dense contingency table per annotator) and
        (b) scikit-image's variation_of_information alone.  Segmentation and image
        loading are not timed.  First (compile) call reported apart.

    python benchmarks/bench_bsds.py region [--limit K] [--no-boundary]
        the full region benchmark (classicseg.evaluation.bsds_region_benchmark) of
        scikit-image's Felzenszwalb-Huttenlocher over a scale sweep, to compare with
        the published BSDS500 row for F&H (test split; only val is available here).

Data: ../shared/data/bsds500 (or $CLASSICSEG_DATA).
"""
import argparse
import time
from dataclasses import astuple

import numpy as np


def superpixels(args):
    from skimage.segmentation import slic as sk_slic

    from classicseg.datasets import bsds500_ids, load_bsds500
    from classicseg.metrics import superpixel_metrics

    if args.impl == "classicseg":
        from classicseg.slic import slic

        def segment(image):
            return slic(image, n=args.n, compactness=10, max_num_iter=10)
    else:
        def segment(image):
            return sk_slic(image, n_segments=args.n, compactness=10, max_num_iter=10,
                           start_label=1)
    ids = bsds500_ids(None, "val")[: args.limit]
    rows = []
    for image_id in ids:
        s = load_bsds500(None, "val", image_id)
        labels = segment(s.image)
        rows.append(superpixel_metrics(
            s.segmentations, labels, s.image,
            boundaries_true=s.boundaries if args.stored_boundaries else None))
    segs = np.array([r.n_segments for r in rows])
    mean = np.mean([astuple(r)[1:] for r in rows], axis=0)
    print(f"{args.impl} slic n={args.n} on {len(ids)} BSDS500 val images")
    print("| n | segments, mean [min-max] | BR | UE | ASA | EV | CO |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    print(f"| {args.n} | {segs.mean():.0f} [{segs.min()}-{segs.max()}] | "
          + " | ".join(f"{v:.3f}" for v in mean) + " |")


def numpy_reference(gts, seg):
    """Covering, PRI, VoI the usual NumPy way: a dense bincount table per annotator."""
    cnt = total = ri = voi = 0.0
    s = seg.ravel().astype(np.int64)
    ks = s.max() + 1
    for gt in gts:
        g = gt.ravel().astype(np.int64)
        kg = g.max() + 1
        n = np.bincount(s * kg + g, minlength=ks * kg).reshape(ks, kg).astype(float)
        a, b, N = n.sum(1), n.sum(0), n.sum()
        union = a[:, None] + b[None, :] - n
        iou = np.divide(n, union, out=np.zeros_like(n), where=union > 0)
        cnt += (b * iou.max(0)).sum()
        total += N
        ri += 1 - ((a ** 2).sum() + (b ** 2).sum() - 2 * (n ** 2).sum()) / (N * (N - 1))

        def xlogx(x):
            x = x[x > 0]
            return (x * np.log2(x)).sum()
        voi += (xlogx(a) + xlogx(b) - 2 * xlogx(n)) / N
    return cnt / total, ri / len(gts), voi / len(gts)


def speed(args):
    from skimage.metrics import variation_of_information as sk_vi
    from skimage.segmentation import slic as sk_slic

    from classicseg.datasets import bsds500_ids, load_bsds500
    from classicseg.metrics import partition_metrics

    cases = []
    for image_id in bsds500_ids(None, "val")[: args.limit]:
        s = load_bsds500(None, "val", image_id)
        if len(s.segmentations) == 5:  # the target's setting: 5 annotators
            seg = sk_slic(s.image, n_segments=400, compactness=10, start_label=1)
            cases.append((s.segmentations, seg))
    t0 = time.perf_counter()
    partition_metrics(*cases[0])
    cold = time.perf_counter() - t0

    def timed(fn, gts, seg):
        best = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn(gts, seg)
            best.append(time.perf_counter() - t)
        return np.median(best)

    ours, ref, sk = [], [], []
    for gts, seg in cases:
        got = partition_metrics(gts, seg)
        assert np.allclose(astuple(got), numpy_reference(gts, seg), rtol=0, atol=1e-9)
        ours.append(timed(partition_metrics, gts, seg))
        ref.append(timed(numpy_reference, gts, seg))
        sk.append(timed(lambda g, s: [sk_vi(x, s) for x in g], gts, seg))
    ours, ref, sk = (np.array(v) * 1e3 for v in (ours, ref, sk))
    print(f"{len(cases)} BSDS500 val images with 5 annotators, scikit-image SLIC n=400; "
          f"median over images of the median of {args.repeat} calls")
    print("| work | time (ms) | ratio peer / classicseg |")
    print("|---|---:|---:|")
    print(f"| classicseg partition_metrics (covering+PRI+VoI, 5 annotators) | "
          f"{np.median(ours):.2f} | 1 |")
    print(f"| NumPy bincount reference (same three metrics) | {np.median(ref):.2f} | "
          f"{np.median(ref / ours):.1f} |")
    print(f"| scikit-image variation_of_information x5 (VoI only) | {np.median(sk):.2f} | "
          f"{np.median(sk / ours):.1f} |")
    print(f"first call (Numba compile or cache load): {cold * 1e3:.0f} ms")


def region(args):
    from skimage.segmentation import felzenszwalb

    from classicseg.evaluation import bsds_region_benchmark

    def fh(image, scale):
        return felzenszwalb(image, scale=scale, sigma=0.8, min_size=int(scale / 4) + 1)

    t0 = time.perf_counter()
    res = bsds_region_benchmark(fh, {"scale": [100, 200, 300, 500, 800, 1200]},
                                limit=args.limit, boundary=not args.no_boundary)
    print("scikit-image felzenszwalb(sigma=0.8, min_size=scale/4+1), BSDS500 val")
    print(res.table())
    print(f"wall {time.perf_counter() - t0:.0f} s: segmentation {res.seconds_segment:.0f} s"
          f", scoring {res.seconds_metrics:.0f} s")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    sp = sub.add_parser("superpixels")
    sp.add_argument("--n", type=int, default=400)
    sp.add_argument("--limit", type=int, default=None)
    sp.add_argument("--impl", choices=["skimage", "classicseg"], default="skimage")
    sp.add_argument("--stored-boundaries", action="store_true",
                    help="BR against the BSDS500 'Boundaries' maps instead of boundaries "
                         "derived from the segmentations (PEERS.md's convention)")
    sp.set_defaults(run=superpixels)
    sd = sub.add_parser("speed")
    sd.add_argument("--limit", type=int, default=30)
    sd.add_argument("--repeat", type=int, default=7)
    sd.set_defaults(run=speed)
    rg = sub.add_parser("region")
    rg.add_argument("--limit", type=int, default=None)
    rg.add_argument("--no-boundary", action="store_true")
    rg.set_defaults(run=region)
    args = p.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
