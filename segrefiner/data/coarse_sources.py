"""Coarse masks as real segmenters make them, beside the official synthesis.

The official synthesis (:func:`~segrefiner.data.coarse.modify_boundary`)
teaches large repairs; a refiner trained only on it also "repairs" masks that
are already right. These sources model what refiners are given in practice:

* ``'official'``: ``modify_boundary`` at IoU 0.8 (the official recipe);
* ``'mild'``: ``modify_boundary`` at IoU 0.95-0.98;
* ``'mask_head'``: a Mask R-CNN-style 28x28 mask head (box crop, resized to
  28x28, thresholded, resized back to the box and thresholded at 0.5);
* ``'low_res'``: a semantic segmenter's output stride (x8 down, bilinear
  back, threshold);
* ``'morph'``: a uniform dilation or erosion by 1-4 px;
* ``'exact'``: the mask itself, so that the model learns to leave good masks
  alone.

:data:`SOURCES` names them; :func:`make_coarse` draws one by name.
"""
from typing import Callable, Dict

import cv2
import numpy as np

from .coarse import modify_boundary

__all__ = [
    'SOURCES', 'low_res_roundtrip', 'make_coarse', 'mask_head_roundtrip',
    'morph_jitter'
]


def mask_head_roundtrip(mask: np.ndarray, size: int = 28) -> np.ndarray:
    """The mask as a ``size`` x ``size`` box-aligned mask head would give it.

    Args:
        mask: HxW 0/1 mask.
        size: Side of the head's output.

    Returns:
        HxW ``uint8`` 0/1 mask (empty input: returned as is).

    Examples:
        >>> m = np.zeros((100, 100), np.uint8); m[20:80, 30:70] = 1
        >>> int(np.abs(mask_head_roundtrip(m).astype(int) - m).sum()) < 100
        True
    """
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return mask.copy()
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = mask[y0:y1, x0:x1].astype(np.float32)
    head = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)
    head = (head >= 0.5).astype(np.float32)
    back = cv2.resize(head, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    out = np.zeros_like(mask)
    out[y0:y1, x0:x1] = back >= 0.5
    return out


def low_res_roundtrip(mask: np.ndarray, factor: int = 8) -> np.ndarray:
    """The mask at ``1/factor`` resolution (area), bilinear back, >= 0.5."""
    h, w = mask.shape
    small = cv2.resize(mask.astype(np.float32),
                       (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    back = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return (back >= 0.5).astype(np.uint8)


def morph_jitter(mask: np.ndarray, rng: np.random.Generator,
                 max_px: int = 4) -> np.ndarray:
    """A dilation or an erosion of ``mask`` by 1 to ``max_px`` pixels."""
    radius = int(rng.integers(1, max_px + 1))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                       (2 * radius + 1, 2 * radius + 1))
    op = cv2.dilate if rng.random() < 0.5 else cv2.erode
    return op(np.ascontiguousarray(mask, dtype=np.uint8), kernel)


_Source = Callable[[np.ndarray, np.random.Generator], np.ndarray]

#: Coarse-mask sources by name: ``(gt 0/1 mask, rng) -> 0/1 mask``.
SOURCES: Dict[str, _Source] = {
    'official': lambda m, rng: modify_boundary(m, rng, 0.8),
    'mild': lambda m, rng: modify_boundary(m, rng, rng.uniform(0.95, 0.98)),
    'mask_head': lambda m, rng: mask_head_roundtrip(m),
    'low_res': lambda m, rng: low_res_roundtrip(m),
    'morph': morph_jitter,
    'exact': lambda m, rng: np.ascontiguousarray(m, dtype=np.uint8).copy(),
}


def make_coarse(mask: np.ndarray, source: str,
                rng: np.random.Generator) -> np.ndarray:
    """The coarse mask of ``source`` (a key of :data:`SOURCES`) for ``mask``.

    Raises:
        KeyError: An unknown source, naming the known ones.
    """
    if source not in SOURCES:
        raise KeyError(f'unknown coarse-mask source {source!r}; one of '
                       f'{sorted(SOURCES)}')
    binary = np.ascontiguousarray(np.asarray(mask) >= 0.5, dtype=np.uint8)
    return SOURCES[source](binary, rng)
