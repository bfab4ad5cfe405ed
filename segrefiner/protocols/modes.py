"""One binary mask: the choice between the object-crop and the HR protocol."""
from typing import Optional

import torch

from ..models import InferenceOptions, SegRefiner
from ..ops.boxes import masks_to_boxes, pad_boxes
from .high_res import refine_high_res
from .object_crop import refine_crops

__all__ = ['MODES', 'choose_mode', 'refine_mask']

MODES = ('auto', 'lr', 'hr')


def choose_mode(model: SegRefiner, mask: torch.Tensor) -> str:
    """The ``'auto'`` rule: ``'hr'`` for objects too big for one crop.

    Why: past twice ``model_size`` (512 px officially) on the longer side of
    the padded box, one crop would lose more than half of the resolution,
    while the HR protocol refines boundaries at native resolution. A model
    whose ``test_cfg['auto_hr']`` is False (the embedded demo model, not
    validated in HR) always gets ``'lr'``.

    Args:
        model: The refiner (``test_cfg``: ``pad_width``, ``model_size``,
            optional ``auto_hr``).
        mask: ``(H, W)`` bool mask.

    Returns:
        ``'lr'`` or ``'hr'``.
    """
    if not model.test_cfg.get('auto_hr', True):
        return 'lr'
    height, width = mask.shape
    box = pad_boxes(masks_to_boxes(mask[None]), model.test_cfg['pad_width'],
                    height, width)[0]
    longer = int(torch.maximum(box[2] - box[0], box[3] - box[1]))
    return 'hr' if longer > 2 * model.test_cfg['model_size'] else 'lr'


def refine_mask(model: SegRefiner,
                image: torch.Tensor,
                mask: torch.Tensor,
                mode: str = 'auto',
                generator: Optional[torch.Generator] = None,
                return_probs: bool = False,
                options: Optional[InferenceOptions] = None) -> torch.Tensor:
    """Refine one ``(H, W)`` bool mask of a ``(3, H, W)`` image tensor.

    Args:
        model: The refiner.
        image: ``(3, H, W)`` uint8 (or 0-255 float) RGB on the model's
            device.
        mask: ``(H, W)`` bool mask on the same device.
        mode: ``'lr'`` (object crop), ``'hr'`` (global + local patches) or
            ``'auto'`` (:func:`choose_mode`).
        generator: Random source of the sampling.
        return_probs: Return float32 probabilities instead of a bool mask.
        options: How the UNet runs (``None``: the model's defaults).

    Returns:
        ``(H, W)`` bool mask or float32 probabilities.

    Raises:
        ValueError: For an unknown ``mode``.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if mode == 'auto':
        mode = choose_mode(model, mask)
    if mode == 'hr':
        return refine_high_res(model, image, mask, generator, return_probs,
                               options)
    return refine_crops(model, image, mask[None], generator, return_probs,
                        options)[0]
