"""Instance-segmentation result files: mmdet ``.pkl``, COCO json, RLE.

mmdet 3.x ``tools/test.py --out results.pkl`` dumps a list with one dict per
image (``img_path``, ``pred_instances`` with ``masks`` as RLE dicts
``{'size': [h, w], 'counts': bytes}``); a COCO ``*.segm.json`` is a list of
``{image_id, category_id, segmentation, score, ...}``. Pickles are read as
data (torch's weights-only unpickler, protocol 2 as ``mmengine.dump``
writes), never run.
"""
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoints import read_pickle_file
from .atomic import PathLike

__all__ = ['encode_rle', 'read_result_file']


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


def encode_rle(mask: np.ndarray, as_str: bool) -> dict:
    """The compressed COCO RLE ``{'size', 'counts'}`` of an HxW mask.

    Args:
        mask: The mask.
        as_str: ``counts`` as ``str`` (json) instead of ``bytes`` (mmdet).
    """
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    counts = rle['counts']
    return dict(size=[int(s) for s in rle['size']],
                counts=counts.decode('ascii') if as_str else counts)
