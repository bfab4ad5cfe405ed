"""The refinement protocols on device tensors: object crop (instances), high
resolution (global + local patches) and semantic (label maps)."""
from .high_res import refine_high_res
from .modes import MODES, choose_mode, refine_mask
from .object_crop import refine_crops
from .semantic import refine_label_map

__all__ = [
    'MODES', 'choose_mode', 'refine_crops', 'refine_high_res',
    'refine_label_map', 'refine_mask'
]
