"""Multi-class semantic refinement of a label map.

The label map is split into one binary mask per present class
(``ignore_index`` excluded), every class large enough is refined with the
object-crop protocol of :mod:`segrefiner.apis.instances` in batches, and the
classes are merged back pixel-wise by their refined probabilities: each pixel
takes the class with the highest probability, and keeps its original label
where no class has a positive one. Classes under ``area_thr`` pixels pass
through unchanged (their probability is their 0/1 mask), ``ignore_index``
pixels are never changed and no absent class can appear. Only one class
batch of pasted probabilities and the running best are held at once.
"""
from typing import Optional

import numpy as np
import torch

from ..models import SegRefiner
from ..ops.masks import class_masks
from .common import check_same_size, image_tensor, make_generator
from .instances import refine_crops
from ..fileio import ImageLike, load_image


def refine_label_map(model: SegRefiner,
                     image: torch.Tensor,
                     labels: torch.Tensor,
                     ignore_index: Optional[int] = 255,
                     generator: Optional[torch.Generator] = None
                     ) -> torch.Tensor:
    """Refine an ``(H, W)`` integer label map tensor of a ``(3, H, W)`` image.

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
                             generator, return_probs=True)
        chunk_prob, chunk_idx = probs.max(dim=0)
        better = chunk_prob > best_prob
        best_prob = torch.where(better, chunk_prob, best_prob)
        best_label = torch.where(better, chunk[chunk_idx], best_label)
    if ignore_index is not None:
        best_label = torch.where(labels == ignore_index, labels, best_label)
    return best_label


def refine_semantic(model: SegRefiner,
                    image: ImageLike,
                    label_map: np.ndarray,
                    ignore_index: Optional[int] = 255,
                    seed: Optional[int] = None,
                    fast: Optional[bool] = None,
                    precision: Optional[str] = None) -> np.ndarray:
    """Refine a multi-class label map; same shape and dtype out.

    Args:
        model: A :class:`SegRefiner`.
        image: ``H x W x 3`` uint8 RGB array or an image path.
        label_map: ``H x W`` integer class map (e.g. mmseg's prediction).
        ignore_index: Label left untouched and never refined (``None``: all
            labels are classes).
        seed: Makes the sampling reproducible on the same device.
        fast: The fast inference path (None: the model's
            ``test_cfg['fast']``, True by default); False runs the fp32
            reference path (:mod:`segrefiner.models.fast_path`).
        precision: ``'auto'``, ``'fp32'``, ``'bf16'`` or ``'fp16'`` for the
            fast path (None: ``test_cfg['precision']``).

    Returns:
        The refined ``H x W`` label map.

    Example:
        >>> refined = refine_semantic(model, 'img.jpg', pred_labels, seed=0)
    """
    img = load_image(image)
    label_map = np.asarray(label_map)
    if label_map.ndim != 2 or not np.issubdtype(label_map.dtype, np.integer):
        raise ValueError('label_map must be an H x W integer array, got '
                         f'{label_map.dtype} {label_map.shape}')
    check_same_size(img, label_map, 'label map')
    device = model.device
    labels = torch.from_numpy(label_map.astype(np.int64)).to(device)
    with model.inference_options(fast, precision):
        out = refine_label_map(model, image_tensor(img, device), labels,
                               ignore_index, make_generator(device, seed))
    return out.cpu().numpy().astype(label_map.dtype)
