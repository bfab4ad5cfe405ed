"""The refinement protocols on device tensors: object crop (instances), high
resolution (global + local patches) and semantic (label maps)."""
from .high_res import refine_high_res
from .modes import (MODES, check_mode, choose_mode, refine_mask,
                    refine_masks_of_images, resolve_mode)
from .object_crop import crop_boxes, refine_crops, refine_crops_of_images
from .semantic import refine_label_map

__all__ = [
    'MODES', 'check_mode', 'choose_mode', 'crop_boxes', 'refine_crops',
    'refine_crops_of_images', 'refine_high_res', 'refine_label_map',
    'refine_mask', 'refine_masks_of_images', 'resolve_mode'
]
