"""Framework-free tensor ops: boxes, crop/paste, NMS, HR patches, masks."""
from .binarize import BINARIZE_RULES, binarize
from .boxes import box_iou, masks_to_boxes, pad_boxes
from .crop_paste import (crop_resize, crop_scale, paste_keeping_detail,
                         paste_masks)
from .masks import class_masks
from .nms import nms
from .patches import (PatchCanvas, boundary_boxes, gather_global,
                      nearest_index, patch_grids, propose_patches)

__all__ = [
    'BINARIZE_RULES', 'binarize',
    'box_iou', 'masks_to_boxes', 'pad_boxes', 'crop_resize', 'crop_scale',
    'paste_keeping_detail', 'paste_masks',
    'class_masks', 'nms', 'PatchCanvas', 'boundary_boxes', 'gather_global',
    'nearest_index', 'patch_grids', 'propose_patches'
]
