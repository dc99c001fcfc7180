"""The package's shape: public names, lazy submodules, no import cycle, light import."""
import importlib
import subprocess
import sys

import pytest

import classicseg

MODULES = ["batch", "cli", "color", "datasets", "evaluation", "filters", "io", "labels",
           "meanshift", "metrics", "segmenters", "slic", "testing", "viz", "watershed"]


@pytest.mark.parametrize("name", MODULES)
def test_every_name_in_all_exists(name):
    module = importlib.import_module(f"classicseg.{name}")
    assert module.__all__, name
    assert [n for n in module.__all__ if not hasattr(module, n)] == []


def test_submodules_are_attributes_and_the_top_level_all_resolves():
    assert classicseg.metrics.__name__ == "classicseg.metrics"
    assert [n for n in classicseg.__all__ if not hasattr(classicseg, n)] == []
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        classicseg.nope


def test_import_is_light_and_acyclic():
    code = ("import sys, classicseg; heavy = [m for m in ('numba', 'cv2', "
            "'classicseg.metrics', 'classicseg.cli') if m in sys.modules]; print(heavy)")
    for first in ("classicseg", "classicseg.batch", "classicseg.cli",
                  "classicseg.evaluation"):
        done = subprocess.run([sys.executable, "-c", f"import {first}"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_importing_a_submodule_keeps_the_function_of_its_name():
    # the package's names are lazy: the submodule import must not replace them
    code = ("import classicseg.slic, classicseg.watershed, classicseg.ncut, classicseg; "
            "from classicseg import slic; "
            "print(*[getattr(classicseg, n).__module__ for n in ('slic', 'watershed', "
            "'ncut')], slic is classicseg.slic, callable(slic))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["classicseg.slic", "classicseg.watershed",
                                  "classicseg.ncut", "True", "True"], out.stderr


def test_the_command_line_help_loads_no_numba():
    code = ("import sys; from classicseg.cli import build_parser; "
            "build_parser().format_help(); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
