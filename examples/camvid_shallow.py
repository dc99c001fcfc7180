"""Train the shallow semantic segmenter on CamVid train, score it on val.

    python examples/camvid_shallow.py [--root ../shared/data] [--limit N]
                                      [-o camvid_shallow.json] [--picture out.png]
                                      [--tune]

Prints the SegNet table's figures from ``classicseg.metrics`` with void ignored:
per-class accuracy, class average, global accuracy and mIoU; the training time,
the prediction time per image and the model file's size; saves the model and a
picture of image | ground truth | prediction for the first val image.  ``--tune``
also scores the CRF settings of the grid ``TUNE`` on val (how the default was chosen).
"""
import argparse
import os
import sys
import time

import numpy as np

from classicseg.datasets import (CAMVID_CLASSES, CAMVID_IGNORE_INDEX, camvid_pairs)
from classicseg.io import write_image
from classicseg.shallow import ShallowSegmenter

# SegNet's CamVid colours (Sky, Building, Pole, Road, Pavement, Tree, SignSymbol,
# Fence, Car, Pedestrian, Bicyclist, Unlabelled)
PALETTE = np.array([[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128],
                    [60, 40, 222], [128, 128, 0], [192, 128, 128], [64, 64, 128],
                    [64, 0, 128], [64, 64, 0], [0, 128, 192], [0, 0, 0]], np.uint8)


TUNE = [None] + [{"weight": w, "sigma": s} for w in (0.5, 1.0, 2.0, 4.0)
                 for s in (5.0, 10.0, 20.0)]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=None, help="data root (default ../shared/data)")
    parser.add_argument("--limit", type=int, default=None,
                        help="first N images of each split (smoke runs)")
    parser.add_argument("--trees", type=int, default=None, help="boosting rounds")
    parser.add_argument("-o", "--output", default="camvid_shallow.json")
    parser.add_argument("--picture", default="camvid_shallow.png")
    parser.add_argument("--tune", action="store_true",
                        help="score the CRF settings of TUNE on val too")
    args = parser.parse_args()

    train = camvid_pairs(args.root, "train")[:args.limit]
    val = camvid_pairs(args.root, "val")[:args.limit]
    classifier = None
    if args.trees is not None:
        from classicseg.shallow import LightGBMClassifier
        classifier = LightGBMClassifier(n_estimators=args.trees)
    model = ShallowSegmenter(classifier=classifier)
    start = time.perf_counter()
    model.fit([i for i, _ in train], [a for _, a in train],
              num_classes=len(CAMVID_CLASSES), ignore_index=CAMVID_IGNORE_INDEX)
    train_s = time.perf_counter() - start
    model.save(args.output)

    start = time.perf_counter()
    scores = model.score([i for i, _ in val], [a for _, a in val])
    predict_s = (time.perf_counter() - start) / len(val)

    print(f"trained on {len(train)} images in {train_s:.0f} s; "
          f"{predict_s:.2f} s per val image; model {os.path.getsize(args.output) / 1e6:.1f} MB")
    print(f"| {' | '.join(CAMVID_CLASSES)} | class avg | global | mIoU |")
    print("|" + "---:|" * (len(CAMVID_CLASSES) + 3))
    per_class = " | ".join(f"{100 * a:.1f}" for a in scores.recall_per_class)
    print(f"| {per_class} | {100 * scores.mean_accuracy:.1f} | "
          f"{100 * scores.pixel_accuracy:.1f} | {100 * scores.miou:.1f} |")
    save_picture(model, val[0], args.picture)
    if args.tune:
        default = model.smoothing
        for smoothing in TUNE:
            model.smoothing = None if smoothing is None else {**default, **smoothing}
            s = model.score([i for i, _ in val], [a for _, a in val])
            print(f"smoothing {smoothing}: class avg {100 * s.mean_accuracy:.1f}, "
                  f"global {100 * s.pixel_accuracy:.1f}, mIoU {100 * s.miou:.1f}",
                  flush=True)
    return 0


def save_picture(model, pair, path):
    from classicseg.io import read_image, read_labels
    image, truth = read_image(pair[0]), read_labels(pair[1])
    pred = model.predict(image)
    write_image(path, np.concatenate([image, PALETTE[truth], PALETTE[pred]], axis=1))


if __name__ == "__main__":
    sys.exit(main())
