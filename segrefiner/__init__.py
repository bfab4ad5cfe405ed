"""SegRefiner: discrete-diffusion mask refinement for OpenMMLab 2.0.

Importing the package registers the core modules in mmengine's root
registries; it needs only torch, mmengine, numpy and opencv.
"""
from . import models  # noqa: F401  (registers the models)
from .version import __version__

__all__ = ['__version__', 'models']
