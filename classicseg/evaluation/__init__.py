"""Evaluation on files: the readers and drivers behind ``classicseg evaluate``.

:mod:`classicseg.metrics` scores arrays; this layer reads what is on disk (class-map
folders, COCO JSON and panoptic PNGs, the BSDS500 layout), feeds the metrics'
accumulators and runs segmenters over parameter sweeps.

* :func:`evaluate_semantic_folders` -- a folder of predicted class maps against one
  of ground truth (:mod:`classicseg.evaluation.semantic`);
* :func:`evaluate_coco_instances`, :func:`evaluate_coco_panoptic` -- COCO files
  (:mod:`classicseg.evaluation.coco`);
* :func:`bsds_region_benchmark` -- a segmenter over a sweep on BSDS500
  (:mod:`classicseg.evaluation.bsds`).
"""
from .bsds import bsds_region_benchmark, bsds_samples, expand_sweep
from .coco import (evaluate_coco_instances, evaluate_coco_panoptic, instance_table,
                   panoptic_table, read_panoptic_png)
from .semantic import evaluate_semantic_folders, pair_by_stem, semantic_table

__all__ = ["bsds_region_benchmark", "bsds_samples", "evaluate_coco_instances",
           "evaluate_coco_panoptic", "evaluate_semantic_folders", "expand_sweep",
           "instance_table", "pair_by_stem", "panoptic_table", "read_panoptic_png",
           "semantic_table"]
