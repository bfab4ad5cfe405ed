"""Helpers shared by the refinement APIs: device tensors and seeding."""
from typing import Optional

import numpy as np
import torch


def image_tensor(image: np.ndarray, device: torch.device) -> torch.Tensor:
    """``(3, H, W)`` uint8 tensor of an ``H x W x 3`` RGB array on ``device``.

    On CPU this is a view of the array (no copy); elsewhere a uint8 upload,
    a quarter of a float32 one.
    """
    return torch.from_numpy(np.ascontiguousarray(image)).to(
        device).permute(2, 0, 1)


def make_generator(device: torch.device,
                   seed: Optional[int]) -> Optional[torch.Generator]:
    """A generator on ``device`` seeded with ``seed`` (``None``: global)."""
    if seed is None:
        return None
    return torch.Generator(device=device).manual_seed(int(seed))


def check_same_size(image: np.ndarray, mask: np.ndarray,
                    what: str = 'mask') -> None:
    """Raise ``ValueError`` if ``mask`` is not the image's height x width."""
    if tuple(mask.shape[-2:]) != tuple(image.shape[:2]):
        raise ValueError(f'{what} size {tuple(mask.shape[-2:])} differs '
                         f'from the image size {tuple(image.shape[:2])}')
