"""Specification of classicseg.io: images keep their depth and RGB order, label maps
round-trip exactly, writes are atomic, failures name the file."""
import errno
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from classicseg import io
from classicseg.io import IMAGE_SUFFIXES, read_image, read_labels, write_image, \
    write_labels

REPO = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)


def _files(folder):
    return sorted(p.name for p in Path(folder).iterdir())


# --- images ---------------------------------------------------------------------------

def test_reads_rgb_in_rgb_order(tmp_path):
    bgr = np.zeros((2, 3, 3), np.uint8)
    bgr[..., 2] = 200  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / "red.png"), bgr)
    rgb = read_image(tmp_path / "red.png")
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 3, 3)
    assert rgb[0, 0].tolist() == [200, 0, 0]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [None, 3, 4])
def test_png_round_trip_keeps_depth_and_channels(tmp_path, dtype, channels):
    shape = (5, 7) if channels is None else (5, 7, channels)
    image = RNG.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)
    bgr = image if channels is None else cv2.cvtColor(
        image, cv2.COLOR_RGB2BGR if channels == 3 else cv2.COLOR_RGBA2BGRA)
    cv2.imwrite(str(tmp_path / "x.png"), bgr)
    back = read_image(str(tmp_path / "x.png"))
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, image)


def test_16bit_tiff_keeps_depth(tmp_path):
    image = RNG.integers(0, 65535, (4, 6, 3)).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "x.tif"), image[..., ::-1])
    np.testing.assert_array_equal(read_image(tmp_path / "x.tif"), image)


def test_reads_repo_samples():
    assert read_image(REPO / "data" / "chelsea.png").shape == (300, 451, 3)
    assert read_image(REPO / "data" / "coins.png").ndim == 2
    jpg = read_image(REPO / "data" / "rocket.jpg")
    ref = cv2.cvtColor(cv2.imread(str(REPO / "data" / "rocket.jpg")), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(jpg, ref)


def test_reads_npy(tmp_path):
    array = RNG.random((3, 4, 3))
    np.save(tmp_path / "x.npy", array)
    np.testing.assert_array_equal(read_image(tmp_path / "x.npy"), array)


def test_every_listed_suffix_is_readable(tmp_path):
    bgr = (RNG.integers(0, 2, (64, 64, 3)) * 255).astype(np.uint8)
    for suffix in sorted(IMAGE_SUFFIXES - {".npy"}):
        path = tmp_path / f"x{suffix}"
        image = bgr[..., 0] if suffix in (".pgm", ".pbm") else bgr  # gray-only formats
        path.write_bytes(cv2.imencode(suffix, image)[1].tobytes())
        assert read_image(path).shape[:2] == (64, 64), suffix


def test_non_ascii_path(tmp_path):
    path = write_image(tmp_path / "chat_é.png", np.zeros((2, 2, 3), np.uint8))
    assert read_image(path).shape == (2, 2, 3)


def test_missing_and_unreadable_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "junk.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="junk.png"):
        read_image(tmp_path / "junk.png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.jpg"):
        read_image(tmp_path / "empty.jpg")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="bad.npy"):
        read_image(tmp_path / "bad.npy")
    with pytest.raises(IsADirectoryError):
        read_image(tmp_path)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_write_image_uint8_is_lossless(tmp_path, suffix):
    rgb = RNG.integers(0, 256, (6, 5, 3)).astype(np.uint8)
    path = write_image(tmp_path / f"x{suffix}", rgb)
    assert path == tmp_path / f"x{suffix}"
    np.testing.assert_array_equal(read_image(path), rgb)


def test_write_image_floats_and_other_layouts(tmp_path):
    rgb = np.array([[[0.0, 0.5, 1.0], [-0.2, 1.3, 0.25]]])
    back = read_image(write_image(tmp_path / "f.png", rgb))
    assert back.tolist() == [[[0, 128, 255], [0, 255, 64]]]  # clipped, rounded
    assert rgb[0, 1].tolist() == [-0.2, 1.3, 0.25]  # the input is untouched
    gray = read_image(write_image(tmp_path / "g.png", np.array([[0.0, 1.0]])))
    assert gray.tolist() == [[0, 255]]
    rgba = RNG.integers(0, 256, (3, 3, 4)).astype(np.uint8)
    np.testing.assert_array_equal(read_image(write_image(tmp_path / "a.png", rgba)), rgba)
    jpg = read_image(write_image(tmp_path / "a.jpg", rgba))  # JPEG drops alpha
    assert jpg.shape == (3, 3, 3)
    wide = read_image(write_image(tmp_path / "w.png", np.full((2, 2, 3), 65535, np.uint16)))
    assert wide.dtype == np.uint8 and (wide == 255).all()


def test_write_image_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="suffix '.gifx'"):
        write_image(tmp_path / "x.gifx", np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="2 channels"):
        write_image(tmp_path / "x.png", np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        write_image(tmp_path / "x.png", np.full((2, 2), np.nan))
    with pytest.raises(FileNotFoundError, match="missing"):
        write_image(tmp_path / "missing" / "x.png", np.zeros((2, 2), np.uint8))
    assert _files(tmp_path) == []


# --- label maps -------------------------------------------------------------------------

def test_labels_round_trip_as_16bit_png(tmp_path):
    labels = RNG.integers(0, 65536, (20, 30)).astype(np.int32)
    labels[0, 0] = 65535
    path = write_labels(tmp_path / "seg.png", labels)
    assert path == tmp_path / "seg.png"
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16  # viewable by any image tool
    back = read_labels(path)
    assert back.dtype == np.int32
    np.testing.assert_array_equal(back, labels)


def test_large_labels_go_to_npy_and_the_suffix_changes(tmp_path):
    labels = np.array([[1, 2], [70000, 3]])
    path = write_labels(tmp_path / "seg.png", labels)
    assert path == tmp_path / "seg.npy"
    assert _files(tmp_path) == ["seg.npy"]
    back = read_labels(path)
    assert back.dtype == np.int32
    np.testing.assert_array_equal(back, labels)


@pytest.mark.parametrize("name, fmt, labels, written", [
    ("a", "auto", [[1, 2]], "a.png"),
    ("a.npy", "auto", [[1, 2]], "a.npy"),  # an explicit .npy is honoured
    ("a.tif", "png", [[1, 2]], "a.png"),
    ("a.png", "npy", [[1, 2]], "a.npy"),
    ("a.png", "auto", [[-1, 2]], "a.npy"),  # negative labels do not fit a PNG
    ("a.png", "auto", [[[1, 2]]], "a.npy"),  # nor do 3-D maps
])
def test_write_labels_format_choice(tmp_path, name, fmt, labels, written):
    labels = np.array(labels)
    path = write_labels(tmp_path / name, labels, format=fmt)
    assert path.name == written and _files(tmp_path) == [written]
    np.testing.assert_array_equal(read_labels(path), labels)


def test_write_labels_png_refuses_what_does_not_fit(tmp_path):
    with pytest.raises(ValueError, match="16-bit PNG"):
        write_labels(tmp_path / "a.png", np.array([[0, 65536]]), format="png")
    with pytest.raises(ValueError, match="format must be"):
        write_labels(tmp_path / "a.png", np.array([[0, 1]]), format="tiff")
    with pytest.raises(TypeError, match="float"):
        write_labels(tmp_path / "a.png", np.array([[0.0, 1.0]]))
    assert _files(tmp_path) == []


def test_read_labels_refuses_colour_and_huge_labels(tmp_path):
    cv2.imwrite(str(tmp_path / "rgb.png"), np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="rgb.png has 3 channels"):
        read_labels(tmp_path / "rgb.png")
    np.save(tmp_path / "huge.npy", np.array([[0, 2**40]]))
    with pytest.raises(ValueError, match="int32"):
        read_labels(tmp_path / "huge.npy")
    np.save(tmp_path / "float.npy", np.zeros((2, 2)))
    with pytest.raises(TypeError, match="float"):
        read_labels(tmp_path / "float.npy")
    with pytest.raises(FileNotFoundError, match="absent.png"):
        read_labels(tmp_path / "absent.png")


# --- atomic writes ------------------------------------------------------------------------

def test_failing_encoder_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(io.cv2, "imencode", lambda *a, **k: (False, None))
    with pytest.raises(OSError, match="could not encode"):
        write_image(tmp_path / "x.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(OSError, match="could not encode"):
        write_labels(tmp_path / "l.png", np.zeros((2, 2), int))
    assert _files(tmp_path) == []


def test_interrupted_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    old = np.arange(4).reshape(2, 2)
    path = write_labels(tmp_path / "l.npy", old)

    def explode(f, data):
        f.write(b"\x93NUMPY partial")
        raise KeyboardInterrupt  # e.g. Ctrl-C in the middle of a batch

    monkeypatch.setattr(io.np, "save", explode)
    with pytest.raises(KeyboardInterrupt):
        write_labels(path, np.zeros((2, 2), int))
    monkeypatch.undo()
    assert _files(tmp_path) == ["l.npy"]
    np.testing.assert_array_equal(read_labels(path), old)


def _full_disk(file):   # a write that fills the disk
    file.write(b"\x89PNG")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_reported_naming_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "l.png"
    with pytest.raises(OSError, match=f"No space left on device: '{path}'$"):
        io._atomic_write(path, _full_disk)
    assert _files(tmp_path) == []


def test_files_replaced_together_replace_theirs_when_it_ends(tmp_path):
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"old")
    image = RNG.integers(0, 256, (3, 4, 3), dtype=np.uint8)
    with io.replaced_together():
        write_image(tmp_path / "a.png", image)
        write_labels(tmp_path / "b.png", np.ones((2, 2), int))
        write_labels(tmp_path / "c", np.ones((2, 2), int))
        assert [(tmp_path / n).read_bytes() for n in ("a.png", "b.png")] == [b"old"] * 2
        assert not (tmp_path / "c.png").exists()
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)
    assert read_labels(tmp_path / "b.png").tolist() == [[1, 1], [1, 1]]
    assert _files(tmp_path) == ["a.png", "b.png", "c.png"]


@pytest.mark.parametrize("error", [OSError, ValueError, KeyboardInterrupt])
def test_files_replaced_together_replace_none_after_an_error(tmp_path, error):
    (tmp_path / "a.png").write_bytes(b"old")

    def fail(file):
        if error is OSError:
            _full_disk(file)
        raise error("failed")
    with pytest.raises(error):
        with io.replaced_together():
            write_labels(tmp_path / "a.png", np.ones((2, 2), int))
            write_labels(tmp_path / "b.png", np.ones((2, 2), int))
            io._atomic_write(tmp_path / "c.png", fail)
    assert _files(tmp_path) == ["a.png"] and (tmp_path / "a.png").read_bytes() == b"old"


def test_written_files_have_ordinary_permissions(tmp_path):
    path = write_labels(tmp_path / "l.png", np.zeros((2, 2), int))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
