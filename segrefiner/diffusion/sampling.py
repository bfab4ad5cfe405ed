"""Forward corruption and the reverse sampling loop of SegRefiner.

Reference: ``q_sample``, ``p_sample`` and ``p_sample_loop`` of the official
code (MengyuWang826/SegRefiner, ``mmdet/models/detectors/segrefiner_base.py``)
(docs/design.md, section 1). The reverse loop copies the official behaviour,
which differs from the paper's Markov chain:

* only the marginal fine-probability ``cur_fine`` is kept; it grows as
  ``f <- f + (1 - f) * p_c2f`` with
  ``p_c2f = conf * (beta_bar_prev - beta_bar) / (1 - conf * beta_bar)`` and
  ``conf = |2 * sigmoid(logits) - 1|``;
* a *fresh* Bernoulli(``cur_fine``) map is drawn each step; fine pixels take
  the current prediction ``logits >= 0`` and the others the **original**
  coarse mask;
* the last step returns ``sigmoid(logits)`` for every pixel.

Every function takes its random source explicitly (a ``torch.Generator`` or
``None`` for torch's global one), and nothing here synchronises with the
host: schedule values are Python floats and all masks stay on the device.
"""
from typing import Callable, Optional, Sequence, Tuple

import torch

from .fused_step import fused_reverse_step, fused_step_available
from .schedule import DiffusionSchedule
from .step import reverse_step_torch, uniform_noise

DenoiseFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sample_timesteps(batch_size: int,
                     num_timesteps: int,
                     device: torch.device,
                     generator: Optional[torch.Generator] = None
                     ) -> torch.Tensor:
    """Training timesteps ``t ~ U{0..T-1}``, one per sample (long)."""
    return torch.randint(num_timesteps, (batch_size, ), generator=generator,
                         device=device)


def q_sample(gt: torch.Tensor,
             coarse: torch.Tensor,
             t: torch.Tensor,
             schedule: DiffusionSchedule,
             generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Forward corruption ``m_t``: each pixel shows GT w.p. ``beta_bar[t]``.

    Args:
        gt: ``(N, 1, H, W)`` fine mask, 0/1 float.
        coarse: ``(N, 1, H, W)`` coarse mask, 0/1 float.
        t: ``(N,)`` long timesteps.
        schedule: The diffusion schedule.
        generator: Random source.

    Returns:
        ``(N, 1, H, W)`` float mask ``map * gt + (1 - map) * coarse``.
    """
    keep = torch.as_tensor(schedule.betas_cumprod, device=gt.device)[t]
    keep = keep.reshape(-1, 1, 1, 1)
    transition = (uniform_noise(gt, generator) < keep).float()
    return transition * gt + (1 - transition) * coarse


def reverse_step(logits: torch.Tensor,
                 cur_fine: torch.Tensor,
                 coarse: torch.Tensor,
                 t: int,
                 schedule: DiffusionSchedule,
                 last: bool,
                 generator: Optional[torch.Generator] = None
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Apply the official reverse rule for one timestep.

    Args:
        logits: ``(N, 1, H, W)`` UNet logits at timestep ``t``.
        cur_fine: ``(N, 1, H, W)`` marginal fine-probability so far.
        coarse: ``(N, 1, H, W)`` original coarse mask (0/1).
        t: Code timestep index.
        schedule: The diffusion schedule.
        last: Return ``sigmoid(logits)`` instead of sampling.
        generator: Random source of the Bernoulli map.

    Returns:
        ``(next mask, updated cur_fine)``, both float32.

    On CUDA with Triton this runs as the single fused kernel of
    :mod:`segrefiner.diffusion.fused_step` (same function, its own Philox
    random stream); elsewhere as :func:`reverse_step_torch`.
    """
    beta_bar = float(schedule.betas_cumprod[t])
    beta_bar_prev = float(schedule.betas_cumprod_prev[t])
    step = (fused_reverse_step
            if fused_step_available(logits) else reverse_step_torch)
    return step(logits, cur_fine, coarse, beta_bar, beta_bar_prev, last,
                generator)


def p_sample_loop(denoise_fn: DenoiseFn,
                  images: torch.Tensor,
                  coarse: torch.Tensor,
                  timesteps: Sequence[int],
                  schedule: DiffusionSchedule,
                  generator: Optional[torch.Generator] = None,
                  prior: Optional[torch.Tensor] = None,
                  use_last_step: bool = True
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run the reverse process over ``timesteps`` (e.g. ``[5, 4, ..., 0]``).

    Args:
        denoise_fn: ``fn(x, t) -> logits`` with ``x = cat(images, mask)``.
        images: ``(N, 3, H, W)`` normalised images (any float dtype).
        coarse: ``(N, 1, H, W)`` binary coarse mask, float 0/1.
        timesteps: Code timesteps in the order they are run.
        schedule: The diffusion schedule.
        generator: Random source for the Bernoulli maps.
        prior: Initial ``cur_fine`` (zeros when ``None``).
        use_last_step: Return probabilities at the last timestep.

    Returns:
        ``(x, cur_fine)``: the output mask (probabilities when
        ``use_last_step``) and the accumulated fine-probability, float32.
    """
    if len(timesteps) == 0:
        raise ValueError('timesteps must not be empty')
    coarse = coarse.float()
    cur_fine = (torch.zeros_like(coarse)
                if prior is None else prior.float().clone())
    x = coarse
    for i, t in enumerate(timesteps):
        t_batch = torch.full((coarse.shape[0], ), t, dtype=torch.long,
                             device=coarse.device)
        logits = denoise_fn(
            torch.cat([images, x.to(images.dtype)], dim=1), t_batch)
        last = use_last_step and i == len(timesteps) - 1
        x, cur_fine = reverse_step(logits, cur_fine, coarse, t, schedule,
                                   last, generator)
    return x, cur_fine
