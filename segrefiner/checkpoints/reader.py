"""Reading checkpoint and result files as data.

Every read without ``trust_checkpoint`` is: :func:`~.files.open_regular`
(a regular file of bounded size, opened once), then for a torch zip the
format gate (:mod:`.gate`, torch's own zip reader on that open file), the
allowlist check of the pickle's globals (:mod:`.allowlist`), and
``torch.load(weights_only=True)`` of the same open file with the checked
numpy/mmengine stand-ins allowed for that call only
(``torch.serialization.safe_globals``). A ``.safetensors`` file is read by
the ``safetensors`` package (tensors only, no pickle). mmdet result pickles
(raw pickles, no zip) are :mod:`.raw_pickles`.

``trust_checkpoint=True`` is the explicit opt-in to plain
``torch.load(weights_only=False)`` (legacy files included) for a file the
user trusts; TorchScript archives are refused even then.
"""
import os
import pickle
import threading
from typing import Any, BinaryIO, Dict

import torch

from .allowlist import check_permitted, plain, safe_globals
from .errors import NotACheckpointError, UnsafeCheckpointError
from .files import PathLike, open_regular, safetensors_header_size
from .gate import open_torch_zip, pickle_globals

#: ``safe_globals`` edits torch's process-wide allowlist while it is
#: entered; loads take turns so that one never ends another's scope.
SCOPE = threading.RLock()

__all__ = ['load_checkpoint_file', 'SCOPE', 'torch_message', 'as_plain']


def torch_message(exc: Exception) -> str:
    """The reason inside torch's long weights-only error message."""
    text = str(exc)
    marker = 'WeightsUnpickler error: '
    if marker in text:
        text = text.split(marker, 1)[1]
    return text.strip().splitlines()[0] if text.strip() else type(
        exc).__name__


def _load_zip(file: BinaryIO, path: str, size: int, map_location: Any,
              trust: bool) -> Any:
    """Gate, check and load one torch zip (the caller holds the scope)."""
    reader = open_torch_zip(file, path, size)
    if not trust:
        check_permitted(pickle_globals(reader, path), path)
    del reader
    file.seek(0)  # the reader moved it
    try:
        return torch.load(file, map_location=map_location,
                          weights_only=not trust)
    except UnsafeCheckpointError:
        raise
    except (pickle.UnpicklingError, TypeError, AttributeError) as exc:
        raise UnsafeCheckpointError(
            f'{path}: refused to load: torch\'s weights-only reader stopped '
            f'it: {torch_message(exc)}') from None
    except NotACheckpointError:
        raise
    except Exception as exc:  # record size, EOF, ... of a damaged file
        raise NotACheckpointError(
            f'{path}: not a readable torch checkpoint ({type(exc).__name__}:'
            f' {torch_message(exc)})') from None


def _load_safetensors(file: BinaryIO, path: str, map_location: Any
                      ) -> Dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load
    try:
        state = load(file.read())
    except SafetensorError as exc:
        raise NotACheckpointError(
            f'{path}: not a readable safetensors file ({exc})') from None
    device = map_location if isinstance(map_location,
                                        (str, torch.device)) else 'cpu'
    return {k: v.to(device) for k, v in state.items()}


def load_checkpoint_file(path: PathLike, trust_checkpoint: bool = False,
                         map_location: Any = 'cpu') -> Any:
    """Read a checkpoint file (torch zip ``.pth`` or ``.safetensors``) as
    data.

    Args:
        path: The file.
        trust_checkpoint: Unpickle without restrictions (runs whatever the
            file's pickle holds): only for files you trust.
        map_location: As in ``torch.load``.

    Returns:
        The checkpoint: tensors, containers, numbers, strings, numpy values
        and mmengine ``HistoryBuffer`` objects (a safetensors file: its
        state dict).

    Raises:
        FileNotFoundError: Nothing is at ``path``.
        UnsafeCheckpointError: It would need code to load (a refused
            global, a TorchScript archive, a legacy file).
        NotACheckpointError: It is not a readable checkpoint (the message
            says what it is).

    Example:
        >>> torch.save({'w': torch.ones(2)}, '/tmp/w.pth')
        >>> load_checkpoint_file('/tmp/w.pth')['w']
        tensor([1., 1.])
    """
    path = os.fspath(path)
    file, size = open_regular(path)
    with file:
        head = file.read(16)
        file.seek(0)
        if safetensors_header_size(head, size):
            return _load_safetensors(file, path, map_location)
        if trust_checkpoint and not head.startswith(b'PK'):
            return torch.load(file, map_location=map_location,
                              weights_only=False)  # legacy: trusted
        with SCOPE, torch.serialization.safe_globals(safe_globals()):
            loaded = _load_zip(file, path, size, map_location,
                               trust_checkpoint)
    return loaded if trust_checkpoint else as_plain(loaded, path)


def as_plain(loaded: Any, path: str) -> Any:
    try:
        return plain(loaded)
    except RecursionError:
        raise NotACheckpointError(f'{path}: nested too deeply') from None
