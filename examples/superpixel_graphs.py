"""Superpixels as graph-network input, and superpixel pooling of a feature map.

    python examples/superpixel_graphs.py [FOLDER] [OUTDIR]

Segments the images of FOLDER (default: data/) into OUTDIR (default: a new
temporary folder) as ``classicseg segment --format npz`` does: per image its SLIC
labels and superpixel graph.  Reads the graphs back as a dataset would serve them,
then pools a per-pixel feature map into a fixed number of superpixel rows, so the
images of a batch stack, and paints the rows back on the pixels.

Everything is a NumPy array: ``torch.from_numpy`` makes each graph's arrays what
``torch_geometric.data.Data(x=..., pos=..., edge_index=..., edge_attr=...)`` takes.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

import classicseg
from classicseg.batch import load_npz_folder, segment_files
from classicseg.io import read_image

ROWS = 256   # superpixel rows per image in a batch (SLIC n=200 makes about 200)

root = Path(__file__).resolve().parents[1]
src = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data"
out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp())

# 1. A folder -> one <name>_labels.npz per image: labels plus graph.
result = segment_files([src], out, "slic", {"n": 200}, format="npz", overlay=False,
                       progress=False)
print(f"{len(result.done)} images segmented into {out}, {len(result.failed)} failed")

# 2. The graphs back: node features x (K, 19), centroids pos (K, 2), edges of
#    adjacent superpixels in both directions (2, E), edge features (E, 2).
graphs = load_npz_folder(out)
for path, graph in graphs:
    print(f"{path.name}: {graph['x'].shape[0]} nodes, {graph['edge_index'].shape[1]} "
          f"directed edges, node features {graph['x'].shape[1]}, edge features "
          f"{graph['edge_attr'].shape[1]}")

# 3. Pooling a per-pixel feature map (here CIELAB and the gradient magnitude; a
#    CNN's upsampled activations pool the same way) to ROWS rows per image.
pooled, masks = [], []
for image_path, (npz,) in sorted(result.done):
    image, labels = read_image(image_path), np.load(npz)["labels"]
    rgb = image if image.ndim == 3 else np.dstack([image] * 3)   # coins.png is gray
    features = np.dstack([classicseg.rgb2lab(rgb), classicseg.gradient_magnitude(rgb)])
    rows, mask = classicseg.superpixel_pool(features, labels, "mean", size=ROWS)
    pooled.append(rows)
    masks.append(mask)
    back = classicseg.superpixel_unpool(rows, labels)   # each pixel: its row
    error = np.abs(back[..., 0] - features[..., 0]).mean()
    print(f"{image_path.name}: {mask.sum()} of {ROWS} rows used; painted back, "
          f"mean |L* - the pixel's L*| = {error:.2f}")
batch, valid = np.stack(pooled), np.stack(masks)
print(f"batch {batch.shape}, mask {valid.shape}: ready for torch.from_numpy")
