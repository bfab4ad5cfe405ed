"""Online coarse-mask synthesis as a transform (LR).

The official LR pipeline (``LoadCoarseMasks`` in ``mmdet/datasets/pipelines/
loading.py``, github.com/MengyuWang826/SegRefiner) degrades every sample's GT
with ``modify_boundary`` on the full image, before the object crop.
"""
from typing import Dict, Optional

from mmengine.registry import TRANSFORMS

from ..coarse import modify_boundary
from ..coarse_sources import SOURCES, make_coarse
from .base import RandomTransform

__all__ = ['GenerateCoarseMask', 'MixedCoarseMask']


@TRANSFORMS.register_module()
class GenerateCoarseMask(RandomTransform):
    """Set ``coarse_mask`` to ``modify_boundary`` of ``gt_mask``.

    See :func:`~segrefiner.data.coarse.modify_boundary`.

    Args:
        iou_target: See ``modify_boundary``.
        expand_prob: Probability of the hole-filled ``expand`` variant (0 in
            the official LR pipeline).
        coarse_cfg: Further keyword arguments of ``modify_boundary``.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> import numpy as np
        >>> gt = np.zeros((64, 64), np.uint8); gt[16:48, 16:48] = 1
        >>> out = GenerateCoarseMask()(dict(gt_mask=gt, seed=0))
        >>> out['coarse_mask'].shape, out['coarse_mask'].dtype
        ((64, 64), dtype('uint8'))
    """

    def __init__(self,
                 iou_target: float = 0.8,
                 expand_prob: float = 0.0,
                 coarse_cfg: Optional[dict] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.iou_target = iou_target
        self.expand_prob = expand_prob
        self.coarse_cfg = dict(coarse_cfg or {})

    def transform(self, results: dict) -> dict:
        rng = self.generator(results)
        expand = self.expand_prob > 0 and rng.random() < self.expand_prob
        results['coarse_mask'] = modify_boundary(results['gt_mask'],
                                                 rng,
                                                 self.iou_target,
                                                 expand=expand,
                                                 **self.coarse_cfg)
        return results


@TRANSFORMS.register_module()
class MixedCoarseMask(RandomTransform):
    """Set ``coarse_mask`` from a randomly drawn coarse-mask source.

    See :mod:`segrefiner.data.coarse_sources`: each sample draws one source
    with probability proportional to its weight, so one pipeline trains both
    large repairs (``'official'``) and leaving good masks alone (``'exact'``,
    ``'mask_head'``, ...).

    Args:
        weights: Source name to relative weight.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> import numpy as np
        >>> gt = np.zeros((64, 64), np.uint8); gt[16:48, 16:48] = 1
        >>> t = MixedCoarseMask(dict(exact=1.0))
        >>> bool((t(dict(gt_mask=gt, seed=0))['coarse_mask'] == gt).all())
        True
    """

    def __init__(self,
                 weights: Dict[str, float],
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        unknown = set(weights) - set(SOURCES)
        if unknown or not weights:
            raise KeyError(f'unknown coarse-mask sources {sorted(unknown)}; '
                           f'choose from {sorted(SOURCES)}')
        self.names = list(weights)
        total = float(sum(weights.values()))
        self.probs = [weights[n] / total for n in self.names]

    def transform(self, results: dict) -> dict:
        rng = self.generator(results)
        source = self.names[int(rng.choice(len(self.names), p=self.probs))]
        results['coarse_mask'] = make_coarse(results['gt_mask'], source, rng)
        results['coarse_source'] = source
        return results
