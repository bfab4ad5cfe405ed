"""Discrete diffusion of SegRefiner: schedule, corruption and sampling."""
from .sampling import p_sample_loop, q_sample, reverse_step, sample_timesteps
from .schedule import (DiffusionSchedule, build_schedule, check_timesteps,
                       spaced_timesteps)
from .step import (accumulate_fine_probs, fine_confidence, mix_fine_coarse,
                   reverse_step_torch, uniform_noise)

__all__ = [
    'DiffusionSchedule', 'build_schedule', 'check_timesteps',
    'spaced_timesteps', 'q_sample', 'sample_timesteps',
    'uniform_noise', 'fine_confidence', 'accumulate_fine_probs',
    'mix_fine_coarse', 'reverse_step', 'reverse_step_torch',
    'p_sample_loop'
]
