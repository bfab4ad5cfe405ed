"""mmseg segmentors that accept ``refiner=dict(...)`` and refine predictions.

Importing this module (``custom_imports=dict(imports=['segrefiner.mmseg'])``)
registers, in ``mmseg.registry.MODELS``:

* ``RefinedEncoderDecoder`` and ``RefinedCascadeEncoderDecoder``, and
* the same classes under the stock names ``EncoderDecoder`` and
  ``CascadeEncoderDecoder`` (``force=True``),

so an existing mmseg config only adds ``refiner=dict(type='SegRefiner',
...)`` to its ``model``; ``type`` stays as it is.

Why subclasses under the stock names, not a wrapper (docs/design.md,
section 3): ``EncoderDecoder.__init__`` has a fixed signature, and a subclass
keeps the stock checkpoint keys and attributes; without ``refiner`` the
classes behave as the stock ones.

Refinement (``predict`` only; ``loss`` and ``tensor`` mode are stock): the
stock prediction at ``ori_shape`` is refined as a multi-class label map by
:func:`segrefiner.protocols.refine_label_map` on the original image
(:func:`segrefiner.hosted.host_image`), then written into both
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

from ..hosted import build_hosted_refiner, host_image, hosted_generator
from ..protocols import refine_label_map
from ..checkpoints import use_safe_checkpoint_loader
from .seg_logits import relabel_seg_logits

use_safe_checkpoint_loader(replace=False)


class RefinementMixin:
    """Adds ``refiner=None`` to an mmseg segmentor and refines ``predict``.

    Args:
        *args: The segmentor's own arguments.
        refiner: ``None`` (stock behaviour) or the refiner's config for
            :func:`~segrefiner.hosted.build_hosted_refiner`: a
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
        options = self.refiner.inference_options()  # read once per call
        threshold = getattr(self.decode_head, 'threshold', None)
        for image, sample in zip(inputs, results):
            pred = sample.pred_sem_seg.data
            original = host_image(image, sample.metainfo,
                                  self.data_preprocessor, pred.shape[-2:])
            labels = refine_label_map(self.refiner, original.to(device),
                                      pred[0].long().to(device),
                                      ignore_index=None,
                                      generator=generator,
                                      options=options).to(pred.device)
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
