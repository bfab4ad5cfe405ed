"""The official instance (object-crop) protocol, batched on the device.

Reference: ``simple_test_instance`` of the official ``segrefiner_instance.py``
(MengyuWang826/SegRefiner; docs/design.md, "Protocols"): for every coarse
mask with at least ``area_thr`` (512) pixels, take its tight box grown by
``pad_width`` (20) px and clipped, crop and resize image and mask to
``model_size``\\ :sup:`2` bilinearly, re-binarise the mask, run all ``T``
steps in batches of ``batch_max`` and paste the probabilities back with
bilinear sampling, thresholded at 0.5. Smaller masks pass through unchanged.
All crops come from one gather and all pastes go back in one
``grid_sample`` (:mod:`segrefiner.ops.crop_paste`).

With ``test_cfg.keep_detail`` (0, the official paste, unless set) a share
of the full-resolution coarse mask's detail finer than a crop pixel is kept
(:func:`~segrefiner.ops.crop_paste.paste_keeping_detail`; 1 pastes only
what the model changed at its resolution onto the coarse mask).

Two optional bounds of ``test_cfg`` (off in the official configs) keep a
coarse mask where refining it would likely hurt: ``acceptance``
(:mod:`segrefiner.ops.acceptance`: per instance, on the model's crops) and
``safeguard`` (:mod:`segrefiner.ops.safeguard`: per pixel and per mask,
after pasting).
"""
from typing import List, Optional, Sequence

import torch

from ..models import InferenceOptions, SegRefiner
from ..ops.acceptance import accept_refinement
from ..ops.boxes import masks_to_boxes, pad_boxes
from ..ops.crop_paste import (crop_resize, crop_scale, paste_keeping_detail,
                              paste_masks)
from ..ops.safeguard import bound_change


def crop_boxes(model: SegRefiner, masks: torch.Tensor) -> torch.Tensor:
    """The crop of each ``(N, H, W)`` bool mask: its tight box grown by
    ``test_cfg['pad_width']`` and clipped to the image, ``(N, 4)`` xyxy
    (exclusive ends); what the protocol crops, :func:`~.modes.choose_mode`
    measures and the demo outlines."""
    return pad_boxes(masks_to_boxes(masks), model.test_cfg['pad_width'],
                     *masks.shape[-2:])


def refine_crops(model: SegRefiner,
                 image: torch.Tensor,
                 masks: torch.Tensor,
                 generator: Optional[torch.Generator] = None,
                 return_probs: bool = False,
                 options: Optional[InferenceOptions] = None) -> torch.Tensor:
    """Refine ``(N, H, W)`` bool masks of one ``(3, H, W)`` image tensor.

    Args:
        model: The refiner; ``model.test_cfg`` gives ``model_size``,
            ``pad_width``, ``area_thr``, ``batch_max`` and the optional
            ``acceptance`` (keyword arguments of
            :func:`~segrefiner.ops.acceptance.accept_refinement`) and
            ``safeguard`` (of :func:`~segrefiner.ops.safeguard.bound_change`).
        image: ``(3, H, W)`` RGB tensor (uint8 or 0-255 float) on the
            model's device.
        masks: ``(N, H, W)`` bool coarse masks on the same device.
        generator: Random source of the sampling.
        return_probs: Return the pasted float probabilities (masks that
            are not refined give their 0/1 values).
        options: How the UNet runs (``None``: the model's defaults).

    Returns:
        ``(N, H, W)`` bool masks, or float32 probabilities.
    """
    return refine_crops_of_images(model, [image], [masks], generator,
                                  return_probs, options)[0]


def refine_crops_of_images(model: SegRefiner,
                           images: Sequence[torch.Tensor],
                           masks: Sequence[torch.Tensor],
                           generator: Optional[torch.Generator] = None,
                           return_probs: bool = False,
                           options: Optional[InferenceOptions] = None
                           ) -> List[torch.Tensor]:
    """:func:`refine_crops` of several images, their crops in shared batches.

    The crops of all images, in order, are refined in batches of
    ``batch_max`` with one random stream, so a batch may hold the objects of
    several images (one mask per image fills a forward too). One image gives
    exactly :func:`refine_crops`; the crops of an image refined with others
    see other random draws and batch neighbours than alone.

    Args:
        model: The refiner (see :func:`refine_crops`).
        images: ``(3, H_i, W_i)`` RGB tensors on the model's device.
        masks: ``(N_i, H_i, W_i)`` bool coarse masks, one tensor per image.
        generator: Random source of the sampling.
        return_probs: Return probabilities instead of masks.
        options: How the UNet runs (``None``: the model's defaults).

    Returns:
        One ``(N_i, H_i, W_i)`` result per image.
    """
    cfg = model.test_cfg
    size, batch_max = cfg['model_size'], cfg['batch_max']
    outs, jobs, crops, coarse = [], [], [], []
    for image, mask in zip(images, masks):
        outs.append(mask.float() if return_probs else mask.clone())
        areas = mask.flatten(1).sum(dim=1)
        selected = torch.nonzero(areas >= cfg['area_thr']).flatten()
        if len(selected) == 0:
            continue
        boxes = crop_boxes(model, mask[selected])
        crops.append(crop_resize(image, boxes, size))
        coarse.append(crop_resize(mask[:, None], boxes, size, selected) >= 0.5)
        jobs.append((len(outs) - 1, selected, boxes))
    if not jobs:
        return outs
    crops, coarse = torch.cat(crops), torch.cat(coarse).float()
    probs = torch.cat([
        model.refine(crops[i:i + batch_max], coarse[i:i + batch_max],
                     generator=generator, options=options)
        for i in range(0, len(crops), batch_max)
    ])
    keep = None
    if cfg.get('acceptance'):  # the change measured in image pixels
        scale = crop_scale(torch.cat([boxes for _, _, boxes in jobs]), size)
        keep = accept_refinement(crops, coarse[:, 0] >= 0.5, probs[:, 0],
                                 **cfg['acceptance'], scale=scale)
    start = 0
    for index, selected, boxes in jobs:
        mask, out = masks[index], outs[index]
        part = slice(start, start + len(selected))
        if cfg.get('keep_detail'):  # a share of the coarse mask's detail
            pasted = paste_keeping_detail(probs[part], coarse[part],
                                          mask[selected], boxes,
                                          cfg['keep_detail'])
            pasted = pasted if return_probs else pasted >= 0.5
        else:
            pasted = paste_masks(probs[part], boxes, *mask.shape[1:],
                                 None if return_probs else 0.5)
        if cfg.get('safeguard'):
            pasted = bound_change(mask[selected], pasted, **cfg['safeguard'])
        if keep is not None:  # a rejected refinement keeps its coarse mask
            kept = keep[part, None, None]
            pasted = torch.where(kept, pasted, mask[selected].to(pasted.dtype))
        start += len(selected)
        out[selected] = pasted
    return outs
