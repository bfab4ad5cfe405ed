"""The batch wing: refine or score many images from disk, in the formats of
:mod:`segrefiner.formats`, sharded over ranks and resumable, on top of the
numpy face (:mod:`segrefiner.apis`).

The evaluation names (:func:`evaluate_dataset`, :func:`build_eval_dataset`,
:class:`EvaluationReport`) are imported on first use (PEP 562): their module
needs pycocotools (``segrefiner.evaluation``), which the rest does not.
"""
import importlib
from typing import Any

from .folders import FOLDER_FORMATS, refine_folder
from .result_files import RESULT_FORMATS, refine_results
from .runner import BatchOptions, BatchReport

_ON_FIRST_USE = ('EvaluationReport', 'build_eval_dataset', 'evaluate_dataset')

__all__ = [
    'BatchOptions', 'BatchReport', 'FOLDER_FORMATS', 'RESULT_FORMATS',
    'refine_folder', 'refine_results', *_ON_FIRST_USE
]


def __getattr__(name: str) -> Any:
    """The evaluation names, imported on first use."""
    if name in _ON_FIRST_USE:
        return getattr(importlib.import_module('.evaluate', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
