"""`classicseg segment` end to end, on the shipped sample images."""
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from classicseg.batch import collect_inputs, segment_files
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


def test_missing_input_is_reported_and_the_rest_goes_on(tmp_path, caplog):
    out = tmp_path / "out"
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    code = main(["segment", str(tmp_path / "nope.png"), str(tmp_path / "dangling.png"),
                 str(DATA / "coins.png"), "-o", str(out), "--n", "20", "--no-overlay"])
    assert code == 1
    assert (out / "coins_labels.png").exists()
    assert "nope.png: no such file" in caplog.text
    assert "dangling.png: no such file" in caplog.text
    assert "2 failed" in caplog.text


def test_input_folder_as_output_folder(tmp_path):
    shutil.copy(DATA / "coins.png", tmp_path / "coins.png")
    assert main(["segment", str(tmp_path), "-o", str(tmp_path), "--n", "20"]) == 0
    assert (tmp_path / "coins_labels.png").exists()
    # our outputs are never inputs: a second run segments coins.png alone again
    assert collect_inputs([tmp_path]) == [tmp_path / "coins.png"]


@pytest.mark.parametrize("where", ["file", "below_file"])
def test_unusable_output_folder_is_a_clear_error(tmp_path, caplog, where):
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    out = blocker if where == "file" else blocker / "sub"
    assert main(["segment", str(DATA / "coins.png"), "-o", str(out)]) == 2
    assert "output folder" in caplog.text and str(out) in caplog.text


def test_bad_method_parameters_are_named_as_given(tmp_path, caplog):
    argv = ["segment", str(DATA / "coins.png"), "-o", str(tmp_path)]
    assert main(argv + ["--method", "watershed", "--compactness", "-3"]) == 2
    assert "compactness must be >= 0.0, got -3.0" in caplog.text
    assert main(argv + ["--h", "0.1"]) == 2      # slic has no --h
    assert "--h does not apply to --method slic" in caplog.text
    assert not any(tmp_path.iterdir())


def test_library_api_reports_outputs_and_failures(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"nope")
    result = segment_files([DATA / "coins.png", tmp_path / "broken.png"],
                           tmp_path / "out", "watershed", {"h": 0.05}, overlay=False)
    assert [p for p, _ in result.done] == [DATA / "coins.png"]
    assert result.done[0][1] == (tmp_path / "out" / "coins_labels.png",)
    assert [p for p, _ in result.failed] == [tmp_path / "broken.png"]
    assert "cannot decode" in result.failed[0][1]
    assert result.exit_code == 1


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
