"""Instance-segmentation result files: mmdet ``.pkl``, COCO json, RLE.

mmdet 3.x ``tools/test.py --out results.pkl`` dumps a list with one dict per
image (``img_path``, ``pred_instances`` with ``masks`` as RLE dicts
``{'size': [h, w], 'counts': bytes}``); a COCO ``*.segm.json`` is a list of
``{image_id, category_id, segmentation, score, ...}``.
"""
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import PathLike

__all__ = ['encode_rle', 'read_result_file']


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
