"""classicseg: fast classical image segmentation and superpixels."""
__version__ = "0.1.0"
from .color import lab2rgb, rgb2lab  # noqa: E402,F401
