"""The evaluation layer (classicseg.evaluation): the file readers behind
``classicseg evaluate``, called as a library, and the purity of classicseg.metrics."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from classicseg import evaluation
from classicseg.evaluation import (evaluate_coco_panoptic, evaluate_semantic_folders,
                                   pair_by_stem, read_panoptic_png)
from classicseg.metrics import id_to_rgb, panoptic_quality, semantic_metrics


def test_metrics_import_no_opencv_and_no_io():
    code = ("import sys, classicseg.metrics; "
            "bad = {'cv2', 'classicseg.io', 'classicseg.datasets', "
            "'classicseg.evaluation'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_public_name_is_listed():
    for mod in (evaluation, evaluation.bsds, evaluation.coco, evaluation.semantic):
        assert all(hasattr(mod, n) for n in mod.__all__)


def test_semantic_folders_equal_the_metrics_on_the_arrays(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "p").mkdir()
    (tmp_path / "g").mkdir()
    gts, preds = [], []
    for i in range(3):
        gt = rng.integers(0, 3, (5, 6)).astype(np.uint8)
        pred = rng.integers(0, 3, (5, 6)).astype(np.uint8)
        cv2.imwrite(str(tmp_path / "g" / f"{i}.png"), gt)
        np.save(tmp_path / "p" / f"{i}.npy", pred)
        gts.append(gt)
        preds.append(pred)
    m = evaluate_semantic_folders(tmp_path / "p", tmp_path / "g", 3)
    want = semantic_metrics(np.stack(gts), np.stack(preds), 3)
    assert m.to_dict() == want.to_dict()
    assert len(pair_by_stem(tmp_path / "p", tmp_path / "g")) == 3


def test_pair_by_stem_names_what_is_missing(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "g").mkdir()
    np.save(tmp_path / "p" / "a.npy", np.zeros((2, 2), int))
    with pytest.raises(FileNotFoundError, match="ground truth folder .* holds no"):
        pair_by_stem(tmp_path / "p", tmp_path / "g")
    np.save(tmp_path / "g" / "b.npy", np.zeros((2, 2), int))
    with pytest.raises(FileNotFoundError, match="no ground truth for a"):
        pair_by_stem(tmp_path / "p", tmp_path / "g")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        pair_by_stem(tmp_path / "nope", tmp_path / "g")


def test_a_folder_classicseg_predict_wrote_pairs_with_its_images_ground_truth(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "g").mkdir()
    for stem in ("a", "b_c"):
        cv2.imwrite(str(tmp_path / "g" / f"{stem}.png"), np.zeros((2, 2), np.uint8))
        cv2.imwrite(str(tmp_path / "p" / f"{stem}_classes.png"), np.zeros((2, 2), np.uint16))
        cv2.imwrite(str(tmp_path / "p" / f"{stem}_color.png"), np.zeros((2, 2, 3), np.uint8))
    assert pair_by_stem(tmp_path / "p", tmp_path / "g") == [
        (stem, tmp_path / "p" / f"{stem}_classes.png", tmp_path / "g" / f"{stem}.png")
        for stem in ("a", "b_c")]
    # a ground truth of the prediction's own name pairs as it is
    cv2.imwrite(str(tmp_path / "g" / "a_color.png"), np.zeros((2, 2), np.uint8))
    assert [p.name for _, p, _ in pair_by_stem(tmp_path / "p", tmp_path / "g")] == [
        "a_classes.png", "a_color.png", "b_c_classes.png"]
    (tmp_path / "p" / "b_c_classes.png").unlink()   # a picture without its map
    with pytest.raises(FileNotFoundError, match="no ground truth for b_c_color"):
        pair_by_stem(tmp_path / "p", tmp_path / "g")


def test_panoptic_files_equal_the_metrics_on_the_arrays(tmp_path):
    gt = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    pred = np.array([[5, 5, 5, 7], [5, 5, 7, 7]])
    for name, ids in (("gt", gt), ("pred", pred)):
        (tmp_path / name).mkdir()
        cv2.imwrite(str(tmp_path / name / "x.png"), id_to_rgb(ids)[..., ::-1])
    assert np.array_equal(read_panoptic_png(tmp_path / "gt" / "x.png"), gt)
    cats = [{"id": 1, "isthing": 1}, {"id": 2, "isthing": 0}]
    gt_json = {"annotations": [{"image_id": 1, "file_name": "x.png", "segments_info": [
        {"id": 1, "category_id": 1}, {"id": 2, "category_id": 2}]}], "categories": cats}
    pred_json = {"annotations": [{"image_id": 1, "file_name": "x.png", "segments_info": [
        {"id": 5, "category_id": 1}, {"id": 7, "category_id": 2}]}]}
    (tmp_path / "gt.json").write_text(json.dumps(gt_json))
    (tmp_path / "pred.json").write_text(json.dumps(pred_json))
    got = evaluate_coco_panoptic(tmp_path / "gt.json", tmp_path / "pred.json")
    want = panoptic_quality(gt, pred, {1: 1, 2: 2}, {5: 1, 7: 2}, {1: True, 2: False})
    assert got.to_dict() == want.to_dict()
