"""What the side-by-side benchmarks share: timing one call, writing a result,
and the command line of the BSDS500 ones."""
import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, *args, **kwargs):
    """``(seconds, fn(*args, **kwargs))``."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def save_report(name, report):
    """Write ``report`` as benchmarks/results/<name>."""
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / name).write_text(json.dumps(report, indent=1))


def bsds_parser(doc, result_name):
    """The options of a BSDS500 benchmark: --data-root, --limit, --skip-big, --out
    (default ``benchmarks/results/<result_name>``)."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" /
                                             result_name))
    return parser


def batch_parser(doc):
    """The options of the batch benchmarks: --data-root, --limit (default: all
    images), --rounds."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    return parser


def bsds_images(data_root, limit=None):
    """The BSDS500 images under ``data_root`` (train + val: 300), sorted; the first
    ``limit``."""
    images = sorted((Path(data_root) / "bsds500" / "images").rglob("*.jpg"))[:limit]
    if not images:
        raise SystemExit(f"no BSDS500 images under {data_root}/bsds500/images "
                         "(--data-root: the folder holding bsds500/)")
    return images


def link_folder(images, folder):
    """One flat folder of links to ``images`` (one input for the command), named in
    their order."""
    folder.mkdir()
    for i, path in enumerate(images):
        (folder / f"{i:04d}_{Path(path).name}").symlink_to(path)
    return folder
