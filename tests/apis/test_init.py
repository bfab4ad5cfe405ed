import pytest
from mmengine.config import Config

from segrefiner.apis import init_refiner
from segrefiner.models import SegRefiner


def test_from_path_dict_and_config(tiny_config):
    a = init_refiner(tiny_config)
    b = init_refiner(Config.fromfile(tiny_config))
    c = init_refiner(Config.fromfile(tiny_config).model.to_dict())
    for m in (a, b, c):
        assert isinstance(m, SegRefiner) and not m.training
        assert m.denoise_model.model_channels == 32
    assert a.cfg.model.type == 'SegRefiner'


def test_cfg_options_override_one_field(tiny_config):
    m = init_refiner(tiny_config,
                     cfg_options={'model.denoise_model.model_channels': 64})
    assert m.denoise_model.model_channels == 64
    assert m.denoise_model.num_timesteps == 6


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.py'):
        init_refiner(str(tmp_path / 'missing.py'))
    with pytest.raises(TypeError, match='not a SegRefiner'):
        init_refiner(dict(model=dict(type='SegRefinerMaskLoss')))
    with pytest.raises(TypeError):
        init_refiner(42)
