"""The ``classicseg`` command.

``build_parser()`` builds the argument parser; ``main(argv)`` runs it and returns the
exit code.  Heavy imports (NumPy, Numba kernels) happen after parsing so ``--help`` is
instant.
"""
import argparse
import logging
import sys

log = logging.getLogger("classicseg")


# --------------------------------------------------------------------- segmenters
# Each method maps to a function (image, args) -> int32 label map.  Methods add their
# own flags in _add_method_flags and their runner here.

def _run_slic(image, args):
    from .slic import slic
    return slic(image, n=args.n, compactness=args.compactness,
                max_num_iter=args.max_num_iter)


SEGMENTERS = {
    "slic": _run_slic,
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
    for add in (_add_evaluate_semantic, _add_evaluate_instance,
                _add_evaluate_panoptic, _add_evaluate_bsds):
        add(ev)


def _add_evaluate_semantic(ev):
    """`classicseg evaluate semantic` (owned by the metrics work)."""


def _add_evaluate_instance(ev):
    """`classicseg evaluate instance` (owned by the metrics work)."""


def _add_evaluate_panoptic(ev):
    """`classicseg evaluate panoptic` (owned by the metrics work)."""


def _add_evaluate_bsds(ev):
    """`classicseg evaluate bsds` (owned by the metrics work)."""


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
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
