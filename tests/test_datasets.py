"""Readers for the BSDS500 and CamVid layouts: a fake layout in tmp, and the real
data under ../shared/data when it is present."""
import numpy as np
import pytest
from scipy.io import savemat

import cv2

from classicseg import datasets
from classicseg.datasets import (CAMVID_CLASSES, CAMVID_IGNORE_INDEX, bsds500_ids,
                                 camvid_pairs, default_data_root, load_bsds500,
                                 load_bsds500_gt, load_camvid)

DATA = default_data_root()
HAS_BSDS = DATA is not None and (DATA / "bsds500" / "groundTruth" / "val").is_dir()
HAS_CAMVID = DATA is not None and (DATA / "camvid" / "val.txt").is_file()


def write_fake_bsds(root, split="val", ids=("2", "1")):
    """A BSDS500-shaped folder: 4x6 images, two annotators per image."""
    (root / "bsds500" / "images" / split).mkdir(parents=True)
    (root / "bsds500" / "groundTruth" / split).mkdir(parents=True)
    segs = [np.array([[1, 1, 1, 2, 2, 2]] * 4, np.uint16),
            np.array([[1] * 6, [1] * 6, [2] * 6, [3] * 6], np.uint16)]
    for i in ids:
        img = np.full((4, 6, 3), (10, 20, 200), np.uint8)  # RGB
        # written as lossless PNG under a .jpg name: readers go by content
        cv2.imwrite(str(root / "bsds500" / "images" / split / f"{i}.png"), img[..., ::-1])
        (root / "bsds500" / "images" / split / f"{i}.png").rename(
            root / "bsds500" / "images" / split / f"{i}.jpg")
        cells = np.empty((1, 2), object)
        for k, s in enumerate(segs):
            b = np.zeros(s.shape, np.uint8)
            b[:, 2] = 1
            cells[0, k] = {"Segmentation": s, "Boundaries": b}
        savemat(str(root / "bsds500" / "groundTruth" / split / f"{i}.mat"),
                {"groundTruth": cells})
    return segs


def test_fake_bsds_layout(tmp_path):
    segs = write_fake_bsds(tmp_path)
    assert bsds500_ids(tmp_path, "val") == ["1", "2"]
    # root may also be the bsds500 folder itself
    assert bsds500_ids(tmp_path / "bsds500", "val") == ["1", "2"]
    s = load_bsds500(tmp_path, "val", "1")
    assert s.image_id == "1"
    assert s.image.dtype == np.uint8 and s.image.shape == (4, 6, 3)
    assert s.image[0, 0].tolist() == [10, 20, 200]  # channels are RGB, not BGR
    assert len(s.segmentations) == 2 and len(s.boundaries) == 2
    for got, want in zip(s.segmentations, segs):
        assert got.dtype == np.int32 and np.array_equal(got, want)
    assert s.boundaries[0].dtype == bool and s.boundaries[0][:, 2].all()
    assert s.boundaries[0].sum() == 4


def test_env_var_sets_default_root(tmp_path, monkeypatch):
    write_fake_bsds(tmp_path)
    monkeypatch.setenv("CLASSICSEG_DATA", str(tmp_path))
    assert default_data_root() == tmp_path
    assert bsds500_ids(None, "val") == ["1", "2"]


def test_missing_paths_give_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="bsds500 not found under"):
        bsds500_ids(tmp_path, "val")
    write_fake_bsds(tmp_path)
    with pytest.raises(FileNotFoundError, match="split 'test' not found.*available: val"):
        bsds500_ids(tmp_path, "test")
    with pytest.raises(FileNotFoundError, match="no such file.*999.jpg"):
        load_bsds500(tmp_path, "val", "999")
    with pytest.raises(FileNotFoundError, match="ground-truth file not found"):
        load_bsds500_gt(tmp_path / "nope.mat")
    savemat(str(tmp_path / "other.mat"), {"x": np.zeros(2)})
    with pytest.raises(ValueError, match="no 'groundTruth' variable"):
        load_bsds500_gt(tmp_path / "other.mat")
    monkeypatch.delenv("CLASSICSEG_DATA", raising=False)
    monkeypatch.setattr(datasets, "default_data_root", lambda: None)
    with pytest.raises(FileNotFoundError, match="CLASSICSEG_DATA"):
        bsds500_ids(None, "val")


def write_fake_camvid(root):
    base = root / "camvid"
    for d in ("val", "valannot"):
        (base / d).mkdir(parents=True)
    lines = []
    for k, name in enumerate(["b.png", "a.png"]):
        cv2.imwrite(str(base / "val" / name), np.full((3, 5, 3), k, np.uint8))
        cv2.imwrite(str(base / "valannot" / name), np.full((3, 5), 11 - k, np.uint8))
        lines.append(f"/SegNet/CamVid/val/{name} /SegNet/CamVid/valannot/{name}")
    (base / "val.txt").write_text("\n".join(lines) + "\n")
    (base / "train.txt").write_text("")
    return base


def test_fake_camvid_layout(tmp_path):
    base = write_fake_camvid(tmp_path)
    pairs = camvid_pairs(tmp_path, "val")
    assert pairs == [(base / "val" / "b.png", base / "valannot" / "b.png"),
                     (base / "val" / "a.png", base / "valannot" / "a.png")]
    image, labels = load_camvid(tmp_path, "val", 1)
    assert image.shape == (3, 5, 3) and image.dtype == np.uint8
    assert labels.dtype == np.int32 and (labels == 10).all()
    _, labels = load_camvid(base, "val", 0)
    assert (labels == CAMVID_IGNORE_INDEX).all()
    with pytest.raises(FileNotFoundError, match="CamVid split 'test' not found"):
        camvid_pairs(tmp_path, "test")
    (base / "bad.txt").write_text("only-one-path\n")
    with pytest.raises(ValueError, match="bad.txt:1"):
        camvid_pairs(tmp_path, "bad")


def test_camvid_class_table():
    assert len(CAMVID_CLASSES) == 11 and CAMVID_CLASSES[3] == "Road"
    assert CAMVID_IGNORE_INDEX == 11


@pytest.mark.skipif(not HAS_BSDS, reason="../shared/data/bsds500 not present")
def test_real_bsds500_val():
    ids = bsds500_ids(DATA, "val")
    assert len(ids) == 100
    s = load_bsds500(DATA, "val", ids[0])
    assert s.image.shape[:2] in ((321, 481), (481, 321))
    assert 4 <= len(s.segmentations) <= 9
    for seg in s.segmentations:
        assert seg.shape == s.image.shape[:2] and seg.min() >= 1


@pytest.mark.skipif(not HAS_CAMVID, reason="../shared/data/camvid not present")
def test_real_camvid_val():
    pairs = camvid_pairs(DATA, "val")
    assert len(pairs) == 101 and all(p.is_file() and q.is_file() for p, q in pairs[:3])
    image, labels = load_camvid(DATA, "val", 0)
    assert image.shape == (360, 480, 3) and labels.shape == (360, 480)
    assert labels.max() <= CAMVID_IGNORE_INDEX
