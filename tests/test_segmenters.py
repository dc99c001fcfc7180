"""The segmenter registry: specs, parameter checks, and one registration reaching the
library, the batch API and both CLI commands."""
import json
from pathlib import Path

import numpy as np
import pytest

import classicseg
from classicseg import cli, segmenters
from classicseg.batch import segment_files
from classicseg.segmenters import Param

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def toy():
    """A toy method registered for one test: ``k`` vertical stripes."""
    @segmenters.register("stripes", Param("k", int, 2, "number of stripes", low=1),
                         Param("flip", bool, False, "stripes right to left"))
    def stripes(image, *, channel_axis, k, flip):
        width = image.shape[1]
        cols = np.arange(width) * k // width + 1
        return np.tile(cols[::-1] if flip else cols, (image.shape[0], 1)).astype(np.int32)
    yield segmenters.get("stripes")
    segmenters.unregister("stripes")


def test_builtin_specs_match_the_functions_defaults():
    import inspect
    assert segmenters.available()[:2] == ("slic", "watershed")
    slic_sig = inspect.signature(classicseg.slic).parameters
    for name, default in segmenters.get("slic").defaults().items():
        assert slic_sig[name].default == default, name
    ws_sig = inspect.signature(classicseg.watershed_segmentation).parameters
    for name, default in segmenters.get("watershed").defaults().items():
        assert ws_sig[name].default == default, name


def test_readme_lists_every_method_s_command_line_flags():
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    for method in segmenters.available():
        flags = ", ".join(f"`--{p.name.replace('_', '-')}`"
                          for p in segmenters.get(method).params)
        assert f"{method}: {flags}" in readme, method


def test_segment_equals_calling_the_function():
    img = np.zeros((30, 40, 3), np.uint8)
    img[:, 20:] = 200
    assert np.array_equal(classicseg.segment(img, "slic", n=12, compactness=5),
                          classicseg.slic(img, n=12, compactness=5))
    gray = img[..., 0]
    assert np.array_equal(
        classicseg.segment(gray, "watershed", h=0.1, channel_axis=None),
        classicseg.watershed_segmentation(gray, h=0.1, channel_axis=None))


def test_unknown_method_lists_the_methods():
    with pytest.raises(ValueError, match="unknown method 'nope'; available methods: "
                                         "slic, watershed"):
        segmenters.segment(np.zeros((4, 4)), "nope")


@pytest.mark.parametrize("params, error, match", [
    ({"n": 0}, ValueError, "slic: n must be >= 1, got 0"),
    ({"n": 2.5}, TypeError, "slic: n must be an integer, got 2.5"),
    ({"n": True}, TypeError, "n must be an integer"),
    ({"compactness": -1}, ValueError, "compactness must be >= 0.0"),
    ({"compactness": float("nan")}, ValueError, "compactness must be finite"),
    ({"slico": 1}, TypeError, "slico must be True or False"),
    ({"h": 0.1}, ValueError, "method 'slic' has no parameter 'h'; its parameters "
                             "are: n, compactness"),
])
def test_parameters_are_checked_before_running(params, error, match):
    with pytest.raises(error, match=match):
        segmenters.get("slic").resolve(params)


def test_param_conversion_and_parsing():
    assert segmenters.get("slic").resolve({"compactness": 3})["compactness"] == 3.0
    assert segmenters.get("slic").resolve({"n": np.int64(7)})["n"] == 7
    h = segmenters.get("watershed").param("h")
    assert h.check(None) is None and h.parse("none") is None and h.parse("0.5") == 0.5
    flag = segmenters.get("slic").param("slico")
    assert flag.parse("yes") is True and flag.parse("0") is False
    with pytest.raises(ValueError, match="slico must be True or False, got 'maybe'"):
        flag.parse("maybe")


def test_registration_errors(toy):
    with pytest.raises(ValueError, match="already registered"):
        segmenters.register("stripes")(lambda image, *, channel_axis: image)
    with pytest.raises(TypeError, match="parameter 'k' is float but 'stripes' has it "
                                        "as int"):
        segmenters.register("other", Param("k", float, 1.0, "k"))
    with pytest.raises(ValueError, match="identifier"):
        segmenters.register("two words")
    with pytest.raises(ValueError, match="unique and not channel_axis"):
        segmenters.register("x", Param("channel_axis", int, 0, ""))
    with pytest.raises(ValueError, match="n must be >= 1"):
        Param("n", int, 0, "bad default", low=1)


def test_one_registration_reaches_library_batch_and_cli(toy, tmp_path, capsys):
    img = np.zeros((6, 8), np.uint8)
    assert segmenters.segment(img, "stripes", channel_axis=None, k=4).max() == 4

    result = segment_files([DATA / "coins.png"], tmp_path / "lib", "stripes",
                           {"k": 3}, format="npy", overlay=False)
    assert result.exit_code == 0
    assert np.load(tmp_path / "lib" / "coins_labels.npy").max() == 3

    assert cli.main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path / "cli"),
                     "--method", "stripes", "--k", "5", "--flip", "--format", "npy",
                     "--no-overlay"]) == 0
    labels = np.load(tmp_path / "cli" / "coins_labels.npy")
    assert labels.max() == 5 and labels[0, 0] == 5

    with pytest.raises(SystemExit):
        cli.main(["segment", "--help"])
    assert "--k K" in capsys.readouterr().out

    from test_metrics_bsds import write_fake
    write_fake(tmp_path)
    out = tmp_path / "res.json"
    assert cli.main(["evaluate", "bsds", "--method", "stripes", "--sweep", "k=2,4",
                     "--data-root", str(tmp_path), "--no-boundary", "--json",
                     str(out)]) == 0
    assert json.loads(out.read_text())["settings"] == [{"k": 2}, {"k": 4}]


def test_cli_flag_of_another_method_is_refused(toy, tmp_path, caplog):
    assert cli.main(["segment", str(DATA / "coins.png"), "-o", str(tmp_path),
                     "--method", "stripes", "--n", "5"]) == 2
    assert "--n does not apply to --method stripes (its flags: --k, --flip)" \
        in caplog.text


def test_compilation_is_announced_once(monkeypatch):
    from numba import njit

    from classicseg._numba import on_first_compile
    calls = []
    on_first_compile(lambda: calls.append(1))

    @njit(cache=False)
    def add(a, b):
        return a + b
    add(1, 2)
    add(1.0, 2.0)
    assert calls == [1]


def test_every_first_compile_callback_fires():
    from numba import njit

    from classicseg._numba import on_first_compile
    calls = []
    on_first_compile(lambda: calls.append("a"))
    on_first_compile(lambda: calls.append("b"))

    @njit(cache=False)
    def sub(a, b):
        return a - b
    sub(1, 2)
    sub(1.0, 2.0)
    assert calls == ["a", "b"]
