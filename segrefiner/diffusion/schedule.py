"""The discrete-diffusion schedule of SegRefiner.

Reference: ``SegRefiner._diffusion_init`` in the official code
(MengyuWang826/SegRefiner, ``mmdet/models/detectors/segrefiner_base.py``).
The configured line is the *cumulative* product ``beta_bar`` indexed by the
code timestep ``t = 0..T-1`` (paper timestep ``t + 1``)::

    beta_bar      = linspace(start, stop, T)      # [.8, .64, .48, .32, .16, 0]
    beta_bar_prev = [1, beta_bar[:-1]]            # [1, .8, .64, .48, .32, .16]
    betas         = beta_bar / beta_bar_prev

``beta_bar[t]`` is the probability that a pixel still shows the fine (GT)
value at step ``t``; ``t = T-1`` is the pure coarse mask, where inference
starts.
"""
from dataclasses import dataclass
from typing import Mapping

import numpy as np

SCHEDULE_TYPES = ('linear', )


@dataclass(frozen=True)
class DiffusionSchedule:
    """Schedule arrays, float64, one entry per code timestep.

    Attributes:
        betas_cumprod: ``beta_bar[t]``.
        betas_cumprod_prev: ``beta_bar[t-1]`` with ``beta_bar[-1] = 1``.
        betas: ``beta_bar[t] / beta_bar[t-1]``.
    """
    betas_cumprod: np.ndarray
    betas_cumprod_prev: np.ndarray
    betas: np.ndarray

    @property
    def num_timesteps(self) -> int:
        """Number of timesteps ``T``."""
        return len(self.betas_cumprod)


def build_schedule(diffusion_cfg: Mapping) -> DiffusionSchedule:
    """Build the schedule from a ``diffusion_cfg`` dict.

    Args:
        diffusion_cfg: ``dict(betas=dict(type='linear', start=0.8, stop=0,
            num_timesteps=6))`` as in the official configs; other keys (the
            official unused ``diff_iter``) are ignored.

    Returns:
        The schedule.

    Example:
        >>> s = build_schedule(dict(betas=dict(
        ...     type='linear', start=0.8, stop=0, num_timesteps=6)))
        >>> s.betas_cumprod.round(2).tolist()
        [0.8, 0.64, 0.48, 0.32, 0.16, 0.0]
    """
    betas_cfg = dict(diffusion_cfg['betas'])
    kind = betas_cfg.pop('type', 'linear')
    if kind not in SCHEDULE_TYPES:
        raise ValueError(f'unsupported schedule type {kind!r}; '
                         f'expected one of {SCHEDULE_TYPES}')
    start, stop = float(betas_cfg['start']), float(betas_cfg['stop'])
    num = int(betas_cfg['num_timesteps'])
    if num < 1:
        raise ValueError(f'num_timesteps must be >= 1, got {num}')
    if not 0.0 <= stop <= start <= 1.0:
        raise ValueError('expected 0 <= stop <= start <= 1 for a one-way '
                         f'fine-to-coarse schedule, got start={start}, '
                         f'stop={stop}')
    cumprod = np.linspace(start, stop, num)
    cumprod_prev = np.insert(cumprod[:-1], 0, 1.0)
    return DiffusionSchedule(cumprod, cumprod_prev, cumprod / cumprod_prev)
