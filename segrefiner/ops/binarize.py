"""The one binarisation rule of the package, with its named variants.

Why one rule: a mask read from a file, passed as an array, predicted by a
detector or scored by a metric must mean the same foreground everywhere.
The range of the data decides the scale (bool; 0/1 or probabilities in
[0, 1]; 8-bit 0-255; 16-bit, read as its 8-bit level ``round(x / 257)``)
and the variant decides the comparison at the middle of that scale:
``'>=128'`` (SegRefiner's ``scripts/eval_miou.py``, the default) or
``'>128'`` (CascadePSP's ``eval_post.py``).
"""
from typing import TypeVar, Union

import numpy as np
import torch

__all__ = ['BINARIZE_RULES', 'binarize']

BINARIZE_RULES = ('>=128', '>128')
Mask = TypeVar('Mask', np.ndarray, torch.Tensor)


def _is_bool(mask: Union[np.ndarray, torch.Tensor]) -> bool:
    return mask.dtype in (np.bool_, torch.bool)


def _is_float(mask: Union[np.ndarray, torch.Tensor]) -> bool:
    if isinstance(mask, torch.Tensor):
        return mask.is_floating_point()
    return mask.dtype.kind == 'f'


def binarize(mask: Mask, rule: str = '>=128',
             probabilities: bool = True) -> Mask:
    """A bool mask of a bool, 0/1, probability, 8-bit or 16-bit mask.

    Args:
        mask: A numpy array or a torch tensor of any shape.
        rule: ``'>=128'`` or ``'>128'``: foreground is at least / above the
            middle of the data's scale (0.5 for data in [0, 1], 128 for
            0-255, the 8-bit level 128 for 16-bit data).
        probabilities: Accept a float map in [0, 1] that is not 0/1 (a
            probability map); ``False`` refuses it, for metrics whose
            inputs must already be decisions.

    Returns:
        A bool array (or tensor, on the same device) of the same shape.

    Raises:
        ValueError: On an unknown rule, negative values, values above
            65535 (above 255 for floats), or a refused probability map.

    Examples:
        >>> binarize(np.array([0, 127, 128, 255])).tolist()
        [False, False, True, True]
        >>> binarize(np.array([0, 127, 128, 255]), '>128').tolist()
        [False, False, False, True]
        >>> binarize(np.array([0, 1, 1], np.uint8)).tolist()
        [False, True, True]
        >>> binarize(np.array([0, 32767, 32768], np.uint16)).tolist()
        [False, False, True]
    """
    if rule not in BINARIZE_RULES:
        raise ValueError(f'rule must be one of {BINARIZE_RULES}, got {rule!r}')
    if isinstance(mask, torch.Tensor):
        if _is_bool(mask):
            return mask.clone()
    else:
        mask = np.asarray(mask)
        if _is_bool(mask):
            return mask.copy()
    if mask.numel() == 0 if isinstance(mask, torch.Tensor) else (
            mask.size == 0):
        return mask > 0
    low, high = float(mask.min()), float(mask.max())
    limit = 255 if _is_float(mask) else 65535
    if low < 0 or high > limit:
        raise ValueError(f'mask values must lie in [0, {limit}], got '
                         f'[{low:g}, {high:g}]')
    strict = rule == '>128'
    if high <= 1:
        if not probabilities and _is_float(mask) and bool(
                ((mask != 0) & (mask != 1)).any()):
            raise ValueError('got a non-binary float mask in [0, 1]; '
                             'threshold probabilities first')
        return mask > 0.5 if strict else mask >= 0.5
    if high > 255:
        mask = (mask / 257.0).round()
    return mask > 128 if strict else mask >= 128
