"""Agreement of the fast inference path with the fp32 reference path.

The fast path (:mod:`segrefiner.models.fast_path`) is the default only where
it keeps accuracy: on the embedded demo model and its held-out set, its
refined masks must agree with the reference path's at IoU >= 0.99 per image,
and the pooled IoU / mBA against the ground truth may differ by at most 0.2
points. :func:`path_agreement` measures exactly that;
``tests/models/test_fast_path.py`` checks it on a few generated images and
``tools/benchmark.py --agreement DIR`` on a whole held-out folder.
"""
from typing import Iterable, Optional, Tuple

import numpy as np

from ..evaluation.functional import (boundary_accuracy, intersection_union,
                                     iou_from_counts, mask_iou)
from ..models import SegRefiner
from ..ops.binarize import binarize
from .predictor import SegRefinerPredictor

__all__ = ['path_agreement']

Sample = Tuple[np.ndarray, np.ndarray, np.ndarray]


def _pooled(pairs: list) -> Tuple[float, float]:
    """Pooled IoU and mBA (percent) of ``(pred, gt)`` 0/255 pairs."""
    inter = union = 0
    for pred, gt in pairs:
        i, u = intersection_union(pred, gt)
        inter, union = inter + i, union + u
    iou = 100.0 * iou_from_counts(inter, union)
    mba = 100.0 * float(np.mean([boundary_accuracy(p, g) for p, g in pairs]))
    return iou, mba


def path_agreement(model: SegRefiner,
                   samples: Iterable[Sample],
                   mode: str = 'lr',
                   seed: int = 0,
                   precision: Optional[str] = None) -> dict:
    """Refine each sample with the reference and the fast path and compare.

    Args:
        model: A :class:`~segrefiner.models.SegRefiner`.
        samples: ``(image, coarse, gt)``: an ``H x W x 3`` uint8 RGB image
            and ``H x W`` 0/1 (or bool, 0/255) masks.
        mode: :func:`~segrefiner.apis.refine` mode.
        seed: Sampling seed, the same for both paths.
        precision: Precision of the fast path (None: the model's).

    Raises:
        ValueError: If ``samples`` is empty.

    Returns:
        ``dict(per_image_iou, min_iou, reference=(IoU, mBA),
        fast=(IoU, mBA))``: the IoU of the fast path's mask with the
        reference path's per image, and each path's pooled IoU and mBA
        (percent) against the GT.
    """
    predictors = (SegRefinerPredictor(model, fast=False, precision='fp32'),
                  SegRefinerPredictor(model, fast=True, precision=precision))
    agree, ref_pairs, fast_pairs = [], [], []
    for image, coarse, gt in samples:
        gt255 = binarize(gt).astype(np.uint8) * 255
        outs = [p.refine(image, coarse, mode, seed) for p in predictors]
        ref, fast = (o.astype(np.uint8) * 255 for o in outs)
        agree.append(mask_iou(fast, ref))
        ref_pairs.append((ref, gt255))
        fast_pairs.append((fast, gt255))
    if not agree:
        raise ValueError('path_agreement needs at least one sample')
    return dict(per_image_iou=agree,
                min_iou=min(agree),
                reference=_pooled(ref_pairs),
                fast=_pooled(fast_pairs))
