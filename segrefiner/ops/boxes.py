"""Box helpers for masks, batched on the masks' device.

Boxes are ``(N, 4)`` long tensors ``x1, y1, x2, y2`` with exclusive ends,
as the official ``mask2bbox`` of SegRefiner returns them.
"""
import torch


def masks_to_boxes(masks: torch.Tensor) -> torch.Tensor:
    """Tight boxes of ``(N, H, W)`` masks; empty masks give ``0, 0, 0, 0``.

    Example:
        >>> m = torch.zeros(1, 5, 6, dtype=torch.bool)
        >>> m[0, 1:3, 2:5] = True
        >>> masks_to_boxes(m).tolist()
        [[2, 1, 5, 3]]
    """
    n, h, w = masks.shape
    if n == 0:
        return torch.zeros(0, 4, dtype=torch.long, device=masks.device)
    rows, cols = masks.any(dim=2), masks.any(dim=1)
    ar_y = torch.arange(h, device=masks.device)
    ar_x = torch.arange(w, device=masks.device)
    y1 = torch.where(rows, ar_y, h).amin(dim=1)
    y2 = torch.where(rows, ar_y + 1, 0).amax(dim=1)
    x1 = torch.where(cols, ar_x, w).amin(dim=1)
    x2 = torch.where(cols, ar_x + 1, 0).amax(dim=1)
    boxes = torch.stack([x1, y1, x2, y2], dim=1)
    empty = ~rows.any(dim=1)
    return torch.where(empty[:, None], torch.zeros_like(boxes), boxes)


def pad_boxes(boxes: torch.Tensor, pad: int, height: int,
              width: int) -> torch.Tensor:
    """Grow boxes by ``pad`` px on every side, clipped to the image."""
    lo = torch.tensor([0, 0, 0, 0], device=boxes.device)
    hi = torch.tensor([width, height, width, height], device=boxes.device)
    grown = boxes + torch.tensor([-pad, -pad, pad, pad], device=boxes.device)
    return torch.minimum(torch.maximum(grown, lo), hi)


def box_iou(boxes_a: torch.Tensor,
                      boxes_b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU ``(A, B)`` of float boxes (any sizes), ``offset = 0``."""
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]) * (boxes_a[:, 3] - boxes_a[:, 1])
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]) * (boxes_b[:, 3] - boxes_b[:, 1])
    lt = torch.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    rb = torch.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    return inter / (area_a[:, None] + area_b[None] - inter).clamp(min=1e-9)
