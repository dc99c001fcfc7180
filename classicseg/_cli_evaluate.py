"""The ``classicseg evaluate semantic|instance|panoptic`` subcommands: scoring files
on disk (class-map folders, COCO JSON, COCO panoptic PNGs) through
:mod:`classicseg.evaluation`.  Registered on the parser by :mod:`classicseg.cli`."""
import logging
import sys

from .cli import HelpFormatter

__all__ = ["add_evaluate_parsers", "write_json"]

log = logging.getLogger("classicseg")


def add_evaluate_parsers(ev):
    """Add the file-scoring subcommands to the ``evaluate`` subparsers ``ev``."""
    for add in (_add_evaluate_semantic, _add_evaluate_instance, _add_evaluate_panoptic):
        add(ev)


def _add_evaluate_semantic(ev):
    """`classicseg evaluate semantic`."""
    p = ev.add_parser(
        "semantic", help="score a folder of predicted class maps against ground truth "
                         "(pixel accuracy, mIoU, Dice, ...)",
        formatter_class=HelpFormatter)
    p.add_argument("pred_dir", metavar="PRED_DIR",
                   help="predicted class maps (.png/.npy), e.g. classicseg predict's")
    p.add_argument("gt_dir", metavar="GT_DIR",
                   help="ground-truth class maps, paired with PRED_DIR by file stem")
    p.add_argument("--num-classes", type=int, required=True, help="number of classes K")
    p.add_argument("--ignore-index", type=int, default=None,
                   help="ground-truth label to skip (e.g. 255)")
    p.add_argument("--absent", choices=["exclude", "zero"], default="exclude",
                   help="classes absent from both maps: left out of the means "
                        "(torchmetrics >= 1.0) or counted as 0 (older tools)")
    p.add_argument("--class-names", default=None, metavar="A,B,...",
                   help="comma-separated class names for the table")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write all metrics (and the confusion matrix) as JSON")
    p.set_defaults(handler=_cmd_evaluate_semantic)


def _cmd_evaluate_semantic(args):
    from .evaluation import evaluate_semantic_folders, pair_by_stem, semantic_table
    from .metrics import to_jsonable
    try:
        n = len(pair_by_stem(args.pred_dir, args.gt_dir))
        m = evaluate_semantic_folders(args.pred_dir, args.gt_dir, args.num_classes,
                                      ignore_index=args.ignore_index, absent=args.absent)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        log.error("%s", exc)
        return 1
    names = args.class_names.split(",") if args.class_names else None
    if names is not None and len(names) != args.num_classes:
        log.error("--class-names has %d names but --num-classes is %d", len(names),
                  args.num_classes)
        return 2
    sys.stdout.write(f"images: {n}\n{semantic_table(m, names)}\n")
    return write_json(args.json, {"num_images": n, "num_classes": args.num_classes,
                                   "ignore_index": args.ignore_index,
                                   "absent": args.absent, **to_jsonable(m)})


def _add_evaluate_instance(ev):
    """`classicseg evaluate instance`."""
    p = ev.add_parser(
        "instance", help="COCO mask AP/AR of a COCO results JSON (pycocotools' "
                         "COCOeval segm numbers)",
        formatter_class=HelpFormatter)
    p.add_argument("gt_json", metavar="GT_JSON", help="COCO instances ground truth")
    p.add_argument("pred_json", metavar="PRED_JSON",
                   help="COCO results: image_id, category_id, segmentation (RLE), score")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write the stats (and per-category AP) as JSON")
    p.set_defaults(handler=_cmd_evaluate_instance)


def _cmd_evaluate_instance(args):
    from .evaluation import evaluate_coco_instances, instance_table
    try:
        m = evaluate_coco_instances(args.gt_json, args.pred_json)
    except (OSError, ValueError, KeyError, ImportError) as exc:
        log.error("%s", exc)
        return 1
    sys.stdout.write(instance_table(m) + "\n")
    from .metrics.instance import STAT_NAMES
    return write_json(args.json, {
        **{k: float(v) for k, v in zip(STAT_NAMES, m.stats)},
        "ap_per_class": {str(c): (None if ap != ap else float(ap))
                         for c, ap in zip(m.classes.tolist(), m.ap_per_class)}})


def _add_evaluate_panoptic(ev):
    """`classicseg evaluate panoptic`."""
    p = ev.add_parser(
        "panoptic", help="panoptic quality (PQ/SQ/RQ) of a COCO panoptic prediction",
        formatter_class=HelpFormatter)
    p.add_argument("gt_json", metavar="GT_JSON", help="COCO panoptic ground truth JSON")
    p.add_argument("pred_json", metavar="PRED_JSON", help="COCO panoptic prediction JSON")
    p.add_argument("--gt-folder", default=None,
                   help="ground-truth PNGs (default: GT_JSON without .json)")
    p.add_argument("--pred-folder", default=None,
                   help="predicted PNGs (default: PRED_JSON without .json)")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write all metrics as JSON")
    p.set_defaults(handler=_cmd_evaluate_panoptic)


def _cmd_evaluate_panoptic(args):
    import json

    from .evaluation import evaluate_coco_panoptic, panoptic_table
    from .metrics import to_jsonable
    try:
        m = evaluate_coco_panoptic(args.gt_json, args.pred_json, args.gt_folder,
                                   args.pred_folder)
        with open(args.gt_json) as f:
            names = {c["id"]: c.get("name", c["id"]) for c in json.load(f)["categories"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("%s", exc)
        return 1
    sys.stdout.write(panoptic_table(m, names) + "\n")
    return write_json(args.json, to_jsonable(m))


def write_json(path, data):
    """Write ``data`` to ``path`` (when given); 0 on success, 1 on failure (logged).
    Shared by every ``evaluate`` subcommand."""
    if path:
        import json
        try:
            with open(path, "w") as f:
                json.dump(data, f, indent=1)
        except OSError as exc:
            log.error("cannot write %s: %s", path, exc)
            return 1
    return 0
