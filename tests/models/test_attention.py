import pytest
import torch

from segrefiner.models.attention import (AttentionBlock, legacy_qkv_attention,
                                         sdpa_qkv_attention)


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
