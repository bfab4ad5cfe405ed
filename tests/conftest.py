"""Shared fixtures: the tiny refiner config and the repository root."""
import os

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY_CONFIG = os.path.join(ROOT, 'configs', 'segrefiner',
                           'segrefiner_tiny.py')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return ROOT


@pytest.fixture(scope='session')
def tiny_config() -> str:
    return TINY_CONFIG


@pytest.fixture
def tiny_refiner():
    """A freshly initialised tiny SegRefiner in eval mode (seeded)."""
    from segrefiner.apis import init_refiner
    torch.manual_seed(0)
    return init_refiner(TINY_CONFIG)


@pytest.fixture
def identity_refiner():
    """A tiny SegRefiner whose ``refine`` returns its coarse input.

    Records the batch sizes and resolutions it was called with in
    ``model.calls``; ``model_size`` is 64 to keep tests fast.
    """
    from segrefiner.models import SegRefiner

    class Identity(SegRefiner):

        def refine(self, images, coarse, steps=None, generator=None,
                   timesteps=None, prior=None, return_fine_probs=False,
                   options=None):
            self.calls.append(tuple(images.shape))
            out = (coarse >= 0.5).float()
            if return_fine_probs:
                # confident everywhere except along the mask boundary
                edge = torch.nn.functional.max_pool2d(out, 3, 1, 1) - (
                    -torch.nn.functional.max_pool2d(-out, 3, 1, 1))
                return out, 0.8 * (1 - 0.5 * edge)
            return out

    model = Identity(
        denoise_model=dict(model_channels=32, num_res_blocks=1,
                           channel_mult=(1, 2), attention_strides=(2, ),
                           num_heads=2),
        test_cfg=dict(model_size=64)).eval()
    model.calls = []
    return model

