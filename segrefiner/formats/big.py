"""``big``: BIG / CascadePSP's one folder of ``a_im.jpg`` ~ ``a_seg.png``
(``a_gt.png`` ignored), refined masks written as ``a_seg.png``."""
from pathlib import Path
from typing import Optional

from ..io import list_masks
from .masks import MaskFolder

__all__ = ['BigFolder']


def _has_tag(folder: Path, tag: str) -> bool:
    return any(p.stem.endswith(tag) and len(p.stem) > len(tag)
               for p in list_masks(folder))


class BigFolder(MaskFolder):
    """The BIG layout: the mask folder's ``*_seg`` files, matched to the
    image folder's ``*_im`` files (often the same folder)."""
    name = 'big'
    reads = 'BIG / CascadePSP: a_im.jpg ~ a_seg.png in one folder'
    tags = ('_im', '_seg')

    def detect(self, images: Path, predictions: Path) -> bool:
        return (predictions.is_dir() and images.is_dir()
                and _has_tag(images, '_im')
                and _has_tag(predictions, '_seg'))

    def check(self, images: Path, predictions: Path) -> Optional[str]:
        return None
