"""Writing a refined label map back into mmseg's ``seg_logits``.

mmseg's ``BaseSegmentor.postprocess_result`` (``mmseg/models/segmentors/
base.py``, v1.2.2) stores per-pixel class logits in ``seg_logits`` and their
argmax in ``pred_sem_seg`` (for one output channel: sigmoid probabilities
and ``> decode_head.threshold``). ``SegTTAModel.merge_preds``
(``mmseg/models/segmentors/seg_tta.py``) recomputes ``pred_sem_seg`` from
the averaged softmax (sigmoid) of ``seg_logits``, so a refined prediction
must be visible in ``seg_logits`` too.

:func:`relabel_seg_logits` changes ``seg_logits`` only where the label
changed: there the old and the new class swap their logits, and the new
class is lifted just above the old maximum, so the argmax is exactly the
refined label and each pixel keeps the confidence it had. With one channel
the probability is reflected (``1 - p``, the two-class swap) and clamped to
the new side of the threshold. Unchanged pixels keep their values bit for
bit.
"""
from typing import Optional

import torch


def relabel_seg_logits(seg_logits: torch.Tensor,
                       labels: torch.Tensor,
                       threshold: Optional[float] = None) -> torch.Tensor:
    """``seg_logits`` whose decision is ``labels``, changed only where needed.

    Args:
        seg_logits: ``(C, H, W)`` logits (``C > 1``) or ``(1, H, W)``
            sigmoid probabilities, as ``postprocess_result`` stores them.
        labels: ``(H, W)`` refined labels (``0/1`` when ``C == 1``).
        threshold: The decode head's threshold, needed when ``C == 1``.

    Returns:
        New ``(C, H, W)`` scores with ``argmax`` (or ``> threshold``) equal
        to ``labels``.

    Example:
        >>> logits = torch.tensor([[[2.0, 0.0]], [[1.0, 3.0]]])
        >>> relabel_seg_logits(logits, torch.tensor([[1, 1]]))
        tensor([[[1.0000, 0.0000]],
        <BLANKLINE>
                [[2.0000, 3.0000]]])
    """
    labels = labels.long()
    if seg_logits.shape[0] == 1:
        prob, foreground = seg_logits[0], labels.bool()
        thr = torch.tensor(threshold, dtype=prob.dtype, device=prob.device)
        flipped = torch.where(foreground,
                              torch.maximum(1 - prob, torch.nextafter(
                                  thr, torch.ones_like(thr))),
                              torch.minimum(1 - prob, thr))
        changed = foreground != (prob > thr)
        return torch.where(changed, flipped, prob)[None]
    top, old = seg_logits.max(dim=0)
    changed = labels != old
    new_value = seg_logits.gather(0, labels[None])[0]
    lifted = torch.nextafter(top, torch.full_like(top, float('inf')))
    out = seg_logits.clone()
    out.scatter_(0, old[None], torch.where(changed, new_value, top)[None])
    out.scatter_(0, labels[None], torch.where(changed, lifted,
                                              new_value)[None])
    return out
