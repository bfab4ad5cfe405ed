"""mmengine's local-file loader, reading checkpoints as data.

mmengine 0.10.7's local-file loader calls ``torch.load`` without
``weights_only``, so on torch >= 2.6 ``load_from`` and ``resume`` fail on
the checkpoints mmengine itself writes (numpy scalars in ``meta``,
``HistoryBuffer`` in ``message_hub``; open-mmlab/mmengine#1655), and the
usual work-arounds (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``, or re-registering
the loader with ``weights_only=False``) let any downloaded file run code.

:func:`use_safe_checkpoint_loader` instead re-registers mmengine's
local-file scheme (``CheckpointLoader.register_scheme(prefixes='')``, the
one ``load_from``, ``resume``, ``init_model`` and ``init_detector`` use for
paths) with :func:`.reader.load_checkpoint_file`, and hands mmengine only
what it treats as data: ``Runner.resume`` evaluates ``meta['config']`` as
Python (``Config.fromstring``), so it is dropped (mmengine itself writes
the config under ``meta['cfg']``, which it never evaluates), and
``meta['dataset_meta']`` and ``message_hub`` must be plain builtins, numpy
values and ``HistoryBuffer`` objects. ``trust=True`` is the explicit opt-in
(``tools/train.py --trust-checkpoint``). URLs keep mmengine's own loaders.
"""
import os.path as osp
from typing import Any

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.runner import checkpoint as mmengine_checkpoint

from .errors import UnsafeCheckpointError
from .reader import load_checkpoint_file

#: ``meta`` keys that mmengine evaluates as code.
EVALUATED_META = ('config', )
PLAIN = (type(None), bool, int, float, complex, str, bytes, np.generic,
         np.ndarray, torch.Tensor, HistoryBuffer)

__all__ = ['use_safe_checkpoint_loader', 'as_training_data']


def _check_plain(value: Any, where: str, filename: str) -> None:
    if isinstance(value, (dict, list, tuple)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if not isinstance(key, (str, int)):
                raise UnsafeCheckpointError(
                    f'{filename}: {where} has a key of type '
                    f'{type(key).__name__}, not plain data')
            _check_plain(item, f'{where}[{key!r}]', filename)
    elif not isinstance(value, PLAIN):
        raise UnsafeCheckpointError(
            f'{filename}: {where} holds a {type(value).__name__}, not plain '
            'data')


def as_training_data(checkpoint: Any, filename: str) -> Any:
    """``checkpoint`` as mmengine may use it: evaluated ``meta`` keys
    dropped, ``dataset_meta`` and ``message_hub`` checked as plain data.

    Raises:
        UnsafeCheckpointError: Naming the file and the odd value.
    """
    if not isinstance(checkpoint, dict):
        return checkpoint
    meta = checkpoint.get('meta')
    if isinstance(meta, dict):
        for key in EVALUATED_META:
            meta.pop(key, None)
        _check_plain(meta.get('dataset_meta'), "meta['dataset_meta']",
                     filename)
    _check_plain(checkpoint.get('message_hub'), 'message_hub', filename)
    return checkpoint


def _local(filename: str, map_location, trust: bool):
    """mmengine's ``load_from_local`` contract (``FileNotFoundError`` for a
    missing file), read by our reader."""
    filename = osp.expanduser(filename)
    checkpoint = load_checkpoint_file(filename, trust, map_location)
    return checkpoint if trust else as_training_data(checkpoint, filename)


# mmengine logs a loader's name after 'load_from_' ("local_as_data backend")
def load_from_local_as_data(filename: str, map_location=None):
    return _local(filename, map_location, trust=False)


def load_from_local_trusted(filename: str, map_location=None):
    return _local(filename, map_location, trust=True)


def use_safe_checkpoint_loader(trust: bool = False,
                               replace: bool = True) -> None:
    """Make mmengine read local checkpoint files with the safe reader.

    Process-wide (mmengine's loader registry) and idempotent;
    ``tools/train.py`` calls it, and the adapters (``segrefiner.mmseg``,
    ``segrefiner.mmdet``) on import with ``replace=False``.

    Args:
        trust: Unpickle without restrictions instead (trusted files only).
        replace: Also replace a loader other than mmengine's own (an
            earlier choice, e.g. ``trust=True``); ``False`` keeps it.

    Example:
        >>> use_safe_checkpoint_loader()
        >>> ckpt = CheckpointLoader.load_checkpoint('work_dirs/x/iter_10.pth')
    """
    if not replace and CheckpointLoader._schemes.get('') is not (
            mmengine_checkpoint.load_from_local):
        return
    CheckpointLoader.register_scheme(
        prefixes='',
        loader=load_from_local_trusted if trust else load_from_local_as_data,
        force=True)
