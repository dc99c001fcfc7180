"""Segmentation metrics with the same meaning as the deep-learning and benchmark
references, computed on arrays (no file I/O: see :mod:`classicseg.evaluation`).

Conventions shared by every metric:

* arguments ``y_true, y_pred`` first (ground truth, then prediction);
* ``ignore_index=None`` by default: a ground-truth label whose pixels are skipped;
* boundary distances: ``max_dist`` in pixels, ``tolerance`` as a fraction of the
  image diagonal;
* per-class arrays are named ``*_per_class``, their means ``m*``/``mean_*``;
* results are frozen dataclasses with ``to_dict()``; accumulators have
  ``update()``, ``compute()``, ``reset()`` and ``merge(other)``.
"""
from ._contingency import Contingency, contingency
from ._result import to_jsonable
from .boundary import (BoundaryAccumulator, BoundaryBenchmark, BoundaryPRF,
                       boundaries_from_labels, boundary_ods_ois, boundary_pr_curve,
                       boundary_prf)
from .bsds import BSDSRegionAccumulator, BSDSRegionResult
from .instance import CocoMaskAP, CocoMetrics, Instances, coco_mask_ap
from .panoptic import (PanopticMetrics, PanopticQuality, id_to_rgb, panoptic_quality,
                       rgb_to_id)
from .partition import (AdaptedRandError, PartitionAccumulator, PartitionMetrics,
                        adapted_rand_error, partition_metrics, probabilistic_rand_index,
                        segmentation_covering, variation_of_information)
from .semantic import (ConfusionMatrix, SemanticMetrics, confusion_matrix, mean_dice,
                       miou, pixel_accuracy, semantic_metrics)
from .superpixel import (SuperpixelMetrics, achievable_segmentation_accuracy,
                         boundary_recall, compactness, explained_variation,
                         superpixel_metrics, undersegmentation_error)

__all__ = [
    "AdaptedRandError", "BSDSRegionAccumulator", "BSDSRegionResult",
    "BoundaryAccumulator", "BoundaryBenchmark", "BoundaryPRF", "CocoMaskAP",
    "CocoMetrics", "ConfusionMatrix", "Contingency", "Instances", "PanopticMetrics",
    "PanopticQuality", "PartitionAccumulator", "PartitionMetrics", "SemanticMetrics",
    "SuperpixelMetrics", "achievable_segmentation_accuracy", "adapted_rand_error",
    "boundaries_from_labels", "boundary_ods_ois", "boundary_pr_curve", "boundary_prf",
    "boundary_recall", "coco_mask_ap", "compactness", "confusion_matrix", "contingency",
    "explained_variation", "id_to_rgb", "mean_dice", "miou", "panoptic_quality",
    "partition_metrics", "pixel_accuracy", "probabilistic_rand_index", "rgb_to_id",
    "segmentation_covering", "semantic_metrics", "superpixel_metrics",
    "to_jsonable", "undersegmentation_error", "variation_of_information"]
