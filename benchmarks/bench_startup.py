"""Start-up: ``import classicseg`` + the first ``slic`` call in a fresh process.

    python benchmarks/bench_startup.py [--repeats 3] [--image data/rocket.jpg]

Cold = an empty Numba cache (a new NUMBA_CACHE_DIR per run: every kernel is
compiled), warm = that cache filled.  Each figure is the median over ``--repeats``
fresh processes (wall seconds, and the child's CPU seconds beside it: compilation is
single-threaded, so CPU time is the steadier number on a shared machine).  One more
cold run records Numba's ``numba:compile`` events and prints the seconds each
top-level kernel took to compile (its callees included), and ``import classicseg``
alone is timed warm.  Results go to benchmarks/results/startup.json.
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
import json, sys, time
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
print(json.dumps(dict(wall=time.perf_counter() - t0, cpu=time.process_time() - c0,
                      import_s=t_import, compiled=compiled)))
"""


def run(cache, image, *, call=True, breakdown=False):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    argv = [sys.executable, "-c", _RUN, str(image), str(int(call)), str(int(breakdown))]
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def startup(image, repeats=3):
    """{'cold': s, 'cold_cpu': s, 'warm': s, 'warm_cpu': s, 'import': s}."""
    cold, warm, imports = [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(run(cache, image))
            warm.extend(run(cache, image) for _ in range(2))
            imports.append(run(cache, image, call=False)["import_s"])
    med = lambda runs, key: float(np.median([r[key] for r in runs]))  # noqa: E731
    return {"cold": med(cold, "wall"), "cold_cpu": med(cold, "cpu"),
            "warm": med(warm, "wall"), "warm_cpu": med(warm, "cpu"),
            "import": float(np.median(imports))}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--image", default=str(ROOT / "data" / "rocket.jpg"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" /
                                             "startup.json"))
    args = parser.parse_args()

    figures = startup(args.image, args.repeats)
    with tempfile.TemporaryDirectory() as cache:
        compiled = run(cache, args.image, breakdown=True)["compiled"]
    print(f"import classicseg + first slic ({args.image}), median of {args.repeats}:")
    print(f"  cold cache {figures['cold']:.2f} s (CPU {figures['cold_cpu']:.2f} s)")
    print(f"  warm cache {figures['warm']:.2f} s (CPU {figures['warm_cpu']:.2f} s); "
          f"import alone {figures['import']:.2f} s")
    print("compile seconds per top-level kernel (one cold run, CPU):")
    for name, seconds in sorted(compiled.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.2f}  {name}")
    report = {"date": date.today().isoformat(), "image": args.image,
              "repeats": args.repeats, **figures, "compile_s": compiled}
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
