"""Meyer's watershed side by side with scikit-image and OpenCV.

    python benchmarks/bench_watershed.py bsds [--limit K]
        100 BSDS500 val images (481x321): elevation sobel(rgb2gray(img)), markers
        ndi.label(h_minima(elevation, 0.08)) as in PEERS.md, computed once by
        scikit-image and given to both watersheds.  Median time per image (one
        warm-up call first, then one timed call per image and method), the ratio of
        the medians, and the share of pixels labelled as scikit-image does.
    python benchmarks/bench_watershed.py big
        the same on 103070.jpg resized (cv2.INTER_CUBIC) to 3072x2048; median of 5
        interleaved rounds.
    python benchmarks/bench_watershed.py volume
        a 256^3 volume (Gaussian-smoothed noise, sigma 4), elevation
        classicseg.gradient_magnitude (3-D Sobel, float32), markers its h-minima
        (h = 3e-4, about 20k markers); median of 3.
    python benchmarks/bench_watershed.py memory
        peak additional memory of one watershed call on the 6 Mpx image and the
        256^3 volume, ours against scikit-image's, each in a fresh subprocess.
    python benchmarks/bench_watershed.py quality [--limit K]
        BSDS500 region benchmark (classicseg.evaluation.bsds_region_benchmark) of
        watershed(gradient_magnitude(img, sigma), h=h) over an h sweep.

Not timed: image loading, the elevation (gradient) and, except in the "markers"
rows, the markers.  cv2.watershed floods its own colour-difference priority on the
8-bit RGB image (it takes no elevation): its row is a speed reference only.
Memory: peak resident set size of the call (VmHWM, reset through
/proc/self/clear_refs just before the call) minus the resident size before it, in a
fresh subprocess per measurement, so NumPy, Numba (NRT) and C/Cython (malloc)
allocations all count; inputs are loaded and every kernel is compiled (or loaded
from Numba's cache) before the reset.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _memory import peak_memory_mb

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bsds500"
H = 0.08


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _setup_2d(rgb):
    from scipy import ndimage as ndi
    from skimage.color import rgb2gray
    from skimage.filters import sobel
    from skimage.morphology import h_minima

    grad = sobel(rgb2gray(rgb))
    return grad, ndi.label(h_minima(grad, H))[0]


def _methods(rgb, grad, markers):
    """name -> (callable, reference name for agreement or None)."""
    import cv2
    from scipy import ndimage as ndi
    from skimage.morphology import h_minima
    from skimage.segmentation import watershed as sk_ws

    from classicseg import h_minima_markers, watershed

    top = grad.max()
    g8 = np.round(grad / top * 255).astype(np.uint8)
    g16 = np.round(grad / top * 65535).astype(np.uint16)
    g32 = grad.astype(np.float32)
    bgr = np.ascontiguousarray(rgb[..., ::-1]) if rgb is not None else None
    full = ndi.generate_binary_structure(grad.ndim, grad.ndim)
    m = {
        "skimage": (lambda: sk_ws(grad, markers), None),
        "classicseg": (lambda: watershed(grad, markers), "skimage"),
        "skimage float32": (lambda: sk_ws(g32, markers), None),
        "classicseg float32": (lambda: watershed(g32, markers), "skimage float32"),
        "classicseg uint16": (lambda: watershed(g16, markers), None),
        "classicseg uint8": (lambda: watershed(g8, markers), None),
        "skimage line": (lambda: sk_ws(grad, markers, watershed_line=True), None),
        "classicseg line": (lambda: watershed(grad, markers, watershed_line=True),
                            "skimage line"),
        "skimage conn2": (lambda: sk_ws(grad, markers, connectivity=2), None),
        "classicseg conn2": (lambda: watershed(grad, markers, connectivity=2),
                             "skimage conn2"),
        "skimage compact": (lambda: sk_ws(grad, markers, compactness=0.01), None),
        "classicseg compact": (lambda: watershed(grad, markers, compactness=0.01),
                               "skimage compact"),
        "skimage markers": (lambda: ndi.label(h_minima(grad, H), full)[0], None),
        "classicseg markers": (lambda: h_minima_markers(grad, H, connectivity=2),
                               "skimage markers"),
    }
    if bgr is not None:
        m["cv2.watershed"] = (lambda: cv2.watershed(bgr, markers.astype(np.int32)),
                              None)
    return m


def _some_markers(markers):
    """A crop's markers for a warm-up call, with at least one marker."""
    markers = markers.copy()
    markers.flat[0] = max(markers.flat[0], 1)
    return markers


def _run(cases, repeat=1):
    """cases: list of (rgb, grad, markers).  Each case's methods run in ``repeat``
    interleaved rounds (the machine's speed drifts over seconds: rounds keep the
    methods' conditions alike).  Returns {name: [median seconds per case]},
    {name: [share of pixels labelled as the reference]}."""
    times, same = {}, {}
    for k, case in enumerate(cases):
        methods = _methods(*case)
        if k == 0:  # warm-up: compile / load kernels
            small = tuple(slice(0, 32) for _ in case[1].shape)
            for fn, _ in _methods(None if case[0] is None else case[0][small],
                                  case[1][small],
                                  _some_markers(case[2][small])).values():
                fn()
        seconds, results = {}, {}
        for _ in range(repeat):
            for name, (fn, _) in methods.items():
                t, out = _timed(fn)
                seconds.setdefault(name, []).append(t)
                results.setdefault(name, out)
        for name, (fn, ref) in methods.items():
            times.setdefault(name, []).append(np.median(seconds[name]))
            if ref is not None:
                same.setdefault(name, []).append(
                    float((results[name] == results[ref]).mean()))
    return times, same


def _report(title, times, same):
    print(f"\n### {title}\n")
    print("| method | median ms | skimage / this | same labels as skimage |")
    print("|---|---:|---:|---:|")
    base = {"line": "skimage line", "conn2": "skimage conn2",
            "compact": "skimage compact", "markers": "skimage markers",
            "float32": "skimage float32"}
    for name, t in times.items():
        ref = next((v for k, v in base.items() if name.endswith(k)), "skimage")
        ratio = (f"{np.median(times[ref]) / np.median(t):.2f}" if ref in times
                 else "")
        agree = (f"{np.mean(same[name]):.5f} (min {np.min(same[name]):.5f})"
                 if name in same else "")
        print(f"| {name} | {np.median(t) * 1e3:.1f} | {ratio} | {agree} |")


def bsds(args):
    from skimage.io import imread

    paths = sorted((DATA / "images" / "val").glob("*.jpg"))[: args.limit]
    cases = []
    for p in paths:
        rgb = imread(p)
        cases.append((rgb, *_setup_2d(rgb)))
    _report(f"BSDS500 val, {len(cases)} images 481x321", *_run(cases))


def _big_image():
    import cv2
    bgr = cv2.imread(str(DATA / "images" / "val" / "103070.jpg"))
    bgr = cv2.resize(bgr, (3072, 2048), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(bgr[..., ::-1])


def _volume():
    from scipy import ndimage as ndi

    from classicseg import gradient_magnitude, h_minima_markers

    rng = np.random.default_rng(0)
    vol = ndi.gaussian_filter(rng.random((256, 256, 256), np.float32), 4)
    grad = gradient_magnitude(vol, channel_axis=None)
    return grad, h_minima_markers(grad, 3e-4)


def big(args):
    rgb = _big_image()
    _report("103070.jpg at 3072x2048 (6.3 Mpx)", *_run([(rgb, *_setup_2d(rgb))], 5))


def volume(args):
    from skimage.segmentation import watershed as sk_ws

    from classicseg import watershed

    grad, markers = _volume()
    print(f"volume 256^3, {markers.max()} markers")
    times, same = {}, {}
    watershed(grad[:32, :32, :32], _some_markers(markers[:32, :32, :32]))
    ref = None
    for key, fn in (("skimage", sk_ws), ("classicseg", watershed),
                    ("classicseg line", lambda g, m: watershed(g, m,
                                                               watershed_line=True))):
        runs = [_timed(lambda: fn(grad, markers)) for _ in range(3)]
        times[key] = [np.median([t for t, _ in runs])]
        if key == "classicseg":
            same[key] = [float((runs[0][1] == ref).mean())]
        ref = runs[0][1]
    _report("256^3 volume", times, same)
    print("\n(skimage with watershed_line=True is not run on the volume: it queues "
          "pixels again and again around lines; on a 96^3 crop of the same kind it "
          "took 56 s against 0.44 s here.)")


# ------------------------------------------------------------------ memory

def _memory_child(method, path):
    from skimage.segmentation import watershed as sk_ws

    from classicseg import watershed

    data = np.load(path)
    grad, markers = data["grad"], data["markers"]
    fn = {"skimage": sk_ws, "classicseg": watershed}[method.split()[0]]
    kwargs = dict(watershed_line=method.endswith("line"))
    small = tuple(slice(0, 16) for _ in grad.shape)
    fn(grad[small], _some_markers(markers[small]), **kwargs)
    mb = peak_memory_mb(lambda: fn(grad, markers, **kwargs))
    print(json.dumps({"mb": mb}))


def memory(args):
    inputs = {"6 Mpx image": lambda: _setup_2d(_big_image()), "256^3 volume": _volume}
    print("\n### Peak additional memory of one call (MB)\n")
    print("| input | elevation | skimage | classicseg | skimage line | "
          "classicseg line |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in inputs.items():
            grad, markers = make()
            path = Path(tmp) / "case.npz"
            np.savez(path, grad=grad, markers=markers)
            row = []
            for method in ("skimage", "classicseg", "skimage line", "classicseg line"):
                if method == "skimage line" and grad.ndim == 3:
                    row.append(float("nan"))  # far too slow on a volume, see volume
                    continue
                out = subprocess.run([sys.executable, __file__, "_memory", method,
                                      str(path)], capture_output=True, text=True,
                                     check=True)
                row.append(json.loads(out.stdout.strip().splitlines()[-1])["mb"])
            print(f"| {label} | {grad.dtype} | " +
                  " | ".join(f"{v:.0f}" for v in row) + " |")


# ------------------------------------------------------------------ quality

def quality(args):
    from classicseg import gradient_magnitude, watershed
    from classicseg.evaluation import bsds_region_benchmark

    for sigma in (0.0, 1.0):
        def segment(image, h, sigma=sigma):
            return watershed(gradient_magnitude(image, sigma=sigma), h=h)

        res = bsds_region_benchmark(segment, {"h": [0.02, 0.04, 0.06, 0.08, 0.12,
                                                    0.16, 0.24, 0.32]},
                                    limit=args.limit, boundary=False)
        print(f"\n### watershed(gradient_magnitude(img, sigma={sigma}), h=h)\n")
        print(res.table())


def main(argv=None):
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_memory":
        return _memory_child(sys.argv[2], sys.argv[3])
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["bsds", "big", "volume", "memory", "quality"])
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args(argv)
    globals()[args.what](args)


if __name__ == "__main__":
    main()
