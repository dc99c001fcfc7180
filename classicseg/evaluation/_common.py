"""Helpers shared by the evaluation readers (not part of the public API)."""
import json
import math

__all__ = ["fmt_value", "load_json"]


def load_json(src):
    """A JSON file's content; a dict or list is returned as it is."""
    if isinstance(src, (dict, list)):
        return src
    with open(src) as f:
        return json.load(f)


def fmt_value(value, width=7, digits=4):
    """A float right-aligned in ``width`` characters, ``-`` for NaN."""
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:>{width}.{digits}f}"
