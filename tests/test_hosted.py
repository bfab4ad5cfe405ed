"""build_hosted_refiner: a host's refiner never gets random weights by
accident."""
import pytest
import torch

from segrefiner.apis import init_refiner
from segrefiner.hosted import build_hosted_refiner
from segrefiner.model_zoo import MissingWeightsError, RandomWeightsWarning


def test_without_checkpoint_the_official_lr_weights_are_required(
        weights_home, tiny_config):
    for cfg in (dict(type='SegRefiner'), dict(config=tiny_config),
                dict(type='SegRefiner', checkpoint=None)):
        with pytest.raises(MissingWeightsError,
                           match='segrefiner_lr_latest.pth'):
            build_hosted_refiner(cfg)


def test_named_random_and_file_weights(weights_home, tiny_config, tmp_path):
    demo = build_hosted_refiner(dict(config='demo', test_cfg=dict(seed=0)))
    expected = init_refiner('demo').state_dict()
    for key, value in demo.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert demo.test_cfg['seed'] == 0 and not demo.training
    with pytest.warns(RandomWeightsWarning):
        random = build_hosted_refiner(dict(config=tiny_config,
                                           checkpoint='random'))
    path = tmp_path / 'tiny.pth'
    torch.save(random.state_dict(), path)
    loaded = build_hosted_refiner(dict(config=tiny_config,
                                       checkpoint=str(path)))
    assert torch.equal(loaded.denoise_model.out[2].weight,
                       random.denoise_model.out[2].weight)


def test_refiner_test_cfg_carries_the_steps_options():
    # what the mmseg/mmdet adapters' refiner=dict(...) gives each call
    refiner = build_hosted_refiner(dict(
        config='demo', test_cfg=dict(steps=3, early_exit=True)))
    options = refiner.inference_options()
    assert options.steps == 3 and options.early_exit
    assert refiner.timesteps(options.steps) == [5, 3, 0]
    with pytest.raises(ValueError, match=r'steps must be in 1..6'):
        build_hosted_refiner(dict(config='demo', test_cfg=dict(steps=8)))
