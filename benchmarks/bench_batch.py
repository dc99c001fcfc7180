"""Batch throughput: ``classicseg segment --no-overlay`` (SLIC n=500, 16-bit label
PNGs) with 1 and 2 workers against a plain Python loop over
``skimage.segmentation.slic`` + ``skimage.io.imsave`` of the same 16-bit label PNGs,
on the BSDS500 train + val images (300).  One more run gives the one worker a single
Numba thread (``--threads 1``), as each of the two workers has: the scaling of
workers alone, apart from that of Numba's threads within one worker.  And the
same job on a local Dask cluster of 2 worker processes (``--dask local:2``; needs
``classicseg[dask]``), whose start and close are part of its time.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_batch.py [--limit N] [--rounds 3]
                                                            [--repeat K]

Each contender runs in its own process from a cold start (``subprocess``), as a user
would run it, on the same images; images/s = images / wall seconds (interpreter and
Numba cache start-up included).  Every round runs each contender once, in turn, so
that a noisy minute of a shared machine falls on all of them; the figures are
medians over the rounds, the ratios those of the medians (each round's are kept
too).  Each classicseg run's manifest gives its median seconds per image too: the
steady state of a large folder, where the start-up (about 1 s per run: imports,
then Numba's registries and cached kernels on the first image) no longer counts;
two workers' ratio there is that of 2 / their ms per image.  ``--repeat K`` makes
such a folder (each image listed K times) and times the local pool alone in it.
Results: benchmarks/results/batch.json (batch_repeatK.json).
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import batch_parser, bsds_images, link_folder, save_report

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


def wall(cmd, **options):
    """Wall seconds of ``subprocess.run(cmd, **options)``."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, **options)
    return time.perf_counter() - start


def per_image_ms(out):
    """The median of a run's per-image seconds (its manifest), in ms: the steady
    state, without the start-up that a wall time of 300 images includes."""
    entries = map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
    return 1000 * statistics.median(e["seconds"] for e in entries if e["status"] == "ok")


def segment_command(listing, out):
    """The measured job: ``classicseg segment`` of ``listing`` into ``out``, SLIC
    n=500, label maps only; a run's options go after it."""
    return [sys.executable, "-m", "classicseg.cli", "segment", str(listing),
            "-o", str(out), "--n", "500", "--quiet", "--no-overlay"]


CLASSICSEG_RUNS = (("1w", ["--workers", "1"]),
                   ("1w_1thread", ["--workers", "1", "--threads", "1"]),
                   ("2w", ["--workers", "2"]),
                   ("dask_local2", ["--dask", "local:2"]))


def one_round(listing, images, tmp, workers_only=False):
    """Wall seconds of each contender, once each, and each classicseg run's
    median ms per image; ``workers_only``: the local pool runs alone."""
    seconds, per_image = {}, {}
    for name, options in CLASSICSEG_RUNS:
        if workers_only and name == "dask_local2":
            continue
        seconds[f"classicseg_{name}"] = wall(segment_command(listing, tmp / name)
                                             + options)
        per_image[f"classicseg_{name}"] = per_image_ms(tmp / name)
    if not workers_only:
        out = tmp / "skimage"
        out.mkdir(parents=True)
        seconds["skimage_loop"] = wall([sys.executable, "-c", SKIMAGE_LOOP, str(out)]
                                       + images)
    return seconds, per_image


def ratios(seconds):
    """Speed ratios (images/s over images/s) of one set of wall seconds, of the
    contenders that ran."""
    pairs = {"ratio_2w_vs_skimage": ("skimage_loop", "classicseg_2w"),
             "ratio_2w_vs_1w": ("classicseg_1w", "classicseg_2w"),
             "ratio_2w_vs_1w_1thread": ("classicseg_1w_1thread", "classicseg_2w"),
             "ratio_dask_local2_vs_2w": ("classicseg_2w", "classicseg_dask_local2")}
    return {name: seconds[slow] / seconds[fast] for name, (slow, fast) in pairs.items()
            if slow in seconds and fast in seconds}


def steady_ratios(per_image):
    """Throughput ratios of the steady state: two workers each take their median
    ms per image, side by side."""
    two = per_image["classicseg_2w"] / 2
    return {"steady_2w_vs_1w": per_image["classicseg_1w"] / two,
            "steady_2w_vs_1w_1thread": per_image["classicseg_1w_1thread"] / two}


def main():
    parser = batch_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=1,
                        help="list each image this many times: a large folder, "
                             "where start-up no longer counts; then only the local "
                             "pool runs (no Dask, no scikit-image loop)")
    args = parser.parse_args()
    images = [str(p) for p in bsds_images(args.data_root, args.limit)] * args.repeat
    n = len(images)
    rounds, per_image_rounds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        listing = link_folder(images, Path(tmp) / "inputs")
        for r in range(args.rounds):
            seconds, per_image = one_round(listing, images, Path(tmp) / f"round{r}",
                                          workers_only=args.repeat > 1)
            rounds.append(seconds)
            per_image_rounds.append(per_image)
            print(f"round {r + 1}: " + ", ".join(f"{k} {s:.1f} s"
                                                  for k, s in seconds.items()))
    seconds = {k: statistics.median(one[k] for one in rounds) for k in rounds[0]}
    per_image = {k: statistics.median(one[k] for one in per_image_rounds)
                 for k in per_image_rounds[0]}
    rate = {k: n / s for k, s in seconds.items()}
    report = {"images": n, "repeat": args.repeat, "rounds": args.rounds,
              "seconds": seconds,
              "images_per_s": rate, **ratios(seconds),
              "per_image_ms": per_image, **steady_ratios(per_image),
              "each_round": [{"seconds": one, **ratios(one), "per_image_ms": ms}
                             for one, ms in zip(rounds, per_image_rounds)]}
    for k in seconds:
        print(f"{k}: {seconds[k]:.1f} s, {rate[k]:.2f} images/s (median)"
              + (f", {per_image[k]:.1f} ms per image" if k in per_image else ""))
    for name in (*ratios(seconds), *steady_ratios(per_image)):
        print(f"{name}: {report[name]:.2f}x")
    save_report("batch.json" if args.repeat == 1 else f"batch_repeat{args.repeat}.json",
                report)


if __name__ == "__main__":
    main()
