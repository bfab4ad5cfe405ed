"""The mmdet adapter: ``RefinedDetector`` and ``init_refined_detector``.

Load it from a config with ``custom_imports = dict(imports=[
'segrefiner.mmdet'], allow_failed_imports=False)``; see ``docs/openmmlab.md``.
"""
from .inference import init_refined_detector
from .refined_detector import RefinedDetector

__all__ = ['RefinedDetector', 'init_refined_detector']
