"""Transforms of the training pipelines, in mmengine's root registry."""
from .annotation import PolygonTruth
from .base import RandomTransform, RefinerTransform
from .coarse_mask import GenerateCoarseMask, MixedCoarseMask
from .crops import ContextCrop, ObjectCrop, PatchCrop, mask_bbox
from .formatting import PackRefinerInputs
from .geometric import RandomDownscale, ResizeTo, SharedRandomFlip
from .loading import LoadRefinerData

__all__ = [
    'ContextCrop', 'GenerateCoarseMask', 'LoadRefinerData', 'MixedCoarseMask',
    'ObjectCrop', 'PackRefinerInputs', 'PatchCrop', 'PolygonTruth',
    'RandomDownscale', 'RandomTransform', 'RefinerTransform', 'ResizeTo',
    'SharedRandomFlip', 'mask_bbox'
]
