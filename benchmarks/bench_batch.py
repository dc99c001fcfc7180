"""Batch throughput: ``classicseg segment --no-overlay`` (SLIC n=500, 16-bit label
PNGs) with 1 and 2 workers against a plain Python loop over
``skimage.segmentation.slic`` + ``skimage.io.imsave`` of the same 16-bit label PNGs,
on the BSDS500 train + val images (300).  One more run gives the one worker a single
Numba thread (``--threads 1``), as each of the two workers has: the scaling of
workers alone, apart from that of Numba's threads within one worker.  And the
same job on a local Dask cluster of 2 worker processes (``--dask local:2``; needs
``classicseg[dask]``), whose start and close are part of its time.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_batch.py [--limit N]

Each contender runs in its own process from a cold start (``subprocess``), as a user
would run it, on the same images; images/s = images / wall seconds (interpreter and
Numba cache start-up included).  Results: benchmarks/results/batch.json.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import ROOT, save_report

SKIMAGE_LOOP = """
import sys
from pathlib import Path
import numpy as np
from skimage import io, segmentation
out = Path(sys.argv[1])
for path in sys.argv[2:]:
    image = io.imread(path)
    labels = segmentation.slic(image, n_segments=500, start_label=1)
    io.imsave(out / (Path(path).stem + "_labels.png"), labels.astype(np.uint16),
              check_contrast=False)
"""


def wall(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    images = sorted((Path(args.data_root) / "bsds500" / "images").rglob("*.jpg"))
    images = [str(p) for p in images[:args.limit]]
    n = len(images)
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "inputs"
        listing.mkdir()
        for i, path in enumerate(images):   # one flat folder of links: one input
            (listing / f"{i:04d}_{Path(path).name}").symlink_to(path)
        for name, options in (("1w", ["--workers", "1"]),
                              ("1w_1thread", ["--workers", "1", "--threads", "1"]),
                              ("2w", ["--workers", "2"]),
                              ("dask_local2", ["--dask", "local:2"])):
            seconds[f"classicseg_{name}"] = wall(
                [sys.executable, "-m", "classicseg.cli", "segment", str(listing),
                 "-o", str(Path(tmp) / name), "--n", "500", "--quiet", "--no-overlay"]
                + options)
        out = Path(tmp) / "skimage"
        out.mkdir()
        seconds["skimage_loop"] = wall([sys.executable, "-c", SKIMAGE_LOOP, str(out)]
                                       + images)
    rate = {k: n / s for k, s in seconds.items()}
    report = {"images": n, "seconds": seconds, "images_per_s": rate,
              "ratio_2w_vs_skimage": rate["classicseg_2w"] / rate["skimage_loop"],
              "ratio_2w_vs_1w": rate["classicseg_2w"] / rate["classicseg_1w"],
              "ratio_2w_vs_1w_1thread": (rate["classicseg_2w"]
                                         / rate["classicseg_1w_1thread"]),
              "ratio_dask_local2_vs_2w": (rate["classicseg_dask_local2"]
                                          / rate["classicseg_2w"])}
    for k in seconds:
        print(f"{k}: {seconds[k]:.1f} s, {rate[k]:.2f} images/s")
    print(f"2 workers vs scikit-image loop: {report['ratio_2w_vs_skimage']:.1f}x; "
          f"2 workers vs 1: {report['ratio_2w_vs_1w']:.2f}x "
          f"(vs 1 with one thread: {report['ratio_2w_vs_1w_1thread']:.2f}x); "
          f"--dask local:2 vs 2 workers: {report['ratio_dask_local2_vs_2w']:.2f}x")
    save_report("batch.json", report)


if __name__ == "__main__":
    main()
