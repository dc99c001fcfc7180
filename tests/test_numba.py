"""classicseg._numba: the jit settings' helpers and intrinsics."""
import os
import subprocess
import sys

import numpy as np
import pytest

from classicseg._numba import compile_in_background, float32_bits, jit, prefetch
from conftest import _available_cpus


@jit
def _sum_with_prefetch(values, ahead):
    total = 0.0
    for i in range(values.size):
        if i + ahead < values.size:
            prefetch(values, i + ahead)
        total += values[i]
    return total


@jit
def _bits(values, out):
    for i in range(values.size):
        out[i] = float32_bits(values[i])


def test_prefetch_is_only_a_hint():
    values = np.random.default_rng(0).random(1000)
    assert _sum_with_prefetch(values, 8) == _sum_with_prefetch(values, values.size)
    assert np.isclose(_sum_with_prefetch(values, 8), values.sum())


def test_float32_bits_is_a_bit_cast():
    values = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, 1e-45, 3.4e38],
                      np.float32)
    out = np.empty(values.size, np.int32)
    _bits(values, out)
    np.testing.assert_array_equal(out, values.view(np.int32))


# ------------------------------------------------------------------ background compile

_BACKGROUND_SCRIPT = """
import sys
import numpy as np
from classicseg import _numba
from classicseg._kernels.unionfind import find
examples = (np.arange(3), 0)
handle = _numba.compile_in_background(find, *examples)
assert handle is not None
assert _numba.compile_in_background(find, *examples) is handle   # one child
handle.wait()
signature = tuple(_numba.numba.typeof(x) for x in examples)
assert _numba._is_cached(find, signature)
assert _numba.compile_in_background(find, *examples) is handle
assert find(np.arange(3), 2) == 2
assert find.stats.cache_hits[signature] == 1, find.stats   # loaded, not compiled
assert not find.stats.cache_misses
"""


def test_background_compile_fills_the_cache_the_first_call_loads(tmp_path):
    if _available_cpus() < 2:
        pytest.skip("background compilation needs 2 CPUs, 1 available")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    env.pop("CLASSICSEG_BACKGROUND_COMPILE", None)
    done = subprocess.run([sys.executable, "-c", _BACKGROUND_SCRIPT], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_background_compile_only_when_it_gains(monkeypatch):
    examples = (np.arange(3), 1)
    _store(*examples)
    assert compile_in_background(_store, *examples) is None   # compiled here
    monkeypatch.setenv("CLASSICSEG_BACKGROUND_COMPILE", "0")
    assert compile_in_background(_store_never_called, *examples) is None
    assert not _store_never_called.overloads


@jit
def _store(values, x):
    values[0] = x


@jit
def _store_never_called(values, x):
    values[0] = x
