"""Batched crop-resize and paste-back of object boxes, on any device.

The official instance protocol (MengyuWang826/SegRefiner, ``mmdet/models/
detectors/segrefiner_instance.py``) crops each box, resizes it with
``F.interpolate(mode='bilinear', align_corners=False)`` and pastes results
back with ``grid_sample`` over the whole image, one instance at a time.
Here both directions are single batched gathers over all boxes:

* :func:`crop_resize` reproduces ``F.interpolate`` of each crop exactly (same
  source coordinates, clamping at the *crop* border, same weights) without
  materialising any crop, and reads ``uint8`` images directly;
* :func:`paste_masks` evaluates the official ``grid_sample`` paste only on
  each box grown by the few pixels where bilinear sampling can still reach
  the crop (beyond them the official value is exactly 0), all boxes in one
  ``grid_sample`` call, and scatters into the output without a host sync.

The paste follows detectron2's ``layers/mask_ops.py`` idea of pasting in a
box-sized window instead of the full image.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def _source_index(start: torch.Tensor, length: torch.Tensor,
                  size: int) -> Tuple[torch.Tensor, torch.Tensor,
                                      torch.Tensor]:
    """Neighbour indices and weights of ``F.interpolate`` along one axis."""
    length = length.clamp(min=1)
    scale = (length.float() / size)[:, None]
    dst = torch.arange(size, device=start.device, dtype=torch.float32) + 0.5
    src = (dst[None] * scale - 0.5).clamp(min=0)
    i0 = torch.minimum(src.floor().long(), length[:, None] - 1)
    i1 = torch.minimum(i0 + 1, length[:, None] - 1)
    lam = src - i0
    return start[:, None] + i0, start[:, None] + i1, lam


def crop_resize(source: torch.Tensor,
                boxes: torch.Tensor,
                size: int,
                batch_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Crop every box and resize it to ``size x size``, in one gather.

    Args:
        source: ``(C, H, W)`` image or ``(B, C, H, W)`` stack, any dtype
            (``uint8`` and ``bool`` are read directly).
        boxes: ``(N, 4)`` long boxes ``x1, y1, x2, y2`` (exclusive ends)
            inside the image.
        size: Output side.
        batch_index: ``(N,)`` index into a ``(B, C, H, W)`` source (e.g.
            each instance's own mask); ``None`` for a single image.

    Returns:
        ``(N, C, size, size)`` float32, equal to
        ``F.interpolate(source[b, :, y1:y2, x1:x2][None], (size, size),
        mode='bilinear', align_corners=False)`` for each box.
    """
    if source.dim() == 3:
        source = source[None]
    boxes = boxes.to(source.device)
    if batch_index is None:
        batch_index = torch.zeros(len(boxes), dtype=torch.long,
                                  device=source.device)
    y0, y1, ly = _source_index(boxes[:, 1], boxes[:, 3] - boxes[:, 1], size)
    x0, x1, lx = _source_index(boxes[:, 0], boxes[:, 2] - boxes[:, 0], size)
    bi = batch_index.to(source.device)[:, None, None]

    def gather(ys: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
        # advanced indices around a slice: the result is (N, S, S, C)
        return source[bi, :, ys[:, :, None], xs[:, None, :]].float()

    ly, lx = ly[:, :, None, None], lx[:, None, :, None]
    top = (1 - lx) * gather(y0, x0) + lx * gather(y0, x1)
    bottom = (1 - lx) * gather(y1, x0) + lx * gather(y1, x1)
    return ((1 - ly) * top + ly * bottom).permute(0, 3, 1, 2)


def crop_scale(boxes: torch.Tensor, size: int) -> torch.Tensor:
    """Image pixels per crop pixel of ``(N, 4)`` ``x1, y1, x2, y2`` boxes
    resized to ``size x size`` crops (:func:`crop_resize`): the geometric
    mean of the two axes' factors, ``sqrt(w * h) / size``.

    Examples:
        >>> crop_scale(torch.tensor([[0., 0., 256., 64.]]), 128)
        tensor([1.])
    """
    boxes = boxes.float()
    wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1)
    return wh.prod(1).sqrt() / size


def paste_masks(masks: torch.Tensor,
                boxes: torch.Tensor,
                height: int,
                width: int,
                threshold: Optional[float] = 0.5) -> torch.Tensor:
    """Paste ``(N, 1, S, S)`` crop results back into ``height x width``.

    Args:
        masks: Crop-resolution probabilities.
        boxes: ``(N, 4)`` long boxes the crops were taken from.
        height: Image height.
        width: Image width.
        threshold: Binarise at this value (``>=``) and return bool; ``None``
            returns the float32 values.

    Returns:
        ``(N, H, W)`` bool (or float32) masks; zero outside each box's reach,
        exactly as the official full-image ``grid_sample`` paste.
    """
    n, _, size_h, size_w = masks.shape
    device = masks.device
    dtype = torch.bool if threshold is not None else torch.float32
    if n == 0:
        return torch.zeros(0, height, width, dtype=dtype, device=device)
    boxes = boxes.to(device)
    bw = (boxes[:, 2] - boxes[:, 0]).clamp(min=1)
    bh = (boxes[:, 3] - boxes[:, 1]).clamp(min=1)
    # Bilinear sampling reaches at most len / (2 * size) px past a box edge.
    margin = torch.maximum(bw // size_w, bh // size_h) + 2
    rx0 = (boxes[:, 0] - margin).clamp(min=0)
    ry0 = (boxes[:, 1] - margin).clamp(min=0)
    rx1 = (boxes[:, 2] + margin).clamp(max=width)
    ry1 = (boxes[:, 3] + margin).clamp(max=height)
    # Window sizes are bounded by the box sizes; one sync for the shapes.
    win_h, win_w = [int(v) for v in torch.stack(
        [(ry1 - ry0).max(), (rx1 - rx0).max()]).tolist()]
    ys = ry0[:, None] + torch.arange(win_h, device=device)[None]
    xs = rx0[:, None] + torch.arange(win_w, device=device)[None]
    gy = (ys.float() + 0.5 - boxes[:, 1:2]) / bh[:, None] * 2 - 1
    gx = (xs.float() + 0.5 - boxes[:, 0:1]) / bw[:, None] * 2 - 1
    grid = torch.stack([gx[:, None, :].expand(n, win_h, win_w),
                        gy[:, :, None].expand(n, win_h, win_w)], dim=3)
    values = F.grid_sample(masks.float(), grid, mode='bilinear',
                           padding_mode='zeros', align_corners=False)[:, 0]
    if threshold is not None:
        values = values >= threshold
    valid = (ys < ry1[:, None])[:, :, None] & (xs < rx1[:, None])[:, None]
    flat = (torch.arange(n, device=device)[:, None, None] * height * width +
            ys[:, :, None] * width + xs[:, None, :])
    flat = torch.where(valid, flat, n * height * width)  # spill slot
    out = torch.zeros(n * height * width + 1, dtype=dtype, device=device)
    out[flat.reshape(-1)] = values.reshape(-1)
    return out[:-1].view(n, height, width)


def paste_keeping_detail(probs: torch.Tensor,
                         coarse: torch.Tensor,
                         masks: torch.Tensor,
                         boxes: torch.Tensor,
                         detail: float = 1.0) -> torch.Tensor:
    """Paste refinements back, keeping a share of the coarse masks' detail.

    :func:`paste_masks` replaces a mask by its crop-resolution refinement
    resampled to the box: a model that changed nothing still rounds every
    detail finer than a crop pixel (a thin leg, a pointed tip, a polygon's
    corner) off a mask refined at ``model_size`` px. That detail is
    ``masks - paste(coarse)``, the full-resolution coarse mask minus the
    paste of the crop the model saw; this returns

        ``paste(probs) + detail * (masks - paste(coarse))``

    clamped to ``[0, 1]``: ``detail=0`` is the official paste (the
    resampled refinement), ``detail=1`` pastes only the *change* the model
    made, ``paste(probs - coarse)``, onto the full-resolution coarse mask
    (where the model kept its input, the coarse mask is kept pixel for
    pixel), and values between weigh the coarse detail against the model's
    resampled outline near its boundary. Refining only where the result
    differs and keeping the input elsewhere is also the idea of
    boundary-patch refinement (BPR, Tang et al., CVPR 2021).

    Args:
        probs: ``(N, 1, S, S)`` refined probabilities at the crop resolution.
        coarse: ``(N, 1, S, S)`` 0/1 coarse masks as the model saw them.
        masks: ``(N, H, W)`` bool full-resolution coarse masks.
        boxes: ``(N, 4)`` long boxes the crops were taken from; each mask
            lies inside its box.
        detail: Weight of the coarse masks' own detail, 0 to 1.

    Returns:
        ``(N, H, W)`` float32 probabilities in ``[0, 1]``; binarise at 0.5.

    Examples:
        >>> masks = torch.zeros(1, 8, 8, dtype=torch.bool)
        >>> masks[0, 2:6, 2:6] = True; masks[0, 2, 2] = False  # a notch
        >>> boxes = torch.tensor([[0, 0, 8, 8]])
        >>> crop = torch.ones(1, 1, 2, 2)   # a 2x2 crop: all foreground
        >>> kept = paste_keeping_detail(crop, crop, masks, boxes) >= 0.5
        >>> bool((kept == masks).all())     # nothing changed: mask kept
        True
    """
    out = paste_masks(probs.float() - detail * coarse.float(), boxes,
                      *masks.shape[1:], threshold=None)
    # in place: one float32 image per mask, the size paste_masks returns
    return out.add_(masks, alpha=detail).clamp_(0, 1)
