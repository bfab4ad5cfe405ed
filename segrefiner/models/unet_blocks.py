"""Building blocks of the SegRefiner denoising UNet.

The blocks follow the improved-diffusion UNet (openai/improved-diffusion,
``improved_diffusion/unet.py``) as adapted by the official SegRefiner code
(MengyuWang826/SegRefiner, ``mmdet/models/dense_heads/diffusion_unet_head.py``):
GroupNorm computed in fp32, SiLU, an *additive* timestep embedding and output
convolutions that are **not** zero-initialised. Sub-module names and their
order are part of the checkpoint format (``in_layers.2``, ``out_layers.3``,
``skip_connection``, ``op``, ``conv``) and must not change, otherwise the
released official weights no longer load.

Memory traffic (docs/benchmark.md, "Beyond the convolutions"): the SiLU after
each GroupNorm runs in place on the norm's fresh output, and the embedding
and skip additions accumulate into the fresh conv outputs, so none of them
allocates and fills another full-resolution map (autograd is unaffected:
GroupNorm, convolution and addition do not save their outputs). A bf16 CPU
input is normalised by the CPU kernel's mixed-precision path (bf16 in and
out, fp32 statistics and affine), the same values without the two casts.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupNorm32(nn.GroupNorm):
    """GroupNorm computed in (at least) fp32, returned in the input dtype
    (a bf16 CPU input through the kernel's fp32-statistics path)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.bfloat16 and x.device.type == 'cpu':
            return F.group_norm(x, self.num_groups, self.weight.float(),
                                self.bias.float(), self.eps)
        dtype = torch.promote_types(x.dtype, torch.float32)
        out = F.group_norm(x.to(dtype), self.num_groups,
                           self.weight.to(dtype), self.bias.to(dtype),
                           self.eps)
        return out.to(x.dtype)


class AttentionLayer(nn.Module):
    """A module whose ``forward(x, impl=None)`` takes the attention
    implementation of one call (see :mod:`.attention`)."""


class TimestepBlock(nn.Module):
    """A module whose ``forward(x, emb)`` takes the timestep embedding too."""


class TimestepSequential(nn.Sequential):
    """``nn.Sequential`` that hands ``emb`` to the children that take it."""

    def forward(self, x: torch.Tensor, emb: torch.Tensor,
                attn_impl: Optional[str] = None) -> torch.Tensor:
        """``attn_impl`` reaches the attention children (``None``: theirs)."""
        for layer in self:
            if isinstance(layer, TimestepBlock):
                x = layer(x, emb)
            elif attn_impl is not None and isinstance(layer, AttentionLayer):
                x = layer(x, attn_impl)
            else:
                x = layer(x)
        return x


class ResBlock(TimestepBlock):
    """Residual block with an additive timestep embedding.

    ``GN -> SiLU -> conv3x3 -> (+ Linear(SiLU(emb))) -> GN -> SiLU ->
    Dropout -> conv3x3``, plus an identity or 1x1-conv skip.

    Args:
        channels: Input channels.
        emb_channels: Timestep embedding width.
        dropout: Dropout rate before the second conv.
        out_channels: Output channels (default: ``channels``).
        num_groups: GroupNorm groups.
        use_scale_shift_norm: FiLM-style conditioning instead of addition
            (off in the official model; kept for configurability).
    """

    def __init__(self,
                 channels: int,
                 emb_channels: int,
                 dropout: float = 0.0,
                 out_channels: Optional[int] = None,
                 num_groups: int = 32,
                 use_scale_shift_norm: bool = False) -> None:
        super().__init__()
        out_channels = out_channels or channels
        self.use_scale_shift_norm = use_scale_shift_norm
        self.in_layers = nn.Sequential(
            GroupNorm32(num_groups, channels), nn.SiLU(inplace=True),
            nn.Conv2d(channels, out_channels, 3, padding=1))
        emb_out = 2 * out_channels if use_scale_shift_norm else out_channels
        self.emb_layers = nn.Sequential(nn.SiLU(),
                                        nn.Linear(emb_channels, emb_out))
        self.out_layers = nn.Sequential(
            GroupNorm32(num_groups, out_channels), nn.SiLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Conv2d(out_channels, out_channels, 3, padding=1))
        if out_channels == channels:
            self.skip_connection = nn.Identity()
        else:
            self.skip_connection = nn.Conv2d(channels, out_channels, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.in_layers(x)
        emb_out = self.emb_layers(emb).to(h.dtype)[:, :, None, None]
        if self.use_scale_shift_norm:
            norm, rest = self.out_layers[0], self.out_layers[1:]
            scale, shift = emb_out.chunk(2, dim=1)
            h = rest(norm(h) * (1 + scale) + shift)
        else:
            h = self.out_layers(h.add_(emb_out))
        return h.add_(self.skip_connection(x))


class Downsample(nn.Module):
    """Strided 3x3 conv (or 2x2 average pooling without ``use_conv``)."""

    def __init__(self, channels: int, use_conv: bool = True) -> None:
        super().__init__()
        self.op = (nn.Conv2d(channels, channels, 3, stride=2, padding=1)
                   if use_conv else nn.AvgPool2d(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Upsample(nn.Module):
    """Nearest x2 upsampling followed by an optional 3x3 conv."""

    def __init__(self, channels: int, use_conv: bool = True) -> None:
        super().__init__()
        self.use_conv = use_conv
        if use_conv:
            self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        return self.conv(x) if self.use_conv else x
