"""Where ``--workers auto`` should stop at one worker: the wall seconds of 1 and 2
workers on the first N BSDS500 train+val images (SLIC n=500, overlays on), for growing N,

- "fork": a fresh ``classicseg segment`` process (single-threaded: its pool forks,
  as the command's does);
- "forkserver": ``segment_files`` in a process that has run SLIC already (Numba's
  threads are up, so the pool starts from the forkserver, as in a notebook);

and what ``auto`` picks there.  Best of ``--runs`` per cell (a start-up cost is a
floor, not a spread).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_workers_auto.py [--runs 3]

Results: benchmarks/results/workers_auto.json.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import ROOT, save_report

SIZES = (2, 4, 8, 16, 32, 64, 128)

WARM_RUNS = """
import json, sys, tempfile, time
from pathlib import Path
import numpy as np
import classicseg
from classicseg import batch
from classicseg.batch import segment_files
if __name__ == "__main__":
    listing, sizes, runs = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
    classicseg.slic(np.zeros((64, 64, 3)), n=20)   # Numba threads up
    images = sorted(listing.iterdir())
    seconds = {}
    for n in sizes:
        for workers in (1, 2):
            best = float("inf")
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as out:
                    start = time.perf_counter()
                    segment_files(images[:n], out, params={"n": 500}, workers=workers,
                                  progress=False)
                    best = min(best, time.perf_counter() - start)
            seconds[f"{n} {workers}"] = best
    seconds["method"] = batch._start_method()
    seconds["auto"] = {n: batch._resolve_workers("auto", None, n, None) for n in sizes}
    print(json.dumps(seconds))
"""

FORK_AUTO = """
import json, sys
from classicseg import batch
print(json.dumps({"method": batch._start_method(),
                  "auto": {n: batch._resolve_workers("auto", None, n, None)
                           for n in json.loads(sys.argv[1])}}))
"""


def fresh_process_seconds(images, workers, runs):
    best = float("inf")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "classicseg.cli", "segment", *images,
                            "-o", out, "--n", "500", "--quiet", "--workers",
                            str(workers)], check=True)
            best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bsds = Path(args.data_root) / "bsds500" / "images"
    images = [str(p) for split in ("val", "train")
              for p in sorted((bsds / split).glob("*.jpg"))][:max(SIZES)]
    fork = {f"{n} {w}": fresh_process_seconds(images[:n], w, args.runs)
            for n in SIZES for w in (1, 2)}
    fork.update(json.loads(subprocess.run(
        [sys.executable, "-c", FORK_AUTO, json.dumps(SIZES)], check=True,
        capture_output=True, text=True).stdout))
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(images):
            (Path(tmp) / f"{i:03d}_{Path(path).name}").symlink_to(path)
        warm = json.loads(subprocess.run(
            [sys.executable, "-c", WARM_RUNS, tmp, json.dumps(SIZES), str(args.runs)],
            check=True, capture_output=True, text=True).stdout)
    report = {"images": list(SIZES), "fork": fork, "forkserver": warm}
    for name, cells in (("fork (fresh command)", fork), ("forkserver (warm)", warm)):
        print(f"{name}, start method {cells['method']}:")
        for n in SIZES:
            one, two = cells[f"{n} 1"], cells[f"{n} 2"]
            print(f"  {n:3d} images: 1 worker {one:.2f} s, 2 workers {two:.2f} s "
                  f"({one / two:.2f}x); auto picks {cells['auto'][str(n)]}")
    save_report("workers_auto.json", report)


if __name__ == "__main__":
    main()
