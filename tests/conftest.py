"""Shared fixtures: the tiny refiner config, the repository root, a
malicious checkpoint and a stand-in for the official LR release."""
import os
import shutil

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
    return init_refiner(TINY_CONFIG, 'random')


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
                   options=None, land=-1):
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



class CreatesFile:
    """Unpickling this calls ``open(path, 'w')``: the file appears."""

    def __init__(self, path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, 'w'))


@pytest.fixture
def malicious_checkpoint(tmp_path):
    """``(path, marker)``: a checkpoint of the tiny config whose weights are
    valid and whose ``meta`` creates ``marker`` when unpickled."""
    from segrefiner.apis import init_refiner
    marker = tmp_path / 'created_by_the_pickle'
    path = tmp_path / 'evil.pth'
    state = init_refiner(TINY_CONFIG, 'random').state_dict()
    torch.save(dict(state_dict=state, meta=dict(note=CreatesFile(marker))),
               path)
    return path, marker


def standin_value(index: int) -> float:
    """The value of every element of the stand-in's ``index``-th tensor."""
    return (index + 1) / 1024


@pytest.fixture(scope='session')
def official_standin(tmp_path_factory) -> str:
    """A stand-in ``segrefiner_lr_latest.pth``: the official release's layout
    (a raw state dict, ``denoise_model.*`` plus ``loss_texture.*``), every
    tensor constant (:func:`standin_value`) and stored as one element
    expanded, so the 118.6M-parameter file takes a few kB."""
    from segrefiner.models import SegRefiner
    with torch.device('meta'):
        shapes = {k: v.shape for k, v in SegRefiner().state_dict().items()}
    state = {
        k: torch.full((1, ), standin_value(i)).expand(shape)
        for i, (k, shape) in enumerate(shapes.items())
    }
    for axis in ('x', 'y'):
        state[f'loss_texture.sobel.conv_{axis}.weight'] = torch.zeros(
            1, 1, 3, 3)
    path = tmp_path_factory.mktemp('standin') / 'segrefiner_lr_latest.pth'
    torch.save(state, path)
    return str(path)


@pytest.fixture
def weights_home(tmp_path, monkeypatch) -> str:
    """An empty ``SEGREFINER_HOME`` for this test."""
    home = tmp_path / 'segrefiner_home'
    home.mkdir()
    monkeypatch.setenv('SEGREFINER_HOME', str(home))
    return str(home)


@pytest.fixture
def lr_home(weights_home, official_standin) -> str:
    """A ``SEGREFINER_HOME`` holding the LR stand-in under its release name."""
    shutil.copy(official_standin, weights_home)
    return weights_home


@pytest.fixture(scope='session')
def assert_standin_weights():
    """A check that every tensor of a SegRefiner holds the stand-in's."""

    def check(model) -> None:
        for i, (key, value) in enumerate(model.state_dict().items()):
            assert bool((value == standin_value(i)).all()), key

    return check
