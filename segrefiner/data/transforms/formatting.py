"""Pack a transformed sample into the model's inputs and data samples.

The layout is what :class:`~segrefiner.models.SegRefinerDataPreprocessor` and
``SegRefiner.loss`` read: ``inputs`` a ``(3, H, W)`` float RGB tensor with
0-255 values (normalised later, by the data preprocessor) and a
:class:`~mmengine.structures.BaseDataElement` carrying ``gt_mask`` and
``coarse_mask`` as ``(1, H, W)`` float 0/1 tensors.
"""
from typing import Sequence, Tuple

import numpy as np
import torch
from mmengine.registry import TRANSFORMS
from mmengine.structures import BaseDataElement

from .base import RefinerTransform, views_of

__all__ = ['PackRefinerInputs']

_MASK_FIELDS = ('gt_mask', 'coarse_mask')
META_KEYS = ('img_path', 'gt_path', 'ori_shape', 'flip', 'seed')


@TRANSFORMS.register_module()
class PackRefinerInputs(RefinerTransform):
    """Turn the results dict into ``dict(inputs=..., data_samples=...)``.

    A sample with one view (the LR pipeline) gives one tensor and one data
    sample. A sample with several views (the HR object crop plus patch) gives a
    list of each, one per view, which :func:`~segrefiner.data.refiner_collate`
    flattens into the batch.

    Each data sample's metainfo holds ``img_shape``, ``view`` (the view
    prefix), ``crop_box`` when the view was cropped, and the ``meta_keys``
    present in the results.

    Args:
        meta_keys: Results keys copied into every data sample's metainfo.

    Examples:
        >>> packed = PackRefinerInputs()(dict(
        ...     img=np.zeros((4, 5, 3), np.uint8),
        ...     gt_mask=np.ones((4, 5), np.uint8)))
        >>> packed['inputs'].shape, packed['data_samples'].gt_mask.shape
        (torch.Size([3, 4, 5]), torch.Size([1, 4, 5]))
    """

    def __init__(self, meta_keys: Sequence[str] = META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def _pack_view(self, results: dict,
                   prefix: str) -> Tuple[torch.Tensor, BaseDataElement]:
        img = results[prefix + 'img']
        chw = np.ascontiguousarray(img.transpose(2, 0, 1))
        inputs = torch.from_numpy(chw).float()
        metainfo = {k: results[k] for k in self.meta_keys if k in results}
        metainfo.update(img_shape=img.shape[:2], view=prefix)
        if prefix + 'crop_box' in results:
            metainfo['crop_box'] = results[prefix + 'crop_box']
        sample = BaseDataElement(metainfo=metainfo)
        for field in _MASK_FIELDS:
            if prefix + field in results:
                mask = np.ascontiguousarray(results[prefix + field])
                sample.set_field(torch.from_numpy(mask).float()[None], field)
        return inputs, sample

    def transform(self, results: dict) -> dict:
        packed = [self._pack_view(results, p) for p in views_of(results)]
        if len(packed) == 1:
            return dict(inputs=packed[0][0], data_samples=packed[0][1])
        inputs, samples = zip(*packed)
        return dict(inputs=list(inputs), data_samples=list(samples))
