"""The format gate: a torch zip checkpoint, read by torch's own zip reader.

Run on the open file that ``torch.load`` then reads, with the reader it
uses (``torch._C.PyTorchFileReader``, what ``torch.serialization.
_open_zipfile_reader`` opens), before any unpickling:

* a file that does not start with a zip local header is not read as a
  checkpoint (legacy pre-1.6 and tar files go through ``_legacy_load``,
  whose ``'module'`` persistent ids and tar members act on the system);
* a zip that torch's reader sees as TorchScript (``constants.pkl`` or
  ``code/`` records: ``torch.load`` would hand it to ``torch.jit.load``) is
  refused, whatever Python's ``zipfile`` thinks of it;
* the records' uncompressed sizes must fit in the file: stored records
  (what ``torch.save`` writes) always do, so a compressed or overlapping
  record (a zip bomb) is refused before anything is inflated. torch itself
  checks that each storage's declared size is its record's size
  (``get_storage_from_record``), so no tensor outgrows the file.

Returns the globals the pickle names (torch's own static scan), for the
allowlist check.
"""
import io
from typing import BinaryIO, Set

import torch
from torch._weights_only_unpickler import get_globals_in_pkl

from .errors import NotACheckpointError, UnsafeCheckpointError
from .files import ZIP_MAGIC, describe_content

TORCHSCRIPT_RECORDS = ('constants.pkl', )

__all__ = ['open_torch_zip', 'pickle_globals', 'scan_globals']


def open_torch_zip(file: BinaryIO, path: str,
                   size: int) -> 'torch._C.PyTorchFileReader':
    """torch's zip reader over ``file`` once the gate above passes.

    Raises:
        UnsafeCheckpointError: A TorchScript archive, or a legacy file.
        NotACheckpointError: Anything else that is not a torch zip, or one
            whose records do not fit in the file.
    """
    head = file.read(512)
    file.seek(0)
    if not head.startswith(ZIP_MAGIC):
        what = describe_content(head)
        if 'legacy' in what or 'tar' in what:
            raise UnsafeCheckpointError(
                f'{path}: refused to load: {what}; that format can act on the '
                'system while it loads. If you trust it, convert it once: '
                'python tools/convert_official_checkpoint.py SRC DST '
                '--trust-checkpoint (SegRefiner weights), or load it with '
                'trust_checkpoint=True / --trust-checkpoint (any file)')
        raise NotACheckpointError(f'{path}: {what}, not a checkpoint')
    try:
        reader = torch._C.PyTorchFileReader(file)
        records = reader.get_all_records()
    except RuntimeError as exc:
        raise NotACheckpointError(
            f'{path}: a zip file that torch cannot read (truncated or '
            f'damaged?): {str(exc).split(". ")[0]}') from None
    finally:
        file.seek(0)
    if any(r in TORCHSCRIPT_RECORDS or r.startswith('code/')
           for r in records):
        raise UnsafeCheckpointError(
            f'{path}: refused to load: a TorchScript archive (code), not a '
            'checkpoint; load it with torch.jit.load only if you trust it')
    if 'data.pkl' not in records:
        raise NotACheckpointError(
            f'{path}: a zip file, but not a torch.save checkpoint (no '
            'data.pkl)')
    declared = sum(reader.get_record_size(r) for r in records)
    if declared > size:
        raise NotACheckpointError(
            f'{path}: its records declare {declared:,} bytes in a {size:,}-'
            'byte file (compressed or overlapping records): refused')
    return reader


def pickle_globals(reader: 'torch._C.PyTorchFileReader',
                   path: str) -> Set[str]:
    """The globals ``data.pkl`` names, by torch's own scan."""
    return scan_globals(reader.get_record('data.pkl'), path)


def scan_globals(data: bytes, path: str) -> Set[str]:
    """The globals a pickle names (``get_globals_in_pkl``: the opcodes
    torch's weights-only unpickler reads; others are refused here)."""
    try:
        return get_globals_in_pkl(io.BytesIO(data))
    except Exception as exc:  # UnpicklingError, EOFError, struct.error
        raise NotACheckpointError(
            f'{path}: a pickle that torch\'s weights-only reader cannot read '
            f'({type(exc).__name__}: {exc}; truncated, or a pickle protocol '
            'above 2: torch.save and mmengine.dump write protocol 2)'
        ) from None
