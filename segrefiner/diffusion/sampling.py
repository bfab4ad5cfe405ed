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

Fewer steps: ``timesteps`` may skip timesteps (e.g. ``[5, 3, 0]``); each
step then jumps from its timestep ``t`` to the next listed one ``s`` with
``p_c2f = conf * (beta_bar[s] - beta_bar[t]) / (1 - conf * beta_bar[t])``,
the composed forward kernel's posterior (docs/steps.md), and the last listed
step to ``land`` (-1, the fine mask, with ``beta_bar = 1``, by default).
Consecutive timesteps give the official ``beta_bar_prev[t]``.

Every function takes its random source explicitly (a ``torch.Generator`` or
``None`` for torch's global one), and nothing here synchronises with the
host (schedule values are Python floats and all masks stay on the device),
except the opt-in early exit, which asks the device each step which crops
have settled.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import torch

from .fused_step import fused_reverse_step, fused_step_available
from .schedule import DiffusionSchedule, check_timesteps
from .step import reverse_step_torch, uniform_noise

DenoiseFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: Early exit: a crop has settled when at most this fraction of its pixels
#: changed their predicted value since the previous step (0.2%: 33 pixels
#: of a 128x128 crop). The prediction never settles exactly: the mask fed
#: back is redrawn every step, so boundary pixels flicker (docs/steps.md).
SETTLED_FRACTION = 0.002


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
                 generator: Optional[torch.Generator] = None,
                 t_next: Optional[int] = None
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
        t_next: The timestep the step lands on, ``-1 <= t_next < t``
            (``None``: ``t - 1``, the official step); smaller jumps over
            the skipped timesteps.

    Returns:
        ``(next mask, updated cur_fine)``, both float32.

    On CUDA with Triton this runs as the single fused kernel of
    :mod:`segrefiner.diffusion.fused_step` (same function, its own Philox
    random stream); elsewhere as :func:`reverse_step_torch`.
    """
    beta_bar = float(schedule.betas_cumprod[t])
    beta_bar_prev = schedule.jump_target(t, t - 1 if t_next is None else
                                         t_next)
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
                  use_last_step: bool = True,
                  early_exit: bool = False,
                  land: int = -1
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run the reverse process over ``timesteps`` (e.g. ``[5, 4, ..., 0]``).

    Args:
        denoise_fn: ``fn(x, t) -> logits`` with ``x = cat(images, mask)``.
        images: ``(N, 3, H, W)`` normalised images (any float dtype).
        coarse: ``(N, 1, H, W)`` binary coarse mask, float 0/1.
        timesteps: Code timesteps in the order they are run, strictly
            decreasing; skipped timesteps are jumped over (module doc).
        schedule: The diffusion schedule.
        generator: Random source for the Bernoulli maps.
        prior: Initial ``cur_fine`` (zeros when ``None``).
        use_last_step: Return probabilities at the last timestep.
        early_exit: A crop whose predicted mask ``logits >= 0`` differs
            from the previous step's in at most :data:`SETTLED_FRACTION`
            of its pixels leaves the batch with this step's output as if
            it were the last (``sigmoid(logits)`` when ``use_last_step``);
            the others go on. Draws fewer random numbers, so the stream
            differs from the full loop's.
        land: The timestep the last step lands on, below the last listed
            one (-1: the fine mask; a stage that stops early, like the HR
            protocol's global stage, names the timestep that follows it).

    Returns:
        ``(x, cur_fine)``: the output mask (probabilities when
        ``use_last_step``) and the accumulated fine-probability, float32.

    Raises:
        ValueError: For timesteps that are empty, out of ``0..T-1`` or not
            strictly decreasing.
    """
    check_timesteps(timesteps, schedule.num_timesteps)
    ts = list(timesteps)
    targets = ts[1:] + [land]
    coarse = coarse.float()
    cur_fine = (torch.zeros_like(coarse)
                if prior is None else prior.float().clone())
    if early_exit:
        return _loop_with_exit(denoise_fn, images, coarse, ts, targets,
                               schedule, generator, cur_fine, use_last_step)
    x = coarse
    for i, (t, s) in enumerate(zip(ts, targets)):
        logits = denoise_fn(
            torch.cat([images, x.to(images.dtype)], dim=1),
            _timestep_batch(t, coarse))
        last = use_last_step and i == len(ts) - 1
        x, cur_fine = reverse_step(logits, cur_fine, coarse, t, schedule,
                                   last, generator, s)
    return x, cur_fine


def _timestep_batch(t: int, like: torch.Tensor) -> torch.Tensor:
    """``(N,)`` long timesteps ``t`` on ``like``'s device."""
    return torch.full((like.shape[0], ), t, dtype=torch.long,
                      device=like.device)


def _loop_with_exit(denoise_fn: DenoiseFn, images: torch.Tensor,
                    coarse: torch.Tensor, ts: List[int], targets: List[int],
                    schedule: DiffusionSchedule,
                    generator: Optional[torch.Generator],
                    cur_fine: torch.Tensor, use_last_step: bool
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """:func:`p_sample_loop` with ``early_exit``: only the crops still in
    the batch (``active``) are evaluated; a settled crop's results are
    written out and it leaves."""
    out, fine_out = torch.empty_like(coarse), cur_fine.clone()
    active = torch.arange(coarse.shape[0], device=coarse.device)
    x, prev_pred = coarse, None
    for i, (t, s) in enumerate(zip(ts, targets)):
        sub_coarse = coarse[active]
        logits = denoise_fn(
            torch.cat([images[active], x.to(images.dtype)], dim=1),
            _timestep_batch(t, sub_coarse))
        last = i == len(ts) - 1
        x, cur_fine = reverse_step(logits, cur_fine, sub_coarse, t,
                                   schedule, last and use_last_step,
                                   generator, s)
        pred = logits >= 0
        if last:
            settled = torch.ones_like(active, dtype=torch.bool)
        elif prev_pred is None:
            settled = torch.zeros_like(active, dtype=torch.bool)
        else:
            changed = (pred != prev_pred).flatten(1).float().mean(dim=1)
            settled = changed <= SETTLED_FRACTION
        if bool(settled.any()):
            done = active[settled]
            out[done] = (logits[settled].float().sigmoid()
                         if use_last_step else x[settled])
            fine_out[done] = cur_fine[settled]
            keep = ~settled
            active, x, cur_fine = active[keep], x[keep], cur_fine[keep]
            pred = pred[keep]
            if len(active) == 0:
                break
        prev_pred = pred
    return out, fine_out
