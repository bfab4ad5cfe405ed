"""Load a training sample's image, GT mask and offline coarse mask from files.

The HR pipeline of the official code (``LoadPatchData.load_coarse_mask`` in
``mmdet/datasets/pipelines/loading.py``, github.com/MengyuWang826/SegRefiner)
reads the offline ``coarse_expand`` mask with probability 0.5 and the plain
``coarse`` one otherwise.
"""
from typing import Optional

import numpy as np
from mmengine.registry import TRANSFORMS

from ...io import load_image, load_mask
from .base import RandomTransform

__all__ = ['LoadRefinerData']


@TRANSFORMS.register_module()
class LoadRefinerData(RandomTransform):
    """Read ``img_path``, ``gt_path`` and the coarse mask paths of a sample.

    Sets ``img`` (RGB), ``gt_mask`` and ``coarse_mask`` (0/1, see
    :func:`~segrefiner.io.load_mask`) and ``ori_shape``. Masks already in
    the results (e.g. decoded from annotations by the dataset) are kept. The
    coarse mask comes from ``coarse_expand_path`` with probability
    ``expand_prob`` when the sample has one, else from ``coarse_path`` when it
    has one; with neither, no coarse mask is set
    (:class:`~segrefiner.data.GenerateCoarseMask` makes one).

    Args:
        expand_prob: Probability of the hole-filled offline coarse mask.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.
    """

    def __init__(self,
                 expand_prob: float = 0.5,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.expand_prob = expand_prob

    def transform(self, results: dict) -> dict:
        results['img'] = load_image(results['img_path'])
        results['ori_shape'] = results['img'].shape[:2]
        if 'gt_mask' not in results:
            results['gt_mask'] = load_mask(results['gt_path']).astype(np.uint8)
        if 'coarse_mask' not in results:
            expand = (results.get('coarse_expand_path') is not None
                      and self.generator(results).random() < self.expand_prob)
            path = results.get(
                'coarse_expand_path' if expand else 'coarse_path')
            if path is not None:
                results['coarse_mask'] = load_mask(path).astype(np.uint8)
        for key in ('gt_mask', 'coarse_mask'):
            if key in results and results[key].shape != results['ori_shape']:
                raise ValueError(
                    f"{key} of {results['img_path']} has shape "
                    f"{results[key].shape}, the image {results['ori_shape']}")
        return results
