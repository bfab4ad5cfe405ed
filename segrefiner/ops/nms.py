"""Greedy non-maximum suppression in plain torch (no torchvision, no mmcv).

Same result as ``mmcv.ops.nms`` / ``torchvision.ops.nms`` (IoU with
``offset = 0``, boxes suppressed when IoU > threshold, kept boxes in
descending score order; ties keep the earlier box). Exact duplicates are
merged first, which never changes the kept set. The remaining boxes are
processed in score order in chunks: a chunk is first checked against every
box kept so far, then resolved internally with a fixed-point iteration of
the greedy rule ``keep_i = alive_i and not any(keep_j and IoU_ji > thr for
j < i)``, which settles one more position per iteration and usually in a few.
"""
import torch

from .boxes import box_iou


def nms(boxes: torch.Tensor,
        scores: torch.Tensor,
        iou_threshold: float,
        chunk: int = 512) -> torch.Tensor:
    """Indices of the boxes greedy NMS keeps, highest score first.

    Args:
        boxes: ``(N, 4)`` float boxes ``x1, y1, x2, y2``.
        scores: ``(N,)`` scores.
        iou_threshold: Suppress boxes whose IoU with a kept box exceeds it.
        chunk: Boxes resolved together (bounds memory to ``chunk x kept``).

    Returns:
        ``(K,)`` long indices into ``boxes``.

    Example:
        >>> b = torch.tensor([[0., 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
        >>> nms(b, torch.tensor([0.9, 0.8, 0.7]), 0.3).tolist()
        [0, 2]
    """
    if len(boxes) == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    boxes = boxes.float()
    uniq, inverse = torch.unique(boxes, dim=0, return_inverse=True)
    best = torch.full((len(uniq), ), float('-inf'), device=boxes.device)
    best = best.scatter_reduce(0, inverse, scores.float(), 'amax')
    # representative: the first original index holding the best score
    is_best = scores.float() == best[inverse]
    first = torch.full((len(uniq), ), len(boxes), device=boxes.device)
    idx = torch.arange(len(boxes), device=boxes.device)
    first = first.scatter_reduce(0, inverse, torch.where(is_best, idx,
                                                         len(boxes)), 'amin')
    # score descending, then original index ascending
    order = first[torch.argsort(first)]
    order = order[torch.argsort(scores[order], descending=True, stable=True)]
    cand = boxes[order]
    kept = []
    kept_boxes = cand[:0]
    for start in range(0, len(cand), chunk):
        block = cand[start:start + chunk]
        alive = torch.ones(len(block), dtype=torch.bool, device=boxes.device)
        if len(kept_boxes):
            alive &= ~(box_iou(block, kept_boxes) > iou_threshold).any(dim=1)
        over = torch.triu(box_iou(block, block) > iou_threshold, diagonal=1)
        keep = alive
        while True:
            new = alive & ~(over & keep[:, None]).any(dim=0)
            if torch.equal(new, keep):
                break
            keep = new
        kept.append(order[start:start + chunk][keep])
        kept_boxes = torch.cat([kept_boxes, block[keep]])
    return torch.cat(kept)
