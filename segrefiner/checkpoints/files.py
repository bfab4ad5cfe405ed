"""Opening a checkpoint or result file: regular files only, and what a
file that is not a checkpoint is.

A file is opened once, with ``O_NONBLOCK`` so that a FIFO or a device
cannot block the ``open`` itself, and refused unless ``fstat`` says it is a
regular file (a symlink is followed to its target, which must be one);
everything after reads that same open file. :func:`describe_content` names
what a non-checkpoint file is from its first bytes (magic numbers of the
formats users mistake for weights: PNG, JPEG, gzip, tar, text).
"""
import codecs
import os
import stat
from typing import BinaryIO, Tuple, Union

from .errors import NotACheckpointError

PathLike = Union[str, os.PathLike]
#: The largest file read (64 GiB; the official releases are 1.4 GiB).
MAX_FILE_BYTES = 64 << 30
HEAD_BYTES = 512
ZIP_MAGIC = b'PK\x03\x04'
MAGICS = (
    (b'\x89PNG\r\n\x1a\n', 'a PNG image'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF8', 'a GIF image'),
    (b'\x1f\x8b', 'a gzip file'),
    (b'%PDF', 'a PDF document'),
    (b'\x80\x02\x8a\x0al\xfc\x9cF\xf9', 'a legacy (pre-1.6, non-zip) torch '
     'file'),
    (b'\x80', 'a raw pickle'),
)

__all__ = [
    'MAX_FILE_BYTES', 'ZIP_MAGIC', 'open_regular', 'describe_content',
    'safetensors_header_size'
]


def open_regular(path: PathLike) -> Tuple[BinaryIO, int]:
    """Open ``path`` for reading if it is a regular file of bounded size.

    Returns:
        The open binary file (the caller closes it) and its size.

    Raises:
        FileNotFoundError: Nothing is at ``path``.
        NotACheckpointError: A folder, FIFO, device or socket, an empty
            file, or one over :data:`MAX_FILE_BYTES`.
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such file') from None
    except IsADirectoryError:
        raise NotACheckpointError(f'{path}: a folder, not a file') from None
    except OSError as exc:
        raise NotACheckpointError(f'{path}: cannot be opened ({exc.strerror})'
                                  ) from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = 'a folder, not a file'
    elif not stat.S_ISREG(info.st_mode):
        problem = 'not a regular file (a FIFO, device or socket)'
    elif info.st_size == 0:
        problem = 'an empty file'
    elif info.st_size > MAX_FILE_BYTES:
        problem = (f'{info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte'
                   ' limit of a checkpoint')
    if problem:
        os.close(fd)
        raise NotACheckpointError(f'{path}: {problem}')
    return os.fdopen(fd, 'rb'), info.st_size


def safetensors_header_size(head: bytes, size: int) -> int:
    """The JSON header length of a safetensors file, or 0 if ``head`` does
    not start one (8-byte little-endian length, then ``{``)."""
    if len(head) < 9 or head[8:9] != b'{':
        return 0
    length = int.from_bytes(head[:8], 'little')
    return length if 0 < length <= size - 8 else 0


def describe_content(head: bytes) -> str:
    """What a file that is not a torch zip checkpoint is, from its first
    bytes (a noun phrase, e.g. ``'a PNG image'``)."""
    for magic, what in MAGICS:
        if head.startswith(magic):
            return what
    if len(head) > 262 and head[257:262] == b'ustar':
        return 'a tar archive (a legacy torch file?)'
    if head.startswith(ZIP_MAGIC[:2]):
        return 'a zip file that torch cannot read (truncated or damaged?)'
    try:  # an incremental decoder leaves a character cut at the end
        text = codecs.getincrementaldecoder('utf-8')().decode(head)
    except UnicodeDecodeError:
        return 'not a checkpoint (unknown binary content)'
    if all(c.isprintable() or c.isspace() for c in text):
        return 'a text file'
    return 'not a checkpoint (unknown binary content)'
