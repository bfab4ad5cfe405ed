"""Instance-segmentation result files: mmdet ``.pkl`` and COCO json.

mmdet 3.x ``tools/test.py --out results.pkl`` dumps a list with one dict per
image (``img_path``, ``pred_instances`` with ``masks`` as RLE dicts
``{'size': [h, w], 'counts': bytes}``); a COCO ``*.segm.json`` is a list of
``{image_id, category_id, segmentation, score, ...}``; their masks are
decoded and encoded by :mod:`.rle`. Pickles are read as data (torch's
weights-only unpickler, protocol 2 as ``mmengine.dump`` writes), never run.
"""
import json
from pathlib import Path
from typing import Any

from ..checkpoints import read_pickle_file
from .atomic import PathLike

__all__ = ['read_result_file']


def read_result_file(path: PathLike, kind: str = 'json') -> Any:
    """The content of a result file: ``kind`` ``'pickle'`` or ``'json'``.

    A pickle is read as data, never run
    (:func:`segrefiner.checkpoints.read_pickle_file`: torch's weights-only
    unpickler with the checkpoint allowlist).

    Raises:
        OSError: If the file cannot be read.
        ValueError: Naming the file, if it cannot be parsed.
        RuntimeError: Naming the file and the global, if its pickle needs
            code (``UnsafeCheckpointError``), or what the file is if it is
            not a pickle of data (``NotACheckpointError``).
    """
    if kind == 'pickle':
        return read_pickle_file(path)
    try:
        return json.loads(Path(path).read_bytes())
    except ValueError as error:
        raise ValueError(f'{path}: not a readable {kind} file ({error})')

