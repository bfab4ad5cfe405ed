"""Instance-segmentation result files: mmdet ``.pkl`` and COCO json.

mmdet 3.x ``tools/test.py --out results.pkl`` dumps a list with one dict per
image (``img_path``, ``pred_instances`` with ``masks`` as RLE dicts
``{'size': [h, w], 'counts': bytes}``); a COCO ``*.segm.json`` is a list of
``{image_id, category_id, segmentation, score, ...}``; their masks are
decoded and encoded by :mod:`.rle`.
"""
import json
import pickle
from pathlib import Path
from typing import Any

from .atomic import PathLike

__all__ = ['read_result_file']


def read_result_file(path: PathLike, kind: str = 'json') -> Any:
    """The content of a result file: ``kind`` ``'pickle'`` or ``'json'``.

    Only open pickles you trust: loading one can run code.

    Raises:
        OSError: If the file cannot be read.
        ValueError: Naming the file, if it cannot be parsed.
    """
    loads = pickle.loads if kind == 'pickle' else json.loads
    try:
        return loads(Path(path).read_bytes())
    except (ValueError, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(f'{path}: not a readable {kind} file ({error})')

