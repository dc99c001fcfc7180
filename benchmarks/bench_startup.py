"""Start-up: ``import classicseg`` + the first ``slic`` call in a fresh process.

    python benchmarks/bench_startup.py [--repeats 3] [--image data/rocket.jpg]
                                       [--against PATH]

Cold = an empty Numba cache (a new NUMBA_CACHE_DIR per run: every kernel is
compiled), warm = that cache filled.  Each figure is the median over ``--repeats``
fresh processes: wall seconds, and CPU seconds beside it (the process's and its
children's, i.e. the background compilation of the connectivity kernel included).
"Cold, one process" turns that background compilation off
(``CLASSICSEG_BACKGROUND_COMPILE=0``).  One more such cold run records Numba's
``numba:compile`` events and prints the CPU seconds each top-level kernel took to
compile (its callees included); ``import classicseg`` alone is timed warm.

``--against PATH`` times the cold start of another checkout's classicseg (PATH is
the directory holding its ``classicseg/``, e.g. ``git worktree add /tmp/base
0501d97``) in alternation with this one, and reports the ratio of the medians.
Results go to benchmarks/results/startup.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_RUN = """
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
image, call, breakdown = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
compiled = {}
if breakdown:
    from numba.core import event

    class Tops(event.Listener):
        depth = 0

        def on_start(self, ev):
            if self.depth == 0:
                self.t = time.process_time()
            self.depth += 1

        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:
                name = ev.data["dispatcher"].py_func.__qualname__
                compiled[name] = compiled.get(name, 0) + time.process_time() - self.t
    event.register("numba:compile", Tops())
import classicseg
t_import = time.perf_counter() - t0
if call:
    import cv2
    img = cv2.imread(image)[..., ::-1]
    classicseg.slic(img, n=500)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps(dict(wall=time.perf_counter() - t0,
                      cpu=time.process_time() - c0 + children.ru_utime + children.ru_stime,
                      import_s=t_import, compiled=compiled, file=classicseg.__file__)))
"""


def run(cache, image, *, call=True, breakdown=False, background=True, package=ROOT):
    """One fresh process importing classicseg from ``package`` (a directory)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(package),
               CLASSICSEG_BACKGROUND_COMPILE="1" if background else "0")
    argv = [sys.executable, "-c", _RUN, str(image), str(int(call)), str(int(breakdown))]
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True,
                          cwd=cache)   # not ROOT: '' on sys.path would shadow PYTHONPATH
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = Path(package, "classicseg", "__init__.py").resolve()
    assert Path(result["file"]).resolve() == expected, (result["file"], expected)
    return result


def cold(image, **kwargs):
    with tempfile.TemporaryDirectory() as cache:
        return run(cache, image, **kwargs)


def startup(image, repeats=3, against=None):
    """Medians: {'cold', 'cold_cpu', 'cold_one_process', 'cold_one_process_cpu',
    'warm', 'warm_cpu', 'import'} (+ 'against_cold', 'against_cold_cpu')."""
    runs = {key: [] for key in ("cold", "cold_one_process", "warm", "import", "against")}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            runs["cold"].append(run(cache, image))
            runs["warm"].extend(run(cache, image) for _ in range(2))
            runs["import"].append(run(cache, image, call=False))
        runs["cold_one_process"].append(cold(image, background=False))
        if against:
            runs["against"].append(cold(image, package=against))
    figures = {"import": float(np.median([r["import_s"] for r in runs["import"]]))}
    for key in ("cold", "cold_one_process", "warm", "against"):
        if runs[key]:
            name = "against_cold" if key == "against" else key
            figures[name] = float(np.median([r["wall"] for r in runs[key]]))
            figures[name + "_cpu"] = float(np.median([r["cpu"] for r in runs[key]]))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--image", default=str(ROOT / "data" / "rocket.jpg"))
    parser.add_argument("--against", help="directory holding another classicseg/")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" /
                                             "startup.json"))
    args = parser.parse_args()

    figures = startup(args.image, args.repeats, args.against)
    compiled = cold(args.image, breakdown=True, background=False)["compiled"]
    print(f"import classicseg + first slic ({args.image}), median of {args.repeats}:")
    print(f"  cold cache {figures['cold']:.2f} s (CPU {figures['cold_cpu']:.2f} s)")
    print(f"  cold cache, one process {figures['cold_one_process']:.2f} s "
          f"(CPU {figures['cold_one_process_cpu']:.2f} s)")
    if args.against:
        figures["ratio_vs_against"] = figures["cold"] / figures["against_cold"]
        print(f"  cold cache, {args.against} {figures['against_cold']:.2f} s "
              f"(CPU {figures['against_cold_cpu']:.2f} s): ratio "
              f"{figures['ratio_vs_against']:.2f}")
    print(f"  warm cache {figures['warm']:.2f} s (CPU {figures['warm_cpu']:.2f} s); "
          f"import alone {figures['import']:.2f} s")
    print("compile seconds per top-level kernel (one cold run in one process, CPU):")
    for name, seconds in sorted(compiled.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.2f}  {name}")
    report = {"date": date.today().isoformat(), "image": args.image,
              "repeats": args.repeats, "against": args.against, **figures,
              "compile_s": compiled}
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
