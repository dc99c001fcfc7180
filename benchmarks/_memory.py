"""Peak memory of one call, as the benchmarks report it.

The growth of the process's resident set: VmHWM, reset through /proc/self/clear_refs
just before the call, minus VmRSS then.  It counts NumPy, Numba and C/C++ allocations
alike (tracemalloc sees only Python's).  Linux only.
"""
from pathlib import Path


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_memory_mb(fn):
    """Peak growth of the resident set while ``fn()`` runs, in MB."""
    before = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")   # reset VmHWM to the current RSS
    fn()
    return (_status_kb("VmHWM") - before) / 1024
