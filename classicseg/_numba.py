"""Numba configured in one place.

Every kernel in classicseg is compiled through :func:`jit`: cached on disk, GIL
released, and a fastmath set that keeps NaN/inf semantics (kernels use ``inf`` as a
sentinel).  Nothing is compiled at import; the first call of a kernel compiles it (or
loads it from the on-disk cache).

Numba's cache key ignores ``parallel=``: never compile two variants of one function.
"""
import numba
from numba import prange  # noqa: F401  (re-exported for kernels)

# No 'nnan'/'ninf': inf sentinels must compare correctly.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def jit(func=None, *, parallel=False, fastmath=True):
    """``numba.njit`` with classicseg's settings (cache, nogil, safe fastmath)."""
    options = dict(cache=True, nogil=True, parallel=parallel,
                   fastmath=set(FASTMATH) if fastmath else False,
                   error_model="numpy")
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)
