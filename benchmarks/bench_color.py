"""Colour conversion and boundary drawing: classicseg vs scikit-image, side by side.

    python benchmarks/bench_color.py [--repeats 7] [--threads 0]

* ``rgb2lab`` (uint8, float64 and float32 input), ``lab2rgb``, ``find_boundaries``
  (modes thick/inner/outer; subpixel on the small image only, scikit-image's takes
  seconds) and ``mark_boundaries`` (default mode 'outer') against their
  scikit-image namesakes, on BSDS500 val ``103070.jpg`` (481x321) and the same image
  resized with ``cv2.INTER_CUBIC`` to 3072x2048 (as PEERS.md); label maps are
  scikit-image SLIC (n=500) of each image, made once and not timed;
* each call is timed alone (``time.perf_counter``), one warm-up call excluded, median
  of ``--repeats`` calls, the two libraries alternating in the same process; ratio =
  scikit-image time / classicseg time;
* classicseg runs with Numba's default thread count (``--threads 0``) or the number
  given; scikit-image is single-threaded.  Add ``--threads 1`` for a per-core view;
* the cold first call (Numba compilation with an empty cache, in a fresh process) and
  the first call in a fresh process that loads the kernels from the on-disk cache are
  reported apart;
* ``--accuracy``: instead of timing, the largest differences to scikit-image's
  ``rgb2lab``/``lab2rgb`` on random images, the repo's samples and 10 BSDS500 val
  images, in float64 and float32.

Without ../shared/data (or $CLASSICSEG_DATA) ``data/chelsea.png`` is used instead.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CLASSICSEG_DATA", REPO.parent / "shared" / "data"))

FIRST_CALL = """
import time, numpy as np
t = time.perf_counter()
from classicseg import rgb2lab, find_boundaries, mark_boundaries
imported = time.perf_counter()
rgb = np.zeros((8, 8, 3), np.uint8); labels = np.ones((8, 8), np.int32)
rgb2lab(rgb); a = time.perf_counter()
rgb2lab(rgb / 255.0); rgb2lab(rgb.astype(np.float32)); b = time.perf_counter()
find_boundaries(labels); c = time.perf_counter()
mark_boundaries(rgb, labels); d = time.perf_counter()
print(imported - t, a - imported, b - a, c - b, d - c)
"""
FIRST_CALL_NAMES = ("import classicseg", "rgb2lab uint8", "rgb2lab float64+float32",
                    "find_boundaries", "mark_boundaries")


def first_calls(cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def load_image():
    path = DATA / "bsds500" / "images" / "val" / "103070.jpg"
    if not path.exists():
        path = REPO / "data" / "chelsea.png"
    from classicseg.io import read_image
    return path.name, read_image(path)


def median_pair(ours, theirs, repeats):
    ours(), theirs()  # warm-up
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        for fn, times in ((ours, t_ours), (theirs, t_theirs)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return float(np.median(t_ours)), float(np.median(t_theirs))


def cases(rgb, labels, big):
    from skimage import color as skcolor
    from skimage import segmentation as skseg

    import classicseg as cs
    f64, f32 = rgb / 255.0, rgb.astype(np.float32) / 255
    lab = cs.rgb2lab(rgb)
    yield "rgb2lab uint8", lambda: cs.rgb2lab(rgb), lambda: skcolor.rgb2lab(rgb)
    yield "rgb2lab float64", lambda: cs.rgb2lab(f64), lambda: skcolor.rgb2lab(f64)
    yield "rgb2lab float32", lambda: cs.rgb2lab(f32), lambda: skcolor.rgb2lab(f32)
    yield "lab2rgb float64", lambda: cs.lab2rgb(lab), lambda: skcolor.lab2rgb(lab)
    for mode in ("thick", "inner", "outer") + (() if big else ("subpixel",)):
        yield (f"find_boundaries {mode}", lambda m=mode: cs.find_boundaries(labels, mode=m),
               lambda m=mode: skseg.find_boundaries(labels, mode=m))
    yield ("mark_boundaries", lambda: cs.mark_boundaries(rgb, labels),
           lambda: skseg.mark_boundaries(rgb, labels))


def accuracy():
    import glob
    import warnings

    from skimage import color as skcolor

    import classicseg as cs
    from classicseg.io import read_image
    warnings.simplefilter("ignore")  # skimage's lab2rgb warns when it clips Z
    rng = np.random.default_rng(0)
    inputs = [("random float64 [0, 1] 512x512", rng.random((512, 512, 3))),
              ("random float64 [-0.5, 3] 256x256 (out of gamut)",
               rng.uniform(-0.5, 3, (256, 256, 3))),
              ("random uint8 512x512", rng.integers(0, 256, (512, 512, 3)).astype(np.uint8))]
    paths = [REPO / "data" / "chelsea.png", REPO / "data" / "rocket.jpg"]
    paths += sorted(glob.glob(str(DATA / "bsds500" / "images" / "val" / "*.jpg")))[:10]
    inputs += [(f"{Path(p).name} (uint8)", read_image(p)) for p in paths]
    print("| input | rgb2lab vs skimage (as given) | our float32 vs skimage float64 "
          "| skimage float32 vs skimage float64 | lab2rgb vs skimage |")
    print("|---|---:|---:|---:|---:|")
    for name, rgb in inputs:
        ref = skcolor.rgb2lab(rgb)
        f32 = rgb.astype(np.float32) / (255 if rgb.dtype == np.uint8 else 1)
        diffs = (np.abs(cs.rgb2lab(rgb) - ref).max(), np.abs(cs.rgb2lab(f32) - ref).max(),
                 np.abs(skcolor.rgb2lab(f32) - ref).max(),
                 np.abs(cs.lab2rgb(ref) - skcolor.lab2rgb(ref)).max())
        print(f"| {name} | " + " | ".join(f"{d:.1e}" for d in diffs) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed calls (default 7)")
    parser.add_argument("--threads", type=int, default=0,
                        help="Numba threads for classicseg (default 0: Numba's default)")
    parser.add_argument("--accuracy", action="store_true",
                        help="print the differences to scikit-image instead of timing")
    args = parser.parse_args(argv)
    if args.accuracy:
        accuracy()
        return 0

    with tempfile.TemporaryDirectory() as cache:
        cold = first_calls(cache)
        cached = first_calls(cache)
    print("| first call in a fresh process | empty Numba cache (compile) | cached |")
    print("|---|---:|---:|")
    for name, a, b in zip(FIRST_CALL_NAMES, cold, cached):
        print(f"| {name} | {a:.2f} s | {b:.3f} s |")

    import numba
    from skimage.segmentation import slic
    if args.threads:
        numba.set_num_threads(args.threads)
    name, small = load_image()
    large = cv2.resize(small, (3072, 2048), interpolation=cv2.INTER_CUBIC)
    print(f"\nimage {name}; classicseg threads: {numba.get_num_threads()}; "
          f"median of {args.repeats}\n")
    print("| work | size | classicseg | scikit-image | ratio |")
    print("|---|---|---:|---:|---:|")
    for rgb in (small, large):
        big = rgb.shape[0] > 1000
        labels = slic(rgb, n_segments=500, start_label=1).astype(np.int32)
        size = f"{rgb.shape[1]}x{rgb.shape[0]}"
        for work, ours, theirs in cases(rgb, labels, big):
            repeats = args.repeats if not (work.endswith("subpixel")) else 1
            a, b = median_pair(ours, theirs, repeats)
            print(f"| {work} | {size} | {a * 1e3:.2f} ms | {b * 1e3:.1f} ms | {b / a:.1f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
