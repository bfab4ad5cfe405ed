"""Evaluation: per-image mask metrics and the mmengine metrics built on them.

Importing this package registers ``RefineMetric`` and ``CocoBoundaryMetric`` in
mmengine's root ``METRICS`` registry.
"""
from .boundary_ap import (BoundaryCOCOeval, CocoBoundaryMetric,
                          evaluate_boundary_ap)
from ..ops.binarize import binarize
from .functional import (ba_radii, boundary_accuracy,
                         boundary_dilation, boundary_iou, intersection_union,
                         iou_from_counts, mask_boundary, mask_iou)
from .metrics import RefineMetric

__all__ = [
    'BoundaryCOCOeval', 'CocoBoundaryMetric', 'RefineMetric', 'ba_radii',
    'binarize', 'boundary_accuracy', 'boundary_dilation', 'boundary_iou',
    'evaluate_boundary_ap', 'intersection_union', 'iou_from_counts',
    'mask_boundary', 'mask_iou'
]
