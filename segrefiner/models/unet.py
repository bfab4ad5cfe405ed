"""The SegRefiner denoising UNet.

Re-implements ``DenoiseUNet`` of the official SegRefiner code
(MengyuWang826/SegRefiner, ``mmdet/models/dense_heads/diffusion_unet_head.py``),
an adaptation of the openai/improved-diffusion UNet. With the default
arguments (the official configuration) the ``state_dict()`` keys and shapes
equal the released checkpoints' ``denoise_model.*`` entries and the model has
118,604,673 parameters.

Differences from the official code, none of which changes the function:

* the learned timestep table has ``num_timesteps`` rows (the official code
  hard-codes 6, which crashes for any other schedule, official issue #28);
* attention defaults to ``scaled_dot_product_attention`` over the legacy
  head split (see :mod:`segrefiner.models.attention`);
* GroupNorm groups are configurable so that tiny test models can be built.
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.registry import MODELS

from .attention import AttentionBlock
from .unet_blocks import (Downsample, GroupNorm32, ResBlock,
                          TimestepSequential, Upsample)


def sinusoidal_embedding(timesteps: torch.Tensor,
                         dim: int,
                         max_period: int = 10000) -> torch.Tensor:
    """Sinusoidal timestep features ``[cos | sin]`` of width ``dim``."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(
        half, dtype=torch.float32, device=timesteps.device) / half)
    args = timesteps[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


@MODELS.register_module()
class SegRefinerUNet(nn.Module):
    """Improved-diffusion UNet predicting fine-mask logits.

    Args:
        in_channels: Input channels (RGB + current mask = 4).
        out_channels: Output channels (1 logit map).
        model_channels: Base width.
        num_res_blocks: ResBlocks per encoder level (decoder has one more).
        channel_mult: Width multiplier of each resolution level.
        attention_strides: Downsampling factors at which attention is used.
        num_heads: Attention heads in the encoder and middle block.
        num_heads_upsample: Heads in the decoder (-1: same as ``num_heads``).
        learn_time_embd: A learned ``nn.Embedding`` per timestep (official)
            instead of sinusoidal features followed by an MLP.
        num_timesteps: Rows of the learned timestep table; must equal the
            diffusion schedule's ``num_timesteps``.
        dropout: Dropout inside the ResBlocks.
        conv_resample: Learned 3x3 convs for down/upsampling.
        use_scale_shift_norm: FiLM conditioning (off in the official model).
        num_groups: GroupNorm groups.
        attn_impl: ``'sdpa'`` or ``'legacy'`` attention (same function).

    Example:
        >>> unet = SegRefinerUNet(model_channels=32, channel_mult=(1, 2),
        ...                       attention_strides=(2,), num_heads=2)
        >>> x = torch.zeros(2, 4, 64, 64)
        >>> unet(x, torch.tensor([5, 0])).shape
        torch.Size([2, 1, 64, 64])
    """

    def __init__(self,
                 in_channels: int = 4,
                 out_channels: int = 1,
                 model_channels: int = 128,
                 num_res_blocks: int = 2,
                 channel_mult: Sequence[int] = (1, 1, 2, 2, 4, 4),
                 attention_strides: Sequence[int] = (16, 32),
                 num_heads: int = 4,
                 num_heads_upsample: int = -1,
                 learn_time_embd: bool = True,
                 num_timesteps: int = 6,
                 dropout: float = 0.0,
                 conv_resample: bool = True,
                 use_scale_shift_norm: bool = False,
                 num_groups: int = 32,
                 attn_impl: str = 'sdpa') -> None:
        super().__init__()
        if num_heads_upsample == -1:
            num_heads_upsample = num_heads
        self.in_channels = in_channels
        self.model_channels = model_channels
        self.learn_time_embd = learn_time_embd
        self.num_timesteps = num_timesteps
        self.downsample_factor = 2**(len(channel_mult) - 1)
        emb_dim = model_channels * 4
        if learn_time_embd:
            self.time_embed = nn.Embedding(num_timesteps, emb_dim)
        else:
            self.time_embed = nn.Sequential(
                nn.Linear(model_channels, emb_dim), nn.SiLU(),
                nn.Linear(emb_dim, emb_dim))

        def res(ch_in: int, ch_out: int) -> ResBlock:
            return ResBlock(ch_in, emb_dim, dropout, ch_out, num_groups,
                            use_scale_shift_norm)

        def attn(ch: int, heads: int) -> AttentionBlock:
            return AttentionBlock(ch, heads, num_groups, attn_impl)

        self.input_blocks = nn.ModuleList([
            TimestepSequential(
                nn.Conv2d(in_channels, model_channels, 3, padding=1))
        ])
        skip_chans = [model_channels]
        ch, ds = model_channels, 1
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                layers = [res(ch, mult * model_channels)]
                ch = mult * model_channels
                if ds in attention_strides:
                    layers.append(attn(ch, num_heads))
                self.input_blocks.append(TimestepSequential(*layers))
                skip_chans.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(
                    TimestepSequential(Downsample(ch, conv_resample)))
                skip_chans.append(ch)
                ds *= 2

        self.middle_block = TimestepSequential(
            res(ch, ch), attn(ch, num_heads), res(ch, ch))

        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mult))):
            for i in range(num_res_blocks + 1):
                layers = [res(ch + skip_chans.pop(), model_channels * mult)]
                ch = model_channels * mult
                if ds in attention_strides:
                    layers.append(attn(ch, num_heads_upsample))
                if level and i == num_res_blocks:
                    layers.append(Upsample(ch, conv_resample))
                    ds //= 2
                self.output_blocks.append(TimestepSequential(*layers))

        self.out = nn.Sequential(
            GroupNorm32(num_groups, ch), nn.SiLU(inplace=True),
            nn.Conv2d(model_channels, out_channels, 3, padding=1))

    def embed_timesteps(self, t: torch.Tensor) -> torch.Tensor:
        """Timestep embedding ``(N, 4 * model_channels)`` for indices ``t``."""
        if self.learn_time_embd:
            return self.time_embed(t)
        return self.time_embed(sinusoidal_embedding(t, self.model_channels))

    def forward(self, x: torch.Tensor, t: torch.Tensor,
                attn_impl: Optional[str] = None) -> torch.Tensor:
        """Predict fine-mask logits.

        Args:
            x: ``(N, 4, H, W)``: ImageNet-normalised RGB then the current
                0/1 mask. ``H`` and ``W`` must be multiples of
                ``downsample_factor`` (32 for the official model).
            t: ``(N,)`` long timestep indices in ``0..num_timesteps-1``.
            attn_impl: ``'sdpa'`` or ``'legacy'`` for this call only
                (``None``: each block's own ``impl``); nothing is stored.

        Returns:
            ``(N, 1, H, W)`` logits in the dtype of ``x``.
        """
        h, w = x.shape[-2:]
        if h % self.downsample_factor or w % self.downsample_factor:
            raise ValueError(
                f'input size {h}x{w} is not a multiple of '
                f'{self.downsample_factor}, the UNet downsampling factor')
        emb = self.embed_timesteps(t).to(x.dtype)
        skips = []
        for block in self.input_blocks:
            x = block(x, emb, attn_impl)
            skips.append(x)
        x = self.middle_block(x, emb, attn_impl)
        for block in self.output_blocks:
            x = block(torch.cat([x, skips.pop()], dim=1), emb, attn_impl)
        return self.out(x)
