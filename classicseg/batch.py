"""Segment files and folders of images into an output tree.

:func:`segment_files` takes paths (files, folders, globs), a registered method
(:mod:`classicseg.segmenters`) and its parameters; it is what the ``classicseg
segment`` command runs.  Each input image gives ``<stem>_labels.png`` (or ``.npy``;
``.npz`` with the superpixel graph, :func:`load_npz_folder`) and, unless disabled,
``<stem>_overlay.png``, at the image's place in the output tree (folders' trees are
mirrored).

- Every file fails on its own: the others go on and each failure is reported with
  its reason.
- Outputs are written atomically (temporary file + rename, :mod:`classicseg.io`), so
  a killed run never leaves a half-written output; a later run removes the
  temporary files a killed one left (once no other run writes into the folder).
  An image's outputs are renamed together once all are written
  (:func:`~classicseg.io.replaced_together`): one that cannot be written (a full
  disk) fails the image and keeps the outputs it had.  A manifest line that
  cannot be written stops the run (OSError naming the manifest).
- ``manifest.jsonl`` in the output folder gets one line per image a run segments,
  fails on or keeps without ``mode="resume"``: input, outputs, their sizes in
  bytes, method, parameters, classicseg version, segments, seconds, status (ok /
  skipped / failed / started) and error.  (A resumed image's "ok" line stands: a
  resume of 10^7 finished images adds none.)  An image whose outputs exist and
  are redone gets a "started" line first, so that a run killed while it replaces
  them does not leave them taken as made by the entry before.
- Ctrl-C (SIGINT) or SIGTERM stops a run cleanly: the images not started are
  left, each worker finishes the one it is on, every image finished is recorded,
  then KeyboardInterrupt (:class:`Terminated` for SIGTERM) is raised; a second
  signal stops at once.  (While a run goes on in the main thread, it handles both
  signals itself, so that none lands between an image's outputs and its record.)
  Ctrl-Z (SIGTSTP) stops a pool's workers with the run; ``fg`` goes on with them.
- Existing outputs: ``mode="resume"`` skips an image whose outputs exist, with
  the sizes its last manifest entry records, and that entry is an "ok" made with
  the same method, parameters and format;
  ``mode="overwrite"`` redoes it; by default it is skipped and reported.
- ``workers > 1`` runs a pool of processes, each with ``cores // workers`` Numba
  threads (or ``threads``); ``workers="auto"`` one per core (``cores // threads``),
  fewer when there are too few images to pay for their start;
  ``dask="tcp://host:8786"`` (or ``"local"``, ``"local:N"``) runs the images on a
  Dask distributed cluster instead (``pip install classicseg[dask]``).  The
  workers read the inputs and write the outputs themselves, so every path must
  be the same on them as here (a shared file system; relative paths are sent
  joined to this process's working folder, as the workers have their own); the
  manifest is written here.
"""
import concurrent.futures
import contextlib
import functools
import glob
import itertools
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tqdm import tqdm

from . import segmenters
from .io import (IMAGE_SUFFIXES, _atomic_write, read_image, replaced_together, write_image,
                 write_labels)
from .viz import mark_boundaries

__all__ = ["BatchResult", "MANIFEST", "NpzFolder", "OUTPUT_SUFFIXES", "Terminated",
           "collect_inputs", "load_npz_folder", "segment_files"]

log = logging.getLogger("classicseg")

#: Stem suffixes of the files :func:`segment_files` writes (never taken as inputs).
OUTPUT_SUFFIXES = ("_labels", "_overlay")
MANIFEST = "manifest.jsonl"
_STALE_TMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")   # io._atomic_write's names
_MODES = (None, "resume", "overwrite")


class BatchResult:
    """What :func:`segment_files` did: the images segmented (with their outputs),
    those skipped (outputs kept) and the inputs that failed (with the reason).

    Each image's paths are kept as strings and made Paths on access: as Paths, a
    10^7-image run held about 1 KB per image for what the command only counts."""

    def __init__(self, task):
        self._task = task
        self._done, self._failed, self._skipped = [], [], []

    @property
    def done(self):
        """``[(input path, output paths)]`` of the images segmented."""
        return [(Path(path), self._task.outputs(base, labels))
                for path, base, labels in self._done]

    @property
    def failed(self):
        """``[(input path, reason)]`` of the inputs that failed."""
        return [(Path(path), reason) for path, reason in self._failed]

    @property
    def skipped(self):
        """The input paths whose outputs were kept."""
        return [Path(path) for path in self._skipped]

    @property
    def exit_code(self):
        """0 if no input failed, else 1."""
        return 1 if self._failed else 0


class _Task(NamedTuple):
    """How a run segments each image and names its outputs."""

    method: str
    params: dict
    format: str
    overlay: bool

    def outputs(self, base, labels=None):
        """The output paths of the image whose outputs are named ``base`` +
        "_labels...", "_overlay.png" (``labels``: where its label map went instead,
        a .npy for labels a PNG cannot hold)."""
        base = Path(base)
        if labels is None:
            suffix = self.format if self.format in ("npy", "npz") else "png"   # auto, png
            labels = base.parent / f"{base.name}_labels.{suffix}"
        overlay = base.parent / (base.name + "_overlay.png")
        return (Path(labels), overlay) if self.overlay else (Path(labels),)


def collect_inputs(inputs, *, recursive=False, extensions=None):
    """The image files named in ``inputs``, sorted within each input (see
    :func:`plan_inputs`)."""
    return [Path(path) for path, _ in _plan(inputs, recursive, extensions)]


def plan_inputs(inputs, *, recursive=False, extensions=None):
    """``[(image path, output base)]``: files as given (even if missing, so that
    reading them reports the failure) with base = their stem; folders' images
    (``recursive``: their subfolders' too) with base = their path inside the folder,
    without suffix; globs' images with base = their path below the pattern's
    literal folders (``in/**/*.png``: below ``in``).  ``extensions`` (e.g.
    ``[".jpg"]``) filters folders and globs; files named as :func:`segment_files`
    names its outputs are left out."""
    return [(Path(path), Path(base)) for path, base in _plan(inputs, recursive,
                                                             extensions)]


def _plan(inputs, recursive, extensions, out=None):
    """:func:`plan_inputs` as strings, spelled as ``str(Path(...))``: a Path costs
    about 300 bytes, its string 80.  A file named as our outputs is left out of
    folders and globs, and named one by one if it is in ``out``."""
    suffixes = (IMAGE_SUFFIXES if extensions is None else
                {e.lower() if e.startswith(".") else "." + e.lower()
                 for e in extensions})
    planned, outputs = [], []
    for item in map(str, map(os.fspath, inputs)):
        path = Path(item)
        if path.is_dir():
            found = _folder_images(str(path), recursive, suffixes)
            if not found:
                log.warning("%s: no images in this folder", path)
            planned.extend(found)
        elif not path.exists() and glob.has_magic(item):
            found = _glob_images(item, recursive, suffixes)
            if not found:
                log.warning("%s: the pattern matches no images", item)
            planned.extend(found)
        elif out is not None and _our_output(path, out):
            outputs.append(item)
        else:
            planned.append((str(path), path.stem))
    if outputs:
        log.warning("left out %d file(s) named as classicseg's outputs (*%s.*), "
                    "e.g. %s", len(outputs), ".*, *".join(OUTPUT_SUFFIXES), outputs[0])
    return planned


def _our_output(path, out):
    """Whether ``path`` is named as our outputs and lies in the output folder."""
    if not path.stem.endswith(OUTPUT_SUFFIXES):
        return False
    return Path(os.path.realpath(path.parent)).is_relative_to(os.path.realpath(out))


def _glob_images(pattern, recursive, suffixes):
    """``[(path, path below the pattern's literal folders without suffix)]`` of the
    images ``pattern`` matches, spelled and sorted as Paths; a recursive ``**``
    gives each file once (it follows linked folders, so it may reach a file by
    several paths, or loop).  In strings, with a Path per folder, not per file:
    that took a glob of 10^5 files from 1.5 s to 0.7 s to plan."""
    literal = itertools.takewhile(lambda part: not glob.has_magic(part),
                                  Path(pattern).parts[:-1])
    root, found = Path(*literal), []
    folders = {}   # as matched -> (as a Path spells it, below root as it spells it)
    for match in glob.glob(pattern, recursive=recursive):
        folder, name = os.path.split(match)
        if not (_is_image_name(name, suffixes) and os.path.isfile(match)):
            continue
        if folder not in folders:
            spelled = Path(folder)
            folders[folder] = str(spelled), str(spelled.relative_to(root))
        spelled, inside = folders[folder]
        found.append((_join(spelled, name), _join(inside, _split_suffix(name)[0])))
    found.sort(key=lambda image: image[0].split(os.sep))   # as Paths (3.12: exactly)
    if not (recursive and "**" in pattern):
        return found
    unique, seen = [], set()   # the first of each real file, in that order
    for image in found:
        real = os.path.realpath(image[0])
        if real not in seen:
            seen.add(real)
            unique.append(image)
    return unique


def _folder_images(folder, recursive, suffixes):
    """``[(path, path inside folder without suffix)]`` of the images in ``folder``
    (and below it, but not in linked folders, as ``Path.rglob``), in the order of
    their Paths: each folder's entries sorted by name, a subfolder's images at its
    name's place.  Not ``Path.rglob``: it passes over a folder it cannot read
    without a word."""
    found, stack = [], [(folder, "", iter(_listing(folder, recursive)))]
    while stack:
        where, inside, entries = stack[-1]
        for name, is_folder in entries:
            if is_folder:
                below = _join(where, name)
                stack.append((below, _join(inside, name),
                              iter(_listing(below, recursive))))
                break
            if _is_image_name(name, suffixes):
                found.append((_join(where, name),
                              _join(inside, _split_suffix(name)[0])))
        else:
            stack.pop()
    return found


def _listing(folder, recursive):
    """``[(name, is a folder to enter)]`` of the files (and, if ``recursive``, the
    subfolders) in ``folder``, sorted; empty if it cannot be read."""
    listed = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if recursive and entry.is_dir(follow_symlinks=False):
                    listed.append((entry.name, True))
                elif entry.is_file():
                    listed.append((entry.name, False))
    except OSError as err:
        log.warning("cannot list %s: %s", err.filename, err.strerror)
        return []
    return sorted(listed)


def _join(folder, name):
    """``os.path.join`` as a Path spells it (no "./" in front)."""
    return name if folder in ("", ".") else os.path.join(folder, name)


def _split_suffix(name):
    """``(stem, suffix)`` of a file name, as ``Path.stem`` and ``Path.suffix``."""
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if 0 < dot < len(name) - 1 else (name, "")


def _is_image_name(name, suffixes):
    stem, suffix = _split_suffix(name)
    return suffix.lower() in suffixes and not stem.endswith(OUTPUT_SUFFIXES)


def segment_files(inputs, output_dir, method="slic", params=None, *, format="auto",
                  overlay=True, progress=None, recursive=False, extensions=None,
                  mode=None, workers=1, threads=None, dask=None):
    """Segment image files and folders with a registered method.

    Parameters
    ----------
    inputs : sequence of str or os.PathLike
        Image files, folders and/or glob patterns.
    output_dir : str or os.PathLike
        Folder for the outputs (and ``manifest.jsonl``); created if needed.
    method : str
        A name from :func:`classicseg.segmenters.available`.
    params : dict, optional
        The method's parameters; checked before any image is read.
    format : {"auto", "png", "npy", "npz"}
        Label map format (:func:`classicseg.io.write_labels`); "npz": labels plus
        :func:`classicseg.gnn.superpixel_graph` in one ``<stem>.npz``.
    overlay : bool
        Also write a boundary overlay per image.
    progress : bool, optional
        Progress bar on stderr (images/s, ETA); default: when stderr is a terminal.
    recursive : bool
        Also the images in subfolders of the folders.
    extensions : sequence of str, optional
        Only these suffixes (default: every image suffix).
    mode : {None, "resume", "overwrite"}
        What to do with an image whose outputs exist (module docstring).
    workers : int or "auto"
        Processes (1: this one); "auto": one per usable core (``cores //
        threads``), but no more than the images keep busy (at least 4 images per
        worker, 64 where the pool cannot fork).  With ``dask="local"``, the local
        cluster's ("auto": one per core).  "auto" is the ``classicseg segment``
        default, not this function's: in a script without an ``if __name__ ==
        "__main__"`` guard a non-forking pool would run the script again.
    threads : int, optional
        Numba threads per worker; default ``cores // workers`` (at least 1), and
        for ``workers=1`` and remote Dask workers, their own setting.
    dask : str, optional
        A Dask scheduler address, or "local" / "local:N" for a local cluster of N
        worker processes (default ``workers``); see the module docstring.

    Returns
    -------
    BatchResult

    Raises
    ------
    ValueError, TypeError
        Unknown method or bad parameters.
    OSError
        ``output_dir`` cannot be created or written (e.g. it is a file), or the
        manifest cannot be written (e.g. a full disk: the run stops there).
    KeyboardInterrupt
        After Ctrl-C (:class:`Terminated` after SIGTERM), once the images under
        way are recorded.
    """
    segmenter = segmenters.get(method)
    params = segmenter.resolve(params or {})
    if format not in ("auto", "png", "npy", "npz"):
        raise ValueError(f"format must be auto, png, npy or npz, got {format!r}")
    if mode not in _MODES:
        raise ValueError(f"mode must be None, 'resume' or 'overwrite', got {mode!r}")
    if not (workers == "auto" or isinstance(workers, int) and workers >= 1):
        raise ValueError(f"workers must be an int >= 1 or 'auto', got {workers!r}")
    if not (threads is None or isinstance(threads, int) and threads >= 1):
        raise ValueError(f"threads must be None or an int >= 1, got {threads!r}")
    if dask is not None:
        check_dask(dask)
    out = _output_folder(output_dir)
    task = _Task(segmenter.name, params, format, overlay)
    made_with = _manifest_entries(out) if mode == "resume" else {}
    result = BatchResult(task)
    stop = _Stop()
    with _Manifest(out, _setting(task)) as manifest:
        jobs = _jobs(_plan(inputs, recursive, extensions, out), out, result, manifest)
        todo, replacing = _todo(jobs, task, mode, made_with, result, manifest)
        del jobs, made_with
        starting = functools.partial(_announce, manifest, task, replacing)
        workers = _resolve_workers(workers, threads, len(todo), dask)
        if dask == "local":
            dask = f"local:{workers}"
        show = sys.stderr.isatty() if progress is None else progress
        finished = 0
        run = _run if dask is None else _run_on_dask
        with _Bar(total=len(todo), unit="image", disable=not show) as bar, \
                _stopping_on_signals(stop):
            try:
                for job, report in run(todo, task, workers if dask is None else dask,
                                       threads, stop, starting):
                    bar.update()
                    finished += 1
                    _record_report(result, manifest, job, report)
            except OSError:   # e.g. the manifest on a full disk: say how far it got
                _log_summary(result, out, "stopped: ", len(todo) - finished)
                raise
    if stop.is_set():
        _log_summary(result, out, "interrupted: ", len(todo) - finished)
        raise stop.interrupt
    _log_summary(result, out)
    return result


def _log_summary(result, out, stopped="", not_done=None):
    log.info("%s%d ok / %d skipped / %d failed%s, into %s", stopped, len(result._done),
             len(result._skipped), len(result._failed),
             "" if not_done is None else f" / {not_done} not done", out)


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM (e.g. a job scheduler's)."""


class _Stop:
    """Whether the run was stopped: the first signal's exception is kept, to be
    raised once the images under way are recorded; the second one is raised at
    once."""

    def __init__(self):
        self.interrupt = None

    def is_set(self):
        return self.interrupt is not None

    def set(self, interrupt):
        if self.is_set():
            raise interrupt
        self.interrupt = interrupt
        log.warning("interrupted: finishing the images under way (Ctrl-C again "
                    "to stop at once)")

    def on_signal(self, signum, frame):
        self.set(Terminated() if signum == signal.SIGTERM else KeyboardInterrupt())


@contextlib.contextmanager
def _stopping_on_signals(stop):
    """Let SIGINT and SIGTERM set ``stop`` rather than raise wherever they land
    (e.g. between an image's outputs and its manifest line, losing its record);
    not in other threads (which signals do not reach) nor for an ignored signal
    or another handler of SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {}
    for signum, ours in ((signal.SIGINT, lambda h: h != signal.SIG_IGN),
                         (signal.SIGTERM, lambda h: h == signal.SIG_DFL)):
        if ours(signal.getsignal(signum)):
            kept[signum] = signal.signal(signum, stop.on_signal)
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)


def _todo(jobs, task, mode, made_with, result, manifest):
    """``(todo, replacing)``: the jobs to run, and the paths of those whose outputs
    (some or all) exist; the others are skipped, their outputs kept."""
    todo, replacing = [], set()
    for path, base in jobs:
        outputs = task.outputs(base)
        sizes = [_size(output) for output in outputs]
        if None not in sizes and mode != "overwrite":
            if mode != "resume" or _made_alike(made_with.get(path), manifest.key,
                                               sizes):
                result._skipped.append(path)
                if mode != "resume":   # resumed: its "ok" line stands
                    manifest.record(path, outputs, "skipped", "outputs exist "
                                    "(--resume keeps them, --overwrite redoes them)")
                continue
        todo.append((path, base))
        if any(size is not None for size in sizes):
            replacing.add(path)
    return todo, replacing


def _made_alike(made, key, sizes):
    """Whether outputs of ``sizes`` are those an "ok" entry ``made`` (``(setting
    key, total bytes)``, :func:`_manifest_entries`) recorded, with setting ``key``.
    (A manifest without sizes, from before they were recorded, is taken at its
    word.)"""
    return made is not None and made[0] == key and made[1] in (None, sum(sizes))


def _announce(manifest, task, replacing, jobs):
    """Record that the images of ``jobs`` whose outputs exist are being redone,
    before their outputs are replaced: if the run is killed meanwhile, the last
    entry of each is not the "ok" of what made the outputs it replaces."""
    for path, base in jobs:
        if path in replacing:
            manifest.record(path, task.outputs(base), "started")


def _record_report(result, manifest, job, report):
    """Count an image's report in ``result`` and the manifest."""
    (path, base), labels = job, report.get("labels")
    if report["status"] == "ok":
        result._done.append((path, base, labels))
    else:
        _fail(result, path, report["error"])
    manifest.record(path, result._task.outputs(base, labels), report["status"],
                    report["error"], report["segments"], report["seconds"],
                    report.get("bytes"))


def _jobs(planned, out, result, manifest):
    """``[(path, output base)]`` (``OUT/sub/stem``, as strings); a file given again
    (e.g. in a folder and by name) is taken once, other inputs whose outputs would
    collide fail."""
    jobs, bases, out, repeated = [], {}, str(out), 0
    for path, base in planned:
        if not os.path.basename(base).strip("."):   # "..png": outputs would leave out
            _fail(result, path, "its name has only dots before the suffix; rename it")
            manifest.record(path, (), "failed", result._failed[-1][1])
            continue
        if base in bases and _same_file(path, bases[base]):
            repeated += 1
            continue
        if base in bases:
            _fail(result, path, f"same output name as {bases[base]}; outputs would "
                                "collide, segment them into separate folders")
            manifest.record(path, (), "failed", result._failed[-1][1])
            continue
        bases[base] = path
        jobs.append((path, _join(out, base)))
    if repeated:
        log.info("%d input(s) given more than once, taken once", repeated)
    return jobs


def _same_file(path, other):
    try:
        return os.path.samefile(path, other)
    except OSError:   # one is missing: the same only if spelled alike
        return os.path.normpath(path) == os.path.normpath(other)


def _size(path):
    """An output's size in bytes, None if it is missing; a ``format="auto"`` label
    map may be a .npy instead."""
    npy = path.with_suffix(".npy") if path.name.endswith("_labels.png") else None
    for candidate in (path, npy):
        if candidate is not None:
            with contextlib.suppress(OSError):
                return os.stat(candidate).st_size
    return None


def _setting(task):
    from . import __version__
    return {"method": task.method, "params": task.params, "format": task.format,
            "overlay": task.overlay, "classicseg": __version__}


def _run(todo, task, workers, threads, stop, starting):
    """Yield ``(job, report)`` as images finish, here or in a process pool, until
    ``stop`` is set (then those under way); ``starting(jobs)`` is called before
    the jobs are begun."""
    if workers == 1 or len(todo) <= 1:
        with _numba_threads(threads):
            for job in todo:
                if stop.is_set():
                    return
                starting([job])
                yield job, _segment_one(job[0], job[1], task)
        return
    threads = threads or _threads_per_worker(workers)
    context = multiprocessing.get_context(_start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["classicseg.batch", "classicseg.slic"])
    workers_stop = context.Event()   # the workers' copy of ``stop``

    def pool(n):
        return concurrent.futures.ProcessPoolExecutor(
            n, mp_context=context, initializer=_init_worker,
            initargs=(threads, workers_stop))
    chunks = _chunks(todo, _chunk_size(len(todo), workers, _MAX_CHUNK), starting)
    with _workers_pausing_with_the_run():
        while chunks is not None:
            with pool(workers) as executor:
                chunks, suspects = yield from _as_finished(
                    lambda chunk: executor.submit(_segment_chunk, chunk, task),
                    chunks, _IN_FLIGHT_PER_WORKER * workers, stop, workers_stop)
            if suspects and not stop.is_set():   # stopping: they count as not done
                log.warning("a worker died (killed, out of memory?): the %d images "
                            "its pool had under way are retried one by one",
                            len(suspects))
                yield from _one_by_one(suspects, pool, task, stop)


@contextlib.contextmanager
def _workers_pausing_with_the_run():
    """Meanwhile Ctrl-Z (SIGTSTP) stops the pool's workers with the run and
    ``fg`` (SIGCONT) goes on with them: in process groups of their own
    (:func:`_leave_stop_signals_to_the_run`), the terminal's signals miss them.
    Not in another thread, nor over another handler of SIGTSTP."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTSTP) != signal.SIG_DFL):
        yield
        return

    def pause(signum, frame):
        workers = multiprocessing.active_children()
        _send_each(workers, signal.SIGSTOP)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)   # stopped here until SIGCONT
        signal.signal(signal.SIGTSTP, pause)
        _send_each(workers, signal.SIGCONT)
    signal.signal(signal.SIGTSTP, pause)
    try:
        yield
    finally:
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)


def _send_each(processes, signum):
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)


def _one_by_one(jobs, pool, task, stop):
    """``(job, report)`` of each job in a one-worker ``pool(1)`` of its own, so that
    an image whose worker dies (e.g. of its memory) fails alone."""
    for job in jobs:
        if stop.is_set():
            return
        with pool(1) as executor:
            try:
                reports = executor.submit(_segment_chunk, [job], task).result()
            except concurrent.futures.BrokenExecutor:
                reports = _reports(RuntimeError(_DIED_ALONE), 1)
        yield from zip([job], reports)


_DIED_ALONE = "it died on this image alone (killed, out of memory?)"


def _as_finished(submit, chunks, in_flight, stop, workers_stop):
    """``(job, report)`` of the tasks ``submit(chunk)`` as they finish, with at most
    ``in_flight`` submitted at a time (the pool keeps every task it is given); once
    ``stop`` is set, the tasks not started are cancelled and the workers told to
    leave the rest of their tasks' images.  Returns ``(chunks the pool did not
    get, jobs of the tasks it had)`` if it breaks (a worker killed), else
    ``(None, [])``."""
    futures, cancelled, left, suspects = {}, False, None, []
    try:
        while True:
            if stop.is_set() and not cancelled:
                workers_stop.set()
                futures = {f: jobs for f, jobs in futures.items() if not f.cancel()}
                cancelled = True
            if not (cancelled or left):
                for chunk in itertools.islice(chunks, in_flight - len(futures)):
                    try:
                        futures[submit(chunk)] = chunk
                    except concurrent.futures.BrokenExecutor:
                        left = itertools.chain([chunk], chunks)
                        break
            if not futures:
                return left, suspects
            done, _ = concurrent.futures.wait(
                futures, timeout=_POLL_SECONDS, return_when="FIRST_COMPLETED")
            for future in done:
                jobs, error = futures.pop(future), future.exception()
                if cancelled and error is not None:
                    continue   # its worker was killed with us: not done
                if isinstance(error, concurrent.futures.BrokenExecutor):
                    suspects.extend(jobs)
                    continue
                yield from zip(jobs, _reports(error or future.result(), len(jobs)))
    finally:   # e.g. an error here: do not wait for the whole queue
        for future in futures:
            future.cancel()


_POLL_SECONDS = 0.1   # how soon a stop is seen while waiting for the workers


def check_dask(dask):
    """Raise ValueError unless ``dask`` is a scheduler address, "local" or
    "local:N" (N >= 1), and ImportError if Dask distributed is not installed."""
    count = dask.partition(":")[2] if isinstance(dask, str) else ""
    if not (isinstance(dask, str) and dask and dask == dask.strip()) or (
            dask.startswith("local:") and not (count.isdecimal() and int(count) >= 1)):
        raise ValueError("dask must be a scheduler address, 'local' or 'local:N' "
                         f"with N >= 1 worker processes, got {dask!r}")
    import importlib.util
    if importlib.util.find_spec("distributed") is None:
        raise ImportError("dask needs the distributed package: pip install "
                          "'classicseg[dask]'")


def _run_on_dask(todo, task, address, threads, stop, starting):
    """:func:`_run` on a Dask distributed cluster."""
    from distributed import Client, KilledWorker, LocalCluster, as_completed
    cluster = None
    if address == "local" or address.startswith("local:"):
        n = int(address.partition(":")[2])
        # Numba's threads are set per task, not by NUMBA_NUM_THREADS in env: the
        # nanny sets env once the worker has started, and where Numba was imported
        # before (a script importing classicseg), every compile after its threads
        # started failed its image ("Cannot set NUMBA_NUM_THREADS ...").
        threads = threads or _threads_per_worker(n)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None,
                               env={"OMP_WAIT_POLICY": "PASSIVE"})
        address = cluster
    run, stopping, here = uuid.uuid4().hex, False, os.getcwd()
    try:
        with Client(address) as client:
            if cluster is not None:   # our workers, in our process group
                client.run(_init_dask_worker)
            slots = max(sum(client.nthreads().values()), 1)
            chunks = _chunks(todo, _chunk_size(len(todo), slots, _MAX_DASK_CHUNK),
                             starting)
            in_flight = max(_IN_FLIGHT_PER_WORKER * slots, _MIN_DASK_IN_FLIGHT)
            futures, suspects, alone = {}, [], None
            # with the results: a result left on a worker is lost if it dies
            finishing = as_completed(with_results=True, raise_errors=False)

            def submit(chunk):
                future = client.submit(_segment_chunk, _from_here(chunk, here),
                                       task, threads, run, pure=False)
                futures[future] = chunk
                finishing.add(future)
                return future
            while True:
                if stop.is_set() and not stopping:
                    _stop_dask_run(client, futures, run)
                    stopping = True
                if not (stopping or suspects):
                    for chunk in itertools.islice(chunks, in_flight - len(futures)):
                        submit(chunk)
                elif not (stopping or futures):   # one at a time, alone: a worker's
                    alone = submit([suspects.pop(0)])   # death blames all it has
                if finishing.is_empty():
                    return
                if not finishing.has_ready():
                    time.sleep(_POLL_SECONDS)
                for future, result in finishing.next_batch(block=False):
                    jobs = futures.pop(future)
                    error = _task_error(future, result)
                    if stopping and error is not None:
                        continue   # cancelled: not done
                    if isinstance(error, KilledWorker):
                        if future is not alone:   # Dask gave up after its retries
                            log.warning("workers died on a task (killed, out of "
                                        "memory?): its %d images are retried one "
                                        "by one", len(jobs))
                            suspects.extend(jobs)
                            continue
                        error = RuntimeError(_DIED_ALONE)
                    for job, report in zip(jobs, _reports(error or result, len(jobs))):
                        yield job, _as_given(report, job, here)
    finally:
        if cluster is not None:
            cluster.close()


def _from_here(jobs, here):
    """``jobs`` with their paths joined to ``here``, this process's working folder:
    a cluster's workers have their own (where `dask worker` started), in which
    relative paths named other files, or none."""
    return [(os.path.join(here, path), os.path.join(here, base)) for path, base in jobs]


def _as_given(report, job, here):
    """A worker's report on the paths :func:`_from_here` sent for ``job``, naming
    them as ``job`` does (its error message, its .npy label map)."""
    named = {}
    for key in ("error", "labels"):
        text = report.get(key)
        if text:
            for given in job:   # the input first: its path may start as the base
                text = text.replace(os.path.join(here, given), given)
            named[key] = text
    return {**report, **named}


def _task_error(future, result):
    """The exception of a Dask task that raised or was cancelled, else None
    (``as_completed`` gives an error as ``(type, exception, traceback)``)."""
    if future.status == "error":
        return result[1]
    return result if isinstance(result, BaseException) else None


def _stop_dask_run(client, futures, run):
    """Cancel the run's tasks not started; each one under way finishes its image.
    The workers are told first, so that a task starting meanwhile starts none."""
    client.run(_stop_run, run)
    started = {key for keys in client.processing().values() for key in keys}
    client.cancel([f for f in futures if f.key not in started and not f.done()])


def _stop_run(run):   # on each Dask worker
    _stopped_runs.add(run)


_stopped_runs = set()   # on a Dask worker: the runs stopped


def _chunk_size(n_jobs, workers, largest):
    """Images per task: up to ``largest``, so that the traffic per task (about half
    a millisecond of the parent's CPU in a pool, more on Dask's scheduler) stays
    small, but at least eight tasks per worker, so that the workers finish
    together."""
    return max(1, min(largest, n_jobs // (8 * workers)))


_MAX_CHUNK = 4   # images per pool task
_MAX_DASK_CHUNK = 16   # per Dask task: ~0.3 s of SLIC, as Dask's scheduler likes
_MIN_DASK_IN_FLIGHT = 64   # for workers that join later
# tasks submitted, not finished, per worker (Dask: thread); what a pool worker's
# death costs: with 2, up to 16 images of a 2-worker pool are retried one by one
_IN_FLIGHT_PER_WORKER = 2


def _chunks(todo, size, starting):
    """The jobs in chunks of ``size``, each announced (``starting``) as it is taken."""
    for i in range(0, len(todo), size):
        chunk = todo[i:i + size]
        starting(chunk)
        yield chunk


def _segment_chunk(jobs, task, threads=None, run=None):
    """The reports of a task's images, in order; in a pool worker or for a Dask
    ``run``, only those begun before the run was stopped."""
    reports = []
    with _numba_threads(threads):
        for path, base in jobs:
            if (run in _stopped_runs if run is not None else
                    _stopped is not None and _stopped.is_set()):
                break
            reports.append(_segment_one(path, base, task))
    return reports


_stopped = None   # in a pool worker: the Event set when the run is stopped


def _resolve_workers(workers, threads, n_images, dask):
    """``workers``, "auto" made a number: as many as the cores hold at ``threads``
    each, but for a local pool no more than ``n_images`` keep busy. A second worker
    costs about 0.05 s when forked and 0.55 s from the forkserver, so it pays from
    8 and from 128 images (benchmarks/results/workers_auto.json)."""
    if workers != "auto":
        return workers
    fit = max(_usable_cores() // (threads or 1), 1)
    if dask is not None:
        return fit
    return max(1, min(fit, n_images // _MIN_IMAGES_PER_WORKER[_start_method()]))


_MIN_IMAGES_PER_WORKER = {"fork": 4, "forkserver": 64}


def _usable_cores():
    """The cores this process may run on (e.g. a taskset's or container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def _threads_per_worker(workers):
    return max(_usable_cores() // workers, 1)


@contextlib.contextmanager
def _numba_threads(threads):
    """Numba threads of this thread set to ``threads`` (None: unchanged) meanwhile."""
    if threads is None:
        yield
        return
    before = _set_numba_threads(threads)
    try:
        yield
    finally:
        _set_numba_threads(before)


def _set_numba_threads(threads):
    """Set this thread's Numba thread count (at most NUMBA_NUM_THREADS); return
    the previous one."""
    import numba
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    return before


def _reports(result, n):
    """The reports of a finished task of ``n`` images: its result, or failures if
    it raised (its worker died)."""
    if isinstance(result, BaseException):
        return [{"status": "failed", "error": f"worker failed: {result}",
                 "segments": None, "seconds": None}] * n
    return result


class _Bar(tqdm):
    monitor_interval = 0   # no monitor thread: the pool may then fork (_start_method)


def _start_method():
    """fork on Linux while this process runs a single thread, and Numba has not
    started its OpenMP threads: the workers start at once with every module
    already imported.  Forking a process that runs other threads is unsafe (a lock
    may be held), so then forkserver: a clean server that imports classicseg once
    (still cheaper than spawn)."""
    from numba.np.ufunc import parallel
    numba_threads = getattr(parallel, "_is_initialized", True)   # unknown: assume so
    if (sys.platform.startswith("linux") and not numba_threads
            and threading.active_count() == 1):
        return "fork"
    return "forkserver"


def _init_worker(threads, stopped):
    global _stopped
    _leave_stop_signals_to_the_run()
    _exit_with_the_run()
    _stopped = stopped
    _set_numba_threads(threads)
    _keep_freed_memory()


def _init_dask_worker():   # on each worker of our own local cluster
    _ignore_stop_signals()
    _keep_freed_memory()
    logging.getLogger("distributed.worker").addFilter(_not_a_missed_heartbeat)


def _not_a_missed_heartbeat(record):
    """Our local cluster's scheduler lives in the run's process; a heartbeat that
    misses it while the run closes the cluster was a traceback on the terminal
    (once in six CI runs of the Dask stop test)."""
    return not record.getMessage().startswith(
        "Failed to communicate with scheduler during heartbeat")


def _ignore_stop_signals():
    """In a Dask worker: Ctrl-C and SIGTERM, which reach the whole process group,
    are the parent's to handle (it stops the run)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _leave_stop_signals_to_the_run():
    """In a pool worker: a process group of its own, so that a terminal's Ctrl-C or
    a ``kill -- -PGID`` reaches the run's process alone, which stops the run (the
    workers finish their images).  SIGTERM sent to the worker itself ends it: the
    pool terminates the survivors of a dead worker with it, and from Python 3.12
    waits for them, so a worker that ignored it hung the run."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the run's, inherited by fork


def _exit_with_the_run():
    """In a pool worker: exit as soon as the run's process is gone, even killed by
    SIGKILL (which it cannot handle); the workers waited on its queue forever.

    The sentinel is a pipe that ends when the parent does (or, for forked
    workers, the later-forked workers that inherited it do: they go first)."""
    from multiprocessing.connection import wait
    sentinel = multiprocessing.parent_process().sentinel

    def watch():
        wait([sentinel])
        os._exit(1)
    threading.Thread(target=watch, name="classicseg-run-watch", daemon=True).start()


def _keep_freed_memory():
    """Let this process's allocator keep freed blocks below 4 MB for reuse.

    glibc hands blocks above 128 KB back to the kernel when they are freed, so the
    arrays of every image fault in fresh zeroed pages: 1.5 ms of the 19 ms a
    worker spends on a BSDS image.  Larger blocks (big images) are still returned
    at once, and free memory at the heap's top beyond 64 MB is trimmed.  Only for
    processes the batch tool owns (its workers, the ``classicseg`` command), and a
    no-op where the C library is not glibc."""
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 4 << 20)
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # glibc's malloc.h


def _lock(file, exclusive):
    """Take a shared lock on ``file``, or try an exclusive one: whether it was got
    (yes where the system has no such locks)."""
    try:
        import fcntl
    except ImportError:   # not on POSIX
        return True
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        return False
    except OSError as err:   # e.g. a file system without locks
        log.debug("cannot lock %s: %s", file.name, err)
    return True


def _remove_stale_temporaries(out):
    for path in out.rglob(".*.tmp"):
        if _STALE_TMP.match(path.name):
            try:
                path.unlink()
                log.debug("removed %s, left by an interrupted run", path)
            except OSError:
                pass


def _end_a_cut_manifest_line(out):
    """A last line cut by a crash (no newline) would swallow this run's first one."""
    try:
        with open(out / MANIFEST, "rb+") as manifest:
            size = manifest.seek(0, os.SEEK_END)
            if size:
                manifest.seek(size - 1)
                if manifest.read(1) != b"\n":
                    manifest.write(b"\n")
    except FileNotFoundError:
        pass


def _manifest_entries(out):
    """{input path: ``(setting key, total bytes)`` of its last entry if that is
    "ok": what made its outputs and their sizes (:func:`_setting_key`; bytes None
    in a manifest from before sizes were recorded)}.  An image "started" or
    "failed" since may have had its outputs replaced: none.  Read line by line,
    each distinct key kept once (a 10^7-line manifest holds a few)."""
    entries, keys = {}, {}
    try:
        # "replace": a line cut inside a character by a crash must not stop a resume
        lines = open(out / MANIFEST, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return entries
    with lines:
        for line in lines:
            if '"status": "skipped"' in line:
                continue             # outputs kept: no need to parse it
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue             # a line cut by a kill: ignore it
            if entry.get("status") == "ok":
                key = _setting_key(entry)
                sizes = entry.get("bytes")
                entries[entry["input"]] = (keys.setdefault(key, key),
                                           None if sizes is None else sum(sizes))
            else:
                entries.pop(entry.get("input"), None)
    return entries


def _setting_key(entry):
    """The :func:`_setting` of a manifest entry as one string."""
    return json.dumps({k: entry.get(k) for k in _SETTING_FIELDS}, sort_keys=True)


_SETTING_FIELDS = ("method", "params", "format", "overlay", "classicseg")


class _Manifest:
    """The output folder's manifest, open for a run: a line per image, each
    flushed as it is written.

    Several runs may share a folder (e.g. on different inputs); each holds a
    shared lock on the manifest while it runs, and what a killed run left (its
    temporary files, a cut last line) is cleaned only by a run that finds none
    live: a live run's temporaries are files being written."""

    def __init__(self, out, setting):
        self.setting, self.key = setting, _setting_key(setting)
        # a name that is not UTF-8 (a byte kept as a lone surrogate) is written as
        # its JSON escape, which json.loads reads back to the same name
        self.path = out / MANIFEST
        self._file = open(self.path, "a", encoding="utf-8", errors="backslashreplace")
        if _lock(self._file, exclusive=True):
            _end_a_cut_manifest_line(out)
            _remove_stale_temporaries(out)
        else:
            log.info("another run is writing into %s: its temporary files are kept",
                     out)
        _lock(self._file, exclusive=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self._file.close()
        except OSError:   # flushing the line record() could not write: it said so
            if exc[0] is None:
                raise

    def record(self, path, outputs, status, error=None, segments=None, seconds=None,
               sizes=None):
        entry = {"input": str(path), "outputs": [str(o) for o in outputs],
                 "bytes": sizes, **self.setting, "segments": segments,
                 "seconds": seconds, "status": status, "error": error}
        try:
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as err:   # e.g. a full disk: what is not recorded is redone
            raise type(err)(f"cannot write the manifest {str(self.path)!r}: "
                            f"{err.strerror or err}; the run stopped (a resumed run "
                            "goes on from the last image recorded)") from None


def load_npz_folder(folder):
    """The ``*_labels.npz`` files ``format="npz"`` wrote in ``folder`` (and below),
    as an :class:`NpzFolder`: ``(path, arrays)`` per file, read when indexed."""
    return NpzFolder(folder)


class NpzFolder(Sequence):
    """The ``*_labels.npz`` files in a folder (and below), sorted; item ``i`` is
    ``(path, arrays)``: ``labels`` and the superpixel graph (``x``, ``pos``,
    ``edge_index``, ``edge_attr``), read from disk when indexed (a file that is
    not such an npz: ValueError naming it).  It holds only
    the paths, so a folder of 10^6 graphs fits in memory, and it pickles: e.g. a
    torch ``Dataset`` for a ``DataLoader`` with workers."""

    def __init__(self, folder):
        folder = Path(folder)
        if not folder.is_dir():
            raise NotADirectoryError(f"folder {str(folder)!r} is not a folder")
        self.paths = sorted(folder.rglob("*_labels.npz"))

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        import zipfile
        import zlib

        import numpy as np
        path = self.paths[index]
        try:
            data = np.load(path, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array (an .npy)")
            with data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise ValueError(f"{path}: cannot read it as an npz: {err}") from err
        missing = sorted(_NPZ_ARRAYS - arrays.keys())
        if missing:
            raise ValueError(f"{path}: not an npz of classicseg segment --format npz "
                             f"(no {', '.join(missing)})")
        return path, arrays


_NPZ_ARRAYS = {"labels", "x", "pos", "edge_index", "edge_attr"}


def _output_folder(output_dir):
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise type(err)(f"cannot create the output folder {str(out)!r}: "
                        f"{err.strerror or err}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(f"output folder {str(out)!r} is not writable")
    return out


def _fail(result, path, message):
    log.error("%s: %s", path, message)
    result._failed.append((path, message))


def _segment_one(path, base, task):
    """Segment one image and write its outputs (:meth:`_Task.outputs` of ``base``);
    a report, never an exception (one bad file must not stop the batch)."""
    start = time.perf_counter()
    try:
        outputs = task.outputs(base)
        segmenter = segmenters.get(task.method)
        image = read_image(path)
        labels = segmenter.func(image, channel_axis=segmenters.default_channel_axis(
            image), **task.params)   # params resolved once, in segment_files
        for target in outputs:
            target.parent.mkdir(parents=True, exist_ok=True)
        with replaced_together():
            written = _write_labels(outputs[0], labels, image, task.format)
            if task.overlay:
                rgb = image[..., :3] if image.ndim == 3 else image   # RGBA: drop alpha
                write_image(outputs[1], mark_boundaries(rgb, labels, dtype="uint8"))
        if task.format == "auto":
            _remove_the_other_kind(outputs[0], written)
    except Exception as err:
        log.debug("traceback", exc_info=True)
        return {"status": "failed", "error": str(err) or type(err).__name__,
                "segments": None, "seconds": time.perf_counter() - start}
    report = {"status": "ok", "error": None, "segments": int(labels.max()),
              "seconds": time.perf_counter() - start,
              "bytes": [os.stat(p).st_size for p in (written, *outputs[1:])]}
    if written != outputs[0]:   # a .npy: only then, a worker's paths cost memory here
        report["labels"] = str(written)
    return report


def _remove_the_other_kind(path, written):
    """Remove the label map of the kind (.png / .npy) not ``written`` that another
    run left at ``path``: it would be read as this image's labels."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path.with_suffix(".npy" if written == path else ".png"))


def _write_labels(path, labels, image, format):
    """Write the label map (and the graph for npz); the path written."""
    if format != "npz":
        return write_labels(path, labels, format=format)
    import io

    import numpy as np

    from .gnn import superpixel_graph
    buffer = io.BytesIO()
    np.savez_compressed(buffer, labels=labels, **superpixel_graph(
        image, labels, channel_axis=segmenters.default_channel_axis(image)))
    return _atomic_write(path, lambda f: f.write(buffer.getvalue()))
