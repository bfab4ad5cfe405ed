"""Spatial self-attention block of the SegRefiner UNet.

Reference: ``AttentionBlock`` / ``QKVAttention`` in the official SegRefiner
``diffusion_unet_head.py`` (itself from openai/improved-diffusion). The
official code uses the *legacy* head split: the ``(B, 3C, T)`` output of the
qkv projection is reshaped to ``(B * heads, 3C / heads, T)`` and only then
split into q, k and v, so each head owns a contiguous ``[q | k | v]`` slab of
``3C / heads`` channels. ``impl='sdpa'`` reads the same slabs and calls
``torch.nn.functional.scaled_dot_product_attention``; it computes the same
function (checked in ``tests/models/test_attention.py``) and is faster and
lighter in memory. ``impl='legacy'`` is the literal einsum formulation.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .unet_blocks import AttentionLayer, GroupNorm32

ATTENTION_IMPLS = ('sdpa', 'legacy')


def legacy_qkv_attention(qkv: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Multi-head attention exactly as the official ``QKVAttention``.

    Args:
        qkv: ``(B, 3C, T)`` output of the qkv projection.
        num_heads: Number of heads.

    Returns:
        ``(B, C, T)`` attended values.
    """
    b, width, length = qkv.shape
    qkv = qkv.reshape(b * num_heads, width // num_heads, length)
    ch = qkv.shape[1] // 3
    q, k, v = torch.split(qkv, ch, dim=1)
    scale = 1 / math.sqrt(math.sqrt(ch))
    weight = torch.einsum('bct,bcs->bts', q * scale, k * scale)
    weight = torch.softmax(weight.float(), dim=-1).to(weight.dtype)
    out = torch.einsum('bts,bcs->bct', weight, v)
    return out.reshape(b, -1, length)


def sdpa_qkv_attention(qkv: torch.Tensor, num_heads: int) -> torch.Tensor:
    """The same function as :func:`legacy_qkv_attention`, through SDPA.

    Args:
        qkv: ``(B, 3C, T)`` output of the qkv projection.
        num_heads: Number of heads.

    Returns:
        ``(B, C, T)`` attended values.
    """
    b, width, length = qkv.shape
    ch = width // (3 * num_heads)
    # (B, heads, 3, ch, T) then (3, B, heads, T, ch): the legacy slab order.
    q, k, v = qkv.reshape(b, num_heads, 3, ch, length).permute(2, 0, 1, 4, 3)
    out = F.scaled_dot_product_attention(q, k, v)
    return out.transpose(-1, -2).reshape(b, num_heads * ch, length)


class AttentionBlock(AttentionLayer):
    """GroupNorm -> 1x1 qkv conv1d -> multi-head attention -> 1x1 projection.

    Args:
        channels: Channels of the feature map.
        num_heads: Attention heads; must divide ``channels``.
        num_groups: GroupNorm groups.
        impl: ``'sdpa'`` (default) or ``'legacy'``; same function.
    """

    def __init__(self,
                 channels: int,
                 num_heads: int = 1,
                 num_groups: int = 32,
                 impl: str = 'sdpa') -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'num_heads={num_heads} does not divide '
                             f'channels={channels}')
        if impl not in ATTENTION_IMPLS:
            raise ValueError(f'impl must be one of {ATTENTION_IMPLS}, '
                             f'got {impl!r}')
        self.num_heads = num_heads
        self.impl = impl
        self.norm = GroupNorm32(num_groups, channels)
        self.qkv = nn.Conv1d(channels, channels * 3, 1)
        self.proj_out = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor, impl: Optional[str] = None
                ) -> torch.Tensor:
        """``(B, C, H, W)`` in and out; ``impl`` overrides :attr:`impl` for
        this call only (the module is shared by concurrent callers)."""
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        qkv = self.qkv(self.norm(flat))
        attend = (sdpa_qkv_attention if (impl or self.impl) == 'sdpa' else
                  legacy_qkv_attention)
        out = self.proj_out(attend(qkv, self.num_heads))
        return (flat + out).reshape(b, c, h, w)
