"""The scripts in examples/ run as the README and their docstrings say."""
import subprocess
import sys

import cv2
import pytest
from conftest import BSDS_ROOT, DATA, REPO

EXAMPLES = REPO / "examples"


def _run(script, *args):
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_slic_overlay_writes_the_picture(tmp_path):
    out = tmp_path / "chelsea_slic.png"
    shown = _run("slic_overlay.py", DATA / "chelsea.png", out)
    assert cv2.imread(str(out)).shape == (300, 451, 3)
    assert shown.endswith(f"superpixels -> {out}\n")


def test_superpixel_graphs_segments_reads_back_and_pools_a_batch(tmp_path):
    shown = _run("superpixel_graphs.py", DATA, tmp_path)
    assert "3 images segmented" in shown and "0 failed" in shown
    assert sorted(p.name for p in tmp_path.glob("*_labels.npz")) == [
        "chelsea_labels.npz", "coins_labels.npz", "rocket_labels.npz"]
    assert shown.count("node features 19, edge features 2") == 3
    assert "batch (3, 256, 4), mask (3, 256)" in shown


@pytest.mark.skipif(not (BSDS_ROOT / "camvid" / "train.txt").is_file(),
                    reason=f"CamVid not found under {BSDS_ROOT}")
def test_camvid_shallow_trains_scores_and_saves(tmp_path):
    model, picture = tmp_path / "model.json", tmp_path / "picture.png"
    shown = _run("camvid_shallow.py", "--root", BSDS_ROOT, "--limit", 3, "--trees", 5,
                 "-o", model, "--picture", picture)
    assert "trained on 3 images" in shown and "| class avg | global | mIoU |" in shown
    assert model.stat().st_size > 0 and cv2.imread(str(picture)) is not None
