"""The reverse step of SegRefiner's sampler in plain torch ops.

The CPU path and the fused CUDA kernel's twin
(:mod:`segrefiner.diffusion.fused_step`); the loop around it is in
:mod:`segrefiner.diffusion.sampling`, whose docstring states the update.
"""
from typing import Optional, Tuple

import torch


def uniform_noise(like: torch.Tensor,
                  generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Float32 ``U(0, 1)`` noise shaped and placed like ``like``."""
    return torch.rand(like.shape, generator=generator, device=like.device,
                      dtype=torch.float32)


def fine_confidence(logits: torch.Tensor) -> torch.Tensor:
    """Per-pixel confidence ``|2 * sigmoid(logits) - 1|`` in float32."""
    return 2 * torch.abs(logits.float().sigmoid() - 0.5)


def accumulate_fine_probs(cur_fine: torch.Tensor, logits: torch.Tensor,
                          beta_bar: float,
                          beta_bar_prev: float) -> torch.Tensor:
    """One update of the marginal probability that a pixel is fine.

    Args:
        cur_fine: ``(N, 1, H, W)`` marginal so far.
        logits: ``(N, 1, H, W)`` UNet logits of this step.
        beta_bar: ``beta_bar[t]``.
        beta_bar_prev: ``beta_bar[t-1]`` (1 for ``t = 0``).

    Returns:
        The updated marginal ``f + (1 - f) * p_c2f``.
    """
    conf = fine_confidence(logits)
    p_c2f = conf * (beta_bar_prev - beta_bar) / (1 - conf * beta_bar)
    return cur_fine + (1 - cur_fine) * p_c2f


def mix_fine_coarse(logits: torch.Tensor, cur_fine: torch.Tensor,
                    coarse: torch.Tensor,
                    noise: torch.Tensor) -> torch.Tensor:
    """The next mask: fine pixels (``noise < cur_fine``) take ``logits >= 0``,
    the others the original coarse value."""
    fine_map = (noise < cur_fine).float()
    return (logits >= 0).float() * fine_map + coarse * (1 - fine_map)


def reverse_step_torch(logits: torch.Tensor, cur_fine: torch.Tensor,
                       coarse: torch.Tensor, beta_bar: float,
                       beta_bar_prev: float, last: bool,
                       generator: Optional[torch.Generator] = None
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The reverse step in plain torch ops (the CPU path, the fused
    kernel's twin); schedule values given directly."""
    cur_fine = accumulate_fine_probs(cur_fine, logits, beta_bar,
                                     beta_bar_prev)
    if last:
        return logits.float().sigmoid(), cur_fine
    noise = uniform_noise(cur_fine, generator)
    return mix_fine_coarse(logits, cur_fine, coarse, noise), cur_fine
