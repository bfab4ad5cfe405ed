"""``init_refined_detector``: ``mmdet.apis.init_detector`` for wrapped configs.

``init_detector`` (``mmdet/apis/inference.py``, mmdet 3.3.0) reads
``config.model.backbone`` when ``cfg_options is None`` to drop the backbone's
pretrained ``init_cfg``; a ``RefinedDetector`` config has its backbone under
``model.detector``, so that line raises ``AttributeError``. Either call
``init_detector(config, checkpoint, cfg_options={})`` or this helper, which
does the same clean-up one level down and then calls ``init_detector``.
"""
from pathlib import Path
from typing import Optional, Union

import torch.nn as nn
from mmdet.apis import init_detector
from mmengine.config import Config

from ..registry import config_path


def init_refined_detector(config: Union[str, Path, Config],
                          checkpoint: Optional[str] = None,
                          palette: str = 'none',
                          device: str = 'cuda:0',
                          cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a ``RefinedDetector`` (or any mmdet model) for inference.

    Same arguments and result as ``mmdet.apis.init_detector``.

    Args:
        config: Config file (also ``segrefiner::NAME``, a config of the
            package, e.g. ``segrefiner::mmdet/...``) or :class:`Config`.
        checkpoint: A stock detector checkpoint (or a wrapped one).
        palette: Visualisation palette, as in ``init_detector``.
        device: Device of the model.
        cfg_options: Overrides merged into the config.

    Returns:
        The model in eval mode, with ``cfg`` and ``dataset_meta`` set.

    Example:
        >>> from mmdet.apis import inference_detector
        >>> model = init_refined_detector(
        ...     'segrefiner::mmdet/segrefiner-lr_mask-rcnn_r50_fpn_1x_coco.py',
        ...     'mask_rcnn_r50_fpn_1x_coco.pth', device='cpu')
        >>> result = inference_detector(model, 'demo.jpg')
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(config_path(config))
    model_cfg = config.model.get('detector', config.model)
    if cfg_options is None and 'init_cfg' in model_cfg.get('backbone', {}):
        model_cfg.backbone.init_cfg = None
    return init_detector(config, checkpoint, palette, device,
                         cfg_options=cfg_options or {})
