"""Batch throughput: ``classicseg segment --no-overlay`` (SLIC n=500, 16-bit label
PNGs) with 1 and 2 workers against a plain Python loop over
``skimage.segmentation.slic`` + ``skimage.io.imsave`` of the same 16-bit label PNGs,
on the BSDS500 train + val images (300).  One more run gives the one worker a single
Numba thread (``--threads 1``), as each of the two workers has: the scaling of
workers alone, apart from that of Numba's threads within one worker.  And the
same job on a local Dask cluster of 2 worker processes (``--dask local:2``; needs
``classicseg[dask]``), whose start and close are part of its time.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_batch.py [--limit N] [--rounds 3]

Each contender runs in its own process from a cold start (``subprocess``), as a user
would run it, on the same images; images/s = images / wall seconds (interpreter and
Numba cache start-up included).  Every round runs each contender once, in turn, so
that a noisy minute of a shared machine falls on all of them; the figures are
medians over the rounds, the ratios those of the medians (each round's are kept
too).  Results: benchmarks/results/batch.json.
"""
import argparse
import statistics
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


def one_round(listing, images, tmp):
    """Wall seconds of each contender, once each."""
    seconds = {}
    for name, options in (("1w", ["--workers", "1"]),
                          ("1w_1thread", ["--workers", "1", "--threads", "1"]),
                          ("2w", ["--workers", "2"]),
                          ("dask_local2", ["--dask", "local:2"])):
        seconds[f"classicseg_{name}"] = wall(
            [sys.executable, "-m", "classicseg.cli", "segment", str(listing),
             "-o", str(tmp / name), "--n", "500", "--quiet", "--no-overlay"]
            + options)
    out = tmp / "skimage"
    out.mkdir(parents=True)
    seconds["skimage_loop"] = wall([sys.executable, "-c", SKIMAGE_LOOP, str(out)]
                                   + images)
    return seconds


def ratios(seconds):
    """Speed ratios (images/s over images/s) of one set of wall seconds."""
    return {"ratio_2w_vs_skimage": seconds["skimage_loop"] / seconds["classicseg_2w"],
            "ratio_2w_vs_1w": seconds["classicseg_1w"] / seconds["classicseg_2w"],
            "ratio_2w_vs_1w_1thread": (seconds["classicseg_1w_1thread"]
                                       / seconds["classicseg_2w"]),
            "ratio_dask_local2_vs_2w": (seconds["classicseg_2w"]
                                        / seconds["classicseg_dask_local2"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    images = sorted((Path(args.data_root) / "bsds500" / "images").rglob("*.jpg"))
    images = [str(p) for p in images[:args.limit]]
    n = len(images)
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "inputs"
        listing.mkdir()
        for i, path in enumerate(images):   # one flat folder of links: one input
            (listing / f"{i:04d}_{Path(path).name}").symlink_to(path)
        for r in range(args.rounds):
            rounds.append(one_round(listing, images, Path(tmp) / f"round{r}"))
            print(f"round {r + 1}: " + ", ".join(f"{k} {s:.1f} s"
                                                  for k, s in rounds[-1].items()))
    seconds = {k: statistics.median(one[k] for one in rounds) for k in rounds[0]}
    rate = {k: n / s for k, s in seconds.items()}
    report = {"images": n, "rounds": args.rounds, "seconds": seconds,
              "images_per_s": rate, **ratios(seconds),
              "each_round": [{"seconds": one, **ratios(one)} for one in rounds]}
    for k in seconds:
        print(f"{k}: {seconds[k]:.1f} s, {rate[k]:.2f} images/s (median)")
    print(f"2 workers vs scikit-image loop: {report['ratio_2w_vs_skimage']:.1f}x; "
          f"2 workers vs 1: {report['ratio_2w_vs_1w']:.2f}x "
          f"(vs 1 with one thread: {report['ratio_2w_vs_1w_1thread']:.2f}x); "
          f"--dask local:2 vs 2 workers: {report['ratio_dask_local2_vs_2w']:.2f}x")
    save_report("batch.json", report)


if __name__ == "__main__":
    main()
