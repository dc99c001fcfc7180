"""`classicseg segment` end to end, on the shipped sample images."""
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from classicseg.batch import collect_inputs
from classicseg.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix in (".png", ".jpg"))


def test_segments_the_sample_folder(tmp_path):
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "100"]) == 0
    for path in SAMPLES:
        labels = cv2.imread(str(out / f"{path.stem}_labels.png"), cv2.IMREAD_UNCHANGED)
        assert labels.dtype == np.uint16
        assert labels.min() == 1 and 80 <= labels.max() <= 120
        overlay = cv2.imread(str(out / f"{path.stem}_overlay.png"))
        assert overlay.shape[:2] == labels.shape
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{p.stem}_{kind}.png" for p in SAMPLES for kind in ("labels", "overlay"))


def test_unreadable_file_is_reported_and_the_rest_goes_on(tmp_path, caplog):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DATA / "coins.png", src / "coins.png")
    (src / "broken.png").write_bytes(b"not a png at all")
    out = tmp_path / "out"
    code = main(["segment", str(src), "-o", str(out), "--n", "50", "--no-overlay"])
    assert code == 1
    assert (out / "coins_labels.png").exists()
    assert not any(p.name.startswith("broken") for p in out.iterdir())
    assert "broken.png" in caplog.text
    assert "1 failed" in caplog.text


def test_npy_format_and_exact_count(tmp_path):
    out = tmp_path / "out"
    assert main(["segment", str(DATA / "coins.png"), "-o", str(out), "--n", "77",
                 "--exact", "--format", "npy", "--no-overlay"]) == 0
    labels = np.load(out / "coins_labels.npy")
    assert labels.max() == 77 and labels.min() == 1


def test_missing_input_is_an_error(tmp_path, caplog):
    assert main(["segment", str(tmp_path / "nope.png"), "-o", str(tmp_path)]) == 2
    assert "does not exist" in caplog.text


def test_outputs_inside_the_input_folder_are_not_inputs(tmp_path):
    shutil.copy(DATA / "coins.png", tmp_path / "coins.png")
    assert main(["segment", str(tmp_path), "-o", str(tmp_path), "--n", "20"]) == 0
    assert collect_inputs([tmp_path], tmp_path) == []
    assert collect_inputs([tmp_path]) == [tmp_path / "coins.png"]


def test_console_script_help_is_instant():
    done = subprocess.run([sys.executable, "-m", "classicseg.cli", "segment", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--n" in done.stdout and "default: 500" in done.stdout


@pytest.mark.parametrize("argv", [["segment"], ["segment", "x", "-o", "y", "--n", "ten"]])
def test_bad_command_lines_exit_with_usage(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
