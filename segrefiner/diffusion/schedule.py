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

Fewer steps (:func:`spaced_timesteps`) run an evenly spaced subsequence of
the code timesteps; the reverse step then jumps between consecutive listed
timesteps with the composed kernel's probabilities (docs/steps.md).
"""
from dataclasses import dataclass
from typing import List, Mapping, Sequence

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

    def jump_target(self, t: int, s: int) -> float:
        """``beta_bar`` of the timestep ``s < t`` the reverse step from
        ``t`` lands on: ``beta_bar[s]``, 1 for ``s = -1`` (the fine mask).

        ``s = t - 1`` gives the official ``beta_bar_prev[t]``; a smaller
        ``s`` is the jump over the skipped timesteps (docs/steps.md).

        Raises:
            ValueError: Unless ``-1 <= s < t <= T - 1``.
        """
        if not -1 <= s < t <= self.num_timesteps - 1:
            raise ValueError(f'a reverse step goes from t to s with '
                             f'-1 <= s < t <= {self.num_timesteps - 1}, got '
                             f't={t}, s={s}')
        return 1.0 if s == -1 else float(self.betas_cumprod[s])


def spaced_timesteps(num_timesteps: int, steps: int) -> List[int]:
    """``steps`` code timesteps evenly spaced from ``T-1`` down to 0.

    ``round(linspace(T - 1, 0, steps))`` with halves rounded up: the first
    is ``T-1`` (the pure coarse mask, where inference starts) and, for
    ``steps >= 2``, the last is 0; ``steps = T`` gives every timestep, the
    official loop. One step evaluates the UNet once, at ``T-1``.

    Args:
        num_timesteps: ``T``.
        steps: ``1 <= steps <= T``.

    Returns:
        The timesteps in the order they run (strictly decreasing).

    Raises:
        ValueError: For ``steps`` outside ``1..T``.

    Example:
        >>> [spaced_timesteps(6, k) for k in (1, 2, 3, 6)]
        [[5], [5, 0], [5, 3, 0], [5, 4, 3, 2, 1, 0]]
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not (
            1 <= steps <= num_timesteps):
        raise ValueError(f'steps must be in 1..{num_timesteps}, got '
                         f'{steps!r}')
    if steps == 1:
        return [num_timesteps - 1]
    return [int(np.floor(x + 0.5))
            for x in np.linspace(num_timesteps - 1, 0, steps)]


def check_timesteps(timesteps: Sequence[int], num_timesteps: int) -> None:
    """Raise ``ValueError`` unless ``timesteps`` is a non-empty, strictly
    decreasing sequence of code timesteps in ``0..T-1``."""
    ts = list(timesteps)
    if not ts or any(not 0 <= t < num_timesteps for t in ts) or any(
            a <= b for a, b in zip(ts, ts[1:])):
        raise ValueError(f'timesteps must be a non-empty, strictly '
                         f'decreasing sequence in 0..{num_timesteps - 1}, '
                         f'got {ts}')


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
