"""COCO run-length encoding, both ways: the one home of RLE in the package.

Compressed RLE ``{'size': [h, w], 'counts': str | bytes}`` is what mmdet's
``encode_mask_results``, COCO result files and segment-anything's
``--convert-to-rle`` store; uncompressed RLE (``counts`` a list of run
lengths, column-major, starting with a run of zeros) is what COCO
annotations of crowds and SAM 2's ``output_mode='uncompressed_rle'`` hold.
Encoding and decoding go through pycocotools (``pycocotools.mask``).
"""
from typing import Any

import numpy as np

__all__ = ['decode_segmentation', 'encode_rle', 'encode_uncompressed_rle']


def decode_segmentation(segmentation: Any, height: int,
                        width: int) -> np.ndarray:
    """An HxW ``uint8`` 0/1 mask from a COCO ``segmentation`` field.

    The conversion of pycocotools' ``COCO.annToRLE``/``annToMask``
    (polygons, uncompressed or compressed RLE), without the ``COCO`` index
    that those methods need (the training datasets drop it after loading so
    that DataLoader workers share only the serialised data list).

    Examples:
        >>> decode_segmentation([[0, 0, 4, 0, 4, 2, 0, 2]], 4, 6)
        array([[1, 1, 1, 1, 0, 0],
               [1, 1, 1, 1, 0, 0],
               [0, 0, 0, 0, 0, 0],
               [0, 0, 0, 0, 0, 0]], dtype=uint8)
    """
    from pycocotools import mask as mask_utils
    if isinstance(segmentation, list):
        rle = mask_utils.merge(
            mask_utils.frPyObjects(segmentation, height, width))
    elif isinstance(segmentation['counts'], list):
        rle = mask_utils.frPyObjects(segmentation, height, width)
    else:
        rle = segmentation
    # pycocotools decodes column-major; OpenCV needs row-major arrays.
    return np.ascontiguousarray(mask_utils.decode(rle), dtype=np.uint8)


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


def encode_uncompressed_rle(mask: np.ndarray) -> dict:
    """The uncompressed COCO RLE ``{'size', 'counts': [int, ...]}`` of an
    HxW mask: run lengths in column-major order, the first one of zeros
    (``0`` when the first pixel is set), as segment-anything's
    ``mask_to_rle_pytorch`` (``segment_anything/utils/amg.py``) writes them.

    Examples:
        >>> encode_uncompressed_rle(np.array([[0, 1], [1, 1]]))
        {'size': [2, 2], 'counts': [1, 3]}
    """
    flat = np.asarray(mask).astype(bool).ravel(order='F')
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    counts = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return dict(size=[int(s) for s in np.shape(mask)], counts=counts)
