"""classicseg: fast classical image segmentation and superpixels."""
__version__ = "0.1.0"
