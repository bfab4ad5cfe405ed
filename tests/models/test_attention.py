"""Attention: the SDPA path against the official head split, and memory
that grows with the tokens, not their square."""
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from segrefiner.models import SegRefinerUNet, UNetRunner, resolve_forward_mode
from segrefiner.models.attention import (AttentionBlock, legacy_qkv_attention,
                                         sdpa_token_attention,
                                         split_qkv_tokens)


def sdpa_qkv_attention(qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """The block's SDPA path on the legacy ``(B, 3C, T)`` layout."""
    return sdpa_token_attention(qkv.transpose(1, 2), heads).transpose(1, 2)


def peak_bytes(fn) -> int:
    """Peak of the bytes torch's CPU allocator holds while ``fn`` runs,
    above what it held before (from the profiler's allocation events)."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as p:
        fn()
    events = sorted((e.start_ns(), e.nbytes())
                    for e in p.profiler.kineto_results.events()
                    if e.name() == '[memory]')
    held = peak = 0
    for _, nbytes in events:
        held += nbytes
        peak = max(peak, held)
    return peak


@pytest.mark.parametrize('channels,heads,size', [(512, 4, 16), (512, 4, 8),
                                                 (64, 2, 5), (96, 3, 7)])
def test_sdpa_equals_the_official_legacy_head_split(channels, heads, size):
    torch.manual_seed(channels + heads)
    qkv = torch.randn(2, 3 * channels, size * size) * 3
    ref = legacy_qkv_attention(qkv, heads)
    out = sdpa_qkv_attention(qkv, heads)
    assert out.shape == ref.shape == (2, channels, size * size)
    assert ((out - ref).norm() / ref.norm()).item() < 1e-5


def test_legacy_split_gives_each_head_a_contiguous_qkv_slab():
    # With 2 heads of 1 channel, head h reads rows [3h, 3h+1, 3h+2] as q, k, v.
    qkv = torch.zeros(1, 6, 2)
    qkv[0, 2] = torch.tensor([1., 2.])  # head 0 value
    qkv[0, 5] = torch.tensor([10., 20.])  # head 1 value
    # zero q/k: uniform attention, so each output is the mean of its values
    for fn in (legacy_qkv_attention, sdpa_qkv_attention):
        out = fn(qkv, 2)
        torch.testing.assert_close(out[0, 0], torch.tensor([1.5, 1.5]))
        torch.testing.assert_close(out[0, 1], torch.tensor([15., 15.]))


def test_block_is_residual_and_checks_heads():
    block = AttentionBlock(64, num_heads=4)
    with torch.no_grad():
        block.proj_out.weight.zero_()
        block.proj_out.bias.zero_()
    x = torch.randn(2, 64, 4, 4)
    torch.testing.assert_close(block(x), x)
    with pytest.raises(ValueError, match='does not divide'):
        AttentionBlock(64, num_heads=3)


@pytest.mark.parametrize('layout', [torch.contiguous_format,
                                    torch.channels_last])
def test_sdpa_block_equals_legacy_and_keeps_the_layout(layout):
    torch.manual_seed(0)
    block = AttentionBlock(96, num_heads=3).eval()
    x = torch.randn(2, 96, 6, 7).contiguous(memory_format=layout)
    with torch.no_grad():
        block.impl = 'legacy'
        ref = block(x)
        block.impl = 'sdpa'
        out = block(x)
    assert out.is_contiguous(memory_format=layout)
    assert ((out - ref).norm() / ref.norm()).item() < 1e-5


def test_split_hands_sdpa_unit_stride_channels():
    # A last stride other than 1 sends SDPA to its math fallback (T x T).
    q, k, v = split_qkv_tokens(torch.randn(2, 50, 3 * 64), 4)
    assert q.shape == (2, 4, 50, 16)
    assert q.stride(-1) == k.stride(-1) == v.stride(-1) == 1


def test_block_memory_grows_with_tokens_not_their_square():
    # 1,024 and 4,096 tokens: the legacy T x T weights (2 heads x 4 B x T^2,
    # 128 MiB at 4,096) grow 16x; the fused SDPA kernel's memory about 4x.
    block = AttentionBlock(64, num_heads=2).eval()
    peaks = {}
    for impl in ('legacy', 'sdpa'):
        block.impl = impl
        for side in (32, 64):
            x = torch.randn(1, 64, side, side)
            with torch.no_grad():
                peaks[impl, side] = peak_bytes(lambda: block(x))
    assert peaks['legacy', 64] > 12 * peaks['legacy', 32]
    assert peaks['legacy', 64] > 2 * 4 * 4096**2  # the probe sees T x T
    assert peaks['sdpa', 64] < 5 * peaks['sdpa', 32]
    assert peaks['sdpa', 64] < peaks['legacy', 64] / 20


def test_fast_path_unet_attention_at_4096_tokens_stays_linear():
    # Attention at stride 1 of a 64 px crop: 4,096 tokens per block.
    torch.manual_seed(0)
    unet = SegRefinerUNet(model_channels=32, channel_mult=(1, 2),
                          attention_strides=(1, ), num_heads=2).eval()
    x, t = torch.randn(1, 4, 64, 64), torch.tensor([3])
    peaks = {}
    for fast in (False, True):
        run = UNetRunner(unet, resolve_forward_mode(fast, 'fp32', 'cpu'))
        with torch.no_grad():
            peaks[fast] = peak_bytes(lambda: run(x, t))
    square = 2 * 4 * 4096**2  # one block's T x T weights, 2 heads, fp32
    assert peaks[False] > square
    assert peaks[True] < square / 4
