"""Per-image mask metrics on numpy arrays: IoU, Boundary Accuracy, bIoU.

Only numpy and OpenCV are used, so these functions work outside any framework.
Every metric binarises its inputs with :func:`segrefiner.ops.binarize` under
its ``rule`` argument (SegRefiner's ``'>=128'``, the default, or CascadePSP's
``'>128'``) and refuses probability maps: they must be thresholded first.

Definitions follow the reference implementations exactly (facts taken from
them, code written independently):

* Boundary Accuracy (BA): CascadePSP, Cheng et al., CVPR 2020,
  ``hkchengrex/CascadePSP: util/compute_boundary_acc.py``; the same code is
  re-implemented in SegRefiner's ``scripts/eval_miou.py``.
* Boundary IoU: Cheng et al., CVPR 2021,
  ``bowenc0221/boundary-iou-api: boundary_iou/utils/boundary_utils.py``
  (BSD-2-Clause).
* The ``>= 128`` (SegRefiner ``scripts/eval_miou.py``) versus ``> 128``
  (CascadePSP ``eval_post.py``) binarisation rules.

Degenerate cases, where the references divide 0 by 0:

* IoU and Boundary IoU are 1.0 when both masks are empty (nothing to miss).
* BA is ``nan`` when the ground truth is all background or all foreground: it
  then has no contour, so the boundary band is empty and BA is undefined.
  :class:`~segrefiner.evaluation.metrics.RefineMetric` leaves such images out
  of mBA.
"""
import math

import cv2
import numpy as np

from ..ops.binarize import binarize

#: Number of radii BA averages over (CascadePSP ``num_steps``).
BA_NUM_STEPS = 5


def _binary_pair(pred: np.ndarray, gt: np.ndarray,
                 rule: str = '>=128') -> tuple[np.ndarray, np.ndarray]:
    """Binarise two masks with ``rule``; check their shapes agree."""
    pred, gt = (binarize(pred, rule, probabilities=False),
                binarize(gt, rule, probabilities=False))
    if pred.shape != gt.shape or pred.ndim != 2:
        raise ValueError(f'expected two HxW masks of one shape, '
                         f'got {pred.shape} and {gt.shape}')
    return pred, gt


def intersection_union(pred: np.ndarray,
                       gt: np.ndarray,
                       rule: str = '>=128') -> tuple[int, int]:
    """Pixel counts ``|P∩G|`` and ``|P∪G|``, to pool IoU over a dataset.

    Examples:
        >>> intersection_union(np.array([[1, 1, 0]]), np.array([[0, 1, 1]]))
        (1, 3)
    """
    pred, gt = _binary_pair(pred, gt, rule)
    return int(np.count_nonzero(pred & gt)), int(np.count_nonzero(pred | gt))


def iou_from_counts(intersection: int, union: int) -> float:
    """``intersection / union``, defined as 1.0 when the union is empty.

    Dataset-level IoU (CascadePSP ``eval_post.py``, SegRefiner
    ``eval_miou.py``) is
    ``iou_from_counts(sum of intersections, sum of unions)``.

    Examples:
        >>> iou_from_counts(3, 4)
        0.75
        >>> iou_from_counts(0, 0)
        1.0
    """
    return intersection / union if union else 1.0


def mask_iou(pred: np.ndarray, gt: np.ndarray, rule: str = '>=128') -> float:
    """Intersection over union of two HxW masks (1.0 if both are empty).

    Examples:
        >>> gt = np.zeros((4, 4), bool); gt[:2] = True
        >>> pred = np.zeros((4, 4), bool); pred[1:3] = True
        >>> round(mask_iou(pred, gt), 4)
        0.3333
    """
    return iou_from_counts(*intersection_union(pred, gt, rule))


def ba_radii(height: int, width: int) -> list[int]:
    """The CascadePSP band radii for an image of the given size.

    ``r_i = 1 + int((r_max - 1) / 5 * i)`` for ``i = 0..4`` with
    ``r_max = (height + width) / 300``; ``int`` truncates toward zero, so
    images smaller than 300 px in ``height + width`` use radius 1 throughout.

    Examples:
        >>> ba_radii(375, 500)
        [1, 1, 1, 2, 2]
        >>> ba_radii(3000, 4000)
        [1, 5, 9, 14, 18]
    """
    max_radius = (height + width) / 300
    return [
        1 + int((max_radius - 1) / BA_NUM_STEPS * i)
        for i in range(BA_NUM_STEPS)
    ]


def boundary_accuracy(pred: np.ndarray,
                      gt: np.ndarray,
                      rule: str = '>=128') -> float:
    """Boundary Accuracy (BA) of one image, as in CascadePSP.

    For each radius ``r`` of :func:`ba_radii`, the band is the morphological
    gradient (dilation minus erosion) of the GT with a ``(2r+1)x(2r+1)``
    elliptical kernel, and the accuracy is the fraction of band pixels where
    prediction and GT agree. BA is the mean of the five accuracies; mBA is the
    mean of BA over images.

    Returns:
        BA in [0, 1], or ``nan`` when the GT is constant (no band).

    Examples:
        >>> gt = np.zeros((20, 20), bool); gt[:, :10] = True
        >>> boundary_accuracy(gt, gt)
        1.0
        >>> boundary_accuracy(gt, np.ones((20, 20), bool))
        nan
    """
    pred, gt = _binary_pair(pred, gt, rule)
    gt_u8 = gt.astype(np.uint8)
    accuracies = []
    for radius in ba_radii(*gt.shape):
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                           (2 * radius + 1, ) * 2)
        band = cv2.morphologyEx(gt_u8, cv2.MORPH_GRADIENT, kernel) > 0
        band_size = np.count_nonzero(band)
        if band_size == 0:
            return math.nan
        accuracies.append(np.count_nonzero(pred[band] == gt[band]) / band_size)
    return float(np.mean(accuracies))


def boundary_dilation(height: int,
                      width: int,
                      dilation_ratio: float = 0.02) -> int:
    """Boundary width ``d = max(1, round(dilation_ratio * diagonal))`` px.

    ``round`` is Python's (half to even), as in the reference.

    Examples:
        >>> boundary_dilation(100, 100)
        3
        >>> boundary_dilation(30, 400)
        8
    """
    return max(1, int(round(dilation_ratio * math.hypot(height, width))))


def mask_boundary(mask: np.ndarray,
                  dilation_ratio: float = 0.02) -> np.ndarray:
    """The object pixels within ``d`` px of the contour (``G_d ∩ G``).

    The mask is padded with one pixel of zeros and eroded ``d`` times with a
    3x3 square kernel; the boundary is the mask minus its erosion. Thanks to
    the padding, pixels where the image border cuts the object count as
    boundary too.

    Args:
        mask: HxW mask (see :func:`segrefiner.ops.binarize`).
        dilation_ratio: ``d`` as a fraction of the image diagonal.

    Returns:
        HxW bool boundary mask.

    Examples:
        >>> int(mask_boundary(np.ones((3, 3), bool)).sum())  # all but centre
        8
    """
    mask = binarize(mask, probabilities=False)
    height, width = mask.shape
    padded = cv2.copyMakeBorder(mask.astype(np.uint8),
                                1,
                                1,
                                1,
                                1,
                                cv2.BORDER_CONSTANT,
                                value=0)
    eroded = cv2.erode(padded,
                       np.ones((3, 3), np.uint8),
                       iterations=boundary_dilation(height, width,
                                                    dilation_ratio))
    return mask & (eroded[1:-1, 1:-1] == 0)


def boundary_iou(pred: np.ndarray,
                 gt: np.ndarray,
                 dilation_ratio: float = 0.02,
                 rule: str = '>=128') -> float:
    """Boundary IoU: IoU of :func:`mask_boundary` of both masks.

    Returns:
        Boundary IoU in [0, 1]; 1.0 when both masks are empty.

    Examples:
        >>> gt = np.zeros((100, 100), bool); gt[40:60, 40:60] = True
        >>> boundary_iou(np.roll(gt, 2, axis=1), gt)  # d = 3
        0.5
    """
    pred, gt = _binary_pair(pred, gt, rule)
    return iou_from_counts(
        *intersection_union(mask_boundary(pred, dilation_ratio),
                            mask_boundary(gt, dilation_ratio)))
