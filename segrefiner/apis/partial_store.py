"""Per-image results of a one-file output, kept until the file is written.

``tools/refine.py`` writes an mmdet pickle or COCO json once, when every
image is done; meanwhile each refined image is stored under a hidden
``.<out>.partial`` folder beside it, which ``--resume`` reads to skip the
images already done (also those another rank of a distributed run did).
"""
import hashlib
import pickle
import shutil
from pathlib import Path
from typing import Any, Optional

from ..io import atomic_write_bytes, clean_stale_temps
from .distributed import is_main_process

__all__ = ['PartialStore']


class PartialStore:
    """Per-image results of a one-file output, kept beside it until done.

    Every rank of a distributed run puts its own images; rank 0 alone
    empties the store and removes stale temporary files, so the ranks meet
    at a barrier before they put anything.

    Args:
        out: The final output file; the store is ``.<name>.partial`` beside.
        resume: Keep what an earlier run stored (else start empty).
    """

    def __init__(self, out: Path, resume: bool) -> None:
        self.folder = out.parent / f'.{out.name}.partial'
        if is_main_process():
            if not resume:
                self.finish()
            clean_stale_temps(self.folder)

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha1(key.encode()).hexdigest() + '.pkl')

    def get(self, key: str, digest: str) -> Optional[Any]:
        """The stored value of ``key`` if stored for ``digest``, else None."""
        try:
            entry = pickle.loads(self._path(key).read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        return entry['value'] if entry.get('digest') == digest else None

    def put(self, key: str, digest: str, value: Any) -> None:
        """Store ``value`` for ``key`` (atomically)."""
        atomic_write_bytes(self._path(key),
                           pickle.dumps(dict(digest=digest, value=value)))

    def finish(self) -> None:
        """Delete the store (the output is complete)."""
        shutil.rmtree(self.folder, ignore_errors=True)
