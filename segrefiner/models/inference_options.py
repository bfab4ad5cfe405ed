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
    """How the denoising UNet runs inside one refinement call.

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

    Raises:
        ValueError: On an unknown precision, a non-fp32 precision with
            ``fast=False`` or a bad ``unet_batch`` (checked when built).

    Examples:
        >>> InferenceOptions(fast=False).forward_mode('cpu').attention
        'legacy'
        >>> InferenceOptions().merged(precision='fp32').precision
        'fp32'
    """

    fast: bool = True
    precision: str = 'auto'
    unet_batch: UNetBatch = 'auto'

    def __post_init__(self) -> None:
        self.forward_mode('cpu')  # validates the fields

    @classmethod
    def from_cfg(cls, cfg: Mapping) -> 'InferenceOptions':
        """The options named in a ``test_cfg`` (defaults for the others and
        for those set to ``None``)."""
        return cls(**{f.name: cfg[f.name] for f in fields(cls)
                      if cfg.get(f.name) is not None})

    def merged(self,
               fast: Optional[bool] = None,
               precision: Optional[str] = None,
               unet_batch: UNetBatch = None) -> 'InferenceOptions':
        """A copy with the given (not ``None``) fields replaced."""
        given = dict(fast=fast, precision=precision, unet_batch=unet_batch)
        return replace(self, **{k: v for k, v in given.items() if v is not None})

    def forward_mode(self, device: Union[str, torch.device]) -> ForwardMode:
        """The :class:`ForwardMode` these options select on ``device``."""
        return resolve_forward_mode(self.fast, self.precision, device,
                                    self.unet_batch)
