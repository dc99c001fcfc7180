"""The ``classicseg`` command.

``build_parser()`` builds the argument parser; ``main(argv)`` runs it and returns the
exit code.  Heavy imports (NumPy, Numba kernels) happen after parsing so ``--help`` is
instant.
"""
import argparse
import logging
import os
import sys

log = logging.getLogger("classicseg")


# --------------------------------------------------------------------- segmenters
# Each method maps to a function (image, args) -> int32 label map; its flags live
# in _add_method_flags.

def _channel_axis(image):
    return None if image.ndim == 2 else -1


def _run_slic(image, args):
    from .slic import slic
    return slic(image, n=args.n, compactness=args.compactness,
                max_num_iter=args.max_num_iter, slico=args.slico, exact=args.exact,
                channel_axis=_channel_axis(image))


def _run_watershed(image, args):
    """Watershed of the smoothed gradient magnitude (colour: in Lab) from h-minima
    (``--h``) or from ``--n`` grid markers.  ``--compactness`` is read on SLIC's
    scale: the flooding priority is gradient + compactness / (100 S) * distance,
    S the marker spacing (the gradient is in Lab/100 units, SLIC's colour
    distance in Lab units over S pixels)."""
    import numpy as np
    from .filters import gradient_magnitude
    from .watershed import grid_markers, h_minima_markers, watershed

    # sigma 1: on BSDS500 val covering ODS 0.46 instead of 0.35 (results/watershed.md)
    grad = gradient_magnitude(image, sigma=1.0, channel_axis=_channel_axis(image))
    if args.h is not None:
        markers = h_minima_markers(grad, args.h)
    else:
        markers = grid_markers(grad.shape, args.n)
    spacing = np.sqrt(grad.size / max(int(markers.max()), 1))
    return watershed(grad, markers, compactness=args.compactness / (100 * spacing))


SEGMENTERS = {
    "slic": _run_slic,
    "watershed": _run_watershed,
}


def _add_method_flags(p):
    p.add_argument("--method", choices=sorted(SEGMENTERS), default="slic",
                   help="segmentation algorithm (default: %(default)s)")
    slic = p.add_argument_group("slic")
    slic.add_argument("--n", type=int, default=500,
                      help="number of superpixels (default: %(default)s)")
    slic.add_argument("--compactness", type=float, default=10.0,
                      help="colour/space trade-off; larger = more regular "
                           "(default: %(default)s)")
    slic.add_argument("--max-num-iter", type=int, default=10,
                      help="k-means iterations (default: %(default)s)")
    slic.add_argument("--slico", action="store_true",
                      help="SLICO: adaptive per-cluster colour normalisation")
    slic.add_argument("--exact", action="store_true",
                      help="return exactly --n segments")
    ws = p.add_argument_group(
        "watershed", "flood the gradient magnitude (in Lab, after a Gaussian of sigma "
        "1) from h-minima (--h) or from --n grid markers; --compactness on SLIC's "
        "scale (0 = classic watershed)")
    ws.add_argument("--h", type=float, default=None,
                    help="minimal depth of the gradient minima used as markers, "
                         "gradient in [0, 1] units, e.g. 0.05; if not given, --n "
                         "grid markers are used")


# --------------------------------------------------------------------- segment

def _add_segment_parser(sub):
    p = sub.add_parser("segment", help="segment image files and folders",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image files and/or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                   help="folder for label maps and overlays")
    p.add_argument("--format", choices=["auto", "png", "npy"], default="auto",
                   help="label map format: auto = 16-bit PNG when <= 65535 labels, "
                        "else .npy")
    p.add_argument("--no-overlay", action="store_true",
                   help="do not write boundary overlay PNGs")
    _add_method_flags(p)
    p.set_defaults(handler=_cmd_segment)


def _cmd_segment(args):
    from .batch import segment_paths
    return segment_paths(args)


# --------------------------------------------------------------------- evaluate

def _add_evaluate_parser(sub):
    p = sub.add_parser("evaluate", help="score segmentations against ground truth")
    ev = p.add_subparsers(dest="evaluate_kind", metavar="KIND", required=True)
    from ._cli_evaluate import add_evaluate_parsers
    add_evaluate_parsers(ev)
    _add_evaluate_bsds(ev)


def _add_evaluate_bsds(ev):
    """`classicseg evaluate bsds`."""
    p = ev.add_parser(
        "bsds", help="BSDS500 region benchmark (Covering/PRI/VoI ODS/OIS, boundary F) "
                     "of a method over a parameter sweep",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="method flag to sweep, e.g. n=100,200,400 (repeat for a grid); "
                        "without it the flags' values are the only setting")
    p.add_argument("--split", default="val", help="BSDS500 split")
    p.add_argument("--limit", type=int, default=None, help="score the first K images")
    p.add_argument("--data-root", default=None,
                   help="folder holding bsds500/ (None: $CLASSICSEG_DATA, else "
                        "../shared/data)")
    p.add_argument("--images-dir", default=None,
                   help="folder of <id>.jpg (with --gt-dir, instead of --data-root)")
    p.add_argument("--gt-dir", default=None, help="folder of BSDS <id>.mat ground truth")
    p.add_argument("--no-boundary", action="store_true",
                   help="skip boundary F (the slower part)")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write the result as JSON")
    _add_method_flags(p)
    p.set_defaults(handler=_cmd_evaluate_bsds)


def _parse_sweep(specs, args):
    """['n=100,200', ...] -> {'n': [100, 200], ...}, typed like the flags' defaults."""
    probe = argparse.ArgumentParser(add_help=False)
    _add_method_flags(probe)
    method_flags = {a.dest for a in probe._actions} - {"method"}
    sweep = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        dest = name.strip().lstrip("-").replace("-", "_")
        if not sep or not values or dest not in method_flags:
            raise ValueError(f"--sweep {spec!r}: expected NAME=V1,V2,... with NAME a "
                             "method flag such as n or compactness")
        default = getattr(args, dest)
        kind = type(default) if default is not None else str
        if kind is bool:
            kind = lambda v: v.lower() in ("1", "true", "yes")  # noqa: E731
        try:
            sweep[dest] = [kind(v) for v in values.split(",")]
        except ValueError as exc:
            raise ValueError(f"--sweep {spec!r}: {exc}") from None
    return sweep


def _cmd_evaluate_bsds(args):
    import json

    from .metrics.bsds import bsds_region_benchmark

    try:
        sweep = _parse_sweep(args.sweep, args)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    run = SEGMENTERS[args.method]

    def segment(image, **setting):
        return run(image, argparse.Namespace(**{**vars(args), **setting}))

    try:
        res = bsds_region_benchmark(
            segment, sweep, args.images_dir, args.gt_dir, root=args.data_root,
            split=args.split, limit=args.limit, boundary=not args.no_boundary,
            progress=sys.stderr.isatty())
    except (FileNotFoundError, ValueError) as exc:
        log.error("%s", exc)
        return 1
    sys.stdout.write(f"method: {args.method}\n{res.table()}\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"method": args.method, **res.to_dict()}, f, indent=1)
    return 0


# --------------------------------------------------------------------- entry

def build_parser():
    parser = argparse.ArgumentParser(
        prog="classicseg",
        description="Classical image segmentation and superpixels.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_segment_parser(sub)
    _add_evaluate_parser(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    # This process is ours: let idle OpenMP threads sleep rather than spin, so that
    # a core held by another process does not stall every parallel region (read
    # when Numba first loads its OpenMP layer, i.e. after this line).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(format="%(levelname)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
