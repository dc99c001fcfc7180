"""The ``classicseg train`` and ``classicseg predict`` subcommands of the shallow
semantic segmenter (:mod:`classicseg.shallow`).  Registered by :mod:`classicseg.cli`."""
import logging
import time
from pathlib import Path

from .cli import HelpFormatter, positive_int

__all__ = ["add_semantic_parsers"]

log = logging.getLogger("classicseg")


def add_semantic_parsers(sub):
    _add_train(sub)
    _add_predict(sub)


def _add_train(sub):
    p = sub.add_parser("train", help="train the shallow semantic segmenter "
                                     "(superpixels -> features -> trees -> CRF)",
                       formatter_class=HelpFormatter)
    p.add_argument("--dataset", choices=["camvid", "folders"], default="camvid",
                   help="camvid: the SegNet layout under --root; folders: --images "
                        "and --labels paired by file name")
    p.add_argument("--root", default=None,
                   help="camvid: data root or CamVid folder (default: $CLASSICSEG_DATA, "
                        "else ../shared/data)")
    p.add_argument("--split", default="train", help="camvid: split to train on")
    p.add_argument("--images", default=None, help="folders: the images")
    p.add_argument("--labels", default=None, help="folders: their class maps")
    p.add_argument("--num-classes", type=int, default=None,
                   help="classes 0..K-1 (camvid: 11; folders: largest label + 1)")
    p.add_argument("--ignore-index", type=int, default=None,
                   help="label of unlabelled pixels (camvid: 11)")
    p.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    p.add_argument("--superpixels", type=int, default=1000, help="SLIC superpixels")
    p.add_argument("--trees", type=positive_int, default=100, help="boosting rounds")
    p.add_argument("--class-weight", type=float, default=0.25,
                   help="class weight exponent: 0 = pixel accuracy, 1 = balanced")
    p.add_argument("--no-smoothing", action="store_true", help="no CRF")
    p.add_argument("-o", "--output", required=True, metavar="MODEL",
                   help="model file to write (JSON)")
    p.set_defaults(handler=_cmd_train)


def _training_set(args):
    from .datasets import CAMVID_CLASSES, CAMVID_IGNORE_INDEX, camvid_pairs, folder_pairs
    if args.dataset == "camvid":
        pairs = camvid_pairs(args.root, args.split)
        num_classes = args.num_classes or len(CAMVID_CLASSES)
        ignore = CAMVID_IGNORE_INDEX if args.ignore_index is None else args.ignore_index
    else:
        if not (args.images and args.labels):
            raise ValueError("--dataset folders needs --images DIR and --labels DIR")
        pairs = folder_pairs(args.images, args.labels)
        num_classes, ignore = args.num_classes, args.ignore_index
    return pairs[:args.limit], num_classes, ignore


def _cmd_train(args):
    from .shallow import LightGBMClassifier, ShallowSegmenter
    try:
        pairs, num_classes, ignore = _training_set(args)
        options = {"smoothing": None} if args.no_smoothing else {}
        model = ShallowSegmenter(
            superpixels=("slic", {"n": args.superpixels}),
            classifier=LightGBMClassifier(n_estimators=args.trees),
            class_weight=args.class_weight, **options)
        start = time.perf_counter()
        model.fit([i for i, _ in pairs], [a for _, a in pairs],
                  num_classes=num_classes, ignore_index=ignore)
        model.save(args.output)
    except (FileNotFoundError, ValueError, TypeError, OSError) as exc:
        log.error("%s", exc)
        return 1
    log.info("trained on %d images in %.0f s: %s", len(pairs),
             time.perf_counter() - start, args.output)
    return 0


def _add_predict(sub):
    p = sub.add_parser("predict", help="class maps of images with a trained model",
                       formatter_class=HelpFormatter)
    p.add_argument("model", metavar="MODEL", help="model file from classicseg train")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files and/or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                   help="folder for <name>_classes.png (raw class ids, 16-bit) and "
                        "<name>_color.png (colour-coded)")
    p.set_defaults(handler=_cmd_predict)


def _cmd_predict(args):
    from .batch import collect_inputs
    from .io import replaced_together, write_image, write_labels
    from .shallow import ShallowSegmenter
    from .viz import label_colors
    try:
        model = ShallowSegmenter.load(args.model)
    except (FileNotFoundError, ValueError) as exc:
        log.error("%s", exc)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    paths = collect_inputs(args.inputs)
    for path in paths:
        try:
            classes = model.predict(path)
            with replaced_together():   # both or neither, e.g. on a full disk
                write_labels(out / f"{path.stem}_classes.png", classes, format="png")
                write_image(out / f"{path.stem}_color.png", label_colors(classes + 1))
        except (OSError, ValueError) as exc:
            failed += 1
            log.error("%s: %s", path, exc)
    log.info("%d predicted, %d failed", len(paths) - failed, failed)
    return 1 if failed else 0
