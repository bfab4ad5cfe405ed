"""Spatial self-attention block of the SegRefiner UNet.

Reference: ``AttentionBlock`` / ``QKVAttention`` in the official SegRefiner
``diffusion_unet_head.py`` (itself from openai/improved-diffusion). The
official code uses the *legacy* head split: the ``(B, 3C, T)`` output of the
qkv projection is reshaped to ``(B * heads, 3C / heads, T)`` and only then
split into q, k and v, so each head owns a contiguous ``[q | k | v]`` slab of
``3C / heads`` channels. ``impl='legacy'`` is that literal einsum
formulation; it materialises the ``T x T`` weights of every head.

``impl='sdpa'`` computes the same function (checked in
``tests/models/test_attention.py``) token-major: the 1x1 qkv projection runs
as a ``linear`` over ``(B, T, C)`` tokens, so q, k and v are strided views
``(B, heads, T, ch)`` whose channel dimension has stride 1, the layout that
``scaled_dot_product_attention``'s fused kernels take (PyTorch's
``sdp_utils``: flash attention on CPU; flash or memory-efficient attention
on CUDA). They never hold the ``T x T`` matrix, so the block's memory grows
with the tokens, not their square. With a channels-last feature map the
tokens *are* its memory (``(B, H, W, C)``), so the block runs without a
layout copy; a contiguous map costs one ``(B, T, C)`` copy in the
projection. Handing SDPA q/k/v whose last stride is not 1 (a permuted view
of the ``(B, 3C, T)`` conv output) silently takes its math fallback, which
holds the ``T x T`` matrix like the legacy code.
"""
import math
from typing import Optional, Tuple

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


def split_qkv_tokens(qkv: torch.Tensor, num_heads: int
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """q, k, v of token-major ``(B, T, 3C)`` projections, legacy head split.

    Returns views ``(B, heads, T, C / heads)`` with a unit channel stride
    (``qkv`` is made contiguous first where its last stride is not 1).

    Examples:
        >>> q, k, v = split_qkv_tokens(torch.zeros(2, 10, 3 * 64), 4)
        >>> q.shape, q.stride(-1)
        (torch.Size([2, 4, 10, 16]), 1)
    """
    b, length, width = qkv.shape
    if qkv.stride(-1) != 1:
        qkv = qkv.contiguous()
    # channel index = head * 3ch + {0: q, 1: k, 2: v} * ch + i (legacy slabs)
    slabs = qkv.view(b, length, num_heads, 3, width // (3 * num_heads))
    q, k, v = (s.transpose(1, 2) for s in slabs.unbind(3))
    return q, k, v


def sdpa_token_attention(qkv: torch.Tensor, num_heads: int) -> torch.Tensor:
    """:func:`legacy_qkv_attention` of token-major projections, by SDPA.

    Args:
        qkv: ``(B, T, 3C)`` qkv projections of ``T`` tokens.
        num_heads: Number of heads.

    Returns:
        ``(B, T, C)`` attended values (contiguous where SDPA's output is
        ``(B, T, heads, ch)`` in memory, as its fused kernels write it).
    """
    b, length, width = qkv.shape
    out = F.scaled_dot_product_attention(*split_qkv_tokens(qkv, num_heads))
    return out.transpose(1, 2).reshape(b, length, width // 3)


class AttentionBlock(AttentionLayer):
    """GroupNorm -> 1x1 qkv conv1d -> multi-head attention -> 1x1 projection.

    The output has the memory format of the input (channels-last in,
    channels-last out).

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
        if (impl or self.impl) == 'legacy':
            flat = x.reshape(b, c, h * w)
            qkv = self.qkv(self.norm(flat))
            out = self.proj_out(legacy_qkv_attention(qkv, self.num_heads))
            return (flat + out).reshape(b, c, h, w)
        # (B, C, H, W) -> (B, T, C): a view of a channels-last map.
        tokens = self.norm(x).flatten(2).transpose(1, 2)
        qkv = F.linear(tokens, self.qkv.weight[..., 0], self.qkv.bias)
        out = F.linear(sdpa_token_attention(qkv, self.num_heads),
                       self.proj_out.weight[..., 0], self.proj_out.bias)
        # adding to x's own token view keeps x's layout for the result
        out = x.flatten(2).transpose(1, 2) + out
        return out.transpose(1, 2).reshape(b, c, h, w)
