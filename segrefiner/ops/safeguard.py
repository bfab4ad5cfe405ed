"""An inference safeguard that bounds what a refinement may change.

A refiner that is wrong far from the coarse boundary (holes punched into an
object, a part cut off) does more harm than good on masks that were already
right. Two bounds, both optional and both applied per mask:

* **band**: pixels farther from the coarse mask's boundary than
  ``band * sqrt(area)`` (at least ``min_band`` px) keep their coarse value;
  the distance is the Chebyshev one, computed by separable max pooling on
  the device (on a coarser grid for wide bands);
* **min_iou**: a refined mask whose IoU with its coarse mask falls below it
  is rejected and the coarse mask is returned.

The official models run without it; the embedded demo model's ``test_cfg``
turns it on (see ``docs/design.md``).
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F

__all__ = ['boundary_band', 'bound_change']


def _dilate(masks: torch.Tensor, radius: int) -> torch.Tensor:
    """Square dilation of ``(N, H, W)`` float masks by ``radius`` px."""
    k = 2 * radius + 1
    x = F.max_pool2d(masks[:, None], (1, k), stride=1, padding=(0, radius))
    return F.max_pool2d(x, (k, 1), stride=1, padding=(radius, 0))[:, 0]


def _band(fg: torch.Tensor, radius: int) -> torch.Tensor:
    """The band of ``(n, H, W)`` 0/1 float masks, on a grid of stride
    ``radius // 4`` for wide bands (a superset of the exact band, by under
    two cells), so the cost does not grow with the radius."""
    height, width = fg.shape[1:]
    stride = max(1, radius // 4)
    if stride > 1:
        any_fg = F.max_pool2d(fg[:, None], stride, ceil_mode=True)[:, 0]
        all_fg = 1 - F.max_pool2d(1 - fg[:, None], stride,
                                  ceil_mode=True)[:, 0]
    else:
        any_fg = all_fg = fg
    low_radius = math.ceil(radius / stride)
    band = _dilate(any_fg, low_radius) > 1 - _dilate(1 - all_fg, low_radius)
    if stride > 1:
        band = band.repeat_interleave(stride, 1).repeat_interleave(stride, 2)
    return band[:, :height, :width]


def boundary_band(coarse: torch.Tensor, band: float,
                  min_band: int = 2) -> torch.Tensor:
    """Where each mask may change: within its radius of its boundary.

    Args:
        coarse: ``(N, H, W)`` bool masks.
        band: Radius as a fraction of ``sqrt(mask area)``.
        min_band: Smallest radius in pixels.

    Returns:
        ``(N, H, W)`` bool map, True within the band.

    Examples:
        >>> m = torch.zeros(1, 40, 40, dtype=torch.bool)
        >>> m[0, 10:30, 10:30] = True
        >>> allowed = boundary_band(m, band=0.1)
        >>> bool(allowed[0, 10, 10]), bool(allowed[0, 20, 20])
        (True, False)
    """
    n = coarse.shape[0]
    out = torch.zeros_like(coarse)
    if n == 0:
        return out
    areas = coarse.flatten(1).sum(1).tolist()
    fg = coarse.float()
    for radius in sorted({max(min_band, math.ceil(band * math.sqrt(a)))
                          for a in areas}):
        rows = [i for i, a in enumerate(areas)
                if max(min_band, math.ceil(band * math.sqrt(a))) == radius]
        out[rows] = _band(fg[rows], radius)
    return out


def bound_change(coarse: torch.Tensor,
                 refined: torch.Tensor,
                 band: Optional[float] = None,
                 min_band: int = 2,
                 min_iou: Optional[float] = None) -> torch.Tensor:
    """Limit ``refined`` to what the safeguard allows, mask by mask.

    Args:
        coarse: ``(N, H, W)`` bool coarse masks.
        refined: ``(N, H, W)`` bool masks or float probabilities (the
            returned values outside the band, and of rejected masks, are
            the coarse values in the same dtype).
        band: See :func:`boundary_band`; ``None`` allows every pixel.
        min_band: See :func:`boundary_band`.
        min_iou: Reject refinements with a lower IoU to the coarse mask.

    Returns:
        Tensor like ``refined``.
    """
    if coarse.shape != refined.shape:
        raise ValueError(f'coarse {tuple(coarse.shape)} and refined '
                         f'{tuple(refined.shape)} differ')
    base = coarse.to(refined.dtype)
    out = refined
    if band is not None:
        out = torch.where(boundary_band(coarse, band, min_band), out, base)
    if min_iou is not None and len(out):
        fg = out >= 0.5 if out.is_floating_point() else out
        inter = (fg & coarse).flatten(1).sum(1)
        union = (fg | coarse).flatten(1).sum(1).clamp(min=1)
        keep = inter.float() / union.float() >= min_iou
        out = torch.where(keep[:, None, None], out, base)
    return out
