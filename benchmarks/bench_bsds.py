"""BSDS500 benchmarks of classicseg's region and superpixel metrics.

    python benchmarks/bench_bsds.py superpixels [--n 400] [--limit K]
        scikit-image SLIC on BSDS500 val scored with classicseg.metrics.superpixel_metrics
        (averaged over annotators, then images): the sanity check of the metric
        definitions against the scikit-image row of /work/shared/PEERS.md.

    python benchmarks/bench_bsds.py speed [--limit K]
        time of covering + PRI + VoI of one segmentation against all annotators.

Data: ../shared/data/bsds500 (or $CLASSICSEG_DATA).
"""
import argparse
import time

import numpy as np


def superpixels(args):
    from skimage.segmentation import slic as sk_slic

    from classicseg.datasets import bsds500_ids, load_bsds500
    from classicseg.metrics import superpixel_metrics

    ids = bsds500_ids(None, "val")[: args.limit]
    rows = []
    for image_id in ids:
        s = load_bsds500(None, "val", image_id)
        labels = sk_slic(s.image, n_segments=args.n, compactness=10, max_num_iter=10,
                         start_label=1)
        rows.append(superpixel_metrics(s.segmentations, labels, s.image))
    segs = np.array([r.n_segments for r in rows])
    mean = np.mean([r[1:] for r in rows], axis=0)
    print(f"scikit-image slic n={args.n} on {len(ids)} BSDS500 val images")
    print("| n | segments, mean [min-max] | BR | UE | ASA | EV | CO |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    print(f"| {args.n} | {segs.mean():.0f} [{segs.min()}-{segs.max()}] | "
          + " | ".join(f"{v:.3f}" for v in mean) + " |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    sp = sub.add_parser("superpixels")
    sp.add_argument("--n", type=int, default=400)
    sp.add_argument("--limit", type=int, default=None)
    sp.set_defaults(run=superpixels)
    args = p.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
