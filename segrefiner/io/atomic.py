"""Atomic file writes and the clean-up of what an interrupted one left.

Why: a reader (or a resumed run) must never see a partial file under a final
name, so every writer of the package puts its bytes (or a folder's files)
under a temporary name ``.<name>.<random>.tmp`` in the destination folder and
renames it.
"""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

PathLike = Union[str, os.PathLike]
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename it.

    The temporary file, ``.<name>.<random>.tmp``, is in the destination
    folder, so a reader (or a resumed run) never sees a partial file under
    the final name. Parent folders are created; the file gets the usual
    permissions (umask), not ``mkstemp``'s 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.',
                               suffix='.tmp',
                               dir=path.parent)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def temp_owner(name: str) -> Optional[str]:
    """The final file name a temporary file name of the writers stands for.

    Examples:
        >>> temp_owner('.a.png.k2j_x9q1.tmp')
        'a.png'
        >>> temp_owner('a.png') is None
        True
    """
    if not (name.startswith('.') and name.endswith('.tmp')):
        return None
    owner, dot, rand = name[1:-len('.tmp')].rpartition('.')
    return owner if dot and owner and rand else None


def clean_stale_temps(folder: PathLike,
                      names: Optional[Iterable[str]] = None) -> int:
    """Delete the temporary files and folders (:func:`atomic_folder`) left in
    ``folder`` by an interrupted writer.

    Args:
        folder: The output folder (a missing one is fine).
        names: Only the temporary files of these final names (``None``: all).

    Returns:
        How many files were removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    wanted = None if names is None else set(names)
    removed = 0
    for path in folder.iterdir():
        owner = temp_owner(path.name)
        if owner and (wanted is None or owner in wanted):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def atomic_folder(path: PathLike) -> Iterator[Path]:
    """A folder written whole or not at all: fill the yielded temporary
    folder, which then replaces ``path`` (an older ``path`` is removed).

    The temporary folder ``.<name>.<random>.tmp`` is beside ``path``, so a
    reader (or a resumed run) sees the old folder or the new one, never a
    part; an exception removes it and leaves ``path`` as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def temp() -> Path:
        return Path(tempfile.mkdtemp(prefix=f'.{path.name}.', suffix='.tmp',
                                     dir=path.parent))

    tmp = temp()
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_UMASK)
        old = None
        if path.is_dir():
            old = temp()
            os.replace(path, old)  # onto an empty folder: allowed
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
