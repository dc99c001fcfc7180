"""classicseg: fast classical image segmentation and superpixels."""
__version__ = "0.1.0"
from .filters import gradient_magnitude  # noqa: E402,F401
from .watershed import (grid_markers, h_minima_markers, regional_minima,  # noqa: E402,F401
                        watershed)
from .color import lab2rgb, rgb2lab  # noqa: E402,F401
from .slic import slic  # noqa: E402,F401
from .labels import enforce_connectivity, relabel_sequential  # noqa: E402,F401
from .viz import find_boundaries, label_colors, mark_boundaries  # noqa: E402,F401
