"""Multi-class semantic refinement of a label map.

The label map is split into one binary mask per present class
(``ignore_index`` excluded), every class large enough is refined with the
object-crop protocol of :mod:`.object_crop` in batches, and the
classes are merged back pixel-wise by their refined probabilities: each pixel
takes the class with the highest probability, and keeps its original label
where no class has a positive one. Classes under ``area_thr`` pixels pass
through unchanged (their probability is their 0/1 mask), ``ignore_index``
pixels are never changed and no absent class can appear. Only one class
batch of pasted probabilities and the running best are held at once.
"""
from typing import Optional

import torch

from ..models import InferenceOptions, SegRefiner
from ..ops.masks import class_masks
from .object_crop import refine_crops


def refine_label_map(model: SegRefiner,
                     image: torch.Tensor,
                     labels: torch.Tensor,
                     ignore_index: Optional[int] = 255,
                     generator: Optional[torch.Generator] = None,
                     options: Optional[InferenceOptions] = None
                     ) -> torch.Tensor:
    """Refine an ``(H, W)`` integer label map tensor of a ``(3, H, W)`` image.

    Args:
        model: The refiner (``test_cfg``: ``batch_max`` classes at once and
            the object-crop settings).
        image: ``(3, H, W)`` uint8 (or 0-255 float) RGB on the model's
            device.
        labels: ``(H, W)`` integer labels on the same device.
        ignore_index: Label never refined nor assigned (``None``: none).
        generator: Random source of the sampling.
        options: How the UNet runs (``None``: the model's defaults).

    Returns:
        The refined label map, same dtype and device.
    """
    classes = torch.unique(labels)
    if ignore_index is not None:
        classes = classes[classes != ignore_index]
    best_prob = torch.zeros(labels.shape, device=labels.device)
    best_label = labels.clone()
    batch = max(1, model.test_cfg['batch_max'])
    for start in range(0, len(classes), batch):
        chunk = classes[start:start + batch]
        probs = refine_crops(model, image, class_masks(labels, chunk),
                             generator, return_probs=True, options=options)
        chunk_prob, chunk_idx = probs.max(dim=0)
        better = chunk_prob > best_prob
        best_prob = torch.where(better, chunk_prob, best_prob)
        best_label = torch.where(better, chunk[chunk_idx], best_label)
    if ignore_index is not None:
        best_label = torch.where(labels == ignore_index, labels, best_label)
    return best_label
