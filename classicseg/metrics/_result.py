"""The one result style of :mod:`classicseg.metrics`: frozen dataclasses with
``to_dict()``, and the JSON conversion they share with the evaluation layer."""
import math

import numpy as np

__all__ = ["Result", "to_jsonable"]


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
