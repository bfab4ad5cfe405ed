"""``mmdet-pkl``: mmdet 3.x ``tools/test.py --out results.pkl``.

``DumpDetResults`` dumps a list with one dict per image: ``img_path`` and
``pred_instances`` with ``masks`` (RLE dicts ``{'size': [h, w], 'counts':
bytes}``, from ``encode_mask_results``), ``bboxes``, ``scores`` and
``labels``. Written back with the same structure, only ``masks`` refined.
Read as data (:func:`~segrefiner.io.read_result_file`: torch's weights-only
unpickler), never run; written with pickle protocol 2, as ``mmengine.dump``.
"""
import pickle
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from ..io import PathLike, read_result_file
from .base import FileFormat, Group

__all__ = ['MmdetPickle']


class MmdetPickle(FileFormat):
    """An mmdet results pickle (detected by ``.pkl`` / ``.pickle``)."""
    name = 'mmdet-pkl'
    reads = 'mmdet 3.x tools/test.py --out results.pkl'
    flags = frozenset({'batch_images'})

    def detect(self, images: Path, predictions: Path) -> bool:
        return predictions.suffix.lower() in ('.pkl', '.pickle')

    def read(self, results: PathLike,
             ann_file: Optional[PathLike]) -> Tuple[Any, List[Group]]:
        entries = read_result_file(results, 'pickle')
        if not isinstance(entries, list):
            raise ValueError(
                f'{results}: expected a list of per-image results')
        groups = []
        for i, entry in enumerate(entries):
            entry = entry if isinstance(entry, dict) else {}
            pred = entry.get('pred_instances')
            name = str(entry.get('img_path', f'{results}[{i}]'))
            problem = None
            if 'img_path' not in entry or not isinstance(pred, dict):
                problem = 'not an mmdet result (no img_path or pred_instances)'
            elif 'masks' not in pred:
                problem = 'no instance masks (a detection-only result?)'
            groups.append(
                Group(str(i), name, [] if problem else list(pred['masks']),
                      problem=problem))
        return entries, groups

    def write(self, content: Any, groups: Sequence[Group],
              refined: Sequence[Optional[list]]) -> bytes:
        new = []
        for entry, masks in zip(content, refined):
            if masks is not None:
                entry = dict(entry)
                entry['pred_instances'] = dict(entry['pred_instances'],
                                               masks=masks)
            new.append(entry)
        return pickle.dumps(new, protocol=2)  # readable back as data
