import os

import pytest
import torch

from segrefiner.models import SegRefinerUNet

SPEC = os.path.join(os.path.dirname(__file__), 'official_unet_keys.tsv')


def read_official_keys():
    rows = []
    with open(SPEC) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            key, shape = line.rstrip('\n').split('\t')
            rows.append((key, tuple(int(s) for s in shape.strip('()').split(',')
                                    if s.strip())))
    return rows


def tiny_unet(**kwargs):
    cfg = dict(model_channels=32, num_res_blocks=1, channel_mult=(1, 2, 2),
               attention_strides=(4, ), num_heads=2)
    cfg.update(kwargs)
    return SegRefinerUNet(**cfg)


def test_official_configuration_matches_released_keys_and_count():
    model = SegRefinerUNet()  # defaults are the official configuration
    official = read_official_keys()
    assert len(official) == 453
    ours = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert ours == official  # same keys, same order, same shapes
    assert sum(p.numel() for p in model.parameters()) == 118_604_673


def test_forward_contract_shape_and_dtype():
    model = tiny_unet().eval()
    x = torch.randn(3, 4, 32, 48)
    out = model(x, torch.tensor([0, 3, 5]))
    assert out.shape == (3, 1, 32, 48)
    assert out.dtype == torch.float32
    out64 = model.double()(x.double(), torch.tensor([0, 3, 5]))
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), out, rtol=1e-4, atol=1e-4)


def test_timesteps_change_the_output():
    model = tiny_unet().eval()
    x = torch.randn(1, 4, 16, 16).expand(2, -1, -1, -1)
    out = model(x, torch.tensor([0, 5]))
    assert not torch.allclose(out[0], out[1])


@pytest.mark.parametrize('num_timesteps', [3, 12])
def test_time_table_follows_num_timesteps(num_timesteps):
    model = tiny_unet(num_timesteps=num_timesteps)
    assert model.time_embed.weight.shape == (num_timesteps, 128)
    x = torch.randn(1, 4, 16, 16)
    model(x, torch.tensor([num_timesteps - 1]))  # the last index is valid
    with pytest.raises(IndexError):
        model(x, torch.tensor([num_timesteps]))


def test_sinusoidal_time_embedding_variant():
    model = tiny_unet(learn_time_embd=False)
    assert [k for k in model.state_dict() if k.startswith('time_embed')] == [
        'time_embed.0.weight', 'time_embed.0.bias', 'time_embed.2.weight',
        'time_embed.2.bias'
    ]
    assert model(torch.randn(2, 4, 16, 16), torch.tensor([1, 4])).shape == (
        2, 1, 16, 16)


def test_rejects_sizes_not_divisible_by_the_downsampling():
    model = tiny_unet()
    with pytest.raises(ValueError, match='multiple of 4'):
        model(torch.randn(1, 4, 18, 16), torch.tensor([0]))


def test_output_conv_is_not_zero_initialised():
    # The official code disables improved-diffusion's zero_module.
    model = tiny_unet()
    assert model.out[2].weight.abs().sum() > 0
    assert model.input_blocks[1][0].out_layers[3].weight.abs().sum() > 0


def test_sdpa_and_legacy_unets_compute_the_same_function():
    torch.manual_seed(0)
    legacy = tiny_unet(attn_impl='legacy').eval()
    sdpa = tiny_unet(attn_impl='sdpa').eval()
    sdpa.load_state_dict(legacy.state_dict())
    x, t = torch.randn(2, 4, 32, 32), torch.tensor([5, 2])
    with torch.no_grad():
        ref, out = legacy(x, t), sdpa(x, t)
    assert ((out - ref).norm() / ref.norm()).item() < 1e-5
