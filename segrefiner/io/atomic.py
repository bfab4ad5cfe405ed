"""Atomic file writes and the clean-up of what an interrupted one left.

Why: a reader (or a resumed run) must never see a partial file under a final
name, so every writer of the package puts its bytes under a temporary name
``.<name>.<random>.tmp`` in the destination folder and renames it.
"""
import os
import tempfile
from pathlib import Path
from typing import Iterable, Optional, Union

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
    """Delete temporary files left in ``folder`` by an interrupted writer.

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
        if owner and path.is_file() and (wanted is None or owner in wanted):
            path.unlink()
            removed += 1
    return removed
