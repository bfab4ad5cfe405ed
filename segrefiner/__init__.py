"""SegRefiner: discrete-diffusion mask refinement for OpenMMLab 2.0.

Importing the package registers the core modules in mmengine's root
registries; it needs only torch, mmengine, numpy and opencv.
"""
from . import data, engine, models  # noqa: F401  (registers the modules)
from .version import __version__

__all__ = ['__version__', 'data', 'engine', 'models']
