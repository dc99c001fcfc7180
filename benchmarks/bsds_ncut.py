"""Pixel-level normalized cuts on the BSDS500 region benchmark, one eigen-solve per
image.

    python benchmarks/bsds_ncut.py [--limit 100] [--split val]
                                   [--thresholds 0.0006,0.001,...] [--boundary]

``classicseg.ncut(img, None, method="merge", return_info=True)`` (default affinity:
CIELAB, radius 5, intervening contours) solves once; ``NcutResult.cut(threshold=t)``
reads every threshold of the sweep off the merge hierarchy, which is what
``ncut(img, None, method="merge", threshold=t)`` returns (tests/test_ncut.py) at a
fraction of the cost.  The ODS figures compare with the published NCuts row
(covering 0.45, PRI 0.78, VoI 2.23, on the test split).  Results:
benchmarks/results/ncut_bsds_<split>_merge.json.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import classicseg
from classicseg.evaluation.bsds import bsds_samples
from classicseg.metrics import BSDSRegionAccumulator

from _bench import ROOT

THRESHOLDS = "0.0006,0.001,0.002,0.003,0.004,0.006,0.008,0.012,0.02"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--split", default="val")
    parser.add_argument("--thresholds", default=THRESHOLDS)
    parser.add_argument("--boundary", action="store_true", help="boundary F too")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    acc = BSDSRegionAccumulator([{"threshold": t} for t in thresholds],
                                boundary=args.boundary)
    seconds = 0.0
    samples = bsds_samples(root=args.data_root, split=args.split, limit=args.limit)
    for image_id, load in samples:
        image, gts, boundaries = load()
        start = time.perf_counter()
        result = classicseg.ncut(image, None, method="merge", return_info=True)
        seconds += time.perf_counter() - start
        print(f"{image_id}: {time.perf_counter() - start:.1f} s, "
              f"{result.labels.max()} segments", file=sys.stderr, flush=True)
        acc.update(gts, [result.cut(threshold=t) for t in thresholds],
                   boundaries_true=boundaries, image_id=image_id)
    report = acc.compute()
    print(report)
    print(f"{seconds / len(samples):.2f} s per image (one solve)")
    out = ROOT / "benchmarks" / "results" / f"ncut_bsds_{args.split}_merge.json"
    data = report.to_dict()
    data.update(method="ncut merge, defaults", seconds_per_image=seconds / len(samples))
    out.write_text(json.dumps(data, indent=1, default=float))


if __name__ == "__main__":
    main()
