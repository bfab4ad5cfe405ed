"""``refine``, ``refine_instances``, ``refine_sam`` and ``refine_semantic``:
one call each.

OpenMMLab-style functions over :class:`~.predictor.SegRefinerPredictor`:
each builds a predictor with this call's options and runs it, so options
never outlive the call and concurrent calls do not interfere.

The four signatures repeat the same keyword-only options (``options``,
``fast``, ``precision``, ``unet_batch``, ``steps``, ``early_exit``) on
purpose: a deliberate parallel, so that each public call states its whole
contract (help(), IDEs, the docs) instead of hiding it behind ``**kwargs``;
:class:`~.predictor.SegRefinerPredictor` is the one place they take effect.
"""
from typing import List, Optional, Sequence

import numpy as np

from ..io import ImageLike
from ..models import InferenceOptions, SegRefiner
from ..models.inference_options import UNetBatch
from .predictor import SegRefinerPredictor

__all__ = ['refine', 'refine_instances', 'refine_sam', 'refine_semantic']


def refine(model: SegRefiner,
           image: ImageLike,
           mask: ImageLike,
           mode: str = 'auto',
           seed: Optional[int] = None,
           return_probs: bool = False,
           *,
           options: Optional[InferenceOptions] = None,
           fast: Optional[bool] = None,
           precision: Optional[str] = None,
           unet_batch: UNetBatch = None,
           steps: Optional[int] = None,
           early_exit: Optional[bool] = None) -> np.ndarray:
    """Refine one binary mask of one image.

    Args:
        model: A :class:`SegRefiner` (e.g. ``init_refiner()``).
        image: ``H x W x 3`` uint8 RGB array (read-only is fine), a PIL
            image or an image path.
        mask: ``H x W`` bool, 0/1 or 0/255 array, a PIL image or a mask
            path.
        mode: ``'lr'`` (object crop), ``'hr'`` (global + local patches) or
            ``'auto'`` (:func:`~segrefiner.protocols.choose_mode`).
        seed: Makes the sampling reproducible on the same device.
        return_probs: Return float32 probabilities instead of a mask.
        options: This call's :class:`InferenceOptions` (``None``: the
            model's); ``fast``, ``precision``, ``unet_batch`` (an int,
            ``'auto'`` or ``'all'``, :class:`InferenceOptions`), ``steps``
            (``1..T`` reverse steps; docs/steps.md) and ``early_exit``
            override single fields when not ``None``.

    Returns:
        ``H x W`` bool mask (or float32 probabilities).

    Example:
        >>> from segrefiner.apis import init_refiner, refine
        >>> model = init_refiner()
        >>> refined = refine(model, 'image.jpg', 'coarse.png', seed=0)
    """
    return SegRefinerPredictor(model, options, fast, precision, unet_batch,
                               steps, early_exit).refine(
                                   image, mask, mode, seed, return_probs)


def refine_instances(model: SegRefiner,
                     image: ImageLike,
                     masks: np.ndarray,
                     seed: Optional[int] = None,
                     *,
                     options: Optional[InferenceOptions] = None,
                     fast: Optional[bool] = None,
                     precision: Optional[str] = None,
                     unet_batch: UNetBatch = None,
                     steps: Optional[int] = None,
                     early_exit: Optional[bool] = None) -> np.ndarray:
    """Refine every instance mask of one image (official COCO protocol).

    Args:
        model: A :class:`SegRefiner`.
        image: ``H x W x 3`` uint8 RGB array, a PIL image or a path.
        masks: ``(N, H, W)`` coarse masks (bool, 0/1 or 0/255).
        seed: Makes the sampling reproducible on the same device.
        options, fast, precision, unet_batch, steps, early_exit: As for
            :func:`refine`.

    Returns:
        ``(N, H, W)`` bool refined masks; masks under ``area_thr`` pixels
        are returned unchanged.

    Example:
        >>> refined = refine_instances(model, image, det_masks, seed=0)
    """
    predictor = SegRefinerPredictor(model, options, fast, precision,
                                    unet_batch, steps, early_exit)
    return predictor.refine_instances(image, masks, seed)


def refine_sam(model: SegRefiner,
               image: ImageLike,
               sam_masks: Sequence[dict],
               seed: Optional[int] = None,
               *,
               options: Optional[InferenceOptions] = None,
               fast: Optional[bool] = None,
               precision: Optional[str] = None,
               unet_batch: UNetBatch = None,
               steps: Optional[int] = None,
               early_exit: Optional[bool] = None) -> List[dict]:
    """Refine segment-anything's automatic masks of one image.

    Every mask is refined as :func:`refine_instances` refines it (all
    together, each a separate mask however they nest or overlap).

    Args:
        model: A :class:`SegRefiner`.
        image: ``H x W x 3`` uint8 RGB array or an image path.
        sam_masks: What ``SamAutomaticMaskGenerator.generate()`` returns
            (segment-anything or SAM 2; ``segmentation`` a binary array or
            a COCO RLE).
        seed: Makes the sampling reproducible on the same device.
        options, fast, precision, unet_batch, steps, early_exit: As for
            :func:`refine`.

    Returns:
        New dicts in the same order, each ``segmentation`` refined and
        stored as it came, ``area`` and ``bbox`` (XYWH) recomputed as SAM
        computes them; masks under ``area_thr`` pixels keep their dicts.

    Example:
        >>> sam_masks = SamAutomaticMaskGenerator(sam).generate(image)
        >>> refined = refine_sam(model, image, sam_masks, seed=0)
    """
    return SegRefinerPredictor(model, options, fast, precision,
                               unet_batch, steps, early_exit).refine_sam(
                                   image, sam_masks, seed)


def refine_semantic(model: SegRefiner,
                    image: ImageLike,
                    label_map: np.ndarray,
                    ignore_index: Optional[int] = 255,
                    seed: Optional[int] = None,
                    *,
                    options: Optional[InferenceOptions] = None,
                    fast: Optional[bool] = None,
                    precision: Optional[str] = None,
                    unet_batch: UNetBatch = None,
                    steps: Optional[int] = None,
                    early_exit: Optional[bool] = None) -> np.ndarray:
    """Refine a multi-class label map; same shape and dtype out.

    Args:
        model: A :class:`SegRefiner`.
        image: ``H x W x 3`` uint8 RGB array, a PIL image or a path.
        label_map: ``H x W`` integer class map (e.g. mmseg's prediction).
        ignore_index: Label left untouched and never refined (``None``: all
            labels are classes).
        seed: Makes the sampling reproducible on the same device.
        options, fast, precision, unet_batch, steps, early_exit: As for
            :func:`refine`.

    Returns:
        The refined ``H x W`` label map.

    Example:
        >>> refined = refine_semantic(model, 'img.jpg', pred_labels, seed=0)
    """
    predictor = SegRefinerPredictor(model, options, fast, precision,
                                    unet_batch, steps, early_exit)
    return predictor.refine_semantic(image, label_map, ignore_index, seed)
