"""Data: datasets, coarse masks, transforms, composites, real-photo samples
and offline writers.

Importing this package registers the transforms in mmengine's root
``TRANSFORMS``, :func:`refiner_collate` in its root ``FUNCTIONS`` and the
datasets of :mod:`.datasets` in its root ``DATASETS``.
:mod:`.composites` and :mod:`.real_samples` need scikit-image, imported only
when a photo is loaded or segmented.
"""
from . import datasets  # noqa: F401  (registers the datasets)
from .coarse import fill_holes, modify_boundary, perturb, polygonize
from .collate import refiner_collate
from .composites import (PHOTOS, Composite, load_photo, make_composite,
                         random_shape)
from ..io import list_masks
from .offline import generate_coarse_masks, generate_composites, name_seed
from .transforms import (ContextCrop, GenerateCoarseMask, LoadRefinerData,
                         MixedCoarseMask, ObjectCrop, PackRefinerInputs,
                         PatchCrop,
                         RandomTransform, RefinerTransform, ResizeTo,
                         SharedRandomFlip, mask_bbox)

__all__ = [
    'PHOTOS', 'Composite', 'ContextCrop', 'GenerateCoarseMask',
    'LoadRefinerData', 'ObjectCrop', 'PackRefinerInputs', 'PatchCrop',
    'RandomTransform', 'RefinerTransform', 'ResizeTo', 'SharedRandomFlip',
    'fill_holes', 'generate_coarse_masks', 'generate_composites', 'list_masks',
    'load_photo', 'make_composite', 'mask_bbox', 'modify_boundary',
    'name_seed', 'perturb', 'polygonize', 'random_shape',
    'refiner_collate'
]
