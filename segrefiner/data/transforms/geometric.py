"""Resize and flip applied alike to every view of a sample, and the
random downscale of the whole sample before it is cropped.

The official pipelines resize every crop to 256x256 without keeping the aspect
ratio (image bilinear, masks nearest) and flip horizontally with probability
0.5, one draw shared by the object crop and the patch of an HR sample.
"""
from typing import Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.registry import TRANSFORMS

from .base import RandomTransform, RefinerTransform, view_keys

__all__ = ['RandomDownscale', 'ResizeTo', 'SharedRandomFlip']

_IMAGE_INTERPOLATIONS = {
    'bilinear': cv2.INTER_LINEAR,
    'nearest': cv2.INTER_NEAREST_EXACT
}


@TRANSFORMS.register_module()
class ResizeTo(RefinerTransform):
    """Resize every view to ``size`` ``(height, width)``, ignoring the aspect.

    Masks use nearest-neighbour sampling at pixel centres
    (``INTER_NEAREST_EXACT``), which lines up with the bilinear image; OpenCV's
    plain ``INTER_NEAREST`` (used by mmcv's ``'nearest'``, hence the official
    code) is shifted by up to half a source pixel.

    Args:
        size: Output ``(height, width)``, or one int for a square.
        interpolation: ``'bilinear'`` (official) or ``'nearest'`` for the
            image.

    Examples:
        >>> out = ResizeTo(4)(dict(img=np.zeros((2, 3, 3), np.uint8),
        ...                        gt_mask=np.ones((2, 3), np.uint8)))
        >>> out['img'].shape, out['gt_mask'].shape
        ((4, 4, 3), (4, 4))
    """

    def __init__(self,
                 size: Union[int, Sequence[int]] = 256,
                 interpolation: str = 'bilinear') -> None:
        if interpolation not in _IMAGE_INTERPOLATIONS:
            raise ValueError('interpolation must be one of '
                             f'{sorted(_IMAGE_INTERPOLATIONS)}, '
                             f'got {interpolation!r}')
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        height, width = self.size
        for key in view_keys(results):
            flag = (_IMAGE_INTERPOLATIONS[self.interpolation]
                    if key.endswith('img') else cv2.INTER_NEAREST_EXACT)
            results[key] = cv2.resize(results[key], (width, height),
                                      interpolation=flag)
        return results


@TRANSFORMS.register_module()
class SharedRandomFlip(RandomTransform):
    """Flip all views horizontally with probability ``prob``, one draw.

    Sets ``flip`` (bool) in the results.

    Args:
        prob: Flip probability.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> img = np.arange(6).reshape(1, 2, 3)
        >>> out = SharedRandomFlip(prob=1.0)(dict(img=img))
        >>> out['flip'], out['img'][0, 0].tolist()
        (True, [3, 4, 5])
    """

    def __init__(self, prob: float = 0.5, seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.prob = prob

    def transform(self, results: dict) -> dict:
        flip = bool(self.generator(results).random() < self.prob)
        if flip:
            for key in view_keys(results):
                results[key] = np.ascontiguousarray(results[key][:, ::-1])
        results['flip'] = flip
        return results


@TRANSFORMS.register_module()
class RandomDownscale(RandomTransform):
    """Shrink the whole sample (image and masks) by a random factor.

    Placed before the crops: generated samples show objects of 5-40% of a
    384-px photo, while segmenters hand a refiner objects of every size, down
    to a few dozen pixels. Shrinking the sample (area averaging, the masks
    thresholded at half coverage) shows small objects as a camera would,
    before the object crop scales them back to the model's size.

    Args:
        prob: Probability that a sample is shrunk.
        scale: ``(low, high)`` range of the factor, ``0 < low <= high <= 1``.
        min_side: The short side is not shrunk below this (the HR patch
            needs room); a factor that would is raised to it.
        min_area: A truth that would keep fewer pixels is left as it is.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> gt = np.zeros((200, 300), np.uint8); gt[50:150, 100:200] = 1
        >>> t = RandomDownscale(prob=1.0, scale=(0.5, 0.5))
        >>> out = t(dict(img=np.zeros((200, 300, 3), np.uint8), gt_mask=gt))
        >>> out['img'].shape, int(out['gt_mask'].sum())
        ((100, 150, 3), 2500)
    """

    def __init__(self,
                 prob: float = 0.5,
                 scale: Sequence[float] = (0.35, 1.0),
                 min_side: int = 96,
                 min_area: int = 64,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        if not 0 <= prob <= 1 or not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f'RandomDownscale: prob {prob} must be in '
                             f'[0, 1] and scale {scale} a range 0 < low <= '
                             'high <= 1')
        self.prob = prob
        self.scale = tuple(scale)
        self.min_side = min_side
        self.min_area = min_area

    def transform(self, results: dict) -> dict:
        rng = self.generator(results)
        if rng.random() >= self.prob:
            return results
        h, w = results['img'].shape[:2]
        factor = max(rng.uniform(*self.scale), self.min_side / min(h, w))
        if factor >= 1:
            return results
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        masks = {
            key: (cv2.resize(results[key].astype(np.float32), size,
                             interpolation=cv2.INTER_AREA) >= 0.5
                  ).astype(np.uint8)
            for key in ('gt_mask', 'coarse_mask') if key in results
        }
        if masks['gt_mask'].sum() < self.min_area:
            return results
        results['img'] = cv2.resize(results['img'], size,
                                    interpolation=cv2.INTER_AREA)
        results.update(masks)
        return results
