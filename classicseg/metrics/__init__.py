"""Segmentation metrics with the same meaning as the deep-learning and benchmark references."""
