"""The GFLOP/s columns of ``tools/benchmark.py``: the machine's conv peak,
the UNet's FLOPs in a call and a row's share of the peak.

Imported by ``benchmark.py`` with ``tools/`` first on ``sys.path``.
"""
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from segrefiner.models import native_bf16, resolve_forward_mode


def conv_peak(device: str, dtype: torch.dtype, repeats: int = 5) -> float:
    """GFLOP/s of one 3x3 conv, 256 -> 256 channels, 64x64, batch 4,
    channels-last, in ``dtype`` (best of ``repeats`` after two warm-ups):
    the machine's practical peak for the UNet's dominant operation."""
    conv = torch.nn.Conv2d(256, 256, 3, padding=1).to(
        device, dtype, memory_format=torch.channels_last)
    x = torch.randn(4, 256, 64, 64, device=device, dtype=dtype).contiguous(
        memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 64 * 64 * 4
    sync = torch.cuda.synchronize if device.startswith('cuda') else (
        lambda: None)
    best = float('inf')
    with torch.no_grad():
        for i in range(repeats + 2):
            sync()
            start = time.perf_counter()
            conv(x)
            sync()
            if i >= 2:
                best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def measure_peaks(device: str) -> dict:
    """Conv peak per dtype name; bf16 marked native or emulated."""
    native = native_bf16(device)  # emulated bf16 is slow: one timed run
    peaks = dict(fp32=conv_peak(device, torch.float32),
                 bf16=conv_peak(device, torch.bfloat16, 5 if native else 1),
                 bf16_native=native)
    kind = 'native' if peaks['bf16_native'] else 'emulated: no bf16 unit'
    print(f"conv peak (3x3, 256 ch, 64x64, batch 4, channels-last): fp32 "
          f"{peaks['fp32']:.0f} GFLOP/s, bf16 {peaks['bf16']:.0f} GFLOP/s "
          f'({kind})', flush=True)
    return peaks


def share(gflops: float, dtype: str, peaks: dict) -> str:
    """``"N GFLOP/s (P% of the <dtype> conv peak)"``."""
    peak = peaks.get(dtype)
    pct = f'{100 * gflops / peak:3.0f}% of {dtype} peak' if peak else (
        f'no {dtype} peak')
    return f'{gflops:6.1f} GFLOP/s ({pct})'


def row_dtype(path: str, model) -> str:
    """The peak a row is compared with: the dtype its UNet ran in."""
    if path == 'reference':
        return 'fp32'
    dtype = resolve_forward_mode(True, model.test_cfg.get('precision', 'auto'),
                                 model.device).autocast_dtype
    return {torch.bfloat16: 'bf16', torch.float16: 'fp16'}.get(dtype, 'fp32')


class FlopTally:
    """FLOPs of the UNet forwards of a call, from their input shapes
    (FlopCounterMode on one crop of each size, times the batch)."""

    def __init__(self, unet: torch.nn.Module) -> None:
        self.unet, self.per_size, self.shapes = unet, {}, []

    def _record(self, _module, args) -> None:
        self.shapes.append(tuple(args[0].shape))

    def __enter__(self) -> 'FlopTally':
        self.shapes = []
        self._handle = self.unet.register_forward_pre_hook(self._record)
        return self

    def __exit__(self, *_) -> None:
        self._handle.remove()

    def total(self) -> float:
        param = next(self.unet.parameters())
        for n, c, h, w in self.shapes:
            if (c, h, w) not in self.per_size:
                counter = FlopCounterMode(display=False)
                with torch.no_grad(), counter:
                    self.unet(torch.zeros(1, c, h, w, device=param.device),
                              torch.zeros(1, dtype=torch.long,
                                          device=param.device))
                self.per_size[c, h, w] = counter.get_total_flops()
        return float(sum(n * self.per_size[c, h, w]
                         for n, c, h, w in self.shapes))
