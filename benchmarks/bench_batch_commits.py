"""Batch throughput of two commits, interleaved: is one slower than the other?

bench_batch.py's job (``classicseg segment --no-overlay``, SLIC n=500, 16-bit label
PNGs, on the 300 BSDS500 train + val images) run from a checkout of each commit in
turn, every round, so that a noisy minute of a shared machine falls on both: two
runs of bench_batch.py hours apart can differ by 10% on the same code.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_batch_commits.py OLD [NEW]
        [--rounds 12] [--workers 2] [--limit N]

OLD and NEW are commits of this repository (NEW by default: this working tree).
Each is checked out with ``git worktree`` in a temporary folder, run once to warm
its Numba cache, then imported through PYTHONPATH.  Reports the medians of wall
seconds (start-up included) and of the manifests' ms per image, the ratio OLD /
NEW of each, and whether both wrote the same bytes.
Results: benchmarks/results/batch_commits.json.
"""
import contextlib
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _bench import ROOT, batch_parser, bsds_images, link_folder, save_report
from bench_batch import per_image_ms, segment_command, wall


@contextlib.contextmanager
def checkout(commit, tmp):
    """The source tree of ``commit`` (None: this working tree)."""
    if commit is None:
        yield ROOT
        return
    tree = Path(tmp) / commit
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                    str(tree), commit], check=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                        str(tree)], check=True)


def in_tree(tree):
    """Options that make a command import classicseg from ``tree`` (``-m`` puts
    the working folder first on sys.path)."""
    options = {"env": dict(os.environ, PYTHONPATH=str(tree)), "cwd": tree}
    found = subprocess.run([sys.executable, "-c", "import classicseg; "
                            "print(classicseg.__file__)"], check=True,
                           capture_output=True, text=True, **options).stdout
    if not Path(found.strip()).is_relative_to(tree):
        raise SystemExit(f"{tree}: classicseg is imported from {found.strip()}")
    return options


def segment(options, listing, out, workers):
    """Wall seconds of the command on ``listing``."""
    return wall(segment_command(listing, out) + ["--workers", str(workers)],
                **options)


def described_working_tree():
    """This working tree as ``git describe`` names it (commit, dirty or not)."""
    return "working tree at " + subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], check=True,
        capture_output=True, text=True).stdout.strip()


def same_bytes(a, b):
    """Whether output folders ``a`` and ``b`` hold the same label maps."""
    names = sorted(p.name for p in a.glob("*_labels.*"))
    return (names == sorted(p.name for p in b.glob("*_labels.*"))
            and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names))


def main():
    parser = batch_parser(__doc__)
    parser.add_argument("old", help="a commit (or anything git checks out)")
    parser.add_argument("new", nargs="?", default=None,
                        help="another one (default: this working tree)")
    parser.add_argument("--workers", type=int, default=2, help="(default: 2)")
    parser.set_defaults(rounds=12)
    args = parser.parse_args()
    images = bsds_images(args.data_root, args.limit)
    names = {"old": args.old, "new": args.new or described_working_tree()}
    runs = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as folder, \
            checkout(args.old, folder) as old, checkout(args.new, folder) as new:
        tmp = Path(folder)
        commands = {"old": in_tree(old), "new": in_tree(new)}
        listing = link_folder(images, tmp / "inputs")
        for name, options in commands.items():   # the Numba cache of each checkout
            segment(options, link_folder(images[:1], tmp / f"warm_{name}"),
                    tmp / f"warm_{name}_out", args.workers)
        for r in range(args.rounds):
            for name, options in commands.items():
                out = tmp / f"{r}_{name}"
                runs[name].append((segment(options, listing, out, args.workers),
                                   per_image_ms(out)))
            print(f"round {r + 1}: " + ", ".join(
                f"{names[k]} {v[-1][0]:.2f} s {v[-1][1]:.2f} ms" for k, v in runs.items()))
        identical = same_bytes(tmp / "0_old", tmp / "0_new")
    seconds = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
    ms = {k: statistics.median(m for _, m in v) for k, v in runs.items()}
    report = {"commits": names, "images": len(images), "workers": args.workers,
              "rounds": args.rounds, "seconds": seconds, "per_image_ms": ms,
              "old_over_new_seconds": seconds["old"] / seconds["new"],
              "old_over_new_ms": ms["old"] / ms["new"], "same_bytes": identical,
              "each_round": runs}
    for k in names:
        print(f"{names[k]}: {seconds[k]:.2f} s, {ms[k]:.2f} ms per image (medians)")
    print(f"old / new: {report['old_over_new_seconds']:.3f} (wall), "
          f"{report['old_over_new_ms']:.3f} (ms per image); same bytes: {identical}")
    save_report("batch_commits.json", report)


if __name__ == "__main__":
    main()
