"""Training data: datasets, coarse masks, transforms and their collate
function (the offline generators of data sets are :mod:`segrefiner.datagen`).

Importing this package registers the transforms in mmengine's root
``TRANSFORMS``, :func:`refiner_collate` in its root ``FUNCTIONS`` and the
datasets of :mod:`.datasets` in its root ``DATASETS``.
"""
from . import datasets  # noqa: F401  (registers the datasets)
from .coarse import fill_holes, modify_boundary, perturb, polygonize
from .collate import refiner_collate
from .transforms import (ContextCrop, GenerateCoarseMask, LoadRefinerData,
                         MixedCoarseMask, ObjectCrop, PackRefinerInputs,
                         PatchCrop,
                         RandomTransform, RefinerTransform, ResizeTo,
                         SharedRandomFlip, mask_bbox)

__all__ = [
    'ContextCrop', 'GenerateCoarseMask', 'LoadRefinerData', 'MixedCoarseMask',
    'ObjectCrop', 'PackRefinerInputs', 'PatchCrop', 'RandomTransform',
    'RefinerTransform', 'ResizeTo', 'SharedRandomFlip', 'fill_holes',
    'mask_bbox', 'modify_boundary', 'perturb', 'polygonize', 'refiner_collate'
]
