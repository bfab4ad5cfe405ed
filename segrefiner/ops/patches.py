"""High-resolution patch work: proposal, gathering and merging.

Reference: ``get_local_input``, ``_get_patch_coors``, ``crop_patch`` and
``paste_local_patch`` of the official ``segrefiner_semantic.py``
(MengyuWang826/SegRefiner). The global result ``M_g`` is the nearest
upsampling of a ``model_size``-square map; instead of materialising it at
full resolution, patches read it through the nearest-neighbour index
vectors :func:`nearest_index` (the exact indices of ``F.interpolate(mode=
'nearest')``), so only the final mask and the merge canvas are full size.
"""
from typing import Tuple

import torch

from .nms import nms


def nearest_index(out_size: int, in_size: int,
                  device: torch.device) -> torch.Tensor:
    """Source indices of ``F.interpolate(mode='nearest')`` along one axis."""
    scale = torch.tensor(in_size / out_size, dtype=torch.float32)
    dst = torch.arange(out_size, device=device, dtype=torch.float32)
    return torch.clamp((dst * scale.to(device)).floor().long(),
                       max=in_size - 1)


def propose_patches(fine_probs: torch.Tensor, height: int, width: int,
                    patch_size: int, fine_prob_thr: float,
                    iou_thr: float) -> torch.Tensor:
    """Patch boxes centred on low-confidence points of the global stage.

    Points are the grid pixels with ``fine_probs < fine_prob_thr * max``;
    each maps to ``(int(y * H / h), int(x * W / w))`` in the image and
    becomes a ``patch_size`` square box shifted inward to lie inside the
    image; boxes are scored ``1 - fine_prob`` and suppressed by NMS at
    ``iou_thr``.

    Args:
        fine_probs: ``(h, w)`` accumulated fine-probability of the global
            stage.
        height: Image height (>= ``patch_size``).
        width: Image width (>= ``patch_size``).
        patch_size: Box side in image pixels (even).
        fine_prob_thr: Relative confidence threshold (0.9 officially).
        iou_thr: NMS IoU threshold (0.3 officially).

    Returns:
        ``(K, 4)`` long boxes ``x1, y1, x2, y2``, highest score first.
    """
    h, w = fine_probs.shape
    low = fine_probs < fine_probs.max() * fine_prob_thr
    ys, xs = torch.nonzero(low, as_tuple=True)
    scores = 1 - fine_probs[ys, xs]
    yc = (ys * (height / h)).int()
    xc = (xs * (width / w)).int()
    half = patch_size // 2
    y1 = (yc - half).clamp(min=0).clamp(max=height - patch_size)
    x1 = (xc - half).clamp(min=0).clamp(max=width - patch_size)
    boxes = torch.stack([x1, y1, x1 + patch_size, y1 + patch_size], 1)
    keep = nms(boxes.float(), scores, iou_thr)
    return boxes[keep].long()


def patch_grids(boxes: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Row and column image coordinates ``(K, s)`` of square boxes."""
    side = int(boxes[0, 2] - boxes[0, 0])
    ar = torch.arange(side, device=boxes.device)
    return boxes[:, 1:2] + ar[None], boxes[:, 0:1] + ar[None]


def gather_global(low_res: torch.Tensor, iy: torch.Tensor, ix: torch.Tensor,
                  rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Crops ``(K, s, s)`` of the nearest-upsampled ``low_res`` map."""
    return low_res[iy[rows][:, :, None], ix[cols][:, None, :]]


def boundary_boxes(global_mask: torch.Tensor, iy: torch.Tensor,
                   ix: torch.Tensor, boxes: torch.Tensor,
                   chunk: int = 64) -> torch.Tensor:
    """Keep the boxes whose ``M_g`` crop is neither all 0 nor all 1.

    Args:
        global_mask: ``(h, w)`` bool low-resolution global mask.
        iy: ``(H,)`` nearest row indices into it.
        ix: ``(W,)`` nearest column indices into it.
        boxes: ``(K, 4)`` square boxes.
        chunk: Boxes gathered at once.

    Returns:
        The kept boxes, in their order.
    """
    if len(boxes) == 0:
        return boxes
    keep = []
    for start in range(0, len(boxes), chunk):
        rows, cols = patch_grids(boxes[start:start + chunk])
        crop = gather_global(global_mask, iy, ix, rows, cols)
        keep.append(crop.any(dim=(1, 2)) & ~crop.all(dim=(1, 2)))
    return boxes[torch.cat(keep)]


class PatchCanvas:
    """Full-resolution sum and count of overlapping patch probabilities.

    Args:
        height: Image height.
        width: Image width.
        device: Device of the canvas.
    """

    def __init__(self, height: int, width: int,
                 device: torch.device) -> None:
        self.sum = torch.zeros(height, width, device=device)
        self.count = torch.zeros(height, width, device=device)

    def add(self, probs: torch.Tensor, rows: torch.Tensor,
            cols: torch.Tensor) -> None:
        """Accumulate ``(K, s, s)`` probabilities at their coordinates.

        One ``index_add_`` on CPU, where it is deterministic; on other
        devices, whose atomic adds would make overlapping sums depend on
        scheduling, one slice-add per patch in a fixed order, so that a
        seeded call is bit-reproducible everywhere.
        """
        probs = probs.float()
        if self.sum.device.type == 'cpu':
            width = self.sum.shape[1]
            flat = (rows[:, :, None] * width + cols[:, None, :]).reshape(-1)
            self.sum.view(-1).index_add_(0, flat, probs.reshape(-1))
            self.count.view(-1).index_add_(
                0, flat, torch.ones_like(probs).reshape(-1))
            return
        for prob, r, c in zip(probs, rows[:, 0].tolist(), cols[:, 0].tolist()):
            side = prob.shape[0]
            self.sum[r:r + side, c:c + side] += prob
            self.count[r:r + side, c:c + side] += 1

    def merge(self, base: torch.Tensor, threshold: float = 0.5,
              return_probs: bool = False) -> torch.Tensor:
        """Averaged patches where any patch landed, ``base`` elsewhere.

        The average is computed in place, so the canvas is consumed: the
        merge adds only bool maps to the two float maps it already holds.

        Args:
            base: ``(H, W)`` global result (bool, or float probabilities
                with ``return_probs``).
            threshold: Binarisation of the averaged patches.
            return_probs: Return float probabilities instead of a mask.
        """
        covered = self.count > 0
        mean = self.sum.div_(self.count.clamp_(min=1))
        del self.count
        if return_probs:
            return torch.where(covered, mean, base.float())
        return torch.where(covered, mean >= threshold, base)
