"""Score a folder of predicted class maps against a folder of ground-truth maps,
paired by file stem (single-channel PNG, 8 or 16 bit, or ``.npy``, read with
:func:`classicseg.io.read_labels`), with :class:`classicseg.metrics.ConfusionMatrix`.
"""
from pathlib import Path

from ..io import read_labels
from ..metrics.semantic import ConfusionMatrix
from ._common import fmt_value

__all__ = ["LABEL_EXTENSIONS", "evaluate_semantic_folders", "pair_by_stem",
           "semantic_table"]

LABEL_EXTENSIONS = (".png", ".npy")


def evaluate_semantic_folders(pred_dir, gt_dir, num_classes, *, ignore_index=None,
                              absent="exclude"):
    """Score every predicted class map in ``pred_dir`` against ``gt_dir``.

    Files are paired by stem (``a.png`` with ``a.png`` or ``a.npy``; in a folder
    ``classicseg predict`` wrote, ``a_classes.png`` with ``a.png``: see
    :func:`pair_by_stem`).  Returns the :class:`~classicseg.metrics.SemanticMetrics`
    of all images together (like the other ``evaluate_*`` functions).

    Raises
    ------
    FileNotFoundError
        A folder is missing, holds no label file, or a file has no partner.
    """
    pairs = pair_by_stem(pred_dir, gt_dir)
    acc = ConfusionMatrix(num_classes, ignore_index=ignore_index, absent=absent)
    for stem, pred_path, gt_path in pairs:
        try:
            acc.update(read_labels(gt_path), read_labels(pred_path))
        except ValueError as exc:
            raise ValueError(f"{stem}: {exc}") from None
    return acc.compute()


def pair_by_stem(pred_dir, gt_dir):
    """``[(stem, pred_path, gt_path)]`` sorted by stem; every file needs a partner.

    A folder ``classicseg predict`` wrote pairs as its images did: its class map
    ``a_classes.png`` with the ground truth ``a.png``, and its colour picture
    ``a_color.png`` is left out.
    """
    from ..datasets import files_by_stem, pair_stems
    pred = files_by_stem("prediction", pred_dir, LABEL_EXTENSIONS)
    gt = files_by_stem("ground truth", gt_dir, LABEL_EXTENSIONS)
    return pair_stems(("prediction", _as_predicted_from(pred, gt)), ("ground truth", gt))


def _as_predicted_from(pred, gt):
    """``pred`` ({stem: path}) keyed by the stems of the images ``classicseg
    predict`` read, where it wrote them and ``gt`` has no file of the same name."""
    keyed = {}
    for stem, path in pred.items():
        image, _, kind = stem.rpartition("_")
        if stem in gt or image not in gt or kind not in ("classes", "color"):
            keyed[stem] = path
        elif kind == "classes":
            keyed[image] = path
        elif image + "_classes" not in pred:   # a colour picture without its map
            keyed[stem] = path
    return keyed


def semantic_table(metrics, class_names=None):
    """Per-class IoU/accuracy/Dice and the summary, as a text table."""
    k = metrics.iou_per_class.size
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    width = max(5, *(len(n) for n in names))
    lines = [f"{'class':<{width}}  {'IoU':>7}  {'acc':>7}  {'Dice':>7}  {'pixels':>12}"]
    for i in range(k):
        values = (metrics.iou_per_class[i], metrics.recall_per_class[i],
                  metrics.dice_per_class[i])
        lines.append(f"{names[i]:<{width}}  " + "  ".join(map(fmt_value, values))
                     + f"  {metrics.support[i]:>12d}")
    lines.append("")
    for label, value in (("pixel accuracy", metrics.pixel_accuracy),
                         ("mean accuracy", metrics.mean_accuracy),
                         ("mIoU", metrics.miou), ("fwIoU", metrics.fwiou),
                         ("mean Dice", metrics.mean_dice)):
        lines.append(f"{label:<15} {fmt_value(value)}")
    return "\n".join(lines)
