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
    code = ("import sys, classicseg; heavy = [m for m in ('cv2', 'classicseg.metrics', "
            "'classicseg.cli') if m in sys.modules]; print(heavy)")
    for first in ("classicseg", "classicseg.batch", "classicseg.cli",
                  "classicseg.evaluation"):
        done = subprocess.run([sys.executable, "-c", f"import {first}"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
