"""The batch wing: refine or evaluate many images from disk, in the formats
of :mod:`segrefiner.formats`, sharded over ranks and resumable, on top of the
numpy face (:mod:`segrefiner.apis`)."""
from .evaluate import EvaluationReport, evaluate_dataset
from .folders import FOLDER_FORMATS, refine_folder
from .result_files import RESULT_FORMATS, refine_results
from .runner import BatchOptions, BatchReport

__all__ = [
    'BatchOptions', 'BatchReport', 'EvaluationReport', 'FOLDER_FORMATS',
    'RESULT_FORMATS', 'evaluate_dataset', 'refine_folder', 'refine_results'
]
