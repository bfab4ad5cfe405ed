"""Truth drawn as an annotator's polygons, as a transform.

See :mod:`segrefiner.data.annotation_style`. Placed before the coarse-mask
transform, so that every coarse source (``'exact'`` included) starts from the
polygon, as a refiner's users' masks start from human-drawn ones.
"""
from typing import Optional, Tuple

from mmengine.registry import TRANSFORMS

from ..annotation_style import polygon_annotation
from .base import RandomTransform

__all__ = ['PolygonTruth']


@TRANSFORMS.register_module()
class PolygonTruth(RandomTransform):
    """Replace ``gt_mask`` by its polygon drawing, with probability ``prob``.

    Args:
        prob: Probability that a sample's truth is redrawn.
        tolerance: ``(low, high)``: the polygon's largest distance from the
            outline, in pixels of the sample, drawn uniformly per sample.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> import numpy as np, cv2
        >>> gt = np.zeros((64, 64), np.uint8)
        >>> _ = cv2.circle(gt, (32, 32), 20, 1, -1)
        >>> out = PolygonTruth(prob=1.0)(dict(gt_mask=gt.copy(), seed=0))
        >>> 0 < int((out['gt_mask'] != gt).sum()) < 100
        True
    """

    def __init__(self,
                 prob: float = 0.5,
                 tolerance: Tuple[float, float] = (0.5, 2.0),
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        if not 0 <= prob <= 1 or not 0 <= tolerance[0] <= tolerance[1]:
            raise ValueError(f'PolygonTruth: prob {prob} must be in [0, 1] '
                             f'and tolerance {tolerance} a (low, high) range '
                             'of pixels, 0 <= low <= high')
        self.prob = prob
        self.tolerance = tuple(tolerance)

    def transform(self, results: dict) -> dict:
        rng = self.generator(results)
        if rng.random() < self.prob:
            results['gt_mask'] = polygon_annotation(
                results['gt_mask'], rng.uniform(*self.tolerance))
        return results
