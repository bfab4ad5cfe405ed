"""Data preprocessor of :class:`~segrefiner.models.SegRefiner`.

The official pipeline normalises RGB images with the ImageNet mean
``(123.675, 116.28, 103.53)`` and std ``(58.395, 57.12, 57.375)`` on 0-255
values; masks are fed raw as 0/1.
"""
from typing import Optional, Sequence

import torch
from mmengine.model import ImgDataPreprocessor
from mmengine.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class SegRefinerDataPreprocessor(ImgDataPreprocessor):
    """Stack and normalise RGB images; move the mask samples to the device.

    Inputs are ``(3, H, W)`` RGB tensors with 0-255 values, already resized
    to a common size by the pipeline. Data samples are
    :class:`mmengine.structures.BaseDataElement` objects carrying
    ``gt_mask`` and/or ``coarse_mask`` as ``(1, H, W)`` 0/1 tensors.

    Args:
        mean: Per-channel mean on 0-255 values (ImageNet by default).
        std: Per-channel std on 0-255 values (ImageNet by default).
        pad_size_divisor: Pad the stacked batch to a multiple of this.
        bgr_to_rgb: Flip channel order (inputs are RGB already).
    """

    def __init__(self,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 pad_size_divisor: int = 1,
                 bgr_to_rgb: bool = False,
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(mean=mean, std=std,
                         pad_size_divisor=pad_size_divisor,
                         bgr_to_rgb=bgr_to_rgb, non_blocking=non_blocking)

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Normalise ``(N, 3, H, W)`` 0-255 RGB images on their device."""
        mean = self.mean.to(images.device, images.dtype)
        std = self.std.to(images.device, images.dtype)
        return (images - mean) / std
