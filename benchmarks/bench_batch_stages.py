"""Where a batch worker's time per image goes, at 1 and at 2 Numba threads: the
stages of ``classicseg segment --no-overlay`` (SLIC n=500, 16-bit label PNGs) on
the BSDS500 train + val images (300), timed inside the real per-image path.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_batch_stages.py [--limit N]
                                                                   [--rounds 3]

It explains the scaling bench_batch.py measures.  Two workers, one thread each,
give 2 / t1 images/s side by side (t1: ms per image at one thread); one worker
with both cores' threads gives 1 / t2.  So 2 workers / 1 worker = 2 t2 / t1 in the steady
state: it reaches 1.7 only if t2 >= 0.85 t1, i.e. if a second Numba thread saves
a worker at most 15% of its time per image.  The report gives what it saves, and
each stage's time and speed-up.

Both thread counts run in one process, in turn (each first every other round),
on the same images; the figures are medians over the rounds of each round's mean.
Results: benchmarks/results/batch_stages.json.
"""
import collections
import importlib
import statistics
import tempfile
import time
from pathlib import Path

import numba

from _bench import batch_parser, bsds_images, save_report

batch = importlib.import_module("classicseg.batch")
slic_module = importlib.import_module("classicseg.slic")   # not classicseg.slic()

STAGES = ((batch, "read_image", "read"),
          (slic_module, "_features", "lab"),
          (slic_module, "_grid_shape", "seeds"),
          (slic_module, "_seed_centers", "seeds"),
          (slic_module, "_slic_kernel", "iterations"),
          (slic_module, "_enforce_connectivity", "connectivity"),
          (batch, "write_labels", "write"))
TARGET = 1.7   # issue 13: 2 workers >= 1.7x 1 worker


def time_stages(spent):
    """Wrap each stage's function so that its seconds add up in ``spent``."""
    for module, name, stage in STAGES:
        def timed(*args, _func=getattr(module, name), _stage=stage, **kwargs):
            start = time.perf_counter()
            try:
                return _func(*args, **kwargs)
            finally:
                spent[_stage] += time.perf_counter() - start
        setattr(module, name, timed)


def one_pass(images, out, task, spent):
    """Mean ms per image of each stage, and of the whole path, over ``images``."""
    spent.clear()
    for i, path in enumerate(images):
        report = batch._segment_one(path, out / f"{i:04d}", task)
        assert report["status"] == "ok", report
        spent["total"] += report["seconds"]
    ms = {stage: 1000 * s / len(images) for stage, s in spent.items()}
    ms["other"] = ms["total"] - sum(v for k, v in ms.items() if k != "total")
    return ms


def main():
    args = batch_parser(__doc__).parse_args()
    images = bsds_images(args.data_root, args.limit)
    segmenter = batch.segmenters.get("slic")
    task = batch._Task("slic", segmenter.resolve({"n": 500}), "auto", False)
    batch._keep_freed_memory()   # as in every worker
    spent = collections.defaultdict(float)
    time_stages(spent)
    runs = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        one_pass(images[:2], Path(tmp) / "warm", task, spent)   # cached kernels loaded
        for r in range(args.rounds):
            for threads in (1, 2) if r % 2 == 0 else (2, 1):   # neither always first
                numba.set_num_threads(threads)
                runs[threads].append(one_pass(images, Path(tmp) / f"{r}_{threads}",
                                              task, spent))
    ms = {threads: {stage: statistics.median(one[stage] for one in each)
                    for stage in each[0]} for threads, each in runs.items()}
    ratio = 2 * ms[2]["total"] / ms[1]["total"]
    saved = 1 - ms[2]["total"] / ms[1]["total"]
    report = {"images": len(images), "rounds": args.rounds,
              "ms_per_image": {f"{t}_thread{'s' * (t > 1)}": v for t, v in ms.items()},
              "speedup_of_2_threads": {stage: ms[1][stage] / ms[2][stage]
                                       for stage in ms[1]},
              "second_thread_saves": saved,
              "second_thread_may_save_for_target": 1 - TARGET / 2,
              "steady_2w_vs_1w": ratio,
              "each_round": runs}
    print(f"{'ms per image':14s} {'1 thread':>9s} {'2 threads':>9s} {'speed-up':>9s}")
    for stage in ms[1]:
        print(f"{stage:14s} {ms[1][stage]:9.2f} {ms[2][stage]:9.2f} "
              f"{ms[1][stage] / ms[2][stage]:8.2f}x")
    print(f"the second thread saves {saved:.0%} of a worker's time (at most "
          f"{1 - TARGET / 2:.0%} for {TARGET}x); 2 workers / 1 worker = 2 t2 / t1 = "
          f"{ratio:.2f}x")
    save_report("batch_stages.json", report)


if __name__ == "__main__":
    main()
