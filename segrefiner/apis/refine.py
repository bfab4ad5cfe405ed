"""One image, one mask: ``refine(model, image, mask, mode='auto')``."""
from typing import Optional

import numpy as np
import torch

from ..models import SegRefiner
from ..ops.boxes import masks_to_boxes, pad_boxes
from .common import check_same_size, image_tensor, make_generator
from .high_res import refine_high_res
from .instances import refine_crops
from ..fileio import ImageLike, load_image, load_mask

MODES = ('auto', 'lr', 'hr')


def choose_mode(model: SegRefiner, mask: torch.Tensor) -> str:
    """The ``'auto'`` rule: ``'hr'`` for objects too big for one crop.

    The object-crop (LR) protocol squashes the mask's box (grown by
    ``pad_width``) into one ``model_size`` square; once the longer side of
    that box exceeds twice ``model_size`` (512 px officially) a crop would
    lose more than half of the resolution, and the global + local (HR)
    protocol, which refines boundaries at native resolution, is used.
    """
    height, width = mask.shape
    box = pad_boxes(masks_to_boxes(mask[None]), model.test_cfg['pad_width'],
                    height, width)[0]
    longer = int(torch.maximum(box[2] - box[0], box[3] - box[1]))
    return 'hr' if longer > 2 * model.test_cfg['model_size'] else 'lr'


def refine(model: SegRefiner,
           image: ImageLike,
           mask: ImageLike,
           mode: str = 'auto',
           seed: Optional[int] = None,
           return_probs: bool = False,
           fast: Optional[bool] = None,
           precision: Optional[str] = None) -> np.ndarray:
    """Refine one binary mask of one image.

    Args:
        model: A :class:`SegRefiner` (e.g. ``init_refiner()``).
        image: ``H x W x 3`` uint8 RGB array or an image path.
        mask: ``H x W`` bool, 0/1 or 0/255 array, or a mask path.
        mode: ``'lr'`` (object crop, 6 steps), ``'hr'`` (global + local
            patches) or ``'auto'`` (:func:`choose_mode`).
        seed: Makes the sampling reproducible on the same device.
        return_probs: Return float32 probabilities instead of a mask.
        fast: The fast inference path (None: the model's
            ``test_cfg['fast']``, True by default); False runs the fp32
            reference path (:mod:`segrefiner.models.fast_path`).
        precision: ``'auto'``, ``'fp32'``, ``'bf16'`` or ``'fp16'`` for the
            fast path (None: ``test_cfg['precision']``).

    Returns:
        ``H x W`` bool mask (or float32 probabilities).

    Example:
        >>> from segrefiner.apis import init_refiner, refine
        >>> model = init_refiner()
        >>> refined = refine(model, 'image.jpg', 'coarse.png', seed=0)
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    img, coarse = load_image(image), load_mask(mask)
    check_same_size(img, coarse)
    device = model.device
    image_t = image_tensor(img, device)
    mask_t = torch.from_numpy(coarse).to(device)
    generator = make_generator(device, seed)
    if mode == 'auto':
        mode = choose_mode(model, mask_t)
    with model.inference_options(fast, precision):
        if mode == 'hr':
            out = refine_high_res(model, image_t, mask_t, generator,
                                  return_probs)
        else:
            out = refine_crops(model, image_t, mask_t[None], generator,
                               return_probs)[0]
    return out.cpu().numpy()
