"""Refinement datasets, registered in mmengine's root ``DATASETS``.

Folder layouts (:class:`RefineFolderDataset`, :class:`BIGDataset`,
:class:`DIS5KDataset`, :class:`ThinObjectDataset`) give data-list entries with
``img_path``, ``gt_path``, ``coarse_path``, ``coarse_expand_path`` (``None``
where absent), ``name`` and ``out_name`` (where a refined mask goes, relative
to an output folder); the COCO-format ones (:class:`CocoRefineDataset`,
:class:`LVISRefineDataset`) decode one random instance per fetch into
``gt_mask``. Layouts: each class's docstring and ``docs/evaluation.md``.
"""
from .big import BIGDataset
from .coco_refine import CocoRefineDataset, InstancePicker
from .dis5k import DIS_TEST_SUBSETS, DIS5KDataset
from .files import MASK_FIELDS, Source, collect_samples, index_files
from .folder import RefineFolderDataset
from .lvis_refine import LVISRefineDataset
from .thin_object import ThinObjectDataset

__all__ = [
    'BIGDataset', 'CocoRefineDataset', 'DIS5KDataset', 'DIS_TEST_SUBSETS',
    'InstancePicker', 'LVISRefineDataset', 'MASK_FIELDS',
    'RefineFolderDataset', 'Source', 'ThinObjectDataset', 'collect_samples',
    'index_files'
]
