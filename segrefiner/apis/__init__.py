"""User-facing API: build a refiner, refine images with it, and refine or
score whole folders, result files and datasets (the batch APIs behind
``tools/refine.py`` and ``tools/test.py``).

The evaluation names (:func:`evaluate_dataset`, :func:`build_eval_dataset`,
:class:`EvaluationReport`) are imported on first use (PEP 562): their module
needs pycocotools (``segrefiner.evaluation``), which ``import segrefiner``
does not.
"""
import importlib
from typing import Any

from .batch import BatchOptions, BatchReport
from .folders import refine_folder
from .init import init_refiner, load_config
from .inference import refine, refine_instances, refine_sam, refine_semantic
from .predictor import SegRefinerPredictor
from .result_files import refine_results
from ..model_zoo import RandomWeightsWarning
from ..io import load_image, load_mask
from ..protocols import (choose_mode, refine_crops, refine_high_res,
                         refine_label_map)

_ON_FIRST_USE = ('EvaluationReport', 'build_eval_dataset', 'evaluate_dataset')

__all__ = [
    'init_refiner', 'load_config', 'refine', 'refine_instances', 'refine_sam',
    'refine_semantic', 'SegRefinerPredictor', 'RandomWeightsWarning',
    'choose_mode', 'refine_crops', 'refine_high_res', 'refine_label_map',
    'load_image', 'load_mask', 'BatchOptions', 'BatchReport',
    'refine_folder', 'refine_results',
    *_ON_FIRST_USE
]


def __getattr__(name: str) -> Any:
    """The evaluation names, imported on first use."""
    if name in _ON_FIRST_USE:
        return getattr(importlib.import_module('.evaluate', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
