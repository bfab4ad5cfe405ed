"""Per-image results of a one-file output, kept until the file is written.

``tools/refine.py`` writes an mmdet pickle or COCO json once, when every
image is done; meanwhile each refined image is stored under a hidden
``.<out>.partial`` folder beside it, which ``--resume`` reads to skip the
images already done (also those another rank of a distributed run did).
An entry is JSON (the image's digest and its COCO RLE masks), so reading
the folder back never runs anything that was put there.
"""
import hashlib
import json
import shutil
from pathlib import Path
from typing import List, Optional

from ..io import atomic_write_bytes, clean_stale_temps
from .distributed import is_main_process

__all__ = ['PartialStore']


def _to_json(rle: dict) -> dict:
    counts = rle['counts']
    binary = isinstance(counts, bytes)
    return dict(size=list(rle['size']),
                counts=counts.decode('ascii') if binary else counts,
                binary=binary)


def _from_json(entry: dict) -> dict:
    counts = entry['counts']
    if not (isinstance(counts, str) and isinstance(entry['size'], list)):
        raise ValueError('not an RLE')
    return dict(size=entry['size'],
                counts=counts.encode('ascii') if entry['binary'] else counts)


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
        return self.folder / (hashlib.sha1(key.encode()).hexdigest() +
                              '.json')

    def get(self, key: str, digest: str) -> Optional[List[dict]]:
        """The stored RLE masks of ``key`` if stored for ``digest``, else
        None (also for an entry that is not this store's JSON)."""
        try:
            entry = json.loads(self._path(key).read_bytes())
            if entry['digest'] != digest:
                return None
            return [_from_json(rle) for rle in entry['masks']]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, digest: str, masks: List[dict]) -> None:
        """Store the RLE ``masks`` of ``key`` (atomically)."""
        entry = dict(digest=digest, masks=[_to_json(rle) for rle in masks])
        atomic_write_bytes(self._path(key), json.dumps(entry).encode())

    def finish(self) -> None:
        """Delete the store (the output is complete)."""
        shutil.rmtree(self.folder, ignore_errors=True)
