"""tools/widen_unet.py: a UNet widened to twice its channels keeps its
function and trains away from it."""
import os
import runpy

import pytest
import torch

from segrefiner.apis import init_refiner
from segrefiner.models.unet import SegRefinerUNet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'widen_unet.py')
WIDE_CONFIG = os.path.join(ROOT, 'configs', 'segrefiner',
                           'segrefiner_demo_wide.py')
TOOL_NS = runpy.run_path(TOOL)


def _unet(width):
    torch.manual_seed(width)
    return SegRefinerUNet(model_channels=width, num_res_blocks=1,
                          channel_mult=(1, 2), attention_strides=(2, ),
                          num_heads=2, num_groups=4).eval()


def _randomise(model):
    # trained-looking weights: GroupNorm affine and the last conv non-trivial
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))


def test_widened_unet_computes_the_same_function():
    small, wide = _unet(8), _unet(16)
    _randomise(small)
    wide.load_state_dict(TOOL_NS['widen_state_dict'](small, wide, seed=0))
    x, t = torch.randn(2, 4, 16, 16), torch.tensor([0, 5])
    with torch.no_grad():
        expected, got = small(x, t), wide(x, t)
    assert expected.abs().max() > 1e-2
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_copies_of_a_channel_do_not_stay_copies():
    small, wide = _unet(8), _unet(16)
    _randomise(small)
    wide.load_state_dict(TOOL_NS['widen_state_dict'](small, wide, seed=0))
    conv = wide.input_blocks[1][0].in_layers[2]  # consumer of copied inputs
    assert not torch.equal(conv.weight[:, 0], conv.weight[:, 1])
    wide.train()
    loss = wide(torch.randn(2, 4, 16, 16), torch.tensor([1, 2])).square()
    loss.mean().backward()
    grad = wide.input_blocks[0][0].weight.grad  # producer of the copies
    assert not torch.allclose(grad[0], grad[1])


def test_a_model_of_the_same_width_is_copied_unchanged():
    small = _unet(8)
    _randomise(small)
    state = TOOL_NS['widen_state_dict'](small, _unet(8))
    for key, value in small.state_dict().items():
        assert torch.equal(state[key], value), key


def test_a_width_that_is_not_doubled_is_refused():
    with pytest.raises(ValueError, match='not a doubling'):
        TOOL_NS['widen_state_dict'](_unet(8), _unet(24))


def test_cli_widens_the_embedded_model_for_the_wide_config(tmp_path,
                                                           run_tool):
    out = tmp_path / 'wide.safetensors'
    code, cap = run_tool('demo', 'demo', WIDE_CONFIG, out)
    assert code == 0, cap.err
    assert 'max output gap' in cap.out
    wide = init_refiner(WIDE_CONFIG, str(out))
    assert wide.denoise_model.model_channels == 64
