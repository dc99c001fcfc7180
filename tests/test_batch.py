"""`classicseg segment` end to end, on the shipped sample images."""
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import classicseg
from classicseg.batch import collect_inputs, segment_files
from classicseg.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix in (".png", ".jpg"))


def test_segments_the_sample_folder(tmp_path):
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "100"]) == 0
    entries = {Path(e["input"]): e for e in _manifest(out)}
    assert set(entries) == set(SAMPLES)
    for path in SAMPLES:
        made = [out / f"{path.stem}_{kind}.png" for kind in ("labels", "overlay")]
        labels = cv2.imread(str(made[0]), cv2.IMREAD_UNCHANGED)
        assert labels.dtype == np.uint16
        assert labels.min() == 1 and 80 <= labels.max() <= 120
        overlay = cv2.imread(str(made[1]))
        assert overlay.shape[:2] == labels.shape
        entry = entries[path]
        assert [Path(p) for p in entry.pop("outputs")] == made
        assert entry.pop("bytes") == [p.stat().st_size for p in made]
        assert 0 < entry.pop("seconds") < 60
        assert entry.pop("params")["n"] == 100
        assert entry == {"input": str(path), "method": "slic", "format": "auto",
                         "overlay": True, "classicseg": classicseg.__version__,
                         "segments": labels.max(), "status": "ok", "error": None}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{p.stem}_{kind}.png" for p in SAMPLES for kind in ("labels", "overlay")]
        + ["manifest.jsonl"])


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
    assert not any(tmp_path.iterdir())   # nothing written, not even a manifest


@pytest.mark.parametrize("command, flag, value, expected", [
    ("segment", "--workers", "0", "an int >= 1 or auto, got '0'"),
    ("segment", "--workers", "two", "an int >= 1 or auto, got 'two'"),
    ("segment", "--threads", "0", "an int >= 1, got '0'"),
    ("segment", "--threads", "1.5", "an int >= 1, got '1.5'"),
    ("train", "--limit", "-3", "an int >= 1, got '-3'"),   # not "all but the last 3"
    ("train", "--trees", "0", "an int >= 1, got '0'"),
    ("evaluate bsds", "--limit", "0", "an int >= 1, got '0'")])
def test_bad_counts_are_refused_by_the_parser(tmp_path, capsys, command, flag, value,
                                              expected):
    where = {"segment": [str(DATA / "coins.png"), "-o", str(tmp_path)],
             "train": ["-o", str(tmp_path / "model.json")], "evaluate bsds": []}[command]
    with pytest.raises(SystemExit) as exit_:
        main(command.split() + where + [flag, value])
    assert exit_.value.code == 2
    assert f"argument {flag}: {expected}" in capsys.readouterr().err
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
    assert "(default: auto)" in done.stdout   # --workers


@pytest.mark.parametrize("command", [
    ["segment"], ["train"], ["predict"], ["evaluate", "bsds"], ["evaluate", "semantic"],
    ["evaluate", "instance"], ["evaluate", "panoptic"]])
def test_help_gives_defaults_that_say_something(command, capsys):
    with pytest.raises(SystemExit):
        main(command + ["--help"])
    shown = capsys.readouterr().out
    own_options = shown.split("method parameters:")[0]
    assert not re.search(r"\(default: (None|False|\[\])\)|None:", own_options)
    assert not re.search(r"\(default:? [^)]*\) \(default", shown)   # given once


def test_help_lists_the_values_a_method_flag_takes(capsys):
    with pytest.raises(SystemExit):
        main(["segment", "--help"])
    shown = capsys.readouterr().out
    for flag in ("--kernel {uniform,epanechnikov,gaussian}",
                 "--speedup {trajectory,coarse,none}", "--cut {merge,kway,recursive}"):
        assert flag in shown


def _on_a_terminal(argv, columns=100):
    """What ``argv`` writes to its stdout and stderr, both a terminal ``columns``
    wide, and its exit code."""
    import fcntl
    import pty
    import struct
    import termios
    ours, theirs = pty.openpty()
    fcntl.ioctl(theirs, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    run = subprocess.Popen(argv, stdout=theirs, stderr=theirs)
    os.close(theirs)
    shown = b""
    while True:
        try:
            chunk = os.read(ours, 65536)
        except OSError:   # the run closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(ours)
    return shown.decode("utf-8", "replace"), run.wait(timeout=120)


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_with_rate_and_eta_on_a_terminal_only(tmp_path, quiet):
    segment = [sys.executable, "-m", "classicseg.cli", "segment", str(DATA / "coins.png"),
               str(DATA / "rocket.jpg"), "--n", "20", "--workers", "1"]
    shown, code = _on_a_terminal(segment + ["-o", str(tmp_path / "tty")]
                                 + ["--quiet"] * quiet)
    assert code == 0 and "2 ok / 0 skipped / 0 failed" in shown
    bar = re.search(r"100%\|.*\| 2/2 \[[0-9:]+<[0-9:]+, +[0-9.]+image/s\]", shown)
    assert (bar is None) == quiet, shown   # elapsed<ETA, images/s
    piped = subprocess.run(segment + ["-o", str(tmp_path / "pipe")], capture_output=True,
                           text=True, timeout=120)
    assert piped.returncode == 0 and "image/s" not in piped.stderr + piped.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"classicseg {classicseg.__version__}\n"


@pytest.mark.parametrize("argv", [["segment"], ["segment", "x", "-o", "y", "--n", "ten"]])
def test_bad_command_lines_exit_with_usage(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


# ------------------------------------------------------------- batch semantics

def _manifest(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(
        encoding="utf-8").splitlines()]


def _python(code):
    """``code`` run by a fresh interpreter (it must succeed), its output captured."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=300)


def _wait_until(condition, seconds, poll=0.01):
    """Until ``condition()`` holds, ``seconds`` at most."""
    import time
    deadline = time.time() + seconds
    while time.time() < deadline and not condition():
        time.sleep(poll)


def _wait_for_a_record(out):
    """Until the run writing into ``out`` has recorded an image (two minutes at most)."""
    manifest = out / "manifest.jsonl"
    _wait_until(lambda: manifest.is_file() and manifest.stat().st_size, 120)


def _rocket_folder(tmp_path, count):
    """count PNGs of the rocket, each shifted sideways, in tmp_path / "in"."""
    src = tmp_path / "in"
    src.mkdir()
    rocket = cv2.imread(str(DATA / "rocket.jpg"))
    for i in range(count):
        cv2.imwrite(str(src / f"img{i:02d}.png"), np.roll(rocket, 7 * i, axis=1))
    return src


def _sixty_rocket_run(tmp_path, *flags):
    """(output folder, command) of a run over 60 rocket PNGs (long enough to be
    signalled midway)."""
    src, out = _rocket_folder(tmp_path, 60), tmp_path / "out"
    return out, [sys.executable, "-m", "classicseg.cli", "segment", str(src), "-o",
                 str(out), "--n", "400", "--quiet", *flags]


def _fault_folder(tmp_path):
    """Good images of every kind and bad files, under a name with spaces and
    non-ASCII characters."""
    src = tmp_path / "in put ñ 画像"
    src.mkdir()
    coins = cv2.imread(str(DATA / "coins.png"), cv2.IMREAD_UNCHANGED)
    rocket = cv2.imread(str(DATA / "rocket.jpg"))
    jpeg = (DATA / "rocket.jpg").read_bytes()
    (src / "corrupt.jpg").write_bytes(jpeg[:len(jpeg) // 3])
    (src / "empty.png").write_bytes(b"")
    (src / "text.png").write_text("this is not a png")
    cv2.imwrite(str(src / "one pixel.png"), np.zeros((1, 1, 3), np.uint8))
    cv2.imwrite(str(src / "sixteen.png"), coins.astype(np.uint16) * 257)
    cv2.imwrite(str(src / "gray.png"), coins)
    rgba = cv2.cvtColor(rocket, cv2.COLOR_BGR2BGRA)
    cv2.imwrite(str(src / "rgba é.png"), rgba)
    (src / "sub").mkdir()
    cv2.imwrite(str(src / "sub" / "nested.png"), rocket[:64, :80])
    return src


def test_faulty_folder_finishes_and_reports_every_failure(tmp_path, caplog):
    src = _fault_folder(tmp_path)
    out = tmp_path / "out ü"
    code = main(["segment", str(src), "-o", str(out), "--n", "30", "--recursive",
                 "--quiet"])
    assert code == 1
    entries = {Path(e["input"]).name: e for e in _manifest(out)}
    good = ("sixteen.png", "gray.png", "rgba é.png", "nested.png")
    for name in good:
        assert entries[name]["status"] == "ok", entries[name]
        assert all(Path(p).is_file() for p in entries[name]["outputs"])
        assert entries[name]["params"]["n"] == 30 and entries[name]["method"] == "slic"
    assert (out / "sub" / "nested_labels.png").is_file()        # the tree mirrored
    for name in ("corrupt.jpg", "empty.png", "text.png", "one pixel.png"):
        assert entries[name]["status"] == "failed" and entries[name]["error"], name
        assert name in caplog.text
    assert "larger than the number of pixels" in entries["one pixel.png"]["error"]
    assert "4 ok / 0 skipped / 4 failed" in caplog.text
    assert not list(out.rglob("*.tmp"))


def test_extension_filter_and_globs(tmp_path):
    src = _fault_folder(tmp_path)
    out = tmp_path / "out"
    assert main(["segment", str(src), "-o", str(out), "--n", "20", "--ext", "jpg",
                 "--quiet", "--no-overlay"]) == 1          # only corrupt.jpg
    assert [Path(e["input"]).name for e in _manifest(out)] == ["corrupt.jpg"]
    out2 = tmp_path / "out2"
    assert main(["segment", str(src / "g*.png"), "-o", str(out2), "--n", "20",
                 "--quiet", "--no-overlay"]) == 0
    assert [p.name for p in out2.glob("*.png")] == ["gray_labels.png"]


def test_inputs_that_hold_no_images_are_warned_about_not_failed(tmp_path, caplog):
    (tmp_path / "empty").mkdir()
    pattern = str(tmp_path / "nowhere" / "*.jpg")
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "empty"), pattern, str(DATA / "rocket.jpg"),
                 "-o", str(out), "--n", "20", "--quiet", "--no-overlay"]) == 0
    assert f"{tmp_path / 'empty'}: no images in this folder" in caplog.text
    assert f"{pattern}: the pattern matches no images" in caplog.text
    assert [Path(e["input"]).name for e in _manifest(out)] == ["rocket.jpg"]
    assert "1 ok / 0 skipped / 0 failed" in caplog.text


def test_inputs_whose_outputs_would_collide_fail_by_name(tmp_path, caplog):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    image = cv2.imread(str(DATA / "rocket.jpg"))[:48, :64]
    for name in ("a.jpg", "a.png", "sub/a.png"):   # sub/a.png: its own output folder
        cv2.imwrite(str(src / name), image)
    out = tmp_path / "out"
    assert main(["segment", str(src), "-o", str(out), "--n", "20", "--recursive",
                 "--quiet", "--no-overlay"]) == 1
    entries = {str(Path(e["input"]).relative_to(src)): e for e in _manifest(out)}
    assert entries["a.png"]["status"] == "failed" and "a.png" in caplog.text
    assert f"same output name as {src / 'a.jpg'}" in entries["a.png"]["error"]
    assert entries["a.jpg"]["status"] == entries["sub/a.png"]["status"] == "ok"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.png")) == [
        "a_labels.png", "sub/a_labels.png"]
    assert "2 ok / 0 skipped / 1 failed" in caplog.text


def _image_tree(root):
    """Images, non-images and links in an order-sensitive layout under root."""
    for name in ["a.png", "a-b.png", "B.PNG", "a.b/c.png", "a/b.png", "a/z/y.jpg",
                 "a/z/y_labels.png", "x_overlay.png", ".hidden.png", "notes.txt",
                 "dir.png/inner.png", "é/ü.tif", "..png", "v.png."]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    (root / "link").symlink_to(root / "a", target_is_directory=True)
    (root / "s.png").symlink_to(root / "a.png")


def _without_suffix(path):
    """``path`` without its suffix (``with_suffix("")`` refuses "..png" from 3.13)."""
    parent = str(path.parent)
    return path.stem if parent == "." else os.path.join(parent, path.stem)


@pytest.mark.parametrize("recursive", [False, True])
def test_folder_listing_matches_sorted_pathlib_listing(tmp_path, recursive):
    from classicseg.batch import IMAGE_SUFFIXES, OUTPUT_SUFFIXES, plan_inputs
    _image_tree(tmp_path)
    walk = tmp_path.rglob("*") if recursive else tmp_path.iterdir()
    expected = sorted(p for p in walk if p.is_file() and p.suffix.lower()
                      in IMAGE_SUFFIXES and not p.stem.endswith(OUTPUT_SUFFIXES))
    planned = plan_inputs([tmp_path], recursive=recursive)
    assert [path for path, _ in planned] == expected
    assert [str(base) for _, base in planned] == [
        _without_suffix(p.relative_to(tmp_path)) for p in expected]
    assert (tmp_path / "link" / "b.png") not in expected   # links to folders: not walked


@pytest.mark.parametrize("folder", [".", "./", "sub/", "./sub", "sub//"])
def test_planned_paths_are_spelled_as_their_paths(tmp_path, monkeypatch, folder):
    """The plan keeps strings; each must read as ``str(Path(...))``, as the
    manifest's inputs (and a resume's lookups) always were."""
    from classicseg import batch
    _image_tree(tmp_path / "sub")
    monkeypatch.chdir(tmp_path)
    planned = batch._plan([folder], True, None)
    assert len(planned) > 5
    assert [p for p, _ in planned] == [str(Path(p)) for p, _ in planned]
    assert [b for _, b in planned] == [
        _without_suffix(Path(p).relative_to(Path(folder))) for p, _ in planned]


@pytest.mark.parametrize("name", ["..png", "...png"])
def test_a_name_of_dots_fails_and_writes_nothing_outside_the_output_folder(
        tmp_path, name):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DATA / "coins.png", src / name)
    for inputs in ([src], [src / name]):
        result = segment_files(inputs, tmp_path / "out", params={"n": 20})
        assert [reason for _, reason in result.failed] == [
            "its name has only dots before the suffix; rename it"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["manifest.jsonl"]


def test_a_folder_that_cannot_be_listed_is_reported_and_the_rest_listed(
        tmp_path, monkeypatch, caplog):
    from classicseg.batch import plan_inputs
    _image_tree(tmp_path)
    scandir = os.scandir

    def refusing(path):
        if os.path.basename(path) == "a":
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)
    monkeypatch.setattr(os, "scandir", refusing)
    names = [base.as_posix() for _, base in plan_inputs([tmp_path], recursive=True)]
    assert "a.b/c" in names and "a/b" not in names
    assert "cannot list" in caplog.text and "Permission denied" in caplog.text


def test_existing_outputs_are_kept_resumed_or_redone(tmp_path, caplog):
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]
    assert main(argv) == 0
    stamp = {p: p.stat().st_mtime_ns for p in out.glob("*.png")}
    assert main(argv) == 0 and "0 ok / 3 skipped" in caplog.text
    other = ["segment", str(DATA), "-o", str(out), "--n", "41", "--quiet"]
    assert main(other) == 0        # kept, and not taken as made with n=41 below
    caplog.clear()
    assert main(argv + ["--resume"]) == 0 and "0 ok / 3 skipped" in caplog.text
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.png")} == stamp
    assert main(["segment", str(DATA), "-o", str(out), "--n", "41", "--quiet",
                 "--resume"]) == 0                          # other parameters: redone
    assert "3 ok / 0 skipped" in caplog.text
    assert main(argv + ["--overwrite"]) == 0
    assert "3 ok / 0 skipped" in caplog.text
    statuses = [e["status"] for e in _manifest(out)]
    assert statuses == (["ok"] * 3 + ["skipped"] * 6       # resumed: no line
                        + ["started", "ok"] * 6)            # redone: announced first


def _resumed(out, argv, caplog):
    """The output files a ``--resume`` of ``argv`` rewrote."""
    stamp = {p: p.stat().st_mtime_ns for p in out.glob("*.png")}
    caplog.clear()
    assert main(argv + ["--resume"]) == 0
    return sorted(p.name for p in out.glob("*.png") if p.stat().st_mtime_ns != stamp[p])


def test_resume_redoes_outputs_a_killed_run_was_replacing(tmp_path, monkeypatch,
                                                          caplog):
    from classicseg import batch
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]
    assert main(argv) == 0
    made = {p.name: p.read_bytes() for p in out.glob("*.png")}

    def killed(*args):           # as SIGKILL after its outputs, before its record
        raise SystemExit(137)
    monkeypatch.setattr(batch, "_record_report", killed)
    with pytest.raises(SystemExit):
        main(["segment", str(DATA), "-o", str(out), "--n", "12", "--quiet",
              "--overwrite"])
    monkeypatch.undo()
    first = SAMPLES[0].stem
    assert made[f"{first}_labels.png"] != (out / f"{first}_labels.png").read_bytes()
    assert _manifest(out)[-1]["status"] == "started"
    assert _resumed(out, argv, caplog) == [f"{first}_labels.png", f"{first}_overlay.png"]
    assert {p.name: p.read_bytes() for p in out.glob("*.png")} == made


def test_resume_redoes_an_image_that_failed_since_or_whose_output_was_cut(
        tmp_path, monkeypatch, caplog):
    from classicseg import batch
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]
    assert main(argv) == 0
    made = {p.name: p.read_bytes() for p in out.glob("*.png")}
    first, last = SAMPLES[0].stem, SAMPLES[-1].stem

    def full_disk(path, image):  # n=12's labels made, then no overlay: neither kept
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(batch, "write_image", full_disk)
    assert main(["segment", str(SAMPLES[0]), "-o", str(out), "--n", "12", "--quiet",
                 "--overwrite"]) == 1
    monkeypatch.undo()
    with open(out / f"{last}_overlay.png", "r+b") as overlay:   # cut by hand
        overlay.truncate(100)
    assert _resumed(out, argv, caplog) == sorted(
        f"{stem}_{kind}.png" for stem in (first, last) for kind in ("labels", "overlay"))
    assert "2 ok / 1 skipped" in caplog.text
    assert {p.name: p.read_bytes() for p in out.glob("*.png")} == made


def test_a_full_disk_at_the_overlay_keeps_an_image_s_old_outputs_or_makes_none(
        tmp_path, monkeypatch, caplog):
    from classicseg import batch, io
    out = tmp_path / "out"
    assert main(["segment", str(SAMPLES[0]), "-o", str(out), "--n", "40",
                 "--quiet"]) == 0
    made = {p.name: p.read_bytes() for p in out.glob("*.png")}

    def full_disk(file):
        file.write(b"\x89PNG")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(batch, "write_image",
                        lambda path, image: io._atomic_write(path, full_disk))
    assert main(["segment", str(SAMPLES[0]), str(SAMPLES[1]), "-o", str(out), "--n",
                 "12", "--quiet", "--overwrite"]) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([*made, "manifest.jsonl"])
    assert {p.name: p.read_bytes() for p in out.glob("*.png")} == made
    errors = [e["error"] for e in _manifest(out) if e["status"] == "failed"]
    assert errors == [f"[Errno {errno.ENOSPC}] No space left on device: "
                      f"'{out / f'{path.stem}_overlay.png'}'" for path in SAMPLES[:2]]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_manifest_that_cannot_be_written_stops_the_run_naming_it(
        tmp_path, monkeypatch, caplog):
    from classicseg import batch

    def full_disk(path, mode="r", **options):   # the manifest is on a full disk
        return open("/dev/full" if mode == "a" else path, mode, **options)
    monkeypatch.setattr(batch, "open", full_disk, raising=False)
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]) == 2
    assert (f"cannot write the manifest '{out / 'manifest.jsonl'}': No space left on "
            "device; the run stopped") in caplog.text
    assert "stopped: 1 ok / 0 skipped / 0 failed / 2 not done, into" in caplog.text
    assert sorted(p.name for p in out.iterdir()) == [   # no more images begun
        f"{SAMPLES[0].stem}_{kind}.png" for kind in ("labels", "overlay")]


def test_resume_holds_one_copy_of_each_setting_of_the_manifest(tmp_path):
    from classicseg import batch
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]) == 0
    assert main(["segment", str(DATA / "coins.png"), "-o", str(out), "--n", "41",
                 "--quiet", "--overwrite"]) == 0
    made_with = batch._manifest_entries(out)
    assert len(made_with) == 3 and len({id(key) for key, _ in made_with.values()}) == 2
    params = batch.segmenters.get("slic").resolve({"n": 41})
    assert made_with[str(DATA / "coins.png")][0] == batch._setting_key(
        batch._setting(batch._Task("slic", params, "auto", True)))


def test_a_run_keeps_the_temporary_files_of_a_live_run_in_its_folder(tmp_path):
    from classicseg import batch
    out = tmp_path / "out"
    out.mkdir()
    setting = batch._setting(batch._Task("slic", {}, "auto", True))
    with batch._Manifest(out, setting):                   # another run, live,
        writing = out / ".img07_labels.png.0123456789ab.tmp"   # writing an output
        writing.write_bytes(b"\x89PNG")
        assert segment_files([DATA / "coins.png"], out, params={"n": 20}).done
        assert writing.exists()
    assert segment_files([DATA / "coins.png"], out, params={"n": 20},
                         mode="overwrite").done
    assert not writing.exists()                           # left by a dead run: removed


def test_a_manifest_line_cut_by_a_crash_loses_no_later_record(tmp_path, caplog):
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]
    assert main(argv) == 0
    manifest = out / "manifest.jsonl"
    whole = manifest.read_bytes()
    manifest.write_bytes(whole[:-40])                  # the last record cut midway
    assert main(argv + ["--overwrite"]) == 0
    lines = manifest.read_bytes().splitlines()
    assert lines[2] == whole[:-40].splitlines()[2]     # the cut line, kept as it was
    records = [json.loads(line) for line in lines[3:]]
    assert [e["status"] for e in records] == ["started", "ok"] * 3
    caplog.clear()
    assert main(argv + ["--resume"]) == 0               # reads past the cut line
    assert "0 ok / 3 skipped" in caplog.text


def test_a_record_cut_after_its_status_is_not_taken_as_done(tmp_path, caplog):
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "40", "--quiet"]
    assert main(argv) == 0
    manifest = out / "manifest.jsonl"
    whole = manifest.read_text(encoding="utf-8")
    cut_input = json.loads(whole.splitlines()[-1])["input"]
    manifest.write_text(whole[:whole.rindex('"error"')], encoding="utf-8")  # "ok" in it
    caplog.clear()
    assert main(argv + ["--resume"]) == 0
    assert "1 ok / 2 skipped / 0 failed" in caplog.text
    records = [json.loads(line) for line in manifest.read_text(
        encoding="utf-8").splitlines()[3:]]
    assert [e["input"] for e in records if e["status"] == "ok"] == [cut_input]


def test_two_workers_write_the_same_bytes_as_one(tmp_path):
    src = _fault_folder(tmp_path)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        main(["segment", str(src), "-o", str(out), "--n", "30", "--recursive",
              "--quiet", "--workers", str(workers)])
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*.png"))
    assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*.png"))
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    assert len(_manifest(outs[1])) == len(_manifest(outs[0])) == 8


def test_forked_chunked_pool_writes_the_same_bytes_as_one_worker(tmp_path):
    # a fresh process has no Numba threads yet: its pool forks, and 40 images go
    # to the workers two per task
    src = tmp_path / "in"
    src.mkdir()
    rocket = cv2.imread(str(DATA / "rocket.jpg"))[:90, :120]
    for i in range(40):
        cv2.imwrite(str(src / f"img{i:02d}.png"), np.roll(rocket, 5 * i, axis=1))
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        subprocess.run([sys.executable, "-m", "classicseg.cli", "segment", str(src),
                        "-o", str(out), "--n", "40", "--quiet", "--no-overlay",
                        "--workers", workers], check=True, timeout=300)
        outs.append(out)
    names = sorted(p.name for p in outs[0].glob("*.png"))
    assert len(names) == 40
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert sorted(e["status"] for e in _manifest(outs[1])) == ["ok"] * 40


def test_pool_start_method_is_fork_only_in_a_single_threaded_process():
    code = ("import threading, numpy as np\nfrom classicseg import batch, slic\n"
            "print(batch._start_method())\n"
            "stop = threading.Event()\n"
            "helper = threading.Thread(target=stop.wait); helper.start()\n"
            "print(batch._start_method()); stop.set(); helper.join()\n"
            "slic(np.zeros((40, 40, 3), np.uint8), n=4)\n"
            "print(batch._start_method())")
    assert _python(code).stdout.split() == ["fork", "forkserver", "forkserver"]


@pytest.mark.parametrize("start, images, threads, dask, expected", [
    ("fork", 300, None, None, 4), ("fork", 8, None, None, 2), ("fork", 7, None, None, 1),
    ("fork", 300, 2, None, 2), ("fork", 300, 8, None, 1), ("forkserver", 300, None, None, 4),
    ("forkserver", 128, None, None, 2), ("forkserver", 127, None, None, 1),
    ("forkserver", 1, None, "local", 4), ("fork", 0, 2, "tcp://h:8786", 2)])
def test_auto_workers_fit_the_cores_and_the_images(monkeypatch, start, images,
                                                  threads, dask, expected):
    from classicseg import batch
    monkeypatch.setattr(batch, "_usable_cores", lambda: 4)
    monkeypatch.setattr(batch, "_start_method", lambda: start)
    assert batch._resolve_workers("auto", threads, images, dask) == expected
    assert batch._resolve_workers(3, threads, images, dask) == 3
    assert batch._threads_per_worker(3) == 1 and batch._threads_per_worker(8) == 1


def test_usable_cores_are_this_process_s_share():
    from classicseg import batch
    assert 1 <= batch._usable_cores() <= os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        assert batch._usable_cores() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("dask, workers, address", [
    ("local", "auto", "local:3"), ("local", 2, "local:2"), ("local:5", "auto", "local:5"),
    ("tcp://h:8786", 1, "tcp://h:8786")])
def test_a_local_dask_cluster_gets_the_workers_asked_for(tmp_path, monkeypatch, dask,
                                                          workers, address):
    from classicseg import batch
    monkeypatch.setattr(batch, "_usable_cores", lambda: 3)
    seen = []
    monkeypatch.setattr(batch, "_run_on_dask", lambda todo, task, where, threads,
                        stop, starting: iter(seen.append(where) or ()))
    segment_files([DATA / "coins.png"], tmp_path, workers=workers, dask=dask)
    assert seen == [address]


def test_cli_workers_default_to_auto_and_bad_values_are_named(tmp_path, monkeypatch):
    from classicseg import batch
    seen = []
    monkeypatch.setattr(batch, "_resolve_workers", lambda workers, *rest: (
        seen.append(workers), 1)[1])
    assert main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path / "a"),
                 "--n", "20", "--quiet"]) == 0
    assert main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path / "b"),
                 "--n", "20", "--quiet", "--workers", "2"]) == 0
    assert seen == ["auto", 2]
    with pytest.raises(ValueError, match="workers must be an int >= 1 or 'auto'"):
        segment_files([DATA / "coins.png"], tmp_path / "c", workers="all")


def test_threads_are_set_for_the_run_and_restored_after(tmp_path, monkeypatch):
    import numba

    from classicseg import batch
    seen, segment_one = [], batch._segment_one
    monkeypatch.setattr(batch, "_segment_one", lambda *job: (
        seen.append(numba.get_num_threads()), segment_one(*job))[1])
    before = numba.get_num_threads()
    images = [DATA / "coins.png", DATA / "rocket.jpg"]
    result = segment_files(images, tmp_path / "a", params={"n": 20}, threads=1)
    assert len(result.done) == 2 and seen == [1, 1]
    assert numba.get_num_threads() == before
    batch._segment_chunk([(str(images[0]), str(tmp_path / "b"))],
                         batch._Task("slic", {"n": 20}, "auto", False), 1)   # on Dask
    assert seen == [1, 1, 1] and numba.get_num_threads() == before
    with pytest.raises(ValueError, match="threads must be None or an int >= 1"):
        segment_files(images, tmp_path / "c", threads=1.5)


def test_a_dead_worker_fails_every_image_of_its_task():
    from classicseg.batch import _chunk_size, _reports
    reports = _reports(RuntimeError("terminated abruptly"), 3)
    assert [r["status"] for r in reports] == ["failed"] * 3
    assert all("worker failed: terminated abruptly" == r["error"] for r in reports)
    assert _chunk_size(300, 2, 4) == 4 and _chunk_size(40, 2, 4) == 2
    assert _chunk_size(5, 2, 4) == 1 and _chunk_size(300, 2, 16) == 16


def test_killed_run_resumes_to_the_bytes_of_an_uninterrupted_run(tmp_path):
    src = _rocket_folder(tmp_path, 24)
    cmd = [sys.executable, "-m", "classicseg.cli", "segment", str(src), "--n", "400",
           "--quiet", "-o"]
    full = tmp_path / "full"
    subprocess.run(cmd + [str(full)], check=True, timeout=300)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(cmd + [str(killed)])
    _wait_for_a_record(killed)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(killed.glob("*_overlay.png")))
    assert 0 < done_before < 24, done_before
    recorded = _manifest(killed)   # some outputs written may not be
    assert recorded
    assert subprocess.run(cmd + [str(killed), "--resume"], timeout=300).returncode == 0
    assert not list(killed.rglob("*.tmp"))
    names = sorted(p.name for p in full.glob("*.png"))
    assert names == sorted(p.name for p in killed.glob("*.png"))
    for name in names:
        assert (full / name).read_bytes() == (killed / name).read_bytes(), name
    resumed = _manifest(killed)[len(recorded):]
    started = [e["input"] for e in resumed if e["status"] == "started"]   # written,
    resumed = [e for e in resumed if e["status"] != "started"]    # not recorded
    assert {e["status"] for e in resumed} == {"ok"}
    assert set(started) <= {e["input"] for e in resumed}
    assert sorted(e["input"] for e in recorded + resumed) == sorted(
        str(p) for p in src.glob("*.png"))


def _state_and_parent(pid):
    """From /proc: (state, parent pid), or None once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _states(pids):   # "?": gone
    return {(_state_and_parent(pid) or "?")[0] for pid in pids}


def _still_running(pids):   # a zombie has ended
    return {pid for pid in pids if (_state_and_parent(pid) or ("Z",))[0] != "Z"}


def _descendants(pid):
    parents = {int(p.name): (_state_and_parent(p.name) or ("Z", 0))[1]
               for p in Path("/proc").glob("[0-9]*")}
    found, below = set(), [pid]
    while below:
        parent = below.pop()
        children = [c for c, p in parents.items() if p == parent]
        found.update(children)
        below.extend(children)
    return _still_running(found)


FORKSERVER_RUN = """
import sys
import numpy as np
import classicseg
from classicseg.batch import segment_files
if __name__ == "__main__":
    classicseg.slic(np.random.rand(32, 32, 3), n=10)   # Numba threads up: forkserver
    segment_files([sys.argv[1]], sys.argv[2], params={"n": 400}, workers=2,
                  progress=False)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("run", ["fork", "forkserver", "dask"])
def test_workers_exit_when_the_run_is_killed(tmp_path, run):
    out, cli = _sixty_rocket_run(tmp_path)
    script = tmp_path / "run.py"
    script.write_text(FORKSERVER_RUN)
    cmd = {"fork": cli + ["--workers", "2"],
           "forkserver": [sys.executable, str(script), str(tmp_path / "in"), str(out)],
           "dask": cli + ["--dask", "local:2", "--threads", "1"]}[run]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    _wait_for_a_record(out)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2, workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _wait_until(lambda: not _still_running(workers), 10, poll=0.05)
    left = _still_running(workers)
    for pid in left:   # do not leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(workers)} processes outlived the run"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM],
                         ids=["kill-9", "kill"])   # the OOM killer; by hand, htop
def test_a_worker_killed_from_outside_costs_no_image(tmp_path, signum):
    src = _rocket_folder(tmp_path, 60)
    cmd = [sys.executable, "-m", "classicseg.cli", "segment", str(src), "--n", "400",
           "--quiet", "--workers", "2", "-o"]
    out = tmp_path / "out"
    proc = subprocess.Popen(cmd + [str(out)], stderr=subprocess.PIPE, text=True)
    _wait_for_a_record(out)
    command = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    workers = [pid for pid in _descendants(proc.pid)   # forked: the same command
               if Path(f"/proc/{pid}/cmdline").read_bytes() == command]
    # each in a process group of its own, out of reach of signals to the run's
    assert os.getpgid(proc.pid) not in {os.getpgid(pid) for pid in workers}
    os.kill(workers[0], signum)
    err = proc.communicate(timeout=300)[1]
    assert proc.returncode == 0 and "Traceback" not in err
    assert "a worker died" in err and "retried one by one" in err
    entries = _manifest(out)
    assert sorted(e["input"] for e in entries) == sorted(str(p) for p in src.glob("*"))
    assert {e["status"] for e in entries} == {"ok"}
    full = tmp_path / "full"
    subprocess.run(cmd + [str(full)], check=True, timeout=300)
    assert sorted(p.name for p in out.glob("*.png")) == sorted(
        p.name for p in full.glob("*.png"))
    for made in full.glob("*.png"):
        assert (out / made.name).read_bytes() == made.read_bytes(), made.name


DEADLY_IMAGE_RUN = """
import json, os, signal, sys
import numpy as np
from classicseg import segmenters
from classicseg.batch import segment_files

@segmenters.register("dies_on_black")
def dies_on_black(image, *, channel_axis):   # as a worker out of memory would
    if not image.any():
        os.kill(os.getpid(), signal.SIGKILL)
    return np.ones(image.shape[:2], np.int32)

if __name__ == "__main__":
    result = segment_files([sys.argv[1]], sys.argv[2], "dies_on_black", workers=2,
                           dask=sys.argv[3] if len(sys.argv) > 3 else None,
                           progress=False)
    print(json.dumps({"done": len(result.done),
                      "failed": [[p.name, why] for p, why in result.failed]}))
"""


@pytest.mark.parametrize("run", ["pool", pytest.param("dask", marks=pytest.mark.slow)])
def test_an_image_that_kills_its_worker_fails_alone(tmp_path, run):
    if run == "dask":
        pytest.importorskip("distributed")
    src = _rocket_folder(tmp_path, 40)
    cv2.imwrite(str(src / "img07.png"), np.zeros((60, 80, 3), np.uint8))
    script = tmp_path / "run.py"
    script.write_text(DEADLY_IMAGE_RUN)
    run = subprocess.run([sys.executable, str(script), str(src), str(tmp_path / "out")]
                         + (["local:2"] if run == "dask" else []),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"done": 39, "failed": [[
        "img07.png", "worker failed: it died on this image alone (killed, out of "
        "memory?)"]]}
    assert "retried one by one" in run.stderr
    assert len(_manifest(tmp_path / "out")) == 40


COMPILING_RUN = """
import json, sys
import numba
import numpy as np
from classicseg import segmenters
from classicseg.batch import segment_files

@numba.njit(parallel=True)
def fill(out, value):
    for i in numba.prange(out.shape[0]):
        out[i] = value

@segmenters.register("threads_then_a_compile")
def threads_then_a_compile(image, *, channel_axis):   # label: the task's threads
    labels = np.empty(image.shape[:2], np.int32)
    fill(labels, numba.get_num_threads())              # Numba's threads start
    numba.njit(lambda x: x + 1)(1)                     # then something compiles
    return labels

if __name__ == "__main__":
    result = segment_files([sys.argv[1]], sys.argv[2], "threads_then_a_compile",
                           dask="local:2", overlay=False, progress=False)
    print(json.dumps({"done": len(result.done), "failed": len(result.failed)}))
"""


@pytest.mark.slow
def test_a_script_importing_numba_compiles_on_our_dask_workers(tmp_path):
    """Numba imported by the script (so in each spawned worker) before the nanny
    set the worker's env: a compile once Numba's threads had started failed every
    image when the local cluster's thread count came through NUMBA_NUM_THREADS."""
    pytest.importorskip("distributed")
    from classicseg import batch
    src = _rocket_folder(tmp_path, 6)
    script = tmp_path / "run.py"
    script.write_text(COMPILING_RUN)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, str(script), str(src), str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"done": 6, "failed": 0}
    assert {e["segments"] for e in _manifest(out)} == {batch._threads_per_worker(2)}



@pytest.mark.slow
def test_a_dask_task_that_raises_fails_its_images_with_the_reason(tmp_path, monkeypatch):
    """A task erring for another reason than a dead worker (here: as if the worker
    ran another classicseg) fails its images with that reason; the others finish."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from classicseg import batch
    segment_chunk = batch._segment_chunk

    def picky_worker(jobs, *args, **kwargs):
        if any(Path(path).name == "img03.png" for path, _ in jobs):
            raise ImportError("this worker runs classicseg 0.0")
        return segment_chunk(jobs, *args, **kwargs)
    monkeypatch.setattr(batch, "_segment_chunk", picky_worker)
    src, out = _rocket_folder(tmp_path, 6), tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        result = segment_files([src], out, params={"n": 50}, overlay=False,
                               progress=False, dask=cluster.scheduler_address)
    failed = {path.name: reason for path, reason in result.failed}
    assert "img03.png" in failed
    assert all("this worker runs classicseg 0.0" in r for r in failed.values())
    assert len(result.done) + len(failed) == 6 and len(result.done) >= 1
    assert all(all(p.exists() for p in outputs) for _, outputs in result.done)
    entries = {Path(e["input"]).name: e for e in _manifest(out)}
    assert {n for n, e in entries.items() if e["status"] == "failed"} == set(failed)
    assert all("classicseg 0.0" in entries[n]["error"] for n in failed)

def _gated_tasks(pool, gate):
    """A ``submit(jobs)`` for _as_finished whose tasks wait for ``gate``, and the
    futures it made."""
    submitted = []

    def submit(jobs):
        submitted.append(pool.submit(lambda: (gate.wait(), [f"report of {jobs[0]}"])[1]))
        return submitted[-1]
    return submit, submitted


def test_a_stopped_run_cancels_the_tasks_not_started_and_awaits_the_others():
    import concurrent.futures
    import threading

    from classicseg.batch import _as_finished, _Stop
    gate, stop, workers_stop = threading.Event(), _Stop(), threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:   # job 0 runs, 1-3 wait
        submit, submitted = _gated_tasks(pool, gate)

        def submit_then_stop(jobs):   # Ctrl-C once the 4 are under way
            future = submit(jobs)
            if len(submitted) == 4:
                stop.set(KeyboardInterrupt())
                threading.Timer(0.3, gate.set).start()
            return future
        finished = list(_as_finished(submit_then_stop,
                                     iter([[f"job {i}"] for i in range(6)]),
                                     4, stop, workers_stop))
    assert finished == [("job 0", "report of job 0")]
    assert [f.cancelled() for f in submitted] == [False, True, True, True]  # 4, 5 unsent
    assert workers_stop.is_set()


def test_no_more_tasks_than_in_flight_are_submitted_at_a_time():
    import concurrent.futures
    import threading

    from classicseg.batch import _as_finished, _Stop
    gate, peak = threading.Event(), []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        submit, submitted = _gated_tasks(pool, gate)

        def counted(jobs):
            peak.append(sum(not f.done() for f in submitted) + 1)
            return submit(jobs)
        threading.Timer(0.2, gate.set).start()
        finished = list(_as_finished(counted, iter([[f"job {i}"] for i in range(10)]),
                                     3, _Stop(), threading.Event()))
    assert sorted(finished) == sorted((f"job {i}", f"report of job {i}")
                                      for i in range(10))
    assert len(submitted) == 10 and max(peak) == 3


def test_signals_set_the_stop_while_a_run_goes_on_and_the_second_one_raises():
    import os

    from classicseg.batch import Terminated, _Stop, _stopping_on_signals
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    for signum, raised in [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]:
        stop = _Stop()
        with _stopping_on_signals(stop):
            os.kill(os.getpid(), signum)
            assert isinstance(stop.interrupt, raised)
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_ignored_ctrl_c_stays_ignored_during_a_run(tmp_path, monkeypatch):
    # a shell's background job (`classicseg segment ... &`) ignores the terminal's
    # Ctrl-C: the run must not take it back
    from classicseg import batch
    segment_one, seen = batch._segment_one, []

    def segment_seeing_sigint(*args):
        seen.append(signal.getsignal(signal.SIGINT))
        return segment_one(*args)

    monkeypatch.setattr(batch, "_segment_one", segment_seeing_sigint)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = segment_files([DATA / "coins.png"], tmp_path / "out",
                               params={"n": 20}, progress=False)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
    assert result.exit_code == 0 and seen == [signal.SIG_IGN]


def test_an_image_finished_when_ctrl_c_comes_is_recorded(tmp_path, monkeypatch):
    import os

    from classicseg import batch
    segment_one = batch._segment_one

    def segment_then_ctrl_c(*args):   # Ctrl-C lands just after the outputs are written
        report = segment_one(*args)
        os.kill(os.getpid(), signal.SIGINT)
        return report

    monkeypatch.setattr(batch, "_segment_one", segment_then_ctrl_c)
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.png", "b.png"):
        shutil.copy(DATA / "coins.png", src / name)
    with pytest.raises(KeyboardInterrupt):
        segment_files([src], tmp_path / "out", params={"n": 20}, progress=False)
    entries = _manifest(tmp_path / "out")
    assert [Path(e["input"]).name for e in entries] == ["a.png"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == [
        "a_labels.png", "a_overlay.png"]


def test_a_worker_leaves_the_images_of_a_stopped_run(tmp_path, monkeypatch):
    import threading

    from classicseg import batch
    jobs = [(str(DATA / "coins.png"), str(tmp_path / f"{i}")) for i in range(2)]
    task = batch._Task("slic", {"n": 20}, "auto", False)
    monkeypatch.setattr(batch, "_stopped", threading.Event())
    assert [r["status"] for r in batch._segment_chunk(jobs, task)] == ["ok", "ok"]
    batch._stopped.set()
    assert batch._segment_chunk(jobs, task) == []
    monkeypatch.setattr(batch, "_stopped_runs", set())   # a Dask worker's
    batch._stop_run("run 1")
    assert batch._segment_chunk(jobs, task, run="run 1") == []
    assert len(batch._segment_chunk(jobs, task, run="run 2")) == 2


@pytest.mark.parametrize("run", [["--workers", "1"], ["--workers", "2"],
                                 ["--dask", "local:2", "--threads", "1"]],
                         ids=["1-worker", "2-workers", "dask"])
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_soon_and_records_every_output_written(
        tmp_path, run, signum, code):
    out, cmd = _sixty_rocket_run(tmp_path, *run)
    # a session of its own, as a terminal's Ctrl-C reaches the whole process group
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.PIPE,
                            text=True)
    _wait_for_a_record(out)
    os.killpg(proc.pid, signum)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "not done, into" in stderr
    entries = _manifest(out)
    assert 0 < len(entries) < 60 and {e["status"] for e in entries} == {"ok"}
    recorded = {p for e in entries for p in e["outputs"]}
    assert {str(p) for p in out.glob("*.png")} == recorded   # none unrecorded
    assert not list(out.rglob("*.tmp"))
    assert subprocess.run(cmd + ["--resume"], timeout=300).returncode == 0
    assert len(list(out.glob("*_labels.png"))) == 60


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_to_every_process_of_the_run_loses_nothing(tmp_path):
    """As a job scheduler ends a job: the workers die at once, mid-image."""
    out, cmd = _sixty_rocket_run(tmp_path, "--workers", "2")
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    _wait_for_a_record(out)
    for pid in [proc.pid, *_descendants(proc.pid)]:
        os.kill(pid, signal.SIGTERM)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "not done, into" in stderr
    assert "retried" not in stderr   # a stopped run retries nothing
    entries = _manifest(out)
    assert entries and {e["status"] for e in entries} == {"ok"}
    assert all(Path(p).is_file() for e in entries for p in e["outputs"])
    assert subprocess.run(cmd + ["--resume"], timeout=300).returncode == 0
    assert len(list(out.glob("*_labels.png"))) == 60 and not list(out.rglob("*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_z_stops_the_workers_with_the_run_and_fg_goes_on(tmp_path):
    import time
    out, cmd = _sixty_rocket_run(tmp_path, "--workers", "2")
    # a process group of its own in this session, as a shell's job: not orphaned,
    # so the kernel stops it on SIGTSTP
    own_group = ({"process_group": 0} if sys.version_info >= (3, 11)
                 else {"preexec_fn": os.setpgrp})
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, **own_group)
    try:
        _wait_for_a_record(out)
        workers = _descendants(proc.pid)
        assert len(workers) >= 2, workers
        run = [proc.pid, *workers]
        os.killpg(proc.pid, signal.SIGTSTP)   # what the terminal's Ctrl-Z sends
        _wait_until(lambda: _states(run) == {"T"}, 10, poll=0.02)
        assert _states(run) == {"T"}   # stopped, all of them
        written = sorted(out.iterdir())
        time.sleep(0.5)
        assert sorted(out.iterdir()) == written   # nothing goes on meanwhile
        os.killpg(proc.pid, signal.SIGCONT)   # the shell's fg
        stderr = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr
    assert len(list(out.glob("*_labels.png"))) == 60 and not list(out.rglob("*.tmp"))
    assert {e["status"] for e in _manifest(out)} == {"ok"}


def test_config_file_sets_method_parameters(tmp_path, caplog):
    config = tmp_path / "settings.toml"
    config.write_text('method = "watershed"\nh = 0.05\n')
    out = tmp_path / "out"
    run = ["segment", str(DATA / "coins.png"), "-o", str(out), "--config", str(config)]
    assert main(run + ["--quiet", "--no-overlay"]) == 0
    entry = _manifest(out)[0]
    assert entry["method"] == "watershed" and entry["params"]["h"] == 0.05
    assert main(run + ["--method", "slic"]) == 2   # the flag wins; h is not slic's
    assert f"h (from --config {config}) does not apply to --method slic" in caplog.text
    config.write_text('n = 500\nbogus = 1\n')
    assert main(run) == 2
    assert f"--config {config}: unknown parameter 'bogus'" in caplog.text


def test_a_flag_beats_the_config_and_a_bad_config_is_named(tmp_path, caplog):
    config = tmp_path / "settings.toml"
    config.write_text("n = 100\ncompactness = 5.0\n")
    out = tmp_path / "out"
    segment = ["segment", str(DATA / "coins.png"), "-o", str(out), "--quiet",
               "--no-overlay"]
    run = segment + ["--config", str(config)]
    assert main(run + ["--n", "30"]) == 0
    assert {k: _manifest(out)[0]["params"][k] for k in ("n", "compactness")} == {
        "n": 30, "compactness": 5.0}
    config.write_text("n = [unclosed\n")
    assert main(run) == 2
    assert f"--config {config}: " in caplog.text
    caplog.clear()
    missing = tmp_path / "missing.toml"
    assert main(segment + ["--config", str(missing)]) == 2
    assert f"--config {missing}: " in caplog.text and "No such file" in caplog.text


def test_none_is_a_value_only_of_parameters_whose_default_is_none(tmp_path, capsys):
    out = tmp_path / "out"
    run = ["segment", str(DATA / "coins.png"), "-o", str(out), "--method", "watershed",
           "--quiet", "--no-overlay", "--overwrite"]
    assert main(run + ["--h", "None"]) == 0
    assert _manifest(out)[-1]["params"]["h"] is None
    assert main(run + ["--h", "0.05"]) == 0
    assert _manifest(out)[-1]["params"]["h"] == 0.05
    with pytest.raises(SystemExit) as exit_:
        main(run + ["--n", "none"])
    assert exit_.value.code == 2 and "argument --n: invalid int value: 'none'" in (
        capsys.readouterr().err)


def test_npz_format_holds_labels_and_graph(tmp_path):
    from classicseg.batch import load_npz_folder
    from classicseg.gnn import superpixel_graph
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "60", "--format", "npz",
                 "--quiet", "--no-overlay"]) == 0
    loaded = load_npz_folder(out)
    assert [p.name for p, _ in loaded] == [f"{p.stem}_labels.npz" for p in SAMPLES]
    path, arrays = loaded[1]
    image = cv2.cvtColor(cv2.imread(str(SAMPLES[1])), cv2.COLOR_BGR2RGB) \
        if SAMPLES[1].suffix == ".jpg" else None
    graph_keys = {"labels", "x", "pos", "edge_index", "edge_attr"}
    assert set(arrays) == graph_keys
    assert arrays["x"].shape[0] == arrays["labels"].max()
    if image is not None:
        expected = superpixel_graph(image, arrays["labels"])
        np.testing.assert_array_equal(expected["edge_index"], arrays["edge_index"])


def test_an_npz_folder_reads_each_file_when_indexed_and_pickles(tmp_path, monkeypatch):
    import pickle

    from classicseg import batch
    out = tmp_path / "out"
    assert main(["segment", str(DATA), "-o", str(out), "--n", "30", "--format", "npz",
                 "--quiet", "--no-overlay", "--recursive"]) == 0
    opened = []
    load = np.load
    monkeypatch.setattr(np, "load", lambda path, **kw: (opened.append(path),
                                                        load(path, **kw))[1])
    graphs = batch.load_npz_folder(out)
    assert len(graphs) == len(SAMPLES) and opened == []       # paths only, so far
    assert graphs[-1][0] == graphs.paths[-1] and opened == [graphs.paths[-1]]
    assert [p for p, _ in graphs[:2]] == graphs.paths[:2]
    again = pickle.loads(pickle.dumps(graphs))
    np.testing.assert_array_equal(again[0][1]["edge_index"], graphs[0][1]["edge_index"])
    assert [p for p, _ in graphs] == sorted(out.rglob("*_labels.npz"))
    with pytest.raises(NotADirectoryError, match="folder .*nowhere.* is not a folder"):
        batch.load_npz_folder(tmp_path / "nowhere")


def test_our_dask_workers_do_not_log_a_heartbeat_missed_at_shutdown():
    code = ("import logging\nfrom classicseg import batch\n"
            "batch._init_dask_worker()\nlogging.basicConfig()\n"
            "worker = logging.getLogger('distributed.worker')\n"
            "try:\n    raise OSError('Timed out trying to connect')\nexcept OSError:\n"
            "    worker.exception('Failed to communicate with scheduler during heartbeat.')\n"
            "worker.error('Scheduler was unaware of this worker')")
    run = _python(code)
    assert "heartbeat" not in run.stderr and "Traceback" not in run.stderr
    assert "Scheduler was unaware of this worker" in run.stderr   # the rest: as was


@pytest.fixture
def running_cluster():
    """The scheduler address of a running Dask cluster of 2 one-thread worker
    processes, as `dask scheduler` and `dask worker --nthreads 1` make one."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
@pytest.mark.parametrize("tasks", ["default", "3 images each, 2 at a time",
                                   "a running cluster's address"])
def test_dask_writes_what_the_local_run_writes(tmp_path, monkeypatch, request, tasks):
    pytest.importorskip("distributed")
    from classicseg import batch
    dask = ["--dask", "local:2", "--threads", "1"]
    if tasks == "3 images each, 2 at a time":
        monkeypatch.setattr(batch, "_chunk_size", lambda n, workers, largest: 3)
        monkeypatch.setattr(batch, "_IN_FLIGHT_PER_WORKER", 1)
        monkeypatch.setattr(batch, "_MIN_DASK_IN_FLIGHT", 2)
    elif tasks == "a running cluster's address":
        dask = ["--dask", request.getfixturevalue("running_cluster")]
    src = _fault_folder(tmp_path)
    outs = {}
    for name, extra in (("local", []), ("dask", dask)):
        out = tmp_path / name
        code = main(["segment", str(src), "-o", str(out), "--n", "30", "--recursive",
                     "--quiet"] + extra)
        assert code == 1                                  # the bad files
        outs[name] = out
    files = sorted(p.relative_to(outs["local"]) for p in outs["local"].rglob("*.png"))
    assert files == sorted(p.relative_to(outs["dask"]) for p in outs["dask"].rglob("*.png"))
    for rel in files:
        assert (outs["local"] / rel).read_bytes() == (outs["dask"] / rel).read_bytes()
    status = {name: sorted((Path(e["input"]).name, e["status"]) for e in _manifest(o))
              for name, o in outs.items()}
    assert status["local"] == status["dask"]
    first = _manifest(outs["dask"])
    again = main(["segment", str(src), "-o", str(outs["dask"]), "--n", "30",
                  "--recursive", "--quiet", "--resume"] + dask)
    assert again == 1                                     # failures are retried
    retried = _manifest(outs["dask"])[len(first):]
    assert sorted(e["input"] for e in retried) == sorted(
        e["input"] for e in first if e["status"] == "failed")


def test_auto_format_falls_back_to_npy_and_resume_sees_it(tmp_path):
    from classicseg import segmenters

    @segmenters.register("every_pixel")
    def every_pixel(image, *, channel_axis):
        H, W = image.shape[:2]
        return np.arange(1, H * W + 1, dtype=np.int32).reshape(H, W)

    try:
        src = tmp_path / "in"
        src.mkdir()
        cv2.imwrite(str(src / "big.png"), np.zeros((300, 300), np.uint8))  # 90000 px
        out = tmp_path / "out"
        argv = ["segment", str(src), "-o", str(out), "--method", "every_pixel",
                "--quiet", "--no-overlay"]
        assert main(argv) == 0
        assert np.load(out / "big_labels.npy").max() == 90000
        assert _manifest(out)[0]["outputs"] == [str(out / "big_labels.npy")]
        assert main(argv + ["--resume"]) == 0
        assert len(_manifest(out)) == 1                   # resumed: kept, no line
    finally:
        segmenters.unregister("every_pixel")


@pytest.mark.skipif(sys.platform != "linux", reason="a name of any bytes: Linux")
def test_a_file_name_that_is_not_utf8_is_recorded_and_resumed(tmp_path, caplog):
    src = tmp_path / "in"
    src.mkdir()
    odd = os.fsdecode(b"b\xff.png")                  # "b\udcff.png"
    for name in ("a.png", odd, "c.png"):
        shutil.copy(DATA / "coins.png", src / name)
    out = tmp_path / "out"
    argv = ["segment", str(src), "-o", str(out), "--n", "20", "--quiet"]
    assert main(argv) == 0
    assert "3 ok / 0 skipped / 0 failed" in caplog.text
    manifest = (out / "manifest.jsonl").read_bytes()
    manifest.decode("utf-8")                         # the manifest stays UTF-8
    assert [Path(e["input"]).name for e in _manifest(out)] == ["a.png", odd, "c.png"]
    assert (out / f"{odd[:-4]}_labels.png").is_file()
    caplog.clear()
    assert main(argv + ["--resume"]) == 0 and "0 ok / 3 skipped" in caplog.text


@pytest.mark.parametrize("where", [["--workers", "2"], ["--dask", "local:2"]])
def test_a_pool_or_dask_announces_each_redone_image_before_it_begins(tmp_path, where):
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "30", "--quiet", *where]
    assert main(argv) == 0
    assert main(argv + ["--overwrite"]) == 0
    redone = [(e["input"], e["status"]) for e in _manifest(out)[len(SAMPLES):]]
    for path in map(str, SAMPLES):
        assert redone.index((path, "started")) < redone.index((path, "ok"))
    assert len(redone) == 2 * len(SAMPLES)


def test_our_outputs_named_one_by_one_are_left_out(tmp_path, caplog):
    out = tmp_path / "out"
    argv = ["segment", str(DATA), "-o", str(out), "--n", "20", "--quiet"]
    assert main(argv) == 0
    shell_glob = sorted(map(str, out.glob("*.png")))     # as `segment out/*.png`
    caplog.clear()
    assert main(["segment", *shell_glob, "-o", str(out), "--n", "20", "--quiet"]) == 0
    assert f"left out {2 * len(SAMPLES)} file(s) named as classicseg's outputs" in (
        caplog.text)
    assert "0 ok / 0 skipped / 0 failed" in caplog.text
    assert sorted(map(str, out.glob("*.png"))) == shell_glob


def test_a_file_given_twice_is_taken_once(tmp_path, caplog):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DATA / "coins.png", src / "coins.png")
    (src / "link.png").symlink_to(src / "coins.png")
    out = tmp_path / "out"
    assert main(["segment", str(src / "coins.png"), str(src), f"{src}/./coins.png",
                 "-o", str(out), "--n", "20", "--quiet"]) == 0
    assert [Path(e["input"]).name for e in _manifest(out)] == ["coins.png", "link.png"]
    assert "2 input(s) given more than once, taken once" in caplog.text


@pytest.mark.skipif(sys.platform == "win32", reason="folder links")
def test_a_recursive_glob_mirrors_the_tree_below_its_literal_folders(tmp_path):
    src = tmp_path / "in"
    for sub in ("a", "b/c"):
        (src / sub).mkdir(parents=True)
        shutil.copy(DATA / "coins.png", src / sub / "same.png")
    (src / "b" / "loop").symlink_to(src)                  # ** follows it, in circles
    out = tmp_path / "out"
    assert main(["segment", f"{src}/**/*.png", "--recursive", "-o", str(out), "--n",
                 "20", "--quiet", "--no-overlay"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "a/same_labels.png", "b/c/same_labels.png"]
    assert main(["segment", f"{src}/*/same.png", "-o", str(tmp_path / "flat"), "--n",
                 "20", "--quiet", "--no-overlay"]) == 0
    assert [p.relative_to(tmp_path / "flat").as_posix()
            for p in (tmp_path / "flat").rglob("*.png")] == ["a/same_labels.png"]


@pytest.mark.parametrize("dask", ["local:0", "local:two", "", " ", " local:2"])
def test_a_bad_dask_address_is_named_before_anything_is_written(tmp_path, capsys,
                                                                  dask):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["segment", str(DATA), "-o", str(out), "--dask", dask])
    assert exc.value.code == 2
    assert "argument --dask: a scheduler address, 'local' or 'local:N'" in (
        capsys.readouterr().err)
    with pytest.raises(ValueError, match="dask must be a scheduler address"):
        segment_files([DATA], out, dask=dask)
    assert not out.exists()


def test_dask_without_distributed_says_what_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None
                        if name == "distributed" else find_spec(name, *args))
    with pytest.raises(ImportError, match=r"pip install 'classicseg\[dask\]'"):
        segment_files([DATA], tmp_path / "out", dask="local")
    with pytest.raises(SystemExit) as exc:
        main(["segment", str(DATA), "-o", str(tmp_path / "out"), "--dask", "local"])
    assert exc.value.code == 2 and "classicseg[dask]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_npz_folder_names_a_file_it_cannot_read_as_ours(tmp_path):
    from classicseg.batch import load_npz_folder
    (tmp_path / "cut_labels.npz").write_bytes(b"PK\x03\x04 cut short")
    np.savez(tmp_path / "foreign_labels.npz", foo=np.zeros(3))
    np.save(tmp_path / "one.npy", np.zeros(3))
    (tmp_path / "one.npy").rename(tmp_path / "one_labels.npz")
    np.savez(tmp_path / "pickled_labels.npz", x=np.array([{}], dtype=object))
    folder = load_npz_folder(tmp_path)
    reasons = ["not a zip file", "no edge_attr, edge_index, labels, pos, x",
               "a single array", "Object arrays cannot be loaded"]
    for path, reason in zip(folder.paths, reasons, strict=True):
        with pytest.raises(ValueError, match=re.escape(f"{path}: ") + ".*" + reason):
            folder[folder.paths.index(path)]


def test_an_image_named_like_our_outputs_outside_the_output_folder_is_taken(tmp_path):
    src = tmp_path / "gt"
    src.mkdir()
    shutil.copy(DATA / "coins.png", src / "road_labels.png")
    out = tmp_path / "out"
    assert main(["segment", str(src / "road_labels.png"), "-o", str(out), "--n", "20",
                 "--quiet", "--no-overlay"]) == 0
    assert (out / "road_labels_labels.png").is_file()


def test_a_flat_glob_keeps_hard_linked_files(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DATA / "coins.png", src / "a.png")
    os.link(src / "a.png", src / "b.png")
    assert [p.name for p in collect_inputs([f"{src}/*.png"])] == ["a.png", "b.png"]


def test_auto_format_removes_the_other_kind_of_label_file(tmp_path, caplog):
    out = tmp_path / "out"
    out.mkdir()
    np.save(out / "coins_labels.npy", np.ones((2, 2), np.int32))   # another run's
    argv = ["segment", str(DATA / "coins.png"), "-o", str(out), "--n", "20", "--quiet",
            "--no-overlay"]
    assert main(argv + ["--overwrite"]) == 0
    assert sorted(p.name for p in out.glob("coins*")) == ["coins_labels.png"]
    caplog.clear()
    assert main(argv + ["--resume"]) == 0 and "0 ok / 1 skipped" in caplog.text


@pytest.mark.parametrize("pattern, root", [
    ("in/*.png", "in"), ("./in//*.png", "in"), ("in/*/*.png", "in"),
    ("in/b/../*.PNG", "in/b/.."), ("*/*/*.png", "."), ("in/**/*.png", "in")])
def test_glob_plans_spell_and_sort_as_paths(tmp_path, monkeypatch, pattern, root):
    # planned in strings, for speed: the reference is pathlib's spelling and order,
    # and the base below the pattern's literal folders (root)
    import glob

    from classicseg.batch import plan_inputs
    monkeypatch.chdir(tmp_path)
    for sub in ("in", "in/a", "in/b", "in/B", "in/x.png"):
        Path(sub).mkdir(exist_ok=True)
        for name in ("z.png", "B.PNG", "a.b.png", "10.png", "9.png", "ü x.png"):
            if not Path(sub, name).is_dir():
                Path(sub, name).touch()
    expected = [(m, m.relative_to(root).with_suffix("")) for m in sorted(
        map(Path, glob.glob(pattern, recursive=True))) if m.is_file()]
    assert expected and plan_inputs([pattern], recursive=True) == expected


@pytest.mark.slow
@pytest.mark.parametrize("inputs", ["relative", "absolute"])
def test_dask_workers_in_another_folder_use_the_paths_as_meant_here(
        tmp_path, monkeypatch, inputs):
    """Relative INPUT and OUTDIR are this process's: a cluster's workers run in a
    folder of their own (where `dask worker` was started).  Relative inputs failed
    as missing there; with absolute ones, the workers wrote the outputs below their
    folder, while the manifest said "ok" for outputs that were not here."""
    distributed = pytest.importorskip("distributed")
    elsewhere, here = tmp_path / "elsewhere", tmp_path / "here"
    elsewhere.mkdir()
    here.mkdir()
    _fault_folder(here).rename(here / "in")
    monkeypatch.chdir(here)
    given = "in" if inputs == "relative" else str(here / "in")
    argv = ["segment", given, "--n", "30", "--recursive", "--quiet"]
    assert main(argv + ["-o", "local"]) == 1
    monkeypatch.chdir(elsewhere)   # where the workers start
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        monkeypatch.chdir(here)
        assert main(argv + ["-o", "dask", "--dask", cluster.scheduler_address]) == 1
    assert list(elsewhere.iterdir()) == []

    def entries(out):   # in input order, outputs named below their folder
        return sorted(({**e, "seconds": None, "outputs": [
            str(Path(p).relative_to(out)) for p in e["outputs"]]}
                       for e in _manifest(here / out)), key=lambda e: e["input"])
    assert entries("local") == entries("dask")
    made = {out: sorted(p.relative_to(here / out) for p in (here / out).rglob("*.png"))
            for out in ("local", "dask")}
    assert made["local"] and made["local"] == made["dask"]
    for rel in made["local"]:
        assert (here / "local" / rel).read_bytes() == (here / "dask" / rel).read_bytes()


def test_a_dask_report_names_the_files_as_they_were_given(tmp_path, monkeypatch):
    from classicseg import batch
    monkeypatch.chdir(tmp_path)
    here = os.getcwd()
    job = ("in/a.png", "in/a")   # outputs beside the input: its path starts as the base
    assert batch._from_here([job], here) == [(f"{here}/in/a.png", f"{here}/in/a")]
    report = {"status": "ok", "error": None, "labels": f"{here}/in/a_labels.npy"}
    assert batch._as_given(report, job, here) == {**report, "labels": "in/a_labels.npy"}
    failed = {"status": "failed", "error": f"cannot decode {here}/in/a.png; nor "
              f"write {here}/in/a_overlay.png", "segments": None, "seconds": None}
    assert batch._as_given(failed, job, here)["error"] == (
        "cannot decode in/a.png; nor write in/a_overlay.png")
    given = (f"{here}/in/a.png", "/out/a")   # absolute: as they are
    assert batch._from_here([given], here) == [given]
    assert batch._as_given(failed, given, here) == failed
