"""How a ``classicseg segment --resume`` with nothing left to do scales with the
folder: N tiny PNGs, each with its outputs (empty) and an "ok" manifest line (as a
finished run leaves them); the resume is timed in a fresh process, with its peak
resident memory, against the same command on an empty folder (the imports).
Then the memory of a run that segments M such images with 2 workers (the peak of
the command's own process, which plans the run and writes the manifest).

    python benchmarks/bench_resume_scale.py [--images 10000 100000] [--segment 20000]

Results: benchmarks/results/resume_scale.json.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from _bench import save_report

PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
# the command's own process, not its workers' (they start with its imports and
# then load the compiled kernels)
OWN_PEAK_RSS = """
import resource, sys
from classicseg.cli import main
assert main(sys.argv[1:]) == 0
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def tiny_images(src, n):
    src.mkdir()
    png = cv2.imencode(".png", np.random.default_rng(0).integers(
        0, 256, (16, 16, 3), np.uint8))[1].tobytes()
    for i in range(n):
        (src / f"img{i:07d}.png").write_bytes(png)


def finished_run(folder, n):
    """``folder/in`` of n PNGs and ``folder/out`` as a finished run leaves it."""
    src, out = folder / "in", folder / "out"
    tiny_images(src, n)
    segment(src / "img0000000.png", out)
    first = json.loads((out / "manifest.jsonl").read_text().splitlines()[0])
    with open(out / "manifest.jsonl", "w") as manifest:
        for i in range(n):
            entry = {**first, "input": str(src / f"img{i:07d}.png"),
                     "outputs": [str(out / f"img{i:07d}{end}")
                                 for end in ("_labels.png", "_overlay.png")],
                     "bytes": [0, 0]}   # the outputs, emptied below
            manifest.write(json.dumps(entry) + "\n")
            for path in entry["outputs"]:
                Path(path).write_bytes(b"")
    return src, out


def segment(inputs, out, *options, workers_too=True):
    """Wall seconds and peak RSS (MB) of ``classicseg segment`` in a fresh process
    (with ``workers_too``, the largest of it and its workers)."""
    command = ["segment", str(inputs), "-o", str(out), "--n", "4", "--quiet", *options]
    start = time.perf_counter()
    if workers_too:
        peak_kb = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "classicseg.cli",
             *command], check=True, capture_output=True, text=True).stdout
    else:
        peak_kb = subprocess.run([sys.executable, "-c", OWN_PEAK_RSS, *command],
                                 check=True, capture_output=True,
                                 text=True).stderr.split()[-1]
    return time.perf_counter() - start, int(peak_kb) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--segment", type=int, default=20_000)
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "empty").mkdir()
        _, report["imports_mb"] = segment(Path(tmp) / "empty", Path(tmp) / "none")
        for n in args.images:
            with tempfile.TemporaryDirectory() as folder:
                src, out = finished_run(Path(folder), n)
                seconds, peak = segment(src, out, "--resume")
                with open(out / "manifest.jsonl") as manifest:   # nothing redone
                    assert sum(1 for _ in manifest) == n
                per_image_kb = (peak - report["imports_mb"]) * 1024 / n
                report[n] = {"seconds": seconds, "peak_mb": peak,
                             "kb_per_image": per_image_kb}
                print(f"{n} images: {seconds:.1f} s, peak {peak:.0f} MB "
                      f"({per_image_kb:.2f} KB per image above the "
                      f"{report['imports_mb']:.0f} MB of the imports)")
        with tempfile.TemporaryDirectory() as folder:
            tiny_images(Path(folder) / "in", args.segment)
            seconds, peak = segment(Path(folder) / "in", Path(folder) / "out",
                                    "--workers", "2", workers_too=False)
            per_image_kb = (peak - report["imports_mb"]) * 1024 / args.segment
            report["segment"] = {"images": args.segment, "seconds": seconds,
                                 "peak_mb": peak, "kb_per_image": per_image_kb}
            print(f"segmenting {args.segment} images, 2 workers: {seconds:.1f} s, "
                  f"peak {peak:.0f} MB ({per_image_kb:.2f} KB per image)")
    save_report("resume_scale.json", report)


if __name__ == "__main__":
    main()
