"""A refiner hosted inside another framework's model: building and images.

The mmseg and mmdet adapters (:mod:`segrefiner.mmseg`,
:mod:`segrefiner.mmdet`) both hold a :class:`SegRefiner` as the ``refiner``
submodule of a segmentor or detector. They share three needs, met here
without importing either framework:

* :func:`build_hosted_refiner` builds the refiner from the ``refiner=dict``
  of a host config and loads the refiner's *own* checkpoint: the official
  LR weights from the cache unless the config names other weights, so a
  host never runs a randomly initialised refiner by accident. The host's
  checkpoint (a stock mmseg/mmdet ``.pth``) has no ``refiner.*`` keys, so a
  load-state-dict pre-hook keeps the refiner's weights wherever the incoming
  state dict lacks them: strict loads succeed and nothing is reported
  missing. mmengine's ``load_state_dict`` (``mmengine/runner/
  checkpoint.py``, v0.10.7) and torch's both run these hooks per module.
* :func:`host_image` recovers the original image that the host's
  predictions (at ``ori_shape``, ``rescale=True``) refer to: the file at
  ``img_path`` decoded like mmcv's ``LoadImageFromFile`` (cv2,
  ``IMREAD_COLOR``), or, for in-memory inputs, the preprocessed batch
  inverted (de-normalise, drop the bottom/right padding beyond
  ``img_shape``, un-flip, channel order, resize to the target size).
* :func:`hosted_generator`: the sampling generator of one prediction call,
  seeded from ``refiner.test_cfg['seed']`` when set.
"""
from typing import Mapping, Optional, Sequence

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .apis.init import init_refiner
from .io import read_image_file
from .model_zoo import is_model_name
from .models import SegRefiner

#: Keys of a host's ``refiner=dict(...)`` that are not SegRefiner arguments.
ADAPTER_KEYS = ('config', 'checkpoint', 'trust_checkpoint')
#: The refiner weights of a host config that names none: LR-SegRefiner.
DEFAULT_HOSTED_WEIGHTS = 'lr'
FLIP_DIMS = dict(horizontal=(2, ), vertical=(1, ), diagonal=(1, 2))


def _keep_own_weights(module: nn.Module, state_dict: dict, prefix: str,
                      *args) -> None:
    """Load-state-dict pre-hook: fill the refiner keys a checkpoint lacks."""
    for key, value in module.state_dict().items():
        state_dict.setdefault(prefix + key, value)


def build_hosted_refiner(cfg: Mapping) -> SegRefiner:
    """Build the refiner of a host model's ``refiner=dict(...)``.

    Args:
        cfg: A ``SegRefiner`` model config plus optional keys:
            ``config``, a refiner config file (``segrefiner::NAME`` for a
            config of the package) whose ``model`` the other
            keys override, or a named model (``'lr'``, ``'hr'``,
            ``'demo'``; default: the dict alone is the model config, whose
            defaults are the official LR model); ``checkpoint``, the
            refiner's weights: absent or ``None`` means the named model's,
            else ``'lr'`` (the official LR release from the cache
            ``$SEGREFINER_HOME``), also
            ``'hr'``, ``'demo'``, a file, or ``'random'`` for random
            initial weights (tests); ``trust_checkpoint=True`` to unpickle a
            trusted file without restrictions. Inference settings go in
            ``test_cfg``; ``test_cfg=dict(seed=0)`` makes the sampling
            reproducible.

    Returns:
        The refiner in eval mode with frozen weights, marked initialised
        (a host's ``init_weights`` leaves it alone) and keeping its weights
        when a host checkpoint without ``refiner.*`` keys is loaded.

    Raises:
        MissingWeightsError: The named weights are not in the cache; the
            message names the file and how to get it.

    Example:
        >>> refiner = build_hosted_refiner(dict(
        ...     config='segrefiner::segrefiner/segrefiner_tiny.py',
        ...     checkpoint='random', test_cfg=dict(model_size=64, seed=0)))
        >>> refiner.test_cfg['model_size'], refiner.training
        (64, False)
    """
    options = {k: v for k, v in cfg.items() if k not in ADAPTER_KEYS}
    config, checkpoint = cfg.get('config'), cfg.get('checkpoint')
    if checkpoint is None and not is_model_name(config):
        checkpoint = DEFAULT_HOSTED_WEIGHTS
    trust = bool(cfg.get('trust_checkpoint', False))
    if config is None:
        refiner = init_refiner(dict(model=options), checkpoint,
                               trust_checkpoint=trust)
    else:
        refiner = init_refiner(config, checkpoint,
                               cfg_options=dict(model=options),
                               trust_checkpoint=trust)
    refiner.requires_grad_(False)
    refiner._is_init = True
    refiner._register_load_state_dict_pre_hook(_keep_own_weights,
                                               with_module=True)
    return refiner


def hosted_generator(refiner: SegRefiner) -> Optional[torch.Generator]:
    """The generator for one prediction call (``None``: torch's global)."""
    seed = refiner.test_cfg.get('seed')
    if seed is None:
        return None
    return torch.Generator(device=refiner.device).manual_seed(int(seed))



def _read_color(path: str) -> Optional[np.ndarray]:
    """RGB ``uint8`` array of a local file decoded as ``LoadImageFromFile``
    does by default (cv2, ``IMREAD_COLOR``, EXIF orientation applied);
    ``None`` when it is not a readable local file."""
    try:
        image = read_image_file(path, cv2.IMREAD_COLOR)
    except (OSError, ValueError):
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def host_image(inputs: torch.Tensor, meta: Mapping,
               preprocessor: nn.Module,
               shape: Sequence[int]) -> torch.Tensor:
    """The original RGB image of one preprocessed input, at ``shape``.

    Args:
        inputs: ``(3, H, W)`` preprocessed (normalised, resized, padded)
            image of the batch, as the host's ``predict`` receives it.
        meta: Its sample's metainfo (``img_path``, ``img_shape``, ``flip``,
            ``flip_direction``; all optional).
        preprocessor: The host's data preprocessor (mmengine's
            ``ImgDataPreprocessor`` or mmseg's ``SegDataPreProcessor``):
            ``mean``, ``std``, ``_enable_normalize`` and the BGR/RGB swap
            flag (``_channel_conversion`` or ``channel_conversion``).
        shape: ``(h, w)`` of the predictions, normally ``ori_shape``.

    Returns:
        ``(3, h, w)`` uint8 RGB tensor on ``inputs.device``: the file at
        ``img_path`` if it has that size, else the inverted input.

    Example:
        >>> image = host_image(inputs[0], sample.metainfo,
        ...                    model.data_preprocessor, sample.ori_shape)
    """
    shape = tuple(int(s) for s in shape[:2])
    path = meta.get('img_path')
    if isinstance(path, str):
        array = _read_color(path)
        if array is not None and array.shape[:2] == shape:
            return torch.from_numpy(array).to(inputs.device).permute(2, 0, 1)
    image = inputs.float()
    if getattr(preprocessor, '_enable_normalize', False):
        image = image * preprocessor.std + preprocessor.mean
    height, width = meta.get('img_shape', image.shape[-2:])[:2]
    image = image[:, :height, :width]
    if meta.get('flip', False):
        image = image.flip(FLIP_DIMS[meta.get('flip_direction',
                                              'horizontal')])
    swapped = getattr(preprocessor, '_channel_conversion',
                      getattr(preprocessor, 'channel_conversion', False))
    if not swapped:  # the loaders give BGR; the model saw BGR
        image = image[[2, 1, 0]]
    if tuple(image.shape[-2:]) != shape:
        image = F.interpolate(image[None], size=shape, mode='bilinear',
                              align_corners=False)[0]
    return image.round().clamp(0, 255).to(torch.uint8)
