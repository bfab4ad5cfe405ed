"""The fast inference path of the denoising UNet, and the reference path.

:meth:`SegRefiner.refine <segrefiner.models.SegRefiner.refine>` (and so every
API of :mod:`segrefiner.apis`) calls the UNet through :class:`UNetRunner`,
which applies one :class:`ForwardMode`:

- the **reference path** (``fast=False``): fp32, contiguous tensors, the
  official head-split attention (``legacy``), exactly the official
  computation;
- the **fast path** (``fast=True``, the default): channels-last tensors,
  ``scaled_dot_product_attention`` and, where the hardware computes it
  natively, bf16 autocast (``precision='auto'``: CUDA with bf16 support, or
  a CPU with AMX / AVX512-BF16; other CPUs stay in fp32, emulated bf16
  being slower than fp32) and, on a CPU, freed memory kept for the next
  step (:func:`segrefiner.utils.retain_freed_memory`) instead of
  page-faulted in again on every forward.

The raw ``model.denoise_model(x, t)`` call is untouched: it computes in the
dtype and layout of its input. The agreement of the two paths on the
embedded model's held-out set is checked by ``tests/models/test_fast_path.py``
and measured by ``tools/benchmark.py --agreement``.
"""
from dataclasses import dataclass
from typing import Optional, Union

import torch
from torch import nn

from ..utils.heap import retain_freed_memory

__all__ = ['ForwardMode', 'UNetRunner', 'PRECISIONS', 'native_bf16',
           'resolve_forward_mode']

PRECISIONS = ('auto', 'fp32', 'bf16', 'fp16')
#: ``unet_batch='auto'`` on a CPU: crops of :data:`CPU_CROP_PIXELS` per UNet
#: forward, by the dtype the UNet computes in (a larger crop gets
#: proportionally fewer, a smaller one more, so the activations of one
#: forward stay bounded). Chosen from the time per crop by batch size inside
#: one call (``tools/benchmark.py --paths fast --batch-sizes ...``, the
#: table in docs/benchmark.md, "unet_batch='auto'"): on a 2-core Zen 3 in
#: fp32 the tiny and the full UNet are within 4% of their best per-crop
#: time at batch 4 (batch 1 is the slowest or level, 16 slower for the full
#: UNet); on a Zen 5 with native bf16 the full UNet runs 12% faster per crop
#: at batch 4 than at 1. fp16 on a CPU is unmeasured and follows fp32.
CPU_UNET_BATCH = {torch.float32: 4, torch.bfloat16: 4, torch.float16: 4}
CPU_CROP_PIXELS = 256 * 256
_DTYPES = dict(bf16=torch.bfloat16, fp16=torch.float16)


def cpu_unet_batch(dtype: Optional[torch.dtype], height: int,
                   width: int) -> int:
    """Crops of ``height x width`` per CPU forward of ``unet_batch='auto'``
    for a UNet computing in ``dtype`` (None: fp32).

    Examples:
        >>> cpu_unet_batch(None, 256, 256), cpu_unet_batch(None, 512, 512)
        (4, 1)
    """
    crops = CPU_UNET_BATCH[dtype or torch.float32]
    return max(1, crops * CPU_CROP_PIXELS // (height * width))


@dataclass(frozen=True)
class ForwardMode:
    """How the UNet runs: autocast dtype (None: fp32), layout, attention,
    the largest batch one forward takes (None: the whole batch; ``'auto'``:
    :func:`cpu_unet_batch` on a CPU, whole on a GPU) and whether freed CPU
    memory is kept for reuse while it runs (``retain_heap``)."""

    autocast_dtype: Optional[torch.dtype] = None
    channels_last: bool = False
    attention: str = 'legacy'
    max_batch: Union[int, str, None] = None
    retain_heap: bool = False


def native_bf16(device: Union[str, torch.device]) -> bool:
    """Whether ``device`` computes bf16 matrix products natively.

    Examples:
        >>> isinstance(native_bf16('cpu'), bool)
        True
    """
    device = torch.device(device)
    if device.type == 'cuda':
        return torch.cuda.is_bf16_supported()
    if device.type == 'cpu':
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def resolve_forward_mode(fast: bool,
                         precision: str,
                         device: Union[str, torch.device],
                         unet_batch: Union[int, str] = 'all'
                         ) -> ForwardMode:
    """The :class:`ForwardMode` of a ``fast``/``precision`` choice.

    Args:
        fast: ``False`` gives the reference path (``precision`` must then be
            ``'auto'`` or ``'fp32'``).
        precision: ``'auto'`` (bf16 where native, else fp32), ``'fp32'``,
            ``'bf16'`` or ``'fp16'`` (autocast dtypes of the fast path).
        device: The model's device.
        unet_batch: Largest batch of one UNet forward in the fast path
            (an int >= 1; ``'all'``: the whole batch; ``'auto'``: on a CPU,
            the measured :func:`cpu_unet_batch` of the precision and crop
            size, the whole batch elsewhere). ``tools/benchmark.py`` prints
            crops/s per batch size.

    Examples:
        >>> resolve_forward_mode(False, 'auto', 'cpu')
        ForwardMode(autocast_dtype=None, channels_last=False, \
attention='legacy', max_batch=None, retain_heap=False)
        >>> resolve_forward_mode(True, 'fp32', 'cpu').retain_heap
        True
    """
    on_cpu = torch.device(device).type == 'cpu'
    if unet_batch == 'auto':
        unet_batch = 'auto' if on_cpu else None
    elif unet_batch == 'all':
        unet_batch = None
    elif not isinstance(unet_batch, int) or unet_batch < 1:
        raise ValueError(f"unet_batch must be an int >= 1, 'auto' or 'all', "
                         f'got {unet_batch!r}')
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    if not fast:
        if precision not in ('auto', 'fp32'):
            raise ValueError(f'the reference path (fast=False) is fp32; '
                             f'precision={precision!r} needs fast=True')
        return ForwardMode()
    if precision == 'auto':
        precision = 'bf16' if native_bf16(device) else 'fp32'
    return ForwardMode(_DTYPES.get(precision), True, 'sdpa', unet_batch,
                       on_cpu)


class UNetRunner:
    """Calls a denoising UNet in one :class:`ForwardMode`, changing nothing.

    The mode applies to this call's tensors only (channels-last inputs,
    the attention implementation passed to the forward, autocast), so
    runners of different modes may share one UNet across threads.

    Args:
        unet: The denoising UNet (``fn(x, t, attn_impl=...) -> logits``).
        mode: The forward mode.

    Examples:
        >>> from segrefiner.models import SegRefinerUNet
        >>> unet = SegRefinerUNet(model_channels=32, channel_mult=(1, 2),
        ...                       attention_strides=(2, ), num_heads=2)
        >>> run = UNetRunner(unet, resolve_forward_mode(True, 'fp32', 'cpu'))
        >>> run(torch.zeros(1, 4, 32, 32), torch.zeros(1, dtype=torch.long)
        ...     ).dtype
        torch.float32
    """

    def __init__(self, unet: nn.Module, mode: ForwardMode) -> None:
        self.unet = unet
        self.mode = mode

    def __call__(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Float32 logits of ``unet(x, t)`` computed in this mode."""
        step = self.mode.max_batch
        if step == 'auto':
            step = cpu_unet_batch(self.mode.autocast_dtype, x.shape[2],
                                  x.shape[3])
        with retain_freed_memory(self.mode.retain_heap):
            if step is not None and x.shape[0] > step:
                return torch.cat([
                    self._forward(x[i:i + step], t[i:i + step])
                    for i in range(0, x.shape[0], step)
                ])
            return self._forward(x, t)

    def _forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.mode.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        impl = self.mode.attention
        dtype = self.mode.autocast_dtype
        if dtype is None:
            return self.unet(x.float(), t, attn_impl=impl).float()
        with torch.autocast(x.device.type, dtype=dtype):
            return self.unet(x, t, attn_impl=impl).float()
