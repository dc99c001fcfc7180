"""The segmenter registry: every segmentation method, registered once.

A method is a function ``func(image, *, channel_axis, **params) -> labels`` plus a
typed spec of its scalar parameters (:class:`Param`).  :func:`segment` is the one
entry point; the ``classicseg`` command builds its ``--method`` choices, flags and
``--help`` from the specs, and batch processing and ``evaluate bsds`` call the
registry, never the command line.  Adding a method is one :func:`register` call.

This module imports no NumPy or Numba: the command line reads the specs before it
loads any kernel, so ``--help`` stays instant.  Built-in methods import their
module when first called.
"""
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

__all__ = ["Param", "Segmenter", "register", "unregister", "get", "available",
           "segment", "default_channel_axis"]

_KINDS = (int, float, bool, str)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Param:
    """One scalar parameter of a segmenter.

    Parameters
    ----------
    name : str
        Keyword name (also the command-line flag, ``_`` written ``-``).
    kind : {int, float, bool, str}
        Its type; ints are accepted where floats are expected.
    default : object
        Default value; ``None`` makes the parameter optional (None allowed).
    help : str
        One line for ``--help``.
    low, high : float, optional
        Inclusive bounds.
    choices : tuple of str, optional
        Allowed values of a ``str`` parameter.
    """

    name: str
    kind: type
    default: Any
    help: str
    low: Optional[float] = None
    high: Optional[float] = None
    choices: Optional[Tuple[str, ...]] = None

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"Param name {self.name!r} is not a Python identifier")
        if self.kind not in _KINDS:
            raise TypeError(f"Param {self.name!r}: kind must be one of int, float, "
                            f"bool, str, got {self.kind!r}")
        if self.default is not None:
            self.check(self.default)

    def check(self, value, method=None):
        """Return ``value`` converted to the parameter's kind, or raise a
        ValueError/TypeError naming the parameter (and ``method``)."""
        where = f"{method}: " if method else ""
        if value is None:
            if self.default is None:
                return None
            raise TypeError(f"{where}{self.name} must be {self._expected()}, got None")
        value = self._convert(value, where)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{where}{self.name} must be one of "
                             f"{', '.join(self.choices)}; got {value!r}")
        if self.low is not None and value < self.low:
            raise ValueError(f"{where}{self.name} must be >= {self.low}, got {value!r}")
        if self.high is not None and value > self.high:
            raise ValueError(f"{where}{self.name} must be <= {self.high}, got {value!r}")
        return value

    def parse(self, text, method=None):
        """Convert command-line ``text`` (e.g. a ``--sweep`` value) and check it."""
        text = text.strip()
        if self.default is None and text.lower() == "none":
            return None
        try:
            if self.kind is bool:
                if text.lower() not in _TRUE + _FALSE:
                    raise ValueError(f"expected true or false, got {text!r}")
                value = text.lower() in _TRUE
            else:
                value = self.kind(text)
        except ValueError:
            where = f"{method}: " if method else ""
            raise ValueError(f"{where}{self.name} must be {self._expected()}, got "
                             f"{text!r}") from None
        return self.check(value, method)

    def _convert(self, value, where):
        bad = TypeError(f"{where}{self.name} must be {self._expected()}, got "
                        f"{value!r} ({type(value).__name__})")
        if self.kind is bool:
            if not isinstance(value, bool) and type(value).__name__ != "bool_":
                raise bad
            return bool(value)
        if self.kind is str:
            if not isinstance(value, str):
                raise bad
            return value
        want = numbers.Integral if self.kind is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, want):
            raise bad
        value = self.kind(value)
        if self.kind is float and not math.isfinite(value):
            raise ValueError(f"{where}{self.name} must be finite, got {value!r}")
        return value

    def _expected(self):
        what = {int: "an integer", float: "a number", bool: "True or False",
                str: "a string"}[self.kind]
        return what + (" or None" if self.default is None else "")


@dataclass(frozen=True)
class Segmenter:
    """A registered method: its function and parameter specs."""

    name: str
    func: Callable
    params: Tuple[Param, ...]
    summary: str

    @property
    def param_names(self):
        return tuple(p.name for p in self.params)

    def param(self, name):
        """The :class:`Param` called ``name``, or a ValueError listing them."""
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(f"method {self.name!r} has no parameter {name!r}; its "
                         f"parameters are: {', '.join(self.param_names) or 'none'}")

    def defaults(self):
        """``{name: default}`` of every parameter."""
        return {p.name: p.default for p in self.params}

    def resolve(self, params):
        """``params`` checked, converted and completed with the defaults."""
        resolved = self.defaults()
        for name, value in params.items():
            resolved[name] = self.param(name).check(value, self.name)
        return resolved

    def __call__(self, image, *, channel_axis=-1, **params):
        return self.func(image, channel_axis=channel_axis, **self.resolve(params))


_REGISTRY: Dict[str, Segmenter] = {}


def register(name, *params, summary=None):
    """Decorator registering ``func(image, *, channel_axis, **params)`` as method
    ``name`` with the parameter specs ``params``.

    A parameter shared by several methods (e.g. ``n``) must have the same kind in
    each, since the command line has one flag for it; defaults may differ.

    Examples
    --------
    >>> import numpy as np
    >>> from classicseg import segmenters
    >>> @segmenters.register("halves", segmenters.Param("axis", int, 1, "split axis",
    ...                                                  low=0, high=1))
    ... def halves(image, *, channel_axis, axis):
    ...     labels = np.ones(image.shape[:2], np.int32)
    ...     labels[(slice(None),) * axis + (slice(image.shape[axis] // 2, None),)] = 2
    ...     return labels
    >>> segmenters.segment(np.zeros((2, 4)), "halves", channel_axis=None).tolist()
    [[1, 1, 2, 2], [1, 1, 2, 2]]
    >>> segmenters.unregister("halves")
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"method name must be an identifier, got {name!r}")
    names = [p.name for p in params]
    if len(set(names)) != len(names) or "channel_axis" in names:
        raise ValueError(f"method {name!r}: parameter names must be unique and not "
                         f"channel_axis, got {names}")
    for p in params:
        for other in _REGISTRY.values():
            if p.name in other.param_names and other.param(p.name).kind is not p.kind:
                raise TypeError(f"method {name!r}: parameter {p.name!r} is "
                                f"{p.kind.__name__} but {other.name!r} has it as "
                                f"{other.param(p.name).kind.__name__}")

    def decorator(func):
        if name in _REGISTRY:
            raise ValueError(f"method {name!r} is already registered")
        doc = (func.__doc__ or name).strip().splitlines()[0]
        _REGISTRY[name] = Segmenter(name, func, tuple(params), summary or doc)
        return func
    return decorator


def unregister(name):
    """Remove method ``name`` (e.g. a plug-in or a test's toy method)."""
    get(name)
    del _REGISTRY[name]


def get(name):
    """The :class:`Segmenter` registered as ``name``, or a ValueError listing the
    methods."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown method {name!r}; available methods: "
                         f"{', '.join(available())}") from None


def available():
    """Names of the registered methods, in registration order."""
    return tuple(_REGISTRY)


def segment(image, method="slic", *, channel_axis=-1, **params):
    """Segment ``image`` with the registered ``method``.

    Parameters
    ----------
    image : array
        The image, as the method takes it (channels last by default).
    method : str
        A name from :func:`available`.
    channel_axis : int or None
        Axis of the channels; None for a grayscale image.
    **params
        The method's parameters (see ``get(method).params``); the others keep
        their defaults.

    Returns
    -------
    labels : int32 array
        Segments 1..K, 0 = no segment.

    Examples
    --------
    >>> import numpy as np
    >>> import classicseg
    >>> img = np.zeros((40, 60, 3), np.uint8); img[:, 30:] = 255
    >>> int(classicseg.segment(img, "slic", n=6).max())
    6
    """
    return get(method)(image, channel_axis=channel_axis, **params)


def default_channel_axis(image):
    """``None`` for a 2-D (grayscale) image, else ``-1``: the channel axis of images
    read from files."""
    return None if image.ndim == 2 else -1


# --------------------------------------------------------------------- built-ins

@register(
    "slic",
    Param("n", int, 500, "number of superpixels", low=1),
    Param("compactness", float, 10.0, "colour/space trade-off m; larger = more "
          "regular", low=0.0),
    Param("max_num_iter", int, 10, "k-means iterations", low=1),
    Param("sigma", float, 0.0, "Gaussian smoothing in pixels before segmenting",
          low=0.0),
    Param("min_size_factor", float, 0.05, "dissolve superpixels below this "
          "fraction of N/n pixels", low=0.0),
    Param("slico", bool, False, "SLICO: adaptive per-cluster colour normalisation"),
    Param("exact", bool, False, "return exactly n segments"),
    Param("enforce_connectivity", bool, True, "make every superpixel connected"),
    summary="SLIC superpixels in CIELAB (Achanta et al. 2012)")
def _slic(image, *, channel_axis, **params):
    from .slic import slic
    return slic(image, channel_axis=channel_axis, **params)


@register(
    "watershed",
    Param("n", int, 500, "number of grid markers when h is not given", low=1),
    Param("h", float, None, "minimal depth of the gradient minima used as markers "
          "(gradient in [0, 1] units, e.g. 0.05); none: n grid markers", low=0.0),
    Param("compactness", float, 10.0, "compact watershed, on SLIC's scale; 0 = "
          "classic watershed", low=0.0),
    Param("sigma", float, 1.0, "Gaussian smoothing of the gradient, in pixels",
          low=0.0),
    summary="Meyer's watershed of the gradient magnitude from h-minima or grid "
            "markers")
def _watershed(image, *, channel_axis, **params):
    from .watershed import watershed_segmentation
    return watershed_segmentation(image, channel_axis=channel_axis, **params)


@register(
    "meanshift",
    Param("spatial_radius", float, 7.0, "spatial bandwidth h_s in pixels", low=1.0),
    Param("range_radius", float, 6.5, "range bandwidth h_r (CIELAB units for RGB)",
          low=0.0),
    Param("min_size", int, 20, "merge regions smaller than this many pixels", low=0),
    Param("sigma", float, 0.0, "Gaussian pre-smoothing in pixels (0: none)",
          low=0.0),
    Param("kernel", str, "uniform", "weight profile of each mean",
          choices=("uniform", "epanechnikov", "gaussian")),
    Param("speedup", str, "trajectory", "trajectory: EDISON's speed-up; coarse: a "
          "coarse-to-fine start, then trajectory; none: exact",
          choices=("trajectory", "coarse", "none")),
    summary="mean-shift segmentation in the joint spatial/range domain (Comaniciu & "
            "Meer 2002)")
def _mean_shift(image, *, channel_axis, **params):
    from .meanshift import mean_shift
    return mean_shift(image, channel_axis=channel_axis, **params)


@register(
    "ncut",
    Param("n_segments", int, None, "segments of the cut (kway: required; none: "
          "the threshold decides)", low=2),
    Param("threshold", float, None, "merge: smallest two-way Ncut of a merged pair "
          "(default 0.003); recursive: largest of a split (default 0.1)", low=0.0),
    Param("n_initial", int, None, "merge: segments of the initial k-way cut "
          "(default max(40, 2 n_segments))", low=2),
    Param("radius", float, 5.0, "pixel graph neighbourhood in pixels", low=1.0),
    Param("sigma_color", float, 30.0, "colour scale of the weights (CIELAB units "
          "for RGB)", low=0.0),
    Param("sigma_space", float, 4.0, "spatial scale of the weights in pixels",
          low=0.0),
    Param("contour", bool, True, "multiply in the intervening-contour term"),
    Param("sigma_contour", float, 0.03, "gradient scale of the contour term",
          low=0.0),
    Param("cut", str, "merge", "merge: k-way cut merged bottom-up; kway: Yu & Shi "
          "discretization; recursive: Shi & Malik two-way cuts",
          choices=("merge", "kway", "recursive")),
    summary="normalized cuts of the pixel graph (Shi & Malik 2000)")
def _ncut(image, *, channel_axis, cut, **params):
    from .ncut import ncut
    return ncut(image, channel_axis=channel_axis, method=cut, **params)


@register(
    "ncut_superpixels",
    Param("base", str, "meanshift", "over-segmentation whose regions are the nodes",
          choices=("meanshift", "slic")),
    Param("superpixels", int, 400, "slic base: number of superpixels", low=2),
    Param("base_min_size", int, 100, "meanshift base: smallest region in pixels",
          low=0),
    Param("n_segments", int, None, "segments wanted (kway: required; none: the "
          "threshold decides)", low=2),
    Param("threshold", float, None, "merge: smallest two-way Ncut of a merged pair "
          "(default 0.003); recursive: largest of a split (default 0.001)", low=0.0),
    Param("weight", str, "pixel", "pixel: the pixel graph summed over regions; "
          "boundary/similarity: colour similarity of adjacent regions (x boundary)",
          choices=("pixel", "boundary", "similarity")),
    Param("cut", str, None, "merge (default with pixel weights), kway (default with "
          "n_segments otherwise) or recursive", choices=("merge", "kway", "recursive")),
    Param("sigma", float, 10.0, "boundary/similarity weights: colour scale (CIELAB "
          "units for RGB)", low=0.0),
    summary="normalized cuts of the region graph of an over-segmentation")
def _ncut_superpixels(image, *, channel_axis, base, superpixels, base_min_size, cut,
                      **params):
    from .ncut import ncut_superpixels
    if base == "slic":
        from .slic import slic
        regions = slic(image, n=superpixels, channel_axis=channel_axis)
    else:
        from .meanshift import mean_shift
        regions = mean_shift(image, min_size=base_min_size, channel_axis=channel_axis)
    return ncut_superpixels(image, regions, channel_axis=channel_axis, method=cut,
                            **params)
