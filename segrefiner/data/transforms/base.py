"""The base of the refiner's data transforms and their random source.

The transforms are plain callables registered in mmengine's root
``TRANSFORMS``, so they resolve under any default scope and need no mmcv. They
work on the results dict of one sample (OpenMMLab convention) with these keys:

* ``img``: HxWx3 ``uint8`` RGB image; ``gt_mask`` and ``coarse_mask``: HxW
  ``uint8`` 0/1 masks.
* ``views``: the key prefixes of the crops the sample carries (default
  ``['']``); a crop written with ``out_prefix='patch_'`` adds ``patch_img``,
  ``patch_gt_mask`` and ``patch_coarse_mask`` and the view ``'patch_'``, and
  every later transform treats all views alike.
* ``seed`` (optional int): a per-sample seed (see :class:`RandomTransform`).
"""
import os
import zlib
from abc import ABC, abstractmethod
from typing import List, Optional

import numpy as np
from torch.utils.data import get_worker_info

__all__ = ['RandomTransform', 'RefinerTransform', 'view_keys', 'views_of']

VIEW_FIELDS = ('img', 'gt_mask', 'coarse_mask')


def views_of(results: dict) -> List[str]:
    """The view prefixes of a results dict (``['']`` when it names none)."""
    return list(results.get('views', ['']))


def view_keys(results: dict) -> List[str]:
    """The image and mask keys of all views that ``results`` holds.

    Examples:
        >>> view_keys({'img': 0, 'gt_mask': 0, 'views': ['']})
        ['img', 'gt_mask']
    """
    return [
        prefix + field for prefix in views_of(results) for field in VIEW_FIELDS
        if prefix + field in results
    ]


class RefinerTransform(ABC):
    """A transform ``results -> results``, implemented by ``transform``."""

    @abstractmethod
    def transform(self, results: dict) -> dict:
        """Transform one sample's results dict (in place) and return it."""

    def __call__(self, results: dict) -> dict:
        return self.transform(results)

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items()
                         if not k.startswith('_'))
        return f'{type(self).__name__}({args})'


class RandomTransform(RefinerTransform):
    """A :class:`RefinerTransform` with a seedable numpy random source.

    Subclasses draw every random number from ``self.generator(results)``, which
    is, in this order of precedence:

    1. ``numpy.random.default_rng([results['seed'], salt])`` when the sample
       carries a ``seed``: the output then depends on the sample only, whatever
       the worker or the order of loading. ``salt`` is a stable hash of the
       class name, so two transform types never share a stream. The same seed
       gives the same draws every epoch: to vary them a dataset mixes the
       epoch into the seed.
    2. One generator per process, seeded with ``seed`` (if given) mixed with
       the DataLoader worker's seed (if in a worker): workers never repeat each
       other and, under mmengine's seeded ``worker_init_fn``, runs are
       reproducible.
    3. Fresh OS entropy, in the main process without ``seed``.

    Args:
        seed: Seed of the per-process generator.

    Examples:
        >>> class Coin(RandomTransform):
        ...     def transform(self, results):
        ...         rng = self.generator(results)
        ...         results['head'] = bool(rng.random() < 0.5)
        ...         return results
        >>> Coin()(dict(seed=3)) == Coin()(dict(seed=3))
        True
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self._rng: Optional[np.random.Generator] = None
        self._pid: Optional[int] = None

    def generator(self, results: dict) -> np.random.Generator:
        """The random source for this sample (see the class docstring)."""
        if results.get('seed') is not None:
            salt = zlib.crc32(type(self).__name__.encode())
            return np.random.default_rng([int(results['seed']), salt])
        if self._rng is None or self._pid != os.getpid():
            worker = get_worker_info()
            entropy = [
                s for s in (self.seed, worker and worker.seed) if s is not None
            ]
            self._rng = np.random.default_rng(entropy or None)
            self._pid = os.getpid()
        return self._rng
