"""The table of prediction formats: ``tools/refine.py --format`` choices.

Adding a format is one new module with its :class:`~.base.PredictionFormat`
and one line here. The order is the order in which ``--format auto`` tries
them: ``masks``, which takes any folder, comes last.
"""
from pathlib import Path
from typing import Dict, Iterable, Optional

from ..io import PathLike
from .base import PredictionFormat
from .big import BigFolder
from .coco_json import CocoJson
from .labelmap import LabelMaps
from .masks import MaskFolder
from .mmdet_pickle import MmdetPickle
from .sam import SamMasks

__all__ = ['FORMATS', 'check_flags', 'detect_format']

#: Every format by name, in detection order.
FORMATS: Dict[str, PredictionFormat] = {
    fmt.name: fmt
    for fmt in (
        MmdetPickle(),
        CocoJson(),
        SamMasks(),
        BigFolder(),
        LabelMaps(),
        MaskFolder(),
    )
}


def detect_format(images: PathLike, predictions: PathLike) -> str:
    """The ``auto`` format: the first of :data:`FORMATS` whose
    :meth:`~.base.PredictionFormat.detect` accepts the inputs (e.g.
    ``mmdet-pkl`` for a ``.pkl``, ``big`` for ``*_im``/``*_seg`` folders;
    ``masks`` for any other; label-map folders look like masks: name
    them)."""
    return next(name for name, fmt in FORMATS.items()
                if fmt.detect(Path(images), Path(predictions)))


def check_flags(name: str, given: Iterable[str]) -> Optional[str]:
    """The problem of giving the flags ``given`` (e.g. ``'ann'``,
    ``'batch_images'``) with format ``name`` (``None``: none)."""
    fmt, given = FORMATS[name], set(given)
    for flag in sorted(fmt.needs - given):
        return f'{name} needs --{flag.replace("_", "-")}'
    for flag in sorted(given - fmt.flags - fmt.needs):
        takers = [other.name for other in FORMATS.values()
                  if flag in other.flags | other.needs]
        return (f'--{flag.replace("_", "-")} is for {", ".join(takers)}, '
                f'not {name}')
    return None
