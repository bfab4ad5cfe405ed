"""User-facing API: build a refiner and refine images with it."""
from .high_res import refine_high_res
from .init import init_refiner, load_config
from .instances import refine_crops, refine_instances
from ..fileio import load_image, load_mask
from .refine import choose_mode, refine
from .semantic import refine_label_map, refine_semantic

__all__ = [
    'init_refiner', 'load_config', 'refine', 'refine_instances',
    'refine_semantic', 'choose_mode', 'refine_crops', 'refine_high_res',
    'refine_label_map', 'load_image', 'load_mask'
]
