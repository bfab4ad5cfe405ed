"""Building a ready-to-use refiner from a named model, or a config and a
checkpoint (names and the weights cache: :mod:`segrefiner.model_zoo`)."""
import os
import warnings
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import MODELS

from ..checkpoints import load_refiner_weights
from ..model_zoo import (NAMED_MODELS, RANDOM_WEIGHTS, RandomWeightsWarning,
                         is_model_name, resolve_checkpoint)
from ..models import SegRefiner
from ..registry import config_path

#: The seed of random initial weights (checkpoint ``'random'``): every run
#: and every process of a run gets the same model.
RANDOM_WEIGHTS_SEED = 0

#: The embedded default model (``init_refiner()``): the named model 'demo'.
DEFAULT_MODEL = 'demo'
DEFAULT_CONFIG = NAMED_MODELS[DEFAULT_MODEL].config


def load_config(config: Union[str, os.PathLike, dict, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """A :class:`Config` from a path (also ``segrefiner::NAME``, a config
    of the package), a dict or a Config, with overrides."""
    if isinstance(config, (str, os.PathLike)):
        path = config_path(config)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'config not found: {config}')
        cfg = Config.fromfile(path)
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
                 cfg_options: Optional[dict] = None,
                 trust_checkpoint: bool = False) -> SegRefiner:
    """Build a :class:`SegRefiner` in eval mode with its weights.

    The one place that decides about random weights: a model gets them
    only when ``checkpoint='random'`` asks for them, and then a
    :class:`~segrefiner.model_zoo.RandomWeightsWarning` says so, on the main
    process of a distributed run (every tool builds its model here, so each
    says it the same way).

    Args:
        config: A named model, ``'demo'`` (the embedded default, also
            ``None``), ``'lr'`` or ``'hr'`` (the official models, weights
            from the cache ``$SEGREFINER_HOME``); or a config file (also
            ``segrefiner::NAME``, a config of the package), dict or
            :class:`Config` whose ``model`` (or the whole dict, if it has no
            ``model``) is a ``SegRefiner`` config.
        checkpoint: The weights: a file (an official release or a project
            checkpoint), a named model's weights (``'lr'``, ``'hr'``,
            ``'demo'``) or ``'random'`` (random initial weights, seeded
            with :data:`RANDOM_WEIGHTS_SEED` whatever the global RNG, with
            a warning). ``None`` means the named model's own weights when
            ``config`` is a name; a config file, dict or Config needs one.
        device: Device to put the model on.
        cfg_options: Overrides merged into the config, e.g.
            ``{'model.denoise_model.model_channels': 32}``.
        trust_checkpoint: Unpickle the checkpoint without restrictions.
            By default a file is read as data (tensors, containers, numbers,
            numpy values) and one whose pickle needs code is refused; pass
            ``True`` only for a file you trust.

    Returns:
        The model, in eval mode, with ``model.cfg`` set.

    Raises:
        ValueError: A config that is not a named model, without
            ``checkpoint``.
        MissingWeightsError: A named model's weights are not in the cache
            (the message names the file and how to get it).

    Example:
        >>> model = init_refiner('lr')  # $SEGREFINER_HOME/segrefiner_lr_latest.pth
        >>> model = init_refiner('segrefiner::segrefiner/segrefiner_tiny.py',
        ...                      'random')  # RandomWeightsWarning
        >>> model.training
        False
    """
    if config is None:
        config = DEFAULT_MODEL
    source = (os.fspath(config) if isinstance(config, (str, os.PathLike))
              else 'the config')
    if is_model_name(config):
        checkpoint = config if checkpoint is None else checkpoint
        config = NAMED_MODELS[config].config
    cfg = load_config(config, cfg_options)
    if checkpoint is None:
        raise ValueError(f'{source}: no checkpoint: name the weights (a '
                         "file, or 'lr', 'hr', 'demo'), or "
                         f"'{RANDOM_WEIGHTS}' for random initial weights")
    path = resolve_checkpoint(checkpoint)  # fails before the model is built
    # Random weights are seeded here, and only here, without touching the
    # caller's global RNG; loaded weights replace whatever the build drew.
    with torch.random.fork_rng(devices=[], enabled=path is None):
        if path is None:
            torch.manual_seed(RANDOM_WEIGHTS_SEED)
        model = MODELS.build(cfg.model if 'model' in cfg else cfg.to_dict())
    if not isinstance(model, SegRefiner):
        raise TypeError(f'{source}: the model is a {type(model).__name__}, '
                        'not a SegRefiner')
    if path is None and is_main_process():  # once per distributed run
        warnings.warn(f'{source}: random initial weights (checkpoint '
                      f"'{RANDOM_WEIGHTS}'): its refinements are "
                      'meaningless', RandomWeightsWarning, stacklevel=2)
    if path is not None:
        load_refiner_weights(model, path, trust_checkpoint)
    model.cfg = cfg
    return model.to(device).eval()
