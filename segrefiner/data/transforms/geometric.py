"""Resize and flip applied alike to every view of a sample.

The official pipelines resize every crop to 256x256 without keeping the aspect
ratio (image bilinear, masks nearest) and flip horizontally with probability
0.5, one draw shared by the object crop and the patch of an HR sample.
"""
from typing import Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.registry import TRANSFORMS

from .base import RandomTransform, RefinerTransform, view_keys

__all__ = ['ResizeTo', 'SharedRandomFlip']

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
