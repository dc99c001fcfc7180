"""Shared data paths, fixtures and helpers of the test suite.

Data: ``DATA`` is the repository's small sample folder; ``BSDS_ROOT`` the benchmark
data (``$CLASSICSEG_DATA``, else ``../shared/data`` beside the repository), which
tests needing it skip without.  ``call_with_threads`` runs a function in a fresh
interpreter with a given Numba thread count, for thread-determinism tests.
"""
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = REPO / "data"
SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix in (".png", ".jpg"))
BSDS_ROOT = Path(os.environ.get("CLASSICSEG_DATA") or REPO.parent / "shared" / "data")
BSDS_VAL = BSDS_ROOT / "bsds500" / "images" / "val"
requires_bsds = pytest.mark.skipif(not BSDS_VAL.is_dir(),
                                   reason=f"BSDS500 not found at {BSDS_ROOT}")


def read_image(path):
    """An image file as RGB (or gray) uint8, channels last."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_raises():
    """Ctrl-C raises in the suite and in the commands it starts, as in a terminal,
    even when the suite is a shell's background job: such a job ignores SIGINT,
    every process it starts inherits that, and the Ctrl-C tests would fail."""
    before = signal.getsignal(signal.SIGINT)
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture(scope="session")
def chelsea():
    """The 300 x 451 RGB cat of scikit-image's data set."""
    return read_image(DATA / "chelsea.png")


@pytest.fixture
def rng():
    """A seeded generator, fresh for every test."""
    return np.random.default_rng(0)


def _available_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1


def call_with_threads(threads, function, *args, **kwargs):
    """``function(*args, **kwargs)`` computed in a fresh Python whose Numba uses
    ``threads`` threads (``NUMBA_NUM_THREADS``), so the comparison does not depend
    on the thread count this process was started with.

    ``function`` is ``"module:name"`` (test modules importable too); arguments
    and result go through pickle.
    Skips the test, saying why, when the machine has fewer CPUs than ``threads``.
    """
    if _available_cpus() < threads:
        pytest.skip(f"needs {threads} CPUs to run {threads} Numba threads, "
                    f"{_available_cpus()} available")
    module, name = function.split(":")
    script = (
        f"import pickle, sys, importlib, numba; sys.path.insert(0, {str(TESTS)!r})\n"
        f"assert numba.get_num_threads() == {threads}, numba.get_num_threads()\n"
        "args, kwargs = pickle.load(sys.stdin.buffer)\n"
        f"result = getattr(importlib.import_module({module!r}), {name!r})"
        "(*args, **kwargs)\n"
        "pickle.dump(result, sys.stdout.buffer)\n")
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps((args, kwargs)),
                          capture_output=True, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr.decode()
    return pickle.loads(done.stdout)


@pytest.fixture
def one_thread():
    """Run the test body with one Numba thread, restoring the count afterwards
    (pytest runs the code after ``yield`` whatever the test's outcome)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)
