"""How soon ``classicseg segment`` stops after Ctrl-C (SIGINT) or SIGTERM, and that
it loses nothing: on the 300 BSDS500 train + val images, the signal goes to the
command's process group (as a terminal's Ctrl-C does) ``--delay`` seconds after the
first manifest line; then the seconds to exit, the exit code, and the outputs the
manifest does not record (must be 0) and temporary files left (must be 0).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_stop.py [--runs 3]

Results (medians over the runs): benchmarks/results/stop.json.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import ROOT, link_folder, save_report

RUNS = {"1 worker": ["--workers", "1"], "2 workers": ["--workers", "2"],
        "2 workers meanshift": ["--workers", "2", "--method", "meanshift"],
        "dask local:2": ["--dask", "local:2", "--threads", "1"]}


def stop_once(listing, out, options, signum, delay):
    cmd = [sys.executable, "-m", "classicseg.cli", "segment", str(listing), "-o",
           str(out), "--quiet"] + options
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    while not (manifest.is_file() and manifest.stat().st_size):
        time.sleep(0.01)
    time.sleep(delay)
    start = time.perf_counter()
    os.killpg(proc.pid, signum)
    code = proc.wait()
    seconds = time.perf_counter() - start
    entries = [json.loads(line) for line in manifest.read_text().splitlines()]
    recorded = {p for e in entries for p in e["outputs"]}
    written = {str(p) for p in out.glob("*.png")}
    return {"seconds": seconds, "exit_code": code, "recorded": len(entries),
            "unrecorded": len(written - recorded),
            "temporary": len(list(out.rglob("*.tmp")))}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=1.5)
    args = parser.parse_args()
    images = sorted((Path(args.data_root) / "bsds500" / "images").rglob("*.jpg"))
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        listing = link_folder(images, Path(tmp) / "inputs")
        for name, options in RUNS.items():
            for signum in (signal.SIGINT, signal.SIGTERM):
                runs = [stop_once(listing, Path(tempfile.mkdtemp(dir=tmp)), options,
                                  signum, args.delay) for _ in range(args.runs)]
                key = f"{name}, {signum.name}"
                report[key] = {"seconds_median": statistics.median(
                                   r["seconds"] for r in runs),
                               "exit_codes": sorted({r["exit_code"] for r in runs}),
                               "unrecorded": sum(r["unrecorded"] for r in runs),
                               "temporary": sum(r["temporary"] for r in runs),
                               "recorded": [r["recorded"] for r in runs]}
                print(f"{key}: exits {report[key]['seconds_median']:.2f} s after the "
                      f"signal (median of {args.runs}), code {report[key]['exit_codes']}, "
                      f"{report[key]['unrecorded']} unrecorded outputs, "
                      f"{report[key]['temporary']} temporary files")
    save_report("stop.json", report)


if __name__ == "__main__":
    main()
