"""One binary mask: the choice between the object-crop and the HR protocol."""
from typing import List, Optional, Sequence

import torch

from ..models import InferenceOptions, SegRefiner
from .high_res import refine_high_res
from .object_crop import crop_boxes, refine_crops_of_images

__all__ = [
    'MODES', 'check_mode', 'choose_mode', 'refine_mask',
    'refine_masks_of_images', 'resolve_mode'
]

#: The ``mode`` of every API call and every tool's ``--mode`` choices:
#: ``'lr'`` (object crop), ``'hr'`` (global + local patches) or ``'auto'``
#: (:func:`choose_mode` per mask).
MODES = ('auto', 'lr', 'hr')


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`: the one check of a mode.

    Raises:
        ValueError: ``"mode must be one of ('auto', 'lr', 'hr'), got ..."``.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    return mode


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
    box = crop_boxes(model, mask[None])[0]
    longer = int(torch.maximum(box[2] - box[0], box[3] - box[1]))
    return 'hr' if longer > 2 * model.test_cfg['model_size'] else 'lr'


def resolve_mode(model: SegRefiner, mask: torch.Tensor, mode: str) -> str:
    """The protocol that ``mode`` runs on ``(H, W)`` bool ``mask``: ``'lr'``
    or ``'hr'`` (``'auto'``: :func:`choose_mode`).

    Raises:
        ValueError: For a mode outside :data:`MODES`.
    """
    return choose_mode(model, mask) if check_mode(mode) == 'auto' else mode


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
    # one dispatcher: one image is refine_masks_of_images of one image
    return refine_masks_of_images(model, [image], [mask], mode, generator,
                                  options, return_probs=return_probs)[0]


def refine_masks_of_images(model: SegRefiner,
                           images: Sequence[torch.Tensor],
                           masks: Sequence[torch.Tensor],
                           mode: str = 'auto',
                           generator: Optional[torch.Generator] = None,
                           options: Optional[InferenceOptions] = None,
                           return_probs: bool = False
                           ) -> List[torch.Tensor]:
    """:func:`refine_mask` of one mask per image, the object crops batched.

    The masks whose mode is ``'lr'`` are refined together
    (:func:`~.object_crop.refine_crops_of_images`, one random stream), then
    the ``'hr'`` ones one by one; :func:`refine_mask` is this function of
    one image, so the two agree by construction.

    Args:
        model: The refiner.
        images: ``(3, H_i, W_i)`` RGB tensors on the model's device.
        masks: ``(H_i, W_i)`` bool masks, one per image.
        mode: ``'lr'``, ``'hr'`` or ``'auto'`` (per mask).
        generator: Random source of the sampling.
        options: How the UNet runs.
        return_probs: Return float32 probabilities instead of bool masks.

    Returns:
        One ``(H_i, W_i)`` bool mask (or probabilities) per image.
    """
    check_mode(mode)
    modes = [resolve_mode(model, mask, mode) for mask in masks]
    crop = [i for i, m in enumerate(modes) if m == 'lr']
    outs: List[Optional[torch.Tensor]] = [None] * len(masks)
    refined = refine_crops_of_images(model, [images[i] for i in crop],
                                     [masks[i][None] for i in crop],
                                     generator, return_probs, options)
    for i, out in zip(crop, refined):
        outs[i] = out[0]
    for i, m in enumerate(modes):
        if m == 'hr':
            outs[i] = refine_high_res(model, images[i], masks[i], generator,
                                      return_probs, options)
    return outs

