"""A per-instance acceptance rule: keep the coarse mask where refining would
likely hurt.

The safeguard (:mod:`.safeguard`) bounds *where* a refinement may change a
mask; this rule decides *whether* an instance's refinement is kept at all,
from what inference sees, before the result is pasted back:

* **image evidence**: the mean image gradient along the refined boundary
  against the mean along the coarse boundary (both on the model's crop). A
  refinement whose outline runs over weaker image edges than the coarse one
  (a pointed tip rounded off across the object, an outline pulled into a
  touching neighbour's texture) is likely wrong: rejected when the ratio is
  under ``min_edge_ratio``;
* **confidence**: the model's mean certainty ``|2p - 1|`` on the pixels it
  flips; a refinement the model is unsure of is rejected when that is under
  ``min_confidence``;
* **size of the change**: the pixels it flips over the coarse outline's
  length, the outline's mean displacement, in the image's pixels when the
  caller gives the crops' scale. A refinement that only nudges an outline
  (under ``min_shift``) is a change within the precision of a drawn outline,
  whose gain cannot be told from a loss: it is rejected, and an already good
  mask is kept as it is. The precision of a drawn outline is a matter of
  image pixels: a small object enlarged into the crop moves by many crop
  pixels when its outline moves by one image pixel.

A rejected instance keeps its coarse mask. The rule is off unless a model's
``test_cfg.acceptance`` sets it; the embedded demo model's does (values tuned
on a tuning set of training photos, see ``docs/demo_model.md``), the official
models' do not (the official protocol).
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

__all__ = [
    'accept_refinement', 'acceptance_scores', 'boundary_strength', 'decide'
]

_SOBEL = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]]) / 8


def _gradient(images: torch.Tensor) -> torch.Tensor:
    """``(N, H, W)`` Sobel gradient magnitude of the channel mean of
    ``(N, 3, H, W)`` 0-255 images."""
    gray = images.float().mean(1, keepdim=True)
    kernel = _SOBEL.to(gray.device)
    kernels = torch.stack([kernel, kernel.t()])[:, None]
    grad = F.conv2d(F.pad(gray, (1, 1, 1, 1), mode='replicate'), kernels)
    return grad.norm(dim=1)


def _boundary(masks: torch.Tensor) -> torch.Tensor:
    """Inner boundary (4-neighbourhood) of ``(N, H, W)`` bool masks."""
    fg = masks.float()[:, None]
    eroded = -F.max_pool2d(-F.pad(fg, (1, 1, 1, 1), value=1.), 3, stride=1)
    return (fg - eroded)[:, 0] > 0


def boundary_strength(images: torch.Tensor,
                      masks: torch.Tensor) -> torch.Tensor:
    """Mean image gradient along each mask's boundary.

    Args:
        images: ``(N, 3, H, W)`` RGB, 0-255.
        masks: ``(N, H, W)`` bool.

    Returns:
        ``(N,)`` float; 0 for an empty mask.

    Examples:
        >>> img = torch.zeros(1, 3, 20, 20); img[:, :, :, 10:] = 255
        >>> m = torch.zeros(1, 20, 20, dtype=torch.bool)
        >>> m[0, :, 10:] = True
        >>> right = boundary_strength(img, m)
        >>> m2 = torch.zeros_like(m); m2[0, :, 14:] = True
        >>> bool(right > boundary_strength(img, m2))
        True
    """
    return _mean_along(_gradient(images), _boundary(masks))


def _mean_along(grad: torch.Tensor, edge: torch.Tensor) -> torch.Tensor:
    """``(N,)`` mean of ``(N, H, W)`` ``grad`` over the ``edge`` pixels."""
    total = (grad * edge).flatten(1).sum(1)
    return total / edge.flatten(1).sum(1).clamp(min=1)


def acceptance_scores(
    images: torch.Tensor,
    coarse: torch.Tensor,
    probs: torch.Tensor,
    scale: Optional[torch.Tensor] = None
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """What :func:`accept_refinement` decides on, per instance.

    Args:
        images: ``(N, 3, H, W)`` RGB crops, 0-255.
        coarse: ``(N, H, W)`` bool coarse masks on the crops.
        probs: ``(N, H, W)`` refined probabilities on the crops.
        scale: ``(N,)`` image pixels per crop pixel
            (:func:`~segrefiner.ops.crop_paste.crop_scale`), so that
            ``shift`` is in image pixels; ``None``: crop pixels.

    Returns:
        ``(edge_ratio, confidence, shift, changed)``, each ``(N,)``: the
        refined boundary's mean gradient over the coarse boundary's (``inf``
        where the coarse boundary is flat), the mean ``|2p - 1|`` over the
        flipped pixels (1 where none flips), the flipped pixels per pixel of
        the coarse outline times ``scale`` (``inf`` for an empty coarse mask)
        and whether any pixel flips.
    """
    refined = probs >= 0.5
    grad, coarse_edge = _gradient(images), _boundary(coarse)
    old = _mean_along(grad, coarse_edge)
    new = _mean_along(grad, _boundary(refined))
    ratio = torch.where(old > 0, new / old.clamp(min=1e-6),
                        torch.full_like(new, float('inf')))
    flipped = refined != coarse
    count = flipped.flatten(1).sum(1)
    certainty = ((2 * probs - 1).abs() * flipped).flatten(1).sum(1)
    confidence = torch.where(count > 0, certainty / count.clamp(min=1),
                             torch.ones_like(certainty))
    outline = coarse_edge.flatten(1).sum(1)
    shift = torch.where(outline > 0, count / outline.clamp(min=1),
                        torch.full_like(confidence, float('inf')))
    if scale is not None:
        shift = shift * scale.to(shift)
    return ratio, confidence, shift, count > 0


def accept_refinement(images: torch.Tensor,
                      coarse: torch.Tensor,
                      probs: torch.Tensor,
                      min_edge_ratio: Optional[float] = None,
                      min_confidence: Optional[float] = None,
                      min_shift: Optional[float] = None,
                      scale: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Which refinements to keep, one decision per instance.

    Args:
        images: ``(N, 3, H, W)`` RGB crops, 0-255.
        coarse: ``(N, H, W)`` bool coarse masks on the crops.
        probs: ``(N, H, W)`` refined probabilities on the crops.
        min_edge_ratio: Reject when the refined boundary's mean gradient is
            below this fraction of the coarse boundary's; ``None``: no test.
        min_confidence: Reject when the mean ``|2p - 1|`` over the flipped
            pixels is below this; ``None``: no test.
        min_shift: Reject when the flipped pixels per coarse outline pixel
            (the outline's mean displacement; image pixels with ``scale``,
            else crop pixels) are below this; ``None``: no test.
        scale: ``(N,)`` image pixels per crop pixel
            (:func:`~segrefiner.ops.crop_paste.crop_scale`).

    Returns:
        ``(N,)`` bool, True where the refinement is kept. A refinement that
        flips no pixel is always kept (it changes nothing).

    Examples:
        >>> img = torch.zeros(1, 3, 20, 20); img[:, :, :, 10:] = 255
        >>> coarse = torch.zeros(1, 20, 20, dtype=torch.bool)
        >>> coarse[0, :, 10:] = True
        >>> off_edge = torch.zeros(1, 20, 20); off_edge[0, :, 14:] = 1
        >>> accept_refinement(img, coarse, off_edge, min_edge_ratio=0.9)
        tensor([False])
        >>> nudged = coarse.float(); nudged[0, :, 10] = 0  # 1 px along 20
        >>> accept_refinement(img, coarse, nudged, min_shift=1.5)
        tensor([False])
        >>> accept_refinement(img, coarse, nudged, min_shift=0.5)
        tensor([True])
    """
    if len(coarse) == 0:
        return torch.ones(0, dtype=torch.bool, device=coarse.device)
    return decide(acceptance_scores(images, coarse, probs, scale),
                  min_edge_ratio, min_confidence, min_shift)


def decide(scores: Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                         torch.Tensor],
           min_edge_ratio: Optional[float] = None,
           min_confidence: Optional[float] = None,
           min_shift: Optional[float] = None) -> torch.Tensor:
    """The rule of :func:`accept_refinement` on the ``scores`` of
    :func:`acceptance_scores`, so that a tuning tool can replay thresholds
    without refining again.

    Returns:
        ``(N,)`` bool, True where the refinement is kept.
    """
    ratio, confidence, shift, changed = scores
    keep = torch.ones_like(changed)
    if min_edge_ratio is not None:
        keep &= ratio >= min_edge_ratio
    if min_confidence is not None:
        keep &= confidence >= min_confidence
    if min_shift is not None:
        keep &= shift >= min_shift
    return keep | ~changed
