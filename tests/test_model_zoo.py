"""The embedded config stays the model that segrefiner_demo.py trains."""
from mmengine.config import Config

from segrefiner.apis.init import DEFAULT_CONFIG


def test_embedded_config_equals_the_training_config(repo_root):
    embedded = Config.fromfile(DEFAULT_CONFIG).model
    trained = Config.fromfile(
        f'{repo_root}/configs/segrefiner/segrefiner_demo.py').model
    for key in ('type', 'denoise_model', 'diffusion_cfg'):
        assert embedded[key] == trained[key], key
    for key, value in embedded.test_cfg.items():
        assert trained.test_cfg[key] == value, key
