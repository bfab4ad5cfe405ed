"""mmseg segmentors that accept ``refiner=dict(...)`` and refine predictions.

Importing this module (``custom_imports=dict(imports=['segrefiner.mmseg'])``)
registers, in ``mmseg.registry.MODELS``:

* ``RefinedEncoderDecoder`` and ``RefinedCascadeEncoderDecoder``, and
* the same classes under the stock names ``EncoderDecoder`` and
  ``CascadeEncoderDecoder`` (``force=True``),

so an existing mmseg config only adds ``refiner=dict(type='SegRefiner',
...)`` to its ``model``; ``type`` stays as it is.

Why subclasses registered under the stock names (and not a wrapper, a
config helper or a patch of mmseg's classes):

* ``EncoderDecoder.__init__`` has a fixed signature (``mmseg/models/
  segmentors/encoder_decoder.py``), so a ``refiner`` key needs a class that
  accepts it; config rewriting (like ``tools/test.py --tta``) would not work
  for ``init_model`` or plain ``Runner`` use.
* A subclass keeps every attribute and checkpoint key of the stock model:
  stock checkpoints load through ``init_model`` and ``load_from``,
  ``init_model``'s ``config.model.type == 'EncoderDecoder'`` special case,
  ``SegTTAModel`` (``module.out_channels``, ``decode_head.threshold``) and
  the visualiser keep working, and ``isinstance(model, EncoderDecoder)``
  holds. A wrapper needs key remapping and forwarding properties
  (OPENMMLAB.md section 2.4).
* Only the registry entry changes, only in processes that import this
  module, and without ``refiner`` the classes are the stock ones: the mixin
  overrides nothing but ``predict``, which returns ``super().predict()``
  untouched, and adds no module, parameter or buffer. Classes that subclass
  mmseg's ``EncoderDecoder`` in Python (not through the registry) are
  unaffected.

Refinement (``predict`` only; ``loss`` and ``tensor`` mode are stock): the
stock prediction at ``ori_shape`` is refined as a multi-class label map by
:func:`segrefiner.apis.refine_label_map` on the original image
(:func:`segrefiner.apis.hosted.host_image`), then written into both
``pred_sem_seg`` and ``seg_logits`` (:mod:`.seg_logits`), so ``IoUMetric``,
the visualiser and ``SegTTAModel`` (which re-derives the labels from
``seg_logits``) all see it. Under ``--tta`` every augmented view is refined
before the merge.
"""
from typing import Optional

from mmengine.structures import PixelData
from mmseg.models.segmentors import CascadeEncoderDecoder, EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ..apis.hosted import build_hosted_refiner, host_image, hosted_generator
from ..apis.semantic import refine_label_map
from ..utils.compat import use_safe_checkpoint_loader
from .seg_logits import relabel_seg_logits

use_safe_checkpoint_loader(replace=False)


class RefinementMixin:
    """Adds ``refiner=None`` to an mmseg segmentor and refines ``predict``.

    Args:
        *args: The segmentor's own arguments.
        refiner: ``None`` (stock behaviour) or the refiner's config for
            :func:`~segrefiner.apis.hosted.build_hosted_refiner`: a
            ``SegRefiner`` model dict plus optional ``config`` and
            ``checkpoint`` (the refiner's own weights; without one, the
            official LR weights from the cache, ``'random'`` for none).
        **kwargs: The segmentor's own keyword arguments.

    Example:
        A refinement-aware variant of your own ``EncoderDecoder`` subclass:

        >>> @MODELS.register_module()
        ... class RefinedMySegmentor(RefinementMixin, MySegmentor):
        ...     pass
    """

    def __init__(self, *args, refiner: Optional[dict] = None,
                 **kwargs) -> None:
        # the refiner first: missing weights fail before the host is built
        refiner = None if refiner is None else build_hosted_refiner(refiner)
        super().__init__(*args, **kwargs)
        self.refiner = refiner

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Stock prediction, refined when the model has a refiner.

        Args:
            inputs: ``(N, C, H, W)`` preprocessed images.
            data_samples: Their samples (metainfo), as in mmseg.

        Returns:
            The samples with refined ``pred_sem_seg`` and ``seg_logits``.
        """
        results = super().predict(inputs, data_samples)
        if self.refiner is None:
            return results
        device = self.refiner.device
        generator = hosted_generator(self.refiner)
        threshold = getattr(self.decode_head, 'threshold', None)
        for image, sample in zip(inputs, results):
            pred = sample.pred_sem_seg.data
            original = host_image(image, sample.metainfo,
                                  self.data_preprocessor, pred.shape[-2:])
            labels = refine_label_map(self.refiner, original.to(device),
                                      pred[0].long().to(device),
                                      ignore_index=None,
                                      generator=generator).to(pred.device)
            sample.set_data(dict(
                seg_logits=PixelData(data=relabel_seg_logits(
                    sample.seg_logits.data, labels, threshold)),
                pred_sem_seg=PixelData(data=labels[None].to(pred.dtype))))
        return results


@MODELS.register_module(
    name=['RefinedEncoderDecoder', 'EncoderDecoder'], force=True)
class RefinedEncoderDecoder(RefinementMixin, EncoderDecoder):
    """mmseg's ``EncoderDecoder`` with an optional ``refiner``.

    Example:
        >>> cfg.model.refiner = dict(type='SegRefiner')  # official LR
        >>> model = init_model(cfg, 'deeplabv3plus_cityscapes.pth', 'cpu')
        >>> result = inference_model(model, 'demo.png')  # refined
    """


@MODELS.register_module(
    name=['RefinedCascadeEncoderDecoder', 'CascadeEncoderDecoder'],
    force=True)
class RefinedCascadeEncoderDecoder(RefinementMixin, CascadeEncoderDecoder):
    """mmseg's ``CascadeEncoderDecoder`` with an optional ``refiner``.

    Example:
        >>> model = MODELS.build(dict(
        ...     type='CascadeEncoderDecoder', num_stages=2, ...,
        ...     refiner=dict(type='SegRefiner', checkpoint='hr')))
    """
