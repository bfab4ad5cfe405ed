"""SegRefiner's training crops: object crop (LR), context crop and patch (HR).

Sampling follows the official ``LoadObjectData`` and ``LoadPatchData`` of
``mmdet/datasets/pipelines/loading.py`` (github.com/MengyuWang826/SegRefiner),
re-implemented with a seedable random source. Every
crop reads the full-image view (``img``, ``gt_mask`` and ``coarse_mask`` if
present) and writes the cropped view under ``out_prefix``, with its box ``(x1,
y1, x2, y2)`` in full-image pixels as ``<out_prefix>crop_box``. A crop with an
empty prefix replaces the full image, so in the HR pipeline :class:`PatchCrop`
comes before :class:`ContextCrop`.
"""
from abc import abstractmethod
from typing import Optional, Tuple

import cv2
import numpy as np
from mmengine.registry import TRANSFORMS

from ..coarse import modify_boundary
from .base import VIEW_FIELDS, RandomTransform

__all__ = ['ContextCrop', 'ObjectCrop', 'PatchCrop', 'mask_bbox']

Box = Tuple[int, int, int, int]


def mask_bbox(mask: np.ndarray) -> Optional[Box]:
    """The tight box ``(x1, y1, x2, y2)`` (ends exclusive); None if empty.

    Examples:
        >>> m = np.zeros((4, 5), np.uint8); m[1:3, 2] = 1
        >>> mask_bbox(m)
        (2, 1, 3, 3)
    """
    xs, ys = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(xs):
        return None
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def _crop(results: dict, box: Box, out_prefix: str) -> dict:
    """Write the ``box`` crop of the full-image view as view ``out_prefix``."""
    x1, y1, x2, y2 = box
    for field in VIEW_FIELDS:
        if field in results:
            results[out_prefix + field] = results[field][y1:y2, x1:x2]
    results[out_prefix + 'crop_box'] = box
    views = results.setdefault('views', [''])
    if out_prefix not in views:
        views.append(out_prefix)
    return results


class _BoxCrop(RandomTransform):
    """A crop around the GT box, drawn axis by axis (x first) by ``_span``."""

    def __init__(self,
                 out_prefix: str = '',
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.out_prefix = out_prefix

    @abstractmethod
    def _span(self, lo: int, hi: int, limit: int,
              rng: np.random.Generator) -> Tuple[int, int]:
        """Crop ``(start, end)`` on a ``limit`` px axis; box ``lo:hi``."""

    def transform(self, results: dict) -> dict:
        h, w = results['gt_mask'].shape
        bbox = mask_bbox(results['gt_mask'])
        if bbox is None:
            return _crop(results, (0, 0, w, h), self.out_prefix)
        rng = self.generator(results)
        x1, x2 = self._span(bbox[0], bbox[2], w, rng)
        y1, y2 = self._span(bbox[1], bbox[3], h, rng)
        return _crop(results, (x1, y1, x2, y2), self.out_prefix)


@TRANSFORMS.register_module()
class ObjectCrop(_BoxCrop):
    """LR object crop: the GT box plus ``pad`` px, randomly placed around it.

    The crop side is ``min(box side + pad, image side)`` on each axis; its
    start is uniform over the positions that keep both the whole box and the
    crop inside the image, so the crop centre lies within ``pad / 2`` (20) px
    of the box centre. This is the official ``LoadObjectData(pad_size=40)``,
    except that the official rounding of the centre can drop the box's last row
    or column: here the box is always inside. An empty GT keeps the whole
    image.

    Args:
        pad: Total padding added to the box side (half on each side on
            average).
        out_prefix: View prefix of the crop (``''`` replaces the full image).
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> gt = np.zeros((100, 200), np.uint8); gt[40:60, 50:90] = 1
        >>> img = np.zeros((100, 200, 3), np.uint8)
        >>> out = ObjectCrop(seed=0)(dict(img=img, gt_mask=gt))
        >>> out['img'].shape, bool(out['gt_mask'].sum() == gt.sum())
        ((60, 80, 3), True)
    """

    def __init__(self,
                 pad: int = 40,
                 out_prefix: str = '',
                 seed: Optional[int] = None) -> None:
        super().__init__(out_prefix, seed)
        self.pad = pad

    def _span(self, lo: int, hi: int, limit: int,
              rng: np.random.Generator) -> Tuple[int, int]:
        side = min(hi - lo + self.pad, limit)
        start = int(rng.integers(max(0, hi - side), min(lo, limit - side) + 1))
        return start, start + side


@TRANSFORMS.register_module()
class ContextCrop(_BoxCrop):
    """HR object crop: a random box that contains the whole GT box.

    As the official ``LoadPatchData``: ``x1' ~ U{0..x1-1}`` and ``x2' ~
    U{x2..W-1}`` (end exclusive), a side touching the image border staying
    there; the same for y. An empty GT keeps the whole image.

    Args:
        out_prefix: View prefix of the crop (``''`` replaces the full image).
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> gt = np.zeros((50, 50), np.uint8); gt[10:20, 0:30] = 1
        >>> box = ContextCrop(seed=0)(dict(gt_mask=gt))['crop_box']
        >>> box[0] == 0 and box[1] < 10 and box[2] >= 30 and box[3] >= 20
        True
    """

    def _span(self, lo: int, hi: int, limit: int,
              rng: np.random.Generator) -> Tuple[int, int]:
        return (int(rng.integers(0, lo)) if lo > 0 else 0,
                int(rng.integers(hi, limit)) if hi < limit else limit)


def _mixed_window_counts(gt: np.ndarray, side: int) -> np.ndarray:
    """Foreground count of every ``side``-square window, by top-left corner."""
    table = cv2.integral(gt)
    return (table[side:, side:] - table[:-side, side:] - table[side:, :-side] +
            table[:-side, :-side])


@TRANSFORMS.register_module()
class PatchCrop(RandomTransform):
    """HR native-resolution patch whose GT holds foreground and background.

    A uniformly placed ``size`` x ``size`` window (``min(h, w) // 2`` when the
    image is smaller than ``size``), redrawn up to ``max_tries`` times until
    its GT is mixed, as the official ``LoadPatchData``. After that the window
    is drawn uniformly among all mixed windows at once (the same distribution,
    without the official unbounded loop); a GT with no mixed window gets a
    uniform window. The patch's coarse mask is, with probability
    ``offline_prob``, the crop of the sample's ``coarse_mask`` and otherwise
    :func:`~segrefiner.data.coarse. modify_boundary` of the patch GT (always
    the latter without a ``coarse_mask``).

    Args:
        size: Patch side on images at least this large.
        offline_prob: Probability of cropping the sample's coarse mask.
        max_tries: Rejection-sampling draws before the exact fallback.
        coarse_cfg: Keyword arguments of ``modify_boundary`` for online masks.
        out_prefix: View prefix of the patch.
        seed: See :class:`~segrefiner.data.transforms.base.RandomTransform`.

    Examples:
        >>> gt = np.zeros((100, 120), np.uint8); gt[:, 70:] = 1
        >>> img = np.zeros((100, 120, 3), np.uint8)
        >>> out = PatchCrop(seed=0)(dict(img=img, gt_mask=gt))
        >>> mixed = bool(0 < out['patch_gt_mask'].mean() < 1)
        >>> out['patch_img'].shape, out['views'], mixed
        ((50, 50, 3), ['', 'patch_'], True)
    """

    def __init__(self,
                 size: int = 256,
                 offline_prob: float = 0.5,
                 max_tries: int = 100,
                 coarse_cfg: Optional[dict] = None,
                 out_prefix: str = 'patch_',
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.size = size
        self.offline_prob = offline_prob
        self.max_tries = max_tries
        self.coarse_cfg = dict(coarse_cfg or {})
        self.out_prefix = out_prefix

    def _window(self, gt: np.ndarray, side: int,
                rng: np.random.Generator) -> Tuple[int, int]:
        """Top-left corner ``(x, y)`` of a window with a mixed GT, if any."""
        h, w = gt.shape
        for _ in range(self.max_tries):
            y, x = int(rng.integers(h - side + 1)), int(
                rng.integers(w - side + 1))
            count = np.count_nonzero(gt[y:y + side, x:x + side])
            if 0 < count < side * side:
                return x, y
        counts = _mixed_window_counts(gt, side)
        ys, xs = np.nonzero((counts > 0) & (counts < side * side))
        if not len(ys):
            return int(rng.integers(w - side + 1)), int(
                rng.integers(h - side + 1))
        i = int(rng.integers(len(ys)))
        return int(xs[i]), int(ys[i])

    def transform(self, results: dict) -> dict:
        gt = results['gt_mask']
        h, w = gt.shape
        side = self.size if min(h, w) >= self.size else max(1, min(h, w) // 2)
        rng = self.generator(results)
        x, y = self._window(gt, side, rng)
        offline = 'coarse_mask' in results and rng.random() < self.offline_prob
        results = _crop(results, (x, y, x + side, y + side), self.out_prefix)
        if not offline:
            results[self.out_prefix + 'coarse_mask'] = modify_boundary(
                results[self.out_prefix + 'gt_mask'], rng, **self.coarse_cfg)
        return results
