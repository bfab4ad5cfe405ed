import warnings

import pytest
import torch
from mmengine.config import Config

from segrefiner.apis import RandomWeightsWarning, init_refiner
from segrefiner.models import SegRefiner


def test_from_path_dict_and_config(tiny_config):
    a = init_refiner(tiny_config, 'random')
    b = init_refiner(Config.fromfile(tiny_config), 'random')
    c = init_refiner(Config.fromfile(tiny_config).model.to_dict(), 'random')
    for m in (a, b, c):
        assert isinstance(m, SegRefiner) and not m.training
        assert m.denoise_model.model_channels == 32
    assert a.cfg.model.type == 'SegRefiner'


def test_random_weights_are_seeded_here_and_leave_the_global_rng(
        tiny_config):
    torch.manual_seed(5)
    state = torch.get_rng_state()
    a = init_refiner(tiny_config, 'random')
    assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG
    torch.manual_seed(6)
    b = init_refiner(tiny_config, 'random')
    torch.manual_seed(0)  # what the tools did themselves before
    c = SegRefiner(**{k: v for k, v in a.cfg.model.items() if k != 'type'})
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
        assert torch.equal(value, c.state_dict()[key]), key


def test_cfg_options_override_one_field(tiny_config):
    m = init_refiner(tiny_config, 'random',
                     cfg_options={'model.denoise_model.model_channels': 64})
    assert m.denoise_model.model_channels == 64
    assert m.denoise_model.num_timesteps == 6


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.py'):
        init_refiner(str(tmp_path / 'missing.py'))
    with pytest.raises(TypeError, match='not a SegRefiner'):
        init_refiner(dict(model=dict(type='SegRefinerMaskLoss')), 'random')
    with pytest.raises(TypeError):
        init_refiner(42)


def test_named_models(lr_home, assert_standin_weights):
    demo = init_refiner('demo')
    default = init_refiner()
    for key, value in default.state_dict().items():
        assert torch.equal(demo.state_dict()[key], value), key
    lr = init_refiner('lr')  # the official model, weights from the cache
    assert lr.denoise_model.model_channels == 128
    assert_standin_weights(lr)
    assert lr.cfg.model.type == 'SegRefiner'


def test_named_weights_for_a_config(tiny_config, weights_home):
    with pytest.raises(FileNotFoundError, match='segrefiner_hr_latest.pth'):
        init_refiner('hr')  # fails before the model is built
    with pytest.raises(FileNotFoundError, match='segrefiner_lr_latest.pth'):
        init_refiner(tiny_config, 'lr')
    random = init_refiner('lr',
                          'random',
                          cfg_options={
                              'model.denoise_model.model_channels': 32,
                              'model.denoise_model.channel_mult': (1, 2)
                          })
    assert random.denoise_model.model_channels == 32


def test_a_config_needs_a_checkpoint(tiny_config):
    for config in (tiny_config, Config.fromfile(tiny_config)):
        with pytest.raises(ValueError, match="no checkpoint.*'random'"):
            init_refiner(config)


def test_random_weights_are_said_and_real_ones_are_not(tiny_config,
                                                       tmp_path):
    with pytest.warns(RandomWeightsWarning,
                      match='segrefiner_tiny.py: random initial weights'):
        model = init_refiner(tiny_config, 'random')
    path = tmp_path / 'tiny.pth'
    torch.save(model.state_dict(), path)
    with warnings.catch_warnings():
        warnings.simplefilter('error', RandomWeightsWarning)
        loaded = init_refiner(tiny_config, str(path))
        init_refiner()  # the embedded demo model and its weights
    assert torch.equal(loaded.denoise_model.out[2].weight,
                       model.denoise_model.out[2].weight)
    with pytest.warns(RandomWeightsWarning, match='demo: random initial'):
        init_refiner('demo', 'random')


def test_random_weights_are_said_by_the_main_process_only(tiny_config,
                                                          monkeypatch):
    import segrefiner.apis.init as init
    monkeypatch.setattr(init, 'is_main_process', lambda: False)  # rank 1
    with warnings.catch_warnings():
        warnings.simplefilter('error', RandomWeightsWarning)
        init_refiner(tiny_config, 'random')
