"""Segmentation metrics with the same meaning as the deep-learning and benchmark references."""
from ._contingency import Contingency, contingency  # noqa: F401
