"""``RefinedDetector``: any mmdet instance segmenter, masks refined.

A wrapper rather than subclasses, because mmdet's instance segmenters share
no class to hook (``TwoStageDetector`` for Mask R-CNN and Cascade Mask
R-CNN, ``SingleStageInstanceSegmentor`` for SOLOv2, ``SingleStageDetector``
for RTMDet-Ins, ``MaskFormer`` for Mask2Former) but all return
``pred_instances.masks`` from ``predict(..., rescale=True)`` at
``ori_shape`` (``mmdet/models/detectors/base.py``,
``add_pred_to_datasample``). The precedent is mmdet's own
``SemiBaseDetector`` (``mmdet/models/detectors/semi_base.py``), configured as
``model = dict(_delete_=True, type=..., detector=_base_.model)``.

Sources: the refinement is the official instance protocol
(:func:`segrefiner.protocols.refine_crops`) on the original image
(:func:`segrefiner.hosted.host_image`); checkpoint keys
follow ``mmengine/runner/checkpoint.py`` (``load_state_dict`` runs each
module's pre-hooks before building its children's state dicts).
"""
from typing import Union

import torch
from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList, SampleList
from mmdet.utils import ConfigType, OptMultiConfig

from ..hosted import build_hosted_refiner, host_image, hosted_generator
from ..ops.binarize import binarize
from ..protocols import refine_crops
from ..checkpoints import use_safe_checkpoint_loader

use_safe_checkpoint_loader(replace=False)  # the detector's file as data

#: Prefixes of the wrapper's own state-dict keys.
OWN_PREFIXES = ('detector.', 'refiner.')


@MODELS.register_module()
class RefinedDetector(BaseDetector):
    """Refine the instance masks of an mmdet detector with SegRefiner.

    Boxes, labels and scores are the detector's; every mask with at least
    ``refiner.test_cfg['area_thr']`` pixels is refined on the original
    image with the batched instance protocol, and all masks come back bool
    at ``ori_shape`` (soft masks, e.g. Mask R-CNN with ``mask_thr_binary <
    0``, are binarised by :func:`segrefiner.ops.binarize` first), as
    ``CocoMetric`` expects.

    A stock detector checkpoint (keys ``backbone.*``, ``roi_head.*``, ...)
    loads as it is: a load-state-dict pre-hook moves its keys under
    ``detector.``; the refiner keeps the weights of its own checkpoint.

    Args:
        detector: Config of any mmdet model whose predictions have
            ``pred_instances.masks``. Its data preprocessor is the
            wrapper's.
        refiner: The refiner's config for
            :func:`~segrefiner.hosted.build_hosted_refiner`: a
            ``SegRefiner`` model dict plus optional ``config`` and
            ``checkpoint`` (without one, the official LR weights from the
            cache; ``'random'`` for none).
        init_cfg: mmengine initialisation config of the wrapper.

    Example:
        >>> model = MODELS.build(dict(
        ...     type='RefinedDetector', detector=mask_rcnn_cfg,
        ...     refiner=dict(type='SegRefiner')))  # official LR weights
        >>> model.load_state_dict(torch.load('mask_rcnn.pth')['state_dict'])
    """

    def __init__(self,
                 detector: ConfigType,
                 refiner: ConfigType,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        # the refiner first: missing weights fail before the detector builds
        self.refiner = build_hosted_refiner(refiner)
        self.detector = MODELS.build(detector)
        self.data_preprocessor = self.detector.data_preprocessor
        self._register_load_state_dict_pre_hook(self._move_detector_keys)

    def _move_detector_keys(self, state_dict: dict, prefix: str,
                            *args) -> None:
        """Pre-hook: file a stock checkpoint's keys under ``detector.``.

        Keys of modules the wrapper shares with the detector (its data
        preprocessor) are kept under both names.
        """
        for key in [k for k in state_dict if k.startswith(prefix)]:
            name = key[len(prefix):]
            if name.startswith(OWN_PREFIXES):
                continue
            shared = name.split('.', 1)[0] in self._modules
            value = state_dict[key] if shared else state_dict.pop(key)
            state_dict.setdefault(f'{prefix}detector.{name}', value)

    def loss(self, batch_inputs: torch.Tensor,
             batch_data_samples: SampleList) -> Union[dict, tuple]:
        """The detector's losses (the refiner is not trained here)."""
        return self.detector.loss(batch_inputs, batch_data_samples)

    def _forward(self, batch_inputs: torch.Tensor,
                 batch_data_samples: OptSampleList = None):
        """The detector's raw outputs (``tensor`` mode), unrefined."""
        return self.detector._forward(batch_inputs, batch_data_samples)

    def extract_feat(self, batch_inputs: torch.Tensor):
        """The detector's features."""
        return self.detector.extract_feat(batch_inputs)

    def predict(self,
                batch_inputs: torch.Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """The detector's predictions with refined ``pred_instances.masks``.

        Args:
            batch_inputs: ``(N, 3, H, W)`` preprocessed images.
            batch_data_samples: Their samples, as in mmdet.
            rescale: Must be ``True``: masks are refined at the original
                resolution.

        Returns:
            The samples, ``pred_instances.masks`` refined (bool).
        """
        if not rescale:
            raise ValueError('RefinedDetector refines masks at the original '
                             'image size; predict(rescale=False) is not '
                             'supported')
        results = self.detector.predict(batch_inputs, batch_data_samples,
                                        rescale=True)
        device = self.refiner.device
        generator = hosted_generator(self.refiner)
        options = self.refiner.inference_options()  # read once per call
        for image, sample in zip(batch_inputs, results):
            instances = sample.pred_instances
            if 'masks' not in instances:
                raise ValueError(
                    f'{type(self.detector).__name__} predicts no masks: '
                    'RefinedDetector needs an instance segmentation model')
            masks = instances.masks
            coarse = binarize(masks)
            original = host_image(image, sample.metainfo,
                                  self.data_preprocessor, masks.shape[-2:])
            instances.masks = refine_crops(self.refiner, original.to(device),
                                           coarse.to(device), generator,
                                           options=options).to(masks.device)
        return results
