"""The per-call inference options of a refiner: one immutable value.

Why a value and not model state: one model may serve several threads at
once, each with its own options, so the options travel down the call
(``SegRefiner.refine(..., options=...)``) and nothing is written into the
model or its submodules.
"""
from dataclasses import dataclass, fields, replace
from typing import Mapping, Optional, Union

import torch

from .fast_path import ForwardMode, resolve_forward_mode

__all__ = ['InferenceOptions']

#: ``unet_batch`` values: an int >= 1, ``'auto'`` or ``'all'``; ``None``
#: only where an argument means "no override" (the model's default).
UNetBatch = Union[int, str, None]


@dataclass(frozen=True)
class InferenceOptions:
    """How the denoising UNet runs inside one refinement call, and how
    many times.

    Attributes:
        fast: ``True``: the fast path (channels-last inputs, SDPA attention,
            bf16 autocast where native); ``False``: the fp32 reference path,
            the official computation.
        precision: ``'auto'``, ``'fp32'``, ``'bf16'`` or ``'fp16'``: the
            fast path's autocast dtype (``'auto'``: bf16 where the device
            computes it natively, else fp32).
        unet_batch: Largest batch of one UNet forward in the fast path:
            an int >= 1, ``'all'`` (the whole batch) or ``'auto'`` (on a
            CPU the measured crops per forward for the crop size and
            precision, whole elsewhere). The same values as the tools'
            ``--unet-batch N|auto|all``. ``None`` is never a value here: in
            :meth:`merged`, :meth:`from_cfg`, the API calls and the
            predictor it means "no override" (the model's default).
        steps: Reverse steps per crop, ``1..T`` (``None``: all ``T``, the
            official loop): ``T-1`` down to 0 evenly spaced, the skipped
            timesteps jumped over (docs/steps.md). The model checks the
            upper bound.
        early_exit: A crop whose predicted mask changed in at most 0.2%
            of its pixels since the previous step leaves the batch early
            (off: the official loop and its random stream).

    Raises:
        ValueError: On an unknown precision, a non-fp32 precision with
            ``fast=False``, a bad ``unet_batch`` or ``steps < 1`` (checked
            when built).

    Examples:
        >>> InferenceOptions(fast=False).forward_mode('cpu').attention
        'legacy'
        >>> InferenceOptions().merged(precision='fp32').precision
        'fp32'
    """

    fast: bool = True
    precision: str = 'auto'
    unet_batch: UNetBatch = 'auto'
    steps: Optional[int] = None
    early_exit: bool = False

    def __post_init__(self) -> None:
        self.forward_mode('cpu')  # validates the fields
        if self.steps is not None and (isinstance(self.steps, bool) or
                                       not isinstance(self.steps, int) or
                                       self.steps < 1):
            raise ValueError(f'steps must be an integer >= 1 or None, got '
                             f'{self.steps!r}')
        if not isinstance(self.early_exit, bool):
            raise ValueError(f'early_exit must be True or False, got '
                             f'{self.early_exit!r}')

    @classmethod
    def from_cfg(cls, cfg: Mapping) -> 'InferenceOptions':
        """The options named in a ``test_cfg`` (defaults for the others and
        for those set to ``None``)."""
        return cls(**{f.name: cfg[f.name] for f in fields(cls)
                      if cfg.get(f.name) is not None})

    def merged(self,
               fast: Optional[bool] = None,
               precision: Optional[str] = None,
               unet_batch: UNetBatch = None,
               steps: Optional[int] = None,
               early_exit: Optional[bool] = None) -> 'InferenceOptions':
        """A copy with the given (not ``None``) fields replaced."""
        given = dict(fast=fast, precision=precision, unet_batch=unet_batch,
                     steps=steps, early_exit=early_exit)
        return replace(self, **{k: v for k, v in given.items() if v is not None})

    def forward_mode(self, device: Union[str, torch.device]) -> ForwardMode:
        """The :class:`ForwardMode` these options select on ``device``."""
        return resolve_forward_mode(self.fast, self.precision, device,
                                    self.unet_batch)
