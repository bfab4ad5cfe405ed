"""Measuring where refinement time goes, and scenes to measure it on.

:class:`ForwardTimer` times every forward of a module (the UNet) inside a
whole API call, so "UNet alone" and "everything else" come from the same
run on the same inputs.
"""
import resource
import time
from typing import Tuple

import numpy as np
import torch
import torch.nn as nn


class ForwardTimer:
    """Accumulate wall time spent in ``module.forward`` while active.

    On CUDA both ends synchronise, so the time is the module's own.

    Example:
        >>> timer = ForwardTimer(nn.Identity())
        >>> with timer:
        ...     _ = timer.module(torch.zeros(1))
        >>> timer.calls
        1
    """

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.seconds = 0.0
        self.calls = 0
        self._start = 0.0
        self._handles = []

    def _sync(self) -> None:
        param = next(self.module.parameters(), None)
        if param is not None and param.is_cuda:
            torch.cuda.synchronize(param.device)

    def _pre(self, *_) -> None:
        self._sync()
        self._start = time.perf_counter()

    def _post(self, *_) -> None:
        self._sync()
        self.seconds += time.perf_counter() - self._start
        self.calls += 1

    def __enter__(self) -> 'ForwardTimer':
        self.seconds, self.calls = 0.0, 0
        self._handles = [
            self.module.register_forward_pre_hook(self._pre),
            self.module.register_forward_hook(self._post)
        ]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()


def synthetic_scene(height: int, width: int, num_masks: int,
                    seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """A smooth random RGB image and ``num_masks`` wobbly blob masks.

    Returns:
        ``(H x W x 3 uint8 image, (N, H, W) bool masks)``; blob sizes vary
        between 3% and 25% of the shorter side.
    """
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (max(2, height // 64), max(2, width // 64),
                                  3)).astype(np.float32)
    image = torch.nn.functional.interpolate(
        torch.from_numpy(small).permute(2, 0, 1)[None], (height, width),
        mode='bilinear', align_corners=False)[0].permute(1, 2, 0)
    image = image.clamp(0, 255).to(torch.uint8).numpy()
    yy = np.arange(height, dtype=np.float32)[:, None]
    xx = np.arange(width, dtype=np.float32)[None]
    masks = np.zeros((num_masks, height, width), bool)
    for i in range(num_masks):
        r = min(height, width) * rng.uniform(0.03, 0.25)
        cy, cx = rng.uniform(r, height - r), rng.uniform(r, width - r)
        angle = np.arctan2(yy - cy, xx - cx)
        wobble = 1 + 0.2 * np.sin(rng.integers(3, 9) * angle + rng.uniform(
            0, 6.3))
        masks[i] = (yy - cy)**2 + (xx - cx)**2 < (r * wobble)**2
    return image, masks


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux).

    Read from ``VmHWM`` in ``/proc/self/status``: ``getrusage``'s
    ``ru_maxrss`` survives ``fork`` + ``exec``, so a fresh child process
    would report its parent's peak.
    """
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError('no VmHWM in /proc/self/status')


def current_rss_mb() -> float:
    """Resident memory of this process now, in MiB (Linux)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20
