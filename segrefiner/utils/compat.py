"""mmengine 0.10.7 on torch >= 2.6: training checkpoints read as data.

mmengine 0.10.7's local-file loader calls ``torch.load`` without
``weights_only``, so on torch >= 2.6 ``load_from`` and ``resume`` fail on
the checkpoints mmengine itself writes (numpy scalars in ``meta``,
``HistoryBuffer`` in ``message_hub``; open-mmlab/mmengine#1655), and the
usual work-arounds (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``, or re-registering
the loader with ``weights_only=False``) let any downloaded file run code.

:func:`use_safe_checkpoint_loader` instead re-registers mmengine's
local-file scheme (``CheckpointLoader.register_scheme(prefixes='')``, the
one ``load_from``, ``resume``, ``init_model`` and ``init_detector`` use for
paths) with :func:`segrefiner.checkpoint.load_checkpoint_file`: the same
restricted reader as every other load in this package, which rebuilds those
training checkpoints (tensors, numpy values, ``HistoryBuffer``) and refuses
files whose pickle needs code. ``trust=True`` is the explicit opt-in
(``tools/train.py --trust-checkpoint``). URLs keep mmengine's own loaders.
"""
import os.path as osp

from mmengine.runner import CheckpointLoader
from mmengine.runner import checkpoint as mmengine_checkpoint

from ..checkpoint import load_checkpoint_file


def _local(filename: str, map_location, trust: bool):
    """mmengine's ``load_from_local`` contract, read by our reader."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_checkpoint_file(filename, trust, map_location)


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
