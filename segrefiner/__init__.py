"""SegRefiner: discrete-diffusion mask refinement for OpenMMLab 2.0.

Importing the package registers the core modules in mmengine's root
registries and the package's configs as mmengine's ``segrefiner::`` scope
(:mod:`segrefiner.registry`); it needs only torch, mmengine, numpy and
opencv. It also hides one third-party warning: mmengine 0.10.7 imports
setuptools' ``pkg_resources`` to find ``mmseg::`` / ``mmdet::`` configs,
which makes setuptools >= 80 print ``pkg_resources is deprecated`` on every
such config load; the warning is about mmengine, not about anything a user
can change.
"""
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated',
                        category=UserWarning)
from . import data, engine, models  # noqa: F401  (registers the modules)
from .registry import register_config_scope
from .version import __version__

register_config_scope()

__all__ = ['__version__', 'data', 'engine', 'models']
