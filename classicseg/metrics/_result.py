"""The one result style of :mod:`classicseg.metrics`: frozen dataclasses with
``to_dict()``, and the JSON conversion they share with the evaluation layer."""
import math

import numpy as np

__all__ = ["Result", "check_mergeable", "to_jsonable"]


class Result:
    """Base of every metrics result (a frozen dataclass): adds :meth:`to_dict`."""

    def to_dict(self):
        """The fields as JSON-ready Python data (arrays -> lists, NaN -> None)."""
        return to_jsonable(self)


def to_jsonable(obj):
    """A metrics dataclass (or nested values) as JSON-ready Python data; NaN -> None.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg.metrics import to_jsonable
    >>> to_jsonable({"a": np.array([1.0, np.nan]), "b": np.int64(3)})
    {'a': [1.0, None], 'b': 3}
    """
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(obj, k)) for k in obj.__dataclass_fields__}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def check_mergeable(acc, other, names, what="settings"):
    """Raise unless ``other`` is an accumulator of ``acc``'s type whose attributes
    ``names`` equal ``acc``'s (arrays compared by value): the one check every
    accumulator's ``merge`` makes.  ``what`` names those settings in the error."""
    if not isinstance(other, type(acc)):
        raise TypeError(f"other must be a {type(acc).__name__}, got "
                        f"{type(other).__name__}")
    differ = [n for n in names if not _same(getattr(acc, n), getattr(other, n))]
    if differ:
        detail = ", ".join(f"{n}={_shown(getattr(other, n))} here "
                           f"{_shown(getattr(acc, n))}" for n in differ)
        raise ValueError(f"other has different {what} ({', '.join(names)}): {detail}; "
                         f"only accumulators of the same {what} can be merged: they "
                         "must match")


def _same(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def _shown(value):
    return f"array of {value.size}" if isinstance(value, np.ndarray) else repr(value)
