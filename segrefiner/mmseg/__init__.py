"""The mmseg adapter: ``refiner=dict(...)`` inside mmseg segmentor configs.

Load it from a config with ``custom_imports = dict(imports=[
'segrefiner.mmseg'], allow_failed_imports=False)``; see :mod:`.segmentors` and
``docs/openmmlab.md``.
"""
from .seg_logits import relabel_seg_logits
from .segmentors import (RefinedCascadeEncoderDecoder, RefinedEncoderDecoder,
                         RefinementMixin)

__all__ = [
    'RefinedEncoderDecoder', 'RefinedCascadeEncoderDecoder',
    'RefinementMixin', 'relabel_seg_logits'
]
