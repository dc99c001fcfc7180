"""The ``classicseg`` command.

``build_parser()`` builds the argument parser; ``main(argv)`` runs it and returns the
exit code.  Heavy imports (NumPy, Numba kernels) happen after parsing so ``--help`` is
instant.
"""
import argparse
import logging
import os
import signal
import sys

__all__ = ["build_parser", "main"]

log = logging.getLogger("classicseg")


# --------------------------------------------------------------------- method flags
# One flag per parameter name of the registered methods (classicseg.segmenters);
# a flag not given keeps the chosen method's default.

def _flag(name):
    return "--" + name.replace("_", "-")


def _method_params():
    """{parameter name: [(method, Param), ...]} over the registered methods."""
    from . import segmenters

    found = {}
    for method in segmenters.available():
        for param in segmenters.get(method).params:
            found.setdefault(param.name, []).append((method, param))
    return found


def _flag_help(uses):
    """Help of a flag taken by the methods in ``uses`` [(method, Param), ...]: one
    text and default when they agree, else one per method."""
    methods = ", ".join(m for m, _ in uses)
    helps = {p.help for _, p in uses}
    text = (f"{helps.pop()} [{methods}]" if len(helps) == 1
            else "; ".join(f"{m}: {p.help}" for m, p in uses))
    defaults = {repr(p.default) for _, p in uses}
    shown = (defaults.pop() if len(defaults) == 1
             else ", ".join(f"{p.default!r} ({m})" for m, p in uses))
    if shown != "None" or "default" not in text:   # else the text says what None does
        text = f"{text} (default: {shown})"
    return text.replace("%", "%%")


def _add_method_flags(p):
    from . import segmenters

    methods = segmenters.available()
    p.add_argument("--method", choices=methods, default=None,
                   help="; ".join(f"{m}: {segmenters.get(m).summary}" for m in methods)
                   + " (default: slic)")
    group = p.add_argument_group(
        "method parameters", "a flag applies to the methods it names; one not given "
        "keeps the method's default")
    for name, uses in _method_params().items():
        kind = uses[0][1].kind
        kwargs = dict(dest=name, default=argparse.SUPPRESS, help=_flag_help(uses))
        if kind is bool:
            group.add_argument(_flag(name), action=argparse.BooleanOptionalAction,
                               **kwargs)
        else:
            choices = uses[0][1].choices if kind is str else None
            nullable = any(param.default is None for _, param in uses)
            metavar = "{" + ",".join(choices) + "}" if choices else name.upper()
            group.add_argument(_flag(name), type=_parser_type(kind, nullable),
                               choices=choices, metavar=metavar, **kwargs)


def _parser_type(kind, nullable):
    """``kind`` from a command-line string; "none" gives None if ``nullable`` (a
    parameter whose default is None), else it is an ordinary value (a choice)."""
    def convert(text):
        if nullable and text.strip().lower() == "none":
            return None
        return kind(text)
    convert.__name__ = kind.__name__   # argparse names it in "invalid int value"
    return convert


def positive_int(text):
    """The argparse type of a count: an int >= 1."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"an int >= 1, got {text!r}")
    return count


def _workers_type(text):
    if text == "auto":
        return text
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"an int >= 1 or auto, got {text!r}") from None


def _dask_type(text):
    from .batch import check_dask
    try:
        check_dask(text)
    except (ValueError, ImportError) as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("dask must be ")) \
            from None
    return text


def _method_and_params(args):
    """The chosen method and the parameters given on the command line, checked."""
    from . import segmenters

    args.method = args.method or "slic"
    segmenter = segmenters.get(args.method)
    given = {name: getattr(args, name) for name in _method_params()
             if hasattr(args, name)}
    for name in given:
        if name not in segmenter.param_names:
            what = (f"{name} (from --config {args.config})"
                    if name in getattr(args, "from_config", ())
                    else _flag(name))
            raise ValueError(f"{what} does not apply to --method {args.method} (its "
                             f"flags: {', '.join(map(_flag, segmenter.param_names))})")
    return segmenter, segmenter.resolve(given)


def _announce_compilation():
    """Log one line when Numba starts compiling (an empty kernel cache)."""
    from ._numba import on_first_compile
    on_first_compile(lambda: log.info("compiling kernels (first run only; cached "
                                      "on disk afterwards)"))


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default in --help, except where it says nothing (None, an off
    switch, an empty list) or the help text already gives it in words."""

    def _get_help_string(self, action):
        default = action.default
        if (default is None or default is False or default == []
                or default == argparse.SUPPRESS or "default" in (action.help or "")):
            return action.help
        return super()._get_help_string(action)


# --------------------------------------------------------------------- segment

def _add_segment_parser(sub):
    p = sub.add_parser("segment", help="segment image files, folders and globs",
                       formatter_class=HelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image files, folders and/or glob patterns")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                   help="folder for label maps, overlays and manifest.jsonl (the "
                        "input folders' trees are mirrored)")
    p.add_argument("--format", choices=["auto", "png", "npy", "npz"], default="auto",
                   help="label maps: auto = 16-bit PNG when <= 65535 labels, else "
                        ".npy; npz = labels + superpixel graph (classicseg.gnn)")
    p.add_argument("--no-overlay", action="store_true",
                   help="do not write boundary overlay PNGs")
    p.add_argument("--recursive", action="store_true", help="also subfolders' images")
    p.add_argument("--ext", action="append", default=None, metavar="SUFFIX",
                   help="only images with this suffix (repeatable; default: all)")
    p.add_argument("--workers", type=_workers_type, default="auto",
                   help="processes; auto = one per core (cores // --threads), fewer "
                        "for a few images")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="Numba threads per worker (default: cores // workers)")
    p.add_argument("--dask", type=_dask_type, default=None, metavar="ADDRESS",
                   help="run on a Dask cluster: a scheduler address, or local[:N] "
                        "(N worker processes); paths must be shared with the workers")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    existing = p.add_mutually_exclusive_group()
    existing.add_argument("--resume", action="store_true",
                          help="skip images whose outputs exist and were made with "
                               "the same method, parameters and format")
    existing.add_argument("--overwrite", action="store_true",
                          help="redo images whose outputs exist")
    p.add_argument("--config", default=None, metavar="FILE.toml",
                   help="method settings: method = \"slic\" and its parameters "
                        "(flags given override them)")
    _add_method_flags(p)
    p.set_defaults(handler=_cmd_segment)


def _apply_config(args):
    """Fill the flags not given from ``--config`` (a TOML file of method settings)."""
    if not args.config:
        return
    try:
        import tomllib
    except ModuleNotFoundError:   # Python < 3.11
        import tomli as tomllib
    try:
        with open(args.config, "rb") as f:
            config = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"--config {args.config}: {exc}") from None
    method = config.pop("method", None)
    if method is not None and args.method is None:
        args.method = method
    known = _method_params()
    for name in config:
        if name not in known:
            raise ValueError(f"--config {args.config}: unknown parameter {name!r}")
    args.from_config = [name for name in config if not hasattr(args, name)]
    for name in args.from_config:
        setattr(args, name, config[name])


def _cmd_segment(args):
    from .batch import Terminated, _keep_freed_memory, segment_files

    try:
        _apply_config(args)
        segmenter, params = _method_and_params(args)
    except (ValueError, TypeError) as exc:
        log.error("%s", exc)
        return 2
    _announce_compilation()
    _keep_freed_memory()   # this process is ours
    mode = "resume" if args.resume else "overwrite" if args.overwrite else None
    try:
        result = segment_files(args.inputs, args.output, segmenter.name, params,
                               format=args.format, overlay=not args.no_overlay,
                               recursive=args.recursive, extensions=args.ext,
                               mode=mode, workers=args.workers,
                               threads=args.threads, dask=args.dask,
                               progress=False if args.quiet else None)
    except (OSError, ValueError) as exc:   # e.g. --workers 0
        log.error("%s", exc)
        return 2
    except Terminated:
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:   # the summary is logged; no traceback
        return 128 + signal.SIGINT
    return result.exit_code


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
        formatter_class=HelpFormatter)
    p.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="method flag to sweep, e.g. n=100,200,400 (repeat for a grid); "
                        "without it the flags' values are the only setting")
    p.add_argument("--split", default="val", help="BSDS500 split")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="score the first K images")
    p.add_argument("--data-root", default=None,
                   help="folder holding bsds500/ (default: $CLASSICSEG_DATA, else "
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


def _parse_sweep(specs, segmenter):
    """['n=100,200', ...] -> {'n': [100, 200], ...}, typed by the method's specs."""
    sweep = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().lstrip("-").replace("-", "_")
        if not sep or not values or name not in segmenter.param_names:
            raise ValueError(
                f"--sweep {spec!r}: expected NAME=V1,V2,... with NAME a parameter of "
                f"--method {segmenter.name} ({', '.join(segmenter.param_names)})")
        sweep[name] = [segmenter.param(name).parse(v, segmenter.name)
                       for v in values.split(",")]
    return sweep


def _cmd_evaluate_bsds(args):
    from ._cli_evaluate import write_json
    from .evaluation import bsds_region_benchmark
    from .segmenters import default_channel_axis

    try:
        segmenter, params = _method_and_params(args)
        sweep = _parse_sweep(args.sweep, segmenter)
    except (ValueError, TypeError) as exc:
        log.error("%s", exc)
        return 2

    def segment(image, **setting):
        return segmenter.func(image, channel_axis=default_channel_axis(image),
                              **{**params, **setting})   # all checked above

    _announce_compilation()
    try:
        res = bsds_region_benchmark(
            segment, sweep, args.images_dir, args.gt_dir, root=args.data_root,
            split=args.split, limit=args.limit, boundary=not args.no_boundary,
            progress=sys.stderr.isatty())
    except (FileNotFoundError, ValueError) as exc:
        log.error("%s", exc)
        return 1
    sys.stdout.write(f"method: {args.method}\n{res.table()}\n")
    return write_json(args.json, {"method": args.method, **res.to_dict()})


# --------------------------------------------------------------------- entry

def build_parser():
    parser = argparse.ArgumentParser(
        prog="classicseg",
        description="Classical image segmentation and superpixels.")
    from . import __version__
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version",
                        version=f"classicseg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_segment_parser(sub)
    _add_evaluate_parser(sub)
    from ._cli_semantic import add_semantic_parsers
    add_semantic_parsers(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    # This process is ours: let idle OpenMP threads sleep rather than spin, so that
    # a core held by another process does not stall every parallel region (read
    # when Numba first loads its OpenMP layer, i.e. after this line).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if not args.verbose:   # Dask's own INFO lines would bury ours (--dask)
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    logging.basicConfig(format="%(levelname)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
