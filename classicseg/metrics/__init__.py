"""Segmentation metrics with the same meaning as the deep-learning and benchmark references."""
from ._contingency import Contingency, contingency  # noqa: F401
from .superpixel import (SuperpixelMetrics, achievable_segmentation_accuracy,  # noqa: F401
                         boundary_recall, compactness, explained_variation,
                         superpixel_metrics, undersegmentation_error)
from .boundary import (BoundaryAccumulator, BoundaryBenchmark, BoundaryPRF,  # noqa: F401
                       boundaries_from_labels, boundary_ods_ois, boundary_pr_curve,
                       boundary_prf)
from .partition import (AdaptedRandError, PartitionAccumulator,  # noqa: F401
                        PartitionMetrics, adapted_rand_error, partition_metrics,
                        probabilistic_rand_index, segmentation_covering,
                        variation_of_information)
from .semantic import (ConfusionMatrix, SemanticMetrics, confusion_matrix, dice,  # noqa: F401
                       miou, pixel_accuracy, semantic_metrics)
from .bsds import BSDSRegionResult, bsds_region_benchmark  # noqa: F401
from .instance import CocoMaskAP, CocoMetrics, Instances, coco_mask_ap  # noqa: F401
from .panoptic import (PanopticMetrics, PanopticQuality, id_to_rgb,  # noqa: F401
                       panoptic_quality, rgb_to_id)
from .evaluate import (evaluate_coco_instances, evaluate_coco_panoptic,  # noqa: F401
                       evaluate_semantic_folders)
