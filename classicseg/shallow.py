"""Shallow semantic segmentation: superpixels -> features -> classifier -> CRF.

The pre-deep pipeline of the lectures and of the non-deep rows of the SegNet
paper's CamVid table.  Each image is over-segmented (SLIC, 1000 superpixels by
default); each superpixel gets the features of :mod:`classicseg.features` and, for
training, the majority class of its labelled pixels (the ignore label never votes);
a classifier gives class probabilities per superpixel; a Potts CRF over the region
adjacency graph (:mod:`classicseg.crf`), its penalty ``weight * l_ij / mean(l) *
exp(-|c_i - c_j|^2 / (2 sigma^2))`` (boundary length ``l``, mean CIELAB ``c``),
smooths them.

The default classifier is LightGBM's gradient-boosted trees: strong on tabular
features, multi-threaded, and its models are plain text, so a model file is JSON
that loading only parses (no pickle, no code run).  Any scikit-learn style
estimator (``fit(X, y, sample_weight=)``, ``predict_proba``, ``classes_``) can be
passed instead; files are written for LightGBM models only.
"""
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ._validate import check_positive

__all__ = ["ShallowSegmenter", "MODEL_FORMAT", "MODEL_VERSION"]

MODEL_FORMAT = "classicseg.ShallowSegmenter"
MODEL_VERSION = 1

_DEFAULT_SUPERPIXELS = ("slic", {"n": 1000})
_DEFAULT_SMOOTHING = {"weight": 2.0, "sigma": 5.0, "n_iter": 20}
_DEFAULT_TREES = {"n_estimators": 100, "learning_rate": 0.15, "num_leaves": 31,
                  "subsample": 0.5, "colsample_bytree": 0.5, "max_bin": 63,
                  "min_child_samples": 20}


class LightGBMClassifier:
    """The default classifier: LightGBM multiclass boosting, deterministic, kept as
    a ``lightgbm.Booster`` whose text form is what model files store."""

    def __init__(self, n_jobs=None, seed=0, **params):
        self.params = {**_DEFAULT_TREES, **params}
        self.n_jobs = n_jobs
        self.seed = seed
        self.booster_ = None
        self.classes_ = None

    def fit(self, X, y, sample_weight=None):
        import lightgbm
        model = lightgbm.LGBMClassifier(
            **self.params, subsample_freq=1, random_state=self.seed,
            n_jobs=self.n_jobs or os.cpu_count(), deterministic=True,
            force_col_wise=True, verbose=-1)
        model.fit(X, y, sample_weight=sample_weight)
        self.booster_ = model.booster_
        self.classes_ = np.asarray(model.classes_)
        return self

    def predict_proba(self, X):
        if len(self.classes_) == 1:
            return np.ones((len(X), 1))
        p = self.booster_.predict(np.asarray(X, dtype=np.float64))
        return np.stack([1 - p, p], 1) if p.ndim == 1 else p   # binary: P(class 1)

    def to_dict(self):
        return {"kind": "lightgbm", "classes": self.classes_.tolist(),
                "model": self.booster_.model_to_string()}

    @classmethod
    def from_dict(cls, data):
        import lightgbm
        if data.get("kind") != "lightgbm":
            raise ValueError(f"unknown classifier kind {data.get('kind')!r}")
        clf = cls()
        clf.booster_ = lightgbm.Booster(model_str=data["model"])
        clf.classes_ = np.asarray(data["classes"], dtype=np.int64)
        return clf


class ShallowSegmenter:
    """Superpixels -> features -> classifier -> CRF (module docstring).

    Parameters
    ----------
    superpixels : (str, dict) or callable
        A registered method and its parameters (``classicseg.segment(image, name,
        **params)``), default SLIC with 1000 superpixels; or ``f(image) -> labels``
        (such a model cannot be saved).
    features : sequence of str
        Feature groups of :func:`classicseg.features.superpixel_features`.
    classifier : estimator, optional
        Default :class:`LightGBMClassifier` (100 rounds of 31-leaf trees).
    smoothing : dict or None
        CRF ``weight``, ``sigma`` (CIELAB units) and ``n_iter`` (default 2.0, 5.0,
        20: chosen on CamVid val, README); None: no CRF.
    class_weight : float
        Training weight of a class = (total / its pixels) ** ``class_weight``: 0 =
        pixel-accuracy weighting, 1 = balanced (0.25 on CamVid, README).
    context_scale : int
        The coarse segmentation of the ``context`` features.

    Attributes
    ----------
    num_classes, ignore_index : int or None
        Set by :meth:`fit` (None before).
    feature_names_ : list of str
        The feature columns.
    """

    def __init__(self, superpixels=_DEFAULT_SUPERPIXELS, features=None,
                 classifier=None, smoothing=_DEFAULT_SMOOTHING, class_weight=0.25,
                 context_scale=8):
        from .features import FEATURE_GROUPS, _check_groups, feature_names
        self.superpixels = _check_superpixels(superpixels)
        self.features = _check_groups(FEATURE_GROUPS if features is None else features)
        self.feature_names_ = feature_names(self.features)
        self.classifier = classifier
        self.smoothing = _check_smoothing(smoothing)
        if not (np.isfinite(class_weight) and class_weight >= 0):
            raise ValueError(f"class_weight must be >= 0, got {class_weight!r}")
        self.class_weight = float(class_weight)
        self.context_scale = check_positive(context_scale, "context_scale",
                                            integer=True)
        self.num_classes = None
        self.ignore_index = None

    # ------------------------------------------------------------------ training

    def fit(self, images, label_maps, *, num_classes=None, ignore_index=None):
        """Train on ``images`` (arrays or paths) and their class maps (arrays or
        paths; classes ``0..num_classes-1``, ``ignore_index`` unlabelled)."""
        images, label_maps = list(images), list(label_maps)
        if len(images) != len(label_maps):
            raise ValueError(f"images has {len(images)} entries, label_maps "
                             f"{len(label_maps)}")
        if not images:
            raise ValueError("the training set is empty: no images")
        maps = [_read_labels(m) for m in label_maps]
        if num_classes is None:
            num_classes = 1 + max(int(_valid(m, ignore_index).max(initial=-1))
                                  for m in maps)
        num_classes = check_positive(num_classes, "num_classes", integer=True)
        rows, targets, sizes = [], [], []
        for i, (image, truth) in enumerate(zip(images, maps)):
            image = _read_image(image)
            _check_truth(truth, image, i, num_classes, ignore_index)
            X, regions = self._region_features(image)
            votes = _votes(regions, truth, X.shape[0], num_classes, ignore_index)
            labelled = votes.sum(axis=1) > 0
            rows.append(X[labelled])
            targets.append(votes[labelled].argmax(axis=1))
            sizes.append(votes[labelled].sum(axis=1))
        X, y, size = (np.concatenate(a) for a in (rows, targets, sizes))
        if y.size == 0:
            raise ValueError("the training set is empty: no labelled pixel")
        if self.classifier is None:
            self.classifier = LightGBMClassifier()
        self.classifier.fit(X, y, sample_weight=_sample_weights(
            y, size, num_classes, self.class_weight))
        self.num_classes, self.ignore_index = num_classes, ignore_index
        return self

    # ---------------------------------------------------------------- prediction

    def predict_proba(self, image):
        """(H, W, num_classes) float32 class probabilities of every pixel."""
        probs, regions = self._region_proba(_read_image(image))
        return probs.astype(np.float32)[regions - 1]

    def predict(self, image):
        """(H, W) int32 classes."""
        probs, regions = self._region_proba(_read_image(image))
        return probs.argmax(axis=1).astype(np.int32)[regions - 1]

    def score(self, images, label_maps):
        """:class:`classicseg.metrics.SemanticMetrics` of the predictions on
        ``images`` (the SegNet table's global accuracy = ``pixel_accuracy``, class
        average = ``mean_accuracy``, and ``miou``)."""
        from .metrics import ConfusionMatrix
        self._check_fitted()
        acc = ConfusionMatrix(self.num_classes, ignore_index=self.ignore_index)
        images, label_maps = list(images), list(label_maps)
        if len(images) != len(label_maps):
            raise ValueError(f"images has {len(images)} entries, label_maps "
                             f"{len(label_maps)}")
        for image, truth in zip(images, label_maps):
            acc.update(_read_labels(truth), self.predict(image))
        return acc.compute()

    def _region_features(self, image, lab=None):
        from .features import superpixel_features
        regions = self._superpixels(image)
        X, _ = superpixel_features(image, regions, self.features,
                                   context_scale=self.context_scale, lab=lab)
        return X, regions

    def _superpixels(self, image):
        from .labels import relabel_sequential
        if callable(self.superpixels):
            regions = self.superpixels(image)
        else:
            from .segmenters import segment
            name, params = self.superpixels
            regions = segment(image, name, **params)
        regions = np.asarray(regions)
        if regions.shape != image.shape[:2] or regions.min() < 1:
            raise ValueError("superpixels must label every pixel of the image 1..K, "
                             f"got shape {regions.shape}, smallest {regions.min()}")
        return relabel_sequential(regions)

    def _region_proba(self, image):
        from .color import rgb2lab
        self._check_fitted()
        lab = rgb2lab(image)   # once, for the features and the CRF
        X, regions = self._region_features(image, lab)
        probs = np.zeros((X.shape[0], self.num_classes))
        probs[:, self.classifier.classes_] = self.classifier.predict_proba(X)
        if self.smoothing is not None:
            probs = self._smoothed(probs, lab, regions)
        return probs, regions

    def _smoothed(self, probs, lab, regions):
        from .crf import potts_marginals
        from .graph import region_adjacency_graph
        # mean CIELAB per region, from the float32 Lab the graph would compute
        graph = region_adjacency_graph(regions, lab.astype(np.float32),
                                       color_space="image")
        mean_lab = np.asarray(graph.mean_color, dtype=np.float64)
        edges = graph.edges
        if edges.shape[0] == 0:
            return probs
        length = graph.boundary_length.astype(np.float64)
        d2 = ((mean_lab[edges[:, 0]] - mean_lab[edges[:, 1]]) ** 2).sum(axis=1)
        s = self.smoothing
        weights = s["weight"] * length / length.mean() * np.exp(
            -d2 / (2 * s["sigma"] ** 2))
        return potts_marginals(probs, edges, weights, n_iter=s["n_iter"])

    def _check_fitted(self):
        if self.num_classes is None or self.classifier is None:
            raise RuntimeError("this ShallowSegmenter is not trained: call fit() or "
                               "ShallowSegmenter.load()")

    # ---------------------------------------------------------------- model files

    def save(self, path):
        """Write the model as JSON (versioned, with a SHA-256 of its content),
        atomically."""
        from . import __version__
        from .io import _atomic_write
        self._check_fitted()
        if callable(self.superpixels):
            raise TypeError("a model with a callable superpixels cannot be saved: "
                            "use a registered method, e.g. ('slic', {'n': 1000})")
        if not hasattr(self.classifier, "to_dict"):
            raise TypeError(f"{type(self.classifier).__name__} models cannot be "
                            "saved: files hold LightGBM models only (the default "
                            "classifier)")
        body = {"superpixels": list(self.superpixels), "features": list(self.features),
                "feature_names": self.feature_names_, "smoothing": self.smoothing,
                "class_weight": self.class_weight,
                "context_scale": self.context_scale, "num_classes": self.num_classes,
                "ignore_index": self.ignore_index,
                "classifier": self.classifier.to_dict()}
        text = _canonical(body)
        doc = {"format": MODEL_FORMAT, "version": MODEL_VERSION,
               "classicseg": __version__, "sha256": _digest(text), "model": body}
        data = _canonical(doc).encode()
        return _atomic_write(path, lambda f: f.write(data))

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`; refuses other formats, other
        versions and files whose content does not match their checksum."""
        from .features import feature_names
        try:
            doc = json.loads(Path(path).read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a classicseg model file ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path}: not a classicseg model file (format "
                             f"{doc.get('format') if isinstance(doc, dict) else None!r})")
        if doc.get("version") != MODEL_VERSION:
            raise ValueError(f"{path}: model file version {doc.get('version')!r} "
                             f"(classicseg {doc.get('classicseg')}); this classicseg "
                             f"reads version {MODEL_VERSION}: retrain or use that "
                             "release")
        body = doc.get("model")
        if _digest(_canonical(body)) != doc.get("sha256"):
            raise ValueError(f"{path}: checksum mismatch: the file was modified or "
                             "is damaged")
        name, params = body["superpixels"]
        model = cls((name, params), body["features"], smoothing=body["smoothing"],
                    class_weight=body["class_weight"],
                    context_scale=body["context_scale"])
        if feature_names(model.features) != body["feature_names"]:
            raise ValueError(f"{path}: its feature columns differ from this "
                             "classicseg's: retrain the model")
        model.num_classes = body["num_classes"]
        model.ignore_index = body["ignore_index"]
        model.classifier = LightGBMClassifier.from_dict(body["classifier"])
        return model


def _check_superpixels(superpixels):
    if callable(superpixels):
        return superpixels
    try:
        name, params = superpixels
        params = dict(params)
    except (TypeError, ValueError):
        raise ValueError("superpixels must be (method name, parameters dict) or a "
                         f"callable, got {superpixels!r}") from None
    from .segmenters import get
    get(name).resolve(params)   # a clear error for a bad name or parameter
    return (name, params)


def _check_smoothing(smoothing):
    if smoothing is None:
        return None
    unknown = set(smoothing) - set(_DEFAULT_SMOOTHING)
    if unknown:
        raise ValueError(f"smoothing takes {sorted(_DEFAULT_SMOOTHING)}, got unknown "
                         f"{sorted(unknown)}")
    out = {**_DEFAULT_SMOOTHING, **smoothing}
    if not (np.isfinite(out["weight"]) and out["weight"] >= 0):
        raise ValueError(f"smoothing weight must be >= 0, got {out['weight']!r}")
    check_positive(out["sigma"], "smoothing sigma")
    check_positive(out["n_iter"], "smoothing n_iter", integer=True)
    return out


def _check_truth(truth, image, i, num_classes, ignore_index):
    if truth.shape != image.shape[:2]:
        raise ValueError(f"label_maps[{i}] has shape {truth.shape}, images[{i}] "
                         f"{image.shape[:2]}")
    bad = _valid(truth, ignore_index)
    bad = bad[(bad < 0) | (bad >= num_classes)]
    if bad.size:
        raise ValueError(f"label_maps[{i}] holds class {int(bad[0])}, outside "
                         f"0..{num_classes - 1} (num_classes={num_classes}, "
                         f"ignore_index={ignore_index})")


def _sample_weights(y, size, num_classes, exponent):
    """Per-superpixel weights: its labelled pixels times its class's
    (total / class pixels) ** exponent, scaled to mean 1."""
    pixels = np.bincount(y, weights=size, minlength=num_classes)
    factor = np.zeros(num_classes)
    present = pixels > 0
    factor[present] = (pixels.sum() / pixels[present]) ** exponent
    weights = size * factor[y]
    return weights * (len(weights) / weights.sum())


def _votes(regions, truth, k, num_classes, ignore_index):
    """(k, num_classes) labelled-pixel counts of each region's classes."""
    t = truth.ravel().astype(np.int64)
    keep = t != ignore_index if ignore_index is not None else np.ones(t.size, bool)
    key = (regions.ravel()[keep].astype(np.int64) - 1) * num_classes + t[keep]
    return np.bincount(key, minlength=k * num_classes).reshape(k, num_classes)


def _valid(truth, ignore_index):
    t = truth.ravel()
    return t[t != ignore_index] if ignore_index is not None else t


def _read_image(image):
    """An RGB array (paths read; gray repeated, alpha dropped)."""
    if isinstance(image, (str, os.PathLike)):
        from .io import read_image
        image = read_image(image)
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"an image must be (H, W) gray or (H, W, 3) RGB, got shape "
                         f"{image.shape}")
    return image[..., :3]


def _read_labels(labels):
    if isinstance(labels, (str, os.PathLike)):
        from .io import read_labels
        return read_labels(labels)
    arr = np.asarray(labels)
    if arr.ndim != 2 or arr.dtype.kind not in "iu":
        raise ValueError(f"a label map must be a 2-D integer array, got shape "
                         f"{arr.shape} dtype {arr.dtype}")
    return arr


def _canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()
