"""User-facing API: build a refiner and refine images with it."""
from .init import init_refiner, load_config
from .inference import refine, refine_instances, refine_sam, refine_semantic
from .predictor import SegRefinerPredictor
from ..model_zoo import RandomWeightsWarning
from ..io import load_image, load_mask
from ..protocols import (choose_mode, refine_crops, refine_high_res,
                         refine_label_map)

__all__ = [
    'init_refiner', 'load_config', 'refine', 'refine_instances', 'refine_sam',
    'refine_semantic', 'SegRefinerPredictor', 'RandomWeightsWarning',
    'choose_mode', 'refine_crops', 'refine_high_res', 'refine_label_map',
    'load_image', 'load_mask'
]
