"""Building a ready-to-use refiner from a config and a checkpoint."""
import os
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from ..checkpoint import load_refiner_weights
from ..models import SegRefiner

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CONFIG = os.path.join(PACKAGE_DIR, 'model_zoo', 'demo_config.py')
DEFAULT_CHECKPOINT = os.path.join(PACKAGE_DIR, 'model_zoo', 'demo.pth')


def load_config(config: Union[str, os.PathLike, dict, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """A :class:`Config` from a path, a dict or a Config, with overrides."""
    if isinstance(config, (str, os.PathLike)):
        if not os.path.isfile(config):
            raise FileNotFoundError(f'config not found: {config}')
        cfg = Config.fromfile(os.fspath(config))
    elif isinstance(config, Config):
        cfg = config.copy()
    elif isinstance(config, dict):
        cfg = Config(config)
    else:
        raise TypeError('config must be a path, a dict or a Config, got '
                        f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def init_refiner(config: Union[str, os.PathLike, dict, Config, None] = None,
                 checkpoint: Union[str, os.PathLike, None] = None,
                 device: Union[str, torch.device] = 'cpu',
                 cfg_options: Optional[dict] = None) -> SegRefiner:
    """Build a :class:`SegRefiner` in eval mode, optionally with weights.

    Args:
        config: Config file, dict or :class:`Config` whose ``model`` (or the
            whole dict, if it has no ``model``) is a ``SegRefiner`` config.
            ``None`` means the embedded default model with its bundled
            weights.
        checkpoint: An official released file or a project checkpoint.
        device: Device to put the model on.
        cfg_options: Overrides merged into the config, e.g.
            ``{'model.denoise_model.model_channels': 32}``.

    Returns:
        The model, in eval mode, with ``model.cfg`` set.

    Example:
        >>> model = init_refiner('configs/segrefiner/segrefiner_tiny.py')
        >>> model.training
        False
    """
    if config is None:
        config = DEFAULT_CONFIG
        checkpoint = DEFAULT_CHECKPOINT if checkpoint is None else checkpoint
        if not os.path.isfile(DEFAULT_CHECKPOINT):
            raise FileNotFoundError(
                f'the embedded default model is missing ({DEFAULT_CHECKPOINT});'
                ' pass a config and a checkpoint')
    cfg = load_config(config, cfg_options)
    model = MODELS.build(cfg.model if 'model' in cfg else cfg.to_dict())
    if not isinstance(model, SegRefiner):
        raise TypeError(f'{config}: the model is a {type(model).__name__}, '
                        'not a SegRefiner')
    if checkpoint is not None:
        load_refiner_weights(model, checkpoint)
    model.cfg = cfg
    return model.to(device).eval()
