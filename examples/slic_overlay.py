"""SLIC superpixels of a sample image, saved as a boundary overlay.

    python examples/slic_overlay.py [IMAGE] [OUTPUT]

Writes docs/chelsea_slic.png by default (the picture in the README).
"""
import sys
from pathlib import Path

import classicseg
from classicseg.io import read_image, write_image

root = Path(__file__).resolve().parents[1]
src = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "chelsea.png"
dst = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "chelsea_slic.png"

image = read_image(src)
labels = classicseg.slic(image, n=400)
write_image(dst, classicseg.mark_boundaries(image, labels))
print(f"{labels.max()} superpixels -> {dst}")
