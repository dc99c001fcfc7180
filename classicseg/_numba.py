"""Numba configured in one place.

Every kernel in classicseg is compiled through :func:`jit`: cached on disk, GIL
released, and a fastmath set that keeps NaN/inf semantics (kernels use ``inf`` as a
sentinel).  Nothing is compiled at import; the first call of a kernel compiles it (or
loads it from the on-disk cache).

Numba's cache key ignores ``parallel=``: never compile two variants of one function.

A cached kernel is stale when its own file changes, and (unlike Numba's default
cache) also when this file or a file of :mod:`classicseg._kernels` changes: kernels
call and inline those shared primitives, whose edits Numba's per-file stamp would
not notice.  Kernels of other modules still never call each other across files.
"""
import contextlib
import functools
import hashlib
import os
import pickle
import subprocess
import sys
import threading

import numba
from llvmlite import ir
from numba import prange  # noqa: F401  (re-exported for kernels)
from numba import types
from numba.core import caching, cgutils
from numba.extending import intrinsic

# No 'nnan'/'ninf': inf sentinels must compare correctly.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def jit(func=None, *, parallel=False, fastmath=True, inline=False):
    """``numba.njit`` with classicseg's settings (cache, nogil, safe fastmath).

    ``inline=True`` inlines the function into its callers at Numba IR level: for
    tiny helpers called per pixel or per run, whose call overhead (array
    arguments passed as structs and reference-counted) exceeds their work."""
    options = dict(nogil=True, parallel=parallel,
                   fastmath=set(FASTMATH) if fastmath else False,
                   error_model="numpy", inline="always" if inline else "never")

    def compile_cached(f):
        dispatcher = numba.njit(**options)(f)
        dispatcher._cache = _PackageCache(dispatcher.py_func)   # cache=True, our stamp
        return dispatcher
    return compile_cached if func is None else compile_cached(func)


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_SHARED = os.path.join(_PACKAGE, "_kernels")


def _file_digest(path):
    st = os.stat(path)
    return _content_digest(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=None)
def _content_digest(path, mtime_ns, size):   # re-read when mtime or size change
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def _package_stamp(py_file):
    """A digest of ``py_file``, this file and the shared primitives' files."""
    digest = hashlib.sha256(_file_digest(py_file) + _file_digest(__file__))
    if os.path.isdir(_SHARED):
        for name in sorted(os.listdir(_SHARED)):
            if name.endswith(".py"):
                digest.update(name.encode() + _file_digest(os.path.join(_SHARED, name)))
    return digest.digest()


def _package_stamped(locator):
    """``locator`` (a Numba cache locator class) stamping the package's files with
    :func:`_package_stamp`, other files (e.g. tests') as before."""
    class PackageStamped(locator):
        def get_source_stamp(self):
            if os.path.abspath(self._py_file).startswith(_PACKAGE + os.sep):
                return _package_stamp(self._py_file)
            return super().get_source_stamp()
    PackageStamped.__name__ = f"PackageStamped{locator.__name__}"
    return PackageStamped


class _PackageCacheImpl(caching.CompileResultCacheImpl):
    _locator_classes = [
        _package_stamped(c) if issubclass(c, caching._SourceFileBackedLocatorMixin)
        else c for c in caching.CompileResultCacheImpl._locator_classes]


class _PackageCache(caching.FunctionCache):
    _impl_class = _PackageCacheImpl


#: Jobs with fewer work items than this run their parallel kernels on one thread.
SERIAL_BELOW = 1 << 20


@contextlib.contextmanager
def serial_if_small(n_items, threshold=SERIAL_BELOW):
    """Run the parallel kernels called inside on the calling thread alone when the job
    has fewer than ``threshold`` items (e.g. pixels).

    A parallel region waits for its slowest thread: on a busy machine a worker thread
    that is not scheduled stalls a sub-millisecond job for a time slice (about 10 ms
    measured on the 2-core dev machine, 10-40x the job).  Numba's thread count is
    per calling thread; the old value is restored on exit.
    """
    if n_items >= threshold:
        yield
        return
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def on_first_compile(callback):
    """Call ``callback()`` once, when Numba first compiles a function in this process
    (kernels loaded from the on-disk cache do not count): the CLI's "compiling
    kernels" line, printed only when the cache is cold."""
    from numba.core import event

    class _Once(event.Listener):
        # A flag, not event.unregister: unregistering while Numba dispatches the
        # event makes it skip the next listener (a second callback never fired).
        fired = False

        def on_start(self, _):
            if not self.fired:
                self.fired = True
                callback()

        def on_end(self, _):
            pass

    event.register("numba:compile", _Once())


# ------------------------------------------------------------------ cold start

# The child imports the parent's copy of classicseg, putting it first on sys.path only
# when another copy (or none) would be found.
_COMPILE_CHILD = """
import importlib, importlib.util, os, pickle, sys
package_dir, module, name, examples = pickle.load(sys.stdin.buffer)
spec = importlib.util.find_spec("classicseg")
if spec is None or os.path.dirname(spec.origin) != package_dir:
    sys.path.insert(0, os.path.dirname(package_dir))
import numba
dispatcher = getattr(importlib.import_module(module), name)
dispatcher.compile(tuple(numba.typeof(x) for x in examples))
"""


class BackgroundCompile:
    """A kernel being compiled into the on-disk cache by another process."""

    def __init__(self, process):
        self._process = process

    def wait(self, timeout=300):
        """Block until the other process is done (the kernel's first call then
        loads it from the cache; if that process failed, the call compiles it)."""
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def compile_in_background(dispatcher, *examples):
    """Compile ``dispatcher`` for the types of ``examples`` in a child process,
    into the shared on-disk cache, while this process compiles something else.

    Numba compiles on one core under a global lock; a cold start that compiles
    two big kernels one after the other (SLIC's k-means, then its connectivity
    pass) takes about half the time with the second one built on another core.
    Returns a :class:`BackgroundCompile` to ``wait()`` for before the first call,
    or None when there is nothing to gain: the kernel is compiled in this process
    or cached on disk, fewer than two CPUs are usable, the JIT is off, or
    ``CLASSICSEG_BACKGROUND_COMPILE=0``.  One child per kernel and process: later
    calls get the same handle.  ``examples`` are small arrays/scalars of the
    argument types, pickled to the child.
    """
    if (numba.config.DISABLE_JIT or _usable_cpus() < 2 or not sys.executable
            or os.environ.get("CLASSICSEG_BACKGROUND_COMPILE", "1") == "0"):
        return None
    with _BACKGROUND_LOCK:
        if dispatcher in _BACKGROUND:
            return _BACKGROUND[dispatcher]
        if dispatcher.overloads:
            return None
        try:
            if _is_cached(dispatcher, tuple(numba.typeof(x) for x in examples)):
                return None
            process = subprocess.Popen([sys.executable, "-c", _COMPILE_CHILD],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            with process.stdin:
                pickle.dump((_PACKAGE, dispatcher.py_func.__module__,
                             dispatcher.py_func.__name__, examples), process.stdin)
        except (OSError, AttributeError, pickle.PicklingError):
            return None   # private Numba API changed, or no process: compile here
        _BACKGROUND[dispatcher] = BackgroundCompile(process)
        return _BACKGROUND[dispatcher]


_BACKGROUND = {}   # dispatcher -> its BackgroundCompile, at most one per process
_BACKGROUND_LOCK = threading.Lock()


def _is_cached(dispatcher, signature):
    """Whether Numba's on-disk cache holds a fresh ``signature`` of ``dispatcher``
    (without loading it)."""
    cache = dispatcher._cache
    key = cache._index_key(signature, dispatcher.targetctx.codegen())
    return key in cache._cache_file._load_index()


def _usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


@intrinsic
def prefetch(typingctx, array, index):
    """Hint the CPU to load ``array[index]`` into cache (``llvm.prefetch``, no bounds
    check, no effect on results).  For queue-driven kernels whose next pixels are
    known a few steps ahead: the loads then overlap instead of stalling one by one."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        arr = context.make_array(array_type)(context, builder, args[0])
        i = context.cast(builder, args[1], index_type, types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, arr, [i],
                                           wraparound=False, boundscheck=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", [i8p], ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
        # read, high temporal locality, data cache
        builder.call(fn, [builder.bitcast(pointer, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(array, index), codegen


@intrinsic
def float32_bits(typingctx, value):
    """The bits of a float32 as an int32 (a bit cast, no conversion)."""
    if value != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(value), codegen

