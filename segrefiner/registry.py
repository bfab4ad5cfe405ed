"""The ``segrefiner`` scope of mmengine: its registries and its configs.

mmengine knows an OpenMMLab package by two things, and this module gives
``segrefiner`` both (mmengine 0.10.7: ``mmengine/registry/registry.py``,
``mmengine/config/config.py`` and ``mmengine/config/utils.py``):

* **Registries.** A config dict built under scope ``segrefiner`` (every
  dict of a base config inherited as ``segrefiner::...`` carries
  ``_scope_='segrefiner'``) makes mmengine import ``segrefiner.registry``
  and look for a child registry of that scope. :data:`REGISTRIES` holds one
  child of each root registry; they register nothing of their own, so every
  lookup falls through to the root registries where this package's modules
  live (they resolve under any scope: mmseg, mmdet or none).
* **Configs.** ``segrefiner::segrefiner/segrefiner_lr.py`` names the file
  ``segrefiner/segrefiner_lr.py`` of :data:`CONFIG_ROOT`, the package's
  ``.mim/configs`` (mmseg's and mmdet's layout): a symlink to the
  repository's ``configs/`` in a checkout and an editable install, a copy
  in a wheel (``setup.py``'s ``package_data``). :func:`register_config_scope`
  (run on ``import segrefiner``) tells mmengine about it, so ``_base_ =
  ['segrefiner::...']`` and ``mmengine.hub.get_config('segrefiner::...')``
  resolve it; :func:`config_path` does the same for this package's own
  loaders (``init_refiner``, ``refiner=dict(config=...)``, the tools).

Two things mmengine 0.10.7 lacks are supplied by
:func:`register_config_scope`: its package list (``MODULE2PACKAGE``) is
fixed, so ``segrefiner`` is added to it; and its ``get_installed_path``
assumes the package sits at ``<distribution location>/<name>``, which is
false for a PEP 660 editable install (``pip install -e .``: the location is
``site-packages``, the code is in the checkout) and for a ``PYTHONPATH``
copy, so for ``segrefiner`` alone it answers with the directory of the
imported package. ``Config.fromfile`` itself takes no ``pkg::`` name at the
top level, for mmseg and mmdet neither; ``get_config`` is mmengine's way.
"""
import os
import sys
from typing import Union

from mmengine.config import utils as config_utils
from mmengine.registry import Registry, root
from mmengine.utils import package_utils

SCOPE = 'segrefiner'
PREFIX = f'{SCOPE}::'
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
#: Where ``segrefiner::NAME`` looks for ``NAME``.
CONFIG_ROOT = os.path.join(PACKAGE_DIR, '.mim', 'configs')
#: Where mmengine's ``get_installed_path`` is looked up by its users (not
#: its own module, ``package_utils``, which keeps the original).
_PATH_USERS = ('mmengine.utils', 'mmengine.config.config', 'mmengine.hub.hub')
_mmengine_installed_path = package_utils.get_installed_path

#: A ``segrefiner``-scope child of every mmengine root registry, by name;
#: importing ``segrefiner`` (its ``locations``) registers the modules.
REGISTRIES = {
    parent.name: Registry(parent.name, parent=parent, scope=SCOPE,
                          locations=[SCOPE])
    for parent in vars(root).values() if isinstance(parent, Registry)
}


def config_path(config: Union[str, os.PathLike]) -> str:
    """The file a config name means: ``segrefiner::NAME`` is ``NAME`` in
    :data:`CONFIG_ROOT`; any other name is returned as it is.

    Raises:
        FileNotFoundError: A ``segrefiner::`` name that is not there.

    Example:
        >>> config_path('segrefiner::segrefiner/segrefiner_lr.py')
        '.../site-packages/segrefiner/.mim/configs/segrefiner/segrefiner_lr.py'
    """
    config = os.fspath(config)
    if not config.startswith(PREFIX):
        return config
    path = os.path.join(CONFIG_ROOT, config[len(PREFIX):])
    if not os.path.isfile(path):
        where = ('' if os.path.isdir(CONFIG_ROOT) else
                 ' (the package has no configs: reinstall segrefiner)')
        raise FileNotFoundError(f'config not found: {config}: no {path}'
                                f'{where}')
    return path


def register_config_scope() -> None:
    """Make mmengine resolve ``segrefiner::`` config names (idempotent)."""
    config_utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
    for name in _PATH_USERS:
        module = sys.modules.get(name)
        if module is not None:
            module.get_installed_path = _installed_path


def _installed_path(package: str) -> str:
    """mmengine's ``get_installed_path``, but ``segrefiner`` is the
    directory of the imported package."""
    if package == SCOPE:
        return PACKAGE_DIR
    return _mmengine_installed_path(package)
