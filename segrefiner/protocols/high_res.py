"""The official high-resolution (global + local patch) protocol.

Reference: ``simple_test_semantic`` of the official ``segrefiner_semantic.py``
(MengyuWang826/SegRefiner; docs/design.md, "Protocols"):

1. global stage: image and mask nearest-resized to ``model_size``\\ :sup:`2`,
   timesteps ``T-1 .. 1`` (fewer with ``steps``: :func:`stage_timesteps`);
   the last returns probabilities, nearest-upsampled
   and thresholded to give ``M_g``;
2. patch proposal around the low-confidence points
   (:func:`segrefiner.ops.patches.propose_patches`), keeping boxes whose
   ``M_g`` crop holds a boundary;
3. local stage: one step at timestep 0 on native-resolution patches in
   batches of ``batch_max``;
4. merge: overlaps averaged and thresholded at 0.5 where any patch landed,
   ``M_g`` elsewhere.

Fixes of the official code:

* a coarse mask with at most 128 foreground pixels is returned unchanged
  (the official code returns an all-zero mask);
* images smaller than ``model_size`` on a side work: patches then have side
  ``min(H, W) // 2`` (the training rule for small images) and are resized to
  ``model_size`` for the local step and back;
* memory stays bounded: the image stays ``uint8``, ``M_g`` is read through
  nearest-neighbour index vectors, patches stream in batches, and only the
  output, a float sum and a float count are full-resolution maps.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F

from ..models import InferenceOptions, SegRefiner
from ..ops.safeguard import bound_change
from ..ops.patches import (PatchCanvas, boundary_boxes, gather_global,
                           nearest_index, patch_grids, propose_patches)

MIN_FOREGROUND = 128


def patch_side(height: int, width: int, model_size: int) -> int:
    """Native patch side: ``model_size``, or ``min(H, W) // 2`` (even) below."""
    if min(height, width) >= model_size:
        return model_size
    return max(2, min(height, width) // 2 // 2 * 2)


def stage_timesteps(model: SegRefiner, steps: Optional[int] = None
                    ) -> Tuple[List[int], List[int]]:
    """The global stage's and the local step's timesteps for ``steps``.

    The ``steps`` timesteps of :meth:`SegRefiner.timesteps` split into all
    but the last (global) and the last, timestep 0 (local): all ``T`` give
    the official ``T-1 .. 1`` and ``0``; the global stage lands on the
    local step's timestep. The protocol needs both stages, so ``steps = 1``
    runs as 2.
    """
    steps = model.num_timesteps if steps is None else max(2, steps)
    timesteps = model.timesteps(steps)
    return timesteps[:-1], timesteps[-1:]


def refine_high_res(model: SegRefiner,
                    image: torch.Tensor,
                    mask: torch.Tensor,
                    generator: Optional[torch.Generator] = None,
                    return_probs: bool = False,
                    options: Optional[InferenceOptions] = None
                    ) -> torch.Tensor:
    """Refine one ``(H, W)`` bool mask of a ``(3, H, W)`` image tensor.

    Args:
        model: The refiner (``model.test_cfg``: ``model_size``,
            ``fine_prob_thr``, ``iou_thr``, ``batch_max`` and the optional
            ``max_patches`` cap, ``None`` (no cap) as officially, and the
            optional ``safeguard``, see :mod:`segrefiner.ops.safeguard`).
        image: ``(3, H, W)`` uint8 (or 0-255 float) RGB on the model's
            device.
        mask: ``(H, W)`` bool coarse mask on the same device.
        generator: Random source of the sampling.
        return_probs: Return float probabilities instead of a bool mask.
        options: How the UNet runs (``None``: the model's defaults).

    Returns:
        ``(H, W)`` bool mask or float32 probabilities.
    """
    cfg = model.test_cfg
    size, batch_max = cfg['model_size'], cfg['batch_max']
    height, width = mask.shape
    if int(mask.sum()) <= MIN_FOREGROUND:
        return mask.float() if return_probs else mask.clone()
    device = mask.device
    gy, gx = nearest_index(size, height, device), nearest_index(
        size, width, device)
    global_img = image[:, gy[:, None], gx[None]].float()
    global_mask = mask[gy[:, None], gx[None]].float()
    options = model.inference_options() if options is None else options
    global_steps, local_step = stage_timesteps(model, options.steps)
    probs, fine = model.refine(global_img[None], global_mask[None, None],
                               timesteps=global_steps, generator=generator,
                               return_fine_probs=True, options=options,
                               land=local_step[0])
    probs, fine = probs[0, 0], fine[0, 0]
    global_bin = probs >= 0.5
    iy, ix = nearest_index(height, size, device), nearest_index(
        width, size, device)
    base = (probs if return_probs else global_bin)[iy[:, None], ix[None]]
    side = patch_side(height, width, size)
    boxes = propose_patches(fine, height, width, side, cfg['fine_prob_thr'],
                            cfg['iou_thr'])
    boxes = boundary_boxes(global_bin, iy, ix, boxes)
    if cfg.get('max_patches') is not None:
        boxes = boxes[:cfg['max_patches']]  # the least confident first
    if len(boxes) == 0:
        return _safeguard(cfg, mask, base)
    canvas = PatchCanvas(height, width, device)
    for start in range(0, len(boxes), batch_max):
        rows, cols = patch_grids(boxes[start:start + batch_max])
        patch_img = image[:, rows[:, :, None], cols[:, None, :]]
        patch_img = patch_img.transpose(0, 1).float()
        patch_mask = gather_global(global_bin, iy, ix, rows,
                                   cols)[:, None].float()
        if side != size:
            patch_img = F.interpolate(patch_img, (size, size),
                                      mode='bilinear', align_corners=False)
            patch_mask = (F.interpolate(patch_mask, (size, size),
                                        mode='bilinear', align_corners=False)
                          >= 0.5).float()
        out = model.refine(patch_img, patch_mask,
                           timesteps=local_step,
                           generator=generator, options=options)
        if side != size:
            out = F.interpolate(out, (side, side), mode='bilinear',
                                align_corners=False)
        canvas.add(out[:, 0], rows, cols)
    return _safeguard(cfg, mask, canvas.merge(base, return_probs=return_probs))


def _safeguard(cfg: dict, coarse: torch.Tensor,
               refined: torch.Tensor) -> torch.Tensor:
    """``refined`` bounded by ``cfg['safeguard']`` when it is set."""
    if not cfg.get('safeguard'):
        return refined
    return bound_change(coarse[None], refined[None], **cfg['safeguard'])[0]
