"""Raw pickles of data: mmdet ``--out`` result files.

mmdet 3.x writes its results with ``mmengine.dump`` (``pickle`` protocol 2,
no zip): dicts, lists, strings, numpy arrays, RLE ``bytes`` and CPU
tensors. They are read by torch's weights-only ``Unpickler`` with the
checkpoint allowlist (:mod:`.allowlist`). A tensor in a raw pickle is
``_rebuild_tensor_v2(_load_from_bytes(blob), ...)``, where the blob is a
legacy ``torch.save`` of its storage; ``_load_from_bytes`` is allowed as
:func:`_storage_from_bytes`, which refuses a tar blob (torch's tar branch
extracts members to disk and opens them), checks the blob's five pickles
(magic, protocol, system info, storage, keys) with the same allowlist and
its declared storage size against the blob's length before
``torch.load(weights_only=True)`` allocates it.
"""
import io
import os
import tarfile
from typing import Any, List

import torch
from torch._weights_only_unpickler import Unpickler, get_globals_in_pkl

from .allowlist import check_permitted, safe_globals
from .errors import NotACheckpointError, UnsafeCheckpointError
from .files import PathLike, describe_content, open_regular
from .gate import scan_globals
from .reader import SCOPE, as_plain, torch_message

STORAGE_FROM_BYTES = 'torch.storage._load_from_bytes'
LEGACY_MAGIC = b'\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19'
LEGACY_PICKLES = 5
RESULTS_REMEDY = ('mmdet and mmengine.dump write only dicts, lists, numbers, '
                  'strings, numpy arrays and tensors: do not use this file.')
PROTOCOL_2 = b'\x80\x02'

__all__ = ['read_pickle_file']


def _declared_storages(blob: bytes) -> List[tuple]:
    """The storage ids of a legacy blob's main pickle, unpickled by torch's
    reader with a persistent load that only records them."""
    file = io.BytesIO(blob)
    for _ in range(3):  # magic number, protocol version, system info
        Unpickler(file).load()
    found: List[tuple] = []
    main = Unpickler(file)
    main.persistent_load = lambda pid: found.append(pid)
    main.load()
    return found


def _is_tar(blob: bytes) -> bool:
    """Whether torch's ``_legacy_load`` would take its tar branch (the
    same ``tarfile.open`` call), which extracts members to disk and opens
    them: a symlink member reaches any local file, FIFO or device."""
    try:
        tarfile.open(fileobj=io.BytesIO(blob), mode='r:',
                     format=tarfile.PAX_FORMAT).close()
    except tarfile.TarError:
        return False
    return True


def _itemsize(storage_type: Any) -> int:
    dtype = getattr(storage_type, 'dtype', None)
    return torch._utils._element_size(dtype) if isinstance(
        dtype, torch.dtype) else 1 << 30  # unknown: no size passes


def _storage_from_bytes(path: str):

    def load(blob: Any) -> torch.TypedStorage:
        if not (isinstance(blob, bytes) and blob.startswith(LEGACY_MAGIC)
                ) or _is_tar(blob):
            raise UnsafeCheckpointError(
                f'{path}: refused to load: a tensor that is not a plain '
                'torch storage (a tar blob, whose members torch extracts)')
        file = io.BytesIO(blob)
        for _ in range(LEGACY_PICKLES):
            check_permitted(get_globals_in_pkl(file), path, 'result data',
                            RESULTS_REMEDY)
        for pid in _declared_storages(blob):
            if not (isinstance(pid, tuple) and len(pid) == 6
                    and pid[0] == 'storage' and isinstance(pid[4], int)
                    and 0 <= pid[4] * _itemsize(pid[1]) <= len(blob)):
                raise NotACheckpointError(
                    f'{path}: a tensor declares more data than it holds')
        storage = torch.load(io.BytesIO(blob), weights_only=True)
        if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
            raise UnsafeCheckpointError(f'{path}: a tensor without storage')
        return storage

    return load


def read_pickle_file(path: PathLike) -> Any:
    """Read a raw pickle of data (an mmdet ``--out`` results file).

    Raises:
        FileNotFoundError: Nothing is at ``path``.
        UnsafeCheckpointError: Its pickle names a global that is not data;
            the message names the file and the global.
        NotACheckpointError: Not a readable protocol-2 pickle (the message
            says what the file is).
    """
    path = os.fspath(path)
    file, size = open_regular(path)
    with file:
        data = file.read(size)
    if not data.startswith(PROTOCOL_2):
        what = (f'a pickle of protocol {data[1]}' if data[:1] == b'\x80'
                and len(data) > 1 else describe_content(data[:512]))
        raise NotACheckpointError(
            f'{path}: {what}, not a pickle of protocol 2 (what mmengine.dump '
            'and mmdet write; re-save with pickle protocol 2)')
    check_permitted(scan_globals(data, path) - {STORAGE_FROM_BYTES}, path,
                    'result data', RESULTS_REMEDY)
    allowed = safe_globals() + [(_storage_from_bytes(path),
                                 STORAGE_FROM_BYTES)]
    with SCOPE, torch.serialization.safe_globals(allowed):
        try:
            loaded = Unpickler(io.BytesIO(data), encoding='utf-8').load()
        except (UnsafeCheckpointError, NotACheckpointError):
            raise
        except Exception as exc:
            raise UnsafeCheckpointError(
                f'{path}: refused to load: torch\'s weights-only reader '
                f'stopped it: {torch_message(exc)}') from None
    return as_plain(loaded, path)
