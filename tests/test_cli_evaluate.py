"""End-to-end `classicseg evaluate semantic|instance|panoptic` in a temporary folder."""
import contextlib
import io
import json

import cv2
import numpy as np
import pytest
from numpy.testing import assert_allclose

from classicseg.cli import main
from classicseg.metrics import id_to_rgb, panoptic_quality, semantic_metrics
from classicseg.evaluation import evaluate_coco_instances


@pytest.fixture
def run(capsys, caplog):
    """Run the CLI: (exit code, stdout, logged messages)."""
    def _run(argv):
        caplog.clear()
        code = main(argv)
        return code, capsys.readouterr().out, caplog.text
    return _run


# --------------------------------------------------------------------- semantic

def _write_semantic(tmp_path, rng, n=3):
    pred_dir, gt_dir = tmp_path / "pred", tmp_path / "gt"
    pred_dir.mkdir()
    gt_dir.mkdir()
    gts, preds = [], []
    for i in range(n):
        gt = rng.integers(0, 4, (12, 15)).astype(np.uint8)
        gt[0, :4] = 255
        pred = np.where(rng.random(gt.shape) < 0.7, gt % 255, rng.integers(0, 4, gt.shape))
        pred = pred.astype(np.uint8)
        cv2.imwrite(str(gt_dir / f"img{i}.png"), gt)
        if i == 0:
            np.save(pred_dir / f"img{i}.npy", pred.astype(np.int32))
        else:
            cv2.imwrite(str(pred_dir / f"img{i}.png"), pred.astype(np.uint16))  # 16-bit
        gts.append(gt)
        preds.append(pred)
    return pred_dir, gt_dir, np.concatenate(gts), np.concatenate(preds)


def test_semantic_table_and_json(tmp_path, run):
    pred_dir, gt_dir, gt, pred = _write_semantic(tmp_path, np.random.default_rng(0))
    out_json = tmp_path / "m.json"
    code, out, _ = run(["evaluate", "semantic", str(pred_dir), str(gt_dir),
                        "--num-classes", "5", "--ignore-index", "255",
                        "--class-names", "a,b,c,d,e", "--json", str(out_json)])
    assert code == 0
    expected = semantic_metrics(gt, pred, 5, ignore_index=255)
    assert "images: 3" in out and "mIoU" in out
    assert f"{expected.miou:.4f}" in out
    assert out.splitlines()[-5].startswith("pixel accuracy")
    assert "e" in out and "      -" in out  # class 4 absent: shown as '-'
    data = json.loads(out_json.read_text())
    assert data["miou"] == pytest.approx(expected.miou)
    assert data["iou_per_class"][4] is None
    assert data["confusion"] == expected.confusion.tolist()
    assert data["num_images"] == 3 and data["absent"] == "exclude"


def test_semantic_missing_pair_is_a_clear_error(tmp_path, run):
    pred_dir, gt_dir, _, _ = _write_semantic(tmp_path, np.random.default_rng(1))
    (pred_dir / "img1.png").unlink()
    code, _, err = run(["evaluate", "semantic", str(pred_dir), str(gt_dir),
                        "--num-classes", "4", "--ignore-index", "255"])
    assert code == 1
    assert "no prediction for img1" in err


def test_semantic_label_out_of_range_names_the_file(tmp_path, run):
    pred_dir, gt_dir, _, _ = _write_semantic(tmp_path, np.random.default_rng(2))
    code, _, err = run(["evaluate", "semantic", str(pred_dir), str(gt_dir),
                        "--num-classes", "4"])  # 255 not declared ignored
    assert code == 1
    assert "img0: y_true holds label 255" in err


# --------------------------------------------------------------------- instance

def _coco_files(tmp_path):
    mask_utils = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(3)
    h, w = 50, 60
    images, anns, results = [], [], []

    def rle(mask):
        r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        return {"size": r["size"], "counts": r["counts"].decode("ascii")}

    for img_id in (3, 1, 2):  # unsorted on purpose
        images.append({"id": img_id, "height": h, "width": w})
        for k in range(4):
            m = np.zeros((h, w), bool)
            y, x = rng.integers(0, h - 10), rng.integers(0, w - 10)
            m[y:y + rng.integers(4, 30), x:x + rng.integers(4, 30)] = True
            crowd = k == 3 and img_id == 2
            seg = rle(m)
            if crowd:  # crowd annotations often carry uncompressed counts
                flat = m.ravel(order="F").astype(np.int64)
                change = np.flatnonzero(np.diff(np.concatenate([[0], flat, [2]])))
                seg = {"size": [h, w],
                       "counts": np.diff(np.concatenate([[0], change])).tolist()}
            anns.append({"id": len(anns) + 1, "image_id": img_id,
                         "category_id": int(k % 2 + 1), "segmentation": seg,
                         "area": float(m.sum()), "iscrowd": int(crowd),
                         "bbox": [0, 0, 1, 1]})
            shifted = np.roll(m, tuple(rng.integers(-3, 4, 2)), axis=(0, 1))
            results.append({"image_id": img_id, "category_id": int(k % 2 + 1),
                            "segmentation": rle(shifted), "score": float(rng.random())})
    # one polygon ground truth (rasterised by pycocotools as COCOeval does)
    anns.append({"id": len(anns) + 1, "image_id": 1, "category_id": 1,
                 "segmentation": [[5, 5, 25, 5, 25, 20, 5, 20]], "area": 300.0,
                 "iscrowd": 0, "bbox": [5, 5, 20, 15]})
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
    gt_path, pred_path = tmp_path / "gt.json", tmp_path / "pred.json"
    gt_path.write_text(json.dumps(gt))
    pred_path.write_text(json.dumps(results))
    return gt_path, pred_path


def test_instance_equals_cocoeval_on_files(tmp_path, run):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    gt_path, pred_path = _coco_files(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(gt_path))
        ev = COCOeval(coco, coco.loadRes(str(pred_path)), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out_json = tmp_path / "ap.json"
    code, out, _ = run(["evaluate", "instance", str(gt_path), str(pred_path),
                        "--json", str(out_json)])
    assert code == 0
    assert "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]" in out
    data = json.loads(out_json.read_text())
    got = [data[k] for k in ("ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large",
                             "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large")]
    assert_allclose(got, ev.stats, atol=1e-6)
    assert set(data["ap_per_class"]) == {"1", "2"}


def test_instance_result_for_unknown_image_is_refused(tmp_path, run):
    gt_path, pred_path = _coco_files(tmp_path)
    results = json.loads(pred_path.read_text())
    results[0]["image_id"] = 99
    pred_path.write_text(json.dumps(results))
    with pytest.raises(ValueError, match="image id 99"):
        evaluate_coco_instances(gt_path, pred_path)
    code, _, err = run(["evaluate", "instance", str(gt_path), str(pred_path)])
    assert code == 1 and "image id 99" in err


# --------------------------------------------------------------------- panoptic

def test_panoptic_coco_layout(tmp_path, run):
    gt = np.array([[1, 1, 1, 1, 2, 2, 2, 2, 0, 0],
                   [1, 1, 1, 1, 2, 2, 2, 2, 300, 300]])
    pred = np.array([[5, 5, 5, 5, 5, 6, 6, 6, 70000, 70000],
                     [5, 5, 5, 0, 6, 6, 6, 6, 70000, 70000]])
    seg_t = [{"id": 1, "category_id": 1, "iscrowd": 0},
             {"id": 2, "category_id": 2, "iscrowd": 0},
             {"id": 300, "category_id": 3, "iscrowd": 1}]
    seg_p = [{"id": 5, "category_id": 1}, {"id": 6, "category_id": 2},
             {"id": 70000, "category_id": 3}]
    cats = [{"id": 1, "name": "person", "isthing": 1},
            {"id": 2, "name": "sky", "isthing": 0},
            {"id": 3, "name": "car", "isthing": 1}]
    for name, ids, segs in (("gt", gt, seg_t), ("pred", pred, seg_p)):
        (tmp_path / name).mkdir()
        cv2.imwrite(str(tmp_path / name / "a.png"), id_to_rgb(ids)[..., ::-1])
        doc = {"annotations": [{"image_id": 7, "file_name": "a.png",
                                "segments_info": segs}], "categories": cats}
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    out_json = tmp_path / "pq.json"
    code, out, _ = run(["evaluate", "panoptic", str(tmp_path / "gt.json"),
                        str(tmp_path / "pred.json"), "--json", str(out_json)])
    assert code == 0
    expected = panoptic_quality(gt, pred, seg_t, seg_p, {1: True, 2: False, 3: True})
    assert expected.pq == pytest.approx((7 / 9 + 7 / 8) / 2)
    assert json.loads(out_json.read_text())["pq"] == pytest.approx(expected.pq)
    assert "person" in out and f"{100 * expected.pq:.1f}" in out


def test_panoptic_missing_prediction(tmp_path, run):
    cats = [{"id": 1, "isthing": 1}]
    (tmp_path / "gt.json").write_text(json.dumps({"annotations": [
        {"image_id": 1, "file_name": "a.png", "segments_info": []}], "categories": cats}))
    (tmp_path / "pred.json").write_text(json.dumps({"annotations": []}))
    code, _, err = run(["evaluate", "panoptic", str(tmp_path / "gt.json"),
                        str(tmp_path / "pred.json")])
    assert code == 1 and "no prediction for the image with id 1" in err
