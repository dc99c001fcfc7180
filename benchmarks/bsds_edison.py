"""EDISON (through pymeanshift) on the BSDS500 region benchmark, beside
classicseg.mean_shift on the same sweep: is the published Mean Shift row (covering
0.54, PRI 0.79, VoI 1.85, test split) what the reference code gives on val here?

    python benchmarks/bsds_edison.py [--limit 100] [--speedup 1]

pymeanshift is built by ../shared/peers/install-pymeanshift.sh.  Both get h_s = 7 and
the grid of range_radius x min_size below; labels are scored by
``classicseg.metrics.BSDSRegionAccumulator`` (regions only).  Results:
benchmarks/results/meanshift_edison_bsds_val.json.
"""
import argparse
import json
import sys
import time

import classicseg
from classicseg.evaluation.bsds import bsds_samples
from classicseg.metrics import BSDSRegionAccumulator

from _bench import ROOT

RANGE_RADII = (5.0, 6.5, 8.0, 10.0, 13.0)
MIN_SIZES = (200, 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--speedup", type=int, default=1, help="EDISON speedup level")
    args = parser.parse_args()
    import pymeanshift
    grid = [{"range_radius": r, "min_size": m} for r in RANGE_RADII for m in MIN_SIZES]
    runs = {
        "edison": lambda img, s: pymeanshift.segment(
            img, spatial_radius=7, range_radius=s["range_radius"],
            min_density=s["min_size"], speedup_level=args.speedup)[1] + 1,
        "classicseg": lambda img, s: classicseg.mean_shift(
            img, 7, s["range_radius"], s["min_size"]),
    }
    accs = {name: BSDSRegionAccumulator(grid, boundary=False) for name in runs}
    seconds = {name: 0.0 for name in runs}
    samples = bsds_samples(root=args.data_root, split="val", limit=args.limit)
    for image_id, load in samples:
        image, gts, _ = load()
        for name, run in runs.items():
            start = time.perf_counter()
            segs = [run(image, s) for s in grid]
            seconds[name] += time.perf_counter() - start
            accs[name].update(gts, segs, image_id=image_id)
        print(image_id, file=sys.stderr, flush=True)
    report = {}
    for name, acc in accs.items():
        result = acc.compute()
        print(f"## {name} ({seconds[name] / len(samples) / len(grid):.2f} s per "
              f"image and setting)\n{result}\n")
        report[name] = result.to_dict()
    out = ROOT / "benchmarks" / "results" / "meanshift_edison_bsds_val.json"
    out.write_text(json.dumps(report, indent=1, default=float))


if __name__ == "__main__":
    main()
