"""Offline generators of data sets from photos an install already holds:
composites (shapes cut from one photo and pasted on another), real-photo
samples (grown regions, GrabCut objects, pastes, scenes of touching objects)
and offline coarse masks; used by ``tools/gen_*.py``, never by training.

scikit-image (``pip install -e .[data]``) is imported only when a photo is
loaded or segmented.
"""
from .composites import (PHOTOS, Composite, load_photo, make_composite,
                         random_shape)
from .offline import generate_coarse_masks, generate_composites, name_seed

__all__ = [
    'PHOTOS', 'Composite', 'generate_coarse_masks', 'generate_composites',
    'load_photo', 'make_composite', 'name_seed', 'random_shape'
]
